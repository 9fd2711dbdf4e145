"""Two per-message costs of Rasa 3.6 taken out, wrapped here (not forked): the same results,
computed once instead of on every message. Applied by `launcher.rasa_server` before Rasa
starts (its Sanic workers inherit them).

Profiled under load (py-spy, benchmarks/throughput.py), Rasa spent:

- about half of its CPU per message validating the action server's JSON answer:
  `jsonschema.validate` checks the schema itself against JSON Schema's metaschema on every
  call, before it checks the answer. The schema is a constant; it is checked once here, and
  each answer is validated with the one validator built from it (same errors, same message);
- about 6 % finding an event's class by its name, once per stored event each time a tracker
  is loaded: `Event.resolve_by_type` walks every subclass of `Event` for each event. The
  names are looked up in a table instead, built from the same walk (the first class of a
  name wins, as in the walk), and built again when a name is not in it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

APPLIED = "_talking_stick_speedups"


@cache
def _action_response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def validate_action_result(_action: Any, result: dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result`, but the schema is checked once per process."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (  # Rasa's own addition to the message
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _event_classes_by_type() -> dict[str, type]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    # Reversed, so that the first class of a type name in Rasa's walk is the one kept.
    return {cls.type_name: cls for cls in reversed(all_subclasses(Event))}


def make_resolve_by_type(original: Any) -> Any:
    table: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        found = table.get(type_name)
        if found is None:
            table.clear()
            table.update(_event_classes_by_type())  # a class imported since, or unknown
            found = table.get(type_name)
        # Unknown names ("topic", the default, the error) as Rasa answers them.
        return found if found is not None else original(type_name, default)

    return resolve_by_type


def apply() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    if getattr(RemoteAction, APPLIED, False):
        return
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    Event.resolve_by_type = staticmethod(  # type: ignore[method-assign,assignment]
        make_resolve_by_type(Event.resolve_by_type)
    )
    setattr(RemoteAction, APPLIED, True)
