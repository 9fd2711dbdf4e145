"""What happens after crisis language, wherever it was written.

- Whatever exercise the couple runs is cancelled (not suspended: nothing should bring the
  same heated exercise back on its own; the couple can start again when they want).
- The writer gets a calm private answer with resources. It never repeats, coaches or
  discusses the message. Someone in the group who is not one of its partners gets it too
  (the bot relays only the kind of their words), in the group if the bot can't reach them.
- The group sees at most one neutral line that the exercise stops — never why, never who —
  and only when an exercise was running. If the private answer cannot be delivered
  (Telegram 403: no private chat yet), the group instead gets a neutral invitation for
  both partners to open a private chat with the bot.
- Written in the group, the other partner (who read it too) gets a private note on how to
  help and where to call. It depends only on the kind of words both saw, never on anything
  either of them told the bot privately (the private safety check stays private).
- For a day afterwards, the writer's private messages that nothing else answers get a short
  human line with people who can talk, never the usual pointer to /help.
- A safety event (time, kind, who; no text) is saved for each couple of the writer.
- Violence, threats, abuse or fear of the partner also put the couple on safety hold:
  escalation-prone exercises are not offered any more (the other flows check the hold).
  Written in the group, the hold starts at once (the words were seen there). Written in
  private, it starts only with the group's neutral note, later, so that nothing the other
  partner can see changes right after it (a refused /roundrobin would point at the writer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.core.context import MessageContext
from actions.core.flows import cancel_running, running_flow
from actions.core.replies import Outgoing, Reply
from actions.safety.resources import resources_for
from storage import safety, timers
from storage.couples import couples_of_user, other_partner, partner_in
from storage.enums import TimerKind
from storage.models import Couple
from storage.timer_payloads import HoldNotice

# Kinds that say the partner may be dangerous: no more escalation-prone exercises. Not
# "other" (the NLU model's guess alone): a hold is lasting, a guess is not enough for it.
HOLD_KINDS = frozenset({"violence", "threat", "abuse", "fear"})
HOLD_NOTICE = TimerKind.SAFETY_HOLD_NOTICE
# For this long after crisis words, the writer's private messages are answered by a person-
# shaped line with people who can talk (and /start in private brings the resources first).
CRISIS_FOLLOW_UP = timedelta(hours=24)
FREE_TEXT = "utter_private_free_text"
# For a day after crisis words, in private: the usual answer -> the one said instead.
AFTER_CRISIS = {FREE_TEXT: "utter_crisis_reading", "utter_text_only": "utter_crisis_text_only"}


def private_link(ctx: MessageContext) -> str:
    return f"https://t.me/{ctx.bot_username}?start=consent"


def couples_concerned(ctx: MessageContext, session: Session) -> list[Couple]:
    """The couples whose exercise a partner's crisis stops: this group's, or all of theirs."""
    if ctx.user_id is None:
        return []
    if ctx.in_group:
        couple = ctx.couple(session)
        return [couple] if couple is not None and ctx.partner(session) else []
    return couples_of_user(ctx.user_id, session=session)


def private_answer(
    ctx: MessageContext, kind: str, repeated: bool = False, outsider: bool = False
) -> Reply:
    """The writer's private answer with resources. Built without the database, so it goes
    out even when saving what happened fails (actions/core/base.py). Someone in the group
    who is not one of its partners (`outsider`) and whom the bot can't reach privately gets
    the resources in the group instead: there is no couple's private chat to invite them to."""
    undeliverable: Reply | None = None
    if ctx.in_group:
        undeliverable = (
            Reply(response="utter_crisis_outsider", values={"resources": resources_for(kind)})
            if outsider
            else Reply(response="utter_safety_open_private", values={"link": private_link(ctx)})
        )
    return Reply(
        response="utter_crisis_again" if repeated else "utter_crisis_private",
        values={"resources": resources_for("repeat" if repeated else kind)},
        chat_id=None if ctx.in_private else ctx.user_id,
        if_undeliverable=undeliverable,
    )


