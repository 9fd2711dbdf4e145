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


def rule_actions() -> dict[str, str]:
    """The action each intent's rule names."""
    actions = {}
    for path in (PROJECT_ROOT / "data" / "rules").glob("*.yml"):
        for rule in yaml.safe_load(path.read_text()).get("rules", []):
            steps = rule.get("steps", [])
            if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
                actions[steps[0]["intent"]] = steps[1]["action"]
    return actions


def test_every_flow_with_rules_has_training_stories():
    rules = {path.stem for path in (PROJECT_ROOT / "data" / "rules").glob("*.yml")}
    stories = {path.stem for path in (PROJECT_ROOT / "data" / "stories").glob("*.yml")}
    assert rules - stories == set()


def test_every_story_step_is_what_its_intents_rule_does():
    """Stories only show rules in sequence (flows keep their state in our database); a
    story that disagreed would fail training (RulePolicy's contradiction check)."""
    actions = rule_actions()
    wrong = []
    for path in sorted((PROJECT_ROOT / "data" / "stories").glob("*.yml")):
        for story in yaml.safe_load(path.read_text())["stories"]:
            steps = story["steps"]
            for step, after in zip(steps, [*steps[1:], {}], strict=True):
                if "intent" in step and after.get("action") != actions[step["intent"]]:
                    wrong.append((path.name, story["story"], step["intent"], after))
    assert wrong == []
