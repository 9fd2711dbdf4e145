"""Guided statement: /talk (or plain words), the three writing steps, "Keep it", private drafts.

The speaker (whoever started) writes describe → feel → request, one message each; each
message is content (captured), coached, and either moves on or gets one gentle suggestion.
Private first: /talk in the group drafts in the speaker's private chat, where the coaching
happens too; the group hears only that something is being put into words, then the finished
statement once the speaker presses "Share". Drafting in the group is an explicit choice
("Write it here instead"); there the other partner listens along. The listener's part
(reflect, confirm, answer) is in `actions/statement/answers.py`; the pause/cancel hooks in
`actions/statement/flow.py`.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction, consent_pending
from actions.core.context import MessageContext
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast
from actions.core.routing import capturer
from actions.statement.answers import capture_listener_words, capture_speaker_words, group_busy
from actions.statement.buttons import Pressed, StatementButton, late_press
from actions.statement.flow import StatementFlow  # noqa: F401  (registers the flow)
from actions.statement.replies import (
    coach_reply,
    composed_reply,
    current_prompt,
    names,
    preparing_reply,
    private_start_reply,
    review_reply,
    statement_button,
    step_prompt,
    topic_line,
)
from actions.statement.steps import (
    STEPS,
    keep_despite_findings,
    share,
    take_step_text,
    text_of,
)
from storage import statements
from storage.couples import (
    all_consented,
    couples_of_user,
    is_complete,
    other_partner,
    partner_in,
)
from storage.enums import DraftedIn, StatementStatus, StatementStep
from storage.models import Couple, Partner, Statement, utc_now
from storage.statements import StatementState

TOPIC_MAX_CHARACTERS = 200


def clean_topic(value: object) -> str | None:
    topic = " ".join(str(value or "").split())[:TOPIC_MAX_CHARACTERS]
    return topic or None


class ActionStartStatement(TalkingStickAction):
    """/talk [topic] or "can we talk about the dishes": the writer becomes the speaker."""

    action_name = "action_start_statement"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.user_id is None:
            return []
        topic = clean_topic(ctx.entity("topic"))
        if ctx.in_private:
            waiting = waiting_in_private(ctx, ctx.user_id, session)
            return waiting or start_private(ctx.user_id, ctx.chat_id, topic, session)
        couple = ctx.couple(session)
        if couple is None or not is_complete(couple):
            return [Reply(response="utter_statement_needs_partner")]
        if couple.safety_hold:
            return [Reply(response="utter_statement_not_now")]
        if group_busy(couple, session):
            return [Reply(response="utter_statement_busy")]
        speaker = ctx.partner(session)
        assert speaker is not None  # partners_only: only partners get here
        return start_from_group(ctx, couple, speaker, topic, session)


def deep_link(ctx: MessageContext) -> str:
    """Opens the private chat with the bot; "/start talk" there shows the waiting draft."""
    return f"https://t.me/{ctx.bot_username}?start=talk"


def start_from_group(
    ctx: MessageContext, couple: Couple, speaker: Partner, topic: str | None, session: Session
) -> list[Outgoing]:
    """/talk in the group: the draft opens in the speaker's private chat (a Telegram private
    chat's id is the person's id); the group hears only that it is being prepared. When the
    bot cannot write to the speaker privately, the group gets a link to open that chat."""
    private_chat = speaker.telegram_user_id
    open_link = Reply(
        response="utter_statement_open_private",
        values={"speaker": speaker.first_name, "link": deep_link(ctx)},
    )
    draft = statements.private_draft(private_chat, session=session)
    if draft is not None:
        # One draft at a time in a private chat: the one already open waits there.
        prompts = current_prompt(draft, couple, session)
        if prompts and isinstance(prompts[0], Reply):
            prompts[0] = replace(prompts[0], chat_id=private_chat, if_undeliverable=open_link)
        return [
            Reply(response="utter_statement_draft_waiting", values={"speaker": speaker.first_name}),
            *prompts,
        ]
    statement = statements.create(
        couple,
        speaker,
        other_partner(couple, speaker),
        topic=topic,
        chat_id=private_chat,
        drafted_in=DraftedIn.PRIVATE,
        now=utc_now(),
        session=session,
    )
    statements.set_state(statement, StatementState(from_group=True))
    return [
        preparing_reply(statement, session),
        private_start_reply(statement, session, if_undeliverable=open_link),
    ]


def waiting_in_private(
    ctx: MessageContext, user_id: int, session: Session
) -> list[Outgoing] | None:
    """A private draft, too, waits until both partners of a couple agreed."""
    complete = [c for c in couples_of_user(user_id, session=session) if is_complete(c)]
    if not complete or any(all_consented(c) for c in complete):
        return None
    return consent_pending(ctx, complete[0])


def start_private(
    user_id: int, chat_id: int, topic: str | None, session: Session
) -> list[Outgoing]:
    """Drafting in a private chat: for the only couple, or after choosing which one."""
    couples = [c for c in couples_of_user(user_id, session=session) if all_consented(c)]
    if not couples:
        return [Reply(response="utter_statement_no_couple")]
    draft = statements.private_draft(chat_id, session=session)
    if draft is not None:
        if statements.state_of(draft).choose:
            return [choose_couple_reply(draft, couples, user_id)]
        couple = session.get(Couple, draft.couple_id)
        assert couple is not None  # a couple's deletion cascades to its drafts
        return [
            Reply(response="utter_statement_draft_open"),
            *current_prompt(draft, couple, session),
        ]
    speaker = partner_in(couples[0], user_id)
    assert speaker is not None
    draft = statements.create(
        couples[0],
        speaker,
        other_partner(couples[0], speaker),
        topic=topic,
        chat_id=chat_id,
        drafted_in=DraftedIn.PRIVATE,
        now=utc_now(),
        session=session,
    )
    if len(couples) > 1:
        statements.set_state(draft, StatementState(choose=tuple(c.id for c in couples)))
        return [choose_couple_reply(draft, couples, user_id)]
    return [private_start_reply(draft, session)]


def choose_couple_reply(draft: Statement, couples: list[Couple], user_id: int) -> Reply:
    buttons = []
    for couple in couples:
        me = partner_in(couple, user_id)
        partner = other_partner(couple, me) if me else None
        title = f"With {partner.first_name if partner else 'your partner'}"[:48]
        buttons.append(statement_button(title, "statement_choose_couple", draft.id, couple.id))
    return Reply(response="utter_statement_choose_couple", buttons=buttons)


@capturer("statement_words")
def capture_statement_words(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """The speaker's next message is the current step; the listener's is theirs to keep."""
    if ctx.user_id is None:
        return None
    if ctx.in_private:
        return capture_private_draft(ctx, session)
    if not ctx.in_group:
        return None
    couple = ctx.couple(session)
    statement = statements.running_in_group(couple.id, session=session) if couple else None
    partner = ctx.partner(session)
    if couple is None or statement is None or partner is None:
        return None
    if statement.status == StatementStatus.DRAFTING:
        if partner.id == statement.speaker_id:
            return write_step(ctx.text, statement, couple, session)
        return note_to_listener(statement, session)
    if partner.id == statement.speaker_id:
        return capture_speaker_words(ctx.text, statement, couple, partner, session)
    return capture_listener_words(ctx.text, statement, couple, partner, session)


def capture_private_draft(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    draft = statements.private_draft(ctx.chat_id, session=session)
    if draft is None or statements.state_of(draft).choose:
        return None
    couple = session.get(Couple, draft.couple_id)
    assert couple is not None  # a couple's deletion cascades to its drafts
    if draft.step in STEPS:
        return write_step(ctx.text, draft, couple, session)
    if draft.step == StatementStep.REVIEW:
        return [Reply(response="utter_statement_review_hint", values=names(draft, session))]
    return None


def write_step(text: str, statement: Statement, couple: Couple, session: Session) -> list[Outgoing]:
    outcome = take_step_text(statement, text, utc_now())
    if outcome.findings:
        return [coach_reply(statement, outcome.findings[0], session)]
    return after_step(statement, couple, session)


def after_step(statement: Statement, couple: Couple, session: Session) -> list[Outgoing]:
    """The prompt for the step the statement moved on to."""
    if statement.step in STEPS:
        return [step_prompt(statement, session)]
    if statement.step == StatementStep.REVIEW:
        return [review_reply(statement, session)]
    return [composed_reply(statement, couple, session)]


def note_to_listener(statement: Statement, session: Session) -> list[Outgoing]:
    """Once per statement, kindly; their words are not the speaker's and are not kept."""
    state = statements.state_of(statement)
    if state.listener_noted:
        return []
    statements.set_state(statement, replace(state, listener_noted=True))
    return [Reply(response="utter_statement_listener_note", values=names(statement, session))]


