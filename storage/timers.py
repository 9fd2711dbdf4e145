"""Durable timers: rows in `timers`, claimed atomically by whichever dispatcher sees them due.

The claim is a compare-and-set (`UPDATE … WHERE id = ? AND status = 'pending'`, one row
changed or none), which is atomic on SQLite and PostgreSQL alike, so several dispatchers
can run at once and each timer is claimed exactly once. (SQLAlchemy 1.4 cannot emit
RETURNING on SQLite; the per-row compare-and-set needs no RETURNING.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

import settings
from storage.engine import rows_changed
from storage.enums import TimerStatus
from storage.models import InboxUpdate, Timer, utc_now
from storage.timer_payloads import TimerPayload

logger = logging.getLogger(__name__)

# A claim not renewed for WORKER_LEASE_SECONDS was left by a dispatcher that died mid-fire
# (a live one renews its claims with its heartbeat while their jobs wait in a chat's queue):
# fire it again (timer handlers are idempotent, so a second firing of finished work does
# nothing). A restarted dispatcher does not wait for this: it releases its own claims at
# start-up.
def stale_claim() -> timedelta:
    return timedelta(seconds=settings.current().worker_lease_seconds)

FINISHED = (TimerStatus.FIRED, TimerStatus.CANCELLED, TimerStatus.FAILED)


def max_attempts() -> int:
    """Tries of one timer before it is given up ("failed" on its row, logged by id)."""
    return settings.current().timer_max_attempts


@dataclass(frozen=True)
class DueTimer:
    id: int
    kind: str
    chat_id: int
    due_at: datetime
    payload: dict[str, Any]  # read as its kind's type in storage/timer_payloads.py


def schedule(
    kind: str,
    chat_id: int,
    due_at: datetime,
    payload: TimerPayload | Mapping[str, Any] | None = None,
    *,
    session: Session,
) -> Timer:
    """A new pending timer. The project's kinds (storage.enums.TimerKind) pass their typed
    payload (storage/timer_payloads.py); the store itself keeps any JSON object."""
    timer = Timer(kind=str(kind), chat_id=chat_id, due_at=due_at, payload=_encoded(payload))
    session.add(timer)
    session.flush()
    # SQLite may give a new timer the id of a deleted one: its answer journal (the inbox row
    # keyed by the negative id) starts empty, or the new timer would "repeat" the old answer.
    session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == -timer.id))
    return timer


def _encoded(payload: TimerPayload | Mapping[str, Any] | None) -> str:
    if payload is None:
        return json.dumps({})
    return json.dumps(dict(payload) if isinstance(payload, Mapping) else payload.dump())


def payload_of(timer: Timer) -> dict[str, Any]:
    """A timer's payload as stored (one that isn't a JSON object reads as {})."""
    try:
        payload = json.loads(timer.payload or "{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def set_payload(timer: Timer, payload: TimerPayload) -> None:
    """A pending timer remembers more (e.g. who has confirmed a /forget so far)."""
    timer.payload = _encoded(payload)


def cancel(timer_id: int, *, session: Session) -> bool:
    result = session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.status == TimerStatus.PENDING)
        .values(status=TimerStatus.CANCELLED)
    )
    return rows_changed(result) > 0


def cancel_kind(kind: str, chat_id: int, *, session: Session) -> int:
    result = session.execute(
        update(Timer)
        .where(Timer.kind == kind, Timer.chat_id == chat_id, Timer.status == TimerStatus.PENDING)
        .values(status=TimerStatus.CANCELLED)
    )
    return rows_changed(result)


def pending(kind: str, chat_id: int, *, session: Session) -> list[Timer]:
    return list(
        session.execute(
            select(Timer)
            .where(
                Timer.kind == kind, Timer.chat_id == chat_id, Timer.status == TimerStatus.PENDING
            )
            .order_by(Timer.due_at)
        ).scalars()
    )


def due_timer(timer: Timer) -> DueTimer:
    """A timer row as its handler sees it."""
    return DueTimer(timer.id, timer.kind, timer.chat_id, timer.due_at, payload_of(timer))


def claim_due(
    *,
    session: Session,
    now: datetime | None = None,
    limit: int = 50,
    worker: str = "bot",
    skip: Collection[int] = (),
) -> list[DueTimer]:
    """Claim timers that are due (oldest first), plus stale claims of dead dispatchers;
    `skip`: timers this worker is still firing. A timer whose tries are used up (its
    dispatcher kept dying while firing it) is given up instead of claimed again."""
    now = now or utc_now()
    query = (
        select(Timer)
        .where(
            ((Timer.status == TimerStatus.PENDING) & (Timer.due_at <= now))
            | ((Timer.status == TimerStatus.FIRING) & (Timer.claimed_at <= now - stale_claim()))
        )
        .order_by(Timer.due_at, Timer.id)
        .limit(limit)
        # PostgreSQL: rows another dispatcher is claiming right now are left to it, not
        # waited for (SQLite has no row locks: the compare-and-set below decides there).
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(Timer.id.not_in(list(skip)))
    candidates = session.execute(query).scalars().all()
    claimed: list[DueTimer] = []
    for timer in candidates:
        used_up = timer.attempts >= max_attempts()
        values: dict[str, Any] = (
            {"status": TimerStatus.FAILED, "last_error": timer.last_error or "claim abandoned"}
            if used_up
            else {
                "status": TimerStatus.FIRING,
                "claimed_at": now,
                "claimed_by": worker,
                "attempts": Timer.attempts + 1,
            }
        )
        result = session.execute(
            update(Timer)
            .where(Timer.id == timer.id, Timer.status == timer.status)
            .where(
                Timer.claimed_at.is_(None)
                if timer.claimed_at is None
                else Timer.claimed_at == timer.claimed_at
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(result) != 1:
            continue
        if used_up:
            _log_given_up(timer.id, timer.kind, timer.attempts, values["last_error"])
        else:
            claimed.append(due_timer(timer))
    return claimed


def record_failure(
    timer_id: int, error: str, *, session: Session, now: datetime | None = None
) -> bool:
    """A try of a claimed timer failed: True if it should be tried again (the next try is
    counted and the claim renewed, so no other dispatcher takes it meanwhile), False if its
    tries are used up (then it is "failed") or it is no longer ours to fire."""
    row = session.get(Timer, timer_id)
    if row is None or row.status != TimerStatus.FIRING:
        return False
    row.last_error = error[:64]
    if row.attempts >= max_attempts():
        row.status = TimerStatus.FAILED
        _log_given_up(row.id, row.kind, row.attempts, row.last_error)
        return False
    row.attempts += 1
    row.claimed_at = now or utc_now()
    return True


def renew_claim(timer_id: int, *, session: Session, now: datetime | None = None) -> None:
    """Still firing (waiting for Rasa): keep the claim fresh, without counting a try."""
    session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.status == TimerStatus.FIRING)
        .values(claimed_at=now or utc_now())
    )


def renew_claims_of(worker: str, *, session: Session, now: datetime | None = None) -> int:
    """The heartbeat: timers this worker claimed and still has queued or firing stay its own."""
    result = session.execute(
        update(Timer)
        .where(Timer.status == TimerStatus.FIRING, Timer.claimed_by == worker)
        .values(claimed_at=now or utc_now())
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def _log_given_up(timer_id: int, kind: str, attempts: int, error: str | None) -> None:
    logger.error(
        "timer %s (%s) given up after %d tries; last failure: %s", timer_id, kind, attempts, error
    )


def purge_finished_before(moment: datetime, *, session: Session) -> int:
    """Delete finished timers due before `moment`, except the newest of each kind in each
    chat: "was one ever scheduled here?" (e.g. the safety hold's note) stays answerable."""
    newest = (
        select(func.max(Timer.id)).group_by(Timer.kind, Timer.chat_id).scalar_subquery()
    )
    result = session.execute(
        delete(Timer)
        .where(Timer.status.in_(FINISHED), Timer.due_at < moment, Timer.id.not_in(newest))
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result)


def release_claims_of(worker: str, *, session: Session) -> int:
    """At start-up: claims this worker's previous run left (it died mid-fire) fire again now."""
    result = session.execute(
        update(Timer)
        .where(Timer.status == TimerStatus.FIRING, Timer.claimed_by == worker)
        .values(status=TimerStatus.PENDING, claimed_at=None, claimed_by=None)
    )
    return rows_changed(result)


def mark_fired(timer_id: int, *, session: Session) -> None:
    """Only a claimed timer is marked fired: a row that is pending again, or a new timer
    that got the id of a deleted one (SQLite may reuse it), is left for its own firing."""
    session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.status == TimerStatus.FIRING)
        .values(status=TimerStatus.FIRED, fired_at=utc_now())
    )


