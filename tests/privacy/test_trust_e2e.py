"""The trust boundary through the real bot: only the two partners, through Telegram, can read
or change a couple. Consent comes first, "Not now" frees a seat and keeps nothing, a seat
freed by /forget inherits nothing, and /export goes privately without passing through Rasa."""

from __future__ import annotations

import json
import time

import pytest

from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import Couple, agree_in_private, open_private_chat, press_im_in, unique

pytestmark = pytest.mark.e2e


def wait_until(condition, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def tracker_count(running, like: str, *chats: int) -> int:
    """Tracker events matching `like`; only those of `chats` when given (other tests' chats
    share the store, and their own exercises may name the same fields)."""
    sql = "SELECT count(*) FROM events WHERE data LIKE ?"
    if chats:
        sql += f" AND sender_id IN ({', '.join('?' for _ in chats)})"
    return int(running.query_tracker(sql, like, *(str(chat) for chat in chats))[0][0])


def say(telegram: LocalTelegram, chat: int, user: dict, text: str, expect: str) -> dict:
    after = telegram.last_seq()
    telegram.send(chat, user, text)
    return telegram.wait_for_text(chat, expect, after=after)


def test_before_both_agreed_nothing_a_partner_writes_is_kept_and_no_exercise_starts(
    running, telegram: LocalTelegram, formed: Couple
):
    group, alex, sam = formed.group, formed.alex, formed.sam
    marker = unique("Kq7mark")
    start = telegram.last_seq()
    telegram.send(group, sam, f"{marker} I can't believe you said that")
    open_private_chat(telegram, alex)
    say(telegram, alex["id"], alex, f"{marker} my private thoughts", "I keep nothing you write")
    refusal = say(telegram, group, alex, f"/talk {marker} the dishes", "both of you need to agree")
    assert f"Still to do: {alex['first_name']} and {sam['first_name']}" in refusal["text"]
    say(telegram, group, sam, "/roundrobin", "both of you need to agree")
    say(telegram, group, sam, "/pause", "both of you need to agree")
    # Alex agrees: still nothing starts until Sam has too, and only Sam is named.
    agree_in_private(telegram, alex)
    refusal = say(telegram, group, sam, "/roundrobin", "both of you need to agree")
    assert f"Still to do: {sam['first_name']}." in refusal["text"]
    assert alex["first_name"] not in refusal["text"]
    time.sleep(1)

    # Nothing of their words anywhere: not in Rasa's tracker, not in our tables.
    assert tracker_count(running, f"%{marker}%") == 0
    wait_until(
        lambda: running.query(
            "SELECT count(*) FROM inbox_updates WHERE payload LIKE ?", f"%{marker}%"
        )
        == [(0,)]
    )
    assert running.query(
        "SELECT count(*) FROM statements s JOIN couples c ON c.id = s.couple_id "
        "WHERE c.group_chat_id = ?",
        group,
    ) == [(0,)]
    assert running.query(
        "SELECT count(*) FROM rounds r JOIN couples c ON c.id = r.couple_id "
        "WHERE c.group_chat_id = ?",
        group,
    ) == [(0,)]
    assert not [i for i in telegram.sent(group, after=start) if marker in (i["text"] or "")]

    # Once both agreed, their words are kept (this is the only difference).
    agree_in_private(telegram, sam)
    telegram.send(group, sam, f"{marker} now we both agreed")
    say(telegram, group, alex, "/help", "/export")
    assert tracker_count(running, f"%{marker} now we both agreed%") == 1


def test_not_now_frees_the_seat_keeps_nothing_of_that_person_and_says_so_truthfully(
    running, telegram: LocalTelegram, formed: Couple
):
    group, alex, sam, robin = formed.group, formed.alex, formed.sam, formed.robin
    agree_in_private(telegram, alex)
    intro = open_private_chat(telegram, sam)
    start = telegram.last_seq()
    telegram.press(sam["id"], sam, intro["message_id"], button_text="Not now")
    told = telegram.wait_for_text(sam["id"], "no longer in the couple", after=start)
    assert "deleted what I had saved about you" in told["text"]
    assert "and our conversation here" in told["text"]
    freed = telegram.wait_for_text(group, "A seat in this couple is free", after=start)
    assert sam["first_name"] not in freed["text"]
    assert buttons(freed) == [("I'm in", "/join_couple")]

    def sams_left() -> bool:
        return (
            running.query("SELECT count(*) FROM partners WHERE telegram_user_id = ?", sam["id"])
            == [(0,)]
            and running.query_tracker(
                "SELECT count(*) FROM events WHERE sender_id = ?", str(sam["id"])
            )
            == [(0,)]
            and not [
                data
                for (data,) in running.query_tracker(
                    "SELECT data FROM events WHERE sender_id = ?", str(group)
                )
                # (read here, not with SQLite's json_extract: the store may be PostgreSQL)
                if (json.loads(data).get("metadata") or {}).get("user_id") == sam["id"]
            ]
        )

    wait_until(sams_left)
    assert tracker_count(running, f"%{sam['first_name']}%") == 0

    # The couple waits for a new "I'm in": Robin takes the seat; Alex's consent stays.
    telegram.press(group, robin, freed["message_id"], button_text="I'm in")
    formed_again = telegram.wait_for_text(group, "you're set", after=start)
    assert alex["first_name"] in formed_again["text"]
    assert robin["first_name"] in formed_again["text"]
    assert running.query(
        "SELECT telegram_user_id, consented_at IS NOT NULL FROM partners p "
        "JOIN couples c ON c.id = p.couple_id WHERE c.group_chat_id = ? ORDER BY p.seat",
        group,
    ) == [(alex["id"], 1), (robin["id"], 0)]


def test_a_seat_freed_by_forget_inherits_nothing_and_the_remaining_partner_decides(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam, robin = consented.group, consented.alex, consented.sam, consented.robin
    marker = unique("Oldstep")
    start = telegram.last_seq()
    steps = say(telegram, group, alex, "/escalation", "Your escalation steps")
    telegram.press(group, alex, steps["message_id"], button_text="Add our own step")
    telegram.wait_for_text(group, "what step would you like to add", after=start)
    say(telegram, group, alex, f"{marker} a walk around the block", "Added as your own step")

    # Sam forgets themselves in private: Alex is asked, privately, what happens to the rest.
    asked = say(telegram, sam["id"], sam, "/forget", "Delete everything I keep about you")
    telegram.press(sam["id"], sam, asked["message_id"], button_text="Delete my data")
    telegram.wait_for_text(group, "needs setting up again", after=start)
    choice = telegram.wait_for_text(alex["id"], "Your partner has left your couple", after=start)
    assert [title for title, _ in buttons(choice)] == ["Keep my data", "Start fresh"]

    # Robin and Alex press "I'm in": a new couple, with none of the old one's history.
    press_im_in(telegram, Couple(group, alex, robin, sam))
    open_private_chat(telegram, robin)
    before = telegram.last_seq()
    telegram.send(group, robin, "/export")
    robins = telegram.wait_for(robin["id"], lambda i: bool(i["document"]), after=before)
    data = json.loads(robins["document"]["content_text"])
    assert marker not in robins["document"]["content_text"]
    assert data["couple"]["escalation_own_step"] is None and data["couple"]["closed_at"] is None
    assert [p["first_name"] for p in data["partners"]] == [
        alex["first_name"],
        robin["first_name"],
    ]

    # Alex alone can still have the old couple's data, privately, until choosing otherwise.
    before = telegram.last_seq()
    telegram.send(alex["id"], alex, "/export")
    telegram.wait_for(
        alex["id"], lambda i: bool(i["document"]) and marker in i["document"]["content_text"],
        after=before,
    )  # fmt: skip
    telegram.press(alex["id"], alex, choice["message_id"], button_text="Start fresh")
    telegram.wait_for_text(alex["id"], "everything your old couple saved is deleted", after=before)
    wait_until(
        lambda: running.query(
            "SELECT count(*) FROM couples WHERE group_chat_id = ? AND closed_at IS NOT NULL",
            group,
        )
        == [(0,)]
        and tracker_count(running, f"%{marker}%") == 0
    )
    assert running.query(
        "SELECT count(*) FROM couples WHERE group_chat_id = ? AND closed_at IS NULL", group
    ) == [(1,)]


def test_export_arrives_privately_and_its_content_never_passes_through_rasa(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex = consented.group, consented.alex
    start = telegram.last_seq()
    telegram.send(group, alex, "/export")
    note = telegram.wait_for_text(group, "sent it to you in our private chat", after=start)
    assert alex["first_name"] not in note["text"]
    document = telegram.wait_for(alex["id"], lambda i: bool(i["document"]), after=start)
    content = document["document"]["content_text"]
    assert json.loads(content)["couple"]["group_chat_id"] == group
    assert not [i for i in telegram.sent(group, after=start) if i["document"]]
    # Neither the document nor its name is in Rasa's tracker store or in our inbox journal.
    for marker in ("%escalation_threshold%", "%talking-stick-export%", "%consented_at%"):
        chats = (group, alex["id"], consented.sam["id"])
        assert tracker_count(running, marker, *chats) == 0, marker
        assert running.query(
            "SELECT count(*) FROM inbox_updates WHERE payload LIKE ? AND chat_id IN (?, ?, ?)",
            marker,
            *chats,
        ) == [(0,)]
