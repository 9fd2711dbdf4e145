"""Alembic environment: migrations run online against the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from storage.engine import get_engine
from storage.models import Base


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


with get_engine().connect() as connection:
    run_migrations(connection)
    connection.commit()