class ActionStatementKeep(StatementButton):
    """ "Keep it": the speaker keeps their words despite the suggestion and moves on."""

    action_name = "action_statement_keep"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        if statement.status != StatementStatus.DRAFTING:
            return late_press(statement)
        parts = pressed.ref.parts
        revision = parts[1] if len(parts) == 2 else ""
        if not revision.isdigit() or not keep_despite_findings(
            statement, parts[0], int(revision), utc_now()
        ):
            return [Toast("utter_toast_statement_earlier_version")]
        return after_step(statement, couple, session)


class ActionStatementChooseCouple(StatementButton):
    """In a private chat, for someone in two couples: which partner the draft is for."""

    action_name = "action_statement_choose_couple"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        draft = pressed.statement
        choices = statements.state_of(draft).choose or ()
        couple_id = pressed.ref.parts[0] if pressed.ref.parts else ""
        if not couple_id.isdigit() or int(couple_id) not in choices:
            return [Toast("utter_toast_statement_answered")]
        couple = session.get(Couple, int(couple_id))
        speaker = partner_in(couple, ctx.user_id or 0)
        if couple is None or speaker is None:
            return [Toast("utter_toast_statement_answered")]
        listener = other_partner(couple, speaker)
        draft.couple_id = couple.id
        draft.speaker_id = speaker.id
        draft.listener_id = listener.id if listener else None
        statements.set_state(draft, StatementState())
        draft.updated_at = utc_now()
        session.flush()
        return [private_start_reply(draft, session)]


