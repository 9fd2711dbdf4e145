"""Check-ins (three needs, three appreciations from each partner) and agreement reviews.

A partner's answer moves through its items: needs until three are kept, then
appreciations until three are kept; or it is skipped. Items the coach asked about wait in
`held` until they are rewritten or kept as they are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.enums import (
    AgreementStatus,
    CheckinStatus,
    CheckinTrigger,
    ReviewAnswer,
    ReviewReason,
)
from storage.models import Agreement, AgreementReview, Checkin, CheckinAnswer, Couple, Partner

ITEMS = 3  # needs, and appreciations, per partner
NEEDS = "needs"
APPRECIATIONS = "appreciations"
DONE = "done"


# -- check-ins ---------------------------------------------------------------------------


def open_checkin(couple_id: int, *, session: Session) -> Checkin | None:
    return session.execute(
        select(Checkin)
        .where(Checkin.couple_id == couple_id, Checkin.status == CheckinStatus.OPEN)
        .order_by(Checkin.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def start(
    couple: Couple,
    trigger: CheckinTrigger,
    started_by: Partner | None,
    now: datetime,
    *,
    session: Session,
) -> Checkin:
    checkin = Checkin(
        couple_id=couple.id,
        trigger=trigger,
        started_by_id=started_by.id if started_by else None,
        status=CheckinStatus.OPEN,
        started_at=now,
    )
    session.add(checkin)
    session.flush()
    for partner in couple.partners:
        session.add(
            CheckinAnswer(checkin_id=checkin.id, partner_id=partner.id, needs=[], appreciations=[])
        )
    session.flush()
    return checkin


def answers_of(checkin: Checkin, *, session: Session) -> list[CheckinAnswer]:
    return list(
        session.execute(
            select(CheckinAnswer)
            .where(CheckinAnswer.checkin_id == checkin.id)
            .order_by(CheckinAnswer.id)
        ).scalars()
    )


def answer_of(checkin: Checkin, partner_id: int, *, session: Session) -> CheckinAnswer | None:
    return session.execute(
        select(CheckinAnswer).where(
            CheckinAnswer.checkin_id == checkin.id, CheckinAnswer.partner_id == partner_id
        )
    ).scalar_one_or_none()


def stage(answer: CheckinAnswer) -> str:
    """What this partner is asked for now: needs, appreciations, or done."""
    if answer.skipped or answer.answered_at is not None:
        return DONE
    if len(answer.needs or []) < ITEMS:
        return NEEDS
    if len(answer.appreciations or []) < ITEMS:
        return APPRECIATIONS
    return DONE


def items(answer: CheckinAnswer, kind: str) -> list[str]:
    return list((answer.needs if kind == NEEDS else answer.appreciations) or [])


def keep(answer: CheckinAnswer, kind: str, texts: list[str]) -> list[str]:
    """Add items (as many as there is room for); the ones kept."""
    current = items(answer, kind)
    kept = texts[: max(0, ITEMS - len(current))]
    # A new list: the JSON column notices only a new value.
    if kind == NEEDS:
        answer.needs = current + kept
    else:
        answer.appreciations = current + kept
    return kept


def held(answer: CheckinAnswer) -> tuple[str, list[str]] | None:
    """(kind, texts) waiting for a rewrite or "Keep it", or None."""
    value: dict[str, Any] | None = answer.held
    if not value or not value.get("texts"):
        return None
    return str(value.get("kind") or NEEDS), [str(t) for t in value["texts"]]


def set_held(answer: CheckinAnswer, kind: str, texts: list[str]) -> None:
    answer.held = {"kind": kind, "texts": list(texts)} if texts else None


def open_for_partner(
    telegram_user_id: int, *, session: Session
) -> list[tuple[Checkin, CheckinAnswer]]:
    """The open check-ins in which this person still has something to answer or decide."""
    rows = session.execute(
        select(Checkin, CheckinAnswer)
        .join(CheckinAnswer, CheckinAnswer.checkin_id == Checkin.id)
        .join(Partner, Partner.id == CheckinAnswer.partner_id)
        .join(Couple, Couple.id == Checkin.couple_id)
        .where(
            Partner.telegram_user_id == telegram_user_id,
            Checkin.status == CheckinStatus.OPEN,
            Couple.closed_at.is_(None),
        )
        .order_by(Checkin.id)
    ).all()
    return [(row[0], row[1]) for row in rows]


def end(checkin: Checkin, status: CheckinStatus, now: datetime) -> None:
    checkin.status = status
    checkin.ended_at = now


def latest(couple_id: int, *, session: Session) -> Checkin | None:
    return session.execute(
        select(Checkin).where(Checkin.couple_id == couple_id).order_by(Checkin.id.desc()).limit(1)
    ).scalar_one_or_none()


# -- agreements and their reviews ----------------------------------------------------------


def in_force(couple_id: int, *, session: Session) -> list[Agreement]:
    """Agreements the couple made and still keeps, oldest first."""
    return list(
        session.execute(
            select(Agreement)
            .where(Agreement.couple_id == couple_id, Agreement.status == AgreementStatus.AGREED)
            .order_by(Agreement.id)
        ).scalars()
    )


def ask_review(
    agreement: Agreement, couple: Couple, reason: ReviewReason, now: datetime, *, session: Session
) -> list[AgreementReview]:
    """One open question per partner ("still working?"); an earlier unanswered one of the
    same partner is left as it is (unanswered, in the export)."""
    asked = [
        AgreementReview(agreement_id=agreement.id, partner_id=p.id, reason=reason, asked_at=now)
        for p in couple.partners
    ]
    session.add_all(asked)
    session.flush()
    return asked


def open_review(agreement_id: int, partner_id: int, *, session: Session) -> AgreementReview | None:
    """This partner's latest unanswered question about the agreement."""
    return session.execute(
        select(AgreementReview)
        .where(
            AgreementReview.agreement_id == agreement_id,
            AgreementReview.partner_id == partner_id,
            AgreementReview.answer.is_(None),
        )
        .order_by(AgreementReview.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def revision_waiting(
    couple_id: int, partner_id: int, since: datetime, *, session: Session
) -> AgreementReview | None:
    """A "Partly" this partner pressed (after `since`) whose new wording has not come yet."""
    return session.execute(
        select(AgreementReview)
        .join(Agreement, Agreement.id == AgreementReview.agreement_id)
        .where(
            Agreement.couple_id == couple_id,
            Agreement.status == AgreementStatus.AGREED,
            AgreementReview.partner_id == partner_id,
            AgreementReview.answer == ReviewAnswer.PARTLY,
            AgreementReview.revised_text.is_(None),
            AgreementReview.answered_at >= since,
        )
        .order_by(AgreementReview.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def reviews_of(agreement_ids: list[int], *, session: Session) -> list[AgreementReview]:
    return list(
        session.execute(
            select(AgreementReview)
            .where(AgreementReview.agreement_id.in_(agreement_ids))
            .order_by(AgreementReview.id)
        ).scalars()
    )
