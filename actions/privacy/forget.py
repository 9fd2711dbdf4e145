"""/forget: after confirmation, delete a partner's own data (private chat) or the couple's
(group: both partners must press "Delete everything").

A request is a durable `forget_request` timer of the chat: its payload remembers who has
confirmed, and it expires after FORGET_CONFIRM_SECONDS, so a press long after the question
does nothing. Rasa's conversation history is purged by the bot (see storage/forget.py).

A partner who forgets themselves frees their seat, and a freed seat never inherits the
couple's history: the couple is closed (its rows stay with the remaining partner, who alone
can /export them, privately), the group starts a new couple with the next "I'm in", and the
remaining partner chooses privately to keep their data or start fresh (delete it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import cancel_running
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast, button
from actions.core.timers import timer_handler
from storage import timers
from storage.couples import close, couples_of_user, partner_in
from storage.enums import TimerKind
from storage.forget import Purge, forget_closed_couple, forget_couple, forget_person
from storage.models import Couple, Timer, utc_now
from storage.timer_payloads import ForgetRequest, PurgeConversation
from storage.timers import DueTimer

FORGET_REQUEST = TimerKind.FORGET_REQUEST
PURGE_CONVERSATION = TimerKind.PURGE_CONVERSATION  # run by the bot (bot/housekeeping.py)


def pending_request(chat_id: int, session: Session) -> Timer | None:
    pending = timers.pending(FORGET_REQUEST, chat_id, session=session)
    return pending[-1] if pending else None


def schedule_purges(purges: list[Purge], session: Session, now: datetime) -> None:
    for purge in purges:
        payload = PurgeConversation(only_user=purge.only_user, before=purge.before)
        timers.schedule(PURGE_CONVERSATION, purge.chat_id, now, payload, session=session)


class ActionForgetData(TalkingStickAction):
    """/forget or "delete our data": ask first, with buttons."""

    action_name = "action_forget_data"
    partners_only = True  # in a group; anyone may forget themselves in private

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.user_id is None:
            return []
        now = utc_now()
        confirm_seconds = settings.current().forget_confirm_seconds
        timers.cancel_kind(FORGET_REQUEST, ctx.chat_id, session=session)  # ask afresh
        timers.schedule(
            FORGET_REQUEST,
            ctx.chat_id,
            now + timedelta(seconds=confirm_seconds),
            ForgetRequest(),
            session=session,
        )
        minutes = max(1, round(confirm_seconds / 60))
        response = "utter_forget_ask_group" if ctx.in_group else "utter_forget_ask_private"
        return [Reply(response=response, values={"minutes": minutes})]


class ActionConfirmForget(TalkingStickAction):
    """ "Delete …": in private it deletes at once; in a group when both partners pressed."""

    action_name = "action_confirm_forget"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.user_id is None:
            return []
        request = pending_request(ctx.chat_id, session)
        if request is None:
            return [Toast("utter_toast_forget_expired")]
        now = utc_now()
        if not ctx.in_group:
            timers.cancel(request.id, session=session)
            notes = leave_couples(ctx.user_id, session, now)
            schedule_purges(forget_person(ctx.user_id, session=session), session, now)
            return [Reply(response="utter_forget_done_private"), *notes]
        couple = ctx.couple(session)
        if couple is None:
            return [Toast("utter_toast_forget_nothing_saved")]
        asked = ForgetRequest.read(timers.payload_of(request)) or ForgetRequest()
        if ctx.user_id in asked.confirmed:
            return [Toast("utter_toast_forget_confirmed"), KeepKeyboard()]
        confirmed = asked.confirmed | {ctx.user_id}
        if not {p.telegram_user_id for p in couple.partners} <= confirmed:
            timers.set_payload(request, ForgetRequest(confirmed))
            return [
                Toast("utter_toast_forget_noted"),
                KeepKeyboard(),
                Reply(response="utter_forget_waiting", values={"name": ctx.first_name}),
            ]
        timers.cancel(request.id, session=session)
        cancel_running(couple, session, now)  # let a running exercise end cleanly first
        schedule_purges(forget_couple(couple, session=session), session, now)
        return [Reply(response="utter_forget_done_group")]


def leave_couples(user_id: int, session: Session, now: datetime) -> list[Outgoing]:
    """A partner leaves their couples: what runs there ends, each couple is closed, and each
    group is told, without a reason, that it needs setting up again. The other partner
    chooses privately what happens to what the two of them saved."""
    notes: list[Outgoing] = []
    for couple in couples_of_user(user_id, session=session):
        cancel_running(couple, session, now)  # the flows' own goodbyes are left out
        notes.append(Reply(response="utter_forget_group_changed", chat_id=couple.group_chat_id))
        others = [p.telegram_user_id for p in couple.partners if p.telegram_user_id != user_id]
        if others:  # alone, their couple simply goes (storage/forget.py)
            close(couple, now, session=session, keep_kinds=(PURGE_CONVERSATION,))
            notes += [old_couple_question(couple, other) for other in others]
    return notes


def old_couple_question(couple: Couple, user_id: int) -> Reply:
    def choice(title: str, value: str) -> dict[str, str]:
        return button(title, "old_couple_choice", couple_ref=f"{couple.id}.{value}")

    return Reply(
        response="utter_old_couple_choice",
        chat_id=user_id,
        buttons=[choice("Keep my data", "keep"), choice("Start fresh", "fresh")],
    )


class ActionOldCoupleChoice(TalkingStickAction):
    """The remaining partner of a closed couple: keep its data (theirs alone, /export here)
    or start fresh (its rows and its part of the group's conversation are deleted)."""

    action_name = "action_old_couple_choice"
    partners_only = False
    captures_content = False

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_private or ctx.user_id is None:
            return []
        ref, _, choice = str(ctx.entity("couple_ref") or "").partition(".")
        couple = session.get(Couple, int(ref)) if ref.isdigit() else None
        if couple is None or couple.closed_at is None or partner_in(couple, ctx.user_id) is None:
            return [Toast("utter_toast_old_couple_gone")]
        if choice == "keep":
            return [Reply(response="utter_old_couple_kept")]
        if choice != "fresh":
            return [Toast("utter_toast_press_a_button")]
        schedule_purges(forget_closed_couple(couple, session=session), session, utc_now())
        return [Reply(response="utter_old_couple_deleted")]


class ActionKeepData(TalkingStickAction):
    """ "Keep it": either partner ends the request; nothing is deleted."""

    action_name = "action_keep_data"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        request = pending_request(ctx.chat_id, session)
        if request is None:
            return [Toast("utter_toast_forget_nothing_pending")]
        timers.cancel(request.id, session=session)
        return [Reply(response="utter_forget_kept")]


@timer_handler(FORGET_REQUEST)
def forget_request_expired(timer: DueTimer, session: Session) -> list[Outgoing]:
    # Fires only while the request is still open (answering it cancels the timer).
    return [Reply(response="utter_forget_expired")]
