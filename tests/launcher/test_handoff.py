"""The poller that hands updates off to several bot workers (launcher/handoff.py), against
the local Bot API server: each update reaches exactly one worker, Telegram is told it
arrived only once that worker confirmed it, and the fronts answer only the bot's token."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from telegram import Bot

from launcher.handoff import HandOff
from local_telegram import LocalTelegram, LocalTelegramServer

TOKEN = "123456:TEST-token"


@pytest.fixture()
def server() -> Iterator[LocalTelegramServer]:
    with LocalTelegramServer() as running:
        yield running


@pytest.fixture()
def handoff(server: LocalTelegramServer) -> Iterator[HandOff]:
    running = HandOff(server.bot_base_url, TOKEN, workers=2).start()
    yield running
    running.stop()


async def poll(bot: Bot, seen: list[int], done: asyncio.Event) -> None:
    """A worker's polling as python-telegram-bot does it: each poll confirms the updates
    before its offset (an update never confirmed would go to the other worker)."""
    offset = 0
    while not done.is_set():
        updates = await bot.get_updates(offset=offset, timeout=0.2)
        for update in updates:
            seen.append(update.update_id)
            offset = update.update_id + 1
        if not updates:
            await asyncio.sleep(0.05)


def test_each_update_reaches_one_worker_once(server, handoff):
    with LocalTelegram(server.url) as tg:
        user = tg.create_user("Alex", started=True)

        async def workers() -> tuple[list[int], list[int]]:
            first: list[int] = []
            second: list[int] = []
            async with Bot(TOKEN, base_url=handoff.bot_base_url(0)) as one, Bot(
                TOKEN, base_url=handoff.bot_base_url(1)
            ) as two:
                done = asyncio.Event()
                polling = [
                    asyncio.create_task(poll(one, first, done)),
                    asyncio.create_task(poll(two, second, done)),
                ]
                await asyncio.sleep(0.5)  # both polling: the hand-off sees them alive
                for number in range(10):
                    await asyncio.to_thread(tg.send, user["id"], user, f"message {number}")
                for _ in range(600):
                    if len(first) + len(second) >= 10:
                        break
                    await asyncio.sleep(0.1)
                await asyncio.sleep(1)  # the last ones confirmed; nothing handed twice
                done.set()
                await asyncio.wait_for(asyncio.gather(*polling), 30)
                # Sending goes through a front to the server unchanged.
                await one.send_message(user["id"], "hello from worker one")
            return first, second

        first, second = asyncio.run(workers())
        assert len(first) == 5 and len(second) == 5  # round robin
        assert sorted(first + second) == sorted(set(first + second))  # none twice
        assert handoff.handed == [5, 5]
        assert tg.wait_for_text(user["id"], "hello from worker one")


def test_a_front_answers_only_the_bots_token(handoff):
    front = handoff.bot_base_url(0)
    for path in ("123456:wrong/getUpdates", "123456:wrong/sendMessage", "nottoken"):
        response = httpx.post(f"{front}{path}", json={}, timeout=10)
        assert response.status_code == 401
        assert response.json()["ok"] is False
    outside = httpx.get(front.replace("/bot", "/anything"), timeout=10)
    assert outside.status_code == 401
