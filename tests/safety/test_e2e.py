"""Safety through the real bot: crisis words, the private safety check, the hold note."""

from __future__ import annotations

import json
import time

import pytest

from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import (
    SAFETY_NOTICE_DELAY_SECONDS,
    Couple,
    agree_in_private,
    open_private_chat,
)

pytestmark = pytest.mark.e2e


def bot_texts(telegram: LocalTelegram, chat_id: int, after: int) -> list[str]:
    return [
        i["text"]
        for i in telegram.sent(chat_id, after=after)
        if i["method"] == "sendMessage" and i["text"]
    ]


def test_crisis_words_get_a_private_answer_and_the_group_never_hears_why(
    running, telegram: LocalTelegram, formed: Couple
):
    open_private_chat(telegram, formed.alex)
    start = telegram.last_seq()

    # Sam never opened a private chat: the group gets a neutral invitation, nothing else.
    telegram.send(formed.group, formed.sam, "honestly I don't want to live anymore")
    invite = telegram.wait_for_text(formed.group, "open a private chat with me", after=start)
    assert "start=consent" in invite["text"]
    assert formed.sam["first_name"] not in invite["text"]

    # Alex can be reached privately: resources there, and not a word in the group.
    before_alex = telegram.last_seq()
    telegram.send(formed.group, formed.alex, "he hit me last night")
    private = telegram.wait_for_text(formed.alex["id"], "glad you told me", after=before_alex)
    assert "112" in private["text"] and "hit me" not in private["text"]
    time.sleep(1.5)
    # (The couple has no time zone yet: on a slow machine its reminder may come meanwhile.)
    group_lines = [
        line
        for line in bot_texts(telegram, formed.group, after=start)
        if "I still need your time zone" not in line
    ]
    assert group_lines == [invite["text"]]

    rows = running.query(
        "SELECT telegram_user_id, kind, source FROM safety_events "
        "WHERE telegram_user_id IN (?, ?) ORDER BY id",
        formed.sam["id"],
        formed.alex["id"],
    )
    assert rows == [
        (formed.sam["id"], "crisis_self_harm", "group"),
        (formed.alex["id"], "crisis_violence", "group"),
    ]
    columns = running.columns("safety_events")
    assert not {"text", "message", "payload"} & set(columns)

    # When Sam opens the private chat, the resources come first.
    before_sam = telegram.last_seq()
    telegram.send(formed.sam["id"], formed.sam, "/start consent")
    first = telegram.wait_for(
        formed.sam["id"], lambda i: i["method"] == "sendMessage", after=before_sam
    )
    assert "people can help" in first["text"] and "988" in first["text"]


def answer_worryingly(telegram: LocalTelegram, sam: dict) -> dict:
    """Sam agrees and answers the private check worryingly; returns the answer with choices."""
    intro = open_private_chat(telegram, sam)
    start = telegram.last_seq()
    telegram.press(sam["id"], sam, intro["message_id"], button_text="I agree")
    question = telegram.wait_for_text(sam["id"], "afraid of your partner", after=start)
    assert "never shown in your group" in " ".join(bot_texts(telegram, sam["id"], start))
    telegram.press(sam["id"], sam, question["message_id"], button_text="Sometimes")
    question = telegram.wait_for_text(sam["id"], "turned physical", after=start)
    telegram.press(sam["id"], sam, question["message_id"], button_text="No")
    question = telegram.wait_for_text(sam["id"], "safe talking openly", after=start)
    telegram.press(sam["id"], sam, question["message_id"], button_text="Yes")
    resources = telegram.wait_for_text(sam["id"], "stays between us", after=start)
    assert "domestic" in resources["text"].lower()
    return resources


def round_robin_starts(telegram: LocalTelegram, couple: Couple) -> None:
    """Alex can start a round-robin (then stops it): nothing the group can see has changed."""
    after = telegram.last_seq()
    telegram.send(couple.group, couple.alex, "/roundrobin")
    telegram.wait_for_text(couple.group, "the floor is yours", after=after)
    telegram.send(couple.group, couple.alex, "/cancel")
    telegram.wait_for_text(couple.group, "The round-robin is stopped", after=after)


