"""The listener's part of a guided statement, in the couple's group.

After the composed statement is shown, the listener may say back what they heard (or
"Skip"), then answers the request: "Yes" makes an agreement with a review date; "Another
idea" takes their next message as a counter-proposal the speaker can accept; "I need
time" hands over to the escalation pause (or, without one, saves "needs time").
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from actions.core.context import MessageContext
from actions.core.flows import agreement_made, start_pause
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
from storage.enums import AgreementStatus, ListenerAnswer, StatementStatus, StatementStep
from storage.models import Agreement, Couple, Partner, Statement, utc_now


def capture_listener_words(
    text: str, statement: Statement, couple: Couple, partner: Partner, session: Session
) -> list[Outgoing] | None:
    """The listener's reflection, or their counter-proposal once they chose "Another idea"."""
    if partner.id != statement.listener_id or statement.status != StatementStatus.AWAITING_LISTENER:
        return None
    if statement.step == StatementStep.REFLECT:
        take_reflection(statement, text, utc_now())
        return [answer_reply(statement, couple, session)]
    state = statements.state_of(statement)
    if statement.step == StatementStep.ANSWER and state.counter_asked:
        now = utc_now()
        idea = statements.propose_counter(
            statement, text=text, proposed_by=partner.id, now=now, session=session
        )
        statement.listener_answer = ListenerAnswer.ANOTHER_IDEA
        statements.set_state(statement, replace(state, counter_asked=False, counter=idea.id))
        statement.updated_at = now
        return [idea_reply(statement, idea, couple, session)]
    return None


def waiting_for_answer(statement: Statement) -> bool:
    """At the answer step and no answer chosen yet."""
    return (
        statement.status == StatementStatus.AWAITING_LISTENER
        and statement.step == StatementStep.ANSWER
        and not statements.state_of(statement).answered
    )


def pending_idea(statement: Statement, session: Session) -> Agreement | None:
    counter = statements.state_of(statement).counter
    if statement.status != StatementStatus.AWAITING_LISTENER or counter is None:
        return None
    idea = statements.get_agreement(counter, session=session)
    return idea if idea is not None and idea.status == AgreementStatus.PROPOSED else None


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
        agreement = statements.agree_to_request(
            statement,
            agreed_by=pressed.presser.id,
            review_at=review_at(now),
            now=now,
            session=session,
        )
        finish(statement, ListenerAnswer.YES, StatementStatus.COMPLETE, now)
        agreement_made(agreement, couple, session, now)  # its review date comes back
        question = request_question(statement.request_text or "")
        return [agreed_reply(statement, couple, agreement, question, pressed.presser, session)]


class ActionStatementAnotherIdea(StatementButton):
    action_name = "action_statement_another_idea"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        if not waiting_for_answer(statement):
            return late_press(statement)
        statements.set_state(
            statement, replace(statements.state_of(statement), counter_asked=True)
        )
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
        statement.listener_answer = ListenerAnswer.NEED_TIME
        statement.updated_at = now
        # The pause flow suspends this statement (it is still running) and brings it back.
        replies = start_pause(pressed.couple, pressed.presser, session, now)
        if replies is not None:
            return replies
        statement.status = StatementStatus.NEEDS_TIME
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
        statements.accept_counter(
            idea, agreed_by=pressed.presser.id, review_at=review_at(now), now=now
        )
        finish(statement, ListenerAnswer.ANOTHER_IDEA, StatementStatus.COMPLETE, now)
        agreement_made(idea, pressed.couple, session, now)  # its review date comes back
        return [agreed_reply(statement, pressed.couple, idea, idea.text, pressed.presser, session)]


class ActionStatementDeclineIdea(StatementButton):
    action_name = "action_statement_decline_idea"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        idea = pending_idea(statement, session)
        if idea is None:
            return late_press(statement)
        statements.decline_counter(idea)
        finish(statement, ListenerAnswer.ANOTHER_IDEA, StatementStatus.COMPLETE, utc_now())
        return [Reply(response="utter_statement_idea_declined", values=names(statement, session))]
