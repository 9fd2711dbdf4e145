"""Texts rendered by Rasa: what an action dispatches, what Rasa's NLG and REST channel make
of it, and what the bot reads from that (the whole path but HTTP)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rasa.core.nlg.interpolator import interpolate_text
from rasa_sdk.executor import CollectingDispatcher

from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast, payload, send
from bot.sender import Answer, read_answer
from tests.support.rendering import rendered_by_rasa
from tests.support.trackers import add_response

CHAT = -100900


def delivered(domain: dict[str, Any], outgoing: list[Outgoing]) -> Answer:
    dispatcher = CollectingDispatcher()
    send(dispatcher, domain, outgoing)
    return read_answer(rendered_by_rasa(dispatcher.messages, domain, CHAT), CHAT)


@pytest.mark.parametrize(
    "words",
    [
        "{name} and {0} and {{name}}",  # braces: inserted as written, never filled in
        "I scored 10[ish] points",  # "0[" is what Rasa takes for a placeholder left unfilled
        "a {",
        "}",
    ],
)
def test_a_persons_words_inside_a_response_are_shown_as_written(domain, monkeypatch, words):
    add_response(monkeypatch, domain, "utter_test_said", "{name} said: {words}")
    [message] = delivered(
        domain, [Reply(response="utter_test_said", values={"name": "Alex", "words": words})]
    ).messages
    assert message.text.replace("\u2060", "") == f"Alex said: {words}"


def test_rasa_shows_the_whole_template_when_one_value_is_missing_so_sending_refuses(
    domain, monkeypatch
):
    # Rasa's own behaviour, the reason for the check: nothing is filled in at all.
    assert interpolate_text("{name} said: {words}", {"name": "Alex"}) == "{name} said: {words}"
    add_response(monkeypatch, domain, "utter_test_said", "{name} said: {words}")
    with pytest.raises(KeyError, match="words"):
        delivered(domain, [Reply(response="utter_test_said", values={"name": "Alex"})])
    with pytest.raises(KeyError, match="utter_test_unknown"):
        delivered(domain, [Reply(response="utter_test_unknown")])
    with pytest.raises(ValueError, match="text"):
        delivered(domain, [Reply(response="utter_help", values={"text": "x"})])


def test_blank_lines_rasa_cuts_at_come_back_as_one_message(domain, monkeypatch):
    add_response(monkeypatch, domain, "utter_test_paragraphs", "First.\n\n{middle}\n\n\n\nLast.")
    answer = delivered(
        domain,
        [
            Reply(response="utter_test_paragraphs", values={"middle": "one\n\ntwo"}),
            Reply(response="utter_test_paragraphs", values={"middle": "x"}, chat_id=5),
        ],
    )
    assert [(m.chat_id, m.text) for m in answer.messages] == [
        (CHAT, "First.\n\none\n\ntwo\n\n\n\nLast."),
        (5, "First.\n\nx\n\n\n\nLast."),
    ]


def test_rasa_picks_one_of_a_responses_variants(domain, monkeypatch):
    monkeypatch.setitem(
        domain["responses"],
        "utter_test_hello",
        [{"text": "Hello, {name}."}, {"text": "Hi, {name}."}],
    )
    seen = {
        delivered(domain, [Reply(response="utter_test_hello", values={"name": "Sam"})])
        .messages[0]
        .text
        for _ in range(40)
    }
    assert seen == {"Hello, Sam.", "Hi, Sam."}


def test_buttons_of_the_action_come_after_the_responses_own(domain):
    extra = {"title": "More", "payload": payload("help")}
    [message] = delivered(domain, [Reply(response="utter_intro_group", buttons=[extra])]).messages
    assert message.buttons == [{"title": "I'm in", "payload": "/join_couple"}, extra]


def test_the_fallback_for_a_refused_message_is_rendered_from_the_domain_too(domain):
    answer = delivered(
        domain,
        [
            Reply(
                response="utter_crisis_again",
                values={"resources": "Call 112."},
                chat_id=11,
                if_undeliverable=Reply(
                    response="utter_safety_open_private", values={"link": "https://t.me/x"}
                ),
            ),
            Reply(response="utter_observer_note"),
        ],
    )
    first, second = answer.messages
    assert (first.chat_id, first.text) == (11, "I'm still here. Call 112.")
    assert first.fallback is not None and first.fallback.chat_id == CHAT
    assert first.fallback.text.endswith("open a private chat with me when you can: https://t.me/x")
    assert second.fallback is None and second.text.startswith("This group's couple")


def test_toasts_and_documents_are_rendered_from_the_domain(domain):
    content = json.dumps({"notes": "{not a placeholder} 0["})
    answer = delivered(
        domain,
        [
            Toast("utter_toast_pause_waiting_for_yes", {"other": "Sam"}),
            KeepKeyboard(),
            Reply(
                response="utter_export_ready",
                document={"file_name": "export.json", "content": content},
            ),
        ],
    )
    assert answer.toast == "Waiting for Sam to say yes." and answer.keep_keyboard
    [export] = answer.messages
    assert export.text == "Here is everything saved about your couple."
    assert export.document == {"file_name": "export.json", "content": content}


def test_a_payload_is_rasas_intent_syntax_with_json_escaped_values():
    assert payload("help") == "/help"
    assert payload("pause_time", pause_ref="12.m20") == '/pause_time{"pause_ref":"12.m20"}'
    built = payload("set_timezone", timezone='say "hi" {x}')
    assert json.loads(built[len("/set_timezone") :]) == {"timezone": 'say "hi" {x}'}


def test_without_a_domain_from_rasa_replies_are_checked_against_domain_yml():
    """Rasa sends the action server no domain (selective domain); a reply is still checked
    against domain.yml's responses before it goes out."""
    dispatcher = CollectingDispatcher()
    send(dispatcher, {}, [Reply("utter_already_set_up", {"first": "Alex", "second": "Sam"})])
    assert [message["response"] for message in dispatcher.messages] == ["utter_already_set_up"]
    with pytest.raises(KeyError, match="second"):
        send(CollectingDispatcher(), {}, [Reply("utter_already_set_up", {"first": "Alex"})])
    with pytest.raises(KeyError, match="no response"):
        send(CollectingDispatcher(), {}, [Reply("utter_no_such_response")])
