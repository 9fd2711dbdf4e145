"""Durable timers through the real bot: a reminder due while the bot is down fires once at
start-up; one due after a restart fires once, on time."""

from __future__ import annotations

import time

import pytest

from tests.support.stack import (
    TIMEZONE_REMINDER_SECONDS,
    ZONE_REMINDER,
    Couple,
    press_im_in,
    unique,
    utc_epoch,
)

pytestmark = pytest.mark.e2e

def new_couple(telegram) -> Couple:
    alex, sam = telegram.create_user(unique("Alex")), telegram.create_user(unique("Sam"))
    chat = telegram.create_group("Timers", [alex, sam])
    couple = Couple(chat["id"], alex, sam, sam)
    press_im_in(telegram, couple)
    return couple


def reminders(telegram, chat_id: int) -> list[dict]:
    return [i for i in telegram.sent(chat_id) if ZONE_REMINDER in (i["text"] or "")]


def test_timers_fire_exactly_once_across_bot_crashes(running, telegram):
    overdue = new_couple(telegram)
    formed_at = time.monotonic()
    running.stack.processes["bot"].kill()  # a crash, not a clean stop

    time.sleep(max(0.0, formed_at + TIMEZONE_REMINDER_SECONDS + 1 - time.monotonic()))
    assert reminders(telegram, overdue.group) == []  # nobody fired it while the bot was down
    running.stack.start_one("bot")
    fired = telegram.wait_for_text(overdue.group, ZONE_REMINDER, timeout=20)
    assert fired["received_at"] >= time.time() - 25

    on_time = new_couple(telegram)
    [(due_at,)] = running.query(
        "SELECT due_at FROM timers WHERE kind = 'timezone_reminder' AND chat_id = ?",
        on_time.group,
    )
    due = utc_epoch(due_at)
    running.stack.restart("bot", kill=True)
    wait = TIMEZONE_REMINDER_SECONDS + 20
    item = telegram.wait_for_text(on_time.group, ZONE_REMINDER, timeout=wait)
    assert -0.5 <= item["received_at"] - due <= 5.0

    time.sleep(3)  # any duplicate would have arrived by now
    assert len(reminders(telegram, overdue.group)) == 1
    assert len(reminders(telegram, on_time.group)) == 1
    rows = running.query(
        "SELECT status, attempts FROM timers "
        "WHERE kind = 'timezone_reminder' AND chat_id IN (?, ?)",
        overdue.group,
        on_time.group,
    )
    assert sorted(rows) == [("fired", 1), ("fired", 1)]
