"""The listener's part of a guided statement, in the couple's group.

After the composed statement is shown, the listener may say back what they heard (or
"Skip"); the speaker then says whether they were understood ("Yes", or "Almost": one added
line, and the listener tries once more). The listener answers the request: "Yes" makes an
agreement with a review date; "Another idea" takes their next message as a counter-proposal
the speaker can accept, and "Not quite" offers another idea, taking turns on it, or later;
"I need time" is time to think, not an escalation: the listener says when they will answer,
and a durable reminder brings the request back then (no pause, nothing counted).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from actions.core.context import MessageContext
from actions.core.flows import agreement_made, running_flow
from actions.core.replies import Outgoing, Reply, Toast
from actions.core.timers import timer_handler
from actions.pause.times import Parsed, choice_time, describe_time, parse_time
from actions.statement.buttons import Pressed, StatementButton, late_press
from actions.statement.replies import (
    answer_due_reply,
    answer_reply,
    ask_when_reply,
    confirm_reply,
    declined_reply,
    idea_reply,
    names,
    one_line,
    reflect_again_reply,
)
from actions.statement.steps import (
    confirm_reflection,
    finish,
    format_day,
    reopen_for_answer,
    request_question,
    review_at,
    take_clarification,
    take_reflection,
    wait_for_answer,
)
from storage import statements, timers
from storage.enums import (
    AgreementStatus,
    ListenerAnswer,
    StatementStatus,
    StatementStep,
    TimerKind,
)
from storage.models import Agreement, Couple, Partner, Statement, utc_now
from storage.timer_payloads import AnswerDue
from storage.timers import DueTimer

ANSWER_DUE = TimerKind.STATEMENT_ANSWER_DUE
# The time to answer came while the group is in the middle of something else: ask then.
BUSY_RETRY = timedelta(minutes=10)


def group_busy(couple: Couple, session: Session) -> bool:
    """A statement open in the group (even paused), or another exercise running there."""
    return bool(statements.open_in_group(couple.id, session=session)) or (
        running_flow(couple, session) is not None
    )


def after_reflection(statement: Statement, couple: Couple, session: Session) -> list[Outgoing]:
    """A first reflection goes to the speaker to confirm; otherwise on to the answer."""
    if statement.step == StatementStep.CONFIRM:
        return [confirm_reply(statement, couple, session)]
    return [answer_reply(statement, couple, session)]


def capture_speaker_words(
    text: str, statement: Statement, couple: Couple, partner: Partner, session: Session
) -> list[Outgoing] | None:
    """After "Almost": the speaker's one added line, then the listener tries once more."""
    if (
        partner.id != statement.speaker_id
        or statement.status != StatementStatus.AWAITING_LISTENER
        or not take_clarification(statement, text, utc_now())
    ):
        return None
    return [reflect_again_reply(statement, couple, session)]


def capture_listener_words(
    text: str, statement: Statement, couple: Couple, partner: Partner, session: Session
) -> list[Outgoing] | None:
    """The listener's reflection, or their counter-proposal once they chose "Another idea"."""
    if partner.id != statement.listener_id or statement.status != StatementStatus.AWAITING_LISTENER:
        return None
    if statement.step == StatementStep.REFLECT:
        take_reflection(statement, text, utc_now())
        return after_reflection(statement, couple, session)
    state = statements.state_of(statement)
    if statement.step == StatementStep.ANSWER and state.think_asked:
        return take_answer_time(text, statement, couple, session)
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


def answering_early(
    statement: Statement, couple: Couple, session: Session, now: datetime
) -> list[Outgoing] | None:
    """The listener presses an answer before the time they chose ("I need time"): they are
    ready sooner, so the answer step opens now (the reminder then finds it answered). None
    when the statement was not waiting for that time; a toast if the group is busy."""
    if statement.status != StatementStatus.NEEDS_TIME:
        return None
    if group_busy(couple, session):
        return [Toast("utter_toast_statement_group_busy")]
    reopen_for_answer(statement, now)
    return None


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
        return after_reflection(pressed.statement, pressed.couple, session)


class ActionStatementUnderstood(StatementButton):
    """ "Did Sam get it?" — "Yes": on to Sam's answer."""

    action_name = "action_statement_understood"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not confirm_reflection(pressed.statement, True, utc_now()):
            return late_press(pressed.statement)
        return [answer_reply(pressed.statement, pressed.couple, session)]


class ActionStatementAlmost(StatementButton):
    """ "Almost": the speaker adds one line, and the listener tries once more."""

    action_name = "action_statement_almost"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not confirm_reflection(pressed.statement, False, utc_now()):
            return late_press(pressed.statement)
        return [
            Reply(
                response="utter_statement_ask_clarify",
                values=names(pressed.statement, session),
                chat_id=pressed.couple.group_chat_id,
            )
        ]


