"""The escalation pause as a state machine: plain data in, plain data and an outcome out.

No database and no Rasa here, and the clock is always passed in, so every branch is tested
directly. A pause moves through phases:

    timezone → proposing ⇄ (confirm a short or long time) → agreed → asking → resumed
                  ↑                                              │ "not yet" (once)
                  └──────────────────────────────────────────────┘
    agreed/asking with nobody answering → follow-up → missed;  any phase → cancelled

Only a time both partners accepted is agreed: one proposes, the other accepts. If both
propose at once, the later proposal stands and needs the other's yes. Both partners saying
"ready" (at the agreed time, or earlier with `/resume`) brings them back.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from storage.enums import PauseEndReason, PausePhase, PauseStatus, ProposalVia, UnconfirmedKind
from storage.pauses import StoredProposal

DAY_SECONDS = 24 * 3600
# Two proposals this close are the same time (a typed "19:00" accepts a pressed 19:00).
SAME_TIME = timedelta(seconds=60)
RESCHEDULES_ALLOWED = 1

# The phase is stored with the pause (storage/pauses.py), so its enum lives with the others.
Phase = PausePhase


# A proposed time is stored as it is decided on: one dataclass for both.
Proposal = StoredProposal


@dataclass(frozen=True)
class PauseState:
    partners: tuple[int, ...]
    status: PauseStatus = PauseStatus.PROPOSED
    phase: Phase = Phase.PROPOSING
    proposals: tuple[Proposal, ...] = ()
    open_proposal: bool = False  # the last proposal waits for the other partner's yes
    unconfirmed: Proposal | None = None  # too short / too long: waits for its proposer
    unconfirmed_kind: UnconfirmedKind | None = None
    resume_at: datetime | None = None
    agreed_by: tuple[int, ...] = ()
    agreed_at: datetime | None = None
    ready: frozenset[int] = field(default_factory=frozenset)
    reschedules: int = 0
    reminders_sent: int = 0  # gentle reminders while proposing (one per proposing phase)
    proposing_round: int = 1  # counts proposing phases (the first, then a reschedule)
    followups: int = 0
    resumed_at: datetime | None = None
    ended_reason: PauseEndReason | None = None

    @property
    def is_open(self) -> bool:
        return self.phase is not Phase.ENDED

    @property
    def can_resume(self) -> bool:
        """Open, or missed (nobody came back at the time; `/resume` still brings them back)."""
        return self.is_open or self.status == PauseStatus.MISSED

    @property
    def current(self) -> Proposal | None:
        return self.proposals[-1] if self.proposals and self.open_proposal else None

    def other(self, partner: int) -> int | None:
        return next((p for p in self.partners if p != partner), None)


class Outcome(str, enum.Enum):
    NEEDS_TIMEZONE = "needs_timezone"
    PROPOSED = "proposed"  # a proposal now waits for the other partner
    CONFIRM_SHORT = "confirm_short"  # shorter than the minimum: keep it?
    CONFIRM_LONG = "confirm_long"  # more than a day away: sure?
    AGREED = "agreed"
    WAITING_FOR_OTHER = "waiting_for_other"  # the proposer accepted their own proposal
    IN_PAST = "in_past"
    NOT_PROPOSING = "not_proposing"  # a time arrived while nothing is being chosen
    STALE = "stale"  # a button of an older proposal or an ended pause
    READY_NOTED = "ready_noted"  # one partner is ready; the other is asked
    ALREADY_READY = "already_ready"
    RESUME = "resume"  # both ready: bring them back now
    RESCHEDULE = "reschedule"  # "not yet" at the agreed time: choose again
    LEFT_OPEN = "left_open"  # "not yet" after the one reschedule: no new time
    EARLY_DECLINED = "early_declined"  # "not yet" to an early /resume
    NOTHING = "nothing"
    ASK_READY = "ask_ready"
    REMIND = "remind"
    FOLLOW_UP = "follow_up"
    MISSED = "missed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Step:
    state: PauseState
    outcome: Outcome


def _step(state: PauseState, outcome: Outcome, **changes: object) -> Step:
    return Step(replace(state, **changes) if changes else state, outcome)  # type: ignore[arg-type]


# -- choosing a time -----------------------------------------------------------------------


def timezone_set(state: PauseState) -> Step:
    if state.phase is not Phase.TIMEZONE:
        return _step(state, Outcome.NOTHING)
    return _step(state, Outcome.PROPOSED, phase=Phase.PROPOSING)


def propose(
    state: PauseState,
    by: int,
    when: datetime,
    now: datetime,
    min_seconds: int,
    *,
    confirmed: bool = False,
    via: ProposalVia = ProposalVia.TEXT,
) -> Step:
    """A partner proposes a time (a button or typed words)."""
    if state.phase is Phase.TIMEZONE:
        return _step(state, Outcome.NEEDS_TIMEZONE)
    if state.phase is not Phase.PROPOSING:
        return _step(state, Outcome.NOT_PROPOSING)
    if when <= now:
        return _step(state, Outcome.IN_PAST)
    proposal = Proposal(by=by, when=when, at=now, via=via)
    ahead = (when - now).total_seconds()
    if not confirmed and ahead < min_seconds:
        short = UnconfirmedKind.SHORT
        return _step(state, Outcome.CONFIRM_SHORT, unconfirmed=proposal, unconfirmed_kind=short)
    if not confirmed and ahead > DAY_SECONDS:
        long = UnconfirmedKind.LONG
        return _step(state, Outcome.CONFIRM_LONG, unconfirmed=proposal, unconfirmed_kind=long)
    current = state.current
    cleared = {"unconfirmed": None, "unconfirmed_kind": None}
    if current is not None and current.by != by and abs(current.when - when) <= SAME_TIME:
        # The other partner proposed the very time that waits for them: that is a yes.
        return _agree(replace(state, **cleared), current, by, now)  # type: ignore[arg-type]
    return _step(
        state, Outcome.PROPOSED, proposals=(*state.proposals, proposal), open_proposal=True,
        **cleared,
    )  # fmt: skip


def keep_unconfirmed(state: PauseState, by: int, now: datetime, min_seconds: int) -> Step:
    """The proposer keeps a time shorter than the minimum, or confirms one more than a day away."""
    pending = state.unconfirmed
    if pending is None or state.phase is not Phase.PROPOSING:
        return _step(state, Outcome.STALE)
    if pending.by != by:
        return _step(state, Outcome.WAITING_FOR_OTHER)
    return propose(state, by, pending.when, now, min_seconds, confirmed=True, via=pending.via)


def accept(state: PauseState, by: int, proposal_number: int, now: datetime) -> Step:
    """A partner presses "yes" on proposal number `proposal_number` (1-based)."""
    if state.phase is not Phase.PROPOSING:
        return _step(state, Outcome.STALE)
    current = state.current
    if current is None or proposal_number != len(state.proposals):
        return _step(state, Outcome.STALE)
    if current.by == by:
        return _step(state, Outcome.WAITING_FOR_OTHER)
    if current.when <= now:
        return _step(state, Outcome.IN_PAST, open_proposal=False)
    return _agree(state, current, by, now)


def _agree(state: PauseState, proposal: Proposal, by: int, now: datetime) -> Step:
    return _step(
        state,
        Outcome.AGREED,
        status=PauseStatus.AGREED,
        phase=Phase.AGREED,
        open_proposal=False,
        resume_at=proposal.when,
        agreed_by=(proposal.by, by),
        agreed_at=now,
        ready=frozenset(),
        unconfirmed=None,
        unconfirmed_kind=None,
    )


# -- coming back ---------------------------------------------------------------------------


def resume_due(state: PauseState, due_at: datetime) -> Step:
    """The resume timer fired. Only the timer of the time still agreed asks (idempotent)."""
    if state.phase is not Phase.AGREED or state.resume_at is None:
        return _step(state, Outcome.NOTHING)
    if abs(state.resume_at - due_at) > timedelta(seconds=1):
        return _step(state, Outcome.NOTHING)
    return _step(state, Outcome.ASK_READY, phase=Phase.ASKING, ready=frozenset(), followups=0)


def ready(state: PauseState, by: int, now: datetime) -> Step:
    """A partner is ready (the Ready button, "/resume", or a yes while asked)."""
    if not state.can_resume:
        return _step(state, Outcome.STALE)
    if by in state.ready:
        return _step(state, Outcome.ALREADY_READY)
    now_ready = state.ready | {by}
    if set(state.partners) <= now_ready:
        return _step(
            state, Outcome.RESUME, ready=now_ready, status=PauseStatus.RESUMED,
            phase=Phase.ENDED, resumed_at=now, open_proposal=False, unconfirmed=None,
            unconfirmed_kind=None,
        )  # fmt: skip
    return _step(state, Outcome.READY_NOTED, ready=now_ready)


def not_yet(state: PauseState, by: int) -> Step:
    """ "Not yet": at the agreed time, choose again (once); before it, decline coming back early."""
    if not state.can_resume:
        return _step(state, Outcome.STALE)
    if state.phase is Phase.ASKING:
        if state.reschedules >= RESCHEDULES_ALLOWED:
            return _step(
                state, Outcome.LEFT_OPEN, status=PauseStatus.MISSED, phase=Phase.ENDED,
                ended_reason=PauseEndReason.NOT_YET_AGAIN, ready=frozenset(),
            )  # fmt: skip
        return _step(
            state,
            Outcome.RESCHEDULE,
            status=PauseStatus.RESCHEDULED,
            phase=Phase.PROPOSING,
            reschedules=state.reschedules + 1,
            proposing_round=state.proposing_round + 1,
            open_proposal=False,
            ready=frozenset(),
            followups=0,
        )
    if state.ready:
        return _step(state, Outcome.EARLY_DECLINED, ready=frozenset())
    return _step(state, Outcome.NOTHING)


def remind(state: PauseState, proposing_round: int) -> Step:
    """The reminder timer: one gentle nudge per proposing phase, if still not agreed."""
    if state.phase not in (Phase.PROPOSING, Phase.TIMEZONE):
        return _step(state, Outcome.NOTHING)
    if proposing_round != state.proposing_round:
        return _step(state, Outcome.NOTHING)
    if state.reminders_sent >= state.proposing_round:
        return _step(state, Outcome.NOTHING)
    return _step(state, Outcome.REMIND, reminders_sent=state.proposing_round)


def follow_up(state: PauseState, number: int) -> Step:
    """Nobody came back: the first follow-up timer nudges once, the second records a miss."""
    if state.phase is not Phase.ASKING or number != state.followups + 1:
        return _step(state, Outcome.NOTHING)
    if number == 1:
        return _step(state, Outcome.FOLLOW_UP, followups=1)
    return _step(
        state, Outcome.MISSED, status=PauseStatus.MISSED, phase=Phase.ENDED, followups=number,
        ended_reason=PauseEndReason.NO_ANSWER,
    )  # fmt: skip


def cancel(state: PauseState) -> Step:
    if not state.is_open:
        return _step(state, Outcome.NOTHING)
    return _step(state, Outcome.CANCELLED, status=PauseStatus.CANCELLED, phase=Phase.ENDED)
