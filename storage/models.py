"""Tables of the couple's database. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

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
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator

Base: Any = declarative_base()


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

    id = Column(Integer, primary_key=True)
    group_chat_id = Column(BigInteger, nullable=False)
    timezone = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    formed_at = Column(UTCDateTime, nullable=True)
    # Escalation steps the couple can change (/escalation): after this many pauses on one
    # topic the bot suggests a neutral third party; plus one step of their own, if any.
    escalation_threshold = Column(Integer, nullable=False, default=2, server_default="2")
    escalation_own_step = Column(Text, nullable=True)
    # Set when a partner's private safety check indicated danger: escalation-prone
    # exercises are not offered. Never shown with a reason or a name.
    safety_hold = Column(Boolean, nullable=False, default=False, server_default="0")
    closed_at = Column(UTCDateTime, nullable=True)

    partners = relationship(
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

    id = Column(Integer, primary_key=True)
    couple_id = Column(Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False)
    telegram_user_id = Column(BigInteger, nullable=False, index=True)
    first_name = Column(String(128), nullable=False)
    seat = Column(Integer, nullable=False)
    joined_at = Column(UTCDateTime, nullable=False, default=utc_now)
    consented_at = Column(UTCDateTime, nullable=True)

    couple = relationship("Couple", back_populates="partners")


class Timer(Base):
    """A durable timer: the bot's dispatcher fires it through Rasa when it comes due."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_status_due", "status", "due_at"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(64), nullable=False)
    chat_id = Column(BigInteger, nullable=False, index=True)
    due_at = Column(UTCDateTime, nullable=False)
    payload = Column(Text, nullable=False, default="{}")
    # pending → firing (claimed by one dispatcher) → fired; or cancelled before it fires.
    status = Column(String(16), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    claimed_at = Column(UTCDateTime, nullable=True)
    claimed_by = Column(String(64), nullable=True)  # the dispatcher's worker name
    fired_at = Column(UTCDateTime, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class InboxUpdate(Base):
    """Every Telegram update, written before it is processed and marked done after."""

    __tablename__ = "inbox_updates"

    update_id = Column(BigInteger, primary_key=True, autoincrement=False)
    chat_id = Column(BigInteger, nullable=True, index=True)
    received_at = Column(UTCDateTime, nullable=False, default=utc_now)
    status = Column(String(16), nullable=False, default="pending")
    processed_at = Column(UTCDateTime, nullable=True)
    # The raw update until processed; cleared afterwards so message text is not kept twice.
    payload = Column(Text, nullable=True)


class ClosedKeyboard(Base):
    """A bot message whose buttons were answered: a second or late press does nothing."""

    __tablename__ = "closed_keyboards"

    chat_id = Column(BigInteger, primary_key=True, autoincrement=False)
    message_id = Column(BigInteger, primary_key=True, autoincrement=False)
    closed_at = Column(UTCDateTime, nullable=False, default=utc_now)


class Statement(Base):
    """A guided describe -> feel -> request statement, drafted in the group or in private."""

    __tablename__ = "statements"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    speaker_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    listener_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=True)
    topic = Column(Text, nullable=True)
    chat_id = Column(BigInteger, nullable=False)  # where it is being drafted
    drafted_in = Column(String(16), nullable=False, default="group")  # group | private
    # describe | feel | request | review | reflect | answer | done
    step = Column(String(16), nullable=False, default="describe")
    describe_text = Column(Text, nullable=True)
    feel_text = Column(Text, nullable=True)
    request_text = Column(Text, nullable=True)
    reflection_text = Column(Text, nullable=True)
    findings = Column(JSON, nullable=False, default=dict)  # {"describe": [finding, ...], ...}
    revisions = Column(JSON, nullable=False, default=dict)  # {"describe": 1, ...}
    kept_despite_findings = Column(JSON, nullable=False, default=list)  # ["feel", ...]
    shared = Column(Boolean, nullable=False, default=False)
    shared_at = Column(UTCDateTime, nullable=True)
    listener_answer = Column(String(16), nullable=True)  # yes | another_idea | need_time
    # drafting | awaiting_listener | complete | needs_time | unfinished | cancelled | paused
    status = Column(String(24), nullable=False, default="drafting")
    state = Column(JSON, nullable=False, default=dict)  # flow details that need no column
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    updated_at = Column(UTCDateTime, nullable=False, default=utc_now, onupdate=utc_now)
    completed_at = Column(UTCDateTime, nullable=True)


class Agreement(Base):
    """What the listener agreed to (the request or a counter-proposal), with a review date."""

    __tablename__ = "agreements"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    statement_id = Column(Integer, ForeignKey("statements.id", ondelete="SET NULL"), nullable=True)
    proposed_by_id = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    agreed_by_id = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    text = Column(Text, nullable=False)
    source = Column(String(24), nullable=False, default="request")  # request | counter_proposal
    review_at = Column(UTCDateTime, nullable=True)
    # proposed | agreed | declined | reviewed
    status = Column(String(16), nullable=False, default="agreed")
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    agreed_at = Column(UTCDateTime, nullable=True)


class Round(Base):
    """A round-robin session: each partner holds the floor in turn."""

    __tablename__ = "rounds"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    topic = Column(Text, nullable=True)
    turn_seconds = Column(Integer, nullable=False)
    rounds_planned = Column(Integer, nullable=False, default=1)
    rounds_done = Column(Integer, nullable=False, default=0)
    started_by_id = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    first_speaker_id = Column(
        Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True
    )
    first_speaker_reason = Column(String(64), nullable=True)
    # running | paused | complete | cancelled
    status = Column(String(16), nullable=False, default="running")
    state = Column(JSON, nullable=False, default=dict)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    ended_at = Column(UTCDateTime, nullable=True)


class Turn(Base):
    """One partner's time on the floor."""

    __tablename__ = "turns"

    id = Column(Integer, primary_key=True)
    round_id = Column(
        Integer, ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    speaker_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    sequence = Column(Integer, nullable=False)  # 1, 2, ... in the round
    planned_seconds = Column(Integer, nullable=False)
    remaining_seconds = Column(Float, nullable=True)  # kept while the clock is stopped
    started_at = Column(UTCDateTime, nullable=True)  # last time the clock (re)started
    ended_at = Column(UTCDateTime, nullable=True)
    ended_by = Column(String(16), nullable=True)  # time | yield | pause | cancel
    seconds_held = Column(Float, nullable=False, default=0.0)
    message_count = Column(Integer, nullable=False, default=0)
    word_count = Column(Integer, nullable=False, default=0)
    status = Column(String(16), nullable=False, default="waiting")  # waiting|running|paused|done
    state = Column(JSON, nullable=False, default=dict)  # heads-up sent, reminder sent, ...


class Interruption(Base):
    """The listener's words during the other's floor: kept, counted, handed back."""

    __tablename__ = "interruptions"

    id = Column(Integer, primary_key=True)
    turn_id = Column(
        Integer, ForeignKey("turns.id", ondelete="CASCADE"), nullable=False, index=True
    )
    by_id = Column(Integer, ForeignKey("partners.id", ondelete="CASCADE"), nullable=False)
    text = Column(Text, nullable=True)  # None for a sticker or photo
    kind = Column(String(16), nullable=False, default="text")
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    handed_back = Column(Boolean, nullable=False, default=False)


class Pause(Base):
    """An escalation pause: proposed times, the agreed one, and coming back."""

    __tablename__ = "pauses"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    requested_by_id = Column(Integer, ForeignKey("partners.id", ondelete="SET NULL"), nullable=True)
    requested_at = Column(UTCDateTime, nullable=False, default=utc_now)
    topic = Column(Text, nullable=True)
    flow = Column(String(24), nullable=True)  # what was running: round_robin | statement | None
    flow_state = Column(JSON, nullable=False, default=dict)  # enough to restore it
    proposals = Column(JSON, nullable=False, default=list)  # [{"at": iso, "by": id, "when": iso}]
    resume_at = Column(UTCDateTime, nullable=True)  # the agreed time
    agreed_by = Column(JSON, nullable=False, default=list)  # partner ids who accepted it
    agreed_at = Column(UTCDateTime, nullable=True)
    resumed_at = Column(UTCDateTime, nullable=True)
    reschedules = Column(Integer, nullable=False, default=0)
    # proposed | agreed | resumed | rescheduled | missed | cancelled
    status = Column(String(16), nullable=False, default="proposed")
    state = Column(JSON, nullable=False, default=dict)


class Escalation(Base):
    """A topic paused again and again: the third-party suggestion and what the couple chose."""

    __tablename__ = "escalations"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="CASCADE"), nullable=False, index=True
    )
    topic = Column(Text, nullable=True)
    pause_count = Column(Integer, nullable=False, default=0)
    suggestion_made_at = Column(UTCDateTime, nullable=True)
    choice = Column(Text, nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class SafetyEvent(Base):
    """Crisis language or a private safety answer indicating danger: time, kind, who. No text."""

    __tablename__ = "safety_events"

    id = Column(Integer, primary_key=True)
    couple_id = Column(
        Integer, ForeignKey("couples.id", ondelete="SET NULL"), nullable=True, index=True
    )
    telegram_user_id = Column(BigInteger, nullable=False, index=True)
    kind = Column(String(32), nullable=False)  # crisis_language | safety_check_danger
    source = Column(String(16), nullable=False)  # group | private
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)


class SafetyCheck(Base):
    """A partner's private safety check. Private forever: never exported, never shown."""

    __tablename__ = "safety_checks"

    id = Column(Integer, primary_key=True)
    telegram_user_id = Column(BigInteger, nullable=False, index=True)
    answers = Column(JSON, nullable=False, default=dict)
    danger = Column(Boolean, nullable=False, default=False)
    step = Column(String(32), nullable=True)
    started_at = Column(UTCDateTime, nullable=False, default=utc_now)
    completed_at = Column(UTCDateTime, nullable=True)
