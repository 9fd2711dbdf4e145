"""The guided statement as a `Flow`: a pause suspends it, a resume asks the same step again,
/cancel (or a crisis) sets it aside with what was written.

Only a statement that lives in the group is "running" (a pause is a group matter). A
private draft is its writer's own: only /cancel in that private chat sets it aside
(`cancel_private_draft`), never a group /cancel or a crisis in the group.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from actions.core.flows import Suspended, register_flow, register_private_canceller
from actions.core.replies import Outgoing, Reply
from actions.statement.replies import current_prompt, names
from actions.statement.steps import set_aside
from storage import statements
from storage.enums import FlowName, StatementStatus
from storage.models import Couple
from storage.pauses import FlowState

FLOW_NAME = FlowName.STATEMENT


class StatementFlow:
    name = FLOW_NAME

    def is_running(self, couple: Couple, session: Session) -> bool:
        return statements.running_in_group(couple.id, session=session) is not None

    def suspend(self, couple: Couple, session: Session, now: datetime) -> Suspended | None:
        statement = statements.running_in_group(couple.id, session=session)
        if statement is None:
            return None
        statements.set_state(
            statement,
            replace(statements.state_of(statement), status_before_pause=statement.status),
        )
        statement.status = StatementStatus.PAUSED
        statement.updated_at = now
        return Suspended(
            flow=FLOW_NAME,
            topic=statement.topic,
            state={"statement_id": statement.id, "step": str(statement.step)},
        )

    def restore(
        self, couple: Couple, state: FlowState, session: Session, now: datetime
    ) -> list[Outgoing]:
        statement_id = state.get("statement_id")
        statement = (
            statements.get(int(statement_id), session=session)
            if isinstance(statement_id, int)
            else None
        )
        # Cancelled (or already restored) meanwhile: nothing to come back to.
        if (
            statement is None
            or statement.couple_id != couple.id
            or statement.status != StatementStatus.PAUSED
        ):
            return []
        details = statements.state_of(statement)
        statement.status = details.status_before_pause or StatementStatus.DRAFTING
        statements.set_state(statement, replace(details, status_before_pause=None))
        statement.updated_at = now
        return current_prompt(statement, couple, session)

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        replies: list[Outgoing] = []
        in_group = statements.open_in_group(couple.id, session=session)
        for statement in in_group:
            set_aside(statement, now)
        if in_group:
            replies.append(
                Reply(response="utter_statement_cancelled", chat_id=couple.group_chat_id)
            )
        return replies


def cancel_private_draft(private_chat_id: int, session: Session, now: datetime) -> list[Outgoing]:
    """/cancel in a partner's private chat: set aside the draft written there, if any. If
    the group was told it was being prepared (/talk there), it hears that it was set aside,
    so that the listener is not left waiting for it."""
    draft = statements.private_draft(private_chat_id, session=session)
    if draft is None:
        return []
    set_aside(draft, now)
    replies: list[Outgoing] = [
        Reply(response="utter_statement_draft_cancelled", chat_id=draft.chat_id)
    ]
    couple = session.get(Couple, draft.couple_id)
    if statements.state_of(draft).from_group and couple is not None:
        replies.append(
            Reply(
                response="utter_statement_set_aside_group",
                values=names(draft, session),
                chat_id=couple.group_chat_id,
            )
        )
    return replies


register_flow(StatementFlow())
register_private_canceller(cancel_private_draft)
