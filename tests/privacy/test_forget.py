"""/forget and retention in our database and in a Rasa-shaped tracker store."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest

from actions.joining.actions import ActionJoinCouple
from actions.privacy.export import ActionExportData
from actions.privacy.forget import (
    ActionConfirmForget,
    ActionForgetData,
    ActionKeepData,
    ActionOldCoupleChoice,
)
from bot.export import export_document
from bot.housekeeping import (
    PURGE_CONVERSATION,
    RETENTION,
    purge_conversation,
    run_retention,
    schedule_retention,
)
from storage import inbox, timers
from storage.engine import transaction
from storage.models import (
    Agreement,
    ClosedKeyboard,
    Couple,
    InboxUpdate,
    Partner,
    SafetyCheck,
    SafetyEvent,
    Statement,
    Timer,
    utc_now,
)
from storage.retention import purge_texts_before
from storage.timers import DueTimer
from tests.support import factories
from tests.support.couples import exported
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100900
ALEX, SAM = 31, 32
form_couple = partial(factories.form_couple, partners=((ALEX, "Alex"), (SAM, "Sam")))


def add_statements() -> None:
    """Alex wrote one statement (Sam listened); Sam wrote one (Alex listened)."""
    with transaction() as session:
        couple = session.query(Couple).one()
        alex, sam = couple.partners
        mine = Statement(
            couple_id=couple.id,
            speaker_id=alex.id,
            listener_id=sam.id,
            chat_id=GROUP,
            describe_text="ALEX-WORDS",
        )
        theirs = Statement(
            couple_id=couple.id,
            speaker_id=sam.id,
            listener_id=alex.id,
            chat_id=GROUP,
            describe_text="SAM-WORDS",
        )
        session.add_all([mine, theirs])
        session.flush()
        session.add(
            Agreement(
                couple_id=couple.id,
                statement_id=mine.id,
                proposed_by_id=alex.id,
                text="ALEX-REQUEST",
            )
        )
        session.add(SafetyCheck(telegram_user_id=ALEX, answers={"afraid": "no"}))
        session.add(
            SafetyEvent(
                couple_id=couple.id, telegram_user_id=ALEX, kind="crisis_fear", source="group"
            )
        )


def act(domain, action, chat: int, user: int, text: str, intent: str) -> list[dict]:
    chat_type = "group" if chat < 0 else "private"
    tracker = build_tracker(
        chat,
        text,
        intent,
        user_id=user,
        chat_type=chat_type,
        is_callback=text.startswith("/") and intent != "forget_data",
    )
    return run_action(action, tracker, domain)


def test_forget_in_private_deletes_only_that_partners_data(database, domain):
    form_couple(domain, GROUP)
    add_statements()
    asked = act(domain, ActionForgetData(), ALEX, ALEX, "/forget_data", "forget_data")
    assert "Delete everything I keep about you" in texts(asked)[0]
    done = act(domain, ActionConfirmForget(), ALEX, ALEX, "/confirm_forget", "confirm_forget")
    assert "Done" in texts(done)[0]
    [note] = [
        m["custom"]["telegram"]
        for m in done
        if (m.get("custom") or {}).get("telegram", {}).get("chat_id") == GROUP
    ]
    assert note["chat_id"] == GROUP and "setting up again" in note["text"]
    assert "Alex" not in note["text"] and "delete" not in note["text"]
    with transaction() as session:
        assert [p.telegram_user_id for p in session.query(Partner)] == [SAM]
        assert [s.describe_text for s in session.query(Statement)] == ["SAM-WORDS"]
        assert session.query(Statement).one().listener_id is None
        assert session.query(Agreement).count() == 0
        assert session.query(SafetyCheck).count() == session.query(SafetyEvent).count() == 0
        purges = sorted(
            (t.chat_id, t.payload) for t in session.query(Timer).filter_by(kind=PURGE_CONVERSATION)
        )
    assert purges == [(GROUP, json.dumps({"only_user": ALEX})), (ALEX, "{}")]


def test_forget_in_the_group_needs_both_partners(database, domain):
    form_couple(domain, GROUP)
    add_statements()
    act(domain, ActionForgetData(), GROUP, ALEX, "/forget_data", "forget_data")
    first = act(domain, ActionConfirmForget(), GROUP, ALEX, "/confirm_forget", "confirm_forget")
    assert "Waiting for your partner" in texts(first)[0]
    again = act(domain, ActionConfirmForget(), GROUP, ALEX, "/confirm_forget", "confirm_forget")
    assert "You've confirmed" in texts(again)[0]
    with transaction() as session:
        assert session.query(Couple).count() == 1  # nothing deleted on one press
    done = act(domain, ActionConfirmForget(), GROUP, SAM, "/confirm_forget", "confirm_forget")
    assert "everything saved about your couple is deleted" in texts(done)[0]
    with transaction() as session:
        for model in (Couple, Partner, Statement, Agreement, SafetyCheck, SafetyEvent):
            assert session.query(model).count() == 0, model
        chats = sorted(t.chat_id for t in session.query(Timer).filter_by(kind=PURGE_CONVERSATION))
        assert chats == sorted([GROUP, ALEX, SAM])
        assert session.query(Timer).filter(Timer.kind != PURGE_CONVERSATION).count() == 0


def test_keep_it_ends_the_request_and_a_late_press_does_nothing(database, domain):
    form_couple(domain, GROUP)
    act(domain, ActionForgetData(), GROUP, ALEX, "/forget_data", "forget_data")
    kept = act(domain, ActionKeepData(), GROUP, SAM, "/keep_data", "keep_data")
    assert texts(kept) == ["Nothing was deleted."]
    late = act(domain, ActionConfirmForget(), GROUP, ALEX, "/confirm_forget", "confirm_forget")
    assert "expired" in texts(late)[0]
    with transaction() as session:
        assert session.query(Couple).count() == 1


def test_an_observer_cannot_confirm_a_couples_deletion(database, domain):
    form_couple(domain, GROUP)
    act(domain, ActionForgetData(), GROUP, ALEX, "/forget_data", "forget_data")
    refused = act(domain, ActionConfirmForget(), GROUP, 77, "/confirm_forget", "confirm_forget")
    assert texts(refused) == ["This is for the couple of this group."]
    # ... and the keyboard stays open for the partners (an observer's press used to close it).
    assert {"keep_keyboard": True} in [m["custom"]["telegram"] for m in refused if m.get("custom")]


def test_a_partner_in_two_couples_keeps_the_other_couple(database, domain):
    form_couple(domain, GROUP)
    form_couple(domain, GROUP - 1)
    act(domain, ActionForgetData(), GROUP, ALEX, "/forget_data", "forget_data")
    act(domain, ActionConfirmForget(), GROUP, ALEX, "/confirm_forget", "confirm_forget")
    act(domain, ActionConfirmForget(), GROUP, SAM, "/confirm_forget", "confirm_forget")
    with transaction() as session:
        assert [c.group_chat_id for c in session.query(Couple)] == [GROUP - 1]


# -- the tracker store, shaped like Rasa's ---------------------------------------------------


@pytest.fixture
def tracker_db(database: Path) -> Path:
    path = database.parent / "rasa_tracker.db"
    with sqlite3.connect(path) as connection:
        connection.execute(
            "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR, type_name VARCHAR,"
            " timestamp FLOAT, intent_name VARCHAR, action_name VARCHAR, data TEXT)"
        )
    return path


def add_event(path: Path, sender: int, kind: str, user: int | None, when: float) -> None:
    data = json.dumps({"event": kind, "text": "SECRET", "metadata": {"user_id": user}})
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
            (str(sender), kind, when, data),
        )


def events(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, json_extract(data, '$.metadata.user_id') FROM events"
            " ORDER BY id"
        ).fetchall()


def test_purges_remove_a_conversation_or_one_persons_messages(tracker_db):
    now = utc_now().timestamp()
    for sender, kind, user in (
        (GROUP, "user", ALEX),
        (GROUP, "bot", None),
        (GROUP, "user", SAM),
        (GROUP, "action", None),
        (ALEX, "user", ALEX),
        (SAM, "user", SAM),
    ):
        add_event(tracker_db, sender, kind, user, now)
    purge_conversation(DueTimer(1, PURGE_CONVERSATION, GROUP, utc_now(), {"only_user": ALEX}))
    assert events(tracker_db) == [
        (str(GROUP), "user", SAM),
        (str(GROUP), "action", None),
        (str(ALEX), "user", ALEX),
        (str(SAM), "user", SAM),
    ]
    purge_conversation(DueTimer(2, PURGE_CONVERSATION, ALEX, utc_now(), {}))
    assert [row[0] for row in events(tracker_db)] == [str(GROUP), str(GROUP), str(SAM)]


def test_a_full_purge_also_clears_the_bots_bookkeeping_of_the_chat(tracker_db):
    with transaction() as session:
        inbox.record(5, ALEX, "{}", session=session)
        inbox.mark_done(5, session=session)
        session.add(ClosedKeyboard(chat_id=ALEX, message_id=3))
        purge = timers.schedule(PURGE_CONVERSATION, ALEX, utc_now(), session=session)
        purge.status = "firing"
        purge_id = purge.id
    purge_conversation(DueTimer(purge_id, PURGE_CONVERSATION, ALEX, utc_now(), {}))
    with transaction() as session:
        assert session.query(InboxUpdate).count() == 0
        assert session.query(ClosedKeyboard).count() == 0
        assert session.query(Timer).count() == 0


def test_a_purge_before_rasa_created_its_store_does_nothing(database):
    purge_conversation(DueTimer(1, PURGE_CONVERSATION, ALEX, utc_now(), {}))
    assert not (database.parent / "rasa_tracker.db").exists()


# -- retention --------------------------------------------------------------------------------


def test_retention_clears_old_texts_keeps_outcomes_and_is_idempotent(database, domain):
    form_couple(domain, GROUP)
    add_statements()
    now = utc_now()
    with transaction() as session:
        old = session.query(Statement).filter_by(describe_text="ALEX-WORDS").one()
        old.created_at = now - timedelta(days=400)
        old.step = "done"
        inbox.record(9, GROUP, '{"message": {"text": "OLD-TEXT"}}', session=session)
        session.get(InboxUpdate, 9).received_at = now - timedelta(days=400)
    with transaction() as session:
        counts = purge_texts_before(now - timedelta(days=365), session=session)
    assert counts["statements"] == 1 and counts["inbox"] == 1
    with transaction() as session:
        kept = {s.describe_text: s.step for s in session.query(Statement)}
        assert kept == {None: "done", "SAM-WORDS": "describe"}
        assert session.get(InboxUpdate, 9).payload is None
        again = purge_texts_before(now - timedelta(days=365), session=session)
    assert sum(again.values()) == 0


def test_retention_queues_a_purge_for_old_events_and_schedules_itself_once(tracker_db, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "1")
    now = utc_now()
    add_event(tracker_db, GROUP, "user", ALEX, (now - timedelta(days=2)).timestamp())
    add_event(tracker_db, GROUP, "user", ALEX, now.timestamp())
    add_event(tracker_db, SAM, "user", SAM, now.timestamp())
    assert schedule_retention(now) is True
    assert schedule_retention(now) is False  # at every start-up: only if none is pending
    with transaction() as session:
        [running] = timers.claim_due(session=session)
    run_retention(now, running=running.id)
    with transaction() as session:
        [purge] = timers.pending(PURGE_CONVERSATION, GROUP, session=session)
        assert timers.pending(PURGE_CONVERSATION, SAM, session=session) == []
        [following] = timers.pending(RETENTION, 0, session=session)
        assert following.due_at > now + timedelta(hours=23)
        payload = json.loads(purge.payload)
    purge_conversation(DueTimer(purge.id, PURGE_CONVERSATION, GROUP, now, payload))
    assert len(events(tracker_db)) == 2


# -- a seat freed by /forget never inherits the couple's history -------------------------------

ROBIN = 33


def customs(messages: list[dict]) -> list[dict]:
    return [m["custom"]["telegram"] for m in messages if m.get("custom")]


def forget_privately(domain, user: int) -> list[dict]:
    act(domain, ActionForgetData(), user, user, "/forget_data", "forget_data")
    return act(domain, ActionConfirmForget(), user, user, "/confirm_forget", "confirm_forget")


def choose_for_old_couple(domain, user: int, ref: str) -> list[dict]:
    tracker = build_tracker(
        user,
        f'/old_couple_choice{{"couple_ref":"{ref}"}}',
        "old_couple_choice",
        user_id=user,
        chat_type="private",
        is_callback=True,
        entities={"couple_ref": ref},
    )
    return run_action(ActionOldCoupleChoice(), tracker, domain)


def test_a_seat_freed_by_forget_never_inherits_the_couples_history(database, domain):
    form_couple(domain, GROUP)
    add_statements()
    done = forget_privately(domain, ALEX)
    [question] = [c for c in customs(done) if c.get("chat_id") == SAM]
    assert "Your partner has left your couple" in question["text"]
    assert [b["title"] for b in question["buttons"]] == ["Keep my data", "Start fresh"]

    # The old couple is closed; the group's next "I'm in" presses form a new, empty couple.
    for user, name in ((SAM, "Sam"), (ROBIN, "Robin")):
        tracker = build_tracker(
            GROUP, "/join_couple", "join_couple", user_id=user, first_name=name, is_callback=True
        )
        run_action(ActionJoinCouple(), tracker, domain)
    with transaction() as session:
        old, new = session.query(Couple).order_by(Couple.id).all()
        assert old.closed_at is not None and new.closed_at is None
        assert [p.first_name for p in new.partners] == ["Sam", "Robin"]
        old_id = old.id
    robins = exported(act(domain, ActionExportData(), GROUP, ROBIN, "/export_data", "export"))
    assert robins["statements"] == [] and "SAM-WORDS" not in json.dumps(robins)
    assert export_document(old_id, ROBIN) is None  # not even by naming the old couple

    # Sam alone still has the old couple's part that was theirs, privately.
    answers = act(domain, ActionExportData(), SAM, SAM, "/export_data", "export_data")
    requests = [c["export"] for c in customs(answers)]
    assert [r["couple_id"] for r in requests] == [old_id, old_id + 1]
    document = export_document(old_id, SAM)
    assert document is not None and "SAM-WORDS" in document["content"]
    assert "ALEX-WORDS" not in document["content"]


def test_keeping_or_starting_fresh_is_the_remaining_partners_choice(database, domain):
    form_couple(domain, GROUP)
    add_statements()
    forget_privately(domain, ALEX)
    with transaction() as session:
        old = session.query(Couple).one()
        old_id, closed_at = old.id, old.closed_at
    assert texts(choose_for_old_couple(domain, ROBIN, f"{old_id}.fresh")) == [
        "There is nothing of that couple left to decide about."
    ]
    assert "Kept" in texts(choose_for_old_couple(domain, SAM, f"{old_id}.keep"))[0]
    fresh = choose_for_old_couple(domain, SAM, f"{old_id}.fresh")
    assert "everything your old couple saved is deleted" in texts(fresh)[0]
    with transaction() as session:
        assert session.query(Couple).count() == session.query(Statement).count() == 0
        assert session.query(SafetyCheck).count() == 0  # Alex's went with Alex
        purge = (
            session.query(Timer)
            .filter_by(kind=PURGE_CONVERSATION, chat_id=GROUP)
            .order_by(Timer.id.desc())
            .first()
        )
        assert json.loads(purge.payload) == {"before": closed_at.timestamp()}
