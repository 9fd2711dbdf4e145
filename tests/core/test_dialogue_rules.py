"""The dialogue's meta-checks. Every intent has a rule: an intent without one makes Rasa
repeat its fallback action until its circuit breaker trips, and the person gets nothing.
Every response the actions use is in the domain, and every one there is used. domain.yml
reads flow by flow, in the order and with the names of actions/."""

from __future__ import annotations

import re

import pytest
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


# -- responses: used in code, and present in the domain ----------------------------------------

FLOWS = (
    "core",
    "general",
    "joining",
    "statement",
    "round_robin",
    "pause",
    "safety",
    "privacy",
    "checkin",
    "progress",
)
RESPONSE_NAME = re.compile(r"""["'](utter_\w+)["']""")
SECTION = re.compile(r"^  # ── (\w+) \(actions/(\w+)/\)")


def responses_in_code(package: str = "", root: str = "actions") -> set[str]:
    """Every "utter_…" string in the actions (named in full there, never composed)."""
    found = {
        name
        for path in (PROJECT_ROOT / root / package).rglob("*.py")
        for name in RESPONSE_NAME.findall(path.read_text())
    }
    return found - {"utter_action"}  # a key of Rasa's messages (actions/core/replies.py)


def responses_of_the_bot() -> set[str]:
    """Responses the bot renders itself (bot/domain.py): it answers observers and failures
    without Rasa. They count as shared: their place is the core section."""
    return responses_in_code(root="bot")


def responses_in_data() -> set[str]:
    """Responses that rules or stories run as actions of their own."""
    return {
        step["action"]
        for path in (PROJECT_ROOT / "data").rglob("*.yml")
        for key in ("rules", "stories")
        for block in yaml.safe_load(path.read_text()).get(key, [])
        for step in block.get("steps", [])
        if str(step.get("action", "")).startswith("utter_")
    }


def test_every_response_the_actions_use_is_in_the_domain():
    """Rasa drops a message whose response is missing (only its log says so)."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    assert responses_in_code() - set(domain["responses"]) == set()


def test_every_response_in_the_domain_is_used():
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    used = responses_in_code() | responses_of_the_bot() | responses_in_data()
    assert set(domain["responses"]) - used == set()


# -- domain.yml reads flow by flow, like actions/ ----------------------------------------------


def sections(key: str) -> list[tuple[str, list[str]]]:
    """The flow sections of one top-level key of domain.yml: (flow, names in it)."""
    found: list[tuple[str, list[str]]] = []
    inside = False
    for line in (PROJECT_ROOT / "domain.yml").read_text().splitlines():
        if not line.startswith((" ", "#")) and line.strip():
            inside = line.startswith(f"{key}:")
            continue
        header = SECTION.match(line)
        if inside and header:
            assert header.group(1) == header.group(2), line
            found.append((header.group(1), []))
            continue
        item = re.match(r"^  (?:- )?(\w+)", line)
        if inside and item and found:
            found[-1][1].append(item.group(1))
    return found


def test_the_flows_are_the_packages_of_actions():
    packages = {path.parent.name for path in (PROJECT_ROOT / "actions").glob("*/__init__.py")}
    assert set(FLOWS) == packages


@pytest.mark.parametrize("key", ["intents", "entities", "actions", "responses"])
def test_domain_sections_follow_the_flows_in_order(key):
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    listed = [name for _, names in sections(key) for name in names]
    flows = [flow for flow, _ in sections(key)]
    assert flows == [flow for flow in FLOWS if flow in flows]  # in order, each once
    wanted = domain[key] if key != "responses" else list(domain["responses"])
    assert sorted(listed) == sorted(i if isinstance(i, str) else next(iter(i)) for i in wanted)


def test_each_action_is_in_its_packages_section():
    for flow, names in sections("actions"):
        code = "\n".join(p.read_text() for p in (PROJECT_ROOT / "actions" / flow).rglob("*.py"))
        for name in names:
            assert f'action_name = "{name}"' in code, (flow, name)


def test_each_response_is_in_the_section_of_the_flow_using_it():
    """A response used by one flow sits in that flow's section; shared ones sit in core."""
    users: dict[str, set[str]] = {}
    for flow in FLOWS:
        for name in responses_in_code(flow):
            users.setdefault(name, set()).add(flow)
    for name in responses_of_the_bot():
        users.setdefault(name, set()).update({"core", "bot"})
    for flow, names in sections("responses"):
        for name in names:
            expected = users[name] if len(users[name]) == 1 else {"core"}
            assert {flow} == expected, (name, flow, users[name])


PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def test_every_message_reads_on_a_phone():
    """Each text the bot sends fits a phone-width screen without scrolling through a wall:
    at most 4 short paragraphs (a list of commands, one per line, is one paragraph), and
    well under Telegram's 4096 characters before any names or topics are filled in."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text())
    too_long = {
        name: text
        for name, variants in domain["responses"].items()
        for variant in variants
        if (text := (variant.get("text") or "").strip())
        and (len([p for p in PARAGRAPH_BREAK.split(text) if p.strip()]) > 4 or len(text) > 800)
    }
    assert too_long == {}
