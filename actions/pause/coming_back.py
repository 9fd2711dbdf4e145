"""Coming back from an escalation pause: at the agreed time, or earlier if both want to.

At the agreed time (a durable timer: it fires after restarts, at start-up when overdue, and
once) the bot asks whether both are ready; both "Ready" restore the paused flow exactly
where it was. "Not yet" chooses a new time once; nobody answering gets one gentle
follow-up, then the pause is recorded as missed. Every timer handler is idempotent: the
state machine does nothing when the moment has passed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.core import flows
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast
from actions.core.timers import timer_handler
from actions.pause import state as pause_state
from actions.pause.common import (
    PAUSE_FOLLOW_UP,
    PAUSE_REMINDER,
    PAUSE_RESUME,
    cancel_timers,
    commit,
    offer_buttons,
    partner_name,
    proposal_buttons,
    ready_buttons,
    schedule,
    timezone_offer_buttons,
    when_text,
)
from actions.pause.escalation import suggestion_if_due
from actions.pause.records import load_state, what_was_paused
from actions.pause.state import Outcome, Phase
from storage import pauses
from storage.couples import couple_for_group
from storage.models import Couple, Partner, Pause, utc_now
from storage.pauses import FlowState
from storage.timer_payloads import PauseFollowUp, PauseReminder, PauseResume
from storage.timers import DueTimer

logger = logging.getLogger(__name__)


# -- coming back ---------------------------------------------------------------------------


def ready(
    couple: Couple,
    pause: Pause,
    partner: Partner,
    now: datetime,
    session: Session,
    *,
    pressed: bool = False,
) -> list[Outgoing]:
    """A partner is ready: at the agreed time, or earlier (then the other is asked)."""
    before = load_state(pause, couple)
    step = pause_state.ready(before, partner.id, now)
    state = commit(pause, step)
    other = partner_name(couple, before.other(partner.id))
    if step.outcome is Outcome.STALE:
        return (
            [Toast("utter_toast_pause_ended")]
            if pressed
            else [Reply(response="utter_pause_nothing_to_resume")]
        )
    if step.outcome is Outcome.ALREADY_READY:
        if pressed:
            return [Toast("utter_toast_pause_waiting_for_ready", {"other": other}), KeepKeyboard()]
        return [Reply(response="utter_pause_waiting", values={"other": other})]
    if step.outcome is Outcome.RESUME:
        return _resume(couple, pause, now, session)
    # READY_NOTED
    if before.phase is Phase.ASKING:
        noted: list[Outgoing] = [
            Reply(
                response="utter_pause_ready_noted",
                values={"name": partner.first_name, "other": other},
            )
        ]
        pressed_answer: list[Outgoing] = (
            [Toast("utter_toast_pause_noted"), KeepKeyboard()] if pressed else []
        )
        return pressed_answer + noted
    agreed = f" instead of {when_text(state.resume_at, couple, now)}"
    return [
        Reply(
            response="utter_pause_early_request",
            values={
                "name": partner.first_name,
                "other": other,
                "what": what_was_paused(pause),
                "before": agreed if before.phase is Phase.AGREED else "",
            },
            buttons=ready_buttons(pause),
        )
    ]


def _resume(couple: Couple, pause: Pause, now: datetime, session: Session) -> list[Outgoing]:
    cancel_timers(couple, session)
    logger.info("pause %s resumed in chat %s", pause.id, couple.group_chat_id)
    what = what_was_paused(pause)
    # Back and calmer: the moment for the third-party suggestion, if this topic reached it
    # (before the restored exercise, so it interrupts nobody's turn).
    advice = suggestion_if_due(couple, pause.topic, now, session)
    if not pause.flow:
        return [Reply(response="utter_pause_resumed_nothing_running"), *advice]
    if flows.running_flow(couple, session) is not None:
        return [Reply(response="utter_pause_resumed_busy", values={"what": what}), *advice]
    restored = flows.restore(couple, pause.flow, pause.flow_state or FlowState(), session, now)
    if restored:  # the flow says where it stands (e.g. who has the floor, how long)
        return [Reply(response="utter_pause_both_back"), *advice, *restored]
    return [Reply(response="utter_pause_resumed", values={"what": what}), *advice]


def not_yet(
    couple: Couple,
    pause: Pause,
    partner: Partner,
    now: datetime,
    session: Session,
    *,
    pressed: bool = False,
) -> list[Outgoing]:
    before = load_state(pause, couple)
    step = pause_state.not_yet(before, partner.id)
    state = commit(pause, step)
    if step.outcome is Outcome.STALE:
        return [Toast("utter_toast_pause_ended")] if pressed else []
    if step.outcome is Outcome.RESCHEDULE:
        cancel_timers(couple, session)
        schedule(
            PAUSE_REMINDER,
            couple,
            now + timedelta(seconds=settings.current().pause_proposal_reminder_seconds),
            PauseReminder(pause.id, state.proposing_round),
            session,
        )
        return [Reply(response="utter_pause_reschedule", buttons=offer_buttons(pause, couple, now))]
    if step.outcome is Outcome.LEFT_OPEN:
        cancel_timers(couple, session)
        return [Reply(response="utter_pause_left_open", values={"what": what_was_paused(pause)})]
    if step.outcome is Outcome.EARLY_DECLINED:
        if state.phase is Phase.AGREED:
            return [
                Reply(
                    response="utter_pause_keep_agreed_time",
                    values={"when": when_text(state.resume_at, couple, now)},
                )
            ]
        if state.phase is Phase.PROPOSING:
            return [Reply(response="utter_pause_first_agree_time")]
        return [Toast("utter_toast_pause_okay")] if pressed else []
    return [Toast("utter_toast_pause_okay")] if pressed else []


def cancel_open_pause(couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
    pause = pauses.open_pause(couple.id, session=session)
    if pause is None:
        return []
    step = pause_state.cancel(load_state(pause, couple))
    commit(pause, step)
    cancel_timers(couple, session)
    return [Reply(response="utter_pause_cancelled")] if step.outcome is Outcome.CANCELLED else []


# -- durable timers ------------------------------------------------------------------------


def _timer_pause(
    timer: DueTimer, payload: PauseReminder | PauseResume | PauseFollowUp | None, session: Session
) -> tuple[Couple, Pause] | None:
    if payload is None:
        return None
    couple = couple_for_group(timer.chat_id, session=session)
    pause = pauses.get_pause(payload.pause_id, session=session)
    if couple is None or pause is None or pause.couple_id != couple.id:
        return None
    return couple, pause


@timer_handler(PAUSE_REMINDER)
def on_reminder_timer(timer: DueTimer, session: Session) -> list[Outgoing]:
    payload = PauseReminder.read(timer.payload)
    found = _timer_pause(timer, payload, session)
    if payload is None or found is None:
        return []
    return send_reminder(*found, payload.proposing_round, utc_now(), session)


def send_reminder(
    couple: Couple, pause: Pause, proposing_round: int, now: datetime, session: Session
) -> list[Outgoing]:
    """Still no agreed time: one gentle reminder (with the open proposal, if any)."""
    step = pause_state.remind(load_state(pause, couple), proposing_round)
    state = commit(pause, step)
    if step.outcome is not Outcome.REMIND:
        return []
    if state.phase is Phase.TIMEZONE:
        return [Reply(response="utter_pause_reminder_timezone", buttons=timezone_offer_buttons())]
    current = state.current
    if current is None:
        return [
            Reply(response="utter_pause_reminder_choose", buttons=offer_buttons(pause, couple, now))
        ]
    return [
        Reply(
            response="utter_pause_reminder_proposal",
            values={
                "name": partner_name(couple, current.by),
                "other": partner_name(couple, state.other(current.by)),
                "when": when_text(current.when, couple, now),
            },
            buttons=proposal_buttons(pause, len(state.proposals)),
        )
    ]


@timer_handler(PAUSE_RESUME)
def on_resume_timer(timer: DueTimer, session: Session) -> list[Outgoing]:
    payload = PauseResume.read(timer.payload)
    found = _timer_pause(timer, payload, session)
    if payload is None or found is None:
        return []
    return agreed_time_came(*found, payload.at, utc_now(), session)


def agreed_time_came(
    couple: Couple, pause: Pause, due_at: datetime, now: datetime, session: Session
) -> list[Outgoing]:
    """The agreed time: bring them back, asking whether both are ready (once, even if late)."""
    step = pause_state.resume_due(load_state(pause, couple), due_at)
    commit(pause, step)
    if step.outcome is not Outcome.ASK_READY:
        return []
    logger.info("pause %s: agreed time came in chat %s", pause.id, couple.group_chat_id)
    schedule(
        PAUSE_FOLLOW_UP,
        couple,
        now + timedelta(seconds=settings.current().pause_followup_seconds),
        PauseFollowUp(pause.id, number=1),
        session,
    )
    return [
        Reply(
            response="utter_pause_ask_ready",
            values={"what": what_was_paused(pause)},
            buttons=ready_buttons(pause),
        )
    ]


@timer_handler(PAUSE_FOLLOW_UP)
def on_follow_up_timer(timer: DueTimer, session: Session) -> list[Outgoing]:
    payload = PauseFollowUp.read(timer.payload)
    found = _timer_pause(timer, payload, session)
    if payload is None or found is None:
        return []
    return send_follow_up(*found, payload.number, utc_now(), session)


def send_follow_up(
    couple: Couple, pause: Pause, number: int, now: datetime, session: Session
) -> list[Outgoing]:
    """Nobody answered "ready?": one gentle follow-up, then the pause is recorded as missed."""
    step = pause_state.follow_up(load_state(pause, couple), number)
    commit(pause, step)
    what = what_was_paused(pause)
    if step.outcome is Outcome.FOLLOW_UP:
        schedule(
            PAUSE_FOLLOW_UP,
            couple,
            now + timedelta(seconds=settings.current().pause_followup_seconds),
            PauseFollowUp(pause.id, number=number + 1),
            session,
        )
        return [
            Reply(
                response="utter_pause_follow_up",
                values={"what": what},
                buttons=ready_buttons(pause),
            )
        ]
    if step.outcome is Outcome.MISSED:
        logger.info("pause %s missed in chat %s", pause.id, couple.group_chat_id)
        return [Reply(response="utter_pause_left_open", values={"what": what})]
    return []
