"""Escalation pause actions, run as the action server runs them, with a small test-only Flow.

The test flow stands in for the round-robin or statement: it is "running" until suspended,
and records what it was given back, so the tests check the pause brings it back exactly
(same topic, speaker and remaining floor time) through the `actions.core.flows` interface.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

import actions.pause.actions  # noqa: F401  (registers the pause flow, capturer and timer handlers)
from actions.core import flows
from actions.core.replies import Outgoing, Reply
from actions.general.cancel import ActionCancel
from actions.general.help import ActionAnswerFreeText
from actions.pause.actions import (
    ActionAcceptPauseTime,
    ActionChoosePauseTime,
    ActionKeepPauseTime,
    ActionOtherPauseTime,
    ActionPauseNotYet,
    ActionPauseReady,
    ActionPauseTimezone,
    ActionRequestPause,
    ActionResume,
)
from actions.privacy.export import ActionExportData
from storage import timers
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.models import Couple, Pause, Timer
from tests.support import factories
from tests.support.couples import exported
from tests.support.trackers import add_response, build_tracker, fire_timers, run_action, texts

GROUP = -100700
ALEX, SAM, ROBIN = 11, 22, 33
NAMES = {ALEX: "Alex", SAM: "Sam", ROBIN: "Robin"}
form_couple = partial(
    factories.form_couple,
    group=GROUP,
    partners=((ALEX, "Alex"), (SAM, "Sam")),
    zone="Europe/Berlin",
    agreed=True,
)


class FloorFlow:
    """A test-only flow with a floor clock: suspended, it keeps the speaker's remaining time."""

    name = "test_floor"

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.restored: list[dict[str, Any]] = []
        self.cancelled: list[int] = []

    def is_running(self, couple: Couple, session: Any) -> bool:
        return couple.id in self.running

    def suspend(self, couple: Couple, session: Any, now: datetime) -> flows.Suspended | None:
        if couple.id not in self.running:
            return None
        self.running.discard(couple.id)
        state = {"speaker": "Alex", "remaining_seconds": 183.5, "round": 1}
        return flows.Suspended(
            self.name, "money", state, [Reply(response="utter_test_floor_on_hold")]
        )

    def restore(
        self, couple: Couple, state: dict[str, Any], session: Any, now: datetime
    ) -> list[Outgoing]:
        self.running.add(couple.id)
        self.restored.append(state)
        return [Reply(response="utter_test_floor_back", values={"speaker": state["speaker"]})]

    def cancel(self, couple: Couple, session: Any, now: datetime) -> list[Outgoing]:
        self.cancelled.append(couple.id)
        self.running.discard(couple.id)
        return []


def install_floor_flow(monkeypatch: pytest.MonkeyPatch, domain: dict) -> FloorFlow:
    """The test-only floor flow, registered with its responses for this test."""
    on_hold = "Alex's turn is on hold: 3:03 left."
    add_response(monkeypatch, domain, "utter_test_floor_on_hold", on_hold)
    add_response(
        monkeypatch, domain, "utter_test_floor_back", "{speaker}, the floor is yours: 3:03 left."
    )
    flow = FloorFlow()
    monkeypatch.setitem(flows._flows, flow.name, flow)
    return flow


@pytest.fixture
def floor(monkeypatch: pytest.MonkeyPatch, domain: dict) -> FloorFlow:
    return install_floor_flow(monkeypatch, domain)


def act(action: Any, domain: dict, text: str, intent: str, user: int = ALEX, **kw: Any) -> list:
    tracker = build_tracker(GROUP, text, intent, user_id=user, first_name=NAMES[user], **kw)
    return run_action(action, tracker, domain)


def press(action: Any, domain: dict, payload: dict[str, str], user: int, intent: str) -> list:
    text = f"/{intent}{json.dumps(payload)}"
    return act(action, domain, text, intent, user, entities=payload, is_callback=True)


def the_pause() -> Pause:
    with transaction() as session:
        pause = session.execute(select(Pause).order_by(Pause.id.desc())).scalars().first()
        session.expunge(pause)
        return pause


def buttons_of(messages: list[dict]) -> list[dict[str, str]]:
    return [b for m in messages for b in (m.get("buttons") or [])]


