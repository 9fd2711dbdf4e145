"""Rasa's tracker store as the Rasa server runs it (storage/recent_tracker_store.py): each
message loads the recent turns only, and every event is still stored, once, in order."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered

from launcher.stack import RASA_TRACKER_STORE, tracker_store_endpoint
from storage.engine import PROJECT_ROOT
from storage.recent_tracker_store import RECENT_TURNS, RecentEventsTrackerStore


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture
def store(tmp_path: Path, domain: Domain) -> RecentEventsTrackerStore:
    endpoint = tracker_store_endpoint(None, tmp_path)
    assert endpoint["type"] == RASA_TRACKER_STORE
    kwargs = {key: value for key, value in endpoint.items() if key != "type"}
    return RecentEventsTrackerStore(domain=domain, **kwargs)


def a_turn(number: int) -> list:
    return [
        UserUttered(f"message {number}", {"name": "content", "confidence": 1.0}),
        ActionExecuted("action_answer_free_text"),
        BotUttered(f"answer {number}"),
        ActionExecuted("action_listen"),
    ]


def stored_texts(store: RecentEventsTrackerStore, chat: str) -> list[str]:
    path = store.engine.url.database
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (chat,)
        ).fetchall()
    return [json.loads(data).get("text") for kind, data in rows if kind in ("user", "bot")]


def test_a_long_conversation_loads_its_recent_turns_and_keeps_every_event(store):
    async def scenario() -> None:
        chat = "4242"
        tracker = await store.get_or_create_tracker(chat)
        tracker.update(ActionExecuted("action_session_start"))
        tracker.update(SessionStarted())
        tracker.update(ActionExecuted("action_listen"))
        await store.save(tracker)
        for number in range(30):  # one message at a time, as Rasa handles them
            tracker = await store.get_or_create_tracker(chat)
            for event in a_turn(number):
                tracker.update(event)
            await store.save(tracker)
            await store.save(tracker)  # Rasa saves again after predicting: nothing twice

        loaded = await store.retrieve(chat)
        assert loaded is not None
        users = [e.text for e in loaded.events if isinstance(e, UserUttered)]
        assert users == [f"message {n}" for n in range(30 - RECENT_TURNS, 30)]
        assert loaded.latest_message.text == "message 29"
        assert loaded.latest_action_name == "action_listen"

        expected = [text for n in range(30) for text in (f"message {n}", f"answer {n}")]
        assert stored_texts(store, chat) == expected
        full = await store.retrieve_full_tracker(chat)
        assert full is not None
        assert [e.text for e in full.events if isinstance(e, UserUttered)] == expected[::2]

    asyncio.run(scenario())


def test_a_short_conversation_loads_whole(store):
    async def scenario() -> None:
        tracker = await store.get_or_create_tracker("7")
        for event in a_turn(1) + a_turn(2):
            tracker.update(event)
        await store.save(tracker)
        loaded = await store.retrieve("7")
        assert loaded is not None and list(loaded.events) == list(tracker.events)
        assert await store.retrieve("8") is None

    asyncio.run(scenario())
