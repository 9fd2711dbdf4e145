"""Retention: message texts older than RETENTION_DAYS are removed from our database.

What a person typed is cleared (statement texts and topics, the coach's findings that quote
them, agreement texts and their revised wordings, check-in needs and appreciations,
interruptions, topics of rounds/pauses/escalations, raw updates still in the inbox); the
outcomes stay (times, steps, counts, statuses). Running it twice changes nothing more: it
only clears what is still there. Rasa's events are purged by the
bot (bot/housekeeping.py), conversation by conversation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

import settings
from storage import inbox, keyboards, timers
from storage.engine import rows_changed
from storage.enums import InboxStatus
from storage.models import (
    Agreement,
    AgreementReview,
    Checkin,
    CheckinAnswer,
    Escalation,
    InboxUpdate,
    Interruption,
    Pause,
    Round,
    Statement,
)

# The bot's own bookkeeping (closed keyboards, finished timers) is kept this long; finished
# inbox rows only as long as they can tell a re-sent update (inbox.DUPLICATE_WINDOW).
BOOKKEEPING_KEPT = timedelta(days=30)


def cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.current().retention_days)


def purge_texts_before(moment: datetime, *, session: Session) -> dict[str, int]:
    """Clear message texts of rows created before `moment`; counts of rows changed."""
    counts: dict[str, int] = {}

    def run(name: str, statement) -> None:  # type: ignore[no-untyped-def]
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = rows_changed(result)

    texts = (
        Statement.describe_text,
        Statement.feel_text,
        Statement.request_text,
        Statement.reflection_text,
        Statement.clarification_text,
        Statement.second_reflection_text,
        Statement.topic,
    )
    run(
        "statements",
        update(Statement)
        .where(Statement.created_at < moment, or_(*(column.isnot(None) for column in texts)))
        .values({column: None for column in texts} | {Statement.findings: {}}),
    )
    run(
        "agreements",
        update(Agreement)
        .where(Agreement.created_at < moment, Agreement.text != "")
        .values(text=""),
    )
    run(
        "agreement_reviews",
        update(AgreementReview)
        .where(AgreementReview.asked_at < moment, AgreementReview.revised_text.isnot(None))
        .values(revised_text=None),
    )
    old_checkins = select(Checkin.id).where(Checkin.started_at < moment).scalar_subquery()
    run(
        "checkin_answers",
        update(CheckinAnswer)
        .where(
            CheckinAnswer.checkin_id.in_(old_checkins),
            or_(
                CheckinAnswer.needs.isnot(None),
                CheckinAnswer.appreciations.isnot(None),
                CheckinAnswer.held.isnot(None),
            ),
        )
        .values(needs=None, appreciations=None, held=None),
    )
    run(
        "interruptions",
        update(Interruption)
        .where(Interruption.created_at < moment, Interruption.text.isnot(None))
        .values(text=None),
    )
    run(
        "rounds",
        update(Round).where(Round.created_at < moment, Round.topic.isnot(None)).values(topic=None),
    )
    run(
        "pauses",
        update(Pause)
        .where(Pause.requested_at < moment, Pause.topic.isnot(None))
        .values(topic=None),
    )
    run(
        "escalations",
        update(Escalation)
        .where(
            Escalation.created_at < moment,
            or_(Escalation.topic.isnot(None), Escalation.choice.isnot(None)),
        )
        .values(topic=None, choice=None),
    )
    run(
        "inbox",
        update(InboxUpdate)
        .where(InboxUpdate.received_at < moment, InboxUpdate.payload.isnot(None))
        # An update unfinished for this long will not be answered any more.
        .values(payload=None, status=InboxStatus.DONE),
    )
    return counts


def purge_bookkeeping(now: datetime, *, session: Session) -> dict[str, int]:
    """Delete the bot's old bookkeeping rows (ids and times only); counts of rows deleted."""
    return {
        "inbox": inbox.purge_finished_before(now - inbox.DUPLICATE_WINDOW, session=session),
        "keyboards": keyboards.purge_closed_before(now - BOOKKEEPING_KEPT, session=session),
        "timers": timers.purge_finished_before(now - BOOKKEEPING_KEPT, session=session),
    }
