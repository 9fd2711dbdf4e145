"""/cancel (or a short "cancel" in words): end the exercise running where it was said.

In a group: the couple's running exercise. In a private chat: what that person drafts there.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import cancel_in_private, cancel_running
from actions.core.replies import Outgoing, Reply
from storage.models import utc_now


class ActionCancel(TalkingStickAction):
    action_name = "action_cancel"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.in_group:
            couple = ctx.couple(session)
            replies = cancel_running(couple, session, utc_now()) if couple else []
        else:
            # In a private chat: only what this person drafts here, never the group's exercise.
            replies = cancel_in_private(ctx.chat_id, session, utc_now())
        return replies or [Reply(response="utter_nothing_to_cancel")]
