"""The inbox: every Telegram update is written here before it is processed.

An update received twice (Telegram re-sends after a restart that did not confirm the
offset) is recognised by its update_id and processed once.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.models import InboxUpdate, utc_now


def record(update_id: int, chat_id: int | None, payload: str, *, session: Session) -> bool:
    """Store an incoming update; False if it was already recorded (a duplicate delivery)."""
    if session.get(InboxUpdate, update_id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(InboxUpdate(update_id=update_id, chat_id=chat_id, payload=payload))
    except IntegrityError:
        return False
    return True


def mark_done(update_id: int, *, session: Session) -> None:
    session.execute(
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(status="done", processed_at=utc_now(), payload=None)
    )


def unfinished(*, session: Session) -> list[InboxUpdate]:
    return list(
        session.execute(
            select(InboxUpdate)
            .where(InboxUpdate.status == "pending")
            .order_by(InboxUpdate.update_id)
        ).scalars()
    )


def is_done(update_id: int, *, session: Session) -> bool:
    row = session.get(InboxUpdate, update_id)
    return row is not None and row.status == "done"
