"""/export: the couple's data as a JSON document, for either partner, in their group."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply
from storage.couples import couples_of_user
from storage.export import export_couple
from storage.models import utc_now


class ActionExportData(TalkingStickAction):
    action_name = "action_export_data"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.in_group:
            has_couple = ctx.user_id is not None and couples_of_user(ctx.user_id, session=session)
            return [
                Reply(
                    response="utter_export_in_group"
                    if has_couple
                    else "utter_private_intro_stranger"
                )
            ]
        couple = ctx.couple(session)
        if couple is None:
            return [Reply(response="utter_start_first")]
        document = export_couple(couple, session=session)
        file_name = f"talking-stick-export-{utc_now():%Y-%m-%d}.json"
        content = json.dumps(document, ensure_ascii=False, indent=2)
        return [
            Reply(
                response="utter_export_ready", document={"file_name": file_name, "content": content}
            )
        ]
