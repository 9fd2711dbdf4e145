"""What the escalation pause modules share: settings, timer kinds, buttons, wording helpers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

import settings
from actions.core.replies import button
from actions.core.timezones import timezone_buttons
from actions.pause.records import save_state
from actions.pause.state import PauseState, Step
from actions.pause.times import describe_time, offered_times, until_text
from storage import timers
from storage.enums import TimerKind
from storage.models import Couple, Pause
from storage.timer_payloads import TimerPayload

PAUSE_REMINDER = TimerKind.PAUSE_REMINDER
PAUSE_RESUME = TimerKind.PAUSE_RESUME
PAUSE_FOLLOW_UP = TimerKind.PAUSE_FOLLOW_UP
TIMER_KINDS = (PAUSE_REMINDER, PAUSE_RESUME, PAUSE_FOLLOW_UP)


# -- buttons -------------------------------------------------------------------------------


def pause_button(
    title: str, intent: str, pause: Pause, suffix: str | int | None = None
) -> dict[str, str]:
    """A button about one pause: its `pause_ref` is the pause id, plus an option or number."""
    ref = f"{pause.id}" if suffix is None else f"{pause.id}.{suffix}"
    return button(title, intent, pause_ref=ref)


def offer_buttons(pause: Pause, couple: Couple, now: datetime) -> list[dict[str, str]]:
    minimum = settings.current().min_pause_seconds
    return [
        pause_button(choice.label, "pause_time", pause, choice.key)
        for choice in offered_times(now, couple.timezone or "UTC", minimum)
    ]


def timezone_offer_buttons() -> list[dict[str, str]]:
    """The joining flow's time zone buttons, answered by the pause (which then continues)."""
    return timezone_buttons("pause_timezone")


def proposal_buttons(pause: Pause, number: int) -> list[dict[str, str]]:
    return [
        pause_button("Yes, that works", "pause_accept", pause, number),
        pause_button("Another time", "pause_other", pause),
    ]


def ready_buttons(pause: Pause) -> list[dict[str, str]]:
    return [
        pause_button("Ready", "pause_ready", pause),
        pause_button("Not yet", "pause_not_yet", pause),
    ]


# -- helpers -------------------------------------------------------------------------------


def partner_name(couple: Couple, partner_id: int | None) -> str:
    return next((p.first_name for p in couple.partners if p.id == partner_id), "your partner")


def when_text(moment: datetime | None, couple: Couple, now: datetime) -> str:
    return "" if moment is None else describe_time(moment, couple.timezone or "UTC", now)


def cancel_timers(couple: Couple, session: Session, *kinds: str) -> None:
    for kind in kinds or TIMER_KINDS:
        timers.cancel_kind(kind, couple.group_chat_id, session=session)


def schedule(
    kind: str, couple: Couple, due_at: datetime, payload: TimerPayload, session: Session
) -> None:
    timers.schedule(kind, couple.group_chat_id, due_at, payload, session=session)


def commit(pause: Pause, step: Step) -> PauseState:
    save_state(pause, step.state)
    return step.state


def minimum_text() -> str:
    return until_text(settings.current().min_pause_seconds)


def minimum_key() -> str:
    """The "Make it 20 minutes" button: the shortest break without a note, from the press."""
    return f"s{settings.current().min_pause_seconds}"
