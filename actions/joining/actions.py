"""Joining: /start in a group, the "I'm in" buttons, the couple's time zone, private consent.

Consent first (PRODUCT.md): until both partners agreed in private, no exercise starts
(actions/core/base.py) and none of their words reach Rasa (bot/withheld.py). "Not now"
frees that seat and deletes what was kept of that person.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

import settings
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import couple_changed
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast
from actions.core.routing import capturer
from actions.core.timers import timer_handler
from actions.core.timezones import resolve_timezone, timezone_buttons
from actions.privacy.forget import schedule_purges
from actions.progress.quarterly import ensure_quarterly_review, reschedule_quarterly_review
from actions.safety.actions import after_consent as safety_check_after_consent
from actions.safety.actions import on_private_start as safety_on_private_start
from actions.statement.actions import open_draft_prompt
from storage import timers
from storage.couples import (
    JoinResult,
    all_consented,
    couple_for_group,
    couples_of_user,
    is_complete,
    join,
    partner_in,
)
from storage.enums import TimerKind
from storage.forget import Purge, free_seat
from storage.models import Couple, Partner, utc_now
from storage.timers import DueTimer

TIMEZONE_REMINDER = TimerKind.TIMEZONE_REMINDER


def names_of(couple: Couple) -> dict[str, str]:
    names = [p.first_name for p in couple.partners] + ["", ""]
    return {"first": names[0], "second": names[1]}


def deep_link(ctx: MessageContext) -> str:
    return f"https://t.me/{ctx.bot_username}?start=consent"


class ActionStart(TalkingStickAction):
    """/start: introduce the bot in a group (with "I'm in"), or explain consent in private."""

    action_name = "action_start"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.in_private:
            return private_start(ctx, session)
        couple = ctx.couple(session)
        replies: list[Outgoing] = []
        if is_complete(couple):
            assert couple is not None
            replies.append(Reply(response="utter_already_set_up", values=names_of(couple)))
            if couple.timezone is None:
                replies.append(Reply(response="utter_ask_timezone", buttons=timezone_buttons()))
        else:
            replies.append(Reply(response="utter_intro_group"))
        if not ctx.sees_all_messages:
            replies.append(
                Reply(response="utter_privacy_mode_fix", values={"bot": ctx.bot_username})
            )
        return replies


def private_start(ctx: MessageContext, session: Session) -> list[Outgoing]:
    assert ctx.user_id is not None
    if not couples_of_user(ctx.user_id, session=session):
        return [Reply(response="utter_private_intro_stranger")]
    return [
        *safety_on_private_start(ctx, session),
        Reply(
            response="utter_private_intro",
            values={"name": ctx.first_name, "retention": retention_text()},
        ),
        # Opened from the group's link after /talk: the draft waiting here, right away.
        *open_draft_prompt(ctx.chat_id, session),
    ]


def retention_text() -> str:
    """RETENTION_DAYS in words, for the consent text: "365 days", "1 day", "12 hours"."""
    days = settings.current().retention_days
    if days >= 1 and float(days).is_integer():
        return "1 day" if days == 1 else f"{int(days)} days"
    hours = max(1, round(days * 24))
    return "1 hour" if hours == 1 else f"{hours} hours"


class ActionJoinCouple(TalkingStickAction):
    """ "I'm in": the first two people to press become the couple's partners."""

    action_name = "action_join_couple"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_group or ctx.user_id is None:
            return [Reply(response="utter_join_in_group")]
        outcome = join(ctx.chat_id, ctx.user_id, ctx.first_name, session=session)
        couple = outcome.couple
        if outcome.result is JoinResult.ALREADY_PARTNER:
            return [Toast("utter_toast_already_in"), KeepKeyboard()]
        if outcome.result is JoinResult.COUPLE_FULL:
            return [Toast("utter_toast_couple_complete")]
        if outcome.result is JoinResult.JOINED:
            return [
                Toast("utter_toast_joined"),
                KeepKeyboard(),
                Reply(response="utter_joined_waiting", values={"name": ctx.first_name}),
            ]
        replies: list[Outgoing] = [
            Toast("utter_toast_joined"),
            Reply(response="utter_couple_formed", values=names_of(couple)),
        ]
        if couple.timezone is None:  # a seat filled again keeps the couple's time zone
            timers.schedule(
                TIMEZONE_REMINDER,
                ctx.chat_id,
                utc_now() + timedelta(seconds=settings.current().timezone_reminder_seconds),
                session=session,
            )
            replies.append(Reply(response="utter_ask_timezone", buttons=timezone_buttons()))
        replies.append(Reply(response="utter_invite_private", values={"link": deep_link(ctx)}))
        ensure_quarterly_review(couple, utc_now(), session=session)  # the quarterly summary
        return replies


