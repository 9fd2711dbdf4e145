"""Couples and their partners: who may act on a couple's data."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.enums import TimerStatus
from storage.models import Couple, Partner, Timer, utc_now

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
    """The group's open couple (a closed one belongs to its remaining partner only)."""
    return session.execute(
        select(Couple).where(Couple.group_chat_id == group_chat_id, Couple.closed_at.is_(None))
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


def waiting_for_consent(couple: Couple) -> list[Partner]:
    """Partners who have not agreed in private yet."""
    return [p for p in couple.partners if p.consented_at is None]


def all_consented(couple: Couple | None) -> bool:
    """Both partners are in and both agreed: only then are their words kept and exercises
    started (PRODUCT.md, "Consent first")."""
    return is_complete(couple) and couple is not None and not waiting_for_consent(couple)


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


def couples_of_user(
    telegram_user_id: int, *, session: Session, include_closed: bool = False
) -> list[Couple]:
    """The person's couples; closed ones (kept for them after the other partner left) only
    when asked, e.g. for their private /export and /forget."""
    query = (
        select(Couple)
        .join(Partner, Partner.couple_id == Couple.id)
        .where(Partner.telegram_user_id == telegram_user_id)
        .order_by(Couple.id)
    )
    if not include_closed:
        query = query.where(Couple.closed_at.is_(None))
    return list(session.execute(query).scalars())


def close(
    couple: Couple, now: datetime, *, session: Session, keep_kinds: Collection[str] = ()
) -> None:
    """A partner left: the couple and its history stay with the remaining partner, and the
    group is free for a new couple. What was pending for it in the group (timers other than
    `keep_kinds`) is cancelled, so nothing of the old couple fires into the new one."""
    couple.closed_at = now
    session.execute(
        update(Timer)
        .where(
            Timer.chat_id == couple.group_chat_id,
            Timer.status == TimerStatus.PENDING,
            Timer.kind.not_in([str(kind) for kind in keep_kinds]),
        )
        .values(status=TimerStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    session.flush()


def other_partner(couple: Couple, partner: Partner) -> Partner | None:
    return next((p for p in couple.partners if p.id != partner.id), None)
