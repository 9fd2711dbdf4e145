"""The floor clock with an injected clock: pause, resume, late firing, without sleeping."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from actions.core.flows import cancel_running, restore, running_flow, suspend_running
from actions.round_robin import turns as rules
from actions.round_robin.floor import HEADS_UP, TURN_END, pass_floor, start_round
from storage import rounds
from storage.couples import couple_for_group, join
from storage.engine import transaction
from storage.models import Timer, Turn

GROUP = -100800
T0 = datetime(2025, 3, 1, 20, 0, tzinfo=timezone.utc)


@pytest.fixture
def couple_id(database, monkeypatch):
    monkeypatch.delenv("TURN_SECONDS", raising=False)
    with transaction() as session:
        join(GROUP, 1, "Alex", session=session)
        join(GROUP, 2, "Sam", session=session)
        couple = couple_for_group(GROUP, session=session)
        start_round(couple, couple.partners[0], rules.Options(), T0, session)
        return couple.id


def timers_due(session) -> dict[str, list[datetime]]:
    due: dict[str, list[datetime]] = {}
    for kind, at in session.execute(
        select(Timer.kind, Timer.due_at).where(Timer.status == "pending").order_by(Timer.due_at)
    ):
        due.setdefault(kind, []).append(at)
    return due


def test_a_pause_keeps_exactly_the_floor_time_left(couple_id):
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        assert running_flow(couple, session).name == "round_robin"
        suspended = suspend_running(couple, session, T0 + timedelta(seconds=100))
        assert suspended.flow == "round_robin"
        assert timers_due(session) == {}
        turn = session.execute(select(Turn)).scalar_one()
        assert (turn.status, turn.remaining_seconds, turn.seconds_held) == ("paused", 200.0, 100.0)
        assert running_flow(couple, session) is None
    with transaction() as session:  # two hours later
        couple = couple_for_group(GROUP, session=session)
        back = T0 + timedelta(hours=2)
        replies = restore(couple, suspended.flow, suspended.state, session, back)
        assert replies[0].values["duration"] == "3 min 20 s"
        assert timers_due(session) == {
            HEADS_UP: [back + timedelta(seconds=140)],
            TURN_END: [back + timedelta(seconds=200)],
        }
        # Restoring twice changes nothing (e.g. both partners said "ready").
        assert restore(couple, suspended.flow, suspended.state, session, back) == []


def test_a_pause_after_the_heads_up_moment_schedules_no_second_heads_up(couple_id):
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        turn = session.execute(select(Turn)).scalar_one()
        turn.state = {**turn.state, "heads_up_sent": True}
        suspended = suspend_running(couple, session, T0 + timedelta(seconds=250))
        back = T0 + timedelta(seconds=900)
        restore(couple, suspended.flow, suspended.state, session, back)
        assert timers_due(session) == {TURN_END: [back + timedelta(seconds=50)]}


def test_a_time_up_fired_late_counts_only_the_planned_time(couple_id):
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        round_ = rounds.active_round(couple_id, session=session)
        turn = rounds.current_turn(round_.id, session=session)
        late = T0 + timedelta(seconds=300 + 45)  # the bot was down at the due moment
        pass_floor(couple, round_, turn, "time", late, session)
        assert (turn.seconds_held, turn.ended_at, turn.ended_by) == (300.0, late, "time")
        following = rounds.current_turn(round_.id, session=session)
        assert following.started_at == late  # the next floor starts when it is handed over
        assert timers_due(session)[TURN_END] == [late + timedelta(seconds=300)]


def test_cancel_while_paused_ends_the_round_as_cancelled(couple_id):
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        suspend_running(couple, session, T0 + timedelta(seconds=30))
        replies = cancel_running(couple, session, T0 + timedelta(seconds=90))
        assert replies[0].response == "utter_round_robin_cancelled"
        turn = session.execute(select(Turn)).scalar_one()
        assert (turn.status, turn.ended_by, turn.seconds_held) == ("done", "cancel", 30.0)
        assert rounds.active_round(couple_id, session=session) is None
