"""Joining, time zone, consent and export actions, run as the action server runs them."""

from __future__ import annotations

import json
from functools import partial

from actions.core.timers import ActionFireTimer
from actions.general.help import ActionAnswerFreeText
from actions.joining.actions import (
    ActionGiveConsent,
    ActionJoinCouple,
    ActionSetTimezone,
    ActionStart,
)
from actions.privacy.export import ActionExportData
from storage import timers
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.models import Timer, utc_now
from tests.conftest import EXPECTED_EXPORT_KEYS
from tests.support import factories
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100500
form_couple = partial(factories.form_couple, group=GROUP)  # Alex (1) and Sam (2)


def press_join(domain, user_id: int, name: str) -> list[dict]:
    tracker = build_tracker(
        GROUP, "/join_couple", "join_couple", user_id=user_id, first_name=name, is_callback=True
    )
    return run_action(ActionJoinCouple(), tracker, domain)


def test_start_in_a_group_introduces_the_bot_with_an_im_in_button(database, domain):
    messages = run_action(ActionStart(), build_tracker(GROUP, "/start", "start"), domain)
    assert "not therapy" in messages[0]["text"]
    assert messages[0]["buttons"] == [{"title": "I'm in", "payload": "/join_couple"}]


def test_start_tells_how_to_fix_privacy_mode_when_the_bot_cannot_see_messages(database, domain):
    tracker = build_tracker(GROUP, "/start", "start", sees_all_messages=False)
    assert any("/setprivacy" in text for text in texts(run_action(ActionStart(), tracker, domain)))


def test_the_first_presser_waits_and_the_keyboard_stays_open(database, domain):
    messages = press_join(domain, 1, "Alex")
    customs = [m["custom"]["telegram"] for m in messages if m.get("custom")]
    assert {"keep_keyboard": True} in customs
    assert "Alex is in" in texts(messages)[-1]


def test_the_second_presser_completes_the_couple_asks_time_zone_and_schedules_reminder(
    database, domain
):
    messages = form_couple(domain)
    shown = " ".join(texts(messages))
    assert "Alex and Sam, you're set" in shown
    assert "time zone" in shown
    assert any(m.get("buttons") and "set_timezone" in m["buttons"][0]["payload"] for m in messages)
    assert "https://t.me/TalkingStickBot?start=consent" in shown
    with transaction() as session:
        assert [t.kind for t in timers.pending("timezone_reminder", GROUP, session=session)] == [
            "timezone_reminder"
        ]


def test_a_third_person_is_told_kindly_and_never_joins(database, domain):
    form_couple(domain)
    messages = press_join(domain, 3, "Robin")
    assert texts(messages) == ["This group already has its two partners."]
    with transaction() as session:
        names = [p.first_name for p in couple_for_group(GROUP, session=session).partners]
    assert names == ["Alex", "Sam"]


def test_an_observer_cannot_export_the_couples_data(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=3, first_name="Robin")
    messages = run_action(ActionExportData(), tracker, domain)
    assert not any((m.get("custom") or {}).get("telegram", {}).get("document") for m in messages)
    assert texts(messages) == ["This group's couple is complete. I'll stay out of your way."]


def test_a_typed_city_sets_the_time_zone_and_cancels_the_reminder(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "We're in Berlin", "content", user_id=2, first_name="Sam")
    assert texts(run_action(ActionAnswerFreeText(), tracker, domain)) == [
        "Time zone set to Europe/Berlin. You can change it any time with /timezone."
    ]
    with transaction() as session:
        assert couple_for_group(GROUP, session=session).timezone == "Europe/Berlin"
        assert timers.pending("timezone_reminder", GROUP, session=session) == []


def test_ordinary_chat_is_not_taken_as_a_time_zone_and_gets_no_answer(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "did you feed the cat", "content", user_id=2)
    assert run_action(ActionAnswerFreeText(), tracker, domain) == []


def test_time_zone_button(database, domain):
    form_couple(domain)
    tracker = build_tracker(
        GROUP,
        '/set_timezone{"timezone":"America/Chicago"}',
        "set_timezone",
        user_id=1,
        entities={"timezone": "America/Chicago"},
        is_callback=True,
    )
    assert "America/Chicago" in texts(run_action(ActionSetTimezone(), tracker, domain))[0]


def test_export_has_the_documented_keys_and_the_partners(database, domain):
    form_couple(domain)
    tracker = build_tracker(GROUP, "/export_data", "export_data", user_id=1)
    messages = run_action(ActionExportData(), tracker, domain)
    document = messages[0]["custom"]["telegram"]["document"]
    data = json.loads(document["content"])
    assert list(data) == EXPECTED_EXPORT_KEYS
    assert [p["first_name"] for p in data["partners"]] == ["Alex", "Sam"]
    assert data["couple"]["formed_at"].endswith("+00:00")
    assert document["file_name"].endswith(".json")


def test_consent_in_private_is_saved_with_its_time(database, domain):
    form_couple(domain)
    tracker = build_tracker(1, "/give_consent", "give_consent", user_id=1, chat_type="private")
    assert "consent is saved" in texts(run_action(ActionGiveConsent(), tracker, domain))[0]
    with transaction() as session:
        alex, sam = couple_for_group(GROUP, session=session).partners
        assert alex.consented_at is not None and sam.consented_at is None


def test_timer_reminds_once_only_while_no_time_zone_is_set(database, domain):
    form_couple(domain)
    with transaction() as session:
        timer = timers.pending("timezone_reminder", GROUP, session=session)[0]
        timer.due_at = utc_now()
    with transaction() as session:
        [claimed] = timers.claim_due(session=session)
    tracker = build_tracker(
        GROUP, "", "EXTERNAL_timer_due", user_id=None, entities={"timer_id": claimed.id}
    )
    assert "gentle reminder" in texts(run_action(ActionFireTimer(), tracker, domain))[0]
    # A timer that is not claimed (e.g. named by someone else) does nothing.
    with transaction() as session:
        session.get(Timer, claimed.id).status = "fired"
    assert run_action(ActionFireTimer(), tracker, domain) == []
