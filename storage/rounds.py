"""Rounds, turns and interruptions of the round-robin: the repository functions.

Every change to a couple's round starts with `lock_couple`: it serialises whoever acts on
the same couple (both partners pressing start at once, a yield racing the time-up timer,
several bot workers), and the rows read after it are fresh (`populate_existing`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.models import Couple, Interruption, Round, Turn

ACTIVE = ("running", "paused")
FINISHED = ("complete", "cancelled")


def lock_couple(couple_id: int, *, session: Session) -> None:
    """Take the couple's write lock until the transaction ends.

    A no-op UPDATE: on SQLite it takes the database's write lock (with busy_timeout the
    other writer waits, then reads what this one committed); on PostgreSQL a row lock."""
    session.flush()
    session.execute(
        update(Couple)
        .where(Couple.id == couple_id)
        .values(safety_hold=Couple.safety_hold)
        .execution_options(synchronize_session=False)
    )


def active_round(couple_id: int, *, session: Session) -> Round | None:
    """The couple's running or paused round (there is at most one)."""
    return session.execute(
        select(Round)
        .where(Round.couple_id == couple_id, Round.status.in_(ACTIVE))
        .order_by(Round.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def round_by_id(round_id: int, *, session: Session) -> Round | None:
    return session.execute(
        select(Round).where(Round.id == round_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def turn_by_id(turn_id: int, *, session: Session) -> Turn | None:
    return session.execute(
        select(Turn).where(Turn.id == turn_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def current_turn(round_id: int, *, session: Session) -> Turn | None:
    """The turn on the floor (running) or stopped by a pause."""
    return session.execute(
        select(Turn)
        .where(Turn.round_id == round_id, Turn.status.in_(ACTIVE))
        .order_by(Turn.sequence.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def turn_in_round(round_id: int, sequence: int, *, session: Session) -> Turn | None:
    return session.execute(
        select(Turn)
        .where(Turn.round_id == round_id, Turn.sequence == sequence)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def turns_of(round_id: int, *, session: Session) -> list[Turn]:
    return list(
        session.execute(
            select(Turn)
            .where(Turn.round_id == round_id)
            .order_by(Turn.sequence)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def create_round(
    couple_id: int,
    *,
    topic: str | None,
    turn_seconds: int,
    rounds_planned: int,
    started_by_id: int,
    first_speaker_id: int,
    first_speaker_reason: str,
    now: datetime,
    session: Session,
) -> Round:
    row = Round(
        couple_id=couple_id,
        topic=topic,
        turn_seconds=turn_seconds,
        rounds_planned=rounds_planned,
        rounds_done=0,
        started_by_id=started_by_id,
        first_speaker_id=first_speaker_id,
        first_speaker_reason=first_speaker_reason,
        status="running",
        state={},
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def create_turn(
    round_id: int, *, speaker_id: int, sequence: int, planned_seconds: int, session: Session
) -> Turn:
    row = Turn(
        round_id=round_id,
        speaker_id=speaker_id,
        sequence=sequence,
        planned_seconds=planned_seconds,
        remaining_seconds=float(planned_seconds),
        seconds_held=0.0,
        message_count=0,
        word_count=0,
        status="waiting",
        state={},
    )
    session.add(row)
    session.flush()
    return row


def add_interruption(
    turn_id: int, by_id: int, *, text: str | None, kind: str, now: datetime, session: Session
) -> Interruption:
    row = Interruption(
        turn_id=turn_id, by_id=by_id, text=text, kind=kind, created_at=now, handed_back=False
    )
    session.add(row)
    session.flush()
    return row


def interruptions_in_turn(turn_id: int, *, session: Session) -> int:
    return len(
        session.execute(select(Interruption.id).where(Interruption.turn_id == turn_id)).all()
    )


def interruptions_of_round(round_id: int, *, session: Session) -> list[Interruption]:
    return list(
        session.execute(
            select(Interruption)
            .join(Turn, Turn.id == Interruption.turn_id)
            .where(Turn.round_id == round_id)
            .order_by(Interruption.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def interruptions_by_ids(ids: list[int], *, session: Session) -> list[Interruption]:
    if not ids:
        return []
    return list(
        session.execute(
            select(Interruption).where(Interruption.id.in_(ids)).order_by(Interruption.id)
        ).scalars()
    )


def notes_to_hand_back(round_id: int, by_id: int, *, session: Session) -> list[Interruption]:
    """What this partner wrote during the other's floor and has not been given back yet."""
    return [
        row
        for row in interruptions_of_round(round_id, session=session)
        if row.by_id == by_id and not row.handed_back
    ]


def recent_speaking_seconds(couple_id: int, *, rounds: int, session: Session) -> dict[int, float]:
    """Seconds each partner held the floor in the couple's last `rounds` finished rounds."""
    recent = [
        row.id
        for row in session.execute(
            select(Round.id)
            .where(Round.couple_id == couple_id, Round.status.in_(FINISHED))
            .order_by(Round.id.desc())
            .limit(rounds)
        )
    ]
    totals: dict[int, float] = defaultdict(float)
    if not recent:
        return totals
    for speaker_id, held in session.execute(
        select(Turn.speaker_id, Turn.seconds_held).where(Turn.round_id.in_(recent))
    ):
        totals[int(speaker_id)] += float(held or 0.0)
    return totals
