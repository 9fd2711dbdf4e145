"""What the guided statement says at each moment, and its buttons (texts live in domain.yml).

Button payloads carry a `statement_ref`: the statement id, plus the step and revision for
"Keep it" (so a press on the suggestion for an earlier version does nothing) or the couple
for choosing a group. Every payload stays well under Telegram's 64 bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from actions.core.replies import Outgoing, Reply, button, payload
from actions.pause.times import clock_text, evening_time, tomorrow_time, zone_of
from actions.statement.coaching import Finding
from actions.statement.steps import STEPS, composed, request_question, revision_of
from storage import statements
from storage.enums import DraftedIn, StatementStep
from storage.models import Agreement, Couple, Partner, Statement, utc_now


@dataclass(frozen=True)
class Ref:
    statement_id: int
    parts: tuple[str, ...]


def parse_ref(value: object) -> Ref | None:
    pieces = str(value or "").split(":")
    if not pieces[0].isdigit():
        return None
    return Ref(int(pieces[0]), tuple(pieces[1:]))


def statement_button(title: str, intent: str, *parts: object) -> dict[str, str]:
    """A button about one statement: its `statement_ref` is the parts joined by colons."""
    return button(title, intent, statement_ref=":".join(str(part) for part in parts))


def names(statement: Statement, session: Session) -> dict[str, str]:
    speaker = session.get(Partner, statement.speaker_id)
    listener = session.get(Partner, statement.listener_id) if statement.listener_id else None
    return {
        "speaker": speaker.first_name if speaker else "",
        "listener": listener.first_name if listener else "your partner",
    }


def one_line(text: str) -> str:
    """A person's words inside a bot message: on one line (Rasa splits texts at blank lines)."""
    return " ".join(text.split())


def topic_line(topic: str | None) -> str:
    return f"About: {topic}\n" if topic else ""


def topic_part(topic: str | None) -> str:
    """ "something about the dishes" reads "something" without a topic."""
    return f" about {topic}" if topic else ""


# Telegram's limit for a button's data.
MAX_PAYLOAD_BYTES = 64


# Each step's question (named in full, so every response in use can be found in the code).
STEP_PROMPTS = {
    "describe": "utter_statement_describe",
    "feel": "utter_statement_feel",
    "request": "utter_statement_request",
}


def step_prompt(statement: Statement, session: Session, chat_id: int | None = None) -> Reply:
    return Reply(
        response=STEP_PROMPTS[str(statement.step)],
        values=names(statement, session),
        chat_id=chat_id,
    )


def coach_reply(statement: Statement, finding: Finding, session: Session) -> Reply:
    step = str(statement.step)
    return Reply(
        response="utter_statement_coach",
        values={**names(statement, session), "suggestion": finding.suggestion},
        buttons=[
            statement_button(
                "Keep it", "statement_keep", statement.id, step, revision_of(statement, step)
            )
        ],
    )


def composed_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    """The statement, shown to both in the group, inviting the listener to reflect."""
    return Reply(
        response="utter_statement_composed",
        values={**names(statement, session), "statement": composed(statement)},
        buttons=[statement_button("Skip", "statement_skip_reflection", statement.id)],
        chat_id=couple.group_chat_id,
    )


def review_reply(statement: Statement, session: Session) -> Reply:
    """A private draft, finished: read it over, then share it with the partner."""
    values = {**names(statement, session), "statement": composed(statement)}
    return Reply(
        response="utter_statement_review",
        values=values,
        buttons=[
            statement_button(
                f"Share with {values['listener']}"[:64], "statement_share", statement.id
            )
        ],
    )


def preparing_reply(statement: Statement, session: Session) -> Reply:
    """In the group, while the speaker drafts in private: only that it is being prepared."""
    return Reply(
        response="utter_statement_preparing",
        values={**names(statement, session), "topic_part": topic_part(statement.topic)},
        buttons=[
            statement_button("Write it here instead", "statement_draft_in_group", statement.id)
        ],
    )


def private_start_reply(
    statement: Statement, session: Session, *, if_undeliverable: Reply | None = None
) -> Reply:
    """The first step, in the speaker's private chat."""
    return Reply(
        response="utter_statement_start_private",
        values={**names(statement, session), "topic_line": topic_line(statement.topic)},
        chat_id=statement.chat_id,
        if_undeliverable=if_undeliverable,
    )


def confirm_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    """After the listener's reflection: "Did Sam get it?", for the speaker."""
    return Reply(
        response="utter_statement_confirm",
        values=names(statement, session),
        buttons=[
            statement_button("Yes", "statement_understood", statement.id),
            statement_button("Almost", "statement_almost", statement.id),
        ],
        chat_id=couple.group_chat_id,
    )


def reflect_again_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    return Reply(
        response="utter_statement_reflect_again",
        values={
            **names(statement, session),
            "addition": one_line(statement.clarification_text or ""),
        },
        buttons=[statement_button("Skip", "statement_skip_reflection", statement.id)],
        chat_id=couple.group_chat_id,
    )


