"""Rasa's SQL tracker store, seen from our side: deleting conversation events.

Rasa keeps every event of a chat (message texts included) in the `events` table of its
SQL tracker store, `sender_id` = the chat id as text. Its location is read the way
launcher/stack.py renders Rasa's endpoints: `TRACKER_STORE_URL` (an SQLAlchemy URL), else
the SQLite file `<var>/rasa_tracker.db`.

Only the bot calls these, from the chat's own queue between two messages: Rasa writes a
tracker back as "every event past the number already stored", so deleting events of a
conversation while Rasa handles a message of it would bring them back (or duplicate some).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from sqlalchemy import bindparam, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

import settings
from storage.engine import rows_changed


def tracker_store_url() -> str:
    return settings.current().rasa_tracker_store_url


@cache
def _engine(url: str) -> Engine:
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, future=True, hide_parameters=True, connect_args={"timeout": 10})
        event.listen(engine, "connect", _secure_delete)
        return engine
    return create_engine(url, future=True, hide_parameters=True, pool_pre_ping=True)


def _secure_delete(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Events we delete are overwritten with zeros, not left in the file's free pages
    (Rasa's own connections never delete)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _engine_if_present() -> Engine | None:
    """None while Rasa has not created its store yet (nothing to delete then)."""
    url = tracker_store_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        # Opening a missing SQLite file would create it, readable by everyone.
        if database in ("", ":memory:") or not Path(database).exists():
            return None
    return _engine(url)


def _execute(sql: str, **params: object) -> list:
    engine = _engine_if_present()
    if engine is None:
        return []
    statement = text(sql)
    for name, value in params.items():
        if isinstance(value, list | tuple):
            statement = statement.bindparams(bindparam(name, expanding=True))
    try:
        with engine.begin() as connection:
            result = connection.execute(statement, params)
            rows: list = list(result) if result.returns_rows else [rows_changed(result)]
        if not result.returns_rows and engine.dialect.name == "sqlite":
            _truncate_write_ahead_log(engine)
        return rows
    except (OperationalError, ProgrammingError) as error:
        if "events" in str(error.orig) and "no such table" in str(error.orig).lower():
            return []  # Rasa has not stored any conversation yet
        raise


def _truncate_write_ahead_log(engine: Engine) -> None:
    """Rasa's SQLite store is in WAL mode: the pages that held the deleted events stay in the
    -wal file until it is written over. Copy it into the database (whose freed pages
    secure_delete zeroed) and cut it to nothing. Best effort: when Rasa is busy the
    checkpoint stops short, and the next purge tries again."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def delete_conversation(sender_id: str) -> int:
    """Every event of one conversation."""
    rows = _execute("DELETE FROM events WHERE sender_id = :sender", sender=sender_id)
    return int(rows[0]) if rows else 0


def delete_messages_of(sender_id: str, telegram_user_id: int) -> int:
    """In a group conversation: one person's messages, and the bot's answers (which may
    quote them). The other partner's own messages stay."""
    rows = _execute(
        "SELECT id, type_name, data FROM events WHERE sender_id = :sender "
        "AND type_name IN ('user', 'bot')",
        sender=sender_id,
    )
    doomed = [row[0] for row in rows if row[1] == "bot" or _user_of(row[2]) == telegram_user_id]
    if not doomed:
        return 0
    deleted = _execute("DELETE FROM events WHERE id IN :ids", ids=doomed)
    return int(deleted[0]) if deleted else 0


def _user_of(data: str | None) -> int | None:
    try:
        metadata = (json.loads(data or "{}").get("metadata")) or {}
        return int(metadata["user_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def conversations_with_events_before(timestamp: float) -> list[str]:
    rows = _execute(
        "SELECT DISTINCT sender_id FROM events WHERE timestamp < :cutoff", cutoff=timestamp
    )
    return [str(row[0]) for row in rows]


def delete_events_before(sender_id: str, timestamp: float) -> int:
    rows = _execute(
        "DELETE FROM events WHERE sender_id = :sender AND timestamp < :cutoff",
        sender=sender_id,
        cutoff=timestamp,
    )
    return int(rows[0]) if rows else 0


def dispose() -> None:
    for engine in [_engine(tracker_store_url())] if _engine.cache_info().currsize else []:
        engine.dispose()
    _engine.cache_clear()


def move_conversation(old_sender_id: str, new_sender_id: str) -> int:
    """A group that became a supergroup: its events continue under the new chat id (so
    /forget and retention find them there)."""
    rows = _execute(
        "UPDATE events SET sender_id = :new WHERE sender_id = :old",
        new=new_sender_id,
        old=old_sender_id,
    )
    return int(rows[0]) if rows else 0
