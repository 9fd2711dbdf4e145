"""The inbox: every Telegram update is written here before it is confirmed to Telegram.

An update received twice (Telegram re-sends after a restart that did not confirm the
offset) is recognised by its update_id and processed once. Update ids are not unique
forever: after a week without updates Telegram picks the next id at random, so a row
received more than DUPLICATE_WINDOW ago is an older update that happens to share the id,
not a duplicate. Telegram keeps an unconfirmed update for 24 hours, so a re-sent one is
always younger than that window.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.engine import rows_changed
from storage.enums import InboxStatus
from storage.models import InboxUpdate, utc_now

logger = logging.getLogger(__name__)

DUPLICATE_WINDOW = timedelta(days=3)
FINISHED = (InboxStatus.DONE, InboxStatus.FAILED)


def record(
    update_id: int,
    chat_id: int | None,
    payload: str,
    *,
    session: Session,
    now: datetime | None = None,
    owner: str | None = None,
    lease_until: datetime | None = None,
) -> bool:
    """Store an incoming update, owned by the worker `owner` until `lease_until` (renewed by
    its heartbeat); False if it was already recorded (a duplicate delivery)."""
    now = now or utc_now()
    row = session.get(InboxUpdate, update_id)
    if row is not None:
        if row.received_at >= now - DUPLICATE_WINDOW:
            return False
        # Telegram restarted its ids: the old row (long finished) makes room for this one.
        logger.info("update %s reuses an id last seen %s ago", update_id, now - row.received_at)
        row.chat_id, row.received_at, row.status = chat_id, now, InboxStatus.PENDING
        row.processed_at, row.payload = None, payload
        row.owner, row.lease_until = owner, lease_until
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(
                InboxUpdate(
                    update_id=update_id,
                    chat_id=chat_id,
                    payload=payload,
                    received_at=now,
                    owner=owner,
                    lease_until=lease_until,
                )
            )
    except IntegrityError:
        return False
    return True


# -- several workers: owners and leases -----------------------------------------------------
#
# A row belongs to the worker that recorded it (or took it over) until its lease runs out;
# the worker's heartbeat renews the leases of all its unfinished rows. A worker that died
# renews nothing, so its rows become free for another worker's sweep (`take_expired`). Under
# a chat's lock (bot/relay.py), the worker holding it takes every unfinished row of that chat
# older than the one it is about to handle (`begin`), whoever owns them: they are handled in
# order, and their owner, when its turn comes, finds them done.

UNFINISHED = (InboxStatus.PENDING, InboxStatus.ANSWERING, InboxStatus.ANSWERED)


@dataclass(frozen=True)
class Taken:
    """An unfinished update a worker took: its id, chat and original update."""

    update_id: int
    chat_id: int | None
    raw: dict | None


@dataclass(frozen=True)
class Begun:
    """What a worker holding the chat's lock finds before handling an update."""

    finished: bool  # done or failed already (by another worker, or a duplicate queued here)
    journal: tuple[list[dict], int] | None  # a kept delivery and how much of it was sent
    earlier: list[Taken]  # the chat's older unfinished updates: handled first, in order


def begin(
    update_id: int,
    chat_id: int | None,
    *,
    worker: str,
    lease_until: datetime,
    session: Session,
    take: bool = True,
) -> Begun:
    """One transaction before an update is handled: take it and the chat's older unfinished
    updates (owner = `worker`), and read its journal. `take=False` only reads (the database
    refuses writes for now): nothing is taken."""
    same_chat = InboxUpdate.chat_id.is_(None) if chat_id is None else InboxUpdate.chat_id == chat_id
    earlier_rows = list(
        session.execute(
            select(InboxUpdate)
            .where(
                same_chat,
                InboxUpdate.status.in_(UNFINISHED),
                InboxUpdate.update_id > 0,
                InboxUpdate.update_id < update_id,
            )
            .order_by(InboxUpdate.update_id)
        ).scalars()
    )
    row = session.get(InboxUpdate, update_id)
    for taken in [*earlier_rows, row] if take else []:
        if taken is not None and taken.status in UNFINISHED:
            taken.owner, taken.lease_until = worker, lease_until
    earlier = [Taken(item.update_id, item.chat_id, raw_update(item)) for item in earlier_rows]
    if row is None or row.status in FINISHED:
        return Begun(row is not None, None, earlier)
    return Begun(False, journal(update_id, session=session), earlier)


def take_expired(
    *,
    worker: str,
    lease_until: datetime,
    session: Session,
    now: datetime | None = None,
    own_too: bool = False,
    limit: int = 500,
) -> list[Taken]:
    """Unfinished updates whose worker stopped renewing their lease (it died), oldest first,
    now owned by `worker`; `own_too` (at start-up): also those this worker's previous run
    left (same name)."""
    now = now or utc_now()
    free = InboxUpdate.lease_until.is_(None) | (InboxUpdate.lease_until < now)
    if own_too:
        free = free | (InboxUpdate.owner == worker)
    rows = list(
        session.execute(
            select(InboxUpdate)
            .where(InboxUpdate.status.in_(UNFINISHED), InboxUpdate.update_id > 0, free)
            .order_by(InboxUpdate.update_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).scalars()
    )
    for row in rows:
        row.owner, row.lease_until = worker, lease_until
    return [Taken(row.update_id, row.chat_id, raw_update(row)) for row in rows]


def renew_leases(worker: str, lease_until: datetime, *, session: Session) -> int:
    """The heartbeat: this worker's unfinished rows stay its own."""
    result = session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.owner == worker, InboxUpdate.status.in_(UNFINISHED))
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def mark_done(update_id: int, *, session: Session) -> None:
    session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(status=InboxStatus.DONE, processed_at=utc_now(), payload=None, lease_until=None)
    )


