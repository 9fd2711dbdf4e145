"""The listener's part of a guided statement, in the couple's group.

After the composed statement is shown, the listener may say back what they heard (or
"Skip"), then answers the request: "Yes" makes an agreement with a review date; "Another
idea" takes their next message as a counter-proposal the speaker can accept; "I need
time" hands over to the escalation pause (or, without one, saves "needs time").
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.context import MessageContext
from actions.core.flows import start_pause
from actions.core.replies import Outgoing, Reply
from actions.statement.buttons import Pressed, StatementButton, late_press
from actions.statement.replies import answer_reply, idea_reply, names, one_line
from actions.statement.steps import (
    finish,
    format_day,
    request_question,
    review_at,
    take_reflection,
)
from storage import statements
from storage.models import Agreement, Couple, Partner, Statement, utc_now


def capture_listener_words(
    text: str, statement: Statement, couple: Couple, partner: Partner, session: Session
) -> list[Outgoing] | None:
    """The listener's reflection, or their counter-proposal once they chose "Another idea"."""
    if partner.id != statement.listener_id or statement.status != "awaiting_listener":
        return None
    if statement.step == "reflect":
        take_reflection(statement, text, utc_now())
        return [answer_reply(statement, couple, session)]
    if statement.step == "answer" and (statement.state or {}).get("counter") == "asked":
        now = utc_now()
        idea = statements.add_agreement(
            statement,
            text=text,
            source="counter_proposal",
            proposed_by=partner.id,
            agreed_by=None,
            status="proposed",
            review_at=None,
            now=now,
            session=session,
        )
        statement.listener_answer = "another_idea"
        statement.state = {**(statement.state or {}), "counter": idea.id}
        statement.updated_at = now
        return [idea_reply(statement, idea, couple, session)]
    return None


def waiting_for_answer(statement: Statement) -> bool:
    """At the answer step and no answer chosen yet."""
    return (
        statement.status == "awaiting_listener"
        and statement.step == "answer"
        and "counter" not in (statement.state or {})
    )


def pending_idea(statement: Statement, session: Session) -> Agreement | None:
    counter = (statement.state or {}).get("counter")
    if statement.status != "awaiting_listener" or not isinstance(counter, int):
        return None
    idea = statements.get_agreement(counter, session=session)
    return idea if idea is not None and idea.status == "proposed" else None


def agreed_reply(
    statement: Statement,
    couple: Couple,
    agreement: Agreement,
    text: str,
    who: Partner,
    session: Session,
) -> Reply:
    assert agreement.review_at is not None
    return Reply(
        response="utter_statement_agreed",
        values={
            **names(statement, session),
            "who": who.first_name,
            "agreement": one_line(text),
            "review_date": format_day(agreement.review_at, couple.timezone),
        },
    )


class ActionStatementSkipReflection(StatementButton):
    action_name = "action_statement_skip_reflection"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not take_reflection(pressed.statement, None, utc_now()):
            return late_press(pressed.statement)
        return [answer_reply(pressed.statement, pressed.couple, session)]


class ActionStatementYes(StatementButton):
    action_name = "action_statement_yes"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        if not waiting_for_answer(statement):
            return late_press(statement)
        now = utc_now()
        agreement = statements.add_agreement(
            statement,
            text=statement.request_text or "",
            source="request",
            proposed_by=statement.speaker_id,
            agreed_by=pressed.presser.id,
            status="agreed",
            review_at=review_at(now),
            now=now,
            session=session,
        )
        finish(statement, "yes", "complete", now)
        question = request_question(statement.request_text or "")
        return [agreed_reply(statement, couple, agreement, question, pressed.presser, session)]


class ActionStatementAnotherIdea(StatementButton):
    action_name = "action_statement_another_idea"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        if not waiting_for_answer(statement):
            return late_press(statement)
        statement.state = {**(statement.state or {}), "counter": "asked"}
        statement.updated_at = utc_now()
        return [Reply(response="utter_statement_ask_idea", values=names(statement, session))]


class ActionStatementNeedTime(StatementButton):
    action_name = "action_statement_need_time"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        if not waiting_for_answer(statement):
            return late_press(statement)
        now = utc_now()
        statement.listener_answer = "need_time"
        statement.updated_at = now
        # The pause flow suspends this statement (it is still running) and brings it back.
        replies = start_pause(pressed.couple, pressed.presser, session, now)
        if replies is not None:
            return replies
        statement.status = "needs_time"
        return [Reply(response="utter_statement_needs_time", values=names(statement, session))]


class ActionStatementAcceptIdea(StatementButton):
    action_name = "action_statement_accept_idea"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        idea = pending_idea(statement, session)
        if idea is None:
            return late_press(statement)
        now = utc_now()
        idea.status = "agreed"
        idea.agreed_by_id = pressed.presser.id
        idea.agreed_at = now
        idea.review_at = review_at(now)
        finish(statement, "another_idea", "complete", now)
        return [agreed_reply(statement, pressed.couple, idea, idea.text, pressed.presser, session)]


class ActionStatementDeclineIdea(StatementButton):
    action_name = "action_statement_decline_idea"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        idea = pending_idea(statement, session)
        if idea is None:
            return late_press(statement)
        idea.status = "declined"
        finish(statement, "another_idea", "complete", utc_now())
        return [Reply(response="utter_statement_idea_declined", values=names(statement, session))]
