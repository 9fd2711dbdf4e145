"""The check-in: /checkin (or "let's do our check-in") in the group, and once a month on its
own, at the couple's chosen time (`/checkin time first sunday 19:00`, see schedule.py).

Each partner is asked in their private chat (answers.py); both are shown together once
both answered (reveal.py). A check-in left half-done gets one reminder after
`CHECKIN_REMINDER_SECONDS`, then expires `CHECKIN_EXPIRE_SECONDS` later, saved as expired.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.checkin import schedule
from actions.checkin.answers import ask
from actions.checkin.reveal import end_timers
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import Suspended, register_couple_hook, register_flow
from actions.core.replies import Outgoing, Reply
from actions.core.timers import timer_handler
from storage import checkins, timers
from storage.couples import all_consented, is_complete
from storage.enums import CheckinStatus, CheckinTrigger, TimerKind
from storage.models import Checkin, Couple, Partner, utc_now
from storage.pauses import FlowState
from storage.timer_payloads import CheckinTimer, MonthlyCheckin
from storage.timers import DueTimer


def start(
    couple: Couple, trigger: CheckinTrigger, by: Partner | None, now: datetime, session: Session
) -> list[Outgoing]:
    """A new check-in: the group hears it started, each partner is asked privately."""
    if checkins.open_checkin(couple.id, session=session) is not None:
        return [Reply(response="utter_checkin_already_open", chat_id=couple.group_chat_id)]
    checkin = checkins.start(couple, trigger, by, now, session=session)
    reminder = now + timedelta(seconds=settings.current().checkin_reminder_seconds)
    timers.schedule(
        TimerKind.CHECKIN_REMINDER,
        couple.group_chat_id,
        reminder,
        CheckinTimer(checkin.id),
        session=session,
    )
    first, second = couple.partners
    announced = Reply(
        response="utter_checkin_started" if by else "utter_checkin_monthly_started",
        values={"a": first.first_name, "b": second.first_name},
        chat_id=couple.group_chat_id,
    )
    return [
        announced,
        ask(checkin, first, second, checkins.NEEDS),
        ask(checkin, second, first, checkins.NEEDS),
    ]


class ActionStartCheckin(TalkingStickAction):
    """/checkin, "let's do our check-in"; `/checkin time …` shows or sets the monthly time."""

    action_name = "action_start_checkin"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = ctx.couple(session)
        if not ctx.in_group or couple is None:
            return [Reply(response="utter_checkin_in_group")]
        if not is_complete(couple):
            return [Reply(response="utter_join_first")]
        option = " ".join(str(ctx.entity("checkin_option") or "").split())
        if option.lower().startswith("time"):
            return set_time(couple, option[4:].strip(), session)
        return start(couple, CheckinTrigger.MANUAL, ctx.partner(session), utc_now(), session)


def set_time(couple: Couple, wanted: str, session: Session) -> list[Outgoing]:
    now = utc_now()
    if wanted:
        parsed = schedule.parse(wanted)
        if parsed is None:
            return [Reply(response="utter_checkin_time_unclear")]
        couple.checkin_schedule = parsed.text()
        plan_monthly(couple, session, now)
        response = "utter_checkin_time_set"
    else:
        response = "utter_checkin_time_shown"
    current = schedule.stored(couple.checkin_schedule)
    return [
        Reply(
            response=response,
            values={
                "schedule": current.text(),
                "next": schedule.describe(
                    schedule.next_run(current, couple.timezone, now), couple.timezone
                ),
                "timezone": couple.timezone or "UTC",
            },
        )
    ]


@register_couple_hook
def plan_monthly(couple: Couple, session: Session, now: datetime) -> None:
    """The couple's one monthly timer, at the next moment of its schedule (in its zone)."""
    timers.cancel_kind(TimerKind.CHECKIN_MONTHLY, couple.group_chat_id, session=session)
    if couple.closed_at is not None or not all_consented(couple):
        return
    moment = schedule.next_run(
        schedule.stored(couple.checkin_schedule), couple.timezone, now
    )
    timers.schedule(
        TimerKind.CHECKIN_MONTHLY,
        couple.group_chat_id,
        moment,
        MonthlyCheckin(couple.id),
        session=session,
    )


@timer_handler(TimerKind.CHECKIN_MONTHLY)
def monthly(timer: DueTimer, session: Session) -> list[Outgoing]:
    payload = MonthlyCheckin.read(timer.payload)
    couple = session.get(Couple, payload.couple_id) if payload else None
    if couple is None or couple.closed_at is not None or couple.group_chat_id != timer.chat_id:
        return []
    now = utc_now()
    # The next month's first (a second firing of this one then finds it already planned).
    plan_monthly(couple, session, max(now, timer.due_at))
    if not all_consented(couple) or checkins.open_checkin(couple.id, session=session):
        return []
    return start(couple, CheckinTrigger.MONTHLY, None, now, session)


def _open(timer: DueTimer, session: Session) -> tuple[Checkin, Couple] | None:
    payload = CheckinTimer.read(timer.payload)
    checkin = session.get(Checkin, payload.checkin_id) if payload else None
    if checkin is None or checkin.status != CheckinStatus.OPEN:
        return None
    couple = session.get(Couple, checkin.couple_id)
    if couple is None or couple.group_chat_id != timer.chat_id:
        return None
    return checkin, couple


@timer_handler(TimerKind.CHECKIN_REMINDER)
def remind(timer: DueTimer, session: Session) -> list[Outgoing]:
    found = _open(timer, session)
    if found is None or found[0].reminded_at is not None:
        return []
    checkin, couple = found
    now = utc_now()
    checkin.reminded_at = now
    timers.schedule(
        TimerKind.CHECKIN_EXPIRE,
        couple.group_chat_id,
        now + timedelta(seconds=settings.current().checkin_expire_seconds),
        CheckinTimer(checkin.id),
        session=session,
    )
    replies: list[Outgoing] = [
        Reply(response="utter_checkin_reminder_group", chat_id=couple.group_chat_id)
    ]
    # Only who still has something to give is reminded (privately).
    for answer in checkins.answers_of(checkin, session=session):
        waiting = checkins.stage(answer) != checkins.DONE or checkins.held(answer)
        partner = next(p for p in couple.partners if p.id == answer.partner_id)
        if waiting:
            replies.append(
                Reply(response="utter_checkin_reminder", chat_id=partner.telegram_user_id)
            )
    return replies


@timer_handler(TimerKind.CHECKIN_EXPIRE)
def expire(timer: DueTimer, session: Session) -> list[Outgoing]:
    found = _open(timer, session)
    if found is None:
        return []
    checkin, couple = found
    checkins.end(checkin, CheckinStatus.EXPIRED, utc_now())
    return [Reply(response="utter_checkin_expired", chat_id=couple.group_chat_id)]


class CheckinFlow:
    """A check-in never holds the group (it happens in private chats), so a pause leaves it
    alone; /cancel in the group (or a crisis) ends an open one, saved as cancelled."""

    name = "checkin"

    def is_running(self, couple: Couple, session: Session) -> bool:
        return False

    def suspend(self, couple: Couple, session: Session, now: datetime) -> Suspended | None:
        return None

    def restore(
        self, couple: Couple, state: FlowState, session: Session, now: datetime
    ) -> list[Outgoing]:
        return []

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        checkin = checkins.open_checkin(couple.id, session=session)
        if checkin is None:
            return []
        checkins.end(checkin, CheckinStatus.CANCELLED, now)
        end_timers(couple, session)
        return [Reply(response="utter_checkin_cancelled", chat_id=couple.group_chat_id)]


register_flow(CheckinFlow())
