"""The guided statement's domain: steps, revisions, "Keep it", composing, review dates."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from actions.statement.coaching import Finding
from actions.statement.steps import (
    compose,
    confirm_reflection,
    format_day,
    keep_despite_findings,
    review_at,
    set_aside,
    share,
    take_clarification,
    take_reflection,
    take_step_text,
)
from storage.models import Statement

NOW = datetime(2025, 3, 9, 21, 30, tzinfo=timezone.utc)
LATER = datetime(2025, 3, 9, 21, 35, tzinfo=timezone.utc)


def new_statement(drafted_in: str = "group") -> Statement:
    return Statement(
        step="describe",
        status="drafting",
        drafted_in=drafted_in,
        shared=False,
        findings={},
        revisions={},
        kept_despite_findings=[],
        state={},
    )


def coach_flagging(*words: str):
    """A coach that flags any of `words` (the real one is tested in test_coaching.py)."""

    def coach(step: str, text: str) -> list[Finding]:
        return [
            Finding("ABSOLUTE", text.find(w), text.find(w) + len(w), f"About {w}")
            for w in words
            if w in text
        ]

    return coach


def test_a_text_without_findings_moves_straight_on():
    statement = new_statement()
    outcome = take_step_text(statement, "On Sunday you left early", NOW, coach_flagging("never"))
    assert (outcome.step, outcome.findings, outcome.revision, outcome.next_step) == (
        "describe",
        [],
        0,
        "feel",
    )
    assert statement.describe_text == "On Sunday you left early"
    assert statement.findings == {"describe": []}
    assert statement.step == "feel" and statement.updated_at == NOW


def test_findings_keep_the_step_open_and_a_rewrite_replaces_the_text_and_counts():
    statement = new_statement()
    coach = coach_flagging("never")
    first = take_step_text(statement, "You never help", NOW, coach)
    assert first.next_step == "describe" and first.revision == 0
    assert statement.findings["describe"][0]["code"] == "ABSOLUTE"
    second = take_step_text(statement, "You never help, ever", LATER, coach)
    assert second.revision == 1 and statement.revisions == {"describe": 1}
    assert statement.describe_text == "You never help, ever"
    third = take_step_text(statement, "On Sunday you watched TV while I cleaned", LATER, coach)
    assert third.next_step == "feel"
    assert statement.revisions == {"describe": 2}
    assert statement.findings["describe"] == []
    assert statement.kept_despite_findings == []


def test_keep_it_moves_on_once_and_only_for_the_version_it_was_shown_for():
    statement = new_statement()
    coach = coach_flagging("ignored")
    statement.step = "feel"
    take_step_text(statement, "I felt ignored", NOW, coach)
    take_step_text(statement, "I felt so ignored", NOW, coach)  # revision 1
    assert not keep_despite_findings(statement, "feel", 0, LATER)  # the earlier suggestion
    assert keep_despite_findings(statement, "feel", 1, LATER)
    assert statement.step == "request" and statement.kept_despite_findings == ["feel"]
    assert statement.feel_text == "I felt so ignored"
    assert not keep_despite_findings(statement, "feel", 1, LATER)  # pressed twice


def test_after_the_request_a_group_statement_waits_for_the_listener():
    statement = new_statement()
    statement.step = "request"
    take_step_text(statement, "Would you call me at lunch?", NOW, coach_flagging())
    assert (statement.step, statement.status) == ("reflect", "awaiting_listener")
    assert take_reflection(statement, "You'd like a call at lunch", LATER)
    # The speaker confirms they were understood before the listener answers.
    assert statement.step == "confirm" and statement.reflection_text == "You'd like a call at lunch"
    assert not take_reflection(statement, "again", LATER)
    assert confirm_reflection(statement, True, LATER)
    assert statement.step == "answer" and statement.reflection_confirmed is True
    assert not confirm_reflection(statement, False, LATER)


def test_almost_takes_one_line_then_one_more_reflection_then_the_answer():
    statement = new_statement()
    statement.step = "request"
    take_step_text(statement, "Would you call me at lunch?", NOW, coach_flagging())
    take_reflection(statement, "You want calls", LATER)
    assert not take_clarification(statement, "too early", LATER)  # "Almost" not pressed yet
    assert confirm_reflection(statement, False, LATER)
    assert statement.step == "confirm" and statement.reflection_confirmed is False
    assert not confirm_reflection(statement, True, LATER)  # one answer only
    assert take_clarification(statement, "Just at lunch, on workdays", LATER)
    assert statement.step == "reflect"
    assert take_reflection(statement, "A call at lunch on workdays", LATER)
    assert statement.step == "answer"
    assert statement.reflection_text == "You want calls"
    assert statement.clarification_text == "Just at lunch, on workdays"
    assert statement.second_reflection_text == "A call at lunch on workdays"


def test_a_skipped_reflection_asks_no_confirmation():
    statement = new_statement()
    statement.step = "request"
    take_step_text(statement, "Would you call me at lunch?", NOW, coach_flagging())
    assert take_reflection(statement, None, LATER)
    assert statement.step == "answer" and statement.reflection_confirmed is None


def test_a_private_draft_waits_for_share_then_goes_to_the_listener():
    statement = new_statement("private")
    statement.step = "request"
    take_step_text(statement, "Would you call me at lunch?", NOW, coach_flagging())
    assert (statement.step, statement.status, statement.shared) == ("review", "drafting", False)
    assert share(statement, LATER)
    assert (statement.step, statement.status, statement.shared) == (
        "reflect",
        "awaiting_listener",
        True,
    )
    assert statement.shared_at == LATER
    assert not share(statement, LATER)


def test_taking_text_outside_a_writing_step_is_refused():
    statement = new_statement()
    statement.step = "answer"
    with pytest.raises(ValueError):
        take_step_text(statement, "text", NOW, coach_flagging())


def test_cancel_keeps_what_was_written_as_unfinished():
    written, empty = new_statement(), new_statement()
    take_step_text(written, "On Sunday you left early", NOW, coach_flagging())
    set_aside(written, LATER)
    set_aside(empty, LATER)
    assert (written.status, written.describe_text, written.step) == (
        "unfinished",
        "On Sunday you left early",
        "feel",
    )
    assert empty.status == "cancelled"


@pytest.mark.parametrize(
    ("describe", "feel", "ask", "expected"),
    [
        (
            "On Sunday you went to bed and left the dishes in the sink.",
            "I felt tired and a bit lonely.",
            "Would you be willing to wash up on weeknights after dinner?",
            "When on Sunday you went to bed and left the dishes in the sink, I felt tired and "
            "a bit lonely. Would you be willing to wash up on weeknights after dinner?",
        ),
        (
            "When you came home at 10 without texting",
            "Worried, then sad",
            "Could you text me when you'll be later than 8?",
            "When you came home at 10 without texting, I felt worried, then sad. Would you be "
            "willing to text me when you'll be later than 8?",
        ),
        (
            "Sam's mum called and you said yes to Sunday lunch without asking me",
            "sure I was angry, but mostly I was hurt",
            "Could we decide weekend plans together on Thursdays?",
            "When Sam's mum called and you said yes to Sunday lunch without asking me, sure I "
            "was angry, but mostly I was hurt. Would you be willing for us to decide weekend "
            "plans together on Thursdays?",
        ),
        (
            "Yesterday you laughed when I tripped",
            "I feel embarrassed",
            "I'd rather you check I'm okay first",
            "When yesterday you laughed when I tripped, I felt embarrassed. I'd rather you "
            "check I'm okay first. Would you be willing?",
        ),
        (
            "You're on your phone at dinner",
            "lonely",
            "Leave it in the hall",
            "When you're on your phone at dinner, I felt lonely. Would you be willing to leave "
            "it in the hall?",
        ),
        (
            "you took the car keys",
            "😢",
            "Put them back on the hook",
            "When you took the car keys, I felt 😢. Would you be willing to put them back on "
            "the hook?",
        ),
    ],
)
def test_compose_reads_as_one_statement(describe, feel, ask, expected):
    assert compose(describe, feel, ask) == expected


def test_review_date_defaults_to_two_weeks_and_follows_the_environment(monkeypatch):
    monkeypatch.delenv("AGREEMENT_REVIEW_DAYS", raising=False)
    assert review_at(NOW) == datetime(2025, 3, 23, 21, 30, tzinfo=timezone.utc)
    monkeypatch.setenv("AGREEMENT_REVIEW_DAYS", "3")
    assert review_at(NOW) == datetime(2025, 3, 12, 21, 30, tzinfo=timezone.utc)
    monkeypatch.setenv("AGREEMENT_REVIEW_DAYS", "soon")
    assert review_at(NOW).day == 23


def test_review_date_is_shown_in_the_couples_time_zone():
    late_evening_utc = datetime(2025, 3, 23, 23, 30, tzinfo=timezone.utc)
    assert format_day(late_evening_utc, "Europe/Berlin") == "Monday 24 March"
    assert format_day(late_evening_utc, None) == "Sunday 23 March"
    assert format_day(late_evening_utc, "Not/AZone") == "Sunday 23 March"
