"""The couple's written escalation steps (/escalation), and the third-party suggestion.

Steps: pause → agree on a time → come back → after N pauses on the same topic (the couple
chooses N, default 2) a suggestion to involve a neutral third party. The couple may add one
step of their own. The suggestion is made once per topic, in two lines, and never at the
moment of the break (nobody takes advice in the middle of one): when the couple comes back
from it, or the next day if they have not by then. It is saved with what the couple chose.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from actions.core import flows
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply, Toast, button
from actions.core.routing import capturer
from actions.core.timers import timer_handler
from actions.pause.common import minimum_text
from storage import pauses, timers
from storage.couples import couple_for_group, partner_in
from storage.enums import EscalationChoice, TimerKind
from storage.models import Couple, utc_now
from storage.timer_payloads import OwnStepWait, ThirdPartyFollowUp
from storage.timers import DueTimer

THRESHOLD_CHOICES = (1, 2, 3, 4, 5)
# After "Add our own step", that partner's next message (within this time) is the step.
OWN_STEP_WAIT = TimerKind.ESCALATION_STEP_WAIT
OWN_STEP_WAIT_SECONDS = 600
OWN_STEP_LIMIT = 300
THIRD_PARTY_FOLLOW_UP = TimerKind.THIRD_PARTY_FOLLOW_UP
NEXT_DAY = timedelta(days=1)
BUSY_RETRY = timedelta(hours=1)  # the next day's suggestion waits for a running exercise
CHOICES = {
    EscalationChoice.LOOK: "you'll look for someone",
    EscalationChoice.HAVE: "you already have someone",
    EscalationChoice.LATER: "not now",
}
CHOICE_TITLES = {
    EscalationChoice.LOOK: "We'll look for someone",
    EscalationChoice.HAVE: "We already have someone",
    EscalationChoice.LATER: "Not now",
}


def pauses_text(count: int) -> str:
    return "1 pause" if count == 1 else f"{count} pauses"


def steps_reply(couple: Couple) -> Reply:
    threshold = couple.escalation_threshold or 2
    own = couple.escalation_own_step
    buttons = [
        button(
            f"After {pauses_text(n)}" + (" ✓" if n == threshold else ""),
            "set_escalation_threshold",
            escalation_ref=n,
        )
        for n in THRESHOLD_CHOICES
    ]
    own_title = "Change our own step" if own else "Add our own step"
    buttons.append(button(own_title, "add_escalation_step"))
    if own:
        buttons.append(button("Remove our own step", "remove_escalation_step"))
    return Reply(
        response="utter_escalation_steps",
        values={
            "minimum": minimum_text(),
            "threshold": pauses_text(threshold),
            "own_step": f"\n5. Your own step: {own}" if own else "",
        },
        buttons=buttons,
    )


def suggestion_due(couple: Couple, topic: str | None, session: Session) -> int | None:
    """The topic's pause count when its pauses reached the threshold and the suggestion
    was not made yet; else None."""
    count = pauses.pauses_on_topic(couple.id, topic, session=session)
    if count < (couple.escalation_threshold or 2):
        return None
    row = pauses.escalation_for(couple.id, topic, session=session)
    return None if row is not None and row.suggestion_made_at is not None else count


def suggest_later(couple: Couple, topic: str | None, now: datetime, session: Session) -> None:
    """A break was just agreed on a topic that reached the threshold: nothing is said now.
    The suggestion comes at the resume, or with this timer the next day."""
    if suggestion_due(couple, topic, session) is None:
        return
    timers.schedule(
        THIRD_PARTY_FOLLOW_UP,
        couple.group_chat_id,
        now + NEXT_DAY,
        ThirdPartyFollowUp(couple.id, topic),
        session=session,
    )


def suggestion_if_due(
    couple: Couple, topic: str | None, now: datetime, session: Session
) -> list[Outgoing]:
    """The third-party suggestion, once per topic, when its pauses reached the threshold."""
    count = suggestion_due(couple, topic, session)
    if count is None:
        return []
    row = pauses.update_escalation(couple.id, topic, suggestion_at=now, session=session)
    assert row is not None  # made with the suggestion
    shown = " ".join((topic or "").split())[:60]
    return [
        Reply(
            response="utter_escalation_suggestion",
            values={"count": count, "on_topic": f' on "{shown}"' if shown else ""},
            buttons=[
                button(title, "third_party", escalation_ref=f"{row.id}.{key}")
                for key, title in CHOICE_TITLES.items()
            ],
        )
    ]


def _group_couple(ctx: MessageContext, session: Session) -> Couple | None:
    return ctx.couple(session) if ctx.in_group else None


class ActionShowEscalation(TalkingStickAction):
    """/escalation: the couple's steps, with buttons to change the number and their own step."""

    action_name = "action_show_escalation"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = _group_couple(ctx, session)
        if couple is None:
            return [Reply(response="utter_escalation_in_group")]
        return [steps_reply(couple)]


