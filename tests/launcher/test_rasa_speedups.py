"""Rasa with launcher/rasa_speedups.py answers exactly as Rasa without: the same events for
every stored type name, the same verdict and message for the action server's answers."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.utils.common import all_subclasses

from launcher import rasa_speedups

VALID = {
    "events": [{"event": "slot", "name": "x", "value": 1}],
    "responses": [{"response": "utter_help", "text": None, "buttons": []}],
}
INVALID = [
    {"events": [{"no_event_key": 1}]},
    {"events": "not a list"},
    {"events": [{"event": "slot", "timestamp": "not a number"}]},
]


def rasa_verdict(result: dict) -> str:
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
        return "valid"
    except jsonschema.ValidationError as error:
        return error.message


def test_answers_are_judged_as_rasa_judges_them():
    action = RemoteAction("action_x", None)
    assert rasa_speedups.validate_action_result(action, VALID) is True
    for result in INVALID:
        expected = rasa_verdict(result)
        assert expected != "valid"
        with pytest.raises(jsonschema.ValidationError) as raised:
            rasa_speedups.validate_action_result(action, result)
        assert raised.value.message.startswith(expected)
        assert "Failed to validate Action server response" in raised.value.message


def test_every_event_type_resolves_to_the_class_rasa_finds():
    original = Event.resolve_by_type
    fast = rasa_speedups.make_resolve_by_type(original)
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert "user" in names and len(names) > 20
    for name in names:
        assert fast(name) is original(name)
    assert fast("user") is UserUttered
    assert fast("topic") is None  # Rasa's backwards compatibility
    assert fast("no-such-event", default=UserUttered) is UserUttered
    with pytest.raises(ValueError):
        fast("no-such-event")


def test_a_class_defined_later_is_found():
    fast = rasa_speedups.make_resolve_by_type(Event.resolve_by_type)
    assert fast("user") is UserUttered  # the table is built

    class LateEvent(Event):
        type_name = "talking_stick_late_event"

        def as_story_string(self) -> None:
            return None

        def __eq__(self, other: object) -> bool:
            return self is other

        def __hash__(self) -> int:
            return id(self)

    assert fast("talking_stick_late_event") is LateEvent


def test_applied_in_rasa_once():
    rasa_speedups.apply()
    rasa_speedups.apply()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
    assert Event.resolve_by_type("user") is UserUttered