def ref(button: dict[str, str]) -> dict[str, str]:
    return json.loads(button["payload"][button["payload"].index("{") :])


def customs(messages: list[dict]) -> list[dict]:
    return [(m.get("custom") or {}).get("telegram") or {} for m in messages]


def pending(kind: str) -> list[Timer]:
    with transaction() as session:
        rows = timers.pending(kind, GROUP, session=session)
        for row in rows:
            session.expunge(row)
        return rows


def fire(domain: dict, kind: str, at: datetime | None = None) -> list[dict]:
    """Claim this chat's due timers of one kind as the bot's dispatcher would, and fire them."""
    return fire_timers(domain, GROUP, kind, at)


def start(domain: dict, user: int = ALEX, text: str = "/request_pause") -> list[dict]:
    return act(ActionRequestPause(), domain, text, "request_pause", user)


def agree_in_20_minutes(domain: dict) -> list[dict]:
    offer = start(domain)
    choose = press(ActionChoosePauseTime(), domain, ref(buttons_of(offer)[0]), ALEX, "pause_time")
    return press(ActionAcceptPauseTime(), domain, ref(buttons_of(choose)[0]), SAM, "pause_accept")


# -- stopping -------------------------------------------------------------------------------


def test_pause_stops_the_running_flow_at_once_and_offers_times(database, domain, floor):
    form_couple(domain)
    with transaction() as session:
        floor.running.add(couple_for_group(GROUP, session=session).id)
    messages = start(domain, SAM, "I need a break")
    shown = texts(messages)
    assert shown[0] == "Alex's turn is on hold: 3:03 left."
    assert shown[1].startswith("Pausing here. A break when it gets too much is good for both")
    assert "Your test_floor" not in shown[1] and "waits exactly where it was" in shown[1]
    assert "why" not in shown[1].lower()  # never asks why
    titles = [b["title"] for b in buttons_of(messages)]
    assert titles[:2] == ["In 20 minutes", "In 1 hour"] and titles[-1].startswith("Tomorrow, ")
    assert all(len(b["payload"].encode()) <= 64 for b in buttons_of(messages))
    pause = the_pause()
    assert (pause.flow, pause.topic, pause.status) == ("test_floor", "money", "proposed")
    assert pause.flow_state == {"speaker": "Alex", "remaining_seconds": 183.5, "round": 1}
    assert floor.running == set()
    assert len(pending("pause_reminder")) == 1


def test_an_observer_gets_nothing_of_the_couple(database, domain, floor):
    form_couple(domain)
    messages = start(domain, ROBIN)
    assert texts(messages) == ["This group's couple is complete. I'll stay out of your way."]
    with transaction() as session:
        assert session.execute(select(Pause)).first() is None


def test_pause_in_a_private_chat_points_to_the_group(database, domain):
    form_couple(domain)
    tracker = build_tracker(
        ALEX, "/request_pause", "request_pause", user_id=ALEX, chat_type="private"
    )
    assert texts(run_action(ActionRequestPause(), tracker, domain)) == [
        "Pauses happen in your couple's group: send /pause or /resume there."
    ]


def test_a_pause_during_a_pause_gets_a_kind_note(database, domain):
    form_couple(domain)
    start(domain)
    assert "already on a break" in texts(start(domain, SAM))[0]
    agree_in_20_minutes_after_start(domain)
    assert "already on a break, until " in texts(start(domain, SAM))[0]


def agree_in_20_minutes_after_start(domain: dict) -> None:
    pause = the_pause()
    choose = press(
        ActionChoosePauseTime(), domain, {"pause_ref": f"{pause.id}.m20"}, SAM, "pause_time"
    )
    press(ActionAcceptPauseTime(), domain, ref(buttons_of(choose)[0]), ALEX, "pause_accept")


# -- agreeing on a time ---------------------------------------------------------------------


