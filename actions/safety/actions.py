"""Rasa actions of the safety flow: crisis words, the safety check's buttons, the hold note."""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply
from actions.core.routing import crisis_kind
from actions.core.timers import timer_handler
from actions.safety import check
from actions.safety.resources import resources_for
from actions.safety.respond import CRISIS_FOLLOW_UP, HOLD_NOTICE, answer_crisis
from storage import safety
from storage.couples import couple_for_group, couples_of_user
from storage.models import utc_now
from storage.timer_payloads import HoldNotice
from storage.timers import DueTimer


class ActionAnswerCrisis(TalkingStickAction):
    """The `crisis` intent. The base answers crisis words before any action runs, so this
    is reached only when the words are a figure of speech ("this chore is killing me"):
    then they are ordinary words, quiet in a group."""

    action_name = "action_answer_crisis"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        kind = crisis_kind(ctx)
        if kind is not None and ctx.user_id is not None:
            return answer_crisis(ctx, kind, session, utc_now())
        return [Reply(response="utter_private_free_text")] if ctx.in_private else []


class ActionSafetyAnswer(TalkingStickAction):
    """A button of the private safety check."""

    action_name = "action_safety_answer"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_private or ctx.user_id is None:
            return []
        question = str(ctx.entity("safety_q") or "")
        answer = str(ctx.entity("safety_a") or "")
        if question not in check.BY_KEY:
            return []
        return check.record_answer(ctx.user_id, question, answer, session, utc_now())


class ActionSafetyChoice(TalkingStickAction):
    """After a worrying answer: keep things as they are, quietly keep to gentler tools, or
    how to hide this chat. Private, and only for the person who answered."""

    action_name = "action_safety_choice"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_private or ctx.user_id is None:
            return []
        choice = str(ctx.entity("safety_a") or "")
        return check.record_choice(ctx.user_id, choice, session, utc_now())


def after_consent(
    ctx: MessageContext, session: Session, *, new_couple: bool = False
) -> list[Outgoing]:
    """Joining's consent step continues into the private safety check (partners only); a
    person whose check was worrying and who agreed in a new couple chooses again for it."""
    if ctx.user_id is None or not couples_of_user(ctx.user_id, session=session):
        return []
    started = check.begin(ctx.user_id, session, utc_now())
    if started or not new_couple:
        return started
    return check.offer_choice_again(ctx.user_id, session)


def on_private_start(ctx: MessageContext, session: Session) -> list[Outgoing]:
    """/start in private soon after crisis words: the resources come first (the crisis
    answer may not have reached this person, who had no private chat with the bot yet)."""
    if ctx.user_id is None:
        return []
    since = utc_now() - CRISIS_FOLLOW_UP
    event = safety.latest_event(ctx.user_id, kind_prefix="crisis_", since=since, session=session)
    if event is None:
        return []
    kind = event.kind.removeprefix("crisis_")
    return [Reply(response="utter_crisis_follow_up", values={"resources": resources_for(kind)})]


@timer_handler(HOLD_NOTICE)
def tell_group_about_hold(timer: DueTimer, session: Session) -> list[Outgoing]:
    """The neutral note; a hold chosen in private starts only now, with it."""
    couple = couple_for_group(timer.chat_id, session=session)
    notice = HoldNotice.read(timer.payload)  # None: scheduled before notices named a couple
    if couple is None or (notice is not None and notice.couple_id != couple.id):
        return []  # that couple was closed or deleted meanwhile
    if notice is not None and notice.starts_hold:
        safety.set_hold(couple)
    if not couple.safety_hold:
        return []
    return [Reply(response="utter_safety_hold_group")]
