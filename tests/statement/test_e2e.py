"""The guided statement through the real bot: asked for in the group and drafted in private
(nothing of it in the group before Share), written in the group by choice, the speaker
confirming the reflection, "I need time" with its reminder, cancelled, and content that
looks like a command staying content."""

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


def test_a_statement_asked_for_in_the_group_is_drafted_and_coached_in_private_then_shared(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    private = alex["id"]
    start = telegram.last_seq()
    say(telegram, group, sam, "We live in Berlin", "Time zone set to Europe/Berlin")
    asked = telegram.last_seq()
    preparing = say(telegram, group, alex, "can we talk about the dishes", "into words")
    assert preparing["text"] == (
        f"{alex['first_name']} is putting something about the dishes into words, in our "
        f"private chat. {sam['first_name']}, you'll see it here when it's ready."
    )
    assert [title for title, _ in buttons(preparing)] == ["Write it here instead"]
    first = telegram.wait_for_text(private, "Step 1 of 3, describe", after=asked)
    assert first["text"].startswith("About: the dishes\nLet's draft it here first")

    # Sam's words in the group meanwhile are the couple's own chat: nothing answers them.
    telegram.send(group, sam, "that's not fair, I did them on Friday")
    coached = say(telegram, private, alex, "You never help with the dishes", "A thought")
    assert '"never"' in coached["text"] and "Last Tuesday, when" in coached["text"]
    assert buttons(coached)[0][0] == "Keep it"
    tap(telegram, private, alex, coached, "Keep it", "step 2 of 3, feel")
    say(telegram, private, alex, "I felt ignored", "A thought")
    say(telegram, private, alex, FEEL, "step 3 of 3, request")
    review = say(telegram, private, alex, REQUEST, "Here is your statement")

    # Before Share the group saw only that something is being put into words.
    in_group = [item["text"] for item in telegram.sent(group, after=asked)]
    assert in_group == [preparing["text"]]

    shown = tap(
        telegram,
        private,
        alex,
        review,
        f"Share with {sam['first_name']}",
        "would like you to hear this",
        expect_in=group,
    )
    assert (
        "When you never help with the dishes, I felt tired and a bit lonely. Would you be "
        "willing to wash up on weeknights after dinner?"
    ) in shown["text"]
    assert buttons(shown)[0][0] == "Skip"

    confirm = say(
        telegram, group, sam, "You'd like me to wash up on weeknights", "did " + sam["first_name"]
    )
    assert confirm["text"] == f"{alex['first_name']}, did {sam['first_name']} get it?"
    assert [title for title, _ in buttons(confirm)] == ["Yes", "Almost"]
    tap(telegram, group, sam, confirm, "Yes", f"This one is for {alex['first_name']}")
    answer = tap(telegram, group, alex, confirm, "Yes", "your answer to")
    assert [title for title, _ in buttons(answer)] == ["Yes", "Another idea", "I need time"]
    agreed = tap(telegram, group, sam, answer, "Yes", "Agreed:")
    assert "Review date:" in agreed["text"]

    # No coaching and none of the draft's words ever reached the group.
    group_texts = " ".join(item["text"] or "" for item in telegram.sent(group, after=start))
    assert "A thought" not in group_texts and "ignored" not in group_texts
    assert "moment to find the words" not in group_texts

    data = export(telegram, consented)
    [statement] = data["statements"]
    alex_id, sam_id = (p["id"] for p in data["partners"])
    assert statement["speaker_id"] == alex_id and statement["listener_id"] == sam_id
    assert statement["topic"] == "the dishes"
    assert statement["describe_text"] == "You never help with the dishes"
    assert statement["feel_text"] == FEEL and statement["request_text"] == REQUEST
    assert statement["reflection_text"] == "You'd like me to wash up on weeknights"
    assert statement["reflection_confirmed"] is True
    assert statement["clarification_text"] is None and statement["answer_due_at"] is None
    assert [f["code"] for f in statement["findings"]["describe"]] == ["ABSOLUTE"]
    assert statement["findings"]["feel"] == [] and statement["revisions"] == {"feel": 1}
    assert statement["kept_despite_findings"] == ["describe"]
    assert (statement["status"], statement["listener_answer"], statement["drafted_in"]) == (
        "complete",
        "yes",
        "private",
    )
    assert statement["shared"] is True and statement["chat_id"] == private
    assert statement["completed_at"].endswith("+00:00")
    [agreement] = data["agreements"]
    assert agreement["statement_id"] == statement["id"]
    assert (agreement["source"], agreement["status"], agreement["agreed_by_id"]) == (
        "request",
        "agreed",
        sam_id,
    )
    review_at = datetime.fromisoformat(agreement["review_at"])
    agreed_at = datetime.fromisoformat(agreement["agreed_at"])
    assert round((review_at - agreed_at).total_seconds() / 86400) == AGREEMENT_REVIEW_DAYS
    # The date shown is the couple's (Berlin) date of the saved review time.
    local = review_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%A} {local.day} {local:%B}" in agreed["text"]
    # Sam's remarks in the group were never saved as the statement.
    assert "not fair" not in json.dumps(data)


