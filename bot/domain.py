"""What the bot reads from domain.yml: which intents and entities exist, and a few texts
it says itself (to observers, when it gives an update up) without asking Rasa."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml  # type: ignore[import-untyped]

from storage.engine import PROJECT_ROOT


@cache
def domain() -> dict[str, Any]:
    loaded = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _names(section: str) -> frozenset[str]:
    names: set[str] = set()
    for item in domain().get(section) or []:
        names.update(item if isinstance(item, dict) else [item])
    return frozenset(str(name) for name in names)


def intents() -> frozenset[str]:
    return _names("intents")


def entities() -> frozenset[str]:
    return _names("entities")


def text(response: str, **values: str) -> str:
    """The first variant of an utter_* response, with its {placeholders} filled."""
    variants = (domain().get("responses") or {}).get(response) or []
    template = str(variants[0].get("text", "")) if variants else ""
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template
