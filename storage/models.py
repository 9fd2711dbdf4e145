"""Tables of the couple's database. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, registry, relationship
from sqlalchemy.orm.decl_api import DeclarativeMeta
from sqlalchemy.types import TypeDecorator

from storage.enums import (
    AgreementSource,
    AgreementStatus,
    CheckinStatus,
    CheckinTrigger,
    DraftedIn,
    EscalationChoice,
    FirstSpeakerReason,
    InboxStatus,
    ListenerAnswer,
    PauseStatus,
    ReviewAnswer,
    ReviewReason,
    RoundStatus,
    StatementStatus,
    StatementStep,
    StrEnum,
    TimerStatus,
    TurnEnd,
    TurnStatus,
)

if TYPE_CHECKING:
    from storage.pauses import FlowState

mapper_registry = registry()


class Base(metaclass=DeclarativeMeta):
    """The declarative base, spelled out (what `declarative_base()` makes) so that mypy with
    the SQLAlchemy plugin and sqlalchemy2-stubs sees a class: each model's constructor and
    every `Mapped[...]` annotation below is then checked against its column."""

    __abstract__ = True
    registry = mapper_registry
    metadata = mapper_registry.metadata
    __init__ = mapper_registry.constructor


E = TypeVar("E", bound=StrEnum)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stored as naive UTC (SQLite has no time zones), always handed back aware, in UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class StoredEnum(TypeDecorator, Generic[E]):
    """An enum column, stored as the member's plain string (the column stays a VARCHAR).

    Writing checks the value is a member; reading hands back the member. A stored string
    that is no member (written by another version) is handed back as it is rather than
    making every row of the table unreadable."""

    impl = String
    cache_ok = True

    def __init__(self, enum_type: type[E], length: int | None = None) -> None:
        super().__init__(length)
        self.enum_type = enum_type
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: str | None, dialect: Any) -> E | str | None:
        if value is None:
            return None
        try:
            return self.enum_type(value)
        except ValueError:
            return value


class StoredTextEnum(StoredEnum[E]):
    """The same, for a TEXT column."""

    impl = Text
    cache_ok = True

    def __init__(self, enum_type: type[E]) -> None:
        super().__init__(enum_type)


class Couple(Base):
    """Two partners sharing one Telegram group with the bot."""

    __tablename__ = "couples"
    __table_args__ = (
        # One open couple per group. A couple is closed when a partner leaves it (/forget):
        # its rows stay with the remaining partner, and the group starts a new couple.
        Index(
            "uq_couples_open_group",
            "group_chat_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    group_chat_id: Mapped[int] = Column(BigInteger, nullable=False)
    timezone: Mapped[str | None] = Column(String(64), nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    formed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # Escalation steps the couple can change (/escalation): after this many pauses on one
    # topic the bot suggests a neutral third party; plus one step of their own, if any.
    escalation_threshold: Mapped[int] = Column(
        Integer, nullable=False, default=2, server_default="2"
    )
    escalation_own_step: Mapped[str | None] = Column(Text, nullable=True)
    # Set when a partner's private safety check indicated danger: escalation-prone
    # exercises are not offered. Never shown with a reason or a name.
    safety_hold: Mapped[bool] = Column(Boolean, nullable=False, default=False, server_default="0")
    closed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # When the monthly check-in runs, in the couple's time zone; None is the default
    # (the first Sunday evening of the month). Its format is actions/checkin's.
    checkin_schedule: Mapped[str | None] = Column(String(64), nullable=True)

    partners: Mapped[list[Partner]] = relationship(
        "Partner",
        back_populates="couple",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Partner.seat",
    )


class Partner(Base):
    """One of the (at most) two people of a couple; seat 1 pressed "I'm in" first."""

    __tablename__ = "partners"
    __table_args__ = (
        UniqueConstraint("couple_id", "telegram_user_id", name="uq_partner_user"),
        UniqueConstraint("couple_id", "seat", name="uq_partner_seat"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False
    )
    telegram_user_id: Mapped[int] = Column(BigInteger, nullable=False, index=True)
    first_name: Mapped[str] = Column(String(128), nullable=False)
    seat: Mapped[int] = Column(Integer, nullable=False)
    joined_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    consented_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)

    couple: Mapped[Couple] = relationship("Couple", back_populates="partners")


class Timer(Base):
    """A durable timer: the bot's dispatcher fires it through Rasa when it comes due."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_status_due", "status", "due_at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    # A storage.enums.TimerKind; an open set all the same: each flow registers its kinds.
    kind: Mapped[str] = Column(String(64), nullable=False)
    chat_id: Mapped[int] = Column(BigInteger, nullable=False, index=True)
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    payload: Mapped[str] = Column(Text, nullable=False, default="{}")
    # pending → firing (claimed by one dispatcher) → fired; or cancelled before it fires.
    status: Mapped[TimerStatus] = Column(
        StoredEnum(TimerStatus, 16), nullable=False, default=TimerStatus.PENDING
    )
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    claimed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # The dispatcher's worker name.
    claimed_by: Mapped[str | None] = Column(String(64), nullable=True)
    # The kind of the last failed try, no text.
    last_error: Mapped[str | None] = Column(String(64), nullable=True)
    fired_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)


