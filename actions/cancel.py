"""/cancel (or a short "cancel" in words): end whatever exercise runs, saving what was there."""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.base import TalkingStickAction
from actions.context import MessageContext
from actions.flows import cancel_running
from actions.replies import Outgoing, Reply
from storage.couples import couple_for_group, couples_of_user
from storage.models import utc_now


class ActionCancel(TalkingStickAction):
    action_name = "action_cancel"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.in_group:
            couples = [c for c in [couple_for_group(ctx.chat_id, session=session)] if c]
        else:
            couples = couples_of_user(ctx.user_id, session=session) if ctx.user_id else []
        replies: list[Outgoing] = []
        for couple in couples:
            replies += cancel_running(couple, session, utc_now())
        return replies or [Reply(response="utter_nothing_to_cancel")]
