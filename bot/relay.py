"""The relay: Telegram updates in, Rasa's answers out, one chat at a time, nothing lost.

Every update is written to the inbox before anything else and marked done only after its
answer was sent. Each chat has its own queue and worker, so one chat's messages are
handled in order while different chats don't wait for each other. Timers of a chat go
through the same queue, so a timer and a message of one chat never race.

The action that answers an update (or a timer) journals its answer in the inbox row, in
its own transaction (storage/inbox.py). The bot delivers from that journal and counts the
messages sent, so a crash of any process at any moment neither repeats an action nor
repeats a message that was already sent (except the one whose send was under way when the
bot died: Telegram offers no way to ask whether it arrived).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, Update
from telegram.ext import ContextTypes

from bot.housekeeping import LOCAL_KINDS, run_local_timer
from bot.rasa_client import NoActionRan, RasaClient, RasaUnavailable
from bot.sender import Answer, OutgoingMessage, deliver, read_answer
from bot.translate import Incoming, UnknownCommand, translate
from bot.withheld import what_rasa_hears
from storage import inbox, keyboards, timers
from storage.engine import transaction
from storage.timers import DueTimer

logger = logging.getLogger(__name__)

WORKER_IDLE_SECONDS = 120
RETRY_DELAYS = (1.0, 2.0, 4.0, 8.0, 10.0)
# "Rasa answered but no action ran" this many times in a row: give the update up.
NO_ACTION_ATTEMPTS = 6
TIMER_INTENT = "EXTERNAL_timer_due"
ADMIN_CACHE_SECONDS = 300


@dataclass(frozen=True)
class UpdateJob:
    update: Update


@dataclass(frozen=True)
class TimerJob:
    timer: DueTimer


Job = UpdateJob | TimerJob


class Relay:
    def __init__(self, bot: Bot, rasa: RasaClient) -> None:
        self.bot = bot
        self.rasa = rasa
        self.can_read_all_group_messages = True
        self._queues: dict[int, asyncio.Queue[Job]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._admin_cache: dict[int, tuple[float, bool]] = {}
        self._told_to_wait: set[int] = set()
        self.timers_in_flight: set[int] = set()

    # -- intake ---------------------------------------------------------------------------

    async def on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """PTB handler: record the update in the inbox, then queue it for its chat."""
        chat_id = update.effective_chat.id if update.effective_chat else None
        with transaction() as session:
            is_new = inbox.record(update.update_id, chat_id, update.to_json(), session=session)
        if not is_new:
            return  # delivered again after a restart: already queued or done
        self.enqueue(chat_id or 0, UpdateJob(update))

    def replay_unfinished(self) -> int:
        """At start-up: queue updates received before a crash but never finished, in order."""
        with transaction() as session:
            rows = [
                (row.update_id, row.chat_id, inbox.raw_update(row))
                for row in inbox.unfinished(session=session)
            ]
        for _update_id, chat_id, raw in rows:
            update = Update.de_json(raw, self.bot) if raw else None
            if update is not None:
                self.enqueue(chat_id or 0, UpdateJob(update))
        return len(rows)

    def enqueue(self, chat_id: int, job: Job) -> None:
        queue = self._queues.setdefault(chat_id, asyncio.Queue())
        queue.put_nowait(job)
        worker = self._workers.get(chat_id)
        if worker is None or worker.done():
            self._workers[chat_id] = asyncio.create_task(self._work(chat_id, queue))

    async def stop(self) -> None:
        for worker in self._workers.values():
            worker.cancel()
        await asyncio.gather(*self._workers.values(), return_exceptions=True)

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
            await self._run_job(chat_id, job)

    async def _run_job(self, chat_id: int, job: Job) -> None:
        """A few tries for unexpected faults (e.g. a locked database); never let one job stop
        the chat's worker. An update still failing stays in the inbox for the next start; a
        timer is left to the dispatcher, which claims a stale one again."""
        for attempt, delay in enumerate((1.0, 3.0, 0.0)):
            try:
                await self._until_rasa_answers(chat_id, job)
                return
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error(
                    "chat %s: job failed (%s), try %d", chat_id, type(error).__name__, attempt + 1
                )
                await asyncio.sleep(delay)
        if isinstance(job, TimerJob):
            self.timers_in_flight.discard(job.timer.id)

    async def _until_rasa_answers(self, chat_id: int, job: Job) -> None:
        no_action = 0
        for attempt in itertools.count():
            try:
                await (
                    self._fire_timer(job.timer)
                    if isinstance(job, TimerJob)
                    else self._handle_update(job.update)
                )
                self._told_to_wait.discard(chat_id)
                return
            except NoActionRan as error:
                if not await self.rasa.actions_up():
                    await self._wait_for_rasa(chat_id, job, attempt, error)
                    continue
                no_action += 1
                if no_action >= NO_ACTION_ATTEMPTS:
                    logger.error(
                        "chat %s: no action ran after %d tries; giving the %s up",
                        chat_id,
                        no_action,
                        type(job).__name__,
                    )
                    await self._give_up(job)
                    return
                await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])
            except RasaUnavailable as error:
                await self._wait_for_rasa(chat_id, job, attempt, error)

    async def _wait_for_rasa(self, chat_id: int, job: Job, attempt: int, error: Exception) -> None:
        """Rasa or the action server is down: say "one moment" once, keep the job, wait."""
        logger.warning("chat %s: Rasa or actions unavailable (%s), retrying", chat_id, error)
        if isinstance(job, UpdateJob) and chat_id not in self._told_to_wait:
            self._told_to_wait.add(chat_id)
            await self._say_one_moment(job.update)
        await asyncio.sleep(RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)])

    # -- one update -----------------------------------------------------------------------

    async def _handle_update(self, update: Update) -> None:
        translated = translate(update, self.bot.username or "")
        stored = self._journal(update.update_id)
        if stored is not None and isinstance(translated, Incoming):
            # Answered before a crash: deliver what was not sent yet, without asking again.
            messages, sent = stored
            answer = read_answer(messages, translated.chat_id)
            await self._finish(translated, answer, update.update_id, sent)
        elif isinstance(translated, UnknownCommand):
            await deliver_text(
                self.bot,
                translated.chat_id,
                f"I don't know /{translated.name[:32]}. /help lists what I can do.",
            )
        elif isinstance(translated, Incoming):
            # Words that must not be kept never reach Rasa (observers', and a partner's
            # before consent): see bot/withheld.py.
            heard = what_rasa_hears(translated)
            if heard is not None:
                await self._relay(replace(translated, text=heard), update.update_id)
        with transaction() as session:
            inbox.mark_done(update.update_id, session=session)

    async def _relay(self, incoming: Incoming, update_id: int) -> None:
        if incoming.callback_query_id and incoming.pressed_message_id is not None:
            with transaction() as session:
                closed = keyboards.is_closed(
                    incoming.chat_id, incoming.pressed_message_id, session=session
                )
            if closed:
                await self._answer_press(incoming, "This was already answered.")
                return
        metadata = {**await self._metadata(incoming), "update_id": update_id}
        rasa_messages = await self.rasa.send_message(incoming.chat_id, incoming.text, metadata)
        answer = read_answer(rasa_messages, incoming.chat_id)
        if not answer.acknowledged:
            raise NoActionRan("no action ran")
        stored = self._journal(update_id)
        sent = 0
        if stored is not None:  # the journal is what counts (and says what was sent)
            answer, sent = read_answer(stored[0], incoming.chat_id), stored[1]
        await self._finish(incoming, answer, update_id, sent)

    async def _finish(self, incoming: Incoming, answer: Answer, key: int, sent: int) -> None:
        if incoming.callback_query_id:
            await self._answer_press(incoming, answer.toast)
            if not answer.keep_keyboard and incoming.pressed_message_id is not None:
                await self._close_keyboard(incoming.chat_id, incoming.pressed_message_id)
        await self._deliver_all(answer, key, sent)

    def _journal(self, key: int) -> tuple[list[dict], int] | None:
        with transaction() as session:
            return inbox.journal(key, session=session)

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
        try:
            await self.bot.answer_callback_query(incoming.callback_query_id or "", text=toast)
        except Exception as error:  # a late answer (query expired) changes nothing
            logger.info("callback answer failed (%s)", type(error).__name__)

    async def _close_keyboard(self, chat_id: int, message_id: int) -> None:
        with transaction() as session:
            keyboards.close(chat_id, message_id, session=session)
        try:
            await self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
        except Exception as error:
            logger.info("chat %s: keyboard not removed (%s)", chat_id, type(error).__name__)

    async def _deliver_all(self, answer: Answer, key: int | None = None, sent: int = 0) -> None:
        """Deliver in order, skipping the first `sent`; each send is counted in the journal."""
        for index, message in enumerate(answer.messages):
            if index < sent:
                continue
            await deliver(self.bot, message)
            if key is not None:
                with transaction() as session:
                    inbox.mark_sent(key, index + 1, session=session)

    async def _say_one_moment(self, update: Update) -> None:
        chat = update.effective_chat
        if chat is not None:
            await deliver_text(
                self.bot,
                chat.id,
                "One moment, please: I'm catching up. I've kept your message "
                "and will answer as soon as I can.",
            )

    async def _give_up(self, job: Job) -> None:
        with transaction() as session:
            if isinstance(job, TimerJob):
                timers.mark_fired(job.timer.id, session=session)
                self.timers_in_flight.discard(job.timer.id)
            else:
                inbox.mark_done(job.update.update_id, session=session)

    # -- one timer ------------------------------------------------------------------------

    async def _fire_timer(self, timer: DueTimer) -> None:
        if timer.kind in LOCAL_KINDS:  # the bot's own housekeeping, no Rasa involved
            run_local_timer(timer)
            with transaction() as session:
                timers.mark_fired(timer.id, session=session)
            self.timers_in_flight.discard(timer.id)
            return
        key = inbox.timer_key(timer.id)
        stored = self._journal(key)
        if stored is None:
            rasa_messages = await self.rasa.trigger_intent(
                timer.chat_id, TIMER_INTENT, {"timer_id": timer.id}
            )
            answer = read_answer(rasa_messages, timer.chat_id)
            if not answer.acknowledged:
                raise NoActionRan("timer action did not run")
            stored = self._journal(key)
        sent = 0
        if stored is not None:
            answer, sent = read_answer(stored[0], timer.chat_id), stored[1]
        await self._deliver_all(answer, key, sent)
        with transaction() as session:
            timers.mark_fired(timer.id, session=session)
            inbox.mark_done(key, session=session)
        self.timers_in_flight.discard(timer.id)


async def deliver_text(bot: Bot, chat_id: int, text: str) -> None:
    await deliver(bot, OutgoingMessage(chat_id, text))
