"""Joining, time zone, consent and export actions, run as the action server runs them."""

from __future__ import annotations

import json
from functools import partial

from actions.core.timers import ActionFireTimer
from actions.general.help import ActionAnswerFreeText
from actions.joining.actions import (
    ActionDeclineConsent,
    ActionGiveConsent,
    ActionJoinCouple,
    ActionSetTimezone,
    ActionStart,
    ActionWithheldWords,
)
from actions.pause.actions import ActionRequestPause
from actions.pause.escalation import ActionShowEscalation
from actions.privacy.export import ActionExportData
from actions.privacy.forget import PURGE_CONVERSATION
from actions.round_robin.actions import ActionStartRoundRobin
from actions.statement.actions import ActionStartStatement
from bot.export import export_document
from storage import timers
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.models import Partner, Pause, Round, Statement, Timer, utc_now
from tests.conftest import EXPECTED_EXPORT_KEYS
from tests.support import factories
from tests.support.couples import exported
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100500
form_couple = partial(factories.form_couple, group=GROUP)  # Alex (1) and Sam (2)


def press_join(domain, user_id: int, name: str) -> list[dict]:
    tracker = build_tracker(
        GROUP, "/join_couple", "join_couple", user_id=user_id, first_name=name, is_callback=True
    )
    return run_action(ActionJoinCouple(), tracker, domain)


def test_start_in_a_group_introduces_the_bot_with_an_im_in_button(database, domain):
    messages = run_action(ActionStart(), build_tracker(GROUP, "/start", "start"), domain)
    assert "not therapy" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "I'm in", "payload": "/join_couple"}]


def test_start_tells_how_to_fix_privacy_mode_when_the_bot_cannot_see_messages(database, domain):
    tracker = build_tracker(GROUP, "/start", "start", sees_all_messages=False)
    assert any("/setprivacy" in text for text in texts(run_action(ActionStart(), tracker, domain)))


def test_the_first_presser_waits_and_the_keyboard_stays_open(database, domain):
    messages = press_join(domain, 1, "Alex")
    customs = [m["custom"]["telegram"] for m in messages if m.get("custom")]
    assert {"keep_keyboard": True} in customs
    assert "Alex is in" in texts(messages)[-1]


def test_the_second_presser_completes_the_couple_asks_time_zone_and_schedules_reminder(
    database, domain
):
    messages = form_couple(domain)
    shown = " ".join(texts(messages))
    assert "Alex and Sam, you're set" in shown
    assert "time zone" in shown
    assert any(m.get("buttons") and "set_timezone" in m["buttons"][0]["payload"] for m in messages)
    assert "https://t.me/TalkingStickBot?start=consent" in shown
    with transaction() as session:
        assert [t.kind for t in timers.pending("timezone_reminder", GROUP, session=session)] == [
            "timezone_reminder"
        ]


def test_a_third_person_is_told_kindly_and_never_joins(database, domain):
    form_couple(domain)
    messages = press_join(domain, 3, "Robin")
    assert texts(messages) == ["This group already has its two partners."]
    with transaction() as session:
        names = [p.first_name for p in couple_for_group(GROUP, session=session).partners]
    assert names == ["Alex", "Sam"]


def test_an_observer_cannot_export_the_couples_data(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=3, first_name="Robin")
    messages = run_action(ActionExportData(), tracker, domain)
    assert not any((m.get("custom") or {}).get("telegram", {}).get("document") for m in messages)
    assert texts(messages) == ["This group's couple is complete. I'll stay out of your way."]


def test_a_typed_city_sets_the_time_zone_and_cancels_the_reminder(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "We're in Berlin", "content", user_id=2, first_name="Sam")
    assert texts(run_action(ActionAnswerFreeText(), tracker, domain)) == [
        "Time zone set to Europe/Berlin. You can change it any time with /timezone."
    ]
    with transaction() as session:
        assert couple_for_group(GROUP, session=session).timezone == "Europe/Berlin"
        assert timers.pending("timezone_reminder", GROUP, session=session) == []


def test_ordinary_chat_is_not_taken_as_a_time_zone_and_gets_no_answer(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "did you feed the cat", "content", user_id=2)
    assert run_action(ActionAnswerFreeText(), tracker, domain) == []


def test_time_zone_button(database, domain):
    form_couple(domain)
    tracker = build_tracker(
        GROUP,
        '/set_timezone{"timezone":"America/Chicago"}',
        "set_timezone",
        user_id=1,
        entities={"timezone": "America/Chicago"},
        is_callback=True,
    )
    assert "America/Chicago" in texts(run_action(ActionSetTimezone(), tracker, domain))[0]


def test_export_has_the_documented_keys_and_the_partners(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=1)
    messages = run_action(ActionExportData(), tracker, domain)
    data = exported(messages)
    assert list(data) == EXPECTED_EXPORT_KEYS
    assert [p["first_name"] for p in data["partners"]] == ["Alex", "Sam"]
    assert data["couple"]["formed_at"].endswith("+00:00")
    with transaction() as session:
        couple_id = couple_for_group(GROUP, session=session).id
    document = export_document(couple_id, 1)
    assert document is not None and document["file_name"].endswith(".json")


def test_export_goes_privately_and_its_data_never_passes_through_rasa(database, domain):
    """The action answers only "export couple X for person Y" (Rasa's tracker keeps every
    answer); the bot builds the document and sends it to Y's private chat."""
    form_couple(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=1)
    messages = run_action(ActionExportData(), tracker, domain)
    [answer] = [m["custom"]["telegram"] for m in messages]
    with transaction() as session:
        couple_id = couple_for_group(GROUP, session=session).id
    assert answer["export"] == {"couple_id": couple_id, "user_id": 1}
    assert "document" not in answer and "Sam" not in json.dumps(messages)
    assert "sent it to you in our private chat" in answer["if_delivered"]["text"]
    assert "start=consent" in answer["if_undeliverable"]["text"]
    assert "chat_id" not in answer["if_delivered"]  # both notes go to the group
    # The bot checks again: only a partner of that couple gets its document.
    assert export_document(couple_id, 3) is None
    assert export_document(couple_id + 1, 1) is None