def test_both_must_accept_before_a_time_is_agreed(database, domain):
    form_couple(domain)
    offer = start(domain)
    proposal = press(ActionChoosePauseTime(), domain, ref(buttons_of(offer)[0]), ALEX, "pause_time")
    assert texts(proposal)[0].startswith("Alex suggests coming back ")
    assert texts(proposal)[0].endswith("(in 20 minutes). Sam, does that work for you?")
    yes = buttons_of(proposal)[0]
    assert the_pause().status == "proposed"
    own = press(ActionAcceptPauseTime(), domain, ref(yes), ALEX, "pause_accept")
    assert texts(own) == ["Waiting for Sam to say yes."]
    assert {"keep_keyboard": True} in customs(own)
    assert the_pause().status == "proposed"
    agreed = press(ActionAcceptPauseTime(), domain, ref(yes), SAM, "pause_accept")
    assert texts(agreed)[0].startswith("Agreed by both of you: back ")
    pause = the_pause()
    assert pause.status == "agreed" and pause.agreed_at is not None
    assert pause.agreed_by == [pause.proposals[0]["by"], pause.agreed_by[1]]
    assert len(set(pause.agreed_by)) == 2
    assert pause.proposals[0]["via"] == "button"
    [resume] = pending("pause_resume")
    assert resume.due_at == pause.resume_at
    assert pending("pause_reminder") == []
    late = press(ActionAcceptPauseTime(), domain, ref(yes), SAM, "pause_accept")
    assert texts(late) == ["You've already agreed on a time."]


def test_free_text_times_are_proposals_and_bad_ones_get_a_kind_question(database, domain):
    form_couple(domain)
    start(domain)

    def say(text: str, user: int = SAM, intent: str = "content") -> list[str]:
        return texts(act(ActionAnswerFreeText(), domain, text, intent, user))

    assert say("whenever")[0].startswith("I need an actual time")
    assert say("never")[0].startswith("I need an actual time")
    assert say("yesterday")[0].startswith("That time has already passed.")
    assert say("25:00") == [
        '"25:00" isn\'t a time on the clock. Could you write it like "19:30" or "7:30 pm"?'
    ]
    assert say("after dinner") == [
        'What time would that be on the clock? For example "at 19:30" or "in 45 minutes".'
    ]
    assert say("I can't believe you said that to my mother") == []  # the couple talking
    proposal = say("in 45 minutes")
    assert proposal[0].startswith("Sam suggests coming back ")
    assert "Alex, does that work for you?" in proposal[0]
    agreed = say("ok", ALEX, "affirm")
    assert agreed[0].startswith("Agreed by both of you")
    assert the_pause().status == "agreed"


def test_both_proposing_different_times_the_later_stands(database, domain):
    form_couple(domain)
    offer = start(domain)
    first = press(ActionChoosePauseTime(), domain, ref(buttons_of(offer)[1]), ALEX, "pause_time")
    second = act(ActionAnswerFreeText(), domain, "in 90 minutes", "content", SAM)
    assert texts(second)[0].startswith("Sam suggests ")
    assert "instead. Alex, does that work for you?" in texts(second)[0]
    stale = press(ActionAcceptPauseTime(), domain, ref(buttons_of(first)[0]), SAM, "pause_accept")
    assert texts(stale) == ["There's a newer suggestion; please answer that one."]
    assert the_pause().status == "proposed"
    agreed = press(
        ActionAcceptPauseTime(), domain, ref(buttons_of(second)[0]), ALEX, "pause_accept"
    )
    assert texts(agreed)[0].startswith("Agreed by both of you")
    pause = the_pause()
    assert pause.resume_at is not None
    assert pause.resume_at.isoformat() == pause.proposals[-1]["when"]


def test_a_short_break_gets_one_line_why_and_the_choice_to_keep_it(database, domain):
    form_couple(domain)
    start(domain)
    note = act(ActionAnswerFreeText(), domain, "in 5 minutes", "content", ALEX)
    assert re.match(r"(Today|Tomorrow) at \S+ \(in 5 minutes\) is a short break", texts(note)[0])
    assert "your body usually needs at least 20 minutes to calm down" in texts(note)[0]
    assert "flooded" not in texts(note)[0]  # plain words, no jargon
    keep, longer = buttons_of(note)
    assert (keep["title"], longer["title"]) == ("Keep it", "Make it 20 minutes")
    assert the_pause().proposals == []
    assert texts(press(ActionKeepPauseTime(), domain, ref(keep), SAM, "pause_keep")) == [
        "That's Alex's choice; you can suggest another time."
    ]
    kept = press(ActionKeepPauseTime(), domain, ref(keep), ALEX, "pause_keep")
    assert texts(kept)[0].startswith("Alex suggests coming back ")
    assert "(in 5 minutes)" in texts(kept)[0]


