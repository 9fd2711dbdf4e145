"""The private safety check: three screening questions with buttons, after consent.

Answers are private forever (a SafetyCheck row: never exported, never shown in the group,
never told to the other partner). An answer that indicates danger gives that partner
resources at once, and the choice of what happens next, privately:
- "Keep things as they are": nothing changes anywhere.
- "Quietly keep to gentler tools": a safety hold (no escalation-prone exercises) that starts
  only when the group gets its neutral note, later, so nothing points at anyone before.
- "How to hide this chat": practical steps; nothing changes in the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

import settings
from actions.core.replies import Outgoing, Reply, Toast, button
from actions.safety.resources import resources_for
from actions.safety.respond import hold_later
from storage import safety
from storage.couples import couples_of_user
from storage.models import SafetyCheck

ANSWER_INTENT = "safety_answer"
CHOICE_INTENT = "safety_choice"
CHOOSING = "choice"  # the check's step after a worrying answer, until a choice is made
CHOICES: tuple[tuple[str, str], ...] = (
    ("Keep things as they are", "keep"),
    ("Quietly keep to gentler tools", "gentle"),
    ("How to hide this chat", "hide"),
)


@dataclass(frozen=True)
class Question:
    key: str
    response: str  # utter_* with the question's text
    options: tuple[tuple[str, str], ...]  # (button title, answer value)
    danger: frozenset[str]  # answers that indicate danger


SKIP = ("Rather not say", "skip")
QUESTIONS: tuple[Question, ...] = (
    Question(
        "afraid",
        "utter_safety_question_afraid",
        (("Yes", "yes"), ("Sometimes", "some"), ("No", "no"), SKIP),
        frozenset({"yes", "some"}),
    ),
    Question(
        "physical",
        "utter_safety_question_physical",
        (("Yes", "yes"), ("No", "no"), SKIP),
        frozenset({"yes"}),
    ),
    Question(
        "safe_here",
        "utter_safety_question_safe_here",
        (("Yes", "yes"), ("Not sure", "unsure"), ("No", "no"), SKIP),
        frozenset({"no"}),
    ),
)
BY_KEY = {question.key: question for question in QUESTIONS}


def answer_button(title: str, question: str, answer: str) -> dict[str, str]:
    return button(title, ANSWER_INTENT, safety_q=question, safety_a=answer)


def ask(question: Question) -> Reply:
    return Reply(
        response=question.response,
        buttons=[answer_button(title, question.key, value) for title, value in question.options],
    )


def begin(user_id: int, session: Session, now: datetime) -> list[Outgoing]:
    """After consent: start the check, or ask again where it stopped; [] if it was done."""
    check = safety.latest_check(user_id, session=session)
    if check is not None and check.completed_at is not None:
        return []
    if check is None or check.step not in BY_KEY:
        check = safety.start_check(user_id, QUESTIONS[0].key, now=now, session=session)
        return [Reply(response="utter_safety_check_intro"), ask(QUESTIONS[0])]
    return [ask(BY_KEY[check.step])]


def record_answer(
    user_id: int, question_key: str, answer: str, session: Session, now: datetime
) -> list[Outgoing]:
    """One button press. Late or repeated presses change nothing (a toast says so)."""
    check = safety.latest_check(user_id, session=session)
    if check is None or check.completed_at is not None or check.step != question_key:
        return [Toast("utter_toast_safety_answered")]
    question = BY_KEY[question_key]
    if answer not in {value for _, value in question.options}:
        return [ask(question)]
    safety.add_answer(check, question_key, answer)
    index = [q.key for q in QUESTIONS].index(question_key)
    if index + 1 < len(QUESTIONS):
        check.step = QUESTIONS[index + 1].key
        return [ask(QUESTIONS[index + 1])]
    return complete(check, user_id, session, now)


def indicates_danger(answers: dict[str, str]) -> bool:
    return any(answers.get(q.key) in q.danger for q in QUESTIONS)


def complete(check: SafetyCheck, user_id: int, session: Session, now: datetime) -> list[Outgoing]:
    check.step = None
    check.completed_at = now
    check.danger = indicates_danger(safety.answers_of(check))
    if not check.danger:
        return [Reply(response="utter_safety_check_done")]
    for couple in couples_of_user(user_id, session=session):
        safety.record_event(
            user_id, "safety_check_danger", "private", couple_id=couple.id, now=now, session=session
        )
    check.step = CHOOSING
    return [
        Reply(
            response="utter_safety_check_danger",
            values={"resources": resources_for("safety_check")},
            buttons=choice_buttons(),
        )
    ]


def choice_buttons(*values: str) -> list[dict[str, str]]:
    return [
        button(title, CHOICE_INTENT, safety_a=value)
        for title, value in CHOICES
        if not values or value in values
    ]


def offer_choice_again(user_id: int, session: Session) -> list[Outgoing]:
    """Someone whose check was worrying agreed in a new couple: the choice is theirs again,
    for it (the answers are not asked twice)."""
    check = safety.latest_check(user_id, session=session)
    if check is None or check.completed_at is None or not check.danger:
        return []
    check.step = CHOOSING
    return [Reply(response="utter_safety_choice_again", buttons=choice_buttons())]


def record_choice(user_id: int, choice: str, session: Session, now: datetime) -> list[Outgoing]:
    """What the person who answered chose after a worrying answer. Only they see any of it;
    the group hears nothing until a chosen hold starts, with its neutral note."""
    check = safety.latest_check(user_id, session=session)
    if check is None or check.step != CHOOSING or choice not in {v for _, v in CHOICES}:
        return [Toast("utter_toast_safety_answered")]
    if choice == "hide":
        # Practical steps; the other two choices stay open below them.
        still_open = choice_buttons("keep", "gentle")
        return [Reply(response="utter_safety_choice_hide", buttons=still_open)]
    check.step = None
    if choice == "keep":
        return [Reply(response="utter_safety_choice_keep")]
    for couple in couples_of_user(user_id, session=session):
        hold_later(couple, session, now)
    minutes = max(1, round(settings.current().safety_notice_delay_seconds / 60))
    return [Reply(response="utter_safety_choice_gentle", values={"minutes": minutes})]
