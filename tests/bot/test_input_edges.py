"""The bot's input edges: only our own buttons reach Rasa, captions and edits are screened
(never content), and a group's upgrade to a supergroup is recognised."""

from __future__ import annotations

from typing import Any

import pytest
from telegram import Update

from actions.core import replies
from actions.core.timezones import timezone_buttons
from actions.general.help import ActionAnswerEdit, ActionAnswerMedia
from actions.round_robin.floor import OPTION_INTENT
from actions.safety.check import QUESTIONS, answer_button
from actions.statement.replies import statement_button
from bot import domain as bot_domain
from bot.presses import has_payload_shape, is_our_button
from bot.translate import ChatMoved, ForeignPress, Incoming, translate
from tests.bot.test_translation import GROUP_CHAT, USER, message_update, press
from tests.support.trackers import build_tracker, run_action, texts


def test_a_press_of_one_of_the_pressed_messages_buttons_is_relayed():
    incoming = translate(press("/join_couple", ["/join_couple", "/help"]), "TalkingStickBot")
    assert isinstance(incoming, Incoming) and incoming.text == "/join_couple"


@pytest.mark.parametrize(
    "data",
    [
        "/confirm_forget",  # a real intent, but not a button of the pressed message
        '/set_timezone{"timezone":"Europe/Paris"}',  # another value than the button's
    ],
)
def test_data_that_is_not_on_the_pressed_message_is_dropped(data):
    pressed = press(data, ['/set_timezone{"timezone":"Europe/Berlin"}'])
    assert isinstance(translate(pressed, "TalkingStickBot"), ForeignPress)


@pytest.mark.parametrize(
    "data",
    [
        "/content",  # words, never a button
        "/crisis",
        '/shared_media{"media_kind":"photo"}',  # only the bot sends these
        "/edited_message",
        '/EXTERNAL_timer_due{"timer_id":"1"}',
        "/no_such_intent",
        "/help@0.99",  # Rasa's confidence syntax
        '/set_timezone{"timer_id":"3"}',  # the bot's own entity
        '/set_timezone{"colour":"red"}',  # no such entity
        '/set_timezone{"timezone":["Europe/Paris"]}',  # values are plain strings
        '/set_timezone{"timezone":"Europe Paris"}',
        '/set_timezone{"timezone":true}',
        "/set_timezone{}",
        '/set_timezone{"timezone":',
        "hello",
        "",
    ],
)
def test_payloads_unlike_ours_are_dropped_even_on_the_keyboard(data):
    assert not has_payload_shape(data)
    assert isinstance(translate(press(data), "TalkingStickBot"), ForeignPress)


def our_payloads() -> list[str]:
    """Every button payload of domain.yml and a sample of those the actions build."""
    found = [
        str(button["payload"])
        for variants in bot_domain.domain()["responses"].values()
        for variant in variants
        for button in variant.get("buttons") or []
    ]
    found += [button["payload"] for button in timezone_buttons()]
    found += [
        answer_button("", q.key, value)["payload"] for q in QUESTIONS for _, value in q.options
    ]
    found += [
        statement_button("", "statement_keep", 12, "feel", 0)["payload"],
        replies.button("", OPTION_INTENT, round_option="3:t300")["payload"],
    ]
    found += [
        '/pause_time{"pause_ref":"12.m20"}',
        '/pause_time{"pause_ref":"12.t29400000"}',
        '/third_party{"escalation_ref":"5.counsellor"}',
        '/set_escalation_threshold{"escalation_ref":"3"}',
    ]
    return found


def test_every_payload_of_ours_has_the_shape_a_press_must_have():
    payloads = our_payloads()
    assert len(payloads) > 20
    assert [p for p in payloads if not has_payload_shape(p)] == []


def test_a_press_on_a_message_telegram_no_longer_includes_is_judged_by_its_shape():
    assert is_our_button("/join_couple", None)
    assert not is_our_button("/content", None)


def caption_update(caption: str) -> Update:
    photo = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    return message_update(photo=photo, caption=caption)


def test_a_caption_is_screened_but_the_photo_stays_media():
    incoming = translate(caption_update("I want to die"), "TalkingStickBot")
    assert isinstance(incoming, Incoming)
    assert incoming.text == '/shared_media{"media_kind":"photo"}'
    assert incoming.screened_text == "I want to die" and not incoming.is_plain_text


def test_an_edit_is_screened_but_stays_an_edit():
    edited: dict[str, Any] = {
        "message_id": 5,
        "date": 0,
        "edit_date": 1,
        "chat": GROUP_CHAT,
        "from": USER,
        "text": "he hit me",
    }
    update = Update.de_json({"update_id": 3, "edited_message": edited}, None)
    incoming = translate(update, "TalkingStickBot")
    assert isinstance(incoming, Incoming)
    assert (incoming.text, incoming.screened_text) == ("/edited_message", "he hit me")


def test_a_group_upgraded_to_a_supergroup_is_recognised_from_either_side():
    old = translate(message_update(migrate_to_chat_id=-1009), "TalkingStickBot")
    assert old == ChatMoved(GROUP_CHAT["id"], -1009)
    supergroup = {"id": -1009, "type": "supergroup", "title": "Us"}
    new = Update.de_json(
        {
            "update_id": 4,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": supergroup,
                "from": USER,
                "migrate_from_chat_id": GROUP_CHAT["id"],
            },
        },
        None,
    )
    assert translate(new, "TalkingStickBot") == ChatMoved(GROUP_CHAT["id"], -1009)


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        (ActionAnswerMedia(), '/shared_media{"media_kind":"photo"}', "shared_media"),
        (ActionAnswerEdit(), "/edited_message", "edited_message"),
    ],
)
def test_crisis_words_in_a_caption_or_an_edit_get_the_crisis_answer(
    database, domain, action, text, intent
):
    tracker = build_tracker(
        300,
        text,
        intent,
        chat_type="private",
        user_id=300,
        screened_text="I don't want to live anymore",
    )
    said = texts(run_action(action, tracker, domain))
    assert len(said) == 1 and "glad you told me" in said[0]
    tracker.latest_message["metadata"]["screened_text"] = "our cat, asleep"
    assert "glad you told me" not in " ".join(texts(run_action(action, tracker, domain)))