def test_make_it_twenty_minutes_needs_no_second_question(database, domain):
    form_couple(domain)
    start(domain)
    note = act(ActionAnswerFreeText(), domain, "in 2 minutes", "content", ALEX)
    longer = buttons_of(note)[1]
    proposal = press(ActionChoosePauseTime(), domain, ref(longer), ALEX, "pause_time")
    assert "(in 20 minutes)" in texts(proposal)[0]


def test_more_than_a_day_away_asks_to_confirm(database, domain):
    form_couple(domain)
    start(domain)
    note = act(ActionAnswerFreeText(), domain, "in 30 hours", "content", SAM)
    assert texts(note)[0].startswith("That's more than a day away:")
    sure, other = buttons_of(note)
    again = press(ActionOtherPauseTime(), domain, ref(other), SAM, "pause_other")
    assert texts(again) == ["Which time would suit you better? Pick one, or type a time."]
    kept = press(ActionKeepPauseTime(), domain, ref(sure), SAM, "pause_keep")
    assert texts(kept)[0].startswith("Sam suggests coming back")


def test_a_time_named_in_the_request_itself_is_the_askers_proposal(database, domain):
    form_couple(domain)
    messages = start(domain, SAM, "I need a break, let's come back in 30 minutes")
    shown = texts(messages)
    assert shown[0].startswith("Pausing here.")
    assert shown[1].startswith("Sam suggests coming back ")


def test_no_time_zone_yet_asks_for_it_first_then_continues(database, domain):
    form_couple(domain, zone=None)
    assert len(pending("timezone_reminder")) == 1
    messages = start(domain)
    assert "I need your time zone first" in texts(messages)[0]
    assert pending("timezone_reminder") == []  # the pause's own reminder says it once
    assert len(pending("pause_reminder")) == 1
    tz_buttons = buttons_of(messages)
    assert tz_buttons[0] == {
        "title": "London",
        "payload": '/pause_timezone{"timezone":"Europe/London"}',
    }
    assert act(ActionAnswerFreeText(), domain, "in 45 minutes", "content", SAM) == []
    answer = press(
        ActionPauseTimezone(), domain, {"timezone": "Europe/London"}, SAM, "pause_timezone"
    )
    assert texts(answer)[0].startswith("Time zone set to Europe/London.")
    assert texts(answer)[1].startswith("When would you like to come back?")
    assert buttons_of(answer)[0]["title"] == "In 20 minutes"
    with transaction() as session:
        assert couple_for_group(GROUP, session=session).timezone == "Europe/London"


def test_a_typed_city_answers_the_pauses_time_zone_question(database, domain):
    form_couple(domain, zone=None)
    start(domain)
    answer = act(ActionAnswerFreeText(), domain, "we're in Berlin", "content", SAM)
    assert texts(answer)[0].startswith("Time zone set to Europe/Berlin.")
    assert texts(answer)[1].startswith("When would you like to come back?")


def test_a_reminder_comes_once_while_no_time_is_agreed(database, domain):
    form_couple(domain)
    offer = start(domain)
    press(ActionChoosePauseTime(), domain, ref(buttons_of(offer)[1]), ALEX, "pause_time")
    reminder = fire(domain, "pause_reminder")
    assert texts(reminder)[0].startswith("A gentle reminder: Alex suggested coming back")
    assert buttons_of(reminder)[0]["title"] == "Yes, that works"
    assert fire(domain, "pause_reminder") == []  # only one


def test_no_reminder_once_agreed(database, domain):
    form_couple(domain)
    start(domain)
    with transaction() as session:
        [reminder] = timers.pending("pause_reminder", GROUP, session=session)
        reminder_id = reminder.id
    agree_in_20_minutes_after_start(domain)
    with transaction() as session:
        assert session.get(Timer, reminder_id).status == "cancelled"


# -- coming back ----------------------------------------------------------------------------