def test_quietly_keeping_to_gentler_tools_changes_nothing_visible_before_the_neutral_note(
    running, telegram: LocalTelegram, formed: Couple
):
    agree_in_private(telegram, formed.alex)
    sam = formed.sam
    start = telegram.last_seq()
    choices = answer_worryingly(telegram, sam)
    assert [title for title, _ in buttons(choices)] == [
        "Keep things as they are",
        "Quietly keep to gentler tools",
        "How to hide this chat",
    ]
    telegram.press(sam["id"], sam, choices["message_id"], button_text="How to hide this chat")
    steps = telegram.wait_for_text(sam["id"], "Passcode Lock", after=start)
    chosen_at = time.time()
    telegram.press(sam["id"], sam, steps["message_id"], button_text="Quietly keep to gentler tools")
    telegram.wait_for_text(sam["id"], "nothing points at you", after=start)
    assert running.query(
        "SELECT answers, danger FROM safety_checks WHERE telegram_user_id = ?", sam["id"]
    ) == [(json.dumps({"afraid": "some", "physical": "no", "safe_here": "yes"}), 1)]

    # Right after Sam's private choice, Alex's /roundrobin is not refused: the hold has not
    # started, so nothing Alex can see points at Sam.
    assert running.query(
        "SELECT safety_hold FROM couples WHERE group_chat_id = ?", formed.group
    ) == [(0,)]
    round_robin_starts(telegram, formed)

    note = telegram.wait_for_text(
        formed.group, "gentler tools", after=start, timeout=SAFETY_NOTICE_DELAY_SECONDS + 20
    )
    assert note["received_at"] - chosen_at >= SAFETY_NOTICE_DELAY_SECONDS - 1
    assert sam["first_name"] not in note["text"] and "afraid" not in note["text"]
    group_lines = bot_texts(telegram, formed.group, after=start)
    assert not [line for line in group_lines if "safe" in line.lower() or "afraid" in line]
    # From the note on, the hold is on.
    assert running.query(
        "SELECT safety_hold FROM couples WHERE group_chat_id = ?", formed.group
    ) == [(1,)]
    after_note = telegram.last_seq()
    telegram.send(formed.group, formed.alex, "/roundrobin")
    telegram.wait_for_text(formed.group, "isn't available in this group", after=after_note)

    # The export, sent to Alex privately, says nothing of it.
    before_export = telegram.last_seq()
    telegram.send(formed.group, formed.alex, "/export")
    document = telegram.wait_for(
        formed.alex["id"], lambda i: bool(i["document"]), after=before_export
    )["document"]["content_text"]
    assert "safety" not in document and "afraid" not in document


def test_keeping_things_as_they_are_sets_no_hold_and_the_group_never_hears_of_it(
    running, telegram: LocalTelegram, formed: Couple
):
    agree_in_private(telegram, formed.alex)
    sam = formed.sam
    start = telegram.last_seq()
    choices = answer_worryingly(telegram, sam)
    telegram.press(sam["id"], sam, choices["message_id"], button_text="Keep things as they are")
    telegram.wait_for_text(sam["id"], "nothing changes in your group", after=start)
    round_robin_starts(telegram, formed)
    time.sleep(SAFETY_NOTICE_DELAY_SECONDS + 3)
    assert not [line for line in bot_texts(telegram, formed.group, start) if "gentler" in line]
    assert running.query(
        "SELECT safety_hold FROM couples WHERE group_chat_id = ?", formed.group
    ) == [(0,)]
    assert running.query(
        "SELECT count(*) FROM timers WHERE kind = 'safety_hold_notice' AND chat_id = ?",
        formed.group,
    ) == [(0,)]


def test_after_crisis_words_both_partners_hear_from_a_person_shaped_voice(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    # Sam's private safety answer (the check's first question, left open by the fixture).
    question = telegram.wait_for_text(sam["id"], "afraid of your partner")
    mark = telegram.last_seq()
    telegram.press(sam["id"], sam, question["message_id"], button_text="Yes")
    telegram.wait_for_text(sam["id"], "turned physical", after=mark)

    start = telegram.last_seq()
    telegram.send(group, sam, "honestly I don't want to live anymore")
    telegram.wait_for_text(sam["id"], "glad you told me", after=start)
    # Alex read it in the group: a private note on how to help and where to call.
    note = telegram.wait_for_text(alex["id"], "worried me", after=start)
    assert note["text"].startswith("Something written in your group just now worried me")
    assert "listen" in note["text"] and "emergency number" in note["text"]
    assert "988" in note["text"]
    assert note["text"].count("\n\n") <= 3  # a phone screen: at most 4 short paragraphs
    # Nothing of Sam's private answer, and nothing of the words either.
    assert "afraid" not in note["text"] and "live anymore" not in note["text"]

    # Sam's next private messages: a human line with people to talk to, not /help.
    mark = telegram.last_seq()
    telegram.send(sam["id"], sam, "are you still there")
    reading = telegram.wait_for_text(sam["id"], "I'm reading.", after=mark)
    assert reading["text"].startswith(
        "I'm reading. I can't talk it through like a person can; these people can, by text too:"
    )
    assert "/help" not in reading["text"] and "988" in reading["text"]
    telegram.send(sam["id"], sam, "ok")
    again = telegram.wait_for(
        sam["id"], lambda i: (i["text"] or "").startswith("I'm reading."), after=reading["seq"]
    )
    assert "/help" not in again["text"]
    time.sleep(1)
    group_lines = bot_texts(telegram, group, after=start)
    assert not any("worried" in line or "reading" in line for line in group_lines)
