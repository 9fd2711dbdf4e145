"""The couple's data as one JSON-ready document (the `/export` command).

The schema is documented in docs/export-schema.md. Every top-level key except `couple`
is a list, present from the start and empty until its flow has saved something.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from storage.models import Couple, Partner

EXPORT_LIST_KEYS = (
    "partners",
    "statements",
    "agreements",
    "rounds",
    "turns",
    "interruptions",
    "pauses",
    "escalations",
    "checkins",
)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset (times are stored in UTC, so the offset is +00:00)."""
    return None if moment is None else moment.isoformat()


def _couple(couple: Couple) -> dict[str, Any]:
    return {
        "id": couple.id,
        "group_chat_id": couple.group_chat_id,
        "timezone": couple.timezone,
        "created_at": iso(couple.created_at),
        "formed_at": iso(couple.formed_at),
    }


def _partner(partner: Partner) -> dict[str, Any]:
    return {
        "id": partner.id,
        "telegram_user_id": partner.telegram_user_id,
        "first_name": partner.first_name,
        "seat": partner.seat,
        "joined_at": iso(partner.joined_at),
        "consented_at": iso(partner.consented_at),
    }


def export_couple(couple: Couple, *, session: Session) -> dict[str, Any]:
    document: dict[str, Any] = {"couple": _couple(couple)}
    document.update({key: [] for key in EXPORT_LIST_KEYS})
    document["partners"] = [_partner(p) for p in couple.partners]
    return document
