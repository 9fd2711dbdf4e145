"""A partner's check-in answers, in their private chat: three needs, then three
appreciations of the other; one message with one item per line, or separate messages.
/cancel there skips this check-in, like "Skip this time".

The bot confirms what it kept. Items the coach asks about (a need that sounds like blame,
an appreciation that is not about the other person) wait for a rewrite or "Keep it".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from actions.checkin.items import needs_a_second_look, split_items
from actions.checkin.reveal import bullets, maybe_reveal
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.flows import register_private_canceller
from actions.core.replies import Outgoing, Reply, Toast, button
from actions.core.routing import capturer
from storage import checkins
from storage.couples import other_partner
from storage.models import Checkin, CheckinAnswer, Couple, Partner, utc_now


def ask(checkin: Checkin, partner: Partner, other: Partner, kind: str) -> Reply:
    """The question for `kind` (needs or appreciations), in the partner's private chat."""
    return Reply(
        response=(
            "utter_checkin_ask_needs"
            if kind == checkins.NEEDS
            else "utter_checkin_ask_appreciations"
        ),
        values={"name": partner.first_name, "partner": other.first_name},
        buttons=[button("Skip this time", "checkin_skip", checkin_ref=checkin.id)],
        chat_id=partner.telegram_user_id,
    )


def pending_for(ctx: MessageContext, session: Session) -> tuple[Checkin, CheckinAnswer] | None:
    """The open check-in in which the writer still has items to give (or to rewrite)."""
    if ctx.user_id is None:
        return None
    for checkin, answer in checkins.open_for_partner(ctx.user_id, session=session):
        if checkins.stage(answer) != checkins.DONE or checkins.held(answer):
            return checkin, answer
    return None


def people(
    checkin: Checkin, answer: CheckinAnswer, session: Session
) -> tuple[Couple, Partner, Partner]:
    couple = session.get(Couple, checkin.couple_id)
    assert couple is not None  # a couple's deletion cascades to its check-ins
    partner = next(p for p in couple.partners if p.id == answer.partner_id)
    other = other_partner(couple, partner)
    assert other is not None  # a check-in starts only for a complete couple
    return couple, partner, other


