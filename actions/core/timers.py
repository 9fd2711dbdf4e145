"""Firing durable timers: the bot's dispatcher triggers `EXTERNAL_timer_due` with a timer id.

Each timer kind has one handler, registered by its flow. Handlers are idempotent: they
look at the current state and do nothing when the moment has passed (a turn already
yielded, a time zone already set), so a timer fired twice after a crash says nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing
from storage import timers
from storage.enums import TimerStatus
from storage.timers import DueTimer

logger = logging.getLogger(__name__)

TimerHandler = Callable[[DueTimer, Session], "list[Outgoing]"]
_handlers: dict[str, TimerHandler] = {}


def timer_handler(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(function: TimerHandler) -> TimerHandler:
        _handlers[kind] = function
        return function

    return register


class ActionFireTimer(TalkingStickAction):
    """Runs the handler of a timer the dispatcher claimed (never one a person names)."""

    action_name = "action_fire_timer"
    partners_only = False
    captures_content = False
    fired_by_timers = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        try:
            timer_id = int(ctx.entity("timer_id"))
        except (TypeError, ValueError):
            return []
        row = timers.load(timer_id, session=session)
        # Only a claimed timer of this very chat fires: the dispatcher is the only claimant.
        if row is None or row.status != TimerStatus.FIRING or row.chat_id != ctx.chat_id:
            logger.info("timer %s not fireable (ignored)", timer_id)
            return []
        handler = _handlers.get(row.kind)
        if handler is None:
            logger.warning("no handler for timer kind %s", row.kind)
            return []
        return handler(timers.due_timer(row), session)
