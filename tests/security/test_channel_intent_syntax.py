"""Commands and presses skip Rasa's NLU pipeline: the channel reads the intent syntax the
way Rasa's RegexMessageHandler does, and hands Rasa that parse."""

from __future__ import annotations

from functools import cache

from rasa.shared.core.domain import Domain

from security.rasa_channel import intent_syntax
from storage.engine import PROJECT_ROOT


@cache
def domain() -> Domain:
    return Domain.load(str(PROJECT_ROOT / "domain.yml"))


def test_a_command_is_read_without_nlu() -> None:
    parsed = intent_syntax("/help", domain())
    assert parsed is not None
    assert parsed["intent"] == {"name": "help", "confidence": 1.0}
    assert parsed["intent_ranking"] == [{"name": "help", "confidence": 1.0}]
    assert parsed["entities"] == []


def test_a_command_keeps_its_entity() -> None:
    parsed = intent_syntax('/start_statement{"topic": "the dishes"}', domain())
    assert parsed is not None
    assert parsed["intent"]["name"] == "start_statement"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("topic", "the dishes")]


def test_words_and_unknown_intents_go_through_nlu_as_before() -> None:
    assert intent_syntax("can we talk about the dishes", domain()) is None
    assert intent_syntax("/no_such_intent", domain()) is None
    assert intent_syntax("/help", None) is None
