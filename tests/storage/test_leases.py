"""Several workers: inbox rows with an owner and a lease, timer claims kept by a heartbeat
(run on SQLite, and on PostgreSQL in the --services pass)."""

from __future__ import annotations

import json
from datetime import timedelta

from storage import inbox, timers
from storage.engine import transaction
from storage.enums import InboxStatus, TimerStatus
from storage.models import InboxUpdate, Timer, utc_now

CHAT = -100777


def record(update_id: int, owner: str, lease_seconds: float = 60, chat: int = CHAT) -> None:
    with transaction() as session:
        inbox.record(
            update_id,
            chat,
            json.dumps({"update_id": update_id}),
            session=session,
            owner=owner,
            lease_until=utc_now() + timedelta(seconds=lease_seconds),
        )


def test_only_rows_whose_lease_ran_out_are_taken_over(database):
    record(1, "a", lease_seconds=60)
    record(2, "dead", lease_seconds=-1)
    later = utc_now() + timedelta(seconds=60)
    with transaction() as session:
        taken = inbox.take_expired(worker="b", lease_until=later, session=session)
    assert [row.update_id for row in taken] == [2]
    assert taken[0].raw == {"update_id": 2}
    with transaction() as session:
        assert session.get(InboxUpdate, 2).owner == "b"
        assert session.get(InboxUpdate, 1).owner == "a"
        # Taken now: not taken again while b renews it.
        assert inbox.take_expired(worker="c", lease_until=later, session=session) == []


def test_a_restarted_worker_takes_back_its_own_rows_at_once(database):
    record(1, "a")
    record(2, "other")
    with transaction() as session:
        taken = inbox.take_expired(
            worker="a", lease_until=utc_now(), own_too=True, session=session
        )
    assert [row.update_id for row in taken] == [1]


def test_the_heartbeat_keeps_a_workers_rows_and_claims_its_own(database):
    record(1, "a", lease_seconds=1)
    record(2, "a", lease_seconds=1)
    with transaction() as session:
        inbox.mark_done(2, session=session)
        timer = timers.schedule("k", CHAT, utc_now() - timedelta(seconds=1), session=session)
    with transaction() as session:
        [claimed] = timers.claim_due(session=session, worker="a")
    assert claimed.id == timer.id
    much_later = utc_now() + timers.stale_claim() * 2
    with transaction() as session:
        assert inbox.renew_leases("a", much_later + timedelta(seconds=60), session=session) == 1
        assert timers.renew_claims_of("a", session=session, now=much_later) == 1
    with transaction() as session:
        # Renewed: at that later moment neither is free for another worker.
        assert inbox.take_expired(
            worker="b", lease_until=much_later, now=much_later, session=session
        ) == []
        assert timers.claim_due(session=session, worker="b", now=much_later) == []
        assert session.get(Timer, timer.id).status == TimerStatus.FIRING


def test_begin_takes_the_chats_older_unfinished_updates_first(database):
    record(1, "a")
    record(2, "b")
    record(3, "a", chat=CHAT + 1)  # another chat: not this one's business
    record(4, "b")
    with transaction() as session:
        inbox.mark_done(2, session=session)
    lease = utc_now() + timedelta(seconds=60)
    with transaction() as session:
        begun = inbox.begin(4, CHAT, worker="b", lease_until=lease, session=session)
    assert [row.update_id for row in begun.earlier] == [1]
    assert not begun.finished and begun.journal is None
    with transaction() as session:
        assert session.get(InboxUpdate, 1).owner == "b"
        inbox.mark_done(4, session=session)
    with transaction() as session:
        again = inbox.begin(4, CHAT, worker="a", lease_until=lease, session=session)
        assert again.finished  # done by another worker: its receiver skips it
        assert session.get(InboxUpdate, 4).status == InboxStatus.DONE


def test_begin_without_taking_reads_the_same_and_changes_nothing(database):
    """What the bot does while the database refuses writes (bot/relay.py `_begin`)."""
    record(1, "a")
    record(4, "b")
    lease = utc_now() + timedelta(seconds=60)
    with transaction() as session:
        begun = inbox.begin(4, CHAT, worker="c", lease_until=lease, session=session, take=False)
        assert [row.update_id for row in begun.earlier] == [1]
        assert not begun.finished and begun.journal is None
        assert not session.dirty  # nothing to write: it commits under a writer's lock
    with transaction() as session:
        assert [session.get(InboxUpdate, i).owner for i in (1, 4)] == ["a", "b"]