class InboxUpdate(Base):
    """Every Telegram update, written before it is processed and marked done after."""

    __tablename__ = "inbox_updates"

    update_id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = Column(BigInteger, nullable=True, index=True)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    status: Mapped[InboxStatus] = Column(
        StoredEnum(InboxStatus, 16), nullable=False, default=InboxStatus.PENDING
    )
    processed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # The raw update until processed; cleared afterwards so message text is not kept twice.
    payload: Mapped[str | None] = Column(Text, nullable=True)
    # The bot worker handling it, until when (renewed by its heartbeat): another worker takes
    # over an unfinished row only once its lease ran out (its worker died).
    owner: Mapped[str | None] = Column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)


class ClosedKeyboard(Base):
    """A bot message whose buttons were answered: a second or late press does nothing."""

    __tablename__ = "closed_keyboards"

    chat_id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = Column(BigInteger, primary_key=True, autoincrement=False)
    closed_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)


class Statement(Base):
    """A guided describe -> feel -> request statement, drafted in the group or in private."""

    __tablename__ = "statements"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    speaker_id: Mapped[int] = Column(
        Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    listener_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=True
    )
    topic: Mapped[str | None] = Column(Text, nullable=True)
    chat_id: Mapped[int] = Column(BigInteger, nullable=False)  # where it is being drafted
    drafted_in: Mapped[DraftedIn] = Column(
        StoredEnum(DraftedIn, 16), nullable=False, default=DraftedIn.GROUP
    )
    step: Mapped[StatementStep] = Column(
        StoredEnum(StatementStep, 16), nullable=False, default=StatementStep.DESCRIBE
    )
    describe_text: Mapped[str | None] = Column(Text, nullable=True)
    feel_text: Mapped[str | None] = Column(Text, nullable=True)
    request_text: Mapped[str | None] = Column(Text, nullable=True)
    reflection_text: Mapped[str | None] = Column(Text, nullable=True)
    # "Did Sam get it?": True (yes), False (almost: the speaker added a line and the listener
    # tried once more), None (not asked: the reflection was skipped).
    reflection_confirmed: Mapped[bool | None] = Column(Boolean, nullable=True)
    clarification_text: Mapped[str | None] = Column(Text, nullable=True)  # the speaker's line
    second_reflection_text: Mapped[str | None] = Column(Text, nullable=True)
    # "I need time": when the listener said they would answer (a reminder fires then).
    answer_due_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # {"describe": [finding, ...], ...}
    findings: Mapped[dict[str, list[dict[str, Any]]]] = Column(JSON, nullable=False, default=dict)
    revisions: Mapped[dict[str, int]] = Column(JSON, nullable=False, default=dict)  # {"feel": 1}
    kept_despite_findings: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    shared: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    shared_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    listener_answer: Mapped[ListenerAnswer | None] = Column(
        StoredEnum(ListenerAnswer, 16), nullable=True
    )
    status: Mapped[StatementStatus] = Column(
        StoredEnum(StatementStatus, 24), nullable=False, default=StatementStatus.DRAFTING
    )
    # Flow details that need no column: read and written as storage.statements.StatementState.
    state: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    updated_at: Mapped[datetime] = Column(
        UTCDateTime, nullable=False, default=utc_now, onupdate=utc_now
    )
    completed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)


