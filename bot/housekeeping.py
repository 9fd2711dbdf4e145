"""Timers the bot runs itself, without Rasa: purging conversations and daily retention.

They are durable timers like any other (storage/timers.py), claimed by the dispatcher and
queued on their chat's worker, so a purge of a chat runs between two of its messages and
never while Rasa holds that chat's tracker (see storage/tracker_store.py).

- `purge_conversation` (scheduled by /forget): delete the chat's events from Rasa's tracker
  store — all of them, or only one person's messages and the bot's answers — and the
  chat's finished inbox rows, closed keyboards and finished timers.
- `retention` (chat 0, daily): clear message texts older than RETENTION_DAYS from our
  database, queue a purge of older events for every conversation that has some, delete old
  bookkeeping (finished inbox rows, closed keyboards, finished timers), and schedule the
  next run. At start-up it is scheduled if none is pending.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

import settings
from storage import timers, tracker_store
from storage.chat_locks import rasa_conversation_lock
from storage.engine import transaction
from storage.enums import InboxStatus, TimerKind, TimerStatus
from storage.models import ClosedKeyboard, InboxUpdate, Timer, utc_now
from storage.retention import cutoff, purge_bookkeeping, purge_texts_before
from storage.timer_payloads import PurgeConversation
from storage.timers import DueTimer

logger = logging.getLogger(__name__)

PURGE_CONVERSATION = TimerKind.PURGE_CONVERSATION
RETENTION = TimerKind.RETENTION
LOCAL_KINDS = frozenset({PURGE_CONVERSATION, RETENTION})
RETENTION_CHAT = 0


def run_local_timer(timer: DueTimer) -> None:
    if timer.kind == PURGE_CONVERSATION:
        purge_conversation(timer)
    elif timer.kind == RETENTION:
        run_retention(utc_now(), running=timer.id)


def purge_conversation(timer: DueTimer) -> None:
    sender = str(timer.chat_id)
    purge = PurgeConversation.read(timer.payload)
    if purge is None:
        logger.warning("chat %s: purge timer %s unreadable (ignored)", timer.chat_id, timer.id)
        return
    # Rasa's lock of the conversation too (with several Rasa servers): none of them is
    # handling a message of this chat, and so none writes its tracker back over the purge.
    with rasa_conversation_lock(sender):
        if purge.before is not None:
            deleted = tracker_store.delete_events_before(sender, purge.before)
        elif purge.only_user is not None:
            deleted = tracker_store.delete_messages_of(sender, purge.only_user)
        else:
            deleted = tracker_store.delete_conversation(sender)
    if purge.before is None and purge.only_user is None:
        with transaction() as session:
            _forget_chat_bookkeeping(timer, session)
    logger.info("chat %s: %d tracker event(s) purged", timer.chat_id, deleted)


def _forget_chat_bookkeeping(timer: DueTimer, session: Session) -> None:
    """What the bot itself kept about a forgotten chat: ids and times only, but theirs."""
    chat = timer.chat_id
    session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.chat_id == chat, InboxUpdate.status == InboxStatus.DONE
        )
    )
    session.execute(delete(ClosedKeyboard).where(ClosedKeyboard.chat_id == chat))
    session.execute(
        delete(Timer).where(
            Timer.chat_id == chat,
            (Timer.status.in_((TimerStatus.FIRED, TimerStatus.CANCELLED)))
            | (Timer.id == timer.id),
        )
    )


def run_retention(now: datetime, *, running: int | None = None) -> None:
    moment = cutoff(now)
    with transaction() as session:
        counts = purge_texts_before(moment, session=session)
        purged = purge_bookkeeping(now, session=session)
    changed = {name: count for name, count in counts.items() if count}
    logger.info("retention: texts cleared %s", changed or "none")
    deleted = {name: count for name, count in purged.items() if count}
    logger.info("retention: bookkeeping rows deleted %s", deleted or "none")
    for sender in tracker_store.conversations_with_events_before(moment.timestamp()):
        try:
            chat_id = int(sender)
        except ValueError:  # not one of our chats (e.g. a test conversation): no queue to wait for
            with rasa_conversation_lock(sender):
                tracker_store.delete_events_before(sender, moment.timestamp())
            continue
        with transaction() as session:
            timers.schedule(
                PURGE_CONVERSATION,
                chat_id,
                now,
                PurgeConversation(before=moment.timestamp()),
                session=session,
            )
    interval = timedelta(seconds=settings.current().retention_interval_seconds)
    schedule_retention(now + interval, running=running)


def schedule_retention(due_at: datetime, *, running: int | None = None) -> bool:
    """Schedule a retention run unless one is pending or being fired (other than the one
    `running` now); True if this call scheduled it. Safe to call at every start-up."""
    with transaction() as session:
        waiting = session.execute(
            select(Timer.id)
            .where(
                Timer.kind == RETENTION,
                Timer.status.in_((TimerStatus.PENDING, TimerStatus.FIRING)),
            )
            .where(Timer.id != (running or 0))
            .limit(1)
        ).first()
        if waiting is not None:
            return False
        timers.schedule(RETENTION, RETENTION_CHAT, due_at, session=session)
        return True
