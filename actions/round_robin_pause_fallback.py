"""FALLBACK until the escalation pause flow exists: /pause and /resume for the round-robin.

The issue asks that `/pause` stops the floor clock at once and, until the pause flow
exists, `/resume` by either partner restarts it with exactly the time left. The pause
flow replaces this module and its two rules (data/rules/round_robin.yml, marked
"pause fallback") with the real thing, which reaches the round-robin through
actions/flows.py (`suspend_running` / `restore`), the same hooks used here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from actions import round_robin_turns as rules
from actions.base import TalkingStickAction
from actions.capture import is_explicit_request
from actions.context import MessageContext
from actions.replies import Outgoing, Reply
from actions.round_robin import free_text
from actions.round_robin_floor import ROUND_ROBIN, people_of
from storage import rounds
from storage.couples import couple_for_group
from storage.models import utc_now


class ActionRoundRobinPauseFallback(TalkingStickAction):
    """/pause or "I need a break" (short and clear): the floor clock stops at once."""

    action_name = "action_round_robin_pause_fallback"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        if not ctx.is_button_or_command and not is_explicit_request(ctx):
            return free_text(ctx)  # a long message that mentions a break is ordinary chat
        couple = couple_for_group(ctx.chat_id, session=session) if ctx.in_group else None
        if couple is None:
            return [Reply(response="utter_round_robin_nothing_to_pause")]
        suspended = ROUND_ROBIN.suspend(couple, session, utc_now())
        if suspended is None:
            active = rounds.active_round(couple.id, session=session)
            if active is not None and active.status == "paused":
                return [Reply(response="utter_round_robin_is_paused")]
            return [Reply(response="utter_round_robin_nothing_to_pause")]
        turn = rounds.turn_by_id(int(suspended.state["turn_id"]), session=session)
        people = people_of(couple, turn) if turn is not None else None
        return [
            Reply(
                response="utter_round_robin_paused_fallback",
                values={
                    "speaker": people.speaker.first_name if people else "",
                    "duration": rules.format_duration(
                        (turn.remaining_seconds if turn else 0.0) or 0.0
                    ),
                },
            )
        ]


class ActionRoundRobinResumeFallback(TalkingStickAction):
    """/resume by either partner: the stopped turn goes on with exactly the time it had."""

    action_name = "action_round_robin_resume_fallback"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        couple = couple_for_group(ctx.chat_id, session=session) if ctx.in_group else None
        if couple is None:
            if not ctx.is_button_or_command:
                return free_text(ctx)
            return [Reply(response="utter_round_robin_nothing_paused")]
        rounds.lock_couple(couple.id, session=session)
        active = rounds.active_round(couple.id, session=session)
        if active is None or active.status != "paused":
            if active is not None or ctx.is_button_or_command:
                return [Reply(response="utter_round_robin_nothing_paused")]
            return []  # "let's go on" in ordinary chat: nothing to say
        return ROUND_ROBIN.restore(couple, {"round_id": active.id}, session, utc_now())
