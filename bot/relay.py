"""The relay: Telegram updates in, Rasa's answers out, one chat at a time, nothing lost.

Every update is written to the inbox before Telegram is told it arrived (bot/intake.py)
and marked done only after its answer was sent. Each chat has its own queue and worker, so
one chat's messages are handled in order while different chats don't wait for each other.
Timers of a chat go through the same queue, so a timer and a message of one chat never
race. A job that fails is tried again while the chat's later jobs wait (never skipped).

The action that answers an update (or a timer) journals its answer in the inbox row, in
its own transaction (storage/inbox.py). The bot keeps Rasa's rendering of that answer in
the same row, delivers from it and counts the messages sent, so a crash of any process at
any moment neither repeats an action nor repeats a message that was already sent (except
the one whose send was under way when the bot died: Telegram offers no way to ask whether
it arrived). Should the bot die after the action journalled but before Rasa's rendering
was kept, it asks Rasa again, and the action hands back its journalled answer.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot import domain, texts
from bot.database import in_transaction
from bot.gate import admit, answer_press
from bot.housekeeping import LOCAL_KINDS, run_local_timer
from bot.rasa_client import NoActionRan, RasaClient, RasaUnavailable
from bot.sender import Answer, OutgoingMessage, deliver, read_answer
from bot.translate import ChatMoved, ForeignPress, Incoming, UnknownCommand, translate
from bot.withheld import relayed
from storage import inbox, keyboards, supergroups, timers, tracker_store
from storage.chat_locks import ChatLocks, rasa_conversation_lock
from storage.engine import is_transient
from storage.models import utc_now
from storage.timers import DueTimer

logger = logging.getLogger(__name__)

WORKER_IDLE_SECONDS = 120
# Pauses between tries while Rasa or the action server is down, and after a failure.
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 10.0)
FAILURE_DELAYS = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
# A fault that is not transient (it would fail again: a bug, or Rasa answering without
# running an action) is tried this often before the update is given up.
FAULT_ATTEMPTS = 5
TIMER_INTENT = "EXTERNAL_timer_due"
ADMIN_CACHE_SECONDS = 300


class ActionFailed(Exception):
    """The action ran but failed and saved nothing (actions/core/base.py): try again."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind
        self.transient = kind == "transient"


@dataclass(frozen=True)
class UpdateJob:
    update: Update


@dataclass(frozen=True)
class TimerJob:
    timer: DueTimer


Job = UpdateJob | TimerJob


