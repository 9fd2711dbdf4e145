"""Unit-test helpers for couples: the consent step done, and reading an /export."""

from __future__ import annotations

import json
from typing import Any

from bot.export import export_document
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.models import utc_now


def agree_in_private(group_chat_id: int) -> None:
    """Both partners of the group's couple agreed in private (exercises need it)."""
    with transaction() as session:
        couple = couple_for_group(group_chat_id, session=session)
        assert couple is not None
        for partner in couple.partners:
            partner.consented_at = partner.consented_at or utc_now()


def exported(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The document an /export answer asks the bot to build and send privately, built the
    way the bot builds it (bot/export.py): the answer itself carries none of the data."""
    [request] = [
        m["custom"]["telegram"]["export"]
        for m in messages
        if (m.get("custom") or {}).get("telegram", {}).get("export")
    ]
    document = export_document(request["couple_id"], request["user_id"])
    assert document is not None
    data: dict[str, Any] = json.loads(document["content"])
    return data
