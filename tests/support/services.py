"""PostgreSQL and Redis for the tests' second pass (`pytest --services`, what
`make test SERVICES=1` and .ci/run do): the ones scripts/services.sh started, each test
session (and each storage test) on new databases of its own, dropped afterwards.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url

from storage.engine import PROJECT_ROOT

NOT_CONFIGURED = (
    "PostgreSQL + Redis not configured: these run in the second pass, "
    "`make test SERVICES=1` (or `scripts/test.sh --services`), as in CI"
)


@dataclass(frozen=True)
class Services:
    database_url: str  # the services' own database: a server to make test databases on
    redis_url: str

    def url_of(self, database: str) -> str:
        return str(make_url(self.database_url).set(database=database).render_as_string(False))


def services() -> Services:
    """The URLs scripts/services.sh prints (it must have started them: test.sh does)."""
    output = subprocess.run(
        [str(PROJECT_ROOT / "scripts" / "services.sh"), "env"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = dict(re.findall(r"^export (\w+)=(\S+)$", output, flags=re.MULTILINE))
    return Services(found["DATABASE_URL"], found["REDIS_URL"])


def _admin(found: Services, sql: str) -> None:
    import psycopg2

    connection = psycopg2.connect(found.url_of("postgres"))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


@contextmanager
def new_database(found: Services, prefix: str, template: str | None = None) -> Iterator[str]:
    """A database of its own (a copy of `template` when given), dropped afterwards."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    _admin(found, f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    try:
        yield found.url_of(name)
    finally:
        _admin(found, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, params: tuple[Any, ...]) -> list[tuple]:
    """The tests' SQLite-style SQL (`?` placeholders) on PostgreSQL."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            rows = cursor.fetchall() if cursor.description else []
            return [tuple(_as_sqlite_gives_it(value) for value in row) for row in rows]
    finally:
        connection.close()


def _as_sqlite_gives_it(value: Any) -> Any:
    """A time or a JSON value as SQLAlchemy stores it in SQLite (text), so the tests read
    both databases alike."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()
