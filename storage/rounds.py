"""Rounds, turns and interruptions of the round-robin: the repository functions, and the
typed shape of a round's and a turn's `state` JSON.

Every change to a couple's round starts with `lock_couple`: it serialises whoever acts on
the same couple (both partners pressing start at once, a yield racing the time-up timer,
several bot workers), and the rows read after it are fresh (`populate_existing`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.enums import FirstSpeakerReason, RoundStatus, TurnStatus
from storage.models import Couple, Interruption, Round, Turn

# Rounds and turns share these two words for "not over yet".
ACTIVE = (RoundStatus.RUNNING, RoundStatus.PAUSED)
ACTIVE_TURN = (TurnStatus.RUNNING, TurnStatus.PAUSED)
FINISHED = (RoundStatus.COMPLETE, RoundStatus.CANCELLED)


@dataclass(frozen=True)
class RoundState:
    """A round's `state` JSON."""

    closed: bool = False  # "Stop here" was pressed after the wrap-up
    wrap_up_notes: tuple[int, ...] | None = None  # interruptions given back at the wrap-up


@dataclass(frozen=True)
class TurnState:
    """A turn's `state` JSON: its current timers and what was said once."""

    end_timer: int | None = None  # the time-up timer of the running clock
    heads_up_timer: int | None = None
    heads_up_sent: bool = False
    reminder_sent: bool = False  # the listener heard that their words are kept
    ended_by_timer: int | None = None  # the time-up timer that ended it (a re-fire replays)
    notes_handed: tuple[int, ...] | None = None  # interruptions given back as it started
    grace_timer: int | None = None  # the running "finish your sentence" timer
    grace_from: int | None = None  # the time-up timer that began the grace (a re-fire replays)
    private_noted: bool = False  # the listener heard (privately) that their notes are kept

    @property
    def in_grace(self) -> bool:
        """Time is up and the speaker is finishing their sentence (or was, when it ended)."""
        return self.grace_from is not None


def _ids(value: Any) -> tuple[int, ...] | None:
    return None if value is None else tuple(int(i) for i in value)


def _int(value: Any) -> int | None:
    return int(value) if value else None


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """What is worth keeping: unset (None) and False are left out, tuples stored as lists."""
    return {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in values.items()
        if value is not None and value is not False
    }


def round_state(round_: Round) -> RoundState:
    state = round_.state or {}
    return RoundState(
        closed=bool(state.get("closed")), wrap_up_notes=_ids(state.get("wrap_up_notes"))
    )


def set_round_state(round_: Round, state: RoundState) -> None:
    # A new dict each time: in-place changes to JSON columns are not tracked.
    round_.state = _stored({"closed": state.closed, "wrap_up_notes": state.wrap_up_notes})


def turn_state(turn: Turn) -> TurnState:
    state = turn.state or {}
    return TurnState(
        end_timer=_int(state.get("end_timer")),
        heads_up_timer=_int(state.get("heads_up_timer")),
        heads_up_sent=bool(state.get("heads_up_sent")),
        reminder_sent=bool(state.get("reminder_sent")),
        ended_by_timer=_int(state.get("ended_by_timer")),
        notes_handed=_ids(state.get("notes_handed")),
        grace_timer=_int(state.get("grace_timer")),
        grace_from=_int(state.get("grace_from")),
        private_noted=bool(state.get("private_noted")),
    )


def set_turn_state(turn: Turn, state: TurnState) -> None:
    turn.state = _stored(
        {
            "end_timer": state.end_timer,
            "heads_up_timer": state.heads_up_timer,
            "heads_up_sent": state.heads_up_sent,
            "reminder_sent": state.reminder_sent,
            "ended_by_timer": state.ended_by_timer,
            "notes_handed": state.notes_handed,
            "grace_timer": state.grace_timer,
            "grace_from": state.grace_from,
            "private_noted": state.private_noted,
        }
    )


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
        .where(Turn.round_id == round_id, Turn.status.in_(ACTIVE_TURN))
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
    first_speaker_reason: FirstSpeakerReason,
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
        status=RoundStatus.RUNNING,
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
        status=TurnStatus.WAITING,
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


PRIVATE_NOTE = "private"  # an interruption's kind: words sent to the bot in private


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
