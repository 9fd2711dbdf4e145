"""Guided statements and their agreements: the queries the statement flow needs.

Keyword-only `session`; the caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from storage.models import Agreement, Couple, Partner, Statement

# In the group and moving: the speaker writing there, or the listener's turn.
_RUNNING_IN_GROUP = or_(
    and_(Statement.status == "drafting", Statement.drafted_in == "group"),
    Statement.status == "awaiting_listener",
)


def create(
    couple: Couple,
    speaker: Partner,
    listener: Partner | None,
    *,
    topic: str | None,
    chat_id: int,
    drafted_in: str,
    now: datetime,
    session: Session,
) -> Statement:
    statement = Statement(
        couple_id=couple.id,
        speaker_id=speaker.id,
        listener_id=listener.id if listener else None,
        topic=topic,
        chat_id=chat_id,
        drafted_in=drafted_in,
        step="describe",
        status="drafting",
        findings={},
        revisions={},
        kept_despite_findings=[],
        state={},
        created_at=now,
        updated_at=now,
    )
    session.add(statement)
    session.flush()
    return statement


def get(statement_id: int, *, session: Session) -> Statement | None:
    return session.get(Statement, statement_id)


def running_in_group(couple_id: int, *, session: Session) -> Statement | None:
    """The statement the couple's group is in the middle of (not paused), if any."""
    return session.execute(
        select(Statement)
        .where(Statement.couple_id == couple_id, _RUNNING_IN_GROUP)
        .order_by(Statement.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def open_in_group(couple_id: int, *, session: Session) -> list[Statement]:
    """Running or paused in the group: what /cancel ends and what blocks a second start."""
    return list(
        session.execute(
            select(Statement)
            .where(
                Statement.couple_id == couple_id,
                or_(_RUNNING_IN_GROUP, Statement.status == "paused"),
            )
            .order_by(Statement.id)
        ).scalars()
    )


def private_draft(chat_id: int, *, session: Session) -> Statement | None:
    """The draft someone is writing in their private chat (one at a time)."""
    return session.execute(
        select(Statement)
        .where(
            Statement.chat_id == chat_id,
            Statement.drafted_in == "private",
            Statement.status == "drafting",
            Statement.shared.is_(False),
        )
        .order_by(Statement.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def add_agreement(
    statement: Statement,
    *,
    text: str,
    source: str,
    proposed_by: int | None,
    agreed_by: int | None,
    status: str,
    review_at: datetime | None,
    now: datetime,
    session: Session,
) -> Agreement:
    agreement = Agreement(
        couple_id=statement.couple_id,
        statement_id=statement.id,
        proposed_by_id=proposed_by,
        agreed_by_id=agreed_by,
        text=text,
        source=source,
        status=status,
        review_at=review_at,
        created_at=now,
        agreed_at=now if status == "agreed" else None,
    )
    session.add(agreement)
    session.flush()
    return agreement


def get_agreement(agreement_id: int, *, session: Session) -> Agreement | None:
    return session.get(Agreement, agreement_id)