def save_timezone(
    ctx: MessageContext, couple: Couple, zone: str, session: Session
) -> list[Outgoing]:
    couple.timezone = zone
    timers.cancel_kind(TIMEZONE_REMINDER, couple.group_chat_id, session=session)
    couple_changed(couple, session, utc_now())  # e.g. the monthly check-in, in the new zone
    # The quarterly summary comes at the start of a quarter in the couple's zone.
    reschedule_quarterly_review(couple, utc_now(), session=session)
    return [Reply(response="utter_timezone_set", values={"timezone": zone})]


class ActionSetTimezone(TalkingStickAction):
    """A time zone button, or /timezone to choose again."""

    action_name = "action_set_timezone"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = ctx.couple(session)
        if couple is None or not ctx.in_group:
            return [Reply(response="utter_timezone_in_group")]
        zone = resolve_timezone(str(ctx.entity("timezone") or ""))
        if zone is None:
            return [Reply(response="utter_ask_timezone", buttons=timezone_buttons())]
        return save_timezone(ctx, couple, zone, session)


@capturer("timezone_answer")
def capture_timezone_answer(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """While a formed couple has no time zone, a partner's short answer naming one sets it."""
    if not ctx.in_group or ctx.user_id is None:
        return None
    couple = ctx.couple(session)
    if not is_complete(couple) or couple is None or couple.timezone is not None:
        return None
    if ctx.partner(session) is None:
        return None
    zone = resolve_timezone(ctx.text)
    return None if zone is None else save_timezone(ctx, couple, zone, session)


@timer_handler(TIMEZONE_REMINDER)
def remind_timezone(timer: DueTimer, session: Session) -> list[Outgoing]:
    couple = couple_for_group(timer.chat_id, session=session)
    if couple is None or couple.timezone is not None or not is_complete(couple):
        return []
    return [Reply(response="utter_timezone_reminder", buttons=timezone_buttons())]


class ActionGiveConsent(TalkingStickAction):
    """In a private chat: the partner agrees to what is stored (saved with the time)."""

    action_name = "action_give_consent"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_private or ctx.user_id is None:
            return [Reply(response="utter_consent_in_private")]
        couples = couples_of_user(ctx.user_id, session=session)
        if not couples:
            return [Reply(response="utter_private_intro_stranger")]
        newly = not_yet_agreed(couples, ctx.user_id)
        for partner in newly:
            partner.consented_at = utc_now()
        for couple in couples:
            if newly and all_consented(couple):
                couple_changed(couple, session, utc_now())  # ready: e.g. the monthly check-in
        # Consent continues into the private safety check (actions/safety).
        return [
            Reply(response="utter_consent_thanks"),
            *safety_check_after_consent(ctx, session, new_couple=bool(newly)),
        ]


def not_yet_agreed(couples: list[Couple], user_id: int) -> list[Partner]:
    """The person's seats in these couples that have no consent yet."""
    seats = [partner_in(couple, user_id) for couple in couples]
    return [seat for seat in seats if seat is not None and seat.consented_at is None]


class ActionDeclineConsent(TalkingStickAction):
    """ "Not now": the seat is freed for someone else, and nothing of that person is kept:
    their name and seat, their messages in the group's conversation (and in this private
    one, unless they agreed in another couple). The group waits for a new "I'm in"."""

    action_name = "action_decline_consent"
    partners_only = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_private or ctx.user_id is None:
            return [Reply(response="utter_consent_in_private")]
        couples = couples_of_user(ctx.user_id, session=session)
        if not couples:
            return [Reply(response="utter_private_intro_stranger")]
        pending = [seat.couple for seat in not_yet_agreed(couples, ctx.user_id)]
        if not pending:
            return [Reply(response="utter_consent_decline_after_agreeing")]
        now = utc_now()
        purges: list[Purge] = []
        notes: list[Outgoing] = []
        for couple in pending:
            group = couple.group_chat_id
            timers.cancel_kind(TIMEZONE_REMINDER, group, session=session)
            purges += free_seat(couple, ctx.user_id, session=session)
            remaining = couple_for_group(group, session=session)  # the group's, not ctx's
            if remaining is not None:
                remaining.formed_at = None
            notes.append(Reply(response="utter_seat_free_group", chat_id=group))
        schedule_purges(purges, session, now)
        this_chat = any(purge.chat_id == ctx.chat_id for purge in purges)
        declined = "utter_consent_declined_here_too" if this_chat else "utter_consent_declined"
        return [Reply(response=declined), *notes]


class ActionWithheldWords(TalkingStickAction):
    """A partner wrote in private before agreeing: the words never reached Rasa (the bot
    sends this intent instead, bot/withheld.py); say why they get no other answer."""

    action_name = "action_withheld_words"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        return [Reply(response="utter_consent_first_private")] if ctx.in_private else []
