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
    Couple,
    Partner,
    SafetyCheck,
    SafetyEvent,
    Statement,
    Timer,
)


@dataclass(frozen=True)
class Purge:
    """One conversation to clean in Rasa's tracker store; only_user: just their messages."""

    chat_id: int
    only_user: int | None = None


def forget_person(telegram_user_id: int, *, session: Session) -> list[Purge]:
    """Everything of one person: their seat in each couple and what they wrote there (the
    partner's part stays), their safety checks and events, their private conversation."""
    purges: list[Purge] = []
    for couple in couples_of_user(telegram_user_id, session=session):
        partner = partner_in(couple, telegram_user_id)
        if partner is None:
            continue
        # A statement they only listened to is the other partner's: keep it, without them.
        session.execute(
            update(Statement)
            .where(Statement.listener_id == partner.id)
            .values(listener_id=None)
            .execution_options(synchronize_session=False)
        )
        # Agreements in their words (their request, their counter-proposal) go with them.
        session.execute(delete(Agreement).where(Agreement.proposed_by_id == partner.id))
        # Cascades remove their statements, turns and interruptions.
        session.execute(delete(Partner).where(Partner.id == partner.id))
        session.expire(couple)
        if not couple.partners:
            purges += _delete_couple_rows(couple, session)
        else:
            purges.append(Purge(couple.group_chat_id, only_user=telegram_user_id))
    session.execute(delete(SafetyCheck).where(SafetyCheck.telegram_user_id == telegram_user_id))
    session.execute(delete(SafetyEvent).where(SafetyEvent.telegram_user_id == telegram_user_id))
    session.execute(
        delete(Timer).where(
            Timer.chat_id == telegram_user_id, Timer.status == TimerStatus.PENDING
        )
    )
    purges.append(Purge(telegram_user_id))
    return purges


def forget_couple(couple: Couple, *, session: Session) -> list[Purge]:
    """Everything of a couple: all its rows, its group's conversation, and both partners'
    private conversations. A partner's private safety checks go too, unless they are in
    another couple (the checks are theirs, not this couple's)."""
    users = [partner.telegram_user_id for partner in couple.partners]
    purges = _delete_couple_rows(couple, session)
    for user in users:
        if not couples_of_user(user, session=session):
            session.execute(delete(SafetyCheck).where(SafetyCheck.telegram_user_id == user))
            session.execute(delete(SafetyEvent).where(SafetyEvent.telegram_user_id == user))
            session.execute(
                delete(Timer).where(Timer.chat_id == user, Timer.status == TimerStatus.PENDING)
            )
        purges.append(Purge(user))
    return purges


def _delete_couple_rows(couple: Couple, session: Session) -> list[Purge]:
    session.execute(delete(SafetyEvent).where(SafetyEvent.couple_id == couple.id))
    session.execute(delete(Timer).where(Timer.chat_id == couple.group_chat_id))
    # Cascades remove partners, statements, agreements, rounds, turns, interruptions,
    # pauses and escalations.
    session.execute(delete(Couple).where(Couple.id == couple.id))
    session.expunge(couple)
    return [Purge(couple.group_chat_id)]

