"""Safety events, private safety checks and the couple's safety hold.

Safety events keep time, kind and who, never text. Safety checks are private forever:
never exported, never shown to the other partner. Functions take a keyword-only session;
the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Couple, SafetyCheck, SafetyEvent


def record_event(
    telegram_user_id: int,
    kind: str,
    source: str,
    *,
    couple_id: int | None,
    now: datetime,
    session: Session,
) -> SafetyEvent:
    event = SafetyEvent(
        couple_id=couple_id,
        telegram_user_id=telegram_user_id,
        kind=kind[:32],
        source=source,
        created_at=now,
    )
    session.add(event)
    session.flush()
    return event


def latest_event(
    telegram_user_id: int, *, kind_prefix: str, since: datetime, session: Session
) -> SafetyEvent | None:
    return session.execute(
        select(SafetyEvent)
        .where(
            SafetyEvent.telegram_user_id == telegram_user_id,
            SafetyEvent.kind.startswith(kind_prefix),
            SafetyEvent.created_at >= since,
        )
        .order_by(SafetyEvent.created_at.desc(), SafetyEvent.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_check(telegram_user_id: int, *, session: Session) -> SafetyCheck | None:
    return session.execute(
        select(SafetyCheck)
        .where(SafetyCheck.telegram_user_id == telegram_user_id)
        .order_by(SafetyCheck.started_at.desc(), SafetyCheck.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start_check(
    telegram_user_id: int, first_step: str, *, now: datetime, session: Session
) -> SafetyCheck:
    check = SafetyCheck(
        telegram_user_id=telegram_user_id, answers={}, step=first_step, started_at=now
    )
    session.add(check)
    session.flush()
    return check


def answers_of(check: SafetyCheck) -> dict[str, str]:
    """The check's answers so far: question key → answer value."""
    return {str(key): str(value) for key, value in (check.answers or {}).items()}


def add_answer(check: SafetyCheck, question_key: str, answer: str) -> None:
    # A new dict: in-place changes to JSON columns are not tracked.
    check.answers = {**answers_of(check), question_key: answer}


def set_hold(couple: Couple) -> bool:
    """Hold escalation-prone exercises for the couple; True if it was not held before."""
    if couple.safety_hold:
        return False
    couple.safety_hold = True
    return True

