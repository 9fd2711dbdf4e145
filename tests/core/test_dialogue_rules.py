"""Every intent has a rule: an intent without one makes Rasa repeat its fallback action
until its circuit breaker trips, and the person gets nothing."""

from __future__ import annotations

import yaml

from storage.engine import PROJECT_ROOT


def test_every_intent_in_the_domain_starts_a_rule():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    covered = {"nlu_fallback"} & intents
    for path in (PROJECT_ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text()).get("rules", []):
            steps = rule.get("steps", [])
            if steps and "intent" in steps[0] and not rule.get("condition"):
                covered.add(steps[0]["intent"])
    assert intents - covered == set()


def test_every_action_in_rules_is_in_the_domain():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    known = set(domain["actions"]) | set(domain["responses"]) | {"action_listen"}
    used = {
        step["action"]
        for path in (PROJECT_ROOT / "data" / "rules").glob("*.yml")
        for rule in yaml.safe_load(path.read_text()).get("rules", [])
        for step in rule.get("steps", [])
        if "action" in step
    }
    assert used - known == set()