class ActionSetEscalationThreshold(TalkingStickAction):
    action_name = "action_set_escalation_threshold"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = _group_couple(ctx, session)
        if couple is None:
            return [Reply(response="utter_escalation_in_group")]
        try:
            threshold = int(str(ctx.entity("escalation_ref") or ""))
        except ValueError:
            return [Toast("utter_toast_escalation_press_a_number")]
        if threshold not in THRESHOLD_CHOICES:
            return [Toast("utter_toast_escalation_press_a_number")]
        couple.escalation_threshold = threshold
        return [
            Reply(
                response="utter_escalation_threshold_set",
                values={"threshold": pauses_text(threshold)},
            )
        ]


class ActionAddEscalationStep(TalkingStickAction):
    """ "Add our own step": the presser's next message becomes the step."""

    action_name = "action_add_escalation_step"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = _group_couple(ctx, session)
        partner = partner_in(couple, ctx.user_id) if ctx.user_id is not None else None
        if couple is None or partner is None:
            return [Reply(response="utter_escalation_in_group")]
        timers.cancel_kind(OWN_STEP_WAIT, couple.group_chat_id, session=session)
        timers.schedule(
            OWN_STEP_WAIT,
            couple.group_chat_id,
            utc_now() + timedelta(seconds=OWN_STEP_WAIT_SECONDS),
            OwnStepWait(by=partner.id),
            session=session,
        )
        return [
            Reply(response="utter_escalation_ask_own_step", values={"name": partner.first_name})
        ]


class ActionRemoveEscalationStep(TalkingStickAction):
    action_name = "action_remove_escalation_step"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = _group_couple(ctx, session)
        if couple is None:
            return [Reply(response="utter_escalation_in_group")]
        couple.escalation_own_step = None
        return [Reply(response="utter_escalation_own_step_removed")]


class ActionThirdPartyChoice(TalkingStickAction):
    """What the couple chose after the third-party suggestion (saved once)."""

    action_name = "action_third_party_choice"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = _group_couple(ctx, session)
        escalation_id, _, key = str(ctx.entity("escalation_ref") or "").partition(".")
        row = (
            pauses.get_escalation(int(escalation_id), session=session)
            if escalation_id.isdigit()
            else None
        )
        choice = EscalationChoice(key) if key in CHOICES else None
        if couple is None or row is None or row.couple_id != couple.id or choice is None:
            return [Toast("utter_toast_escalation_not_open")]
        if row.choice:
            return [Toast("utter_toast_escalation_choice_saved")]
        row.choice = choice
        return [Reply(response="utter_escalation_choice_saved", values={"choice": CHOICES[choice]})]


@capturer("escalation_own_step")
def capture_own_step(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """The message right after "Add our own step", from the partner who pressed it."""
    if not ctx.in_group or ctx.user_id is None or not ctx.text.strip():
        return None
    waiting = timers.pending(OWN_STEP_WAIT, ctx.chat_id, session=session)
    if not waiting:
        return None
    couple = ctx.couple(session)
    partner = ctx.partner(session)
    if couple is None or partner is None:
        return None
    wait = OwnStepWait.read(timers.payload_of(waiting[0]))
    if wait is None or wait.by != partner.id:
        return None
    step = " ".join(ctx.text.split())
    if len(step) > OWN_STEP_LIMIT:
        step = step[: OWN_STEP_LIMIT - 1].rstrip() + "…"
    couple.escalation_own_step = step
    timers.cancel_kind(OWN_STEP_WAIT, ctx.chat_id, session=session)
    return [Reply(response="utter_escalation_own_step_saved", values={"step": step})]


@timer_handler(THIRD_PARTY_FOLLOW_UP)
def third_party_next_day(timer: DueTimer, session: Session) -> list[Outgoing]:
    """The day after the break: the suggestion, unless coming back already gave it (or an
    exercise runs right now: then an hour later, so it interrupts nobody's turn)."""
    follow_up = ThirdPartyFollowUp.read(timer.payload)
    couple = couple_for_group(timer.chat_id, session=session)
    if follow_up is None or couple is None or couple.id != follow_up.couple_id:
        return []
    now = utc_now()
    if suggestion_due(couple, follow_up.topic, session) is None:
        return []
    if flows.running_flow(couple, session) is not None:
        timers.schedule(
            THIRD_PARTY_FOLLOW_UP, couple.group_chat_id, now + BUSY_RETRY, follow_up,
            session=session,
        )
        return []
    return suggestion_if_due(couple, follow_up.topic, now, session)


@timer_handler(OWN_STEP_WAIT)
def own_step_wait_over(timer: DueTimer, session: Session) -> list[Outgoing]:
    """Nobody wrote the step in time: the wait ends quietly (the button can be pressed again)."""
    return []
