"""/help, greetings, and free text that no flow is waiting for."""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply


class ActionHelp(TalkingStickAction):
    action_name = "action_help"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        return [Reply(response="utter_help")]


class ActionAnswerFreeText(TalkingStickAction):
    """Words no flow is waiting for. In a group the couple talks to each other: stay quiet."""

    action_name = "action_answer_free_text"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.in_private:
            return [Reply(response="utter_private_free_text")]
        return []


class ActionAnswerMedia(TalkingStickAction):
    """A sticker, photo, voice note or file: kindly ask for text in a private chat."""

    action_name = "action_answer_media"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        return [Reply(response="utter_text_only")] if ctx.in_private else []


class ActionAnswerEdit(TalkingStickAction):
    """An edited message: what was first sent is what counts; say so in a private chat."""

    action_name = "action_answer_edit"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        return [Reply(response="utter_edit_note")] if ctx.in_private else []
