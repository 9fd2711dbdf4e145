"""Crisis language: the matcher's quality on the labelled set, and what an action answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from actions.core import flows, routing
from actions.core.context import context_from
from actions.core.replies import Outgoing, Reply
from actions.core.routing import capture_content, is_crisis
from actions.general.help import ActionAnswerFreeText, ActionAnswerMedia
from actions.safety.actions import ActionAnswerCrisis
from actions.safety.crisis import classify, detect, is_idiom
from actions.safety.resources import FALLBACK, resources_for
from storage import safety as safety_store
from storage.engine import transaction
from storage.models import Couple, SafetyCheck, SafetyEvent, Timer, utc_now
from tests.support import factories
from tests.support.trackers import add_response, build_tracker, run_action, texts

CASES = Path(__file__).resolve().parents[1] / "safety"
GROUP = -100700
form_couple = partial(factories.form_couple, group=GROUP, partners=((11, "Alex"), (12, "Sam")))


def load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (CASES / name).read_text().splitlines() if line]


def scores(cases: list[dict[str, Any]]) -> tuple[float, float]:
    tp = sum(1 for c in cases if c["crisis"] and detect(c["text"]))
    fp = sum(1 for c in cases if not c["crisis"] and detect(c["text"]))
    fn = sum(1 for c in cases if c["crisis"] and not detect(c["text"]))
    return tp / max(1, tp + fp), tp / max(1, tp + fn)


def test_the_labelled_set_has_a_hundred_lines_with_hard_negatives():
    cases = load("crisis_cases.jsonl")
    assert len(cases) >= 100
    negatives = {c["text"] for c in cases if not c["crisis"]}
    assert {"this chore is killing me", "I could kill for a coffee"} <= negatives


def test_the_matcher_keeps_its_recall_and_precision_on_the_labelled_set():
    precision, recall = scores(load("crisis_cases.jsonl"))
    assert recall >= 0.95 and precision >= 0.85, (precision, recall)


def test_the_matcher_holds_up_on_held_out_phrasings():
    precision, recall = scores(load("crisis_holdout.jsonl"))
    assert recall >= 0.85 and precision >= 0.85, (precision, recall)


@pytest.mark.parametrize(
    "text",
    [
        "this chore is killing me",
        "I could kill for a coffee",
        "I'm dying to see the film",
        "it hurt me when you forgot my birthday",
        "I don't want to hurt you by saying this",
        "I'm afraid of losing you",
        "I cut myself while chopping onions",
        "",
        "   ",
        "🙂" * 50,
    ],
)
def test_figures_of_speech_and_hurt_feelings_are_not_crises(text):
    assert detect(text) is None


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("I want to kill myself", "self_harm"),
        ("im scared of what hell do when he gets home", "fear"),
        ("he choked me", "violence"),
        ("he threatened to kill me", "threat"),
        ("my partner is abusive", "abuse"),
        ("I cut myself with a razor on purpose", "self_harm"),
    ],
)
def test_crisis_phrases_are_found_with_their_kind(text, kind):
    finding = detect(text)
    assert finding is not None and finding.kind == kind


def test_the_nlu_intent_counts_unless_the_words_are_an_idiom():
    assert classify("everything feels pointless and dark", "crisis", 0.9) == "other"
    assert classify("everything feels pointless and dark", "crisis", 0.3) is None
    assert classify("she beat me at chess", "crisis", 0.99) is None  # a look-alike
    assert is_idiom("this chore is killing me")
    assert classify("this chore is killing me", "crisis") is None
    assert classify("did you buy milk", "content") is None


def test_crisis_words_are_never_captured_as_exercise_content(database, monkeypatch):
    calls: list[str] = []

    def greedy(ctx, session):  # a flow that would take anything as content
        calls.append(ctx.text)
        return [Reply(response="utter_test_captured")]

    # Asked first of all: the first name in the routing table.
    monkeypatch.setitem(routing._capturers, routing.CAPTURE_ORDER[0], greedy)
    tracker = build_tracker(GROUP, "I don't want to live anymore", "content")
    ctx = context_from(tracker)
    assert is_crisis(ctx)
    with transaction() as session:
        assert capture_content(ctx, session) is None
    assert calls == []


@dataclass
class RunningExercise:
    """A stand-in flow, so the test can see the crisis stop it."""

    name: str = "test_exercise"
    running: bool = True
    cancelled: list[int] = field(default_factory=list)

    def is_running(self, couple: Couple, session: Session) -> bool:
        return self.running

    def suspend(self, couple, session, now):  # type: ignore[no-untyped-def]
        return None

    def restore(self, couple, state, session, now):  # type: ignore[no-untyped-def]
        return []

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        if not self.running:
            return []
        self.running = False
        self.cancelled.append(couple.id)
        return [Reply(response="utter_test_exercise_cancelled")]


@pytest.fixture
def exercise(monkeypatch, domain):
    add_response(
        monkeypatch,
        domain,
        "utter_test_exercise_cancelled",
        "The round-robin about money is cancelled. Alex spoke 3 minutes.",
    )
    flow = RunningExercise()
    monkeypatch.setitem(flows._flows, flow.name, flow)
    return flow


def customs(messages: list[dict]) -> list[dict]:
    return [m["custom"]["telegram"] for m in messages if m.get("custom")]


def test_crisis_in_the_group_stops_the_exercise_and_answers_privately(database, domain, exercise):
    form_couple(domain)
    text = "he hit me last night"
    tracker = build_tracker(GROUP, text, "content", user_id=12, first_name="Sam")
    messages = run_action(ActionAnswerFreeText(), tracker, domain)

    assert exercise.cancelled and not exercise.running
    group = [m["text"] for m in messages if m.get("text")]
    assert group == ["Let's stop the exercise here for now. You can come back to it another time."]
    private = [c for c in customs(messages) if c.get("chat_id") == 12]
    assert len(private) == 1 and "1-800-799-7233" in private[0]["text"]
    assert text not in private[0]["text"]
    fallback = private[0]["if_undeliverable"]
    assert "open a private chat" in fallback["text"] and "chat_id" not in fallback
    shown = " ".join(texts(messages)) + fallback["text"]
    assert "Sam" not in shown and "hit" not in shown  # never who, never why

    with transaction() as session:
        events = session.query(SafetyEvent).all()
        assert [(e.telegram_user_id, e.kind, e.source) for e in events] == [
            (12, "crisis_violence", "group")
        ]
        couple = session.query(Couple).one()
        assert couple.safety_hold  # violence: no escalation-prone exercises any more
        notice = session.query(Timer).filter_by(kind="safety_hold_notice").one()
        assert notice.chat_id == GROUP


def test_an_observers_crisis_words_get_resources_and_touch_nothing_of_the_couple(
    database, domain, exercise
):
    form_couple(domain)
    tracker = build_tracker(
        GROUP, '/crisis{"crisis_kind": "self_harm"}', "crisis", user_id=99, first_name="Robin",
        entities={"crisis_kind": "self_harm"},
    )
    messages = run_action(ActionAnswerCrisis(), tracker, domain)

    assert exercise.running and not exercise.cancelled  # not their couple's exercise
    private = [c for c in customs(messages) if c.get("chat_id") == 99]
    assert len(private) == 1 and "glad you told me" in private[0]["text"]
    fallback = private[0]["if_undeliverable"]  # no private chat: the resources in the group
    assert "self-help tool for the couple of this group" in fallback["text"]
    assert "988" in fallback["text"] and "chat_id" not in fallback
    assert [m for m in messages if m.get("text")] == []  # the partners get no note
    assert [c["chat_id"] for c in customs(messages)] == [99]
    with transaction() as session:
        assert session.query(SafetyEvent).count() == 0
        assert not session.query(Couple).one().safety_hold


def test_crisis_with_nothing_running_says_nothing_in_the_group(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "I want to die", "content", user_id=11)
    messages = run_action(ActionAnswerFreeText(), tracker, domain)
    assert [m for m in messages if m.get("text")] == []
    # The writer's answer, then a note for the partner who read it too (both private).
    assert [c["chat_id"] for c in customs(messages)] == [11, 12]
    with transaction() as session:
        assert not session.query(Couple).one().safety_hold  # self-harm: no hold


def test_crisis_in_private_stops_the_couples_exercise_with_a_neutral_group_line(
    database, domain, exercise
):
    form_couple(domain)
    tracker = build_tracker(11, "I'm scared of him", "content", user_id=11, chat_type="private")
    messages = run_action(ActionAnswerFreeText(), tracker, domain)
    assert exercise.cancelled
    group = [c for c in customs(messages) if c.get("chat_id") == GROUP]
    assert [c["text"] for c in group] == [
        "Let's stop the exercise here for now. You can come back to it another time."
    ]
    private = [m["text"] for m in messages if m.get("text")]
    assert len(private) == 1 and "emergency" in private[0]
    with transaction() as session:
        # Fear of the partner, written in private: the hold starts only with the group's
        # neutral note, so a refused exercise right now can't point at the writer.
        assert not session.query(Couple).one().safety_hold
        notice = session.query(Timer).filter_by(kind="safety_hold_notice").one()
        assert json.loads(notice.payload)["starts_hold"] is True


def test_a_second_crisis_message_soon_after_gets_a_short_answer(database, domain):
    form_couple(domain)
    first = run_action(
        ActionAnswerFreeText(), build_tracker(GROUP, "I want to die", "content", user_id=11), domain
    )
    second = run_action(
        ActionAnswerFreeText(), build_tracker(GROUP, "I want to die", "content", user_id=11), domain
    )
    assert len(customs(second)[0]["text"]) < len(customs(first)[0]["text"])
    assert "I'm still here" in customs(second)[0]["text"]


def test_a_stranger_in_private_gets_resources_and_nothing_is_saved(database, domain):
    tracker = build_tracker(555, "i want to kill myself", "crisis", chat_type="private")
    messages = run_action(ActionAnswerFreeText(), tracker, domain)
    assert "988" in texts(messages)[0]
    with transaction() as session:
        assert session.query(SafetyEvent).count() == 0


def test_the_resources_file_can_be_replaced_and_a_missing_one_falls_back(tmp_path, monkeypatch):
    mine = tmp_path / "resources.txt"
    mine.write_text("Call the Helpline of Testland: 12345.")
    monkeypatch.setenv("SAFETY_RESOURCES_FILE", str(mine))
    assert resources_for("self_harm") == "Call the Helpline of Testland: 12345."
    monkeypatch.setenv("SAFETY_RESOURCES_FILE", str(tmp_path / "missing.yml"))
    assert resources_for("violence") == FALLBACK
    monkeypatch.delenv("SAFETY_RESOURCES_FILE")
    default = resources_for("violence")
    assert "112" in default and "domestic" in default.lower()


# -- afterwards: the writer's private messages, and the partner who read it ---------------


def to_alex(messages: list[dict]) -> list[dict]:
    return [c for c in customs(messages) if c.get("chat_id") == 11]


def say_privately(domain, user: int, text: str) -> list[dict]:
    tracker = build_tracker(user, text, "content", user_id=user, chat_type="private")
    return run_action(ActionAnswerFreeText(), tracker, domain)


def test_after_crisis_words_the_writers_private_messages_get_a_human_line_not_help(
    database, domain
):
    form_couple(domain)
    run_action(
        ActionAnswerFreeText(), build_tracker(GROUP, "I want to die", "content", user_id=11), domain
    )
    (reading,) = texts(say_privately(domain, 11, "hello? are you there"))
    assert reading.startswith(
        "I'm reading. I can't talk it through like a person can; these people can, by text too:"
    )
    assert "988" in reading and "/help" not in reading
    assert reading.count("\n\n") <= 3  # at most 4 short paragraphs on a phone
    # A voice note or a sticker: not just "I can only read text", but people who can listen.
    (heard,) = texts(send_media_privately(domain, 11))
    assert heard.startswith("I can only read text, so I can't take this in.")
    assert "988" in heard
    # The partner, who wrote nothing worrying, gets the usual answers.
    assert texts(say_privately(domain, 12, "hello")) == ["I'm here. /help shows what I can do."]
    assert texts(send_media_privately(domain, 12)) == ["I can only read text. Could you type it?"]
    # A day later it is the usual answer again.
    with transaction() as session:
        for event in session.query(SafetyEvent).all():
            event.created_at = event.created_at - timedelta(hours=25)
    assert texts(say_privately(domain, 11, "hi")) == ["I'm here. /help shows what I can do."]
    assert texts(send_media_privately(domain, 11)) == ["I can only read text. Could you type it?"]


def send_media_privately(domain, user: int) -> list[dict]:
    tracker = build_tracker(
        user, '/shared_media{"media_kind":"voice"}', "shared_media", user_id=user,
        chat_type="private", entities={"media_kind": "voice"},
    )
    return run_action(ActionAnswerMedia(), tracker, domain)


def partner_note(domain, writer_answers: dict[str, str] | None) -> list[dict]:
    """Sam writes crisis words in the group (after these private safety answers, if any);
    what goes to Alex privately."""
    form_couple(domain)
    if writer_answers:
        with transaction() as session:
            check = safety_store.start_check(12, "afraid", now=utc_now(), session=session)
            for question, answer in writer_answers.items():
                safety_store.add_answer(check, question, answer)
            check.danger = True
    tracker = build_tracker(GROUP, "I want to kill myself", "content", user_id=12, first_name="Sam")
    return to_alex(run_action(ActionAnswerFreeText(), tracker, domain))


def test_the_partner_who_read_crisis_words_in_the_group_gets_a_private_note(database, domain):
    (note,) = partner_note(domain, None)
    assert note["text"].startswith("Something written in your group just now worried me")
    assert "listen" in note["text"] and "emergency number" in note["text"]
    assert "988" in note["text"]  # where to call
    assert note["text"].count("\n\n") <= 3
    assert "if_undeliverable" not in note  # nothing goes to the group instead
    # A second message soon after does not send a second note.
    again = build_tracker(GROUP, "I want to kill myself", "content", user_id=12)
    assert to_alex(run_action(ActionAnswerFreeText(), again, domain)) == []


def test_the_partners_note_never_reveals_a_private_safety_answer(database, domain):
    (plain,) = partner_note(domain, None)
    with transaction() as session:
        for model in (SafetyEvent, SafetyCheck, Couple):
            session.query(model).delete()
    (after_answers,) = partner_note(domain, {"afraid": "yes", "physical": "yes", "safe_here": "no"})
    assert after_answers == plain  # word for word: nothing depends on what Sam told the bot
    assert "afraid" not in plain["text"] and "told me" not in plain["text"]


def test_violent_words_give_the_partner_a_note_that_keeps_a_distance(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "he hit me last night", "content", user_id=12)
    (note,) = to_alex(run_action(ActionAnswerFreeText(), tracker, domain))
    assert "Give each other some space" in note["text"] and "1-800-799-7233" in note["text"]
    assert "stay close" not in note["text"]


def test_crisis_words_in_private_send_the_partner_nothing(database, domain):
    form_couple(domain)
    messages = say_privately(domain, 12, "I want to die")
    assert to_alex(messages) == []