def test_export_in_private_sends_each_of_the_persons_couples(database, domain):
    form_couple(domain)
    tracker = build_tracker(1, "/export_data", "export_data", user_id=1, chat_type="private")
    [answer] = [m["custom"]["telegram"] for m in run_action(ActionExportData(), tracker, domain)]
    assert answer["export"]["user_id"] == 1 and "if_undeliverable" not in answer


def test_consent_in_private_is_saved_with_its_time(database, domain):
    form_couple(domain)
    tracker = build_tracker(1, "/give_consent", "give_consent", user_id=1, chat_type="private")
    assert "consent is saved" in texts(run_action(ActionGiveConsent(), tracker, domain))[0]
    with transaction() as session:
        alex, sam = couple_for_group(GROUP, session=session).partners
        assert alex.consented_at is not None and sam.consented_at is None


def test_timer_reminds_once_only_while_no_time_zone_is_set(database, domain):
    form_couple(domain)
    with transaction() as session:
        timer = timers.pending("timezone_reminder", GROUP, session=session)[0]
        timer.due_at = utc_now()
    with transaction() as session:
        [claimed] = timers.claim_due(session=session)
    tracker = build_tracker(
        GROUP, "", "EXTERNAL_timer_due", user_id=None, entities={"timer_id": claimed.id}
    )
    assert "gentle reminder" in texts(run_action(ActionFireTimer(), tracker, domain))[0]
    # A timer that is not claimed (e.g. named by someone else) does nothing.
    with transaction() as session:
        session.get(Timer, claimed.id).status = "fired"
    assert run_action(ActionFireTimer(), tracker, domain) == []


# -- consent first ----------------------------------------------------------------------------


def private(domain, action, user: int, text: str, intent: str) -> list[dict]:
    tracker = build_tracker(
        user, text, intent, user_id=user, chat_type="private", is_callback=text.startswith("/")
    )
    return run_action(action, tracker, domain)


def test_exercises_wait_until_both_agreed_and_say_who_still_needs_to(database, domain):
    form_couple(domain)
    private(domain, ActionGiveConsent(), 1, "/give_consent", "give_consent")
    for action, intent in (
        (ActionStartStatement(), "start_statement"),
        (ActionStartRoundRobin(), "start_round_robin"),
        (ActionRequestPause(), "request_pause"),
        (ActionShowEscalation(), "show_escalation"),
    ):
        tracker = build_tracker(GROUP, f"/{intent}", intent, user_id=1)
        [refusal] = texts(run_action(action, tracker, domain))
        assert "both of you need to agree" in refusal and "Still to do: Sam." in refusal
        assert "start=consent" in refusal and "Alex" not in refusal
    drafting = private(domain, ActionStartStatement(), 1, "/start_statement", "start_statement")
    assert "Still to do: Sam" in texts(drafting)[0]
    with transaction() as session:
        assert session.query(Statement).count() == session.query(Round).count() == 0
        assert session.query(Pause).count() == 0


def test_not_now_frees_the_seat_keeps_nothing_of_that_person_and_says_so(database, domain):
    form_couple(domain)
    private(domain, ActionGiveConsent(), 1, "/give_consent", "give_consent")
    messages = private(domain, ActionDeclineConsent(), 2, "/decline_consent", "decline_consent")
    mine = [m["text"] for m in messages if m.get("text")]
    assert len(mine) == 1 and "You're no longer in the couple" in mine[0]
    assert "your name, your place in the couple" in mine[0]
    assert "and our conversation here" in mine[0]  # Sam is in no other couple
    [note] = [m["custom"]["telegram"] for m in messages if m.get("custom")]
    assert note["chat_id"] == GROUP and "A seat in this couple is free" in note["text"]
    assert "Sam" not in note["text"] and note["buttons"][0]["payload"] == "/join_couple"
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        assert [(p.telegram_user_id, p.consented_at is not None) for p in couple.partners] == [
            (1, True)
        ]
        assert couple.formed_at is None
        assert session.query(Partner).filter_by(telegram_user_id=2).count() == 0
        purges = sorted(
            (t.chat_id, t.payload) for t in session.query(Timer).filter_by(kind=PURGE_CONVERSATION)
        )
        assert timers.pending("timezone_reminder", GROUP, session=session) == []
    assert purges == [(GROUP, json.dumps({"only_user": 2})), (2, "{}")]
    # The couple waits for a new "I'm in": someone else takes the seat.
    joined = press_join(domain, 3, "Robin")
    assert "Alex and Robin, you're set" in " ".join(texts(joined))


def test_not_now_after_agreeing_explains_forget_instead(database, domain):
    form_couple(domain)
    private(domain, ActionGiveConsent(), 2, "/give_consent", "give_consent")
    answer = private(domain, ActionDeclineConsent(), 2, "/decline_consent", "decline_consent")
    assert "You've already agreed" in texts(answer)[0] and "/forget" in texts(answer)[0]
    with transaction() as session:
        assert len(couple_for_group(GROUP, session=session).partners) == 2


def test_words_kept_back_before_consent_get_a_short_reason_in_private(database, domain):
    form_couple(domain)
    answer = private(domain, ActionWithheldWords(), 2, "/withheld_words", "withheld_words")
    assert texts(answer) == [
        "I keep nothing you write to me until you've agreed. Send /start to see what I keep "
        "and to agree."
    ]
