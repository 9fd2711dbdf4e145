"""Running our actions as the action server runs them: a tracker in, what the bot said out."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from security import signing
from tests.support.rendering import in_dispatch_shape, rendered_by_rasa


def add_response(
    monkeypatch: pytest.MonkeyPatch, domain: dict[str, Any], name: str, text: str
) -> None:
    """A response for a test's stand-in flow or action, in the domain for this test only."""
    monkeypatch.setitem(domain["responses"], name, [{"text": text}])


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
    screened_text: str | None = None,
    crisis_answered: bool | None = None,
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
        if screened_text is not None:
            metadata["screened_text"] = screened_text
        if crisis_answered is not None:
            metadata["crisis_answered"] = crisis_answered
        metadata = signing.sign(str(chat_id), text, metadata)
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
        "metadata": metadata,
    }
    return Tracker(str(chat_id), {}, latest, [], False, None, {}, "action_listen")


def run_action(action: Any, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
    """Run an action as the action server would, and render its answer as Rasa does;
    returns what it said, shaped as tests/support/rendering.py says (acks left out)."""
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, domain))
    rendered = rendered_by_rasa(dispatcher.messages, domain, int(tracker.sender_id))
    return [
        m
        for m in in_dispatch_shape(rendered)
        if not (m.get("custom") or {}).get("telegram", {}).get("ack")
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


def fire_timers(domain: dict, chat_id: int, kind: str, at: Any = None) -> list[dict]:
    """Bring a chat's pending timers of one kind to `at` (now by default), claim those due as
    the bot's dispatcher would, fire each through its action, and return what was rendered."""
    from actions.core.timers import ActionFireTimer
    from storage import timers
    from storage.engine import transaction
    from storage.models import utc_now

    with transaction() as session:
        for row in timers.pending(kind, chat_id, session=session):
            row.due_at = min(row.due_at, at or utc_now())
    with transaction() as session:
        claimed = [t for t in timers.claim_due(session=session) if t.kind == kind]
    messages: list[dict] = []
    for timer in claimed:
        tracker = build_tracker(
            chat_id, "", "EXTERNAL_timer_due", user_id=None, entities={"timer_id": timer.id}
        )
        messages += run_action(ActionFireTimer(), tracker, domain)
        with transaction() as session:
            timers.mark_fired(timer.id, session=session)
    return messages
