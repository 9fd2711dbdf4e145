"""Fixtures shared by unit tests: a fresh, migrated database, and running actions."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from security import keys, signing
from storage.engine import PROJECT_ROOT, dispose_engines
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
]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A new SQLite database at the newest migration, used by storage.engine.transaction()."""
    monkeypatch.setenv("TALKING_STICK_VAR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    dispose_engines()
    upgrade_to_head()
    yield tmp_path / "talking_stick.db"
    dispose_engines()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    return yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())


def build_tracker(
    chat_id: int,
    text: str,
    intent: str,
    *,
    user_id: int | None = 101,
    first_name: str = "Alex",
    chat_type: str = "group",
    entities: dict[str, Any] | None = None,
    is_callback: bool = False,
    sees_all_messages: bool = True,
    confidence: float = 1.0,
    message_id: int | None = None,
    update_id: int | None = None,
) -> Tracker:
    """A tracker as the action server receives it; a user's message is signed as the bot
    signs it (no user: a fired timer, which Rasa's token-guarded API triggers unsigned)."""
    metadata: dict[str, Any] = {}
    if user_id is not None:
        metadata = {
            "user_id": user_id,
            "first_name": first_name,
            "chat_type": chat_type,
            "is_callback": is_callback,
            "bot_username": "TalkingStickBot",
            "sees_all_messages": sees_all_messages,
        }
        if update_id is not None:
            metadata["update_id"] = update_id
        metadata = signing.sign(str(chat_id), text, metadata)
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        "metadata": metadata,
    }
    return Tracker(str(chat_id), {}, latest, [], False, None, {}, "action_listen")


def run_action(action: Any, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
    """Run an action as the action server would; returns what it said (acks left out)."""
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, domain))
    return [
        m for m in dispatcher.messages if not (m.get("custom") or {}).get("telegram", {}).get("ack")
    ]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """The visible texts of action messages, wherever they go."""
    found = []
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        text = message.get("text") or telegram.get("text") or telegram.get("toast")
        if text:
            found.append(text)
    return found