def test_a_private_draft_is_shared_the_speaker_adds_a_line_and_accepts_the_listeners_idea(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    private = alex["id"]
    # The time zone first: its reminder would otherwise come to the group meanwhile.
    say(telegram, group, sam, "We live in Berlin", "Time zone set to Europe/Berlin")
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

    confirm = say(telegram, group, sam, "You want me to do the dishes", "get it?")
    added = tap(telegram, group, alex, confirm, "Almost", "what would you add?")
    assert "One line, here" in added["text"]
    again = say(telegram, group, alex, "Mostly on weeknights, when I'm tired", "adds:")
    assert "try once more" in again["text"]
    asked = say(telegram, group, sam, "On weeknights, when you're tired", "your answer to")
    tap(telegram, group, sam, asked, "Another idea", "what would you suggest instead")
    idea = say(telegram, group, sam, "I'll do Mondays and Thursdays", "suggests")
    tap(telegram, group, alex, idea, "Yes, agreed", 'said yes to "I\'ll do Mondays and Thursdays"')

    assert statements_of(
        running,
        group,
        "drafted_in, shared, status, listener_answer, reflection_confirmed, "
        "clarification_text, second_reflection_text",
    ) == [
        (
            "private",
            1,
            "complete",
            "another_idea",
            0,
            "Mostly on weeknights, when I'm tired",
            "On weeknights, when you're tired",
        )
    ]
    assert running.query(
        "SELECT source, status, text FROM agreements WHERE statement_id = "
        "(SELECT id FROM statements WHERE chat_id = ?)",
        private,
    ) == [("counter_proposal", "agreed", "I'll do Mondays and Thursdays")]


def test_i_need_time_sets_a_time_to_answer_whose_reminder_fires_and_is_no_escalation(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    private = alex["id"]
    say(telegram, group, sam, "We live in Berlin", "Time zone set to Europe/Berlin")
    say(telegram, private, alex, "/talk", "Let's draft it here first")
    say(telegram, private, alex, DESCRIBE, "step 2 of 3")
    say(telegram, private, alex, FEEL, "step 3 of 3")
    review = say(telegram, private, alex, REQUEST, "Here is your statement")
    shown = tap(
        telegram,
        private,
        alex,
        review,
        f"Share with {sam['first_name']}",
        "would like you to hear this",
        expect_in=group,
    )
    asked = tap(telegram, group, sam, shown, "Skip", "your answer to")
    when = tap(telegram, group, sam, asked, "I need time", "When will you answer")
    assert "pause" not in when["text"].lower()
    assert [title for title, _ in buttons(when)][-1].startswith("Tomorrow, ")
    later = say(telegram, group, sam, "in 4 seconds", "will answer")
    assert "Nothing is paused" in later["text"]
    assert statements_of(running, group, "status, listener_answer") == [
        ("needs_time", "need_time")
    ]
    due = telegram.wait_for_text(group, "it's the time you set to answer", after=later["seq"])
    assert [title for title, _ in buttons(due)] == ["Yes", "Another idea", "I need time"]
    tap(telegram, group, sam, due, "Yes", "Agreed:")

    data = export(telegram, consented)
    [statement] = data["statements"]
    assert (statement["status"], statement["listener_answer"]) == ("complete", "yes")
    assert statement["answer_due_at"] is not None
    assert data["pauses"] == [] and data["escalations"] == []
    assert running.query(
        "SELECT status FROM timers WHERE kind = 'statement_answer_due' AND chat_id = ?", group
    ) == [("fired",)]


def test_a_partner_the_bot_cannot_write_to_privately_gets_a_link_in_the_group(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex = consented.group, consented.alex
    telegram.block(alex)
    linked = say(telegram, group, alex, "/talk", "can't write to you privately")
    assert "?start=talk" in linked["text"]
    assert running.query(
        "SELECT drafted_in, chat_id, status FROM statements WHERE couple_id = "
        "(SELECT id FROM couples WHERE group_chat_id = ?)",
        group,
    ) == [("private", alex["id"], "drafting")]
    telegram.block(alex, blocked=False)
    say(telegram, alex["id"], alex, "/start talk", "step 1 of 3, describe")


def test_written_in_the_group_by_choice_an_explicit_pause_is_not_a_step_and_cancel_keeps_it(
    running, telegram: LocalTelegram, consented: Couple
):
    group, alex, sam = consented.group, consented.alex, consented.sam
    preparing = say(telegram, group, alex, "/talk", "into words")
    tap(telegram, group, alex, preparing, "Write it here instead", "Step 1 of 3")
    # Sam's words while Alex writes in the group: one kind note, and not Alex's answer.
    say(telegram, group, sam, "that's not fair, I did them on Friday", "moment to find the words")
    say(telegram, group, alex, DESCRIBE, "step 2 of 3")
    telegram.send(group, alex, "I need a break")
    say(telegram, group, alex, "/cancel", "Statement stopped")
    assert statements_of(running, group, "status, describe_text, feel_text, drafted_in") == [
        ("unfinished", DESCRIBE, None, "group")
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