class Agreement(Base):
    """What the listener agreed to (the request or a counter-proposal), with a review date."""

    __tablename__ = "agreements"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    statement_id: Mapped[int | None] = Column(
        Integer, ForeignKey("statements.id", ondelete="SET NULL"), nullable=True
    )
    proposed_by_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    agreed_by_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    text: Mapped[str] = Column(Text, nullable=False)
    source: Mapped[AgreementSource] = Column(
        StoredEnum(AgreementSource, 24), nullable=False, default=AgreementSource.REQUEST
    )
    review_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    status: Mapped[AgreementStatus] = Column(
        StoredEnum(AgreementStatus, 16), nullable=False, default=AgreementStatus.AGREED
    )
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    agreed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)


class AgreementReview(Base):
    """One partner's answer to "Is this still working?" about one agreement."""

    __tablename__ = "agreement_reviews"

    id: Mapped[int] = Column(Integer, primary_key=True)
    agreement_id: Mapped[int] = Column(
        Integer, ForeignKey("agreements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    partner_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[ReviewReason] = Column(StoredEnum(ReviewReason, 16), nullable=False)
    asked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    answer: Mapped[ReviewAnswer | None] = Column(StoredEnum(ReviewAnswer, 16), nullable=True)
    answered_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # "Partly": the agreement as this partner revised it (the agreement's text becomes it).
    revised_text: Mapped[str | None] = Column(Text, nullable=True)


class Checkin(Base):
    """A monthly (or asked-for) check-in: three needs and three appreciations from each
    partner, answered privately and revealed together once both answered."""

    __tablename__ = "checkins"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    trigger: Mapped[CheckinTrigger] = Column(StoredEnum(CheckinTrigger, 16), nullable=False)
    started_by_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    status: Mapped[CheckinStatus] = Column(
        StoredEnum(CheckinStatus, 16), nullable=False, default=CheckinStatus.OPEN
    )
    started_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    reminded_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)

    answers: Mapped[list[CheckinAnswer]] = relationship(
        "CheckinAnswer", cascade="all, delete-orphan", passive_deletes=True
    )


class CheckinAnswer(Base):
    """One partner's part of a check-in. The items are JSON lists of the texts kept."""

    __tablename__ = "checkin_answers"
    __table_args__ = (UniqueConstraint("checkin_id", "partner_id", name="uq_checkin_partner"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    checkin_id: Mapped[int] = Column(
        Integer, ForeignKey("checkins.id", ondelete="CASCADE"), nullable=False, index=True
    )
    partner_id: Mapped[int] = Column(
        Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    needs: Mapped[list[str] | None] = Column(JSON, nullable=True)
    appreciations: Mapped[list[str] | None] = Column(JSON, nullable=True)
    skipped: Mapped[bool] = Column(Boolean, nullable=False, default=False, server_default="0")
    answered_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # Items the coach asked about, waiting for a rewrite or "Keep it": {"kind", "texts"}.
    held: Mapped[dict[str, Any] | None] = Column(JSON, nullable=True)
    # The other partner skipped: whether this partner's needs may be shown all the same
    # (None: not asked, or nobody skipped).
    needs_shared: Mapped[bool | None] = Column(Boolean, nullable=True)


class Round(Base):
    """A round-robin session: each partner holds the floor in turn."""

    __tablename__ = "rounds"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    topic: Mapped[str | None] = Column(Text, nullable=True)
    turn_seconds: Mapped[int] = Column(Integer, nullable=False)
    rounds_planned: Mapped[int] = Column(Integer, nullable=False, default=1)
    rounds_done: Mapped[int] = Column(Integer, nullable=False, default=0)
    started_by_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    first_speaker_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    first_speaker_reason: Mapped[FirstSpeakerReason | None] = Column(
        StoredEnum(FirstSpeakerReason, 64), nullable=True
    )
    status: Mapped[RoundStatus] = Column(
        StoredEnum(RoundStatus, 16), nullable=False, default=RoundStatus.RUNNING
    )
    # Read and written as storage.rounds.RoundState.
    state: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    ended_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)


class Turn(Base):
    """One partner's time on the floor."""

    __tablename__ = "turns"

    id: Mapped[int] = Column(Integer, primary_key=True)
    round_id: Mapped[int] = Column(
        Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    speaker_id: Mapped[int] = Column(
        Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    sequence: Mapped[int] = Column(Integer, nullable=False)  # 1, 2, ... in the round
    planned_seconds: Mapped[int] = Column(Integer, nullable=False)
    # Kept while the clock is stopped.
    remaining_seconds: Mapped[float | None] = Column(Float, nullable=True)
    # The last time the clock (re)started.
    started_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    ended_by: Mapped[TurnEnd | None] = Column(StoredEnum(TurnEnd, 16), nullable=True)
    seconds_held: Mapped[float] = Column(Float, nullable=False, default=0.0)
    message_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    word_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    status: Mapped[TurnStatus] = Column(
        StoredEnum(TurnStatus, 16), nullable=False, default=TurnStatus.WAITING
    )
    # Timers, heads-up sent, reminder sent, ...: read and written as storage.rounds.TurnState.
    state: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)


class Interruption(Base):
    """The listener's words during the other's floor: kept, counted, handed back."""

    __tablename__ = "interruptions"

    id: Mapped[int] = Column(Integer, primary_key=True)
    turn_id: Mapped[int] = Column(
        Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    by_id: Mapped[int] = Column(
        Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False
    )
    text: Mapped[str | None] = Column(Text, nullable=True)  # None for a sticker or photo
    kind: Mapped[str] = Column(String(16), nullable=False, default="text")
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    handed_back: Mapped[bool] = Column(Boolean, nullable=False, default=False)


class Pause(Base):
    """An escalation pause: proposed times, the agreed one, and coming back."""

    __tablename__ = "pauses"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_by_id: Mapped[int | None] = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    requested_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    topic: Mapped[str | None] = Column(Text, nullable=True)
    # What was running: a registered flow's name (storage.enums.FlowName), if any.
    flow: Mapped[str | None] = Column(String(24), nullable=True)
    flow_state: Mapped[FlowState] = Column(JSON, nullable=False, default=dict)  # to restore it
    # [{"by": id, "at": iso, "when": iso, "via": ...}]: read as storage.pauses.StoredProposal.
    proposals: Mapped[list[dict[str, Any]]] = Column(JSON, nullable=False, default=list)
    resume_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)  # the agreed time
    agreed_by: Mapped[list[int]] = Column(JSON, nullable=False, default=list)  # who accepted it
    agreed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    resumed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    reschedules: Mapped[int] = Column(Integer, nullable=False, default=0)
    status: Mapped[PauseStatus] = Column(
        StoredEnum(PauseStatus, 16), nullable=False, default=PauseStatus.PROPOSED
    )
    # Phase, the open proposal, who is ready, ...: read as storage.pauses.PauseDetails.
    state: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)


class Escalation(Base):
    """A topic paused again and again: the third-party suggestion and what the couple chose."""

    __tablename__ = "escalations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    topic: Mapped[str | None] = Column(Text, nullable=True)
    pause_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    suggestion_made_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    choice: Mapped[EscalationChoice | None] = Column(
        StoredTextEnum(EscalationChoice), nullable=True
    )
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)


class SafetyEvent(Base):
    """Crisis language or a private safety answer indicating danger: time, kind, who. No text."""

    __tablename__ = "safety_events"

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int | None] = Column(
        Integer, ForeignKey("couples.id", ondelete="SET NULL"), nullable=True, index=True
    )
    telegram_user_id: Mapped[int] = Column(BigInteger, nullable=False, index=True)
    kind: Mapped[str] = Column(String(32), nullable=False)  # crisis_language | safety_check_danger
    source: Mapped[str] = Column(String(16), nullable=False)  # group | private
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)


class SafetyCheck(Base):
    """A partner's private safety check. Private forever: never exported, never shown."""

    __tablename__ = "safety_checks"

    id: Mapped[int] = Column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = Column(BigInteger, nullable=False, index=True)
    answers: Mapped[dict[str, str]] = Column(JSON, nullable=False, default=dict)  # question: answer
    danger: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    step: Mapped[str | None] = Column(String(32), nullable=True)
    started_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
    completed_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)


class ProgressSummary(Base):
    """A quarter's indicators as posted to the couple (actions/progress/): numbers and
    partner ids only, never a word the couple wrote, never a name."""

    __tablename__ = "progress_summaries"
    __table_args__ = (UniqueConstraint("couple_id", "quarter", name="uq_progress_quarter"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    couple_id: Mapped[int] = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    quarter: Mapped[str] = Column(String(8), nullable=False)  # "2026-Q3", in the couple's zone
    period_start: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    period_end: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    # storage.indicators.Indicators.dump(): this quarter's numbers and the previous one's.
    indicators: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utc_now)
