"""The Application's update queue, which writes each update to the inbox first.

PTB tells Telegram an update arrived only after putting it on this queue: with polling,
the next getUpdates asks for the ids after the last update put here; with a webhook, the
HTTP answer is sent once the update is put. So writing the inbox row inside `put` means
no update is confirmed before it is saved. A write that fails (a locked database) is tried
again until it succeeds, and meanwhile nothing more is fetched or confirmed. An update
already recorded (Telegram sent it again) is not queued a second time.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from datetime import timedelta

from telegram import Update

import settings
from storage import inbox
from storage.engine import transaction
from storage.models import utc_now

logger = logging.getLogger(__name__)

MAX_DELAY = 10.0


class InboxQueue(asyncio.Queue):  # type: ignore[type-arg]
    async def put(self, item: object) -> None:
        if isinstance(item, Update) and not await record_until_saved(item):
            return  # a duplicate delivery: queued (or done) already
        await super().put(item)


async def record_until_saved(update: Update) -> bool:
    """Write the update to the inbox, trying until it is saved; False for a duplicate."""
    chat_id = update.effective_chat.id if update.effective_chat else None
    payload = update.to_json()
    for attempt in itertools.count():
        try:
            # In a thread: a locked database makes SQLite wait (busy timeout), and the
            # chats' workers go on meanwhile.
            return await asyncio.to_thread(_record, update.update_id, chat_id, payload)
        except Exception as error:
            delay = min(MAX_DELAY, 0.5 * 2**attempt)
            logger.error(
                "update %s: inbox write failed (%s), trying again in %.1f s",
                update.update_id,
                type(error).__name__,
                delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


def _record(update_id: int, chat_id: int | None, payload: str) -> bool:
    """Recorded as this worker's own, until the lease its heartbeat renews (bot/relay.py)."""
    configured = settings.current()
    lease_until = utc_now() + timedelta(seconds=configured.worker_lease_seconds)
    with transaction() as session:
        return inbox.record(
            update_id,
            chat_id,
            payload,
            session=session,
            owner=configured.timer_worker_name,
            lease_until=lease_until,
        )
