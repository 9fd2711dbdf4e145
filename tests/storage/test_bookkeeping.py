"""The bot's bookkeeping: duplicate checks bounded in time, timers given up after a few
tries, old rows purged, a group's rows moving to its supergroup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage import inbox, keyboards, supergroups, timers
from storage.couples import couple_for_group, join
from storage.engine import transaction
from storage.models import ClosedKeyboard, InboxUpdate, Timer, utc_now
from storage.retention import purge_bookkeeping

GROUP = -100555
SUPERGROUP = -1000000000555


def test_a_redelivered_update_is_a_duplicate_but_an_id_reused_after_a_quiet_week_is_new(database):
    now = utc_now()
    with transaction() as session:
        assert inbox.record(41, GROUP, '{"update_id": 41}', session=session, now=now)
        inbox.mark_done(41, session=session)
    with transaction() as session:  # Telegram re-sends within a day: the same update
        assert not inbox.record(41, GROUP, "{}", session=session, now=now + timedelta(hours=23))
    later = now + timedelta(days=8)  # Telegram chose ids at random again: another update
    with transaction() as session:
        assert inbox.record(41, -100556, '{"update_id": 41, "new": 1}', session=session, now=later)
    with transaction() as session:
        row = session.get(InboxUpdate, 41)
        assert (row.status, row.chat_id, row.received_at) == ("pending", -100556, later)
        assert inbox.raw_update(row) == {"update_id": 41, "new": 1}
        assert [r.update_id for r in inbox.unfinished(session=session)] == [41]


def test_a_given_up_update_is_failed_not_done_and_never_replayed(database):
    with transaction() as session:
        inbox.record(42, GROUP, '{"text": "private words"}', session=session)
        inbox.mark_failed(42, session=session)
    with transaction() as session:
        row = session.get(InboxUpdate, 42)
        assert (row.status, row.payload) == ("failed", None)
        assert inbox.unfinished(session=session) == []


def test_a_failing_timer_is_tried_a_bounded_number_of_times_and_says_why(database, monkeypatch):
    monkeypatch.setenv("TIMER_MAX_ATTEMPTS", "3")
    now = utc_now()
    with transaction() as session:
        timer_id = timers.schedule("turn_end", GROUP, now, session=session).id
    with transaction() as session:
        assert [t.id for t in timers.claim_due(session=session, now=now)] == [timer_id]
    tries = []
    for _ in range(5):
        with transaction() as session:
            tries.append(timers.record_failure(timer_id, "OperationalError", session=session))
    assert tries == [True, True, False, False, False]
    with transaction() as session:
        row = session.get(Timer, timer_id)
        assert (row.status, row.attempts, row.last_error) == ("failed", 3, "OperationalError")
        assert timers.claim_due(session=session, now=now + timedelta(hours=1)) == []


def test_a_timer_whose_dispatcher_keeps_dying_is_given_up_not_claimed_forever(
    database, monkeypatch, caplog
):
    monkeypatch.setenv("TIMER_MAX_ATTEMPTS", "2")
    now = utc_now()
    with transaction() as session:
        timer_id = timers.schedule("turn_end", GROUP, now, session=session).id
    moment = now
    claims = []
    for _ in range(4):  # each claim goes stale: its dispatcher died mid-fire
        with transaction() as session:
            claims.append([t.id for t in timers.claim_due(session=session, now=moment)])
        moment += timers.stale_claim() + timedelta(seconds=1)
    assert claims == [[timer_id], [timer_id], [], []]
    with transaction() as session:
        assert session.get(Timer, timer_id).status == "failed"
    assert f"timer {timer_id} (turn_end) given up after 2 tries" in caplog.text


def test_timers_still_firing_here_are_not_claimed_again(database):
    now = utc_now()
    with transaction() as session:
        timer_id = timers.schedule("turn_end", GROUP, now, session=session).id
    with transaction() as session:
        timers.claim_due(session=session, now=now)
    stale = now + timers.stale_claim() + timedelta(seconds=1)
    with transaction() as session:
        assert timers.claim_due(session=session, now=stale, skip={timer_id}) == []
    with transaction() as session:
        assert session.get(Timer, timer_id).attempts == 1


def test_old_bookkeeping_is_purged_but_the_newest_timer_of_each_kind_stays(database):
    now = utc_now()
    old = now - timedelta(days=40)
    with transaction() as session:
        inbox.record(50, GROUP, "{}", session=session, now=old)
        inbox.mark_done(50, session=session)
        inbox.record(51, GROUP, "{}", session=session, now=old)  # unfinished: kept
        inbox.record(52, GROUP, "{}", session=session, now=now)
        inbox.mark_done(52, session=session)  # recent: kept (it still tells a duplicate)
        session.add(ClosedKeyboard(chat_id=GROUP, message_id=1, closed_at=old))
        keyboards.close(GROUP, 2, session=session)
        first = timers.schedule("safety_hold_notice", GROUP, old, session=session)
        second = timers.schedule("safety_hold_notice", GROUP, old, session=session)
        waiting = timers.schedule("turn_end", GROUP, old, session=session)
        first.status = second.status = "fired"
    with transaction() as session:
        counts = purge_bookkeeping(now, session=session)
    assert counts == {"inbox": 1, "keyboards": 1, "timers": 1}
    with transaction() as session:
        assert session.execute(select(InboxUpdate.update_id)).scalars().all() == [51, 52]
        assert keyboards.is_closed(GROUP, 2, session=session)
        left = session.execute(select(Timer.id).order_by(Timer.id)).scalars().all()
        assert left == [second.id, waiting.id]


def test_a_group_that_became_a_supergroup_takes_its_couple_and_rows_along(database):
    with transaction() as session:
        join(GROUP, 1, "Alex", session=session)
        join(GROUP, 2, "Sam", session=session)
        timers.schedule("turn_end", GROUP, utc_now(), session=session)
        inbox.record(60, GROUP, "{}", session=session)
    with transaction() as session:
        assert supergroups.move_chat(GROUP, SUPERGROUP, session=session) == 3
    with transaction() as session:  # told again (the other migration message): nothing left
        assert supergroups.move_chat(GROUP, SUPERGROUP, session=session) == 0
    with transaction() as session:
        assert couple_for_group(GROUP, session=session) is None
        couple = couple_for_group(SUPERGROUP, session=session)
        assert couple is not None and len(couple.partners) == 2
        assert timers.pending("turn_end", SUPERGROUP, session=session)
        assert session.get(InboxUpdate, 60).chat_id == SUPERGROUP


@pytest.mark.sqlite_only  # SQLite reuses a deleted row's id; PostgreSQL never does
def test_a_new_timer_with_a_reused_id_starts_with_an_empty_answer_journal(database):
    with transaction() as session:
        old = timers.schedule("turn_end", GROUP, utc_now(), session=session)
        assert inbox.begin_answer(inbox.timer_key(old.id), GROUP, session=session) is None
        inbox.store_answer(inbox.timer_key(old.id), [{"text": "old"}], session=session)
        reused = old.id
        session.delete(old)
    with transaction() as session:
        new = timers.schedule("purge_conversation", GROUP, utc_now(), session=session)
        assert new.id == reused  # SQLite hands out the largest id again
        assert inbox.journal(inbox.timer_key(new.id), session=session) is None
