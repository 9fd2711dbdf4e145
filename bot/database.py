"""Database work from the bot's event loop, done on a worker thread.

SQLite makes a writer wait for another's lock (up to its busy timeout) before it fails with
"database is locked". Done on the event loop, that wait would stop every chat and Telegram
polling with it; on a thread, only the job that needs the database waits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TypeVar

from sqlalchemy.orm import Session

from storage.engine import transaction

T = TypeVar("T")


async def in_transaction(work: Callable[[Session], T], executor: Executor | None = None) -> T:
    """`work(session)` in one transaction (committed on success), on a worker thread (of
    `executor` when given, else the loop's shared pool)."""

    def run() -> T:
        with transaction() as session:
            return work(session)

    if executor is None:
        return await asyncio.to_thread(run)
    return await asyncio.get_running_loop().run_in_executor(executor, run)
