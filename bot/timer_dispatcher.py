"""The durable timer dispatcher: claims due timers and queues them on their chat's worker.

Timers are rows in the database (storage/timers.py), so a restart loses none: overdue
timers are claimed on the first tick after start-up.
"""

from __future__ import annotations

import asyncio
import logging

from bot.database import in_transaction
from bot.relay import Relay, TimerJob
from storage import timers

logger = logging.getLogger(__name__)

MAX_IN_FLIGHT = 32  # timers claimed and not yet fired, per worker


class TimerDispatcher:
    def __init__(self, relay: Relay, poll_seconds: float, worker: str) -> None:
        self._relay = relay
        self._poll_seconds = poll_seconds
        self._worker = worker
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Take back what this worker's previous run claimed but never fired, then poll."""
        worker = self._worker
        released = await in_transaction(
            lambda session: timers.release_claims_of(worker, session=session)
        )
        if released:
            logger.info("released %d timer(s) claimed before the restart", released)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def tick(self) -> int:
        """Claim what is due now and queue it; returns how many timers were queued."""
        in_flight = self._relay.timers_in_flight
        skip = set(in_flight)  # timers still queued or firing here: not claimed (nor counted)
        # Only as many as this worker fires soon: the rest are left to the other workers
        # (and a claim that waits long here only needs renewing).
        room = MAX_IN_FLIGHT - len(in_flight)
        if room <= 0:
            return 0
        claimed = await in_transaction(
            lambda session: timers.claim_due(
                session=session, worker=self._worker, skip=skip, limit=room
            )
        )
        queued = 0
        for timer in claimed:
            if timer.id in in_flight:
                continue
            in_flight.add(timer.id)
            self._relay.enqueue(timer.chat_id, TimerJob(timer))
            queued += 1
        return queued

    async def _run(self) -> None:
        while True:
            try:
                queued = await self.tick()
                if queued:
                    logger.info("queued %d due timer(s)", queued)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error("timer tick failed (%s)", type(error).__name__)
            await asyncio.sleep(self._poll_seconds)