def mark_failed(update_id: int, *, session: Session) -> None:
    """Given up after repeated faults: not done (nothing was answered), never replayed."""
    session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(status=InboxStatus.FAILED, processed_at=utc_now(), payload=None)
    )


def purge_finished_before(moment: datetime, *, session: Session) -> int:
    """Forget finished rows (updates and timers' journal rows) received before `moment`."""
    result = session.execute(
        delete(InboxUpdate).where(
            InboxUpdate.status.in_(FINISHED), InboxUpdate.received_at < moment
        )
    )
    return rows_changed(result)


def unfinished(*, session: Session) -> list[InboxUpdate]:
    """Updates not done yet, oldest first (timers' journal rows have negative ids: the
    dispatcher fires those again itself)."""
    return list(
        session.execute(
            select(InboxUpdate)
            .where(
                InboxUpdate.status.in_((InboxStatus.PENDING, InboxStatus.ANSWERED)),
                InboxUpdate.update_id > 0,
            )
            .order_by(InboxUpdate.update_id)
        ).scalars()
    )


def is_done(update_id: int, *, session: Session) -> bool:
    row = session.get(InboxUpdate, update_id)
    return row is not None and row.status == InboxStatus.DONE


# -- the answer journal ---------------------------------------------------------------------
#
# The action that answers an update writes its answer (what it dispatched: response names
# and values) into the update's inbox row, in the same transaction as its own database
# changes ("answered"). Rasa renders that answer; the bot keeps the rendered messages in the
# row ("delivery", the first rendering wins), delivers them one by one, counting what was
# sent, and marks the row done. So after a crash anywhere, the update is neither acted on
# twice (the action finds "answered" and returns the stored answer for Rasa to render
# again) nor answered twice (the bot resumes after the last message it sent). A fired timer
# is journalled the same way, under the negative timer id.
#
# Payload of an answered row:
# {"update": <raw update or null>, "answer": [...], "delivery": [...], "sent": n}.

ANSWERED = InboxStatus.ANSWERED


def timer_key(timer_id: int) -> int:
    return -abs(timer_id)


def begin_answer(key: int, chat_id: int, *, session: Session) -> list[dict] | None:
    """Claim the right to answer `key`: None if this caller should act, else the answer
    stored by an earlier run (the caller returns it instead of acting again).

    The first statement is a write, so it takes SQLite's write lock (or the row lock on
    PostgreSQL) at once: a second run of the same update waits here and then sees the
    first one's answer."""
    claimed = rows_changed(
        session.execute(
            update(InboxUpdate)
            .where(InboxUpdate.update_id == key, InboxUpdate.status == InboxStatus.PENDING)
            .values(status=InboxStatus.ANSWERING)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed:
        return None
    row = session.get(InboxUpdate, key)
    if row is None:
        if key > 0:
            return None  # an update the bot did not journal (e.g. a test): just act
        session.add(InboxUpdate(update_id=key, chat_id=chat_id, status=InboxStatus.ANSWERING))
        session.flush()
        return None
    stored = _journal(row)
    return list(stored.get("answer") or [])


def store_answer(key: int, answer: list[dict], *, session: Session) -> None:
    row = session.get(InboxUpdate, key)
    if row is None or row.status != InboxStatus.ANSWERING:
        return
    raw = row.payload
    try:
        original = json.loads(raw) if raw else None
    except ValueError:
        original = None
    row.status = ANSWERED
    row.payload = json.dumps({"update": original, "answer": answer, "sent": 0})


def store_delivery(
    key: int, rendered: list[dict], *, session: Session
) -> tuple[list[dict], int] | None:
    """Keep Rasa's rendering of the journalled answer, unless one is kept already (that one
    counts: some of it may have been sent); it and how many of its messages were sent.
    None when no action journalled an answer under `key` (there is nothing to resume)."""
    row = session.get(InboxUpdate, key)
    if row is None or row.status != ANSWERED:
        return None
    stored = _journal(row)
    if "delivery" not in stored:
        stored = {**stored, "delivery": rendered}
        row.payload = json.dumps(stored)
    return list(stored.get("delivery") or []), int(stored.get("sent") or 0)


def journal(key: int, *, session: Session) -> tuple[list[dict], int] | None:
    """The kept delivery and how many of its messages were sent; None while there is none."""
    row = session.get(InboxUpdate, key)
    if row is None or row.status != ANSWERED:
        return None
    stored = _journal(row)
    if "delivery" not in stored:
        return None
    return list(stored.get("delivery") or []), int(stored.get("sent") or 0)


def mark_sent(key: int, count: int, *, session: Session) -> None:
    row = session.get(InboxUpdate, key)
    if row is None or row.status != ANSWERED:
        return
    stored = _journal(row)
    row.payload = json.dumps({**stored, "sent": count})


def raw_update(row: InboxUpdate) -> dict | None:
    """The original update of a row, answered or not."""
    if row.status == ANSWERED:
        value = _journal(row).get("update")
        return value if isinstance(value, dict) else None
    try:
        value = json.loads(row.payload or "null")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _journal(row: InboxUpdate) -> dict:
    try:
        value = json.loads(row.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) and "answer" in value else {}
