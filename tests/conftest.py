"""Fixtures shared by unit tests: a fresh database at the newest migration, the domain."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from security import keys
from storage.engine import PROJECT_ROOT, dispose_engines, get_engine
from storage.migrate import upgrade_to_head

# Unit tests sign as the bot does (security.signing) with this secret; the e2e stack gives
# its processes a random one of their own.
os.environ[keys.SECRET_ENV] = "unit-tests-secret-" + "0123456789abcdef" * 2
os.environ.pop(keys.SECRET_FILE_ENV, None)

# The end-to-end stack (started once per session, only when an e2e test asks for it).
pytest_plugins = ["tests.support.stack"]

# The /export document's top-level keys, as the issue fixes them (docs/export-schema.md).
# Written out here, not imported from storage.export, so a change there fails the tests.
EXPECTED_EXPORT_KEYS = [
    "couple",
    "partners",
    "statements",
    "agreements",
    "rounds",
    "turns",
    "interruptions",
    "pauses",
    "escalations",
    "checkins",
    "progress_summaries",
]


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite database at the newest migration, migrated once per session."""
    folder = tmp_path_factory.mktemp("migrated")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TALKING_STICK_VAR", str(folder))
        patch.delenv("DATABASE_URL", raising=False)
        dispose_engines()
        upgrade_to_head()
        dispose_engines()  # the last connection closed: the WAL is folded into the file
    path = folder / "talking_stick.db"
    assert not path.with_name(path.name + "-wal").exists()
    return path


@pytest.fixture
def database(
    migrated_database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A new database at the newest migration (a copy of the session's migrated one), used
    by storage.engine.transaction()."""
    monkeypatch.setenv("TALKING_STICK_VAR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    dispose_engines()
    path = tmp_path / "talking_stick.db"
    shutil.copyfile(migrated_database, path)
    get_engine()  # opened as the migration left it before: owner-only, WAL
    yield path
    dispose_engines()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())

