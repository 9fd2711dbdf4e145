"""The bot's input edges through the real stack: presses that are none of our buttons,
observers' commands and crisis words, crisis words in captions and edits, an update id
reused after a quiet week, and a group upgraded to a supergroup."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import (
    Couple,
    RunningStack,
    besides_zone_reminder,
    open_private_chat,
    unique,
)

pytestmark = pytest.mark.e2e

FOREIGN_PRESS = "Sorry, that button doesn't work here."


def toasts(telegram: LocalTelegram, chat_id: int, after: int) -> list[str | None]:
    return [
        i["text"]
        for i in telegram.sent(chat_id, after=after)
        if i["method"] == "answerCallbackQuery"
    ]


def test_a_forged_press_is_dropped_with_a_kind_toast_and_never_reaches_rasa(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    question = telegram.wait_for_text(formed.group, "which time zone")
    start = telegram.last_seq()
    for data in ("/confirm_forget", '/EXTERNAL_timer_due{"timer_id":"1"}', "/content"):
        telegram.press(formed.group, formed.alex, question["message_id"], data=data, forged=True)
    telegram.wait_for(
        formed.group,
        lambda i: i["method"] == "answerCallbackQuery" and i["text"] == FOREIGN_PRESS,
        after=start,
    )
    time.sleep(2)
    assert toasts(telegram, formed.group, start) == [FOREIGN_PRESS] * 3
    sent = besides_zone_reminder(telegram.sent(formed.group, after=start))
    assert [i for i in sent if i["method"] != "answerCallbackQuery"] == []
    # The real button still works.
    data = dict(buttons(question))["London"]
    telegram.press(formed.group, formed.alex, question["message_id"], data=data)
    telegram.wait_for_text(formed.group, "Time zone set to Europe/London", after=start)
    events = running.query_tracker(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", str(formed.group)
    )
    assert not [row for row in events if "confirm_forget" in row[0] or "EXTERNAL" in row[0]]


def test_an_observers_commands_get_the_polite_note_and_never_reach_rasa(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    start = telegram.last_seq()
    telegram.send(formed.group, formed.robin, "/talk Robin's private topic")
    telegram.wait_for_text(formed.group, "couple is complete", after=start)
    telegram.send(formed.group, formed.robin, "/start")
    telegram.wait_for_text(formed.group, "You're already set up", after=start)
    question = telegram.wait_for_text(formed.group, "which time zone")
    telegram.press(formed.group, formed.robin, question["message_id"], button_text="London")
    telegram.wait_for(
        formed.group,
        lambda i: i["method"] == "answerCallbackQuery"
        and i["text"] == "This is for the couple of this group.",
        after=start,
    )
    events = running.query_tracker(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", str(formed.group)
    )
    writers = {(json.loads(row[0]).get("metadata") or {}).get("user_id") for row in events}
    assert formed.robin["id"] not in writers and formed.alex["id"] in writers
    assert running.query("SELECT timezone FROM couples WHERE group_chat_id = ?", formed.group) == [
        (None,)
    ]


def test_crisis_words_in_a_photo_caption_or_an_edit_get_the_private_answer(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    alex, sam = formed.alex, formed.sam
    open_private_chat(telegram, alex)
    open_private_chat(telegram, sam)
    start = telegram.last_seq()
    telegram.send(formed.group, alex, kind="photo", caption="he hit me last night")
    telegram.wait_for_text(alex["id"], "glad you told me", after=start)

    before_edit = telegram.last_seq()
    sent = telegram.send(formed.group, sam, "we should talk about the weekend")
    time.sleep(1)
    telegram.edit(formed.group, sam, sent["message_id"], "I don't want to live anymore")
    telegram.wait_for_text(sam["id"], "glad you told me", after=before_edit)
    group_lines = [
        i["text"] for i in telegram.sent(formed.group, after=start, wait=1) if i["text"]
    ]
    assert not [line for line in group_lines if "hit me" in line or "live" in line]
    rows = running.query(
        "SELECT telegram_user_id, kind FROM safety_events WHERE telegram_user_id IN (?, ?) "
        "ORDER BY id",
        alex["id"],
        sam["id"],
    )
    assert rows == [(alex["id"], "crisis_violence"), (sam["id"], "crisis_self_harm")]


def test_an_observers_crisis_words_get_resources_and_nothing_of_them_is_kept(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    robin = formed.robin
    start = telegram.last_seq()
    # Robin never opened a private chat with the bot: the resources come in the group.
    telegram.send(formed.group, robin, "honestly I don't want to live anymore")
    answer = telegram.wait_for_text(formed.group, "people can, today", after=start)
    assert "self-help tool for the couple of this group" in answer["text"]
    assert "live anymore" not in answer["text"]
    # With a private chat open (Robin is no partner: the bot introduces itself), they come
    # privately, and the group hears nothing.
    opened = telegram.last_seq()
    telegram.send(robin["id"], robin, "/start")
    telegram.wait_for_text(robin["id"], "I'm Talking Stick", after=opened)
    again = telegram.last_seq()
    telegram.send(formed.group, robin, kind="photo", caption="he hit me last night")
    telegram.wait_for_text(robin["id"], "glad you told me", after=again)
    sent = besides_zone_reminder(telegram.sent(formed.group, after=again, wait=1))
    assert not [i for i in sent if i["text"]]
    events = running.query_tracker(
        "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", str(formed.group)
    )
    assert not [row for row in events if "live anymore" in row[0] or "hit me" in row[0]]
    # Not the couple's safety event: Robin is not one of them.
    assert running.query(
        "SELECT count(*) FROM safety_events WHERE telegram_user_id = ?", robin["id"]
    ) == [(0,)]


@pytest.mark.sqlite_only  # ages rows in SQLite's file directly
def test_an_update_id_reused_after_a_quiet_week_is_answered_not_dropped(
    running: RunningStack, telegram: LocalTelegram
):
    person = telegram.create_user(unique("Ira"))
    start = telegram.last_seq()
    first = telegram.send(person["id"], person, "/help")
    telegram.wait_for_text(person["id"], "/export", after=start)
    reused = first["update_id"]
    try:
        # A week passes without updates (the inbox row ages), then Telegram picks the next
        # id at random: it is the one the bot saw a week ago.
        with sqlite3.connect(running.database) as connection:
            connection.execute(
                "UPDATE inbox_updates SET received_at = datetime(received_at, '-8 days') "
                "WHERE update_id = ?",
                (reused,),
            )
        telegram.restart_update_ids(reused)
        again = telegram.last_seq()
        second = telegram.send(person["id"], person, "/help")
        assert second["update_id"] == reused
        telegram.wait_for_text(person["id"], "/export", after=again, timeout=30)
    finally:  # the other tests' updates go on with fresh ids
        newest = running.query("SELECT max(update_id) FROM inbox_updates")[0][0]
        telegram.restart_update_ids(int(newest) + 1)


def test_a_group_upgraded_to_a_supergroup_keeps_its_couple_and_its_timers(
    running: RunningStack, telegram: LocalTelegram, formed: Couple
):
    # The time zone reminder is due a few seconds after the couple formed (a timer of the
    # old group); the group is upgraded before it fires.
    moved = telegram.migrate_group(formed.group, by=formed.alex)
    new_group = moved["new_chat_id"]
    start = telegram.last_seq()

    def couple_moved() -> bool:
        return running.query(
            "SELECT count(*) FROM couples WHERE group_chat_id = ?", new_group
        ) == [(1,)]

    deadline = time.monotonic() + 30
    while not couple_moved():
        assert time.monotonic() < deadline
        time.sleep(0.3)
    telegram.wait_for_text(new_group, "time zone", after=0, timeout=60)
    telegram.send(new_group, formed.sam, "/help")
    telegram.wait_for_text(new_group, "/export", after=start)
    assert running.query(
        "SELECT count(*) FROM timers WHERE chat_id = ?", formed.group
    ) == [(0,)]
    telegram.send(new_group, formed.robin, "/pause")
    telegram.wait_for_text(new_group, "couple is complete", after=start)
