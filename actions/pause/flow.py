"""The escalation pause: stop now, and agree together when to come back.

Plain functions of (couple, pause, partner, now, session) returning what to say; the Rasa
actions in actions/pause/actions.py only read the message and call these. Decisions live in
actions/pause/state.py (pure); this module loads and saves the row, schedules the durable
timers and words the replies. Coming back is in actions/pause/coming_back.py.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import settings
from actions.core import flows
from actions.core.replies import KeepKeyboard, Outgoing, Reply, Toast
from actions.joining.actions import TIMEZONE_REMINDER
from actions.pause import state as pause_state
from actions.pause.coming_back import not_yet
from actions.pause.common import (
    PAUSE_REMINDER,
    PAUSE_RESUME,
    cancel_timers,
    commit,
    minimum_key,
    minimum_text,
    offer_buttons,
    partner_name,
    pause_button,
    proposal_buttons,
    schedule,
    timezone_offer_buttons,
    when_text,
)
from actions.pause.escalation import suggest_later
from actions.pause.records import load_state, what_was_paused
from actions.pause.state import Outcome, PauseState, Phase, Step
from actions.pause.times import Parsed, choice_time, looks_like_a_time, parse_time
from storage import pauses, timers
from storage.couples import is_complete
from storage.enums import ProposalVia
from storage.models import Couple, Partner, Pause
from storage.timer_payloads import PauseReminder, PauseResume

logger = logging.getLogger(__name__)


# -- starting ------------------------------------------------------------------------------


def start_pause(
    couple: Couple, partner: Partner, session: Session, now: datetime, text: str = ""
) -> list[Outgoing]:
    """Stop whatever runs at once, acknowledge, and offer times to come back."""
    if not is_complete(couple):
        return [Reply(response="utter_pause_needs_couple")]
    existing = pauses.open_pause(couple.id, session=session)
    if existing is not None:
        return during_pause(couple, existing, partner, text, now, session)
    suspended = flows.suspend_running(couple, session, now)
    phase = Phase.TIMEZONE if couple.timezone is None else Phase.PROPOSING
    pause = pauses.add_pause(
        couple.id,
        partner.id,
        now,
        topic=suspended.topic if suspended else None,
        flow=suspended.flow if suspended else None,
        flow_state=suspended.state if suspended else {},
        phase=phase,
        session=session,
    )
    # An existing escalation row's pause count stays current (the row is made on suggestion).
    pauses.update_escalation(couple.id, pause.topic, session=session)
    schedule(
        PAUSE_REMINDER,
        couple,
        now + timedelta(seconds=settings.current().pause_proposal_reminder_seconds),
        PauseReminder(pause.id, proposing_round=1),
        session,
    )
    logger.info("pause %s started in chat %s", pause.id, couple.group_chat_id)
    replies: list[Outgoing] = list(suspended.replies) if suspended else []
    held = (
        f"{what_was_paused(pause).capitalize()} waits exactly where it was. " if suspended else ""
    )
    if phase is Phase.TIMEZONE:
        # The pause asks for the time zone now (and reminds once): the joining flow's own
        # reminder would only say it a second time.
        timers.cancel_kind(TIMEZONE_REMINDER, couple.group_chat_id, session=session)
        replies.append(
            Reply(
                response="utter_pause_started_timezone",
                values={"held": held},
                buttons=timezone_offer_buttons(),
            )
        )
        return replies
    embedded = time_in_request(text, couple, now)
    if embedded is not None:
        # "I need a break, let's say 30 minutes": the asker's words are their proposal.
        replies.append(Reply(response="utter_pause_started_with_time", values={"held": held}))
        return replies + propose_time(
            couple, pause, partner, embedded, now, session, ProposalVia.TEXT
        )
    replies.append(
        Reply(
            response="utter_pause_started",
            values={"held": held},
            buttons=offer_buttons(pause, couple, now),
        )
    )
    return replies


def time_in_request(text: str, couple: Couple, now: datetime) -> datetime | None:
    """A time named in the request itself, if it is a clear one and not a short break."""
    if not text or text.startswith("/") or not looks_like_a_time(text, max_words=20):
        return None
    parsed = parse_time(text, couple.timezone or "UTC", now)
    if not isinstance(parsed, Parsed):
        return None
    ahead = (parsed.when - now).total_seconds()
    minimum = settings.current().min_pause_seconds
    return parsed.when if minimum <= ahead <= pause_state.DAY_SECONDS else None


def during_pause(
    couple: Couple, pause: Pause, partner: Partner, text: str, now: datetime, session: Session
) -> list[Outgoing]:
    """A pause asked for while one is open: a time is a proposal; otherwise a kind note."""
    state = load_state(pause, couple)
    if state.phase is Phase.ASKING:
        return not_yet(couple, pause, partner, now, session)  # "I need more time" = not yet
    typed = bool(text) and not text.startswith("/")
    if state.phase is Phase.PROPOSING and typed and looks_like_a_time(text):
        return answer_time_text(couple, pause, partner, text, now, session)
    if state.phase is Phase.AGREED:
        return [
            Reply(
                response="utter_pause_already_agreed",
                values={"when": when_text(state.resume_at, couple, now)},
            )
        ]
    if state.phase is Phase.TIMEZONE:
        return [Reply(response="utter_pause_timezone_first", buttons=timezone_offer_buttons())]
    return [Reply(response="utter_pause_already_choosing")]


# -- the time zone, when the couple had none ----------------------------------------------


def timezone_set(couple: Couple, pause: Pause, now: datetime) -> list[Outgoing]:
    """The couple's time zone was just saved: go on to choosing a time."""
    step = pause_state.timezone_set(load_state(pause, couple))
    commit(pause, step)
    if step.outcome is not Outcome.PROPOSED:
        return []
    return [Reply(response="utter_pause_ask_time", buttons=offer_buttons(pause, couple, now))]


