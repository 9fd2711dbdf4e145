"""How Telegram updates become Rasa messages, and Rasa answers become Telegram messages."""

from __future__ import annotations

import json

from telegram import Update

from bot.sender import chunks, keyboard, read_answer
from bot.translate import ForeignPress, Incoming, UnknownCommand, translate

USER = {"id": 11, "is_bot": False, "first_name": "<b>Al*ex_</b>"}
GROUP_CHAT = {"id": -1001, "type": "group", "title": "Us"}


def message_update(text: str | None = None, **extra) -> Update:
    message = {"message_id": 5, "date": 0, "chat": GROUP_CHAT, "from": USER, **extra}
    if text is not None:
        message["text"] = text
        if text.startswith("/"):
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
            ]
    return Update.de_json({"update_id": 1, "message": message}, None)


def test_typed_words_are_relayed_as_they_are_with_who_wrote_them():
    incoming = translate(message_update("I felt hurt *really*"), "TalkingStickBot")
    assert isinstance(incoming, Incoming)
    assert incoming.text == "I felt hurt *really*"
    assert incoming.is_plain_text and not incoming.is_command_or_button
    assert (incoming.user_id, incoming.first_name, incoming.chat_type) == (
        11,
        "<b>Al*ex_</b>",
        "group",
    )


def test_commands_become_intents_and_their_argument_an_entity_with_any_characters():
    incoming = translate(
        message_update('/timezone@TalkingStickBot New "York"} {x'), "TalkingStickBot"
    )
    assert isinstance(incoming, Incoming)
    intent, _, entities = incoming.text.partition("{")
    assert intent == "/set_timezone"
    assert json.loads("{" + entities) == {"timezone": 'New "York"} {x'}


def test_commands_for_other_bots_are_ignored_and_unknown_ones_named():
    assert translate(message_update("/start@OtherBot"), "TalkingStickBot") is None
    unknown = translate(message_update("/dance"), "TalkingStickBot")
    assert isinstance(unknown, UnknownCommand) and unknown.name == "dance"


def test_a_lone_slash_is_no_command_and_never_reaches_rasa():
    assert translate(message_update("/"), "TalkingStickBot") is None
    assert translate(message_update("/ what"), "TalkingStickBot") is None


def test_stickers_become_a_media_intent_without_content():
    update = message_update(
        sticker={
            "file_id": "s",
            "file_unique_id": "u",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
        }
    )
    incoming = translate(update, "TalkingStickBot")
    assert isinstance(incoming, Incoming)
    assert incoming.text == '/shared_media{"media_kind":"sticker"}'


def press(data: str, keyboard: list[str] | None = None) -> Update:
    """A press of `data` on a bot message whose buttons are `keyboard` (default: [data])."""
    buttons = [[{"text": str(n), "callback_data": d}] for n, d in enumerate(keyboard or [data])]
    return Update.de_json(
        {
            "update_id": 2,
            "callback_query": {
                "id": "q1",
                "from": USER,
                "chat_instance": "c",
                "data": data,
                "message": {
                    "message_id": 9,
                    "date": 0,
                    "chat": GROUP_CHAT,
                    "text": "x",
                    "reply_markup": {"inline_keyboard": buttons},
                },
            },
        },
        None,
    )


def test_button_presses_relay_their_payload_but_never_a_timer_intent():
    incoming = translate(press("/join_couple"), "TalkingStickBot")
    assert isinstance(incoming, Incoming)
    assert (incoming.text, incoming.pressed_message_id, incoming.callback_query_id) == (
        "/join_couple",
        9,
        "q1",
    )
    timer = translate(press('/EXTERNAL_timer_due{"timer_id":1}'), "TalkingStickBot")
    assert isinstance(timer, ForeignPress)


def test_rasa_answer_is_read_into_messages_toast_and_keyboard_decision():
    answer = read_answer(
        [
            {
                "recipient_id": "-1001",
                "text": "Hi",
                "buttons": [{"title": "I'm in", "payload": "/join_couple"}],
            },
            {"recipient_id": "-1001", "custom": {"telegram": {"message": {}}}},
            {"recipient_id": "-1001", "text": "You're in."},
            {"recipient_id": "-1001", "custom": {"telegram": {"toast": True}}},
            {"recipient_id": "-1001", "custom": {"telegram": {"keep_keyboard": True}}},
            {"recipient_id": "-1001", "text": "private"},
            {"recipient_id": "-1001", "custom": {"telegram": {"message": {"chat_id": 11}}}},
            {"recipient_id": "-1001", "custom": {"telegram": {"ack": True}}},
        ],
        -1001,
    )
    assert [(m.chat_id, m.text) for m in answer.messages] == [(-1001, "Hi"), (11, "private")]
    assert answer.toast == "You're in." and answer.keep_keyboard and answer.acknowledged


def test_an_answer_without_ack_means_no_action_ran():
    assert not read_answer([], -1).acknowledged


def test_long_texts_are_split_to_fit_telegram_and_lose_nothing():
    text = ("word " * 2000).strip()
    pieces = chunks(text)
    assert all(len(piece) <= 4096 for piece in pieces)
    assert " ".join(pieces).split() == text.split()


def test_buttons_with_too_long_callback_data_are_left_out():
    markup = keyboard([{"title": "ok", "payload": "/a"}, {"title": "x", "payload": "/" + "b" * 70}])
    assert markup is not None
    assert [b.callback_data for row in markup.inline_keyboard for b in row] == ["/a"]
