"""Every action by name and every intent's rule, as Rasa would run them: unit tests that
play a conversation step by step (say → the intent's rule → its action)."""

from __future__ import annotations

import importlib
import pkgutil

import yaml

import actions
from actions.core.base import TalkingStickAction
from storage.engine import PROJECT_ROOT


def _load_actions() -> dict[str, TalkingStickAction]:
    for module in pkgutil.walk_packages(actions.__path__, "actions."):
        importlib.import_module(module.name)
    found: dict[str, TalkingStickAction] = {}
    pending = list(TalkingStickAction.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if getattr(cls, "action_name", None):
            found[cls.action_name] = cls()
    return found


ACTIONS = _load_actions()
RULES = {
    rule["steps"][0]["intent"]: rule["steps"][1]["action"]
    for path in (PROJECT_ROOT / "data" / "rules").glob("*.yml")
    for rule in yaml.safe_load(path.read_text()).get("rules", [])
    if "intent" in rule["steps"][0]
}
