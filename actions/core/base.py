"""The base every Talking Stick action shares: read the message, check who may act, answer.

Order of checks for each message:
0. Crisis language (actions.safety): answered privately, whatever else was going on. The
   private answer is built before any database work, so it is sent even when that fails.
1. Content capture: if a flow is waiting for this person's words (a time zone, a statement
   step, the floor), the message is that content, whatever intent NLU guessed. Buttons and
   commands are never captured.
2. Audience: partner-only actions refuse observers and strangers, kindly and briefly.
3. Consent: exercises (`needs_consent`) wait until both partners agreed in private.
4. The action's own `handle`.
"""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.core.context import MessageContext, context_from
from actions.core.replies import DomainDict, KeepKeyboard, Outgoing, Reply, Toast, send
from actions.core.routing import capture_content, crisis_kind
from actions.safety.respond import answer_crisis, follow_up_free_text, private_answer
from storage import inbox, timers
from storage.couples import Role, is_complete, waiting_for_consent
from storage.engine import is_transient, transaction
from storage.enums import TimerStatus
from storage.models import Couple, utc_now

logger = logging.getLogger(__name__)


class TalkingStickAction(Action, metaclass=ABCMeta):
    action_name: ClassVar[str]
    partners_only: ClassVar[bool] = True
    captures_content: ClassVar[bool] = True
    # Only the timer action answers Rasa's (token-guarded) `trigger_intent`, which carries no
    # signature; every other action answers only what the bot signed.
    fired_by_timers: ClassVar[bool] = False
    # An exercise: refused in a group until both partners agreed in private.
    needs_consent: ClassVar[bool] = False

    def name(self) -> str:
        return self.action_name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        ctx = context_from(tracker)
        if not ctx.signed and not (self.fired_by_timers and ctx.chat_type == "timer"):
            # Not from the bot (a forged or replayed request that got this far): from
            # nobody, so it does nothing, journals nothing and is not acknowledged.
            logger.warning("%s: unsigned message in chat %s ignored", self.name(), ctx.chat_id)
            return []
        key = journal_key(ctx)
        kind = crisis_kind(ctx)
        urgent = private_answer(ctx, kind) if kind and not ctx.crisis_answered else None
        answered = CollectingDispatcher()
        try:
            with transaction() as session:
                if key is not None and key < 0 and not _is_firing(-key, session):
                    key = None  # a timer nobody claimed: the action itself says nothing
                # The journal makes a repeated run (the bot or Rasa died after this action
                # committed) return the first answer instead of acting twice.
                stored = inbox.begin_answer(key, ctx.chat_id, session=session) if key else None
                if stored is None:
                    send(answered, domain, self.answer(ctx, session))
                    if key:
                        inbox.store_answer(key, answered.messages, session=session)
                else:
                    answered.messages.extend(stored)
        except Exception as error:  # ids only in the log
            transient = is_transient(error)
            logger.error(
                "%s failed in chat %s: %s (%s)",
                self.name(),
                ctx.chat_id,
                type(error).__name__,
                "will be tried again" if transient else "a fault",
                exc_info=logger.isEnabledFor(logging.DEBUG),
            )
            # Nothing was saved (the transaction rolled back): no "done" for the bot, which
            # keeps the update and sends it again. Only crisis resources go out now.
            failed = CollectingDispatcher()
            if urgent is not None:
                send(failed, domain, [urgent])
            dispatcher.messages.extend(failed.messages)
            retry = "transient" if transient else "fault"
            dispatcher.utter_message(json_message={"telegram": {"retry": retry}})
            return []
        dispatcher.messages.extend(answered.messages)
        # The bot treats an answer without this marker as "no action ran" (e.g. the action
        # server was down) and keeps the update to try again, instead of losing it.
        dispatcher.utter_message(json_message={"telegram": {"ack": True}})
        return []

    def answer(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        # Crisis language first, in every action and every chat: it is never an exercise's
        # content, never coached, and the writer need not be a partner to get resources.
        kind = crisis_kind(ctx)
        if kind is not None:
            return answer_crisis(ctx, kind, session, utc_now())
        if self.captures_content:
            captured = capture_content(ctx, session)
            if captured is not None:
                return captured
        if self.partners_only:
            refusal = refuse_non_partner(ctx, session)
            if refusal is not None:
                return refusal
        if self.needs_consent:
            waiting = refuse_before_consent(ctx, session)
            if waiting is not None:
                return waiting
        # After crisis words, no "/help" line: a human one (actions/safety/respond.py).
        return follow_up_free_text(ctx, self.handle(ctx, session), session, utc_now())

    @abstractmethod
    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        """The action's own answer (abstract: rasa_sdk registers only concrete actions)."""


def journal_key(ctx: MessageContext) -> int | None:
    """The inbox row that journals this answer: the Telegram update, or the fired timer.

    An update's row is taken only by a message the bot signed with that update id: a forged
    update id could otherwise claim a real pending update and answer it in its place."""
    if ctx.update_id is not None:
        return ctx.update_id
    try:
        if ctx.intent == "EXTERNAL_timer_due" and ctx.entity("timer_id") is not None:
            return inbox.timer_key(int(ctx.entity("timer_id")))
    except (TypeError, ValueError):
        return None
    return None


def _is_firing(timer_id: int, session: Session) -> bool:
    row = timers.load(timer_id, session=session)
    return row is not None and row.status == TimerStatus.FIRING


def refuse_non_partner(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """None when the writer is a partner of this group's couple (or in a private chat)."""
    if not ctx.in_group or ctx.user_id is None:
        return None
    role = ctx.role(session)
    if role is Role.PARTNER:
        return None
    if role is Role.OBSERVER:
        # Observers get nothing of the couple's data; a toast on a button, else one short line.
        # Their press must not use up the keyboard the partners still need.
        return (
            [Toast("utter_toast_for_the_couple"), KeepKeyboard()]
            if ctx.is_callback
            else [Reply(response="utter_observer_note")]
        )
    couple = ctx.couple(session)
    refusal = Reply(response="utter_join_first" if couple else "utter_start_first")
    return [refusal, KeepKeyboard()] if ctx.is_callback else [refusal]


def refuse_before_consent(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """None once both partners of this group's couple agreed in private (see
    `consent_pending`); outside a group the action looks itself."""
    if not ctx.in_group:
        return None
    return consent_pending(ctx, ctx.couple(session))


def consent_pending(ctx: MessageContext, couple: Couple | None) -> list[Outgoing] | None:
    """Who still needs to open the private chat and agree (nothing of what anyone said
    there), or None when both agreed. An incomplete couple is left to the action, which
    asks for the second partner."""
    if couple is None or not is_complete(couple):
        return None
    waiting = waiting_for_consent(couple)
    if not waiting:
        return None
    return [
        Reply(
            response="utter_consent_pending",
            values={
                "names": " and ".join(p.first_name for p in waiting),
                "link": f"https://t.me/{ctx.bot_username}?start=consent",
            },
        )
    ]