def test_at_the_agreed_time_both_ready_restores_the_flow_exactly(database, domain, floor):
    form_couple(domain)
    with transaction() as session:
        floor.running.add(couple_for_group(GROUP, session=session).id)
    agree_in_20_minutes(domain)
    asked = fire(domain, "pause_resume")
    assert texts(asked) == [
        "Welcome back. It's the time you agreed. Ready to continue your exercise on money? "
        "Press Ready, both of you, when you are."
    ]
    assert fire(domain, "pause_resume") == []  # exactly once
    ready, not_yet = buttons_of(asked)
    first = press(ActionPauseReady(), domain, ref(ready), SAM, "pause_ready")
    assert texts(first) == ["Noted.", "Sam is ready. Alex, press Ready whenever you are."]
    assert {"keep_keyboard": True} in customs(first)
    again = press(ActionPauseReady(), domain, ref(ready), SAM, "pause_ready")
    assert texts(again) == ["You're ready; waiting for Alex."]
    both = press(ActionPauseReady(), domain, ref(ready), ALEX, "pause_ready")
    assert texts(both) == ["You're both back.", "Alex, the floor is yours: 3:03 left."]
    assert floor.restored == [{"speaker": "Alex", "remaining_seconds": 183.5, "round": 1}]
    pause = the_pause()
    assert pause.status == "resumed" and pause.resumed_at is not None
    assert pending("pause_follow_up") == []
    late = press(ActionPauseReady(), domain, ref(ready), SAM, "pause_ready")
    assert texts(late) == ["This pause has already ended."]
    late_no = press(ActionPauseNotYet(), domain, ref(not_yet), SAM, "pause_not_yet")
    assert texts(late_no) == ["This pause has already ended."]
    assert len(floor.restored) == 1


def test_not_yet_chooses_a_new_time_once(database, domain):
    form_couple(domain)
    agree_in_20_minutes(domain)
    asked = fire(domain, "pause_resume")
    again = press(ActionPauseNotYet(), domain, ref(buttons_of(asked)[1]), ALEX, "pause_not_yet")
    assert (
        texts(again)[0]
        == "That's okay. Let's choose a new time to come back. Pick one, or type a time."
    )
    pause = the_pause()
    assert (pause.status, pause.reschedules) == ("rescheduled", 1)
    assert len(pending("pause_reminder")) == 1 and pending("pause_follow_up") == []
    proposal = act(ActionAnswerFreeText(), domain, "in 1 hour", "content", SAM)
    press(ActionAcceptPauseTime(), domain, ref(buttons_of(proposal)[0]), ALEX, "pause_accept")
    assert the_pause().status == "agreed"
    asked_again = fire(domain, "pause_resume")
    final = act(ActionAnswerFreeText(), domain, "not yet", "deny", SAM)
    assert texts(final) == [
        "I'll leave it here for now. When you're both ready, /resume brings you back to "
        "your conversation."
    ]
    assert buttons_of(asked_again)
    assert the_pause().status == "missed"


def test_nobody_answering_gets_one_follow_up_then_missed(database, domain):
    form_couple(domain)
    agree_in_20_minutes(domain)
    fire(domain, "pause_resume")
    follow = fire(domain, "pause_follow_up")
    assert texts(follow)[0].startswith("Just checking in, no rush")
    assert the_pause().status == "agreed"
    missed = fire(domain, "pause_follow_up")
    assert texts(missed)[0].startswith("I'll leave it here for now.")
    assert the_pause().status == "missed"
    assert fire(domain, "pause_follow_up") == []
    # /resume later still brings them back, with the other's agreement.
    early = act(ActionResume(), domain, "/resume", "resume", ALEX)
    assert texts(early)[0].startswith("Alex would like to continue your conversation now.")
    back = act(ActionResume(), domain, "/resume", "resume", SAM)
    assert texts(back)[0].startswith("You're both back.")
    assert the_pause().status == "resumed"


