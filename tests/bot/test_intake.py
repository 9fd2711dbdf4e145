"""The update queue saves each update to the inbox before PTB confirms it to Telegram."""

from __future__ import annotations

import asyncio
import sqlite3

from telegram import Update

from bot import intake
from bot.intake import InboxQueue
from storage.engine import transaction
from storage.models import InboxUpdate


def update(update_id: int) -> Update:
    message = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": 5, "type": "private", "first_name": "Noor"},
        "from": {"id": 5, "is_bot": False, "first_name": "Noor"},
        "text": "hello",
    }
    return Update.de_json({"update_id": update_id, "message": message}, None)


def test_an_update_is_queued_only_once_saved_and_a_duplicate_not_at_all(database):
    async def run() -> list[object]:
        queue = InboxQueue()
        await queue.put(update(21))
        await queue.put(update(21))  # Telegram sent it again: already saved and queued
        await queue.put("stop signal")  # PTB's own objects pass through
        return [queue.get_nowait() for _ in range(queue.qsize())]

    items = asyncio.run(run())
    assert [getattr(item, "update_id", item) for item in items] == [21, "stop signal"]
    with transaction() as session:
        assert session.get(InboxUpdate, 21).status == "pending"


def test_a_locked_database_delays_the_queue_until_the_update_is_saved(
    database, monkeypatch, caplog
):
    monkeypatch.setattr(intake, "MAX_DELAY", 0.2)
    monkeypatch.setenv("SQLITE_BUSY_TIMEOUT_SECONDS", "0")
    blocker = sqlite3.connect(database, timeout=0)
    blocker.execute("BEGIN EXCLUSIVE")

    async def run() -> bool:
        saving = asyncio.create_task(intake.record_until_saved(update(22)))
        await asyncio.sleep(1.5)
        assert not saving.done()  # not saved, so PTB would not confirm it yet
        blocker.rollback()
        return await asyncio.wait_for(saving, 20)

    try:
        assert asyncio.run(run())
    finally:
        blocker.close()
    assert "update 22: inbox write failed (OperationalError)" in caplog.text
    with transaction() as session:
        assert session.get(InboxUpdate, 22) is not None
