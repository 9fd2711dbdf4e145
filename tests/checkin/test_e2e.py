"""The check-in and the agreement reviews through the real bot: answers given privately and
revealed together, the monthly timer across a restart, a half-done check-in expiring, an
agreement's review date asking both with buttons."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from local_telegram.client import LocalTelegram, buttons
from storage.enums import AgreementSource, AgreementStatus, TimerKind
from storage.models import Agreement, Timer, utc_now
from storage.timer_payloads import ReviewDue
from tests.support.stack import CHECKIN_EXPIRE_SECONDS, CHECKIN_REMINDER_SECONDS, Couple

pytestmark = pytest.mark.e2e

ALEX_NEEDS = ["More time together on weekends", "A quiet hour after work", "Help planning trips"]
ALEX_THANKS = ["Thank you for cooking on Tuesday", "Your patience with me", "You make me laugh"]
SAM_NEEDS = ["Sleep in on Sundays", "A date night each month", "A call when plans change"]
SAM_THANKS = ["Thank you for the walk", "You listened on Sunday", "Your hugs"]


def say(telegram: LocalTelegram, chat: int, user: dict, text: str, expect: str) -> dict:
    after = telegram.last_seq()
    telegram.send(chat, user, text)
    return telegram.wait_for_text(chat, expect, after=after)


def texts_in(telegram: LocalTelegram, chat: int, after: int) -> str:
    return "\n".join(item["text"] or "" for item in telegram.sent(chat, after=after))


def export(telegram: LocalTelegram, couple: Couple) -> dict:
    after = telegram.last_seq()
    telegram.send(couple.group, couple.alex, "/export")
    item = telegram.wait_for(couple.alex["id"], lambda i: bool(i["document"]), after=after)
    data: dict = json.loads(item["document"]["content_text"])
    return data


def add_agreement_due(running, couple_id: int, group: int, review_at: datetime) -> int:  # type: ignore[no-untyped-def]
    """Test data written while the stack runs, on SQLite or PostgreSQL alike: an agreement
    whose review date comes soon, with its durable timer as the statement's "Yes" makes it."""
    url = running.database_url or f"sqlite:///{running.database}"
    engine = create_engine(url, connect_args={"timeout": 10} if url.startswith("sqlite") else {})
    try:
        with Session(engine) as session, session.begin():
            agreement = Agreement(couple_id=couple_id, text="Call when running late",
                                  source=AgreementSource.REQUEST, review_at=review_at,
                                  status=AgreementStatus.AGREED, agreed_at=utc_now())
            session.add(agreement)
            session.flush()
            session.add(Timer(kind=TimerKind.AGREEMENT_REVIEW, chat_id=group, due_at=review_at,
                              payload=json.dumps(ReviewDue(agreement.id, review_at).dump())))
            return agreement.id
    finally:
        engine.dispose()


