"""Joining through the real bot: buttons, an observer, the time zone, /export, /help."""

from __future__ import annotations

import json

import pytest

from local_telegram.client import ButtonGone, LocalTelegram, buttons
from tests.conftest import EXPECTED_EXPORT_KEYS
from tests.support.stack import Couple, open_private_chat, press_im_in, unique

pytestmark = pytest.mark.e2e


def test_a_couple_joins_an_observer_is_ignored_the_time_zone_is_set_and_export_reads_back(
    running, telegram: LocalTelegram, group: Couple
):
    start = telegram.last_seq()
    telegram.send(group.group, group.alex, "/start")
    intro = telegram.wait_for_text(group.group, "not therapy", after=start)
    assert buttons(intro) == [("I'm in", "/join_couple")]

    telegram.press(group.group, group.alex, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(group.group, f"{group.alex['first_name']} is in", after=start)
    telegram.press(group.group, group.sam, intro["message_id"], button_text="I'm in")
    formed = telegram.wait_for_text(group.group, "you're set", after=start)
    assert group.alex["first_name"] in formed["text"] and group.sam["first_name"] in formed["text"]
    question = telegram.wait_for_text(group.group, "which time zone", after=start)
    assert ("Berlin / Paris", '/set_timezone{"timezone":"Europe/Berlin"}') in buttons(question)
    telegram.wait_for_text(group.group, "t.me/TalkingStickBot?start=consent", after=start)

    # The join keyboard is closed once the couple is complete: nothing left for Robin to press.
    telegram.wait_for(
        group.group,
        lambda item: item["method"] == "editMessageReplyMarkup"
        and item["message_id"] == intro["message_id"],
        after=start,
    )
    with pytest.raises(ButtonGone):
        telegram.press(group.group, group.robin, intro["message_id"], button_text="I'm in")

    # Robin's words get no answer and are never stored.
    before_robin = telegram.last_seq()
    telegram.send(group.group, group.robin, "Robin's secret remark about Berlin")
    telegram.send(group.group, group.robin, "/export")
    note = telegram.wait_for_text(group.group, "couple is complete", after=before_robin)
    assert note["method"] == "sendMessage"
    assert not [i for i in telegram.sent(group.group, after=before_robin) if i["document"]]

    telegram.send(group.group, group.sam, "We live in Berlin")
    telegram.wait_for_text(group.group, "Time zone set to Europe/Berlin", after=before_robin)

    # /export goes to the asker's private chat only. Alex never opened one: the group gets
    # a neutral line with the link, and no document goes anywhere.
    before_export = telegram.last_seq()
    telegram.send(group.group, group.alex, "/export")
    refused = telegram.wait_for_text(
        group.group, "can't send it to you privately yet", after=before_export
    )
    assert "start=consent" in refused["text"]
    open_private_chat(telegram, group.alex)
    before_export = telegram.last_seq()
    telegram.send(group.group, group.alex, "/export")
    telegram.wait_for_text(group.group, "sent it to you in our private chat", after=before_export)
    document = telegram.wait_for(
        group.alex["id"], lambda item: bool(item["document"]), after=before_export
    )["document"]
    assert not [i for i in telegram.sent(group.group, after=before_robin) if i["document"]]
    data = json.loads(document["content_text"])
    assert list(data) == EXPECTED_EXPORT_KEYS
    assert data["couple"]["timezone"] == "Europe/Berlin"
    assert [(p["first_name"], p["telegram_user_id"]) for p in data["partners"]] == [
        (group.alex["first_name"], group.alex["id"]),
        (group.sam["first_name"], group.sam["id"]),
    ]
    assert all(not data[key] for key in data if key not in ("couple", "partners"))
    assert "Robin" not in document["content_text"]
    # Robin's words never reached Rasa, and neither did Sam's before both partners agreed
    # in private: only the zone they named (the tracker store is where they'd be).
    assert running.query_tracker(
        "SELECT count(*) FROM events WHERE data LIKE ?", "%secret remark%"
    ) == [(0,)]
    assert running.query_tracker(
        "SELECT count(*) FROM events WHERE data LIKE ?", "%We live in Berlin%"
    ) == [(0,)]


def test_help_explains_in_a_few_lines_and_commands_are_registered(telegram, group):
    start = telegram.last_seq()
    telegram.send(group.group, group.alex, "/help")
    help_text = telegram.wait_for_text(group.group, "/export", after=start)["text"]
    assert "not therapy" in help_text and len(help_text.splitlines()) <= 12
    registered = {c["command"] for c in telegram.commands()["default"]}
    assert {"start", "help", "export", "timezone"} <= registered


def test_a_partner_gives_consent_in_private(running, telegram, formed):
    start = telegram.last_seq()
    telegram.send(formed.alex["id"], formed.alex, "/start consent")
    intro = telegram.wait_for_text(formed.alex["id"], "Do you agree", after=start)
    telegram.press(formed.alex["id"], formed.alex, intro["message_id"], button_text="I agree")
    telegram.wait_for_text(formed.alex["id"], "consent is saved", after=start)
    consent = running.query(
        "SELECT consented_at IS NOT NULL FROM partners WHERE telegram_user_id = ?",
        formed.alex["id"],
    )
    assert consent == [(1,)]


def test_a_stranger_in_private_learns_how_to_start(telegram):
    stranger = telegram.create_user(unique("Kim"))
    start = telegram.last_seq()
    telegram.send(stranger["id"], stranger, "/start")
    telegram.wait_for_text(stranger["id"], "Add me to a group with your partner", after=start)
    telegram.send(stranger["id"], stranger, "/export")
    telegram.wait_for_text(stranger["id"], "Add me to a group", after=start)


def test_privacy_mode_is_detected_and_the_fix_explained(telegram):
    alex, sam = telegram.create_user(unique("Alex")), telegram.create_user(unique("Sam"))
    chat = telegram.create_group("Private mode", [alex, sam])
    telegram.set_bot_can_read_all(False)
    try:
        start = telegram.last_seq()
        telegram.send(chat["id"], alex, "/start")
        telegram.wait_for_text(chat["id"], "/setprivacy", after=start)
        telegram.set_bot_status(chat["id"], "administrator")
        again = telegram.last_seq()
        telegram.send(chat["id"], alex, "/start")
        telegram.wait_for_text(chat["id"], "I'm in", after=again)
        assert not [
            i
            for i in telegram.sent(chat["id"], after=again, wait=1)
            if "/setprivacy" in (i["text"] or "")
        ]
    finally:
        telegram.set_bot_can_read_all(True)


def test_a_name_with_markup_characters_is_shown_exactly_as_written(telegram):
    tricky = telegram.create_user("<b>Jo*_[x](y)</b> &amp;")
    other = telegram.create_user(unique("Sam"))
    chat = telegram.create_group("Markup", [tricky, other])
    press_im_in(telegram, Couple(chat["id"], tricky, other, other))
    joined = telegram.wait_for_text(chat["id"], "you're set")
    assert joined["text"].startswith("<b>Jo*_[x](y)</b> &amp; and ")
    assert joined["parse_mode"] is None
