"""Keyboards that were answered, so a second or late press of the same buttons does nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.engine import rows_changed
from storage.models import ClosedKeyboard


def is_closed(chat_id: int, message_id: int, *, session: Session) -> bool:
    return session.get(ClosedKeyboard, (chat_id, message_id)) is not None


def close(chat_id: int, message_id: int, *, session: Session) -> None:
    if is_closed(chat_id, message_id, session=session):
        return
    try:
        with session.begin_nested():
            session.add(ClosedKeyboard(chat_id=chat_id, message_id=message_id))
    except IntegrityError:
        pass  # closed by a concurrent press: same outcome


def purge_closed_before(moment: datetime, *, session: Session) -> int:
    """Forget keyboards closed before `moment` (their buttons were removed back then)."""
    result = session.execute(delete(ClosedKeyboard).where(ClosedKeyboard.closed_at < moment))
    return rows_changed(result)