def test_resume_early_needs_the_others_agreement(database, domain, floor):
    form_couple(domain)
    with transaction() as session:
        floor.running.add(couple_for_group(GROUP, session=session).id)
    agree_in_20_minutes(domain)
    ask = act(ActionResume(), domain, "/resume", "resume", ALEX)
    assert texts(ask)[0].startswith(
        "Alex would like to continue your exercise on money now instead of "
    )
    assert texts(ask)[0].endswith(" (in 20 minutes). Sam, are you ready too?")
    assert texts(act(ActionResume(), domain, "/resume", "resume", ALEX)) == [
        "Noted. Waiting for Sam."
    ]
    no = press(ActionPauseNotYet(), domain, ref(buttons_of(ask)[1]), SAM, "pause_not_yet")
    assert texts(no)[0].startswith("Okay, we keep the time you agreed: ")
    assert the_pause().status == "agreed" and floor.restored == []
    act(ActionResume(), domain, "/resume", "resume", SAM)
    yes = act(ActionAnswerFreeText(), domain, "yes", "affirm", ALEX)
    assert texts(yes)[0].startswith("You're both back.")
    assert floor.restored and the_pause().status == "resumed"
    assert pending("pause_resume") == []  # the agreed time will not ask again


def test_resume_with_nothing_paused(database, domain):
    form_couple(domain)
    assert texts(act(ActionResume(), domain, "/resume", "resume", SAM)) == [
        "Nothing is paused right now."
    ]
    # Words that sound like resuming are everyday talk when nothing is paused.
    assert act(ActionResume(), domain, "we keep going back to the same fight", "resume", SAM) == []


def test_a_button_of_another_couples_or_unknown_pause_is_answered_kindly(database, domain):
    form_couple(domain)
    start(domain)
    for payload in ({"pause_ref": "999.m20"}, {"pause_ref": "nonsense"}, {}):
        messages = press(ActionChoosePauseTime(), domain, payload, ALEX, "pause_time")
        assert texts(messages) == ["This pause has already ended."]


def test_cancel_during_a_pause_cancels_it_and_its_timers(database, domain, floor):
    form_couple(domain)
    agree_in_20_minutes(domain)
    messages = act(ActionCancel(), domain, "/cancel", "cancel", SAM)
    assert "The pause is cancelled." in texts(messages)
    assert the_pause().status == "cancelled"
    assert pending("pause_resume") == []
    assert fire(domain, "pause_resume") == []


def test_the_export_has_the_pause_with_its_proposals_and_agreement(database, domain):
    form_couple(domain)
    agree_in_20_minutes(domain)
    messages = act(ActionExportData(), domain, "/export_data", "export_data", SAM)
    data = exported(messages)
    [pause] = data["pauses"]
    partner_ids = [p["id"] for p in data["partners"]]
    assert pause["status"] == "agreed"
    assert pause["requested_by_id"] == partner_ids[0]
    assert [p["by"] for p in pause["proposals"]] == [partner_ids[0]]
    assert pause["agreed_by"] == partner_ids
    assert pause["resume_at"] == pause["proposals"][0]["when"]
    waited = datetime.fromisoformat(pause["resume_at"]) - datetime.fromisoformat(
        pause["requested_at"]
    )
    assert timedelta(minutes=20) <= waited < timedelta(minutes=21)


def test_the_action_server_registers_every_pause_action_in_the_domain(domain):
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(domain["actions"]) - set(executor.actions) == set()


def test_a_lone_pause_symbol_pauses_and_a_play_symbol_resumes(database, domain, floor):
    form_couple(domain)
    with transaction() as session:
        floor.running.add(couple_for_group(GROUP, session=session).id)
    paused = act(ActionAnswerFreeText(), domain, "⏸️", "nlu_fallback", ALEX, confidence=0.4)
    assert texts(paused)[0] == "Alex's turn is on hold: 3:03 left."
    assert the_pause().status == "proposed"
    asked = act(ActionAnswerFreeText(), domain, "▶️", "nlu_fallback", SAM, confidence=0.4)
    assert texts(asked)[0].startswith("Sam would like to continue your exercise on money now.")
    back = act(ActionAnswerFreeText(), domain, "▶", "nlu_fallback", ALEX, confidence=0.4)
    assert texts(back) == ["You're both back.", "Alex, the floor is yours: 3:03 left."]
    assert act(ActionAnswerFreeText(), domain, "▶️", "resume", ALEX) == []  # nothing paused
