"""/progress (or "how are we doing"): this quarter so far, compared with the one before,
as a short text and a chart the bot draws (actions/progress/chart.py, bot/progress.py).

Only the couple's partners, in their group: both see the same picture, and nothing in it
comes from anyone's private chat (private drafts never shared don't count).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply
from actions.progress.quarterly import ensure_quarterly_review, progress_reply
from storage.indicators import Quarter, quarter_indicators, zone_of
from storage.models import utc_now


class ActionShowProgress(TalkingStickAction):
    action_name = "action_show_progress"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_group:
            return [Reply(response="utter_progress_in_group")]
        couple = ctx.couple(session)
        if couple is None:  # (the partner check answers this first)
            return [Reply(response="utter_start_first")]
        now = utc_now()
        quarter = Quarter.of(now, zone_of(couple))
        current, previous = quarter_indicators(couple, quarter, session=session)
        ensure_quarterly_review(couple, now, session=session)
        return [
            progress_reply(
                couple,
                quarter,
                current,
                previous,
                response="utter_progress_summary",
                this="this quarter",
            )
        ]
