"""The guided statement through the real bot: in a group, drafted in private, cancelled,
and content that looks like a command staying content."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from actions.statement.coaching import analyze
from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import Couple

pytestmark = pytest.mark.e2e

NLU_TESTS = Path(__file__).resolve().parents[1] / "nlu"
DESCRIBE = "On Sunday you went to bed and left the dishes in the sink"
FEEL = "I felt tired and a bit lonely"
REQUEST = "Would you be willing to wash up on weeknights after dinner?"
AGREEMENT_REVIEW_DAYS = 10  # as set for the stack in tests/support/stack.py


def say(telegram: LocalTelegram, chat: int, user: dict, text: str, expect: str) -> dict:
    """Send, and wait for the bot's answer containing `expect` (in the same chat)."""
    after = telegram.last_seq()
    telegram.send(chat, user, text)
    return telegram.wait_for_text(chat, expect, after=after)


def tap(
    telegram: LocalTelegram,
    chat: int,
    user: dict,
    item: dict,
    title: str,
    expect: str,
    expect_in: int | None = None,
) -> dict:
    after = telegram.last_seq()
    telegram.press(chat, user, item["message_id"], button_text=title)
    return telegram.wait_for_text(chat if expect_in is None else expect_in, expect, after=after)


def statements_of(running, group: int, columns: str) -> list[tuple]:
    return running.query(
        f"SELECT {columns} FROM statements WHERE couple_id = "
        "(SELECT id FROM couples WHERE group_chat_id = ?) ORDER BY id",
        group,
    )


def export(telegram: LocalTelegram, couple: Couple) -> dict:
    """/export in the group: the document arrives in Alex's private chat."""
    after = telegram.last_seq()
    telegram.send(couple.group, couple.alex, "/export")
    item = telegram.wait_for(couple.alex["id"], lambda i: bool(i["document"]), after=after)
    data: dict = json.loads(item["document"]["content_text"])
    return data


def test_a_statement_in_plain_words_is_coached_reflected_agreed_and_exported(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    start = telegram.last_seq()
    say(telegram, group, sam, "We live in Berlin", "Time zone set to Europe/Berlin")
    first = say(telegram, group, alex, "can we talk about the dishes", "Step 1 of 3, describe")
    assert first["text"].startswith(f"About: the dishes\n{alex['first_name']}, let's put it")

    # Sam's words while Alex writes: one kind note, and they are not Alex's answer.
    say(telegram, group, sam, "that's not fair, I did them on Friday", "moment to find the words")

    coached = say(telegram, group, alex, "You never help with the dishes", "A thought")
    assert '"never"' in coached["text"] and "Last Tuesday, when" in coached["text"]
    assert buttons(coached)[0][0] == "Keep it"
    tap(telegram, group, sam, coached, "Keep it", f"This one is for {alex['first_name']}")
    tap(telegram, group, alex, coached, "Keep it", "step 2 of 3, feel")

    telegram.send(group, sam, "hmm")  # the note is not repeated (checked below)
    say(telegram, group, alex, "I felt ignored", "A thought")
    say(telegram, group, alex, FEEL, "step 3 of 3, request")
    composed = say(telegram, group, alex, REQUEST, "would like you to hear this")
    assert (
        "When you never help with the dishes, I felt tired and a bit lonely. Would you be "
        "willing to wash up on weeknights after dinner?"
    ) in composed["text"]
    assert buttons(composed)[0][0] == "Skip"

    asked = say(telegram, group, sam, "You'd like me to wash up on weeknights", "your answer to")
    assert [title for title, _ in buttons(asked)] == ["Yes", "Another idea", "I need time"]
    agreed = tap(telegram, group, sam, asked, "Yes", "Agreed:")
    assert "Review date:" in agreed["text"]

    notes = [i for i in telegram.sent(group, after=start) if "moment to find" in (i["text"] or "")]
    assert len(notes) == 1

    data = export(telegram, consented)
    [statement] = data["statements"]
    alex_id, sam_id = (p["id"] for p in data["partners"])
    assert statement["speaker_id"] == alex_id and statement["listener_id"] == sam_id
    assert statement["topic"] == "the dishes"
    assert statement["describe_text"] == "You never help with the dishes"
    assert statement["feel_text"] == FEEL and statement["request_text"] == REQUEST
    assert statement["reflection_text"] == "You'd like me to wash up on weeknights"
    assert [f["code"] for f in statement["findings"]["describe"]] == ["ABSOLUTE"]
    assert statement["findings"]["feel"] == [] and statement["revisions"] == {"feel": 1}
    assert statement["kept_despite_findings"] == ["describe"]
    assert (statement["status"], statement["listener_answer"], statement["drafted_in"]) == (
        "complete",
        "yes",
        "group",
    )
    assert statement["completed_at"].endswith("+00:00")
    [agreement] = data["agreements"]
    assert agreement["statement_id"] == statement["id"]
    assert (agreement["source"], agreement["status"], agreement["agreed_by_id"]) == (
        "request",
        "agreed",
        sam_id,
    )
    review = datetime.fromisoformat(agreement["review_at"])
    agreed_at = datetime.fromisoformat(agreement["agreed_at"])
    assert round((review - agreed_at).total_seconds() / 86400) == AGREEMENT_REVIEW_DAYS
    # The date shown is the couple's (Berlin) date of the saved review time.
    local = review.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%A} {local.day} {local:%B}" in agreed["text"]
    # Sam's remarks during Alex's steps were never saved as the statement.
    assert "not fair" not in json.dumps(data)


