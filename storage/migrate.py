"""Bring the database schema to the newest Alembic revision (run before any process starts)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from storage.engine import PROJECT_ROOT, database_url


def alembic_config() -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "storage" / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url().replace("%", "%%"))
    return config


def upgrade_to_head() -> None:
    command.upgrade(alembic_config(), "head")


if __name__ == "__main__":
    upgrade_to_head()
