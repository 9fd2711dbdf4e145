"""A group upgraded to a supergroup gets a new chat id: the couple and its rows move with it.

Telegram tells the bot twice (a `migrate_to_chat_id` message in the old group, a
`migrate_from_chat_id` message in the new supergroup), and a send to the old id fails with
the new id (PTB's ChatMigrated). Moving is idempotent: whichever comes first moves
everything, the others find nothing left under the old id.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.couples import couple_for_group
from storage.engine import rows_changed
from storage.models import Couple, InboxUpdate, Statement, Timer

# Every table that keeps a group's chat id (the flows' rows hang off the couple).
CHAT_COLUMNS: tuple[tuple[Any, str], ...] = (
    (Couple, "group_chat_id"),
    (Timer, "chat_id"),
    (Statement, "chat_id"),
    (InboxUpdate, "chat_id"),
)


def move_chat(old_chat_id: int, new_chat_id: int, *, session: Session) -> int:
    """Move what is kept under the old group id to the new one; rows changed."""
    if old_chat_id == new_chat_id:
        return 0
    if couple_for_group(new_chat_id, session=session) is not None:
        return 0  # already moved (or a couple began there): never merge two couples
    changed = 0
    for model, column in CHAT_COLUMNS:
        result = session.execute(
            update(model)
            .where(getattr(model, column) == old_chat_id)
            .values({column: new_chat_id})
            .execution_options(synchronize_session=False)
        )
        changed += rows_changed(result)
    return changed
