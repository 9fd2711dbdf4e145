"""Tables of the couple's database. Schema changes go through Alembic (storage/migrations)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
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

    id = Column(Integer, primary_key=True)
    group_chat_id = Column(BigInteger, nullable=False, unique=True)
    timezone = Column(String(64), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utc_now)
    formed_at = Column(UTCDateTime, nullable=True)

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