@capturer("checkin_answer")
def capture_answer(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    if not ctx.in_private:
        return None
    found = pending_for(ctx, session)
    if found is None:
        return None
    checkin, answer = found
    return take(checkin, answer, split_items(ctx.text), session)


def take(
    checkin: Checkin, answer: CheckinAnswer, texts: list[str], session: Session
) -> list[Outgoing]:
    """Keep the items of one message; ask again about those the coach would reword."""
    couple, partner, other = people(checkin, answer, session)
    held = checkins.held(answer)
    # A rewrite answers the items asked about; otherwise the items are the current step's.
    kind = held[0] if held else checkins.stage(answer)
    if not texts or kind == checkins.DONE:
        return []
    checkins.set_held(answer, kind, [])
    room = checkins.ITEMS - len(checkins.items(answer, kind))
    offered, extra = texts[:room], texts[room:]
    second_look = [t for t in offered if needs_a_second_look(kind, t, other.first_name)]
    kept = checkins.keep(answer, kind, [t for t in offered if t not in second_look])
    checkins.set_held(answer, kind, second_look)
    replies: list[Outgoing] = []
    if kept:
        replies.append(kept_reply(kind, kept, extra))
    if second_look:
        replies.append(second_look_reply(checkin, kind, second_look, other))
        return replies
    return replies + after_items(checkin, answer, couple, partner, other, kind, session)


def kept_reply(kind: str, kept: list[str], extra: list[str]) -> Reply:
    return Reply(
        response="utter_checkin_kept_more" if extra else "utter_checkin_kept",
        values={"items": bullets(kept), "what": kind},
    )


def second_look_reply(checkin: Checkin, kind: str, texts: list[str], other: Partner) -> Reply:
    return Reply(
        response="utter_checkin_blame" if kind == checkins.NEEDS else "utter_checkin_not_about",
        values={"items": bullets(texts), "partner": other.first_name},
        buttons=[button("Keep it", "checkin_keep", checkin_ref=checkin.id)],
    )


def after_items(
    checkin: Checkin,
    answer: CheckinAnswer,
    couple: Couple,
    partner: Partner,
    other: Partner,
    kind: str,
    session: Session,
) -> list[Outgoing]:
    """The next question: more of the same, the appreciations, or "all kept"."""
    now_stage = checkins.stage(answer)
    if now_stage == kind:
        missing = checkins.ITEMS - len(checkins.items(answer, kind))
        return [Reply(response="utter_checkin_more", values={"count": count_word(missing)})]
    if now_stage == checkins.APPRECIATIONS:
        return [ask(checkin, partner, other, checkins.APPRECIATIONS)]
    now = utc_now()
    answer.answered_at = now
    done = Reply(response="utter_checkin_answered", values={"partner": other.first_name})
    return [done, *maybe_reveal(checkin, couple, now, session)]


def count_word(number: int) -> str:
    return {1: "One more", 2: "Two more"}.get(number, "Three")


def own_checkin(ctx: MessageContext, session: Session) -> tuple[Checkin, CheckinAnswer] | None:
    """The open check-in a private button names, with the presser's answer in it."""
    if ctx.user_id is None:
        return None
    ref = str(ctx.entity("checkin_ref") or "").partition(".")[0]
    for checkin, answer in checkins.open_for_partner(ctx.user_id, session=session):
        if str(checkin.id) == ref:
            return checkin, answer
    return None


class ActionCheckinKeep(TalkingStickAction):
    """ "Keep it": the items the coach asked about are kept as written."""

    action_name = "action_checkin_keep"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        found = own_checkin(ctx, session)
        held = checkins.held(found[1]) if found else None
        if found is None or held is None:
            return [Toast("utter_toast_checkin_over")]
        checkin, answer = found
        couple, partner, other = people(checkin, answer, session)
        kind, texts = held
        checkins.set_held(answer, kind, [])
        kept = checkins.keep(answer, kind, texts)
        return [
            kept_reply(kind, kept, []),
            *after_items(checkin, answer, couple, partner, other, kind, session),
        ]


class ActionCheckinSkip(TalkingStickAction):
    """ "Skip this time": nothing of this partner's answers is kept or shown."""

    action_name = "action_checkin_skip"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        found = own_checkin(ctx, session)
        if found is None or checkins.stage(found[1]) == checkins.DONE:
            return [Toast("utter_toast_checkin_over")]
        return skip(*found, session, utc_now())


def skip(
    checkin: Checkin, answer: CheckinAnswer, session: Session, now: datetime
) -> list[Outgoing]:
    couple, _, other = people(checkin, answer, session)
    answer.skipped, answer.answered_at = True, now
    answer.needs, answer.appreciations, answer.held = [], [], None
    skipped = Reply(response="utter_checkin_skipped", values={"partner": other.first_name})
    return [skipped, *maybe_reveal(checkin, couple, now, session)]


def skip_in_private(private_chat_id: int, session: Session, now: datetime) -> list[Outgoing]:
    """/cancel in a partner's private chat while a check-in waits for their answers: as
    "Skip this time" (a private chat's id is its person's id)."""
    replies: list[Outgoing] = []
    for checkin, answer in checkins.open_for_partner(private_chat_id, session=session):
        if checkins.stage(answer) != checkins.DONE:
            replies += skip(checkin, answer, session, now)
    return replies


register_private_canceller(skip_in_private)


class ActionCheckinShare(TalkingStickAction):
    """The other partner skipped: may this partner's needs be shown all the same?"""

    action_name = "action_checkin_share"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        found = own_checkin(ctx, session)
        choice = str(ctx.entity("checkin_ref") or "").partition(".")[2]
        if found is None or found[1].skipped or choice not in ("yes", "no"):
            return [Toast("utter_toast_checkin_over")]
        checkin, answer = found
        couple, _, other = people(checkin, answer, session)
        answer.needs_shared = choice == "yes"
        return [
            Reply(response="utter_checkin_share_noted", values={"partner": other.first_name}),
            *maybe_reveal(checkin, couple, utc_now(), session),
        ]
