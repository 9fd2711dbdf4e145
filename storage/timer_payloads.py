"""What each kind of durable timer carries in its `payload` JSON: one typed payload per kind,
the only place that builds that JSON or reads it back.

    timezone_reminder, retention                         nothing
    safety_hold_notice                                   HoldNotice
    pause_reminder                                       PauseReminder
    pause_resume                                         PauseResume
    pause_follow_up                                      PauseFollowUp
    escalation_step_wait                                 OwnStepWait
    third_party_follow_up                                ThirdPartyFollowUp
    round_robin_turn_end, round_robin_heads_up,
    round_robin_grace_end                                TurnTimer
    forget_request                                       ForgetRequest
    purge_conversation                                   PurgeConversation
    statement_answer_due                                 AnswerDue
    checkin_monthly                                      MonthlyCheckin
    checkin_reminder, checkin_expire                     CheckinTimer
    agreement_review                                     ReviewDue
    progress_quarterly                                   QuarterlyReview

`read` gives None for a payload that is not a whole one of its kind: the timer's handler
then does nothing, as it does for a timer whose moment has passed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class PauseReminder:
    """One gentle reminder while no time is agreed, for one proposing round of a pause."""

    pause_id: int
    proposing_round: int = 1

    def dump(self) -> dict[str, Any]:
        return {"pause": self.pause_id, "round": self.proposing_round}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> PauseReminder | None:
        try:
            return cls(int(payload.get("pause", 0)), int(payload.get("round", 1)))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class PauseResume:
    """The agreed time to come back (a timer of an older agreed time finds it changed)."""

    pause_id: int
    at: datetime

    def dump(self) -> dict[str, Any]:
        return {"pause": self.pause_id, "at": self.at.isoformat()}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> PauseResume | None:
        try:
            return cls(int(payload.get("pause", 0)), datetime.fromisoformat(str(payload.get("at"))))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class PauseFollowUp:
    """Nobody answered "ready?": the first follow-up nudges, the second records a miss."""

    pause_id: int
    number: int = 1

    def dump(self) -> dict[str, Any]:
        return {"pause": self.pause_id, "number": self.number}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> PauseFollowUp | None:
        try:
            return cls(int(payload.get("pause", 0)), int(payload.get("number", 1)))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class OwnStepWait:
    """After "Add our own step": whose next message is the couple's own escalation step."""

    by: int  # partner id

    def dump(self) -> dict[str, Any]:
        return {"by": self.by}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> OwnStepWait | None:
        by = payload.get("by")
        return cls(by) if isinstance(by, int) else None


@dataclass(frozen=True)
class TurnTimer:
    """A round-robin turn's time-up or heads-up (the turn remembers which timer is current)."""

    turn_id: int

    def dump(self) -> dict[str, Any]:
        return {"turn_id": self.turn_id}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> TurnTimer | None:
        try:
            return cls(int(payload.get("turn_id") or 0))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ForgetRequest:
    """An open /forget question: who has confirmed so far (Telegram user ids)."""

    confirmed: frozenset[int] = frozenset()

    def dump(self) -> dict[str, Any]:
        return {"confirmed": sorted(self.confirmed)}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> ForgetRequest | None:
        try:
            return cls(frozenset(int(user) for user in payload.get("confirmed") or []))
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class PurgeConversation:
    """A chat's events to delete from Rasa's tracker store: all of them, only one person's
    messages (and the bot's answers), or those older than a moment (retention)."""

    only_user: int | None = None
    before: float | None = None  # a Unix timestamp

    def dump(self) -> dict[str, Any]:
        if self.before is not None:
            return {"before": self.before}
        return {"only_user": self.only_user} if self.only_user is not None else {}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> PurgeConversation | None:
        only_user, before = payload.get("only_user"), payload.get("before")
        try:
            return cls(
                only_user=None if only_user is None else int(only_user),
                before=None if before is None else float(before),
            )
        except (TypeError, ValueError):
            return None


@dataclass(frozen=True)
class HoldNotice:
    """The group's neutral note about a safety hold, for one couple (a couple closed or
    deleted meanwhile gets none). starts_hold: a hold chosen in private starts only now."""

    couple_id: int
    starts_hold: bool = False

    def dump(self) -> dict[str, Any]:
        return {"couple_id": self.couple_id, "starts_hold": self.starts_hold}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> HoldNotice | None:
        try:
            return cls(int(payload["couple_id"]), bool(payload.get("starts_hold", False)))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class AnswerDue:
    """The time a listener set to answer a request (a timer of an older time finds it changed)."""

    statement_id: int
    at: datetime

    def dump(self) -> dict[str, Any]:
        return {"statement": self.statement_id, "at": self.at.isoformat()}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> AnswerDue | None:
        try:
            return cls(
                int(payload["statement"]), datetime.fromisoformat(str(payload.get("at")))
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class MonthlyCheckin:
    """The couple's monthly check-in; `at` is the moment it was scheduled for (a timer of an
    older schedule finds the couple's newest monthly timer is another one, and does nothing)."""

    couple_id: int

    def dump(self) -> dict[str, Any]:
        return {"couple_id": self.couple_id}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> MonthlyCheckin | None:
        try:
            return cls(int(payload["couple_id"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class CheckinTimer:
    """A check-in's reminder or expiry (an answered or ended check-in ignores it)."""

    checkin_id: int

    def dump(self) -> dict[str, Any]:
        return {"checkin_id": self.checkin_id}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> CheckinTimer | None:
        try:
            return cls(int(payload["checkin_id"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ReviewDue:
    """An agreement's review date: it fires only while the agreement still has this date."""

    agreement_id: int
    review_at: datetime

    def dump(self) -> dict[str, Any]:
        return {"agreement_id": self.agreement_id, "review_at": self.review_at.isoformat()}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> ReviewDue | None:
        try:
            return cls(
                int(payload["agreement_id"]), datetime.fromisoformat(str(payload["review_at"]))
            )
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class ThirdPartyFollowUp:
    """The third-party suggestion for one couple's topic (None: pauses without a topic)."""

    couple_id: int
    topic: str | None = None

    def dump(self) -> dict[str, Any]:
        return {"couple_id": self.couple_id, "topic": self.topic}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> ThirdPartyFollowUp | None:
        try:
            topic = payload.get("topic")
            return cls(int(payload["couple_id"]), None if topic is None else str(topic))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class QuarterlyReview:
    """The quarterly summary of one couple: the quarter it looks back on ("2026-Q3")."""

    couple_id: int
    quarter: str

    def dump(self) -> dict[str, Any]:
        return {"couple_id": self.couple_id, "quarter": self.quarter}

    @classmethod
    def read(cls, payload: Mapping[str, Any]) -> QuarterlyReview | None:
        try:
            return cls(int(payload["couple_id"]), str(payload["quarter"]))
        except (KeyError, TypeError, ValueError):
            return None


TimerPayload = (
    PauseReminder
    | PauseResume
    | PauseFollowUp
    | OwnStepWait
    | TurnTimer
    | ForgetRequest
    | PurgeConversation
    | HoldNotice
    | AnswerDue
    | ThirdPartyFollowUp
    | MonthlyCheckin
    | CheckinTimer
    | ReviewDue
    | QuarterlyReview
)
