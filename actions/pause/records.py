"""A pause row ⇄ the pure `PauseState`, and the words for what was paused.

Extra details (phase, the open proposal, who is ready) live in the row's `state` JSON,
read and written as `storage.pauses.PauseDetails`.
"""

from __future__ import annotations

from actions.pause.state import PauseState
from storage import pauses
from storage.enums import FlowName
from storage.models import Couple, Pause
from storage.pauses import PauseDetails

FLOW_NAMES: dict[str, tuple[str, str]] = {
    FlowName.ROUND_ROBIN: ("your round-robin", "on"),
    FlowName.STATEMENT: ("your statement", "about"),
}
TOPIC_LIMIT = 60


def load_state(pause: Pause, couple: Couple) -> PauseState:
    details = pauses.details_of(pause)
    proposals = pauses.proposals_of(pause)
    return PauseState(
        partners=tuple(p.id for p in couple.partners),
        status=pause.status,
        phase=details.phase,
        proposals=proposals,
        open_proposal=details.open_proposal and bool(proposals),
        unconfirmed=details.unconfirmed,
        unconfirmed_kind=details.unconfirmed_kind,
        resume_at=pause.resume_at,
        agreed_by=tuple(int(i) for i in pause.agreed_by or []),
        agreed_at=pause.agreed_at,
        ready=details.ready,
        reschedules=pause.reschedules or 0,
        reminders_sent=details.reminders_sent,
        proposing_round=details.proposing_round,
        followups=details.followups,
        resumed_at=pause.resumed_at,
        ended_reason=details.ended_reason,
    )


def save_state(pause: Pause, state: PauseState) -> None:
    pause.status = state.status
    pauses.set_proposals(pause, state.proposals)
    pause.resume_at = state.resume_at
    pause.agreed_by = list(state.agreed_by)
    pause.agreed_at = state.agreed_at
    pause.resumed_at = state.resumed_at
    pause.reschedules = state.reschedules
    pauses.set_details(
        pause,
        PauseDetails(
            phase=state.phase,
            open_proposal=state.open_proposal,
            unconfirmed=state.unconfirmed,
            unconfirmed_kind=state.unconfirmed_kind,
            ready=state.ready,
            reminders_sent=state.reminders_sent,
            proposing_round=state.proposing_round,
            followups=state.followups,
            ended_reason=state.ended_reason,
        ),
    )


def what_was_paused(pause: Pause) -> str:
    """ "your round-robin on money", "your statement", "your conversation"."""
    topic = " ".join((pause.topic or "").split())
    if len(topic) > TOPIC_LIMIT:
        topic = topic[: TOPIC_LIMIT - 1].rstrip() + "…"
    if pause.flow:
        name, preposition = FLOW_NAMES.get(pause.flow, ("your exercise", "on"))
        return f"{name} {preposition} {topic}" if topic else name
    return f"your conversation about {topic}" if topic else "your conversation"
