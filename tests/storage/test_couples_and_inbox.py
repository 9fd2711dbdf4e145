"""Couples (who may act) and the inbox (each update processed once)."""

from __future__ import annotations

import stat

import pytest

from storage import inbox, keyboards
from storage.couples import JoinResult, Role, join, role_in_group
from storage.engine import transaction

GROUP = -100123


def test_first_two_people_become_the_couple_and_the_third_is_an_observer(database):
    with transaction() as session:
        assert join(GROUP, 1, "Alex", session=session).result is JoinResult.JOINED
        assert join(GROUP, 1, "Alex", session=session).result is JoinResult.ALREADY_PARTNER
        formed = join(GROUP, 2, "Sam", session=session)
        assert formed.result is JoinResult.COUPLE_COMPLETE
        assert formed.couple.formed_at is not None
        assert join(GROUP, 3, "Robin", session=session).result is JoinResult.COUPLE_FULL
    with transaction() as session:
        assert role_in_group(GROUP, 1, session=session) is Role.PARTNER
        assert role_in_group(GROUP, 2, session=session) is Role.PARTNER
        assert role_in_group(GROUP, 3, session=session) is Role.OBSERVER
        assert role_in_group(-100999, 3, session=session) is Role.CANDIDATE


def test_a_partner_in_two_groups_is_a_partner_in_each_separately(database):
    with transaction() as session:
        join(GROUP, 1, "Alex", session=session)
        join(GROUP, 2, "Sam", session=session)
        join(-100777, 1, "Alex", session=session)
    with transaction() as session:
        assert role_in_group(-100777, 2, session=session) is Role.CANDIDATE


def test_an_update_delivered_twice_is_recorded_once_and_replayed_until_done(database):
    with transaction() as session:
        assert inbox.record(10, GROUP, '{"update_id": 10}', session=session)
        assert not inbox.record(10, GROUP, '{"update_id": 10}', session=session)
        assert inbox.record(11, GROUP, '{"update_id": 11}', session=session)
    with transaction() as session:
        inbox.mark_done(10, session=session)
    with transaction() as session:
        pending = inbox.unfinished(session=session)
        assert [row.update_id for row in pending] == [11]
        assert inbox.is_done(10, session=session)


def test_processed_updates_do_not_keep_their_text(database):
    with transaction() as session:
        inbox.record(12, GROUP, '{"text": "something private"}', session=session)
        inbox.mark_done(12, session=session)
    with transaction() as session:
        from storage.models import InboxUpdate

        assert session.get(InboxUpdate, 12).payload is None


def test_keyboards_close_once(database):
    with transaction() as session:
        assert not keyboards.is_closed(GROUP, 5, session=session)
        keyboards.close(GROUP, 5, session=session)
        keyboards.close(GROUP, 5, session=session)
    with transaction() as session:
        assert keyboards.is_closed(GROUP, 5, session=session)


@pytest.mark.sqlite_only
def test_database_file_is_readable_by_its_owner_only(database):
    mode = stat.S_IMODE(database.stat().st_mode)
    assert mode == 0o600
