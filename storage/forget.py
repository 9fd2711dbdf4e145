"""/forget: delete a partner's own data, or a whole couple's, from our database.

Rasa's tracker store is cleaned by the bot, not here: an action runs while Rasa holds the
conversation's tracker in memory, and Rasa's SQL tracker store writes back every event
past the number it finds stored, so events deleted during an action come back. So each
function returns the conversations to purge, and the caller schedules one bot-side
`purge_conversation` timer per chat; the bot runs it in that chat's queue, between
messages (bot/housekeeping.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from storage.couples import couples_of_user, partner_in
from storage.enums import TimerStatus
from storage.models import (
    Agreement,
    AgreementReview,
    Couple,
    Partner,
    ProgressSummary,
    SafetyCheck,
    SafetyEvent,
    Statement,
    Timer,
)


@dataclass(frozen=True)
class Purge:
    """One conversation to clean in Rasa's tracker store; only_user: just their messages;
    before: only events older than this (a Unix time), e.g. a closed couple's part of its
    group's conversation."""

    chat_id: int
    only_user: int | None = None
    before: float | None = None


def forget_person(telegram_user_id: int, *, session: Session) -> list[Purge]:
    """Everything of one person: their seat in each couple and what they wrote there (the
    partner's part stays), their safety checks and events, their private conversation."""
    purges: list[Purge] = []
    for couple in couples_of_user(telegram_user_id, session=session, include_closed=True):
        purges += _leave(couple, telegram_user_id, session)
    return [*purges, _forget_private(telegram_user_id, session)]


def _forget_private(telegram_user_id: int, session: Session) -> Purge:
    """What is theirs outside any couple: safety checks and events, their private chat."""
    session.execute(delete(SafetyCheck).where(SafetyCheck.telegram_user_id == telegram_user_id))
    session.execute(delete(SafetyEvent).where(SafetyEvent.telegram_user_id == telegram_user_id))
    session.execute(
        delete(Timer).where(
            Timer.chat_id == telegram_user_id, Timer.status == TimerStatus.PENDING
        )
    )
    return Purge(telegram_user_id)


def free_seat(couple: Couple, telegram_user_id: int, *, session: Session) -> list[Purge]:
    """A partner who did not agree ("Not now") leaves this couple with nothing of theirs
    kept: their seat, their safety events there, their messages in the group's conversation
    (their private one too, unless they agreed in another couple)."""
    session.execute(
        delete(SafetyEvent).where(
            SafetyEvent.telegram_user_id == telegram_user_id, SafetyEvent.couple_id == couple.id
        )
    )
    purges = _leave(couple, telegram_user_id, session)
    if not couples_of_user(telegram_user_id, session=session, include_closed=True):
        purges.append(_forget_private(telegram_user_id, session))
    return purges


def forget_closed_couple(couple: Couple, *, session: Session) -> list[Purge]:
    """The remaining partner of a closed couple chose to start fresh: its rows go, and its
    part of the group's conversation. Their private conversation and checks are theirs."""
    return _delete_couple_rows(couple, session)


def _leave(couple: Couple, telegram_user_id: int, session: Session) -> list[Purge]:
    """Remove one person's seat and what they wrote in the couple (the partner's part stays)."""
    partner = partner_in(couple, telegram_user_id)
    if partner is None:
        return []
    # A statement they only listened to is the other partner's: keep it, without them.
    session.execute(
        update(Statement)
        .where(Statement.listener_id == partner.id)
        .values(listener_id=None)
        .execution_options(synchronize_session=False)
    )
    # Their answers to "still working?" (a revised wording among them) go with them.
    session.execute(delete(AgreementReview).where(AgreementReview.partner_id == partner.id))
    # Agreements in their words (their request, their counter-proposal) go with them.
    session.execute(delete(Agreement).where(Agreement.proposed_by_id == partner.id))
    # A quarterly summary is both partners' numbers side by side: it goes as a whole.
    session.execute(delete(ProgressSummary).where(ProgressSummary.couple_id == couple.id))
    # Cascades remove their statements, turns, interruptions and check-in answers.
    session.execute(delete(Partner).where(Partner.id == partner.id))
    session.expire(couple)
    if not couple.partners:
        return _delete_couple_rows(couple, session)
    return [Purge(couple.group_chat_id, only_user=telegram_user_id)]


def forget_couple(couple: Couple, *, session: Session) -> list[Purge]:
    """Everything of a couple: all its rows, its group's conversation, and both partners'
    private conversations. A partner's private safety checks go too, unless they are in
    another couple (the checks are theirs, not this couple's)."""
    users = [partner.telegram_user_id for partner in couple.partners]
    purges = _delete_couple_rows(couple, session)
    for user in users:
        if not couples_of_user(user, session=session, include_closed=True):
            session.execute(delete(SafetyCheck).where(SafetyCheck.telegram_user_id == user))
            session.execute(delete(SafetyEvent).where(SafetyEvent.telegram_user_id == user))
            session.execute(
                delete(Timer).where(Timer.chat_id == user, Timer.status == TimerStatus.PENDING)
            )
        purges.append(Purge(user))
    return purges


def _delete_couple_rows(couple: Couple, session: Session) -> list[Purge]:
    session.execute(delete(SafetyEvent).where(SafetyEvent.couple_id == couple.id))
    closed_at = couple.closed_at
    if closed_at is None:
        session.execute(delete(Timer).where(Timer.chat_id == couple.group_chat_id))
    # Cascades remove partners, statements, agreements, rounds, turns, interruptions,
    # pauses, escalations and progress summaries.
    session.execute(delete(Couple).where(Couple.id == couple.id))
    session.expunge(couple)
    if closed_at is not None:
        # The group may have a new couple by now: only the closed couple's time is theirs.
        return [Purge(couple.group_chat_id, before=closed_at.timestamp())]
    return [Purge(couple.group_chat_id)]