def answer_crisis(
    ctx: MessageContext, kind: str, session: Session, now: datetime
) -> list[Outgoing]:
    assert ctx.user_id is not None
    since = now - timedelta(seconds=settings.current().crisis_repeat_seconds)
    repeated = (
        safety.latest_event(ctx.user_id, kind_prefix="crisis_", since=since, session=session)
        is not None
    )
    group_lines: list[Outgoing] = []
    notes: list[Outgoing] = []  # to the other partner, after the writer's own answer
    concerned = couples_concerned(ctx, session)
    for couple in concerned:
        was_running = running_flow(couple, session) is not None
        # The flows' own goodbyes are left out: the group hears one neutral line only.
        cancel_running(couple, session, now)
        safety.record_event(
            ctx.user_id,
            f"crisis_{kind}",
            "group" if ctx.in_group else "private",
            couple_id=couple.id,
            now=now,
            session=session,
        )
        if kind in HOLD_KINDS:
            if ctx.in_group:
                hold(couple, session, now)
            else:
                hold_later(couple, session, now)
        if ctx.in_group and not repeated:
            notes += partner_note(ctx, couple, kind)
        if was_running:
            here = ctx.in_group and couple.group_chat_id == ctx.chat_id
            group_lines.append(
                Reply(
                    response="utter_safety_exercise_stopped",
                    chat_id=None if here else couple.group_chat_id,
                )
            )
    if ctx.crisis_answered:  # delivered already, when an earlier try failed to save this
        return [*group_lines, *notes]
    outsider = ctx.in_group and not concerned  # an observer, or someone not yet joined
    return [*group_lines, private_answer(ctx, kind, repeated, outsider), *notes]


def partner_note(ctx: MessageContext, couple: Couple, kind: str) -> list[Outgoing]:
    """The other partner read the words in the group: privately, how to help and where to
    call. Chosen by the kind of the words alone, so it says nothing of anyone's private
    answers; for words about violence or fear, it does not ask them to step closer."""
    writer = partner_in(couple, ctx.user_id) if ctx.user_id is not None else None
    other = other_partner(couple, writer) if writer is not None else None
    if writer is None or other is None:
        return []
    danger = kind in HOLD_KINDS
    return [
        Reply(
            response="utter_crisis_partner_note_danger" if danger else "utter_crisis_partner_note",
            values={
                "name": writer.first_name,
                "resources": resources_for("violence" if danger else "self_harm"),
            },
            chat_id=other.telegram_user_id,
        )
    ]


def follow_up_free_text(
    ctx: MessageContext, replies: list[Outgoing], session: Session, now: datetime
) -> list[Outgoing]:
    """After crisis words, a private message that would get the /help pointer gets a short
    human line instead, with people who can talk (by text too); a sticker, photo or voice
    note, which would get "I can only read text", gets those people too."""
    if not ctx.in_private or ctx.user_id is None:
        return replies
    instead = {
        r.response: AFTER_CRISIS[r.response]
        for r in replies
        if isinstance(r, Reply) and r.response in AFTER_CRISIS
    }
    if not instead:
        return replies
    event = safety.latest_event(
        ctx.user_id, kind_prefix="crisis_", since=now - CRISIS_FOLLOW_UP, session=session
    )
    if event is None:
        return replies
    resources = resources_for(event.kind.removeprefix("crisis_"))
    return [
        Reply(response=instead[r.response], values={"resources": resources})
        if isinstance(r, Reply) and r.response in instead
        else r
        for r in replies
    ]


def hold(couple: Couple, session: Session, now: datetime) -> None:
    """Put the couple on safety hold now; the group hears a neutral note once, later."""
    if safety.set_hold(couple) and not _notice_pending(couple, session):
        _schedule_notice(couple, session, now, starts_hold=False)


def hold_later(couple: Couple, session: Session, now: datetime) -> None:
    """Put the couple on safety hold when the group's neutral note comes, and not before:
    until then nothing the other partner can observe changes."""
    if not couple.safety_hold and not _notice_pending(couple, session):
        _schedule_notice(couple, session, now, starts_hold=True)


def _notice_pending(couple: Couple, session: Session) -> bool:
    return bool(timers.pending(HOLD_NOTICE, couple.group_chat_id, session=session))


def _schedule_notice(couple: Couple, session: Session, now: datetime, *, starts_hold: bool) -> None:
    timers.schedule(
        HOLD_NOTICE,
        couple.group_chat_id,
        now + timedelta(seconds=settings.current().safety_notice_delay_seconds),
        HoldNotice(couple.id, starts_hold),
        session=session,
    )
