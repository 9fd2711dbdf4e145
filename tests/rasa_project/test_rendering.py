"""The unit tests' copy of Rasa's message merge (tests/support/rendering.py) still matches
Rasa's own RemoteAction._utter_responses (here, where importing it costs nothing extra)."""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import yaml
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.core.replies import KeepKeyboard, Reply, Toast, send
from storage.engine import PROJECT_ROOT
from tests.support.rendering import merged


def test_the_unit_tests_merge_messages_as_rasa_does():
    domain: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    dispatcher = CollectingDispatcher()
    send(
        dispatcher,
        domain,
        [
            Toast("utter_toast_pause_waiting_for_yes", {"other": "Sam"}),
            KeepKeyboard(),
            Reply(response="utter_intro_group", buttons=[{"title": "x", "payload": "/help"}]),
            Reply(
                response="utter_crisis_private",
                values={"resources": "Call 112.\n\nOr 988."},
                chat_id=11,
                if_undeliverable=Reply(response="utter_safety_open_private", values={"link": "L"}),
            ),
            Reply(response="utter_export_ready", document={"file_name": "a", "content": "{}"}),
        ],
    )
    dispatcher.utter_message(json_message={"telegram": {"ack": True}})
    theirs = asyncio.run(
        RemoteAction._utter_responses(
            copy.deepcopy(dispatcher.messages),
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator(domain["responses"]),
            DialogueStateTracker("x", []),
        )
    )
    ours = merged(dispatcher.messages, domain)
    assert [(e.text, e.data, e.metadata) for e in ours] == [
        (e.text, e.data, e.metadata) for e in theirs
    ]
