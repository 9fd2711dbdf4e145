"""One lazily created engine per process, and a transaction helper.

The database is an SQLite file under `var/` by default; `DATABASE_URL` switches to any
SQLAlchemy URL (PostgreSQL in production). Nothing is created at import time.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from sqlalchemy import event, exc
from sqlalchemy.engine import CursorResult, Result, create_engine, make_url
from sqlalchemy.future import Engine  # every engine here is made with future=True
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

import settings

PROJECT_ROOT = settings.PROJECT_ROOT


def var_dir() -> Path:
    """Where runtime files live (databases, logs): `TALKING_STICK_VAR` or `./var`."""
    return settings.current().talking_stick_var


def database_url() -> str:
    return settings.current().database_url


def _prepare_sqlite_file(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=stat.S_IRUSR | stat.S_IWUSR)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def busy_timeout_seconds() -> float:
    """How long an SQLite writer waits for another's lock before "database is locked"."""
    return settings.current().sqlite_busy_timeout_seconds


def _tune_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the bot read timers while the action server writes; busy_timeout makes
    # concurrent writers wait instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds() * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Deleted rows (forgotten or expired message texts) are overwritten with zeros, not left
    # readable in the file's free pages. A per-connection setting: set on every one.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


# One engine (and session factory) per database URL, made on first use.
_engines: dict[str, tuple[Engine, sessionmaker]] = {}


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _prepare_sqlite_file(Path(parsed.database))
        # hide_parameters: errors must not carry message text into logs. A pool of open
        # connections (SQLAlchemy 1.4 opens a new one per transaction for a file, and runs
        # the PRAGMAs below each time: a fifth of the bot's CPU per message); any thread may
        # take one, each in turn, as SQLAlchemy 2.0 does by default.
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,
            poolclass=QueuePool,
            pool_size=10,
            max_overflow=10,
            connect_args={"timeout": 10, "check_same_thread": False},
        )
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    # Room for the bot's database threads (bot/app.py) and its heartbeat's.
    return create_engine(
        url,
        future=True,
        hide_parameters=True,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
    )


def _engine_and_sessions(url: str) -> tuple[Engine, sessionmaker]:
    if url not in _engines:
        engine = _create_engine(url)
        _engines[url] = (engine, sessionmaker(bind=engine, future=True, expire_on_commit=False))
    return _engines[url]


def get_engine() -> Engine:
    return _engine_and_sessions(database_url())[0]


@contextmanager
def transaction() -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    session: Session = _engine_and_sessions(database_url())[1]()
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def rows_changed(result: Result) -> int:
    """How many rows an UPDATE or DELETE changed (`Session.execute` is typed as returning a
    plain `Result`; for those statements it is a `CursorResult`)."""
    return int(cast(CursorResult, result).rowcount or 0)


def dispose_engines() -> None:
    """Close every engine this process made (on shutdown, and between tests)."""
    for engine, _ in _engines.values():
        engine.dispose()
    _engines.clear()


def _leave_inherited_connections() -> None:
    """In a forked child (Sanic's workers): the parent's pooled connections are the parent's;
    the child opens its own, and leaves those open for the parent (SQLAlchemy's advice)."""
    for engine, _ in _engines.values():
        engine.dispose(close=False)  # type: ignore[call-arg]  # stubs predate 1.4.33
    _engines.clear()


os.register_at_fork(after_in_child=_leave_inherited_connections)


def is_transient(error: BaseException) -> bool:
    """A database that is locked, busy or out of reach for a moment: the same work, tried
    again later, can succeed (as opposed to a fault in our code, which would fail again)."""
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, exc.OperationalError | exc.TimeoutError)