class ActionStatementYes(StatementButton):
    action_name = "action_statement_yes"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        now = utc_now()
        busy = answering_early(statement, couple, session, now)
        if busy is not None:
            return busy
        if not waiting_for_answer(statement):
            return late_press(statement)
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
    """At the answer, or after "Not quite": the listener's next message is their idea."""

    action_name = "action_statement_another_idea"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        now = utc_now()
        if statements.state_of(statement).declined:
            # The statement ended with "Not quite"; it opens again unless the group moved on.
            if statement.status != StatementStatus.COMPLETE:
                return late_press(statement)
            if group_busy(pressed.couple, session):
                return [Toast("utter_toast_statement_group_busy")]
            reopen_for_answer(statement, now)
            statement.listener_answer = None
        elif (busy := answering_early(statement, pressed.couple, session, now)) is not None:
            return busy
        elif not waiting_for_answer(statement):
            return late_press(statement)
        statements.set_state(
            statement,
            replace(
                statements.state_of(statement),
                counter_asked=True,
                think_asked=False,
                declined=False,
            ),
        )
        statement.updated_at = now
        return [
            Reply(
                response="utter_statement_ask_idea",
                values=names(statement, session),
                chat_id=pressed.couple.group_chat_id,
            )
        ]


class ActionStatementNeedTime(StatementButton):
    """ "I need time": time to think, not a pause. "When will you answer?"."""

    action_name = "action_statement_need_time"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        now = utc_now()
        busy = answering_early(statement, pressed.couple, session, now)
        if busy is not None:
            return busy
        if not waiting_for_answer(statement):
            return late_press(statement)
        statement.listener_answer = ListenerAnswer.NEED_TIME
        statements.set_state(statement, replace(statements.state_of(statement), think_asked=True))
        statement.updated_at = now
        return [ask_when_reply(statement, pressed.couple, session, now)]


class ActionStatementAnswerTime(StatementButton):
    """ "Tonight, 20:00" / "Tomorrow, 19:00": when the listener will answer."""

    action_name = "action_statement_answer_time"
    pressed_by = "listener"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        if not asking_when(statement):
            return late_press(statement)
        now = utc_now()
        key = pressed.ref.parts[0] if pressed.ref.parts else ""
        at = choice_time(key, now)
        if at is None:  # a time that has passed meanwhile: offer the times again
            return [ask_when_reply(statement, couple, session, now, again=True)]
        return answer_later(statement, couple, at, now, session)


def asking_when(statement: Statement) -> bool:
    return (
        statement.status == StatementStatus.AWAITING_LISTENER
        and statement.step == StatementStep.ANSWER
        and statements.state_of(statement).think_asked
    )


def take_answer_time(
    text: str, statement: Statement, couple: Couple, session: Session
) -> list[Outgoing]:
    """A time the listener wrote ("tomorrow at 7", "Saturday 10:00"), in the couple's zone."""
    now = utc_now()
    parsed = parse_time(text, couple.timezone or "UTC", now)
    if not isinstance(parsed, Parsed):
        return [ask_when_reply(statement, couple, session, now, again=True)]
    return answer_later(statement, couple, parsed.when, now, session)


def answer_later(
    statement: Statement, couple: Couple, at: datetime, now: datetime, session: Session
) -> list[Outgoing]:
    """Saved with its time, and a durable reminder at that time; the group is free meanwhile."""
    wait_for_answer(statement, at, now)
    timers.schedule(
        ANSWER_DUE, couple.group_chat_id, at, AnswerDue(statement.id, at), session=session
    )
    return [
        Reply(
            response="utter_statement_answer_later",
            values={
                **names(statement, session),
                "when": describe_time(at, couple.timezone or "UTC", now),
            },
            chat_id=couple.group_chat_id,
        )
    ]


@timer_handler(ANSWER_DUE)
def answer_time_came(timer: DueTimer, session: Session) -> list[Outgoing]:
    """The listener's time to answer: the request comes back, with its buttons."""
    due = AnswerDue.read(timer.payload)
    statement = statements.get(due.statement_id, session=session) if due else None
    if (
        due is None
        or statement is None
        or statement.status != StatementStatus.NEEDS_TIME
        or statement.answer_due_at != due.at
    ):
        return []  # answered, forgotten or moved to another time meanwhile
    couple = session.get(Couple, statement.couple_id)
    if couple is None or couple.group_chat_id != timer.chat_id:
        return []
    now = utc_now()
    if group_busy(couple, session):
        later = now + BUSY_RETRY
        statement.answer_due_at = later
        timers.schedule(
            ANSWER_DUE, couple.group_chat_id, later, AnswerDue(statement.id, later), session=session
        )
        return []
    reopen_for_answer(statement, now)
    return [answer_due_reply(statement, couple, session)]


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
    """ "Not quite": the statement ends here, with three ways on."""

    action_name = "action_statement_decline_idea"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        idea = pending_idea(statement, session)
        if idea is None:
            return late_press(statement)
        statements.decline_counter(idea)
        finish(statement, ListenerAnswer.ANOTHER_IDEA, StatementStatus.COMPLETE, utc_now())
        statements.set_state(statement, replace(statements.state_of(statement), declined=True))
        return [declined_reply(statement, pressed.couple, session)]


class ActionStatementLater(StatementButton):
    """After "Not quite": leave it for now (nothing more is asked)."""

    action_name = "action_statement_later"
    pressed_by = "either"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement = pressed.statement
        if not statements.state_of(statement).declined:
            return late_press(statement)
        statements.set_state(statement, replace(statements.state_of(statement), declined=False))
        statement.updated_at = utc_now()
        return [
            Reply(
                response="utter_statement_later",
                values=names(statement, session),
                chat_id=pressed.couple.group_chat_id,
            )
        ]