def still_claimed(timer: DueTimer, *, session: Session, worker: str | None = None) -> bool:
    """Whether the claimed timer is still this one, still firing, and (given `worker`)
    still that worker's: it may have been cancelled or deleted (e.g. by /forget) while it
    waited in its chat's queue, its id may already belong to a new timer, and another worker
    may have taken the claim over (this one's heartbeat came too late)."""
    row = session.get(Timer, timer.id)
    return (
        row is not None
        and row.status == TimerStatus.FIRING
        and row.kind == timer.kind
        and row.chat_id == timer.chat_id
        and (worker is None or row.claimed_by == worker)
    )


def release(timer_id: int, *, session: Session) -> None:
    """Give a claimed timer back (e.g. Rasa was unreachable): it is tried again soon."""
    session.execute(
        update(Timer)
        .where(Timer.id == timer_id, Timer.status == TimerStatus.FIRING)
        .values(status=TimerStatus.PENDING, claimed_at=None, claimed_by=None)
    )


def next_due_at(*, session: Session) -> datetime | None:
    return session.execute(
        select(Timer.due_at)
        .where(Timer.status == TimerStatus.PENDING)
        .order_by(Timer.due_at)
        .limit(1)
    ).scalar_one_or_none()


def load(timer_id: int, *, session: Session) -> Timer | None:
    return session.get(Timer, timer_id)
