"""Who may press a statement's button. Anyone in the group can tap it; only one person's
press counts (the speaker's or the listener's; either partner's for a few). Everyone else
gets a short note on the button, and the keyboard stays open for the right person."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Literal

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import KeepKeyboard, Outgoing, Toast
from actions.statement.replies import Ref, parse_ref
from storage import statements
from storage.couples import partner_in
from storage.enums import StatementStatus
from storage.models import Couple, Partner, Statement


@dataclass(frozen=True)
class Pressed:
    statement: Statement
    couple: Couple
    presser: Partner
    ref: Ref


def pressed_statement(
    ctx: MessageContext,
    session: Session,
    *,
    by: Literal["speaker", "listener", "either"],
) -> Pressed | list[Outgoing]:
    """The statement a button names, if this person may press it; else what to answer."""
    ref = parse_ref(ctx.entity("statement_ref"))
    statement = statements.get(ref.statement_id, session=session) if ref else None
    couple = session.get(Couple, statement.couple_id) if statement else None
    if ref is None or statement is None or couple is None or ctx.user_id is None:
        return [Toast("utter_toast_statement_moved_on")]
    presser = partner_in(couple, ctx.user_id)
    if ctx.in_private:
        # A private draft's buttons live in its writer's private chat only.
        if statement.chat_id != ctx.chat_id or presser is None:
            return [Toast("utter_toast_statement_moved_on")]
        return Pressed(statement, couple, presser, ref)
    if presser is None or couple.group_chat_id != ctx.chat_id:
        return [Toast("utter_toast_for_the_couple"), KeepKeyboard()]
    if by == "either" and presser.id in (statement.speaker_id, statement.listener_id):
        return Pressed(statement, couple, presser, ref)
    expected_id = statement.speaker_id if by == "speaker" else statement.listener_id
    if presser.id != expected_id:
        expected = session.get(Partner, expected_id) if expected_id else None
        name = expected.first_name if expected else "your partner"
        return [Toast("utter_toast_statement_for_someone_else", {"name": name}), KeepKeyboard()]
    return Pressed(statement, couple, presser, ref)


class StatementButton(TalkingStickAction, metaclass=ABCMeta):
    """A statement's button: only the speaker or only the listener may press it; anyone
    else, or a press that names a statement that moved on, gets a short note."""

    partners_only = False
    pressed_by: ClassVar[Literal["speaker", "listener", "either"]]

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        pressed = pressed_statement(ctx, session, by=self.pressed_by)
        if not isinstance(pressed, Pressed):
            return pressed
        return self.on_press(pressed, ctx, session)

    @abstractmethod
    def on_press(self, pressed: Pressed, ctx: MessageContext, session: Session) -> list[Outgoing]:
        """What the right person's press does."""


def late_press(statement: Statement) -> list[Outgoing]:
    """A button pressed after its moment (twice, late, or after /cancel or a pause)."""
    if statement.status in (StatementStatus.UNFINISHED, StatementStatus.CANCELLED):
        return [Toast("utter_toast_statement_stopped")]
    if statement.status == StatementStatus.PAUSED:
        return [Toast("utter_toast_statement_paused")]
    return [Toast("utter_toast_statement_answered")]
