"""Bad input through the real bot: each gets a sane answer or is ignored; nothing crashes."""

from __future__ import annotations

import pytest

from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import unique

pytestmark = pytest.mark.e2e


@pytest.fixture
def person(telegram: LocalTelegram) -> dict:
    return telegram.create_user(unique("Kai"))


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice"])
def test_media_in_private_gets_a_kind_text_only_note(telegram, person, kind):
    start = telegram.last_seq()
    telegram.send(person["id"], person, kind=kind)
    telegram.wait_for_text(person["id"], "I can only read text", after=start)


def test_media_and_chatter_in_a_group_get_no_answer_but_the_bot_keeps_working(telegram, formed):
    start = telegram.last_seq()
    telegram.send(formed.group, formed.alex, kind="sticker")
    telegram.send(formed.group, formed.sam, kind="photo")
    telegram.send(formed.group, formed.sam, "did you feed the cat?")
    telegram.send(formed.group, formed.alex, "/help")
    help_message = telegram.wait_for_text(formed.group, "/export", after=start)
    earlier = [
        i for i in telegram.sent(formed.group, after=start) if i["seq"] < help_message["seq"]
    ]
    assert [i["text"] for i in earlier if i["method"] == "sendMessage"] == []


def test_a_4000_character_message_and_emoji_and_another_language_are_answered(telegram, person):
    start = telegram.last_seq()
    telegram.send(person["id"], person, "Ich fühle mich " + "sehr " * 790 + "🙂")
    telegram.wait_for_text(person["id"], "/help", after=start)
    again = telegram.last_seq()
    telegram.send(person["id"], person, "🙂🙂🙂")
    telegram.wait_for_text(person["id"], "/help", after=again)


def test_an_edited_message_in_private_keeps_what_was_first_sent(telegram, person):
    start = telegram.last_seq()
    sent = telegram.send(person["id"], person, "first version")
    telegram.wait_for(person["id"], lambda i: i["method"] == "sendMessage", after=start)
    edited = telegram.last_seq()
    telegram.edit(person["id"], person, sent["message_id"], "second version")
    telegram.wait_for_text(person["id"], "I keep what you first sent", after=edited)


def test_unknown_commands_are_named_kindly(telegram, person):
    start = telegram.last_seq()
    telegram.send(person["id"], person, "/dance")
    telegram.wait_for_text(person["id"], "I don't know /dance", after=start)


def test_a_time_zone_button_pressed_twice_quickly_counts_once(telegram, formed):
    question = telegram.wait_for_text(formed.group, "which time zone")
    data = dict((title, payload) for title, payload in buttons(question))["London"]
    start = telegram.last_seq()
    telegram.press(formed.group, formed.alex, question["message_id"], data=data)
    telegram.press(formed.group, formed.alex, question["message_id"], data=data)
    telegram.wait_for_text(formed.group, "Time zone set to Europe/London", after=start)
    answers = telegram.wait_for(
        formed.group,
        lambda i: i["method"] == "answerCallbackQuery"
        and i["text"] == "This was already answered.",
        after=start,
    )
    assert answers
    confirmations = [
        i
        for i in telegram.sent(formed.group, after=start, wait=1)
        if "Time zone set" in (i["text"] or "")
    ]
    assert len(confirmations) == 1


def test_a_late_press_of_an_old_join_button_after_the_couple_formed_changes_nothing(
    running, telegram, formed
):
    start = telegram.last_seq()
    telegram.send(formed.group, formed.robin, "/start")
    intro = telegram.wait_for_text(formed.group, "You're already set up", after=start)
    assert formed.alex["first_name"] in intro["text"]
    partners = running.query(
        "SELECT count(*) FROM partners JOIN couples ON couples.id = partners.couple_id "
        "WHERE couples.group_chat_id = ?",
        formed.group,
    )
    assert partners == [(2,)]