def test_a_checkin_is_answered_privately_and_revealed_together(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    start = telegram.last_seq()
    say(telegram, group, alex, "let's do our check-in", "Nothing is shown here")
    telegram.wait_for_text(alex["id"], "three things you need", after=start)
    telegram.wait_for_text(sam["id"], "three things you need", after=start)

    # Alex answers: one message of three lines for needs, one for appreciations.
    kept = say(telegram, alex["id"], alex, "\n".join(ALEX_NEEDS), "Kept:")
    assert all(need in kept["text"] for need in ALEX_NEEDS)
    telegram.wait_for_text(alex["id"], f"appreciate about {sam['first_name']}", after=start)
    say(telegram, alex["id"], alex, "\n".join(ALEX_THANKS), "once " + sam["first_name"])
    # Nothing of Alex's answers has reached the group or Sam.
    for chat in (group, sam["id"]):
        seen = texts_in(telegram, chat, start)
        assert not any(item in seen for item in ALEX_NEEDS + ALEX_THANKS), chat

    say(telegram, sam["id"], sam, "\n".join(SAM_NEEDS), "Kept:")
    telegram.wait_for_text(sam["id"], f"appreciate about {alex['first_name']}", after=start)
    before_reveal = telegram.last_seq()
    telegram.send(sam["id"], sam, "\n".join(SAM_THANKS))
    shown = telegram.wait_for_text(group, "side by side", after=before_reveal)
    for item in ALEX_NEEDS + SAM_NEEDS + ALEX_THANKS + SAM_THANKS:
        assert item in shown["text"]
    assert f"{alex['first_name']} to {sam['first_name']}:\n• {ALEX_THANKS[0]}" in shown["text"]
    assert f"{sam['first_name']} to {alex['first_name']}:\n• {SAM_THANKS[0]}" in shown["text"]

    [(status, trigger)] = running.query(
        "SELECT status, \"trigger\" FROM checkins WHERE couple_id = "
        "(SELECT id FROM couples WHERE group_chat_id = ?)",
        group,
    )
    assert (status, trigger) == ("revealed", "manual")
    [entry] = export(telegram, consented)["checkins"]
    assert entry["status"] == "revealed" and entry["ended_at"].endswith("+00:00")
    assert sorted(a["needs"] for a in entry["answers"]) == sorted([ALEX_NEEDS, SAM_NEEDS])
    assert sorted(a["appreciations"] for a in entry["answers"]) == sorted(
        [ALEX_THANKS, SAM_THANKS]
    )


def test_the_monthly_checkin_timer_survives_a_restart(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex = consented.group, consented.alex
    # The couple has no time zone: their schedule is in UTC. Due in a little while, today.
    due = (datetime.now(timezone.utc) + timedelta(seconds=25)).replace(microsecond=0)
    wanted = f"/checkin time day {due.day} {due:%H:%M:%S}"
    say(telegram, group, alex, wanted, "your monthly check-in is now")
    running.stack.restart("bot", kill=True)
    after = telegram.last_seq()
    started = telegram.wait_for_text(
        group, "time for your monthly check-in", after=after, timeout=90
    )
    assert started["received_at"] >= due.timestamp() - 0.5
    telegram.wait_for_text(alex["id"], "three things you need", after=after)

    def statuses() -> list[str]:
        rows = running.query(
            "SELECT status FROM timers WHERE kind = 'checkin_monthly' AND chat_id = ? "
            "ORDER BY id",
            group,
        )
        return [status for (status,) in rows]

    # The bot marks the timer fired once everything it said was delivered.
    deadline = time.monotonic() + 20
    while "firing" in statuses() and time.monotonic() < deadline:
        time.sleep(0.25)
    assert statuses().count("fired") == 1
    assert statuses()[-1] == "pending"  # next month's
    [(trigger,)] = running.query(
        "SELECT \"trigger\" FROM checkins WHERE couple_id = "
        "(SELECT id FROM couples WHERE group_chat_id = ?)",
        group,
    )
    assert trigger == "monthly"


def test_a_half_done_checkin_is_reminded_then_expires(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    start = telegram.last_seq()
    say(telegram, group, sam, "/checkin", "Nothing is shown here")
    telegram.wait_for_text(alex["id"], "three things you need", after=start)
    say(telegram, alex["id"], alex, "\n".join(ALEX_NEEDS), "Kept:")
    telegram.wait_for_text(
        group, "still open", after=start, timeout=CHECKIN_REMINDER_SECONDS + 20
    )
    telegram.wait_for_text(sam["id"], "gentle reminder", after=start)
    telegram.wait_for_text(
        group, "closed unfinished", after=start, timeout=CHECKIN_EXPIRE_SECONDS + 20
    )
    assert not any(need in texts_in(telegram, group, start) for need in ALEX_NEEDS)
    [(status, reminded)] = running.query(
        "SELECT status, reminded_at FROM checkins WHERE couple_id = "
        "(SELECT id FROM couples WHERE group_chat_id = ?)",
        group,
    )
    assert status == "expired" and reminded is not None
    time.sleep(1)
    reminders = [i for i in telegram.sent(group, after=start) if "still open" in (i["text"] or "")]
    assert len(reminders) == 1


def test_an_agreement_review_fires_on_its_date_with_buttons_and_saves_the_answers(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    # An agreement made earlier (as a guided statement's "Yes" saves it), whose review date
    # comes in a few seconds, with its durable timer as the statement's "Yes" schedules it.
    [(couple_id,)] = running.query("SELECT id FROM couples WHERE group_chat_id = ?", group)
    now = datetime.now(timezone.utc)
    review_at = now + timedelta(seconds=4)
    agreement_id = add_agreement_due(running, couple_id, group, review_at)
    start = telegram.last_seq()
    asked = telegram.wait_for_text(group, "Is this still working", after=start, timeout=30)
    assert asked["received_at"] >= review_at.timestamp() - 0.5
    assert "Call when running late" in asked["text"]
    assert [title for title, _ in buttons(asked)] == ["Yes", "Partly", "Let's talk"]

    after = telegram.last_seq()
    telegram.press(group, alex, asked["message_id"], button_text="Yes")
    telegram.wait_for_text(group, f"{alex['first_name']}: still working", after=after)
    after = telegram.last_seq()
    telegram.press(group, sam, asked["message_id"], button_text="Partly")
    telegram.wait_for_text(group, "how would you put it now", after=after)
    say(telegram, group, sam, "Text when running more than 15 minutes late", "new wording")

    rows = running.query(
        "SELECT p.telegram_user_id, r.reason, r.answer, r.revised_text "
        "FROM agreement_reviews r JOIN partners p ON p.id = r.partner_id "
        "WHERE r.agreement_id = ? ORDER BY r.id",
        agreement_id,
    )
    assert sorted(rows) == sorted(
        [
            (alex["id"], "review_date", "yes", None),
            (sam["id"], "review_date", "partly", "Text when running more than 15 minutes late"),
        ]
    )
    [entry] = export(telegram, consented)["agreements"]
    assert entry["text"] == "Text when running more than 15 minutes late"
    assert {r["answer"] for r in entry["reviews"]} == {"yes", "partly"}
    assert datetime.fromisoformat(entry["review_at"]) > now + timedelta(days=1)
