"""A locked database through the real stack: the update is kept, tried again and answered,
never lost or dressed up as done; crisis resources go out while the database is locked."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local_telegram.client import LocalTelegram
from tests.support.stack import Couple, RunningStack, open_private_chat, unique

# SQLite's "database is locked", made by holding its file's write lock.
pytestmark = [pytest.mark.e2e, pytest.mark.sqlite_only]

ONE_MOMENT = "One moment, please"
# Longer than SQLite's busy timeout (10 s): a writer waiting for the lock gives up with
# "database is locked" at least once.
LOCK_SECONDS = 14


@contextmanager
def database_locked(path: Path) -> Iterator[None]:
    """Hold SQLite's write lock on the couple's database, as a stuck writer would."""
    connection = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


def wait_until(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.3)


def test_an_update_arriving_while_the_database_is_locked_is_saved_first_then_answered(
    running: RunningStack, telegram: LocalTelegram
):
    person = telegram.create_user(unique("Lou"))
    start = telegram.last_seq()
    with database_locked(running.database):
        sent = telegram.send(person["id"], person, "/help")
        time.sleep(3)
        # Not saved yet, so not confirmed to Telegram either: it is still Telegram's to give.
        assert telegram.stats()["pending_updates"] >= 1
        time.sleep(LOCK_SECONDS - 3)
    telegram.wait_for_text(person["id"], "/export", after=start, timeout=60)
    wait_until(
        lambda: running.query(
            "SELECT status FROM inbox_updates WHERE update_id = ?", sent["update_id"]
        )
        == [("done",)]
    )
    assert f"update {sent['update_id']}: inbox write failed (OperationalError)" in running.logs()


def test_crisis_words_get_their_resources_while_the_database_is_locked_and_are_saved_after(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    alex = formed.alex
    open_private_chat(telegram, alex)
    start = telegram.last_seq()
    # The action server is down when the words arrive: the bot keeps the update...
    running.stack.processes["actions"].stop()
    restarted = False
    try:
        sent = telegram.send(alex["id"], alex, "I want to kill myself")
        telegram.wait_for_text(alex["id"], ONE_MOMENT, after=start, timeout=30)
        # ...and when it is back, every database write of the action fails for a while.
        with database_locked(running.database):
            running.stack.start_one("actions")
            restarted = True
            # Generous: a freshly started action server first builds its crisis matcher,
            # and each try waits for SQLite's busy timeout before it fails.
            telegram.wait_for_text(alex["id"], "glad you told me", after=start, timeout=150)
            telegram.wait_for_text(alex["id"], "988", after=start, timeout=10)
            assert running.query(
                "SELECT count(*) FROM safety_events WHERE telegram_user_id = ?", alex["id"]
            ) == [(0,)]
            assert running.query(
                "SELECT status FROM inbox_updates WHERE update_id = ?", sent["update_id"]
            ) != [("done",)]
    finally:
        if not restarted:
            running.stack.start_one("actions")
    wait_until(
        lambda: running.query(
            "SELECT status FROM inbox_updates WHERE update_id = ?", sent["update_id"]
        )
        == [("done",)],
        timeout=150,
    )
    assert running.query(
        "SELECT kind FROM safety_events WHERE telegram_user_id = ?", alex["id"]
    ) == [("crisis_self_harm",)]
    time.sleep(1)
    said = [i["text"] for i in telegram.sent(alex["id"], after=start) if i["text"]]
    assert sum("glad you told me" in text for text in said) == 1
    assert not [text for text in said if "something went wrong" in text]
    assert f"failed in chat {alex['id']}: OperationalError" in running.logs()
