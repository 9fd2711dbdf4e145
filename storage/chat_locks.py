"""Per-chat locks across processes, in Redis (`REDIS_URL`), for running several workers.

Two locks, for two different holders:

- The bot's chat lock (`ChatLocks.hold`): one bot worker at a time handles a chat's updates
  and timers, so a chat's messages stay in order whichever worker received them. It expires
  after WORKER_LEASE_SECONDS unless its holder's heartbeat renews it (`ChatLocks.renew`), so
  a worker that died frees its chats.
- Rasa's own lock of a conversation (`rasa_conversation_lock`): the ticket lock of Rasa's
  `RedisLockStore` (the same key and format, through Rasa's own class), which every Rasa
  replica takes while it handles a message of that conversation. A purge of Rasa's events
  takes it too, so no replica writes a tracker back over a purge.

Without `REDIS_URL` (one bot, one Rasa server: the embedded default) both are no-ops: the
bot's chat queue already serialises a chat, and Rasa's in-memory lock store serves one server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import unquote

from sqlalchemy.engine import make_url

import settings

logger = logging.getLogger(__name__)

# Rasa's lock store keys are "<prefix>:lock:<conversation>"; ours sit next to them.
KEY_PREFIX = "talkingstick"
CHAT_LOCK_KEY = KEY_PREFIX + ":chat:{chat_id}"
# Rasa's default lifetime of a ticket (rasa.core.constants.DEFAULT_LOCK_LIFETIME).
RASA_TICKET_LIFETIME = 60.0


def redis_parts(url: str) -> dict[str, Any]:
    """A `redis://[:password@]host[:port][/db]` URL as Rasa's RedisLockStore takes it."""
    parsed = make_url(url.replace("rediss://", "redis+ssl://", 1))
    parts: dict[str, Any] = {
        "host": parsed.host or "localhost",
        "port": parsed.port or 6379,
        "db": int(parsed.database or 0),
        "key_prefix": KEY_PREFIX,
    }
    if parsed.username:
        parts["username"] = unquote(parsed.username)
    if parsed.password:
        parts["password"] = unquote(str(parsed.password))
    if parsed.drivername.endswith("ssl"):
        parts["use_ssl"] = True
    return parts


def redis_url() -> str | None:
    return settings.current().redis_url


class ChatLocks:
    """The bot's per-chat locks (one object per bot process)."""

    def __init__(self, url: str | None, lease_seconds: float) -> None:
        self._lease = lease_seconds
        self._held: set[Any] = set()
        self._client: Any = None
        if url:
            import redis.asyncio  # type: ignore[import-untyped]

            parts = redis_parts(url)
            self._client = redis.asyncio.Redis(
                host=parts["host"],
                port=parts["port"],
                db=parts["db"],
                username=parts.get("username"),
                password=parts.get("password"),
                ssl=bool(parts.get("use_ssl")),
            )

    @property
    def shared(self) -> bool:
        return self._client is not None

    @asynccontextmanager
    async def hold(self, chat_id: int) -> AsyncIterator[None]:
        """Wait for the chat's lock and hold it for the block."""
        if self._client is None:
            yield
            return
        lock = self._client.lock(
            CHAT_LOCK_KEY.format(chat_id=chat_id), timeout=self._lease, sleep=0.05
        )
        await lock.acquire()
        self._held.add(lock)
        try:
            yield
        finally:
            self._held.discard(lock)
            try:
                await lock.release()
            except Exception as error:  # expired meanwhile (a stalled worker): nothing to free
                logger.warning("chat %s: lock not released (%s)", chat_id, type(error).__name__)

    async def renew(self) -> None:
        """The heartbeat: every lock held here lasts another lease (all at once: one after
        the other, many locks would take longer than a lease on a loaded machine)."""

        async def renew(lock: Any) -> None:
            try:
                await lock.reacquire()
            except Exception as error:
                if lock in self._held:  # else it was released meanwhile: nothing to renew
                    logger.warning("a chat lock was not renewed (%s)", type(error).__name__)

        await asyncio.gather(*(renew(lock) for lock in list(self._held)))

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()


@contextmanager
def rasa_conversation_lock(sender_id: str, timeout: float = 120.0) -> Iterator[None]:
    """Hold Rasa's lock of one conversation (blocking: call it on a worker thread), with
    Rasa's own RedisLockStore, so the key and the ticket format are Rasa's."""
    url = redis_url()
    if not url:
        yield
        return
    from rasa.core.lock_store import RedisLockStore

    store = RedisLockStore(**redis_parts(url))
    ticket = store.issue_ticket(sender_id, RASA_TICKET_LIFETIME)
    try:
        deadline = time.monotonic() + timeout
        while True:
            lock = store.get_lock(sender_id)
            if lock is None or not lock.is_locked(ticket):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"Rasa's lock of conversation {sender_id} not acquired")
            time.sleep(0.05)
            store.update_lock(sender_id)
        yield
    finally:
        store.cleanup(sender_id, ticket)
        store.red.close()
