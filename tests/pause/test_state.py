"""The pause state machine, pure: proposals, agreement, coming back, timers, with a fake clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from actions.pause import state as machine
from actions.pause.state import Outcome, PauseState, Phase

ALEX, SAM = 1, 2
NOW = datetime(2024, 3, 13, 17, 30, tzinfo=timezone.utc)
MINIMUM = 1200


def minutes(count: float) -> datetime:
    return NOW + timedelta(minutes=count)


def fresh(**changes: object) -> PauseState:
    return PauseState(partners=(ALEX, SAM), **changes)  # type: ignore[arg-type]


def proposed(by: int = ALEX, at: float = 45) -> PauseState:
    step = machine.propose(fresh(), by, minutes(at), NOW, MINIMUM)
    assert step.outcome is Outcome.PROPOSED
    return step.state


def agreed(at: float = 45) -> PauseState:
    step = machine.accept(proposed(at=at), SAM, 1, NOW)
    assert step.outcome is Outcome.AGREED
    return step.state


def asking(at: float = 45) -> PauseState:
    state = agreed(at)
    step = machine.resume_due(state, minutes(at))
    assert step.outcome is Outcome.ASK_READY
    return step.state


# -- proposing ---------------------------------------------------------------------------


def test_a_proposal_waits_for_the_other_partner():
    state = proposed()
    assert state.status == "proposed" and state.phase is Phase.PROPOSING
    assert state.current is not None and state.current.by == ALEX
    assert state.resume_at is None and state.agreed_by == ()


def test_the_proposer_accepting_their_own_time_agrees_nothing():
    step = machine.accept(proposed(), ALEX, 1, NOW)
    assert step.outcome is Outcome.WAITING_FOR_OTHER
    assert step.state.status == "proposed"


def test_the_other_partner_accepting_agrees_the_time_for_both():
    state = agreed()
    assert state.status == "agreed" and state.phase is Phase.AGREED
    assert state.resume_at == minutes(45)
    assert state.agreed_by == (ALEX, SAM)
    assert state.agreed_at == NOW


def test_both_proposing_at_once_the_later_proposal_stands_and_needs_the_others_yes():
    state = proposed(ALEX, 45)
    step = machine.propose(state, SAM, minutes(90), NOW + timedelta(seconds=2), MINIMUM)
    assert step.outcome is Outcome.PROPOSED
    assert step.state.current is not None and step.state.current.by == SAM
    assert len(step.state.proposals) == 2
    stale = machine.accept(step.state, SAM, 1, NOW)  # Alex's older proposal's button
    assert stale.outcome is Outcome.STALE
    assert machine.accept(step.state, SAM, 2, NOW).outcome is Outcome.WAITING_FOR_OTHER
    final = machine.accept(step.state, ALEX, 2, NOW)
    assert final.outcome is Outcome.AGREED
    assert final.state.resume_at == minutes(90) and final.state.agreed_by == (SAM, ALEX)


def test_proposing_the_very_time_that_waits_for_you_is_a_yes():
    step = machine.propose(proposed(ALEX, 45), SAM, minutes(45.5), NOW, MINIMUM)
    assert step.outcome is Outcome.AGREED
    assert step.state.resume_at == minutes(45)


def test_the_same_partner_proposing_again_replaces_their_own_proposal():
    step = machine.propose(proposed(ALEX, 45), ALEX, minutes(60), NOW, MINIMUM)
    assert step.outcome is Outcome.PROPOSED
    assert step.state.current is not None and step.state.current.when == minutes(60)


def test_a_short_break_asks_its_proposer_first_and_keeping_it_makes_it_a_proposal():
    step = machine.propose(fresh(), ALEX, minutes(5), NOW, MINIMUM)
    assert step.outcome is Outcome.CONFIRM_SHORT
    assert step.state.current is None and step.state.unconfirmed is not None
    other = machine.keep_unconfirmed(step.state, SAM, NOW, MINIMUM)
    assert other.outcome is Outcome.WAITING_FOR_OTHER
    kept = machine.keep_unconfirmed(step.state, ALEX, NOW, MINIMUM)
    assert kept.outcome is Outcome.PROPOSED
    assert kept.state.current is not None and kept.state.current.when == minutes(5)
    assert kept.state.unconfirmed is None


def test_more_than_a_day_away_asks_for_confirmation():
    step = machine.propose(fresh(), SAM, NOW + timedelta(hours=30), NOW, MINIMUM)
    assert step.outcome is Outcome.CONFIRM_LONG
    assert machine.keep_unconfirmed(step.state, SAM, NOW, MINIMUM).outcome is Outcome.PROPOSED


def test_exactly_the_minimum_and_exactly_a_day_need_no_question():
    assert machine.propose(fresh(), ALEX, minutes(20), NOW, MINIMUM).outcome is Outcome.PROPOSED
    day = NOW + timedelta(days=1)
    assert machine.propose(fresh(), ALEX, day, NOW, MINIMUM).outcome is Outcome.PROPOSED


def test_keep_without_anything_to_keep_is_stale():
    assert machine.keep_unconfirmed(fresh(), ALEX, NOW, MINIMUM).outcome is Outcome.STALE


def test_a_time_in_the_past_is_refused():
    assert machine.propose(fresh(), ALEX, NOW, NOW, MINIMUM).outcome is Outcome.IN_PAST


def test_accepting_a_proposal_whose_time_has_passed_asks_again():
    step = machine.accept(proposed(at=45), SAM, 1, minutes(46))
    assert step.outcome is Outcome.IN_PAST
    assert step.state.current is None


def test_no_time_zone_yet_means_no_proposals_until_it_is_set():
    waiting = fresh(phase=Phase.TIMEZONE)
    assert machine.propose(waiting, ALEX, minutes(45), NOW, MINIMUM).outcome is (
        Outcome.NEEDS_TIMEZONE
    )
    step = machine.timezone_set(waiting)
    assert step.state.phase is Phase.PROPOSING
    assert machine.timezone_set(step.state).outcome is Outcome.NOTHING


def test_a_time_after_agreement_is_not_a_new_proposal():
    step = machine.propose(agreed(), ALEX, minutes(90), NOW, MINIMUM)
    assert step.outcome is Outcome.NOT_PROPOSING
    assert machine.accept(agreed(), SAM, 1, NOW).outcome is Outcome.STALE


# -- coming back ---------------------------------------------------------------------------


def test_the_resume_timer_asks_once_and_only_for_the_time_still_agreed():
    state = agreed()
    assert machine.resume_due(state, minutes(30)).outcome is Outcome.NOTHING  # an old time
    step = machine.resume_due(state, minutes(45))
    assert step.outcome is Outcome.ASK_READY and step.state.phase is Phase.ASKING
    assert machine.resume_due(step.state, minutes(45)).outcome is Outcome.NOTHING  # twice


def test_both_ready_resumes_and_one_ready_waits_for_the_other():
    first = machine.ready(asking(), SAM, minutes(46))
    assert first.outcome is Outcome.READY_NOTED
    assert machine.ready(first.state, SAM, minutes(46)).outcome is Outcome.ALREADY_READY
    both = machine.ready(first.state, ALEX, minutes(47))
    assert both.outcome is Outcome.RESUME
    assert both.state.status == "resumed" and both.state.resumed_at == minutes(47)
    assert machine.ready(both.state, ALEX, minutes(48)).outcome is Outcome.STALE


def test_not_yet_at_the_agreed_time_reschedules_once_then_leaves_it_open():
    step = machine.not_yet(asking(), ALEX)
    assert step.outcome is Outcome.RESCHEDULE
    state = step.state
    assert state.status == "rescheduled" and state.phase is Phase.PROPOSING
    assert state.reschedules == 1 and state.proposing_round == 2
    again = machine.propose(state, SAM, minutes(120), minutes(50), MINIMUM)
    again = machine.accept(again.state, ALEX, len(again.state.proposals), minutes(51))
    assert again.outcome is Outcome.AGREED and again.state.status == "agreed"
    second_ask = machine.resume_due(again.state, minutes(120)).state
    final = machine.not_yet(second_ask, SAM)
    assert final.outcome is Outcome.LEFT_OPEN
    assert final.state.status == "missed" and final.state.ended_reason == "not_yet_again"


def test_an_early_resume_needs_the_others_yes():
    step = machine.ready(agreed(), ALEX, minutes(10))
    assert step.outcome is Outcome.READY_NOTED and step.state.phase is Phase.AGREED
    declined = machine.not_yet(step.state, SAM)
    assert declined.outcome is Outcome.EARLY_DECLINED
    assert declined.state.ready == frozenset() and declined.state.phase is Phase.AGREED
    accepted = machine.ready(step.state, SAM, minutes(11))
    assert accepted.outcome is Outcome.RESUME and accepted.state.resumed_at == minutes(11)


def test_an_early_resume_works_before_any_time_was_agreed():
    step = machine.ready(proposed(), SAM, minutes(1))
    assert machine.ready(step.state, ALEX, minutes(2)).outcome is Outcome.RESUME
    waiting = machine.ready(fresh(phase=Phase.TIMEZONE), SAM, minutes(1))  # no zone needed
    assert machine.ready(waiting.state, ALEX, minutes(2)).outcome is Outcome.RESUME


def test_not_yet_with_nothing_asked_does_nothing():
    assert machine.not_yet(agreed(), ALEX).outcome is Outcome.NOTHING


def test_nobody_answering_gets_one_follow_up_then_the_pause_is_missed():
    state = asking()
    assert machine.follow_up(state, 2).outcome is Outcome.NOTHING  # out of order
    first = machine.follow_up(state, 1)
    assert first.outcome is Outcome.FOLLOW_UP
    assert machine.follow_up(first.state, 1).outcome is Outcome.NOTHING  # fired twice
    second = machine.follow_up(first.state, 2)
    assert second.outcome is Outcome.MISSED
    assert second.state.status == "missed" and second.state.ended_reason == "no_answer"


def test_a_follow_up_after_they_came_back_does_nothing():
    resumed = machine.ready(machine.ready(asking(), ALEX, NOW).state, SAM, NOW).state
    assert machine.follow_up(resumed, 1).outcome is Outcome.NOTHING


def test_a_missed_pause_can_still_be_resumed_by_both():
    missed = machine.follow_up(machine.follow_up(asking(), 1).state, 2).state
    first = machine.ready(missed, ALEX, minutes(100))
    assert first.outcome is Outcome.READY_NOTED
    assert machine.ready(first.state, SAM, minutes(101)).outcome is Outcome.RESUME


def test_one_reminder_per_proposing_phase_and_none_once_agreed():
    state = proposed()
    step = machine.remind(state, 1)
    assert step.outcome is Outcome.REMIND
    assert machine.remind(step.state, 1).outcome is Outcome.NOTHING
    assert machine.remind(agreed(), 1).outcome is Outcome.NOTHING
    rescheduled = machine.not_yet(asking(), ALEX).state
    assert machine.remind(rescheduled, 1).outcome is Outcome.NOTHING  # the old round's timer
    assert machine.remind(rescheduled, 2).outcome is Outcome.REMIND


def test_a_reminder_also_comes_while_the_time_zone_is_missing():
    assert machine.remind(fresh(phase=Phase.TIMEZONE), 1).outcome is Outcome.REMIND


def test_cancel_ends_an_open_pause_once():
    step = machine.cancel(proposed())
    assert step.outcome is Outcome.CANCELLED and step.state.status == "cancelled"
    assert machine.cancel(step.state).outcome is Outcome.NOTHING
    assert machine.ready(step.state, ALEX, NOW).outcome is Outcome.STALE