class ActionStatementShare(StatementButton):
    """ "Share with Sam": a private draft goes to the couple's group, and Sam answers there."""

    action_name = "action_statement_share"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        if statement.shared:
            return [Toast("utter_toast_statement_shared_already")]
        if statement.status != StatementStatus.DRAFTING:
            return late_press(statement)
        if statement.step != StatementStep.REVIEW:
            return [Toast("utter_toast_statement_moved_on")]
        if couple.safety_hold:
            return [Toast("utter_toast_statement_cannot_share"), KeepKeyboard()]
        if group_busy(couple, session):
            return [
                Toast("utter_toast_statement_group_busy"),
                KeepKeyboard(),
            ]
        share(statement, utc_now())
        statements.set_state(statement, replace(statements.state_of(statement), from_group=False))
        return [
            composed_reply(statement, couple, session),
            Reply(response="utter_statement_shared", values=names(statement, session)),
        ]


class ActionStatementDraftInGroup(StatementButton):
    """ "Write it here instead": the speaker chooses to draft in the group, where the other
    partner follows each step. Only before anything was written in private."""

    action_name = "action_statement_draft_in_group"
    pressed_by = "speaker"

    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        statement, couple = pressed.statement, pressed.couple
        if (
            statement.status != StatementStatus.DRAFTING
            or statement.shared
            or not statements.state_of(statement).from_group
        ):
            return late_press(statement)
        if any(text_of(statement, step) for step in STEPS):
            return [Toast("utter_toast_statement_drafting_privately")]
        if group_busy(couple, session):
            return [Toast("utter_toast_statement_group_busy")]
        statement.drafted_in = DraftedIn.GROUP
        statement.chat_id = couple.group_chat_id
        statement.step = StatementStep.DESCRIBE
        statements.set_state(statement, StatementState())
        statement.updated_at = utc_now()
        return [
            Reply(
                response="utter_statement_start_group",
                values={**names(statement, session), "topic_line": topic_line(statement.topic)},
                chat_id=couple.group_chat_id,
            )
        ]


def open_draft_prompt(private_chat_id: int, session: Session) -> list[Outgoing]:
    """ "/start talk" (the group's link) in a private chat: the draft waiting there, if any."""
    draft = statements.private_draft(private_chat_id, session=session)
    if draft is None or statements.state_of(draft).choose:
        return []
    couple = session.get(Couple, draft.couple_id)
    assert couple is not None  # a couple's deletion cascades to its drafts
    return current_prompt(draft, couple, session)