def answer_buttons(statement: Statement) -> list[dict[str, str]]:
    return [
        statement_button("Yes", "statement_yes", statement.id),
        statement_button("Another idea", "statement_another_idea", statement.id),
        statement_button("I need time", "statement_need_time", statement.id),
    ]


def answer_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    return Reply(
        response="utter_statement_ask_answer",
        values={
            **names(statement, session),
            "question": request_question(statement.request_text or ""),
        },
        buttons=answer_buttons(statement),
        chat_id=couple.group_chat_id,
    )


def answer_due_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    """The time the listener set to answer has come: the request again, with its buttons."""
    return Reply(
        response="utter_statement_answer_due",
        values={
            **names(statement, session),
            "question": request_question(statement.request_text or ""),
        },
        buttons=answer_buttons(statement),
        chat_id=couple.group_chat_id,
    )


def think_time_buttons(statement: Statement, couple: Couple, now: datetime) -> list[dict[str, str]]:
    """ "Tonight, 20:00" (while the evening is still ahead) and "Tomorrow, 19:00": each button
    keeps the very time its label shows (minutes since 1970, as the pause's buttons do)."""
    zone = zone_of(couple.timezone)
    choices: list[tuple[str, datetime]] = []
    tonight = evening_time(now, zone)
    if tonight is not None:
        choices.append(("Tonight", tonight))
    choices.append(("Tomorrow", tomorrow_time(now, zone)))
    return [
        statement_button(
            f"{label}, {clock_text(moment, zone)}",
            "statement_answer_time",
            statement.id,
            f"t{int(moment.timestamp() // 60)}",
        )
        for label, moment in choices
    ]


def ask_when_reply(
    statement: Statement, couple: Couple, session: Session, now: datetime, *, again: bool = False
) -> Reply:
    """ "When will you answer?": the offered times, or a time the listener writes."""
    return Reply(
        response="utter_statement_when_unclear" if again else "utter_statement_ask_when",
        values=names(statement, session),
        buttons=think_time_buttons(statement, couple, now),
        chat_id=couple.group_chat_id,
    )


def take_turns_button(topic: str | None) -> dict[str, str]:
    """ "Take turns on it": the round-robin's own entry, on the statement's topic (shortened
    to fit a button's 64 bytes)."""
    words = (topic or "").split()
    while words:
        candidate = payload("start_round_robin", topic=" ".join(words))
        if len(candidate.encode()) <= MAX_PAYLOAD_BYTES:
            return {"title": "Take turns on it", "payload": candidate}
        words.pop()
    return {"title": "Take turns on it", "payload": payload("start_round_robin")}


def declined_reply(statement: Statement, couple: Couple, session: Session) -> Reply:
    """ "Not quite": another idea, taking turns on the topic, or later."""
    return Reply(
        response="utter_statement_idea_declined",
        values=names(statement, session),
        buttons=[
            statement_button("Another idea", "statement_another_idea", statement.id),
            take_turns_button(statement.topic),
            statement_button("Later", "statement_later", statement.id),
        ],
        chat_id=couple.group_chat_id,
    )


def idea_reply(statement: Statement, idea: Agreement, couple: Couple, session: Session) -> Reply:
    return Reply(
        response="utter_statement_idea",
        values={**names(statement, session), "idea": one_line(idea.text)},
        buttons=[
            statement_button("Yes, agreed", "statement_accept_idea", statement.id),
            statement_button("Not quite", "statement_decline_idea", statement.id),
        ],
        chat_id=couple.group_chat_id,
    )


def current_prompt(
    statement: Statement, couple: Couple, session: Session, now: datetime | None = None
) -> list[Outgoing]:
    """Ask again for what the statement waits for (after a pause, or a second /talk)."""
    in_group = statement.drafted_in == DraftedIn.GROUP or statement.shared
    group = couple.group_chat_id if in_group else None
    state = statements.state_of(statement)
    if statement.step in STEPS:
        return [step_prompt(statement, session, chat_id=group)]
    if statement.step == StatementStep.REVIEW:
        return [review_reply(statement, session)]
    if statement.step == StatementStep.REFLECT:
        if state.second_try:
            return [reflect_again_reply(statement, couple, session)]
        return [composed_reply(statement, couple, session)]
    if statement.step == StatementStep.CONFIRM:
        if state.clarify_asked:
            return [
                Reply(
                    response="utter_statement_ask_clarify",
                    values=names(statement, session),
                    chat_id=couple.group_chat_id,
                )
            ]
        return [confirm_reply(statement, couple, session)]
    if statement.step == StatementStep.ANSWER:
        if state.counter_asked:
            return [
                Reply(
                    response="utter_statement_ask_idea",
                    values=names(statement, session),
                    chat_id=couple.group_chat_id,
                )
            ]
        idea = statements.get_agreement(state.counter, session=session) if state.counter else None
        if idea is not None:
            return [idea_reply(statement, idea, couple, session)]
        if state.think_asked:
            return [ask_when_reply(statement, couple, session, now or utc_now())]
        return [answer_reply(statement, couple, session)]
    return []
