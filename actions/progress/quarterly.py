"""The quarterly review: one durable timer per couple posts, at the start of each quarter
(QUARTERLY_REVIEW_HOUR on its first day, in the couple's time zone), the summary of the
quarter that just ended, with its chart, and saves it (storage/indicators.py).

The timer is scheduled when a couple forms, again when its time zone changes, and by
/progress if none is pending; each firing schedules the next one. A summary is posted once
per quarter: a timer fired again (after a crash) or a duplicate finds it saved and says
nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

import settings
from actions.core.replies import ChartRequest, Outgoing, Reply
from actions.core.timers import timer_handler
from actions.progress.summary import summary_lines
from storage import timers
from storage.couples import is_complete
from storage.enums import TimerKind
from storage.indicators import (
    Indicators,
    Quarter,
    quarter_indicators,
    save_summary,
    summary_exists,
    zone_of,
)
from storage.models import Couple, utc_now
from storage.timer_payloads import QuarterlyReview
from storage.timers import DueTimer

logger = logging.getLogger(__name__)

QUARTERLY_REVIEW = TimerKind.QUARTERLY_REVIEW


def review_time(quarter: Quarter, zone: ZoneInfo) -> datetime:
    """When `quarter`'s predecessor is reviewed: its first day at the configured hour."""
    first_month = (quarter.number - 1) * 3 + 1
    hour = settings.current().quarterly_review_hour
    local = datetime(quarter.year, first_month, 1, hour, tzinfo=zone)
    return local.astimezone(timezone.utc)


def upcoming_review(zone: ZoneInfo, now: datetime) -> tuple[datetime, Quarter]:
    """The next review after `now`, and the quarter it looks back on."""
    quarter = Quarter.of(now, zone)
    this_one = review_time(quarter, zone)
    if this_one > now:  # the quarter's first day, before the hour
        return this_one, quarter.previous()
    return review_time(quarter.next(), zone), quarter


def schedule_review(
    couple: Couple, due: datetime, reviewed: Quarter, *, session: Session
) -> None:
    timers.schedule(
        QUARTERLY_REVIEW,
        couple.group_chat_id,
        due,
        QuarterlyReview(couple.id, reviewed.label),
        session=session,
    )


def review_pending(couple: Couple, *, session: Session) -> bool:
    """Whether this couple's next review is scheduled (not a closed couple's of the group)."""
    for row in timers.pending(QUARTERLY_REVIEW, couple.group_chat_id, session=session):
        payload = QuarterlyReview.read(timers.payload_of(row))
        if payload is not None and payload.couple_id == couple.id:
            return True
    return False


def ensure_quarterly_review(couple: Couple, now: datetime, *, session: Session) -> None:
    """Schedule the couple's next quarterly review unless one is pending."""
    if couple.closed_at is not None or review_pending(couple, session=session):
        return
    due, reviewed = upcoming_review(zone_of(couple), now)
    schedule_review(couple, due, reviewed, session=session)


def reschedule_quarterly_review(couple: Couple, now: datetime, *, session: Session) -> None:
    """The couple's time zone changed: the next review moves to their new midnight."""
    timers.cancel_kind(QUARTERLY_REVIEW, couple.group_chat_id, session=session)
    ensure_quarterly_review(couple, now, session=session)


def progress_reply(
    couple: Couple,
    quarter: Quarter,
    current: Indicators,
    previous: Indicators,
    *,
    response: str,
    this: str,
) -> Reply:
    """The summary as the chart's caption; the bot draws the chart (no PNG through Rasa)."""
    names = [(p.id, p.first_name) for p in couple.partners]
    return Reply(
        response=response,
        values={
            "period": quarter.months,
            "lines": "\n".join(summary_lines(current, previous, names, this)),
        },
        chart=ChartRequest(couple.id, quarter.label),
    )


@timer_handler(QUARTERLY_REVIEW)
def post_quarterly_review(timer: DueTimer, session: Session) -> list[Outgoing]:
    payload = QuarterlyReview.read(timer.payload)
    quarter = Quarter.parse(payload.quarter) if payload else None
    if payload is None or quarter is None:
        return []
    couple = session.get(Couple, payload.couple_id)
    # A couple closed, forgotten or moved on since: no summary, and no next one.
    if couple is None or couple.closed_at is not None or couple.group_chat_id != timer.chat_id:
        return []
    now = utc_now()
    zone = zone_of(couple)
    # The next review first, so the couple keeps getting them whatever happens to this one:
    # the quarter after this one, or, after a long stop, the next one still to come.
    following = quarter.next()
    due = review_time(following.next(), zone)
    if due <= now:
        due, following = upcoming_review(zone, now)
    if not review_pending(couple, session=session):
        schedule_review(couple, due, following, session=session)
    if not is_complete(couple) or summary_exists(couple.id, quarter, session=session):
        return []
    current, previous = quarter_indicators(couple, quarter, session=session)
    save_summary(couple, quarter, current, previous, session=session)
    logger.info("quarterly summary %s posted for couple %s", quarter.label, couple.id)
    return [
        progress_reply(
            couple,
            quarter,
            current,
            previous,
            response="utter_progress_quarterly",
            this=f"in {quarter.months}",
        )
    ]
