"""/export: the couple's data as a JSON document, sent to the asker's private chat only.

The document never passes through Rasa (its tracker keeps every answer an action gives):
the action only answers "export couple X for person Y", and the bot builds the document
from our database and sends it privately (bot/export.py), after checking again that Y is a
partner of X. In the group, a neutral line says it was sent; if the person never opened a
private chat with the bot (Telegram refuses: 403), the group gets the link to open one.
In a private chat, /export sends each of the person's couples, closed ones included (a
couple is closed when the other partner left it: its history stays theirs alone).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import ExportRequest, Outgoing, Reply
from storage.couples import couples_of_user


class ActionExportData(TalkingStickAction):
    action_name = "action_export_data"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if ctx.user_id is None:
            return []
        if not ctx.in_group:
            couples = couples_of_user(ctx.user_id, session=session, include_closed=True)
            if not couples:
                return [Reply(response="utter_private_intro_stranger")]
            return [
                Reply(
                    response="utter_export_ready",
                    export=ExportRequest(couple.id, ctx.user_id),
                )
                for couple in couples
            ]
        couple = ctx.couple(session)
        if couple is None:
            return [Reply(response="utter_start_first")]
        return [
            Reply(
                response="utter_export_ready",
                export=ExportRequest(couple.id, ctx.user_id),
                if_delivered=Reply(response="utter_export_sent_privately"),
                if_undeliverable=Reply(
                    response="utter_export_open_private",
                    values={"link": f"https://t.me/{ctx.bot_username}?start=consent"},
                ),
            )
        ]
