"""The real bot in webhook mode (TELEGRAM_WEBHOOK_*, PTB's run_webhook on tornado): the
local Telegram server pushes each update to the bot's webhook with the secret header.

The session's bot is restarted with webhook settings for this test and restarted in polling
mode afterwards (its polling start deletes the webhook again); the tests run one at a time,
so the other tests' chats only ever see one bot.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from launcher.stack import free_port
from local_telegram.client import LocalTelegram
from local_telegram.webhook import SECRET_HEADER
from tests.support.stack import RunningStack, unique

pytestmark = pytest.mark.e2e

SECRET = "e2e-webhook-secret"
HELP_MARK = "/export"  # a line of the bot's help answer


@pytest.fixture
def webhook_port(running: RunningStack) -> Iterator[int]:
    port = free_port()
    env = running.stack.config.extra_env
    settings = {
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/updates",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(port),
    }
    env.update(settings)
    try:
        running.stack.restart("bot")
        yield port
    finally:
        for key in settings:
            env.pop(key, None)
        running.stack.restart("bot")
        # Back to polling (the restarted bot deleted the webhook): a new user is answered.
        telegram = running.telegram
        person = telegram.create_user(unique("Noor"))
        delivered, start = telegram.stats()["webhook_deliveries"], telegram.last_seq()
        telegram.send(person["id"], person, "/help")
        telegram.wait_for_text(person["id"], HELP_MARK, after=start, timeout=60)
        assert telegram.stats()["webhook_deliveries"] == delivered


def texts_after(telegram: LocalTelegram, chat_id: int, after: int) -> list[str]:
    return [i["text"] or "" for i in telegram.sent(chat_id, after=after)]


def test_help_is_answered_through_the_webhook_and_a_post_without_the_secret_is_refused(
    running: RunningStack, telegram: LocalTelegram, webhook_port: int
) -> None:
    person = telegram.create_user(unique("Noor"))
    delivered = telegram.stats()["webhook_deliveries"]
    start = telegram.last_seq()
    telegram.send(person["id"], person, "/help")
    telegram.wait_for_text(person["id"], HELP_MARK, after=start, timeout=60)
    assert telegram.stats()["webhook_deliveries"] > delivered  # pushed, not polled

    forged = {
        "update_id": 987654321,
        "message": {
            "message_id": 999,
            "date": int(time.time()),
            "chat": {"id": person["id"], "type": "private", "first_name": person["first_name"]},
            "from": {"id": person["id"], "is_bot": False, "first_name": person["first_name"]},
            "text": "/help",
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }
    after = telegram.last_seq()
    url = f"http://127.0.0.1:{webhook_port}/telegram/updates"
    for headers in ({}, {SECRET_HEADER: "not-the-secret"}):
        answer = httpx.post(url, json=forged, headers=headers, timeout=10)
        assert answer.status_code == 403
    time.sleep(5)  # an accepted update would have been answered by now
    assert texts_after(telegram, person["id"], after) == []
