"""Durable timers: scheduled rows, claimed once, even by competing dispatchers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from storage import timers
from storage.engine import transaction
from storage.models import Timer, utc_now


def test_due_timer_is_claimed_once_and_future_timer_not_at_all(database):
    now = utc_now()
    with transaction() as session:
        due = timers.schedule(
            "turn_end", -1, now - timedelta(seconds=1), {"turn": 7}, session=session
        ).id
        timers.schedule("turn_end", -1, now + timedelta(minutes=5), session=session)

    with transaction() as session:
        first = timers.claim_due(session=session, now=now)
    with transaction() as session:
        second = timers.claim_due(session=session, now=now)

    assert [(t.id, t.kind, t.payload) for t in first] == [(due, "turn_end", {"turn": 7})]
    assert second == []


def test_dispatchers_racing_in_parallel_claim_each_timer_exactly_once(database):
    now = utc_now()
    with transaction() as session:
        scheduled = {timers.schedule("reminder", -2, now, session=session).id for _ in range(40)}

    def claim_all() -> list[int]:
        ids: list[int] = []
        for _ in range(20):
            with transaction() as session:
                ids += [t.id for t in timers.claim_due(session=session, now=now, limit=3)]
        return ids

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda _: claim_all(), range(2)))
    claimed = results[0] + results[1]
    assert sorted(claimed) == sorted(scheduled)  # every timer once, none twice


def test_a_claim_left_by_a_dead_dispatcher_is_fired_again_after_a_while(database):
    now = utc_now()
    with transaction() as session:
        timer_id = timers.schedule("reminder", -3, now, session=session).id
    with transaction() as session:
        assert timers.claim_due(session=session, now=now)
    # The dispatcher died before marking it fired.
    with transaction() as session:
        assert timers.claim_due(session=session, now=now + timedelta(seconds=5)) == []
    with transaction() as session:
        again = timers.claim_due(session=session, now=now + timers.stale_claim() * 2)
    assert [t.id for t in again] == [timer_id]
    with transaction() as session:
        timers.mark_fired(timer_id, session=session)
        assert session.get(Timer, timer_id).attempts == 2


def test_cancelled_and_fired_timers_never_come_back(database):
    now = utc_now()
    with transaction() as session:
        cancelled = timers.schedule("reminder", -4, now, session=session).id
        fired = timers.schedule("reminder", -4, now, session=session).id
        assert timers.cancel(cancelled, session=session)
    with transaction() as session:
        assert [t.id for t in timers.claim_due(session=session, now=now)] == [fired]
        timers.mark_fired(fired, session=session)
    with transaction() as session:
        assert timers.claim_due(session=session, now=now + timedelta(hours=1)) == []
        assert timers.next_due_at(session=session) is None


def test_released_timer_is_claimed_again(database):
    now = utc_now()
    with transaction() as session:
        timer_id = timers.schedule("reminder", -5, now, session=session).id
    with transaction() as session:
        timers.claim_due(session=session, now=now)
        timers.release(timer_id, session=session)
    with transaction() as session:
        assert [t.id for t in timers.claim_due(session=session, now=now)] == [timer_id]


def test_a_restarted_worker_takes_back_its_own_claims_at_once_but_not_others(database):
    now = utc_now()
    with transaction() as session:
        mine = timers.schedule("turn_end", -6, now, session=session).id
        theirs = timers.schedule("turn_end", -6, now, session=session).id
    with transaction() as session:
        timers.claim_due(session=session, now=now, limit=1, worker="host-a:bot")
        timers.claim_due(session=session, now=now, limit=1, worker="host-b:bot")
    # host-a died mid-fire and starts again: its claim is due again right away.
    with transaction() as session:
        assert timers.release_claims_of("host-a:bot", session=session) == 1
    with transaction() as session:
        again = timers.claim_due(session=session, now=now, worker="host-a:bot")
    assert [t.id for t in again] == [mine]
    with transaction() as session:
        assert session.get(Timer, theirs).claimed_by == "host-b:bot"
