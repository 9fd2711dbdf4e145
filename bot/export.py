"""/export, built by the bot: the couple's data goes straight from our database to the
partner's private chat, so it never passes through Rasa (whose tracker keeps every answer
an action gives) and is never journalled in the inbox.

The action only says "export couple X for person Y"; the bot checks again that Y is a
partner of X before it builds anything.
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.orm import Session

from storage.couples import partner_in
from storage.engine import transaction
from storage.export import export_couple
from storage.models import Couple, utc_now

logger = logging.getLogger(__name__)


def export_document(
    couple_id: int, user_id: int, session: Session | None = None
) -> dict[str, str] | None:
    """{"file_name", "content"} of couple `couple_id` for `user_id`; None unless they are
    one of its partners (a closed couple's remaining partner included). The bot passes a
    session of `bot.database.in_transaction`, off its event loop."""
    if session is None:
        with transaction() as own:
            return export_document(couple_id, user_id, own)
    couple = session.get(Couple, couple_id)
    if couple is None or partner_in(couple, user_id) is None:
        logger.warning("export of couple %s refused for user %s", couple_id, user_id)
        return None
    document = export_couple(couple, session=session)
    return {
        "file_name": f"talking-stick-export-{utc_now():%Y-%m-%d}.json",
        "content": json.dumps(document, ensure_ascii=False, indent=2),
    }
