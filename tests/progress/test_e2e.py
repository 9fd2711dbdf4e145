"""/progress and the quarterly review through the real bot, Rasa and action server."""

from __future__ import annotations

import struct
from datetime import datetime, timezone

import pytest

from tests.support.stack import besides_zone_reminder

pytestmark = pytest.mark.e2e

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_photo(item: dict) -> bool:
    return item["method"] == "sendPhoto"


def read_png(telegram, item: dict) -> bytes:
    """The picture as the bot uploaded it."""
    png = telegram.file_content(item["document"]["file_id"])
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (720, 1100)  # portrait: a phone screen's shape
    assert 10_000 < len(png) < 1_000_000
    return png


def test_progress_sends_a_real_png_chart_with_a_caption_and_the_quarterly_review(
    running, telegram, consented
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    a, s = alex["first_name"], sam["first_name"]

    # A short round-robin first, so there is something to see: Sam is interrupted once.
    begin = telegram.last_seq()
    telegram.send(group, alex, "/roundrobin the holidays")
    telegram.wait_for_text(group, f"{s}, the floor is yours", after=begin)
    mark = telegram.last_seq()
    telegram.send(group, sam, "I would like us to plan the holidays together this year")
    telegram.send(group, alex, "We always do")
    telegram.wait_for_text(group, "send it to me privately", after=mark)
    telegram.send(group, sam, "/done")
    telegram.wait_for_text(group, f"{a}, the floor is yours", after=mark)
    telegram.send(group, alex, "Fair enough, let's sit down on Sunday")
    telegram.send(group, alex, "/done")
    telegram.wait_for_text(group, "That's the end of the round-robin", after=mark)
    telegram.wait_for_text(group, "go on with a guided statement", after=mark)  # the last

    # /progress: one photo in the group, its caption the summary in words.
    mark = telegram.last_seq()
    telegram.send(group, alex, "/progress")
    photo = telegram.wait_for(group, is_photo, after=mark, timeout=60)
    caption = photo["plain_text"]
    assert "so far, as a mirror, not a score:" in caption
    assert "held the floor" in caption and "% of the time this quarter." in caption
    assert f"Interrupted during their turn: {a} 0 times, {s} once." in caption
    assert f"Exercises started: {a} 1, {s} 0." in caption
    assert "Check-ins done: 0." in caption
    for words in ("holidays", "We always do", "Sunday"):  # nothing the couple wrote
        assert words not in caption
    read_png(telegram, photo)
    sent = besides_zone_reminder(telegram.sent(group, after=mark))
    assert not [i for i in sent if i["method"] == "sendMessage"]

    # Plain words ask too; an observer gets no picture.
    mark = telegram.last_seq()
    telegram.send(group, consented.robin, "/progress")
    telegram.send(group, sam, "how are we doing?")
    second = telegram.wait_for(group, is_photo, after=mark, timeout=60)
    assert "as a mirror, not a score" in second["plain_text"]
    read_png(telegram, second)
    assert len([i for i in telegram.sent(group, after=mark) if is_photo(i)]) == 1

    # The quarterly review: the couple's durable timer, brought forward to now, posts the
    # summary with its chart, saves it once, and schedules the next quarter's.
    [(timer_id, payload)] = running.query(
        "SELECT t.id, t.payload FROM timers t WHERE t.kind = 'progress_quarterly' "
        "AND t.chat_id = ? AND t.status = 'pending'",
        group,
    )
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    running.write("UPDATE timers SET due_at = :now WHERE id = :id", now=now, id=timer_id)
    mark = telegram.last_seq()
    posted = telegram.wait_for(group, is_photo, after=mark, timeout=60)
    assert posted["plain_text"].startswith("A new quarter begins. Here is ")
    assert f"Interrupted during their turn: {a} 0 times, {s} once." in posted["plain_text"]
    read_png(telegram, posted)
    [(quarter, indicators)] = running.query(
        "SELECT s.quarter, s.indicators FROM progress_summaries s "
        "JOIN couples c ON c.id = s.couple_id WHERE c.group_chat_id = ?",
        group,
    )
    assert f'"{quarter}"' in payload
    for words in ("holidays", "Sunday", a, s):  # numbers and ids only
        assert words not in indicators
    [(following,)] = running.query(
        "SELECT payload FROM timers WHERE kind = 'progress_quarterly' AND chat_id = ? "
        "AND status = 'pending'",
        group,
    )
    assert following != payload
