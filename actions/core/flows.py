"""Flows that a pause or a crisis can stop, and bring back exactly where they were.

Each long-running flow (the guided statement in a group, the round-robin) registers one
`Flow`. The pause flow calls `suspend_running` (the floor clock stops at once, the step is
remembered) and later `restore`; a crisis or `/cancel` calls `cancel_running`. Flows don't
import each other: they meet here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from actions.core.replies import Outgoing
from storage.models import Agreement, Couple
from storage.pauses import FlowState


@dataclass(frozen=True)
class Suspended:
    """What was running when it was stopped: enough to restore it later (JSON-safe state)."""

    flow: str  # a storage.enums.FlowName (or a test's own flow)
    topic: str | None
    state: FlowState = field(default_factory=lambda: FlowState())
    replies: list[Outgoing] = field(default_factory=list)  # what the flow says as it stops


class Flow(Protocol):
    @property
    def name(self) -> str:
        """A storage.enums.FlowName: what a pause saves as the flow it stopped."""

    def is_running(self, couple: Couple, session: Session) -> bool:
        """True while this flow is active (not paused) for the couple's group."""

    def suspend(self, couple: Couple, session: Session, now: datetime) -> Suspended | None:
        """Stop at once, keeping everything needed to come back; None if not running."""

    def restore(
        self, couple: Couple, state: FlowState, session: Session, now: datetime
    ) -> list[Outgoing]:
        """Continue exactly where it was suspended (same step/speaker, remaining time)."""

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        """End it, saving it as cancelled/unfinished; [] if nothing was running."""


_flows: dict[str, Flow] = {}


def register_flow(flow: Flow) -> Flow:
    _flows[flow.name] = flow
    return flow


def running_flow(couple: Couple, session: Session) -> Flow | None:
    return next((flow for flow in _flows.values() if flow.is_running(couple, session)), None)


def suspend_running(couple: Couple, session: Session, now: datetime) -> Suspended | None:
    flow = running_flow(couple, session)
    return None if flow is None else flow.suspend(couple, session, now)


def restore(
    couple: Couple, flow_name: str, state: FlowState, session: Session, now: datetime
) -> list[Outgoing]:
    flow = _flows.get(flow_name)
    return [] if flow is None else flow.restore(couple, state, session, now)


def cancel_running(couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
    replies: list[Outgoing] = []
    for flow in _flows.values():
        replies += flow.cancel(couple, session, now)
    return replies


# /cancel in a partner's private chat ends what that person drafts there, and nothing of the
# couple's group exercise. Flows with private drafts register how.
PrivateCanceller = Callable[[int, Session, datetime], "list[Outgoing]"]
_private_cancellers: list[PrivateCanceller] = []


def register_private_canceller(canceller: PrivateCanceller) -> PrivateCanceller:
    _private_cancellers.append(canceller)
    return canceller


def cancel_in_private(private_chat_id: int, session: Session, now: datetime) -> list[Outgoing]:
    replies: list[Outgoing] = []
    for canceller in _private_cancellers:
        replies += canceller(private_chat_id, session, now)
    return replies


# A couple became ready (both partners agreed in private) or changed its time zone: flows
# with schedules of their own (the monthly check-in) register how to plan them again.
CoupleHook = Callable[[Couple, Session, datetime], None]
_couple_hooks: list[CoupleHook] = []


def register_couple_hook(hook: CoupleHook) -> CoupleHook:
    _couple_hooks.append(hook)
    return hook


def couple_changed(couple: Couple, session: Session, now: datetime) -> None:
    for hook in _couple_hooks:
        hook(couple, session, now)


# An agreement was made with a review date (the guided statement's "Yes"): the check-in flow
# registers its review timer ("Is this still working?" on that date).
AgreementHook = Callable[[Agreement, Couple, Session, datetime], None]
_agreement_hooks: list[AgreementHook] = []


def register_agreement_hook(hook: AgreementHook) -> AgreementHook:
    _agreement_hooks.append(hook)
    return hook


def agreement_made(agreement: Agreement, couple: Couple, session: Session, now: datetime) -> None:
    for hook in _agreement_hooks:
        hook(agreement, couple, session, now)
