"""Escalation pause actions: /pause (or "I need a break"), its buttons, /resume.

Thin: read the message, find the couple and its pause, call actions/pause/flow.py or
actions/pause/coming_back.py. Buttons carry `pause_ref` = "<pause id>" or "<pause id>.<detail>",
so a button of an older or ended pause is recognised and answered with a toast only.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from actions.core import flows
from actions.core.base import TalkingStickAction
from actions.core.context import MessageContext
from actions.core.replies import Outgoing, Reply, Toast
from actions.core.routing import EXPLICIT_CONFIDENCE, capturer, is_explicit_request
from actions.core.timezones import resolve_timezone
from actions.joining.actions import save_timezone
from actions.pause import coming_back as pause_return
from actions.pause import flow as pause_flow
from actions.pause.records import load_state
from actions.pause.state import Phase
from actions.pause.times import looks_like_a_time
from storage import pauses
from storage.enums import FlowName, PauseStatus
from storage.models import Couple, Partner, Pause, utc_now
from storage.pauses import FlowState

PAUSE_SYMBOLS = ("⏸", "⏯")
RESUME_SYMBOLS = ("▶",)


@dataclass(frozen=True)
class Here:
    """The couple of this group and the partner who wrote or pressed."""

    couple: Couple
    partner: Partner


def here(ctx: MessageContext, session: Session) -> Here | None:
    if not ctx.in_group or ctx.user_id is None:
        return None
    couple = ctx.couple(session)
    partner = ctx.partner(session)
    return None if couple is None or partner is None else Here(couple, partner)


def pressed_pause(ctx: MessageContext, where: Here, session: Session) -> tuple[Pause, str] | None:
    """The pause a button names (this couple's only) and the detail after the dot."""
    pause_id, _, detail = str(ctx.entity("pause_ref") or "").partition(".")
    if not pause_id.isdigit():
        return None
    pause = pauses.get_pause(int(pause_id), session=session)
    if pause is None or pause.couple_id != where.couple.id:
        return None
    return pause, detail


def resumable_pause(couple: Couple, session: Session) -> Pause | None:
    """The open pause, or a missed one whose flow nothing has replaced since."""
    pause = pauses.open_pause(couple.id, session=session)
    if pause is not None:
        return pause
    latest = pauses.latest_pause(couple.id, session=session)
    if latest is not None and latest.status == PauseStatus.MISSED:
        return None if flows.running_flow(couple, session) is not None else latest
    return None


class ActionRequestPause(TalkingStickAction):
    """/pause or "I need a break": stop what runs, acknowledge, offer times to come back."""

    action_name = "action_request_pause"
    needs_consent = True

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        where = here(ctx, session)
        if where is None:  # a private chat
            clear = ctx.is_button_or_command or is_explicit_request(ctx)
            return [Reply(response="utter_pause_in_group" if clear else "utter_private_free_text")]
        now = utc_now()
        if not is_clear_pause(ctx, where.couple, now):
            # Long or unsure words that mention a break are conversation, not a pause.
            return []
        return pause_flow.start_pause(where.couple, where.partner, session, now, ctx.text)


def is_clear_pause(ctx: MessageContext, couple: Couple, now: datetime) -> bool:
    """/pause, a short sure request, or a sure one that says when to come back."""
    return (
        ctx.is_button_or_command
        or is_explicit_request(ctx)
        or (
            ctx.intent_confidence >= EXPLICIT_CONFIDENCE
            and pause_flow.time_in_request(ctx.text, couple, now) is not None
        )
    )


class ActionResume(TalkingStickAction):
    """/resume or "we're ready": ready now (the other is asked, unless they are ready too)."""

    action_name = "action_resume"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        return resume_request(ctx, here(ctx, session), session)


def resume_request(ctx: MessageContext, where: Here | None, session: Session) -> list[Outgoing]:
    """A partner wants to come back: ready now, or a time while one is being chosen."""
    pause = resumable_pause(where.couple, session) if where is not None else None
    if where is None or pause is None:
        if not ctx.is_button_or_command:
            # "let's continue" is also everyday talk: only /resume gets an answer here.
            return [Reply(response="utter_private_free_text")] if ctx.in_private else []
        if where is None:
            return [Reply(response="utter_pause_in_group")]
        return [Reply(response="utter_pause_nothing_to_resume")]
    now = utc_now()
    phase = load_state(pause, where.couple).phase
    if phase is Phase.PROPOSING and not ctx.is_button_or_command and looks_like_a_time(ctx.text):
        # "let's continue at 8" while choosing a time: that is a proposal.
        return pause_flow.answer_time_text(
            where.couple, pause, where.partner, ctx.text, now, session
        )
    return pause_return.ready(where.couple, pause, where.partner, now, session)


class PauseButtonAction(TalkingStickAction):
    """A button of a pause message: the pause must be this couple's and still fit."""

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        where = here(ctx, session)
        if where is None:
            return [Toast("utter_toast_for_the_couple")]
        pressed = pressed_pause(ctx, where, session)
        if pressed is None:
            return [Toast("utter_toast_pause_ended")]
        return self.press(where, *pressed, utc_now(), session)

    @abstractmethod
    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        """What the press does (abstract: rasa_sdk registers only concrete actions)."""


class ActionChoosePauseTime(PauseButtonAction):
    action_name = "action_choose_pause_time"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        return pause_flow.choose_button(where.couple, pause, where.partner, detail, now, session)


class ActionAcceptPauseTime(PauseButtonAction):
    action_name = "action_accept_pause_time"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        if not detail.isdigit():
            return [Toast("utter_toast_pause_ended")]
        return pause_flow.accept_button(
            where.couple, pause, where.partner, int(detail), now, session
        )


class ActionKeepPauseTime(PauseButtonAction):
    action_name = "action_keep_pause_time"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        return pause_flow.keep_button(where.couple, pause, where.partner, now, session)


class ActionOtherPauseTime(PauseButtonAction):
    action_name = "action_other_pause_time"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        return pause_flow.other_button(where.couple, pause, now)


class ActionPauseReady(PauseButtonAction):
    action_name = "action_pause_ready"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        return pause_return.ready(where.couple, pause, where.partner, now, session, pressed=True)


class ActionPauseNotYet(PauseButtonAction):
    action_name = "action_pause_not_yet"

    def press(
        self, where: Here, pause: Pause, detail: str, now: datetime, session: Session
    ) -> list[Outgoing]:
        return pause_return.not_yet(where.couple, pause, where.partner, now, session, pressed=True)


class ActionPauseTimezone(TalkingStickAction):
    """A time zone button asked by a pause: save it, then go on to choosing a time."""

    action_name = "action_pause_timezone"

    def handle(self, ctx: MessageContext, session: Session) -> list[Outgoing]:
        where = here(ctx, session)
        zone = resolve_timezone(str(ctx.entity("timezone") or ""))
        if where is None or zone is None:
            return [Toast("utter_toast_pause_press_a_timezone")]
        saved = save_timezone(ctx, where.couple, zone, session)
        pause = pauses.open_pause(where.couple.id, session=session)
        if pause is None:
            return saved
        return saved + pause_flow.timezone_set(where.couple, pause, utc_now())


@capturer("pause_answer")
def capture_pause_answer(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    """While a pause waits for words: a time zone, a time to come back, yes/no, ready."""
    where = here(ctx, session)
    if where is None:
        return None
    # A lone ⏸️ or ▶️ is a clear request in any step; NLU reads a lone symbol unreliably.
    symbol = ctx.text.strip().replace("\ufe0f", "").replace("\ufe0e", "")
    if symbol in PAUSE_SYMBOLS:
        return pause_flow.start_pause(where.couple, where.partner, session, utc_now(), ctx.text)
    if symbol in RESUME_SYMBOLS:
        return resume_request(ctx, where, session)
    pause = pauses.open_pause(where.couple.id, session=session)
    if pause is None:
        return None
    state = load_state(pause, where.couple)
    now = utc_now()
    if state.phase is Phase.TIMEZONE:
        zone = resolve_timezone(ctx.text)
        if zone is None:
            return None
        return save_timezone(ctx, where.couple, zone, session) + pause_flow.timezone_set(
            where.couple, pause, now
        )
    if state.phase is Phase.ASKING or state.ready:
        # "Ready?" was asked (at the agreed time, or by an early /resume): yes or no.
        if ctx.intent == "affirm":
            return pause_return.ready(where.couple, pause, where.partner, now, session)
        if ctx.intent == "deny":
            return pause_return.not_yet(where.couple, pause, where.partner, now, session)
    if state.phase is Phase.PROPOSING:
        return _proposing_words(ctx, where, pause, now, session)
    return None


def _proposing_words(
    ctx: MessageContext, where: Here, pause: Pause, now: datetime, session: Session
) -> list[Outgoing] | None:
    state = load_state(pause, where.couple)
    waits_for_me = state.current is not None and state.current.by != where.partner.id
    if ctx.intent == "affirm" and waits_for_me:
        return pause_flow.accept_in_words(where.couple, pause, where.partner, now, session)
    if ctx.intent == "deny" and waits_for_me:
        return pause_flow.other_button(where.couple, pause, now)
    if looks_like_a_time(ctx.text):
        return pause_flow.answer_time_text(
            where.couple, pause, where.partner, ctx.text, now, session
        )
    return None


class PauseFlow:
    """The pause itself as a flow: `/cancel` during a pause cancels it (nothing else)."""

    name = FlowName.PAUSE

    def is_running(self, couple: Couple, session: Session) -> bool:
        return False  # never suspended by another pause

    def suspend(self, couple: Couple, session: Session, now: datetime) -> flows.Suspended | None:
        return None

    def restore(
        self, couple: Couple, state: FlowState, session: Session, now: datetime
    ) -> list[Outgoing]:
        return []

    def cancel(self, couple: Couple, session: Session, now: datetime) -> list[Outgoing]:
        return pause_return.cancel_open_pause(couple, session, now)


flows.register_flow(PauseFlow())
