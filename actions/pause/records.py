"""A pause row ⇄ the pure `PauseState`, and the words for what was paused.

Extra details (phase, the open proposal, who is ready) live in the row's `state` JSON; a
new dict is assigned each time because in-place changes of JSON columns are not tracked.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from actions.pause.state import PauseState, Phase, Proposal
from storage.models import Couple, Pause

FLOW_NAMES = {
    "round_robin": ("your round-robin", "on"),
    "statement": ("your statement", "about"),
}
TOPIC_LIMIT = 60


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _proposal(data: dict[str, Any] | None) -> Proposal | None:
    if not data:
        return None
    when, at = _time(data.get("when")), _time(data.get("at"))
    if when is None or at is None:
        return None
    return Proposal(by=int(data["by"]), when=when, at=at, via=str(data.get("via") or "text"))


def _proposal_dict(proposal: Proposal) -> dict[str, Any]:
    return {
        "by": proposal.by,
        "at": proposal.at.isoformat(),
        "when": proposal.when.isoformat(),
        "via": proposal.via,
    }


def load_state(pause: Pause, couple: Couple) -> PauseState:
    details: dict[str, Any] = dict(pause.state or {})
    proposals = tuple(p for p in (_proposal(d) for d in pause.proposals or []) if p is not None)
    return PauseState(
        partners=tuple(p.id for p in couple.partners),
        status=pause.status,
        phase=Phase(details.get("phase", Phase.PROPOSING.value)),
        proposals=proposals,
        open_proposal=bool(details.get("open_proposal")) and bool(proposals),
        unconfirmed=_proposal(details.get("unconfirmed")),
        unconfirmed_kind=details.get("unconfirmed_kind"),
        resume_at=pause.resume_at,
        agreed_by=tuple(int(i) for i in pause.agreed_by or []),
        agreed_at=pause.agreed_at,
        ready=frozenset(int(i) for i in details.get("ready", [])),
        reschedules=pause.reschedules or 0,
        reminders_sent=int(details.get("reminders_sent", 0)),
        proposing_round=int(details.get("proposing_round", 1)),
        followups=int(details.get("followups", 0)),
        resumed_at=pause.resumed_at,
        ended_reason=details.get("ended_reason"),
    )


def save_state(pause: Pause, state: PauseState) -> None:
    pause.status = state.status
    pause.proposals = [_proposal_dict(p) for p in state.proposals]
    pause.resume_at = state.resume_at
    pause.agreed_by = list(state.agreed_by)
    pause.agreed_at = state.agreed_at
    pause.resumed_at = state.resumed_at
    pause.reschedules = state.reschedules
    details = dict(pause.state or {})
    details.update(
        phase=state.phase.value,
        open_proposal=state.open_proposal,
        unconfirmed=_proposal_dict(state.unconfirmed) if state.unconfirmed else None,
        unconfirmed_kind=state.unconfirmed_kind,
        ready=sorted(state.ready),
        reminders_sent=state.reminders_sent,
        proposing_round=state.proposing_round,
        followups=state.followups,
        ended_reason=state.ended_reason,
    )
    pause.state = details


def what_was_paused(pause: Pause) -> str:
    """ "your round-robin on money", "your statement", "your conversation"."""
    topic = " ".join((pause.topic or "").split())
    if len(topic) > TOPIC_LIMIT:
        topic = topic[: TOPIC_LIMIT - 1].rstrip() + "…"
    if pause.flow:
        name, preposition = FLOW_NAMES.get(pause.flow, ("your exercise", "on"))
        return f"{name} {preposition} {topic}" if topic else name
    return f"your conversation about {topic}" if topic else "your conversation"
