"""Reliability through the real bot: processes killed or down, Telegram failing or slow.
Nothing is lost, nothing is sent twice."""

from __future__ import annotations

import time

import pytest

from local_telegram.client import LocalTelegram
from tests.support.stack import Couple, open_private_chat, unique

pytestmark = pytest.mark.e2e

ONE_MOMENT = "One moment, please"


def messages(telegram: LocalTelegram, chat_id: int, after: int) -> list[str]:
    return [
        i["text"]
        for i in telegram.sent(chat_id, after=after)
        if i["method"] == "sendMessage" and i["text"]
    ]


def count(texts: list[str], part: str) -> int:
    return sum(part in text for text in texts)


@pytest.fixture
def person(telegram: LocalTelegram) -> dict:
    return telegram.create_user(unique("Noor"))


def test_with_the_action_server_down_one_kind_line_then_everything_is_answered(
    running, telegram: LocalTelegram, person
):
    start = telegram.last_seq()
    running.stack.processes["actions"].stop()
    try:
        telegram.send(person["id"], person, "/help")
        telegram.wait_for_text(person["id"], ONE_MOMENT, after=start, timeout=20)
        telegram.send(person["id"], person, "hello there")
        time.sleep(3)
    finally:
        running.stack.start_one("actions")
    telegram.wait_for_text(person["id"], "I'm here", after=start, timeout=60)
    said = messages(telegram, person["id"], start)
    assert count(said, ONE_MOMENT) == 1
    assert count(said, "/export") == 1 and count(said, "I'm here") == 1
    assert said.index(next(t for t in said if "/export" in t)) < said.index(
        "I'm here. /help shows what I can do."
    )


def test_telegram_429_5xx_and_slow_answers_deliver_each_message_once(
    running, telegram: LocalTelegram, person
):
    served = telegram.stats()["faults_served"]
    telegram.inject_fault("sendMessage", 429, retry_after=1, times=2, chat_id=person["id"])
    telegram.inject_fault("sendMessage", 502, times=1, chat_id=person["id"])
    telegram.inject_fault("sendMessage", 500, times=1, chat_id=person["id"])
    start = telegram.last_seq()
    telegram.send(person["id"], person, "/help")
    telegram.wait_for_text(person["id"], "/export", after=start, timeout=30)
    assert telegram.stats()["faults_served"] - served == 4

    telegram.inject_fault("sendMessage", "delay", delay=3, times=1, chat_id=person["id"])
    slow = telegram.last_seq()
    telegram.send(person["id"], person, "/help")
    telegram.wait_for_text(person["id"], "/export", after=slow, timeout=30)
    time.sleep(2)
    assert count(messages(telegram, person["id"], start), "/export") == 2  # one per /help


def test_a_bot_killed_after_the_action_ran_resumes_without_acting_or_sending_twice(
    running, telegram: LocalTelegram, formed: Couple
):
    alex = formed.alex
    intro = open_private_chat(telegram, alex)
    # Telegram fails every send to Alex: the answer is stuck after the action committed.
    telegram.inject_fault("sendMessage", 503, times=10_000, chat_id=alex["id"])
    start = telegram.last_seq()
    telegram.press(alex["id"], alex, intro["message_id"], button_text="I agree")
    deadline = time.monotonic() + 20
    while not running.query(
        "SELECT count(*) FROM safety_checks WHERE telegram_user_id = ?", alex["id"]
    )[0][0]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1)
    running.stack.processes["bot"].kill()
    telegram.clear_faults()

    # Meanwhile the others keep writing; their updates wait in Telegram for the new bot.
    telegram.send(formed.group, formed.sam, "/help")
    running.stack.start_one("bot")
    telegram.wait_for_text(alex["id"], "afraid of your partner", after=start, timeout=60)
    telegram.wait_for_text(formed.group, "/export", after=start, timeout=30)
    time.sleep(2)
    said = messages(telegram, alex["id"], start)
    assert count(said, "consent is saved") == 1
    assert count(said, "three short questions") == 1
    assert count(said, "afraid of your partner") == 1
    assert running.query(
        "SELECT count(*) FROM safety_checks WHERE telegram_user_id = ?", alex["id"]
    ) == [(1,)]
    assert running.query(
        "SELECT count(*) FROM inbox_updates WHERE chat_id = ? AND status != 'done'", alex["id"]
    ) == [(0,)]
