"""The couple's data as one JSON-ready document (the `/export` command).

The schema is documented in docs/export-schema.md. Every top-level key except `couple`
is a list, present from the start and empty until its flow has saved something.
Private safety checks are never part of it. The bot builds it itself and sends it to the
asker's private chat (bot/export.py), so the document never passes through Rasa.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.checkins import reviews_of
from storage.enums import CheckinStatus, DraftedIn
from storage.models import (
    Agreement,
    Checkin,
    CheckinAnswer,
    Couple,
    Escalation,
    Interruption,
    Pause,
    ProgressSummary,
    Round,
    Statement,
    Turn,
)
from storage.rounds import PRIVATE_NOTE

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
    "progress_summaries",
)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with offset (times are stored in UTC, so the offset is +00:00)."""
    return None if moment is None else moment.isoformat()


def row_dict(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named columns of a row, times as ISO 8601 strings, statuses as their strings."""
    values = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = iso(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        values[name] = value
    return values


COUPLE_FIELDS = (
    "id",
    "group_chat_id",
    "timezone",
    "created_at",
    "formed_at",
    "escalation_threshold",
    "escalation_own_step",
    "closed_at",
)
PARTNER_FIELDS = ("id", "telegram_user_id", "first_name", "seat", "joined_at", "consented_at")
STATEMENT_FIELDS = (
    "id",
    "speaker_id",
    "listener_id",
    "topic",
    "drafted_in",
    "chat_id",
    "step",
    "describe_text",
    "feel_text",
    "request_text",
    "reflection_text",
    "reflection_confirmed",
    "clarification_text",
    "second_reflection_text",
    "findings",
    "revisions",
    "kept_despite_findings",
    "shared",
    "shared_at",
    "listener_answer",
    "answer_due_at",
    "status",
    "created_at",
    "updated_at",
    "completed_at",
)
AGREEMENT_FIELDS = (
    "id",
    "statement_id",
    "proposed_by_id",
    "agreed_by_id",
    "text",
    "source",
    "review_at",
    "status",
    "created_at",
    "agreed_at",
)
ROUND_FIELDS = (
    "id",
    "topic",
    "turn_seconds",
    "rounds_planned",
    "rounds_done",
    "started_by_id",
    "first_speaker_id",
    "first_speaker_reason",
    "status",
    "created_at",
    "ended_at",
)
TURN_FIELDS = (
    "id",
    "round_id",
    "speaker_id",
    "sequence",
    "planned_seconds",
    "started_at",
    "ended_at",
    "ended_by",
    "seconds_held",
    "message_count",
    "word_count",
    "status",
)
INTERRUPTION_FIELDS = ("id", "turn_id", "by_id", "text", "kind", "created_at", "handed_back")
PAUSE_FIELDS = (
    "id",
    "requested_by_id",
    "requested_at",
    "topic",
    "flow",
    "flow_state",
    "proposals",
    "resume_at",
    "agreed_by",
    "agreed_at",
    "resumed_at",
    "reschedules",
    "status",
)
ESCALATION_FIELDS = ("id", "topic", "pause_count", "suggestion_made_at", "choice", "created_at")
REVIEW_FIELDS = (
    "id",
    "partner_id",
    "reason",
    "asked_at",
    "answer",
    "answered_at",
    "revised_text",
)
CHECKIN_FIELDS = (
    "id",
    "trigger",
    "started_by_id",
    "status",
    "started_at",
    "reminded_at",
    "ended_at",
)


def export_agreement(agreement: Agreement, reviews: list[Any]) -> dict[str, Any]:
    """An agreement with its reviews ("still working?" answers), oldest first."""
    return row_dict(agreement, AGREEMENT_FIELDS) | {
        "reviews": [
            row_dict(r, REVIEW_FIELDS) for r in reviews if r.agreement_id == agreement.id
        ]
    }


def export_checkin(checkin: Checkin) -> dict[str, Any]:
    """A check-in and each partner's part. Answers were private until revealed: a check-in
    that ended unrevealed (expired, cancelled) or is still open exports no items; after a
    skip, the other's needs only if they said yes to showing them."""
    revealed = checkin.status == CheckinStatus.REVEALED
    answers = sorted(checkin.answers, key=lambda a: a.id)
    return row_dict(checkin, CHECKIN_FIELDS) | {
        "answers": [_answer(a, revealed, answers) for a in answers]
    }


def _answer(
    answer: CheckinAnswer, revealed: bool, all_answers: list[CheckinAnswer]
) -> dict[str, Any]:
    someone_skipped = any(a.skipped for a in all_answers)
    needs_shown = revealed and (not someone_skipped or bool(answer.needs_shared))
    return {
        "partner_id": answer.partner_id,
        "skipped": answer.skipped,
        "answered_at": iso(answer.answered_at),
        "needs": list(answer.needs or []) if needs_shown and not answer.skipped else None,
        "appreciations": (
            list(answer.appreciations or []) if revealed and not answer.skipped else None
        ),
    }
PROGRESS_SUMMARY_FIELDS = (
    "id",
    "quarter",
    "period_start",
    "period_end",
    "indicators",
    "created_at",
)


def _rows(session: Session, model: Any, *where: Any, order: Any) -> list[Any]:
    return list(session.execute(select(model).where(*where).order_by(order)).scalars())


def export_couple(couple: Couple, *, session: Session) -> dict[str, Any]:
    rounds = _rows(session, Round, Round.couple_id == couple.id, order=Round.id)
    round_ids = [r.id for r in rounds]
    turns = _rows(session, Turn, Turn.round_id.in_(round_ids), order=Turn.id)
    turn_ids = [t.id for t in turns]
    agreements = _rows(session, Agreement, Agreement.couple_id == couple.id, order=Agreement.id)
    reviews = reviews_of([a.id for a in agreements], session=session)
    document: dict[str, Any] = {
        "couple": row_dict(couple, COUPLE_FIELDS),
        "partners": [row_dict(p, PARTNER_FIELDS) for p in couple.partners],
        "statements": [
            row_dict(s, STATEMENT_FIELDS)
            for s in _rows(session, Statement, Statement.couple_id == couple.id, order=Statement.id)
            # A draft written in private belongs to its writer until shared.
            if s.drafted_in != DraftedIn.PRIVATE or s.shared
        ],
        "agreements": [export_agreement(a, reviews) for a in agreements],
        "rounds": [row_dict(r, ROUND_FIELDS) for r in rounds],
        "turns": [row_dict(t, TURN_FIELDS) for t in turns],
        "interruptions": [
            row_dict(i, INTERRUPTION_FIELDS)
            for i in _rows(
                session, Interruption, Interruption.turn_id.in_(turn_ids), order=Interruption.id
            )
            # A note sent in private belongs to its writer, like a private draft.
            if i.kind != PRIVATE_NOTE
        ],
        "pauses": [
            row_dict(p, PAUSE_FIELDS)
            for p in _rows(session, Pause, Pause.couple_id == couple.id, order=Pause.id)
        ],
        "escalations": [
            row_dict(e, ESCALATION_FIELDS)
            for e in _rows(
                session, Escalation, Escalation.couple_id == couple.id, order=Escalation.id
            )
        ],
        "checkins": [
            export_checkin(c)
            for c in _rows(session, Checkin, Checkin.couple_id == couple.id, order=Checkin.id)
        ],
        "progress_summaries": [
            row_dict(summary, PROGRESS_SUMMARY_FIELDS)
            for summary in _rows(
                session,
                ProgressSummary,
                ProgressSummary.couple_id == couple.id,
                order=ProgressSummary.id,
            )
        ],
    }
    return document