def test_a_private_draft_is_shared_and_the_listeners_idea_is_accepted(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    private = alex["id"]
    start = telegram.last_seq()
    say(telegram, private, alex, "/talk the dishes", "Let's draft it here first")
    say(telegram, private, alex, DESCRIBE, "step 2 of 3")
    say(telegram, private, alex, FEEL, "step 3 of 3")
    review = say(telegram, private, alex, REQUEST, "Here is your statement")
    assert [title for title, _ in buttons(review)] == [f"Share with {sam['first_name']}"]
    assert telegram.sent(group, after=start) == []  # nothing private reaches the group

    shown = tap(
        telegram,
        private,
        alex,
        review,
        f"Share with {sam['first_name']}",
        "would like you to hear this",
        expect_in=group,
    )
    assert "I felt tired and a bit lonely" in shown["text"]
    telegram.wait_for_text(private, "Shared in your group", after=start)

    asked = tap(telegram, group, sam, shown, "Skip", "your answer to")
    tap(telegram, group, sam, asked, "Another idea", "what would you suggest instead")
    idea = say(telegram, group, sam, "I'll do Mondays and Thursdays", "suggests")
    tap(telegram, group, alex, idea, "Yes, agreed", 'said yes to "I\'ll do Mondays and Thursdays"')

    assert statements_of(running, group, "drafted_in, shared, status, listener_answer") == [
        ("private", 1, "complete", "another_idea")
    ]
    assert running.query(
        "SELECT source, status, text FROM agreements WHERE statement_id = "
        "(SELECT id FROM statements WHERE chat_id = ?)",
        private,
    ) == [("counter_proposal", "agreed", "I'll do Mondays and Thursdays")]


def test_an_explicit_pause_is_not_a_step_and_cancel_keeps_what_was_written(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex = consented.group, consented.alex
    say(telegram, group, alex, "/talk", "Step 1 of 3")
    say(telegram, group, alex, DESCRIBE, "step 2 of 3")
    telegram.send(group, alex, "I need a break")
    say(telegram, group, alex, "/cancel", "Statement stopped")
    assert statements_of(running, group, "status, describe_text, feel_text") == [
        ("unfinished", DESCRIBE, None)
    ]


def test_content_that_looks_like_a_command_stays_the_steps_text(
    running, telegram: LocalTelegram, consented: Couple
):
    """Every statement entry of tests/nlu/lookalike_content.yml, through the real NLU.

    Drafted in Alex's private chat: the same capture as in the group, without the group's
    20-messages-a-minute limit (about 45 bot messages here)."""
    alex, chat = consented.alex, consented.alex["id"]
    entries = [
        e
        for e in yaml.safe_load((NLU_TESTS / "lookalike_content.yml").read_text())
        if e["step"] in ("describe", "feel", "request")
    ]
    steps = ("describe", "feel", "request")
    # Texts with findings keep their step open, so they go first; a clean one moves on.
    entries.sort(key=lambda e: (steps.index(e["step"]), not analyze(e["step"], e["text"])))
    at: str | None = None  # the step the open draft waits for
    started = False
    kept: list[tuple[str, str]] = []
    for entry in entries:
        step = entry["step"]
        if at != step:
            if started:
                say(telegram, chat, alex, "/cancel", "Your draft is stopped")
            started = True
            say(telegram, chat, alex, "/talk", "Step 1 of 3")
            if step in ("feel", "request"):
                say(telegram, chat, alex, DESCRIBE, "step 2 of 3")
            if step == "request":
                say(telegram, chat, alex, FEEL, "step 3 of 3")
        after = telegram.last_seq()
        telegram.send(chat, alex, entry["text"])
        telegram.wait_for(chat, answers_a_step, after=after)
        [(saved,)] = running.query(
            f"SELECT {step}_text FROM statements WHERE chat_id = ? ORDER BY id DESC LIMIT 1", chat
        )
        kept.append((entry["text"], saved))
        at = step if analyze(step, entry["text"]) else None
    assert [saved for _, saved in kept] == [text for text, _ in kept]


def answers_a_step(item: dict) -> bool:
    """The bot's answer to a step's text: a suggestion, the next step, or the whole statement."""
    text = item.get("text") or ""
    return any(part in text for part in ("A thought", " of 3, ", "Here is your statement"))
