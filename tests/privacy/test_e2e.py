"""Privacy through the real bot: /forget empties both databases, retention, no text in logs,
database files readable by their owner only."""

from __future__ import annotations

import os
import stat
import time
from datetime import datetime, timedelta, timezone

import pytest

from local_telegram.client import LocalTelegram
from tests.support.stack import Couple, open_private_chat, unique

pytestmark = pytest.mark.e2e

OUR_TABLES_BY_CHAT = {
    "couples": "group_chat_id",
    "timers": "chat_id",
    "inbox_updates": "chat_id",
    "closed_keyboards": "chat_id",
}
OUR_TABLES_BY_USER = {
    "partners": "telegram_user_id",
    "safety_checks": "telegram_user_id",
    "safety_events": "telegram_user_id",
}


def answer_safety_check(telegram: LocalTelegram, user: dict) -> None:
    intro = open_private_chat(telegram, user)
    start = telegram.last_seq()
    telegram.press(user["id"], user, intro["message_id"], button_text="I agree")
    for question, answer in (
        ("afraid of your partner", "No"),
        ("turned physical", "No"),
        ("safe talking openly", "Yes"),
    ):
        asked = telegram.wait_for_text(user["id"], question, after=start)
        telegram.press(user["id"], user, asked["message_id"], button_text=answer)
    telegram.wait_for_text(user["id"], "Your group is ready", after=start)


def wait_until(condition, timeout: float = 20) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


def leftovers(running, chats: list[int], users: list[int]) -> dict[str, int]:
    found = {}
    for table, column in OUR_TABLES_BY_CHAT.items():
        marks = ",".join("?" * len(chats))
        found[table] = running.query(
            f"SELECT count(*) FROM {table} WHERE {column} IN ({marks})", *chats
        )[0][0]
    for table, column in OUR_TABLES_BY_USER.items():
        marks = ",".join("?" * len(users))
        found[table] = running.query(
            f"SELECT count(*) FROM {table} WHERE {column} IN ({marks})", *users
        )[0][0]
    marks = ",".join("?" * len(chats))
    found["rasa events"] = running.query_tracker(
        f"SELECT count(*) FROM events WHERE sender_id IN ({marks})", *[str(c) for c in chats]
    )[0][0]
    return {table: count for table, count in found.items() if count}


def test_forget_in_the_group_needs_both_and_then_nothing_of_theirs_is_left(
    running, telegram: LocalTelegram, formed: Couple
):
    for partner in (formed.alex, formed.sam):
        answer_safety_check(telegram, partner)
    telegram.send(formed.group, formed.sam, "we said we'd talk about the holidays")
    telegram.send(formed.group, formed.alex, "he hit me once, last year")  # a safety event
    start = telegram.last_seq()
    telegram.send(formed.group, formed.alex, "/forget")
    question = telegram.wait_for_text(formed.group, "Both of you need to press", after=start)
    telegram.press(
        formed.group, formed.alex, question["message_id"], button_text="Delete everything"
    )
    telegram.wait_for_text(formed.group, "Waiting for the other partner", after=start)
    telegram.press(
        formed.group, formed.robin, question["message_id"], button_text="Delete everything"
    )
    assert running.query("SELECT count(*) FROM couples WHERE group_chat_id = ?", formed.group) == [
        (1,)
    ]
    telegram.press(
        formed.group, formed.sam, question["message_id"], button_text="Delete everything"
    )
    telegram.wait_for_text(
        formed.group, "everything saved about your couple is deleted", after=start
    )

    chats = [formed.group, formed.alex["id"], formed.sam["id"]]
    users = [formed.alex["id"], formed.sam["id"]]
    wait_until(lambda: not leftovers(running, chats, users))

    # And the bot still works for them afterwards, from scratch.
    again = telegram.last_seq()
    telegram.send(formed.group, formed.alex, "/start")
    telegram.wait_for_text(formed.group, "I'm in", after=again)


def test_forget_in_private_deletes_that_partners_data_and_leaves_the_others(
    running, telegram: LocalTelegram, formed: Couple
):
    answer_safety_check(telegram, formed.alex)
    answer_safety_check(telegram, formed.sam)
    telegram.send(formed.group, formed.alex, "ALEX-MARK the dishes again")
    telegram.send(formed.group, formed.sam, "SAM-MARK fair enough")
    alex = formed.alex
    start = telegram.last_seq()
    telegram.send(alex["id"], alex, "/forget")
    question = telegram.wait_for_text(alex["id"], "Delete everything I keep about you", after=start)
    telegram.press(alex["id"], alex, question["message_id"], button_text="Delete my data")
    telegram.wait_for_text(alex["id"], "I deleted what I kept about you", after=start)

    wait_until(
        lambda: not leftovers(running, [alex["id"]], [alex["id"]])
        and not running.query_tracker(
            "SELECT count(*) FROM events WHERE sender_id = ? AND data LIKE ?",
            str(formed.group),
            "%ALEX-MARK%",
        )[0][0]
    )
    assert running.query(
        "SELECT telegram_user_id FROM partners p JOIN couples c ON c.id = p.couple_id "
        "WHERE c.group_chat_id = ?",
        formed.group,
    ) == [(formed.sam["id"],)]
    assert running.query(
        "SELECT count(*) FROM safety_checks WHERE telegram_user_id = ?", formed.sam["id"]
    ) == [(1,)]
    assert running.query_tracker(
        "SELECT count(*) FROM events WHERE sender_id = ? AND data LIKE ?",
        str(formed.group),
        "%SAM-MARK%",
    ) == [(1,)]