# -- proposing -----------------------------------------------------------------------------


def answer_time_text(
    couple: Couple, pause: Pause, partner: Partner, text: str, now: datetime, session: Session
) -> list[Outgoing]:
    """Typed words while choosing a time: a proposal, or one kind question back."""
    parsed = parse_time(text, couple.timezone or "UTC", now)
    if isinstance(parsed, Parsed):
        return propose_time(couple, pause, partner, parsed.when, now, session, ProposalVia.TEXT)
    if parsed.reason == "needs_clock":
        return [Reply(response="utter_pause_needs_clock")]
    if parsed.reason == "invalid_clock":
        return [Reply(response="utter_pause_invalid_clock", values={"detail": parsed.detail[:20]})]
    response = "utter_pause_past" if parsed.reason == "past" else "utter_pause_no_time"
    return [Reply(response=response, buttons=offer_buttons(pause, couple, now))]


def propose_time(
    couple: Couple,
    pause: Pause,
    partner: Partner,
    when: datetime,
    now: datetime,
    session: Session,
    via: ProposalVia,
    *,
    confirmed: bool = False,
) -> list[Outgoing]:
    before = load_state(pause, couple)
    minimum = settings.current().min_pause_seconds
    step = pause_state.propose(before, partner.id, when, now, minimum, confirmed=confirmed, via=via)
    return _after_proposal(couple, pause, before, step, now, session)


def _after_proposal(
    couple: Couple, pause: Pause, before: PauseState, step: Step, now: datetime, session: Session
) -> list[Outgoing]:
    state = commit(pause, step)
    outcome = step.outcome
    if outcome is Outcome.NEEDS_TIMEZONE:
        return [Reply(response="utter_pause_timezone_first", buttons=timezone_offer_buttons())]
    if outcome is Outcome.NOT_PROPOSING:
        return during_pause_note(couple, state, now)
    if outcome is Outcome.IN_PAST:
        return [Reply(response="utter_pause_past", buttons=offer_buttons(pause, couple, now))]
    if outcome in (Outcome.CONFIRM_SHORT, Outcome.CONFIRM_LONG):
        assert state.unconfirmed is not None
        when = when_text(state.unconfirmed.when, couple, now)
        if outcome is Outcome.CONFIRM_SHORT:
            return [
                Reply(
                    response="utter_pause_confirm_short",
                    values={"when": when[0].upper() + when[1:], "minimum": minimum_text()},
                    buttons=[
                        pause_button("Keep it", "pause_keep", pause),
                        pause_button(
                            f"Make it {minimum_text()}", "pause_time", pause, minimum_key()
                        ),
                    ],
                )
            ]
        return [
            Reply(
                response="utter_pause_confirm_long",
                values={"when": when},
                buttons=[
                    pause_button("Yes, that's right", "pause_keep", pause),
                    pause_button("Choose another", "pause_other", pause),
                ],
            )
        ]
    if outcome is Outcome.AGREED:
        return _agreed(couple, pause, state, now, session)
    # PROPOSED: it now waits for the other partner's yes.
    proposal = state.proposals[-1]
    earlier = before.current
    response = (
        "utter_pause_counter_proposed"
        if earlier is not None and earlier.by != proposal.by
        else "utter_pause_proposed"
    )
    return [
        Reply(
            response=response,
            values={
                "name": partner_name(couple, proposal.by),
                "other": partner_name(couple, state.other(proposal.by)),
                "when": when_text(proposal.when, couple, now),
            },
            buttons=proposal_buttons(pause, len(state.proposals)),
        )
    ]


