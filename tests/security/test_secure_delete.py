"""Deleted text does not stay readable in SQLite's free pages: every connection we open to
our database and to Rasa's tracker store has `secure_delete` on, and a purge of Rasa's
events also empties the write-ahead log that still held them."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from launcher.stack import tracker_store_endpoint
from storage import tracker_store
from storage.engine import dispose_engines, get_engine

MARKER = "Zebra-4711 what I never want anyone to read again"


def on_disk(database: Path) -> bytes:
    """Everything SQLite keeps of the database: the file and its write-ahead log."""
    files = [database, database.with_name(database.name + "-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_without_secure_delete_the_text_would_stay(tmp_path: Path) -> None:
    """What the tests below guard against (so their check can see it)."""
    database = tmp_path / "plain.db"
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA secure_delete=OFF")
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.executemany("INSERT INTO notes VALUES (?)", [(MARKER,)] * 20)
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA secure_delete=OFF")
        connection.execute("DELETE FROM notes")
    connection.close()

    assert MARKER.encode() in on_disk(database)


def test_our_database_overwrites_what_is_deleted(database: Path) -> None:
    with get_engine().begin() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
        for _ in range(20):
            connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": MARKER})
    with get_engine().begin() as connection:
        connection.execute(text("DELETE FROM notes"))
    dispose_engines()  # as at shutdown: the log is checkpointed into the file

    assert MARKER.encode() not in on_disk(database)


@pytest.fixture
def rasa_tracker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[sqlite3.Connection]:
    """Rasa's tracker store as the launcher creates it (WAL), with Rasa's connection open
    (secure_delete off: Rasa's own) holding one conversation."""
    monkeypatch.setenv("TALKING_STICK_VAR", str(tmp_path))
    monkeypatch.delenv("TRACKER_STORE_URL", raising=False)
    tracker_store_endpoint(None, tmp_path)
    rasa = sqlite3.connect(tmp_path / "rasa_tracker.db")
    rasa.execute("PRAGMA secure_delete=OFF")
    rasa.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
        "timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)"
    )
    rasa.executemany(
        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (?, ?, ?, ?)",
        [("-1001", "user", 1.0, f'{{"text": "{MARKER}"}}')] * 20,
    )
    rasa.commit()
    yield rasa
    rasa.close()
    tracker_store.dispose()


def test_purging_rasa_events_leaves_no_text_on_disk(
    rasa_tracker: sqlite3.Connection, tmp_path: Path
) -> None:
    assert MARKER.encode() in on_disk(tmp_path / "rasa_tracker.db")

    assert tracker_store.delete_conversation("-1001") == 20

    # Rasa's connection is still open: nothing was cleaned up by closing the last one.
    assert rasa_tracker.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    assert MARKER.encode() not in on_disk(tmp_path / "rasa_tracker.db")