@pytest.mark.sqlite_only  # ages rows in SQLite's file directly
def test_retention_clears_old_texts_and_old_rasa_events(running, telegram, formed: Couple):
    telegram.send(formed.group, formed.alex, "/help")
    telegram.wait_for_text(formed.group, "/export")
    old = datetime.now(timezone.utc) - timedelta(days=400)
    [(couple_id, partner_id)] = running.query(
        "SELECT c.id, p.id FROM couples c JOIN partners p ON p.couple_id = c.id "
        "WHERE c.group_chat_id = ? AND p.seat = 1",
        formed.group,
    )
    write(
        running.database,
        "INSERT INTO statements (couple_id, speaker_id, chat_id, drafted_in, step, "
        "describe_text, findings, revisions, kept_despite_findings, shared, status, state, "
        "created_at, updated_at) VALUES (?, ?, ?, 'group', 'done', 'OLD-WORDS', '{}', '{}', "
        "'[]', 0, 'complete', '{}', ?, ?)",
        couple_id,
        partner_id,
        formed.group,
        old.replace(tzinfo=None).isoformat(" "),
        old.replace(tzinfo=None).isoformat(" "),
    )
    write(
        running.tracker_database,
        "UPDATE events SET timestamp = ? WHERE id = (SELECT min(id) FROM events "
        "WHERE sender_id = ?)",
        old.timestamp(),
        str(formed.group),
    )
    cutoff = (old + timedelta(days=1)).timestamp()

    def events(when: str) -> int:  # the group's Rasa events, old ("<") or recent (">=")
        return running.query_tracker(
            f"SELECT count(*) FROM events WHERE sender_id = ? AND timestamp {when} ?",
            str(formed.group),
            cutoff,
        )[0][0]

    assert events("<") == 1
    recent_before = events(">=")
    # The daily run is due tomorrow; bring it forward instead of waiting a day.
    write(
        running.database,
        "UPDATE timers SET due_at = ? WHERE kind = 'retention' AND status = 'pending'",
        datetime.now(timezone.utc).replace(tzinfo=None).isoformat(" "),
    )
    wait_until(
        lambda: running.query("SELECT count(*) FROM statements WHERE describe_text = 'OLD-WORDS'")
        == [(0,)]
        and events("<") == 0
    )
    assert events(">=") >= recent_before  # (the time-zone reminder may add some meanwhile)
    assert running.query(
        "SELECT count(*) FROM timers WHERE kind = 'retention' AND status = 'pending'"
    ) == [(1,)]


@pytest.mark.sqlite_only  # the file modes of SQLite databases
def test_no_message_text_or_name_reaches_any_log_and_databases_are_private(
    running, telegram: LocalTelegram
):
    marker = unique("Zq9marker")
    alex = telegram.create_user(f"Alex{marker}name")
    sam = telegram.create_user(f"Sam{marker}name")
    group = telegram.create_group(f"Group {marker}", [alex, sam])["id"]
    start = telegram.last_seq()
    telegram.send(group, alex, "/start")
    intro = telegram.wait_for_text(group, "I'm in", after=start)
    telegram.press(group, alex, intro["message_id"], button_text="I'm in")
    telegram.press(group, sam, intro["message_id"], button_text="I'm in")
    telegram.wait_for_text(group, "start=consent", after=start)
    texts = [
        f"{marker} you never listen to me",
        f"{marker} I want to die",
        f"/talk {marker} the dishes",
        f"/timezone {marker}",
        f"/nonsense{marker}",
    ]
    for text in texts:
        telegram.send(group, sam, text)
    telegram.send(alex["id"], alex, f"{marker} private words")
    telegram.send(alex["id"], alex, "/help")
    telegram.wait_for_text(alex["id"], "/export", after=start)
    telegram.wait_for_text(group, "I don't know /nonsense", after=start)
    time.sleep(1)

    logs = running.logs()
    assert marker.lower() not in logs.lower()
    assert "never listen" not in logs and "private words" not in logs

    var = running.stack.config.var_dir
    for path in [running.database, running.tracker_database, *var.glob("*.db-*")]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{path.name} is {oct(mode)}"


def write(path, sql: str, *params) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    with sqlite3.connect(path, timeout=10) as connection:
        connection.execute(sql, params)