class Relay:
    def __init__(
        self,
        bot: Bot,
        rasa: RasaClient,
        worker: str = "bot",
        locks: ChatLocks | None = None,
        lease_seconds: float = 60.0,
    ) -> None:
        self.bot = bot
        self.rasa = rasa
        # Several bot workers: each has its own name (inbox rows and timer claims it holds),
        # and a chat is handled by one of them at a time (storage/chat_locks.py).
        self.worker = worker
        self.locks = locks or ChatLocks(None, lease_seconds)
        self.lease_seconds = lease_seconds
        self._heartbeat: list[asyncio.Task[None]] = []
        self._heartbeat_thread = ThreadPoolExecutor(1, thread_name_prefix="heartbeat")
        self.can_read_all_group_messages = True
        self._queues: dict[int, asyncio.Queue[Job]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._admin_cache: dict[int, tuple[float, bool]] = {}
        self._told_to_wait: set[int] = set()
        self._stuck: set[int] = set()  # chats whose current job failed and is tried again
        self._waiting_updates: dict[int, int] = {}  # updates queued per chat, not started
        self._crisis_answered: set[int] = set()  # updates whose crisis answer went out
        self._courtesies: set[asyncio.Task[None]] = set()  # "one moment" lines being sent
        self.timers_in_flight: set[int] = set()

    # -- intake ---------------------------------------------------------------------------

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB handler: queue the update for its chat. It is in the inbox already: the
        Application's update queue writes it there before Telegram is told (bot/intake.py)."""
        chat_id = update.effective_chat.id if update.effective_chat else None
        self.enqueue(chat_id or 0, UpdateJob(update))

    def lease_until(self) -> datetime:
        return utc_now() + timedelta(seconds=self.lease_seconds)

    async def take_over(self, *, own_too: bool = False) -> int:
        """Queue unfinished updates whose worker died (their lease ran out), in order; at
        start-up (`own_too`) also those this worker's previous run left."""
        worker, lease_until = self.worker, self.lease_until()
        taken = await in_transaction(
            lambda session: inbox.take_expired(
                worker=worker, lease_until=lease_until, own_too=own_too, session=session
            )
        )
        for row in taken:
            update = Update.de_json(row.raw, self.bot) if row.raw else None
            if update is not None:
                self.enqueue(row.chat_id or 0, UpdateJob(update))
        return len(taken)

    def start_heartbeat(self) -> None:
        self._heartbeat = [
            asyncio.create_task(self._every_third_of_the_lease(self.heartbeat, "heartbeat")),
            asyncio.create_task(self._every_third_of_the_lease(self.sweep, "sweep")),
        ]

    async def heartbeat(self) -> None:
        """Keep what this worker holds (chat locks, inbox rows, timer claims) its own. Apart
        from all other work, so that it is never late: a renewal that came after the lease
        ran out would let another worker take over a job still running here."""
        worker, lease_until = self.worker, self.lease_until()

        def renew(session: Session) -> None:
            inbox.renew_leases(worker, lease_until, session=session)
            timers.renew_claims_of(worker, session=session)

        # The database part on a thread of its own: behind the chats' database work in the
        # shared pool, a renewal could come later than the lease.
        await asyncio.gather(
            self.locks.renew(), in_transaction(renew, executor=self._heartbeat_thread)
        )

    async def sweep(self) -> None:
        """Take over what a dead worker left (its leases ran out)."""
        taken = await self.take_over()
        if taken:
            logger.info("took over %d update(s) of a worker that stopped", taken)

    async def _every_third_of_the_lease(
        self, beat: Callable[[], Awaitable[None]], name: str
    ) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            started = loop.time()
            try:
                await beat()
                took = loop.time() - started
                if took > self.lease_seconds / 3:
                    logger.warning("%s took %.1f s", name, took)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the next beat tries again, well within the lease
                logger.error("%s failed (%s)", name, type(error).__name__)

    def enqueue(self, chat_id: int, job: Job) -> None:
        queue = self._queues.setdefault(chat_id, asyncio.Queue())
        queue.put_nowait(job)
        if isinstance(job, UpdateJob):
            self._waiting_updates[chat_id] = self._waiting_updates.get(chat_id, 0) + 1
            if chat_id in self._stuck:  # someone writes while the chat's queue is held up
                task = asyncio.create_task(self._say_one_moment(chat_id))
                self._courtesies.add(task)
                task.add_done_callback(self._courtesies.discard)
        worker = self._workers.get(chat_id)
        if worker is None or worker.done():
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id, queue))

    async def stop(self) -> None:
        tasks = [*self._workers.values(), *self._heartbeat]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.locks.close()
        self._heartbeat_thread.shutdown(wait=False)

    async def _work(self, chat_id: int, queue: asyncio.Queue[Job]) -> None:
        while True:
            try:
                job = await asyncio.wait_for(queue.get(), WORKER_IDLE_SECONDS)
            except asyncio.TimeoutError:
                if queue.empty():
                    self._queues.pop(chat_id, None)
                    self._workers.pop(chat_id, None)
                    return
                continue
            if isinstance(job, UpdateJob):
                self._waiting_updates[chat_id] = max(0, self._waiting_updates.get(chat_id, 1) - 1)
            try:
                # One worker at a time per chat, across workers (a no-op with one worker).
                async with self.locks.hold(chat_id):
                    await self._run_job(chat_id, job)
            except Exception as error:  # never let one job stop the chat's worker
                logger.error("chat %s: job dropped (%s)", chat_id, type(error).__name__)
            finally:
                self._stuck.discard(chat_id)
                if isinstance(job, UpdateJob):
                    self._crisis_answered.discard(job.update.update_id)
                else:
                    self.timers_in_flight.discard(job.timer.id)

    async def _run_job(self, chat_id: int, job: Job) -> None:
        """Until the job is done. The chat's later jobs wait behind it, in order, and whoever
        writes meanwhile hears "one moment" once; other chats go on.

        Rasa or the action server down: wait for them, however long. A failure (a locked
        database, a fault in an action or here) is tried again with growing pauses: a
        transient one until it passes, a fault at most FAULT_ATTEMPTS times; then the update
        is recorded as failed (never as done) and the person is told plainly. A timer counts
        every failed try on its row and is given up after a bounded number (storage/timers.py).
        """
        faults = 0
        for attempt in itertools.count():
            try:
                await self._run_once(job)
                self._told_to_wait.discard(chat_id)
                return
            except asyncio.CancelledError:
                raise
            except NoActionRan as error:
                if not await self.rasa.actions_up():
                    await self._wait_for_rasa(chat_id, job, attempt, error)
                    continue
                failure, transient = "no action ran", False
            except RasaUnavailable as error:
                await self._wait_for_rasa(chat_id, job, attempt, error)
                continue
            except ActionFailed as error:
                failure, transient = f"action failed: {error.kind}", error.transient
            except Exception as error:
                failure, transient = type(error).__name__, is_transient(error)
            faults += 0 if transient else 1
            logger.error("chat %s: %s, try %d", chat_id, failure, attempt + 1)
            if not await self._may_try_again(job, failure, transient, faults):
                await self._give_up(chat_id, job)
                return
            self._stuck.add(chat_id)
            if isinstance(job, UpdateJob) or self._waiting_updates.get(chat_id):
                await self._say_one_moment(chat_id)
            await asyncio.sleep(FAILURE_DELAYS[min(attempt, len(FAILURE_DELAYS) - 1)])

    async def _run_once(self, job: Job) -> None:
        if isinstance(job, TimerJob):
            await self._fire_timer(job.timer)
        else:
            await self._handle_update(job.update)

    async def _may_try_again(
        self, job: Job, failure: str, transient: bool, faults: int
    ) -> bool:
        if isinstance(job, TimerJob):
            timer_id = job.timer.id
            try:
                return await in_transaction(
                    lambda session: timers.record_failure(timer_id, failure, session=session)
                )
            except Exception as error:  # the database itself fails: try again later
                logger.error("timer %s: failure not recorded (%s)", job.timer.id, error)
                return True
        return transient or faults < FAULT_ATTEMPTS

    async def _wait_for_rasa(self, chat_id: int, job: Job, attempt: int, error: Exception) -> None:
        """Rasa or the action server is down: say "one moment" once, keep the job, wait."""
        logger.warning("chat %s: Rasa or actions unavailable (%s), retrying", chat_id, error)
        if isinstance(job, UpdateJob):
            await self._say_one_moment(chat_id)
        else:
            timer_id = job.timer.id
            try:  # not the timer's fault: no try counted
                await in_transaction(lambda session: timers.renew_claim(timer_id, session=session))
            except Exception as renew_error:  # the claim only goes stale: harmless here
                logger.warning("timer %s: claim not renewed (%s)", job.timer.id, renew_error)
        await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])

    async def _give_up(self, chat_id: int, job: Job) -> None:
        """After repeated faults: a timer is "failed" on its row already; an update is
        recorded as failed (never replayed as some later flow's content) and the person is
        told the truth: it was not handled."""
        if isinstance(job, TimerJob):
            return
        update = job.update
        logger.error("chat %s: update %s given up after repeated faults", chat_id, update.update_id)
        await in_transaction(lambda session: inbox.mark_failed(update.update_id, session=session))
        if update.callback_query is not None:
            await self._toast(update.callback_query.id, texts.GAVE_UP)
        elif chat_id:
            await deliver_text(self.bot, chat_id, domain.text("utter_something_went_wrong"))

    # -- one update -----------------------------------------------------------------------

    async def _handle_update(self, update: Update) -> None:
        chat_id = update.effective_chat.id if update.effective_chat else None
        translated = translate(update, self.bot.username or "")
        incoming = translated if isinstance(translated, Incoming) else None
        while True:
            begun, heard = await self._begin(update.update_id, chat_id, incoming)
            if not begun.earlier:
                break
            # Older updates of this chat another worker received (or left when it died):
            # handled first, so the chat's messages stay in order.
            for earlier in begun.earlier:
                earlier_update = Update.de_json(earlier.raw, self.bot) if earlier.raw else None
                if earlier_update is not None:
                    await self._run_job(chat_id or 0, UpdateJob(earlier_update))
        if begun.finished:
            return  # handled already (by another worker, or queued here twice)
        stored = begun.journal
        if stored is not None and isinstance(translated, Incoming):
            # Answered before a crash: deliver what was not sent yet, without asking again.
            messages, sent = stored
            answer = read_answer(messages, translated.chat_id)
            await self._finish(translated, answer, update.update_id, sent)
        elif isinstance(translated, ChatMoved):
            await self._move_chat(translated)
        elif isinstance(translated, UnknownCommand):
            unknown = texts.UNKNOWN_COMMAND.format(name=translated.name[:32])
            await deliver_text(self.bot, translated.chat_id, unknown)
        elif isinstance(translated, ForeignPress):
            logger.warning("chat %s: a press that is none of our buttons", translated.chat_id)
            await self._toast(translated.callback_query_id, texts.FOREIGN_PRESS)
        elif isinstance(translated, Incoming) and await admit(self.bot, translated):
            # Words that must not be kept never reach Rasa (a partner's before consent):
            # see bot/withheld.py.
            if heard is not None:
                await self._relay(heard, update.update_id)
        await in_transaction(lambda session: inbox.mark_done(update.update_id, session=session))

    async def _move_chat(self, moved: ChatMoved) -> None:
        """A group became a supergroup: the couple, its timers and unfinished updates, and
        its Rasa conversation continue under the new id (run in the chat's own queue)."""
        old, new = moved.old_chat_id, moved.new_chat_id
        rows = await in_transaction(
            lambda session: supergroups.move_chat(old, new, session=session)
        )
        def move_events() -> int:
            with rasa_conversation_lock(str(old)), rasa_conversation_lock(str(new)):
                return tracker_store.move_conversation(str(old), str(new))

        events = await asyncio.to_thread(move_events)
        logger.info(
            "chat %s became %s: %d row(s) and %d event(s) moved",
            moved.old_chat_id,
            moved.new_chat_id,
            rows,
            events,
        )

    async def _relay(self, incoming: Incoming, update_id: int) -> None:
        if incoming.callback_query_id and incoming.pressed_message_id is not None:
            chat_id, message_id = incoming.chat_id, incoming.pressed_message_id
            closed = await in_transaction(
                lambda session: keyboards.is_closed(chat_id, message_id, session=session)
            )
            if closed:
                await self._answer_press(incoming, texts.ALREADY_ANSWERED)
                return
        metadata = {**await self._metadata(incoming), "update_id": update_id}
        if incoming.screened_text:
            metadata["screened_text"] = incoming.screened_text
        if update_id in self._crisis_answered:
            metadata["crisis_answered"] = True
        rasa_messages = await self.rasa.send_message(incoming.chat_id, incoming.text, metadata)
        answer = read_answer(rasa_messages, incoming.chat_id)
        if answer.retry is not None:
            # The action saved nothing; the crisis resources it still sent go out now, once.
            if answer.messages and update_id not in self._crisis_answered:
                await self._deliver_all(answer)
                self._crisis_answered.add(update_id)
            raise ActionFailed(answer.retry)
        if not answer.acknowledged:
            raise NoActionRan("no action ran")
        kept = await self._keep_delivery(update_id, rasa_messages)
        sent = 0
        if kept is not None:  # the kept rendering is what counts (and says what was sent)
            answer, sent = read_answer(kept[0], incoming.chat_id), kept[1]
        await self._finish(incoming, answer, update_id, sent)

    async def _finish(self, incoming: Incoming, answer: Answer, key: int, sent: int) -> None:
        if incoming.callback_query_id:
            await self._answer_press(incoming, answer.toast)
            if not answer.keep_keyboard and incoming.pressed_message_id is not None:
                await self._close_keyboard(incoming.chat_id, incoming.pressed_message_id)
        await self._deliver_all(answer, key, sent)

    async def _begin(
        self, update_id: int, chat_id: int | None, incoming: Incoming | None
    ) -> tuple[inbox.Begun, Incoming | None]:
        """One transaction: take the update (and the chat's older unfinished ones), read its
        journal, and what Rasa may hear of it (bot/withheld.py; read only, and used only if
        the update is admitted). Read once no older update is left to handle first, as
        those may change it (a consent given)."""
        worker, lease_until = self.worker, self.lease_until()

        def begin(session: Session, take: bool = True) -> tuple[inbox.Begun, Incoming | None]:
            begun = inbox.begin(
                update_id,
                chat_id,
                worker=worker,
                lease_until=lease_until,
                session=session,
                take=take,
            )
            fresh = not begun.earlier and not begun.finished and begun.journal is None
            heard = relayed(incoming, session) if fresh and incoming is not None else None
            return begun, heard

        try:
            return await in_transaction(begin)
        except Exception as error:
            if not is_transient(error):
                raise
            # The database takes no writes for now (e.g. a stuck writer holds SQLite's lock),
            # but it still reads: go on without taking the lease (this chat's lock is ours
            # all the same), so crisis words get their resources now; the action's writes
            # are tried again as before.
            logger.warning("update %s: not taken (%s), read only", update_id, type(error).__name__)
            return await in_transaction(lambda session: begin(session, take=False))

    async def _journal(self, key: int) -> tuple[list[dict], int] | None:
        return await in_transaction(lambda session: inbox.journal(key, session=session))

    async def _keep_delivery(
        self, key: int, rasa_messages: list[dict[str, Any]]
    ) -> tuple[list[dict], int] | None:
        return await in_transaction(
            lambda session: inbox.store_delivery(key, rasa_messages, session=session)
        )

    async def _metadata(self, incoming: Incoming) -> dict[str, Any]:
        return {
            "user_id": incoming.user_id,
            "first_name": incoming.first_name,
            "chat_type": incoming.chat_type,
            "is_callback": incoming.callback_query_id is not None,
            "message_id": incoming.message_id,
            "bot_username": self.bot.username,
            "sees_all_messages": await self._sees_all_messages(incoming),
        }

    async def _sees_all_messages(self, incoming: Incoming) -> bool:
        if incoming.chat_type == "private":
            return True
        if incoming.text.startswith("/start"):
            # Privacy mode can be switched in @BotFather while we run: look again on /start.
            me = await self.bot.get_me()
            self.can_read_all_group_messages = bool(me.can_read_all_group_messages)
            self._admin_cache.pop(incoming.chat_id, None)
        if self.can_read_all_group_messages:
            return True
        cached = self._admin_cache.get(incoming.chat_id)
        if cached and time.monotonic() - cached[0] < ADMIN_CACHE_SECONDS:
            return cached[1]
        try:
            member = await self.bot.get_chat_member(incoming.chat_id, self.bot.id)
            is_admin = member.status in ("administrator", "creator")
        except Exception:
            is_admin = False
        self._admin_cache[incoming.chat_id] = (time.monotonic(), is_admin)
        return is_admin

    async def _answer_press(self, incoming: Incoming, toast: str | None) -> None:
        await self._toast(incoming.callback_query_id or "", toast)

    async def _toast(self, callback_query_id: str, toast: str | None) -> None:
        await answer_press(self.bot, callback_query_id, toast)

    async def _close_keyboard(self, chat_id: int, message_id: int) -> None:
        await in_transaction(lambda session: keyboards.close(chat_id, message_id, session=session))
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except Exception as error:
            logger.info("chat %s: keyboard not removed (%s)", chat_id, type(error).__name__)

    async def _deliver_all(self, answer: Answer, key: int | None = None, sent: int = 0) -> None:
        """Deliver in order, skipping the first `sent`; each send is counted in the journal,
        except the last: the transaction that finishes the job (marks it done, which clears
        the journal) follows at once, one round trip fewer per message."""
        last = len(answer.messages) - 1
        for index, message in enumerate(answer.messages):
            if index < sent:
                continue
            await deliver(self.bot, message)
            if key is not None and index < last:
                count = index + 1
                await in_transaction(
                    lambda session, n=count: inbox.mark_sent(key, n, session=session)  # type: ignore[misc]
                )

    async def _say_one_moment(self, chat_id: int) -> None:
        """Once per hold-up of the chat's queue (until a job of it succeeds again)."""
        if not chat_id or chat_id in self._told_to_wait:
            return
        self._told_to_wait.add(chat_id)
        try:
            await deliver_text(self.bot, chat_id, texts.ONE_MOMENT)
        except Exception as error:  # a courtesy: the job itself goes on
            logger.warning("chat %s: 'one moment' not sent (%s)", chat_id, type(error).__name__)

    # -- one timer ------------------------------------------------------------------------

    async def _fire_timer(self, timer: DueTimer) -> None:
        worker = self.worker
        if not await in_transaction(
            lambda session: timers.still_claimed(timer, session=session, worker=worker)
        ):
            logger.info("timer %s (%s) no longer due: skipped", timer.id, timer.kind)
            return
        if timer.kind in LOCAL_KINDS:  # the bot's own housekeeping, no Rasa involved
            await asyncio.to_thread(run_local_timer, timer)
            await in_transaction(lambda session: timers.mark_fired(timer.id, session=session))
            return
        key = inbox.timer_key(timer.id)
        stored = await self._journal(key)
        if stored is None:
            rasa_messages = await self.rasa.trigger_intent(
                timer.chat_id, TIMER_INTENT, {"timer_id": timer.id}
            )
            answer = read_answer(rasa_messages, timer.chat_id)
            if answer.retry is not None:
                raise ActionFailed(answer.retry)
            if not answer.acknowledged:
                raise NoActionRan("timer action did not run")
            stored = await self._keep_delivery(key, rasa_messages)
        sent = 0
        if stored is not None:
            answer, sent = read_answer(stored[0], timer.chat_id), stored[1]
        await self._deliver_all(answer, key, sent)

        def fired(session: Session) -> None:
            timers.mark_fired(timer.id, session=session)
            inbox.mark_done(key, session=session)

        await in_transaction(fired)


async def deliver_text(bot: Bot, chat_id: int, text: str) -> None:
    await deliver(bot, OutgoingMessage(chat_id, text))
