"""Revealed together: nothing of a partner's answers leaves their private chat until both
answered; then both are shown side by side in the group.

A partner may skip. The other's appreciations are then shown on their own, and their needs
only with their OK, asked privately ("Share my needs too" / "Only the appreciations").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from actions.checkin.agreements import ask_all
from actions.core.replies import Outgoing, Reply, button
from storage import checkins, timers
from storage.enums import CheckinStatus, ReviewReason, TimerKind
from storage.models import Checkin, CheckinAnswer, Couple, Partner


def bullets(texts: list[str]) -> str:
    return "\n".join(f"• {' '.join(t.split())}" for t in texts)


def partner_of(couple: Couple, answer: CheckinAnswer) -> Partner:
    return next(p for p in couple.partners if p.id == answer.partner_id)


def end_timers(couple: Couple, session: Session) -> None:
    for kind in (TimerKind.CHECKIN_REMINDER, TimerKind.CHECKIN_EXPIRE):
        timers.cancel_kind(kind, couple.group_chat_id, session=session)


def maybe_reveal(
    checkin: Checkin, couple: Couple, now: datetime, session: Session
) -> list[Outgoing]:
    """What happens once nobody has anything left to answer (nothing before that)."""
    answers = checkins.answers_of(checkin, session=session)
    if checkin.status != CheckinStatus.OPEN or len(answers) != 2:
        return []
    if any(checkins.stage(a) != checkins.DONE or checkins.held(a) for a in answers):
        return []
    skipped = [a for a in answers if a.skipped]
    if len(skipped) == 2:
        checkins.end(checkin, CheckinStatus.CANCELLED, now)
        end_timers(couple, session)
        return [Reply(response="utter_checkin_both_skipped", chat_id=couple.group_chat_id)]
    if skipped:
        [answered] = [a for a in answers if not a.skipped]
        if answered.needs_shared is None:
            return [share_question(checkin, couple, answered, partner_of(couple, skipped[0]))]
        return reveal_one(checkin, couple, answered, partner_of(couple, skipped[0]), now, session)
    return reveal_both(checkin, couple, answers, now, session)


def share_question(
    checkin: Checkin, couple: Couple, answered: CheckinAnswer, skipper: Partner
) -> Reply:
    writer = partner_of(couple, answered)
    return Reply(
        response="utter_checkin_share_needs",
        values={"partner": skipper.first_name},
        buttons=[
            button("Share my needs too", "checkin_share", checkin_ref=f"{checkin.id}.yes"),
            button("Only the appreciations", "checkin_share", checkin_ref=f"{checkin.id}.no"),
        ],
        chat_id=writer.telegram_user_id,
    )


def reveal_both(
    checkin: Checkin,
    couple: Couple,
    answers: list[CheckinAnswer],
    now: datetime,
    session: Session,
) -> list[Outgoing]:
    first, second = answers
    a, b = partner_of(couple, first), partner_of(couple, second)
    checkins.end(checkin, CheckinStatus.REVEALED, now)
    end_timers(couple, session)
    shown = Reply(
        response="utter_checkin_revealed",
        values={
            "a": a.first_name,
            "b": b.first_name,
            "a_needs": bullets(checkins.items(first, checkins.NEEDS)),
            "b_needs": bullets(checkins.items(second, checkins.NEEDS)),
            "a_to_b": bullets(checkins.items(first, checkins.APPRECIATIONS)),
            "b_to_a": bullets(checkins.items(second, checkins.APPRECIATIONS)),
        },
        chat_id=couple.group_chat_id,
    )
    return [shown, *walk_agreements(couple, now, session)]


def reveal_one(
    checkin: Checkin,
    couple: Couple,
    answered: CheckinAnswer,
    skipper: Partner,
    now: datetime,
    session: Session,
) -> list[Outgoing]:
    writer = partner_of(couple, answered)
    checkins.end(checkin, CheckinStatus.REVEALED, now)
    end_timers(couple, session)
    values = {
        "a": writer.first_name,
        "b": skipper.first_name,
        "a_to_b": bullets(checkins.items(answered, checkins.APPRECIATIONS)),
    }
    if answered.needs_shared:
        values["a_needs"] = bullets(checkins.items(answered, checkins.NEEDS))
        response = "utter_checkin_revealed_one_with_needs"
    else:
        response = "utter_checkin_revealed_one"
    shown = Reply(response=response, values=values, chat_id=couple.group_chat_id)
    return [shown, *walk_agreements(couple, now, session)]


def walk_agreements(couple: Couple, now: datetime, session: Session) -> list[Outgoing]:
    """The check-in also asks about each agreement in force."""
    asked = ask_all(couple, ReviewReason.CHECKIN, now, session)
    if not asked:
        return []
    return [Reply(response="utter_checkin_agreements_intro", chat_id=couple.group_chat_id), *asked]
