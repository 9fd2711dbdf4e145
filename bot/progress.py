"""The /progress chart, drawn by the bot: the action only says "couple X's chart for
quarter Q" (with the summary as the caption it had Rasa render), and the bot reads the
indicators from our database and draws the PNG (actions/progress/chart.py), so no picture
passes through Rasa's tracker.

The chart goes only to its couple's own group, and never of a closed couple.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from actions.progress.chart import draw_chart
from bot.database import in_transaction
from storage.indicators import Indicators, Quarter, quarter_indicators, zone_of
from storage.models import Couple

logger = logging.getLogger(__name__)

CHART_FILE_NAME = "progress.png"


@dataclass(frozen=True)
class ChartData:
    current: Indicators
    previous: Indicators
    names: list[tuple[int, str]]
    quarter: Quarter
    zone: ZoneInfo


def chart_data(couple_id: int, label: str, chat_id: int, session: Session) -> ChartData | None:
    """What the chart shows; None unless `chat_id` is the open couple's own group."""
    couple = session.get(Couple, couple_id)
    quarter = Quarter.parse(label)
    if (
        couple is None
        or quarter is None
        or couple.closed_at is not None
        or couple.group_chat_id != chat_id
    ):
        logger.warning("progress chart of couple %s refused for chat %s", couple_id, chat_id)
        return None
    current, previous = quarter_indicators(couple, quarter, session=session)
    names = [(p.id, p.first_name) for p in couple.partners]
    return ChartData(current, previous, names, quarter, zone_of(couple))


async def chart_png(couple_id: int, label: str, chat_id: int) -> bytes | None:
    """The chart's PNG; read in one short transaction, drawn after it (off the event loop)."""
    data = await in_transaction(lambda session: chart_data(couple_id, label, chat_id, session))
    if data is None:
        return None
    return await asyncio.to_thread(
        draw_chart, data.current, data.previous, data.names, data.quarter, data.zone
    )
