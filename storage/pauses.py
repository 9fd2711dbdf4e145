"""Pauses and escalations of a couple: repository functions (the caller owns the transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Escalation, Pause

OPEN_STATUSES = ("proposed", "agreed", "rescheduled")


def open_pause(couple_id: int, *, session: Session) -> Pause | None:
    """The couple's pause that has not ended yet (there is at most one)."""
    return session.execute(
        select(Pause)
        .where(Pause.couple_id == couple_id, Pause.status.in_(OPEN_STATUSES))
        .order_by(Pause.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def latest_pause(couple_id: int, *, session: Session) -> Pause | None:
    return session.execute(
        select(Pause).where(Pause.couple_id == couple_id).order_by(Pause.id.desc()).limit(1)
    ).scalar_one_or_none()


def get_pause(pause_id: int, *, session: Session) -> Pause | None:
    return session.get(Pause, pause_id)


def add_pause(
    couple_id: int,
    requested_by_id: int,
    requested_at: datetime,
    *,
    topic: str | None,
    flow: str | None,
    flow_state: dict,
    state: dict,
    session: Session,
) -> Pause:
    pause = Pause(
        couple_id=couple_id,
        requested_by_id=requested_by_id,
        requested_at=requested_at,
        topic=topic,
        flow=flow,
        flow_state=flow_state,
        proposals=[],
        agreed_by=[],
        state=state,
        status="proposed",
    )
    session.add(pause)
    session.flush()
    return pause


def topic_key(topic: str | None) -> str | None:
    """Pauses on "Money", "money " and "money" are pauses on one topic."""
    cleaned = " ".join((topic or "").split()).casefold()
    return cleaned or None


def pauses_on_topic(couple_id: int, topic: str | None, *, session: Session) -> int:
    """How many pauses the couple took on this topic (no topic counts as its own topic)."""
    key = topic_key(topic)
    topics = session.execute(select(Pause.topic).where(Pause.couple_id == couple_id)).scalars()
    return sum(1 for each in topics if topic_key(each) == key)


def escalation_for(couple_id: int, topic: str | None, *, session: Session) -> Escalation | None:
    key = topic_key(topic)
    rows = session.execute(
        select(Escalation).where(Escalation.couple_id == couple_id).order_by(Escalation.id)
    ).scalars()
    return next((row for row in rows if topic_key(row.topic) == key), None)


def count_pause_on_topic(
    couple_id: int, topic: str | None, now: datetime, *, session: Session
) -> Escalation:
    """Keep the topic's escalation row up to date with its number of pauses."""
    row = escalation_for(couple_id, topic, session=session)
    if row is None:
        row = Escalation(couple_id=couple_id, topic=topic, pause_count=0, created_at=now)
        session.add(row)
    row.pause_count = pauses_on_topic(couple_id, topic, session=session)
    session.flush()
    return row


def get_escalation(escalation_id: int, *, session: Session) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def suggestions_made(couple_id: int, *, session: Session) -> int:
    return int(
        session.execute(
            select(func.count(Escalation.id)).where(
                Escalation.couple_id == couple_id, Escalation.suggestion_made_at.is_not(None)
            )
        ).scalar_one()
    )
