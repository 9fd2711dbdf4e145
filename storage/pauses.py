"""Pauses and escalations of a couple: repository functions (the caller owns the transaction),
and the typed shape of a pause's JSON columns (`flow_state`, `proposals`, `state`).

A JSON column is assigned a new value each time: in-place changes are not tracked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import PauseEndReason, PausePhase, PauseStatus, ProposalVia, UnconfirmedKind
from storage.models import Escalation, Pause

OPEN_STATUSES = (PauseStatus.PROPOSED, PauseStatus.AGREED, PauseStatus.RESCHEDULED)


class FlowState(TypedDict, total=False):
    """What a stopped flow needs to come back exactly where it was (a pause's `flow_state`)."""

    statement_id: int  # the guided statement
    step: str
    round_id: int  # the round-robin
    turn_id: int


@dataclass(frozen=True)
class StoredProposal:
    """A proposed time to come back, as kept in `proposals` (and the unconfirmed one)."""

    by: int  # partner id
    when: datetime  # the proposed time (UTC)
    at: datetime  # when it was proposed
    via: ProposalVia = ProposalVia.TEXT


@dataclass(frozen=True)
class PauseDetails:
    """A pause's `state` JSON: where it stands beyond its columns."""

    phase: PausePhase = PausePhase.PROPOSING
    open_proposal: bool = False  # the last proposal waits for the other partner's yes
    unconfirmed: StoredProposal | None = None  # too short / too long: waits for its proposer
    unconfirmed_kind: UnconfirmedKind | None = None
    ready: frozenset[int] = frozenset()  # partners who said they are ready
    reminders_sent: int = 0
    proposing_round: int = 1
    followups: int = 0
    ended_reason: PauseEndReason | None = None


# -- the JSON columns ------------------------------------------------------------------------


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _load_proposal(data: dict[str, Any] | None) -> StoredProposal | None:
    if not data:
        return None
    when, at = _time(data.get("when")), _time(data.get("at"))
    if when is None or at is None:
        return None
    return StoredProposal(
        by=int(data["by"]), when=when, at=at, via=ProposalVia(str(data.get("via") or "text"))
    )


def _dump_proposal(proposal: StoredProposal) -> dict[str, Any]:
    return {
        "by": proposal.by,
        "at": proposal.at.isoformat(),
        "when": proposal.when.isoformat(),
        "via": proposal.via.value,
    }


def proposals_of(pause: Pause) -> tuple[StoredProposal, ...]:
    """The proposed times, oldest first (an entry that is not a whole proposal is skipped)."""
    loaded = (_load_proposal(data) for data in pause.proposals or [])
    return tuple(proposal for proposal in loaded if proposal is not None)


def set_proposals(pause: Pause, proposals: tuple[StoredProposal, ...]) -> None:
    pause.proposals = [_dump_proposal(proposal) for proposal in proposals]


def details_of(pause: Pause) -> PauseDetails:
    details: dict[str, Any] = pause.state or {}
    kind, reason = details.get("unconfirmed_kind"), details.get("ended_reason")
    return PauseDetails(
        phase=PausePhase(details.get("phase", PausePhase.PROPOSING.value)),
        open_proposal=bool(details.get("open_proposal")),
        unconfirmed=_load_proposal(details.get("unconfirmed")),
        unconfirmed_kind=UnconfirmedKind(kind) if kind else None,
        ready=frozenset(int(i) for i in details.get("ready", [])),
        reminders_sent=int(details.get("reminders_sent", 0)),
        proposing_round=int(details.get("proposing_round", 1)),
        followups=int(details.get("followups", 0)),
        ended_reason=PauseEndReason(reason) if reason else None,
    )


def _dump_details(details: PauseDetails) -> dict[str, Any]:
    return {
        "phase": details.phase.value,
        "open_proposal": details.open_proposal,
        "unconfirmed": _dump_proposal(details.unconfirmed) if details.unconfirmed else None,
        "unconfirmed_kind": details.unconfirmed_kind.value if details.unconfirmed_kind else None,
        "ready": sorted(details.ready),
        "reminders_sent": details.reminders_sent,
        "proposing_round": details.proposing_round,
        "followups": details.followups,
        "ended_reason": details.ended_reason.value if details.ended_reason else None,
    }


def set_details(pause: Pause, details: PauseDetails) -> None:
    pause.state = {**(pause.state or {}), **_dump_details(details)}


# -- pauses ----------------------------------------------------------------------------------


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
    flow_state: FlowState,
    phase: PausePhase,
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
        state=_dump_details(PauseDetails(phase=phase)),
        status=PauseStatus.PROPOSED,
    )
    session.add(pause)
    session.flush()
    return pause


# -- escalations -----------------------------------------------------------------------------


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


def update_escalation(
    couple_id: int,
    topic: str | None,
    *,
    suggestion_at: datetime | None = None,
    session: Session,
) -> Escalation | None:
    """Keep the topic's escalation row up to date with its number of pauses.

    The row is made when the third-party suggestion is made (`suggestion_at`, also saved
    on it); before that a topic has no row, and None is returned."""
    row = escalation_for(couple_id, topic, session=session)
    if row is None:
        if suggestion_at is None:
            return None
        row = Escalation(couple_id=couple_id, topic=topic, created_at=suggestion_at)
        session.add(row)
    row.pause_count = pauses_on_topic(couple_id, topic, session=session)
    if suggestion_at is not None:
        row.suggestion_made_at = suggestion_at
    session.flush()
    return row


def get_escalation(escalation_id: int, *, session: Session) -> Escalation | None:
    return session.get(Escalation, escalation_id)