def during_pause_note(couple: Couple, state: PauseState, now: datetime) -> list[Outgoing]:
    if state.phase is Phase.AGREED:
        return [
            Reply(
                response="utter_pause_already_agreed",
                values={"when": when_text(state.resume_at, couple, now)},
            )
        ]
    return [Reply(response="utter_pause_already_choosing")]


def _agreed(
    couple: Couple, pause: Pause, state: PauseState, now: datetime, session: Session
) -> list[Outgoing]:
    assert state.resume_at is not None
    cancel_timers(couple, session)
    schedule(
        PAUSE_RESUME,
        couple,
        state.resume_at,
        PauseResume(pause.id, state.resume_at),
        session,
    )
    logger.info("pause %s agreed in chat %s", pause.id, couple.group_chat_id)
    # Advice has no place at the moment of the break: the third-party suggestion, if due,
    # comes when they are back, or the next day (actions/pause/escalation.py).
    suggest_later(couple, pause.topic, now, session)
    return [
        Reply(
            response="utter_pause_agreed", values={"when": when_text(state.resume_at, couple, now)}
        )
    ]


def choose_button(
    couple: Couple, pause: Pause, partner: Partner, key: str, now: datetime, session: Session
) -> list[Outgoing]:
    state = load_state(pause, couple)
    if not state.is_open:
        return [Toast("utter_toast_pause_ended")]
    if state.phase is Phase.AGREED or state.phase is Phase.ASKING:
        return [Toast("utter_toast_pause_time_agreed")]
    when = choice_time(key, now)
    if when is None:
        return [Toast("utter_toast_pause_time_passed")]
    confirmed = key == minimum_key()  # "Make it 20 minutes" needs no second question
    return propose_time(
        couple, pause, partner, when, now, session, ProposalVia.BUTTON, confirmed=confirmed
    )


def accept_button(
    couple: Couple, pause: Pause, partner: Partner, number: int, now: datetime, session: Session
) -> list[Outgoing]:
    before = load_state(pause, couple)
    step = pause_state.accept(before, partner.id, number, now)
    if step.outcome is Outcome.WAITING_FOR_OTHER:
        other = partner_name(couple, before.other(partner.id))
        return [Toast("utter_toast_pause_waiting_for_yes", {"other": other}), KeepKeyboard()]
    if step.outcome is Outcome.STALE:
        return [Toast(_stale_toast(before))]
    return _after_proposal(couple, pause, before, step, now, session)


def accept_in_words(
    couple: Couple, pause: Pause, partner: Partner, now: datetime, session: Session
) -> list[Outgoing] | None:
    """ "Yes" / "ok" typed by the partner a proposal waits for; None if nothing waits for it."""
    state = load_state(pause, couple)
    current = state.current
    if state.phase is not Phase.PROPOSING or current is None or current.by == partner.id:
        return None
    return accept_button(couple, pause, partner, len(state.proposals), now, session)


def _stale_toast(state: PauseState) -> str:
    if not state.is_open:
        return "utter_toast_pause_ended"
    if state.phase in (Phase.AGREED, Phase.ASKING):
        return "utter_toast_pause_time_agreed"
    return "utter_toast_pause_newer_suggestion"


def keep_button(
    couple: Couple, pause: Pause, partner: Partner, now: datetime, session: Session
) -> list[Outgoing]:
    before = load_state(pause, couple)
    minimum = settings.current().min_pause_seconds
    step = pause_state.keep_unconfirmed(before, partner.id, now, minimum)
    if step.outcome is Outcome.WAITING_FOR_OTHER:
        name = partner_name(couple, before.unconfirmed.by if before.unconfirmed else None)
        return [Toast("utter_toast_pause_their_choice", {"name": name}), KeepKeyboard()]
    if step.outcome is Outcome.STALE:
        return [Toast(_stale_toast(before))]
    return _after_proposal(couple, pause, before, step, now, session)


def other_button(couple: Couple, pause: Pause, now: datetime) -> list[Outgoing]:
    state = load_state(pause, couple)
    if state.phase is not Phase.PROPOSING:
        return [Toast(_stale_toast(state))]
    return [Reply(response="utter_pause_other_time", buttons=offer_buttons(pause, couple, now))]
