"""The statuses, steps and kinds stored in the couple's database, one enum per column.

Each value is the exact string stored (and exported), so a member compares equal to the
string, hashes like it and prints as it: data written before these enums existed reads
back unchanged.
"""

from __future__ import annotations

import enum


class StrEnum(str, enum.Enum):
    """A str enum that prints as its value, like Python 3.11's `enum.StrEnum`.

    (On 3.10 `str()` of a str-mixin member is "Class.NAME": a status put into a button
    payload or a response name must stay the stored string.)"""

    def __str__(self) -> str:
        return str.__str__(self)


class TimerStatus(StrEnum):
    """pending → firing (claimed by one dispatcher) → fired; or cancelled before it fires;
    or failed when its tries are used up (TIMER_MAX_ATTEMPTS)."""

    PENDING = "pending"
    FIRING = "firing"
    FIRED = "fired"
    CANCELLED = "cancelled"
    FAILED = "failed"


class TimerKind(StrEnum):
    """Every kind of durable timer; its payload is in storage/timer_payloads.py."""

    TIMEZONE_REMINDER = "timezone_reminder"
    PAUSE_REMINDER = "pause_reminder"
    PAUSE_RESUME = "pause_resume"
    PAUSE_FOLLOW_UP = "pause_follow_up"
    ESCALATION_STEP_WAIT = "escalation_step_wait"
    # The third-party suggestion the day after a break, unless the resume already gave it.
    THIRD_PARTY_FOLLOW_UP = "third_party_follow_up"
    TURN_END = "round_robin_turn_end"
    HEADS_UP = "round_robin_heads_up"
    GRACE_END = "round_robin_grace_end"  # "finish your sentence" is over: the floor passes
    SAFETY_HOLD_NOTICE = "safety_hold_notice"
    # The time a listener took to think about a request: their answer is asked for again.
    STATEMENT_ANSWER_DUE = "statement_answer_due"
    FORGET_REQUEST = "forget_request"
    # The check-in (actions/checkin/): the monthly start, one reminder, the expiry; and an
    # agreement's review date.
    CHECKIN_MONTHLY = "checkin_monthly"
    CHECKIN_REMINDER = "checkin_reminder"
    CHECKIN_EXPIRE = "checkin_expire"
    AGREEMENT_REVIEW = "agreement_review"
    QUARTERLY_REVIEW = "progress_quarterly"
    # Run by the bot itself, without Rasa (bot/housekeeping.py).
    PURGE_CONVERSATION = "purge_conversation"
    RETENTION = "retention"


class InboxStatus(StrEnum):
    """pending → answering (an action claimed it) → answered (answer journalled) → done;
    or failed: given up after repeated faults (never replayed later)."""

    PENDING = "pending"
    ANSWERING = "answering"
    ANSWERED = "answered"
    DONE = "done"
    FAILED = "failed"


class FlowName(StrEnum):
    """The flows a pause or a crisis can stop (actions/core/flows.py)."""

    ROUND_ROBIN = "round_robin"
    STATEMENT = "statement"
    PAUSE = "pause"


class StatementStatus(StrEnum):
    DRAFTING = "drafting"
    AWAITING_LISTENER = "awaiting_listener"
    COMPLETE = "complete"
    NEEDS_TIME = "needs_time"
    UNFINISHED = "unfinished"
    CANCELLED = "cancelled"
    PAUSED = "paused"


class StatementStep(StrEnum):
    """The speaker writes describe → feel → request (a private draft then waits in review
    for "Share"); the listener reflects, the speaker confirms they were understood (or adds
    a line and the listener reflects once more), then the listener answers; done."""

    DESCRIBE = "describe"
    FEEL = "feel"
    REQUEST = "request"
    REVIEW = "review"
    REFLECT = "reflect"
    CONFIRM = "confirm"
    ANSWER = "answer"
    DONE = "done"


class DraftedIn(StrEnum):
    GROUP = "group"
    PRIVATE = "private"


class ListenerAnswer(StrEnum):
    YES = "yes"
    ANOTHER_IDEA = "another_idea"
    NEED_TIME = "need_time"


class AgreementSource(StrEnum):
    REQUEST = "request"
    COUNTER_PROPOSAL = "counter_proposal"


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    DECLINED = "declined"
    REVIEWED = "reviewed"


class CheckinStatus(StrEnum):
    """open (asking each partner privately) → revealed (both answered, shown together);
    or expired (left half-done past its reminder); or cancelled."""

    OPEN = "open"
    REVEALED = "revealed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class CheckinTrigger(StrEnum):
    MANUAL = "manual"  # /checkin or plain words
    MONTHLY = "monthly"  # the couple's monthly timer


class ReviewAnswer(StrEnum):
    """A partner's answer to "Is this agreement still working?"."""

    YES = "yes"
    PARTLY = "partly"  # revise it
    TALK = "talk"  # open a guided statement or a round-robin on it


class ReviewReason(StrEnum):
    """Why an agreement was put up for review."""

    REVIEW_DATE = "review_date"
    CHECKIN = "checkin"
    LIFE_CHANGE = "life_change"


class RoundStatus(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    COMPLETE = "complete"
    CANCELLED = "cancelled"


class FirstSpeakerReason(StrEnum):
    LESS_SPEAKING_TIME = "less_speaking_time"
    DID_NOT_START = "did_not_start"
    CHOSEN = "chosen"


class TurnStatus(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    PAUSED = "paused"
    DONE = "done"


class TurnEnd(StrEnum):
    """Why a turn ended (a pause stops the clock without ending the turn)."""

    TIME = "time"
    YIELD = "yield"
    PAUSE = "pause"
    CANCEL = "cancel"


class PauseStatus(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    RESUMED = "resumed"
    RESCHEDULED = "rescheduled"
    MISSED = "missed"
    CANCELLED = "cancelled"


class PausePhase(StrEnum):
    """Where a pause stands (kept in its `state` JSON; actions/pause/state.py moves it)."""

    TIMEZONE = "timezone"  # the couple has no time zone yet: asked first
    PROPOSING = "proposing"  # choosing a time (status proposed, or rescheduled)
    AGREED = "agreed"  # both accepted; the resume timer runs
    ASKING = "asking"  # the agreed time came: "ready to continue?"
    ENDED = "ended"  # resumed, missed or cancelled


class ProposalVia(StrEnum):
    BUTTON = "button"
    TEXT = "text"


class UnconfirmedKind(StrEnum):
    """A proposed time that waits for its proposer's confirmation."""

    SHORT = "short"  # shorter than the minimum break
    LONG = "long"  # more than a day away


class PauseEndReason(StrEnum):
    NOT_YET_AGAIN = "not_yet_again"
    NO_ANSWER = "no_answer"


class EscalationChoice(StrEnum):
    """What the couple chose after the third-party suggestion."""

    LOOK = "look"  # they'll look for someone
    HAVE = "have"  # they already have someone
    LATER = "later"  # not now
