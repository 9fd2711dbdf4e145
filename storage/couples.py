"""Couples and their partners: who may act on a couple's data."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Couple, Partner, utc_now

PARTNERS_PER_COUPLE = 2


class Role(enum.Enum):
    PARTNER = "partner"
    OBSERVER = "observer"  # someone else in a group whose couple is complete
    CANDIDATE = "candidate"  # a group member while the couple still has a free seat


class JoinResult(enum.Enum):
    JOINED = "joined"
    COUPLE_COMPLETE = "couple_complete"  # this press made the second partner
    ALREADY_PARTNER = "already_partner"
    COUPLE_FULL = "couple_full"


@dataclass(frozen=True)
class Join:
    result: JoinResult
    couple: Couple


def couple_for_group(group_chat_id: int, *, session: Session) -> Couple | None:
    return session.execute(
        select(Couple).where(Couple.group_chat_id == group_chat_id)
    ).scalar_one_or_none()


def get_or_create_couple(group_chat_id: int, *, session: Session) -> Couple:
    couple = couple_for_group(group_chat_id, session=session)
    if couple is None:
        couple = Couple(group_chat_id=group_chat_id)
        session.add(couple)
        session.flush()
    return couple


def partner_in(couple: Couple | None, telegram_user_id: int) -> Partner | None:
    if couple is None:
        return None
    return next((p for p in couple.partners if p.telegram_user_id == telegram_user_id), None)


def is_complete(couple: Couple | None) -> bool:
    return couple is not None and len(couple.partners) >= PARTNERS_PER_COUPLE


def role_in_group(group_chat_id: int, telegram_user_id: int, *, session: Session) -> Role:
    couple = couple_for_group(group_chat_id, session=session)
    if partner_in(couple, telegram_user_id) is not None:
        return Role.PARTNER
    return Role.OBSERVER if is_complete(couple) else Role.CANDIDATE


def join(group_chat_id: int, telegram_user_id: int, first_name: str, *, session: Session) -> Join:
    """Take a free seat in the group's couple; the first two people to join are the couple."""
    couple = get_or_create_couple(group_chat_id, session=session)
    if partner_in(couple, telegram_user_id) is not None:
        return Join(JoinResult.ALREADY_PARTNER, couple)
    if is_complete(couple):
        return Join(JoinResult.COUPLE_FULL, couple)
    taken = {p.seat for p in couple.partners}
    seat = 1 if 1 not in taken else 2
    couple.partners.append(
        Partner(telegram_user_id=telegram_user_id, first_name=first_name[:128], seat=seat)
    )
    session.flush()
    if is_complete(couple):
        couple.formed_at = utc_now()
        return Join(JoinResult.COUPLE_COMPLETE, couple)
    return Join(JoinResult.JOINED, couple)


def couples_of_user(telegram_user_id: int, *, session: Session) -> list[Couple]:
    return list(
        session.execute(
            select(Couple)
            .join(Partner, Partner.couple_id == Couple.id)
            .where(Partner.telegram_user_id == telegram_user_id)
            .order_by(Couple.id)
        ).scalars()
    )


def other_partner(couple: Couple, partner: Partner) -> Partner | None:
    return next((p for p in couple.partners if p.id != partner.id), None)
