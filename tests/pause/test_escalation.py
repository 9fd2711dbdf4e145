"""The couple's escalation steps (/escalation) and the third-party suggestion, saved once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from actions.general.cancel import ActionCancel
from actions.general.help import ActionAnswerFreeText
from actions.pause.actions import ActionPauseReady
from actions.pause.escalation import (
    ActionAddEscalationStep,
    ActionRemoveEscalationStep,
    ActionSetEscalationThreshold,
    ActionShowEscalation,
    ActionThirdPartyChoice,
)
from actions.privacy.export import ActionExportData
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.models import Escalation, utc_now
from tests.pause.test_actions import (
    ALEX,
    GROUP,
    ROBIN,
    SAM,
    FloorFlow,
    act,
    agree_in_20_minutes,
    buttons_of,
    fire,
    form_couple,
    install_floor_flow,
    pending,
    press,
    ref,
)
from tests.support.couples import exported
from tests.support.trackers import build_tracker, run_action, texts

THIRD_PARTY = "third_party_follow_up"


@pytest.fixture
def money(monkeypatch: pytest.MonkeyPatch, domain: dict) -> FloorFlow:
    """The test-only floor flow: its topic is "money"."""
    return install_floor_flow(monkeypatch, domain)


def show(domain: dict, user: int = SAM) -> list[dict]:
    return act(ActionShowEscalation(), domain, "/show_escalation", "show_escalation", user)


def escalations() -> list[tuple]:
    with transaction() as session:
        return [
            (row.topic, row.pause_count, row.suggestion_made_at is not None, row.choice)
            for row in session.execute(select(Escalation).order_by(Escalation.id)).scalars()
        ]


def pause_on_money(domain: dict, money: FloorFlow) -> list[dict]:
    with transaction() as session:
        money.running.add(couple_for_group(GROUP, session=session).id)
    agreed = agree_in_20_minutes(domain)
    act(ActionCancel(), domain, "/cancel", "cancel", SAM)  # end it, so the next can start
    return agreed


def test_escalation_shows_the_written_steps_with_buttons(database, domain):
    form_couple(domain)
    messages = show(domain)
    text = texts(messages)[0]
    assert text.splitlines()[:4] == [
        "Your escalation steps:",
        '1. Either of you can pause at any moment: /pause, or say "I need a break".',
        "2. You agree together on a time to come back, at least 20 minutes later.",
        "3. At that time I bring you back to exactly where you were.",
    ]
    assert text.splitlines()[4].startswith("4. After 2 pauses on the same topic, I suggest")
    assert "counsellor" in text and "mediator" in text and "mentor" in text
    titles = [b["title"] for b in buttons_of(messages)]
    assert titles == [
        "After 1 pause",
        "After 2 pauses ✓",
        "After 3 pauses",
        "After 4 pauses",
        "After 5 pauses",
        "Add our own step",
    ]
    assert all(len(b["payload"].encode()) <= 64 for b in buttons_of(messages))


def test_the_couple_changes_the_number_of_pauses(database, domain):
    form_couple(domain)
    three = buttons_of(show(domain))[2]
    saved = press(
        ActionSetEscalationThreshold(), domain, ref_of(three), ALEX, "set_escalation_threshold"
    )
    assert texts(saved) == [
        "Saved: after 3 pauses on the same topic, I'll suggest a neutral third party."
    ]
    assert "4. After 3 pauses on the same topic" in texts(show(domain))[0]
    assert "After 3 pauses ✓" in [b["title"] for b in buttons_of(show(domain))]
    nonsense = press(
        ActionSetEscalationThreshold(),
        domain,
        {"escalation_ref": "99"},
        ALEX,
        "set_escalation_threshold",
    )
    assert texts(nonsense) == ["Please press one of the numbers."]
    with transaction() as session:
        assert couple_for_group(GROUP, session=session).escalation_threshold == 3


def ref_of(button: dict[str, str]) -> dict[str, str]:
    return json.loads(button["payload"][button["payload"].index("{") :])


def test_the_couple_adds_and_removes_their_own_step(database, domain):
    form_couple(domain)
    asked = act(ActionAddEscalationStep(), domain, "/add_escalation_step", "add_escalation_step",
                ALEX, is_callback=True)  # fmt: skip
    assert texts(asked)[0].startswith("Alex, what step would you like to add?")
    # Only the partner who pressed is asked; the other's chatter stays chatter.
    assert act(ActionAnswerFreeText(), domain, "did you feed the cat", "content", SAM) == []
    step = "We each take a <b>20-minute</b> walk before we talk again"
    saved = act(ActionAnswerFreeText(), domain, step, "content", ALEX)
    assert texts(saved) == [f"Added as your own step: {step}"]
    assert f"\n5. Your own step: {step}\n" in texts(show(domain))[0]
    assert act(ActionAnswerFreeText(), domain, "and another thing", "content", ALEX) == []
    titles = [b["title"] for b in buttons_of(show(domain))]
    assert titles[-2:] == ["Change our own step", "Remove our own step"]
    removed = act(ActionRemoveEscalationStep(), domain, "/remove_escalation_step",
                  "remove_escalation_step", SAM, is_callback=True)  # fmt: skip
    assert texts(removed) == ["Your own step is removed. /escalation shows your steps."]
    assert "5. Your own step" not in texts(show(domain))[0]


def test_a_very_long_own_step_is_kept_short(database, domain):
    form_couple(domain)
    act(ActionAddEscalationStep(), domain, "/add_escalation_step", "add_escalation_step", SAM)
    act(ActionAnswerFreeText(), domain, "walk " * 800, "content", SAM)
    with transaction() as session:
        own = couple_for_group(GROUP, session=session).escalation_own_step
    assert own is not None and len(own) <= 300 and own.endswith("…")


def test_escalation_outside_the_group_points_there(database, domain):
    form_couple(domain)
    tracker = build_tracker(SAM, "/show_escalation", "show_escalation", user_id=SAM,
                            chat_type="private")  # fmt: skip
    assert texts(run_action(ActionShowEscalation(), tracker, domain)) == [
        "Your escalation steps live in your couple's group: send /escalation there."
    ]


def test_an_observer_sees_no_steps(database, domain):
    form_couple(domain)
    assert texts(show(domain, ROBIN)) == [
        "This group's couple is complete. I'll stay out of your way."
    ]


def test_the_threshold_reached_on_a_topic_brings_one_kind_suggestion_saved(database, domain, money):
    form_couple(domain)
    first = pause_on_money(domain, money)
    assert len(texts(first)) == 1 and escalations() == []
    before = utc_now()
    second = pause_on_money(domain, money)
    # Nothing at the moment of the break: the suggestion waits for the next day (the
    # couple cancelled this pause, so there is no coming back to give it at).
    assert len(texts(second)) == 1 and texts(second)[0].startswith("Agreed by both of you")
    assert escalations() == []
    (later_timer,) = pending(THIRD_PARTY)
    assert later_timer.due_at >= before + timedelta(days=1)
    next_day = fire(domain, THIRD_PARTY)
    (suggestion,) = texts(next_day)
    assert suggestion.splitlines() == [
        'That was pause number 2 on "money", and your steps say: a neutral third party (a '
        "couples counsellor, a mediator, or a mentor you both trust) could help where I can't.",
        "To find one: ask your doctor, or search for couples counselling near you.",
    ]
    assert escalations() == [("money", 2, True, None)]
    look, have, later = buttons_of(next_day)
    assert [look["title"], have["title"], later["title"]] == [
        "We'll look for someone",
        "We already have someone",
        "Not now",
    ]
    chosen = press(ActionThirdPartyChoice(), domain, ref(look), SAM, "third_party")
    assert texts(chosen) == [
        "Saved: you'll look for someone. /escalation shows your steps any time."
    ]
    again = press(ActionThirdPartyChoice(), domain, ref(later), ALEX, "third_party")
    assert texts(again) == ["Your choice is already saved."]
    assert escalations() == [("money", 2, True, "look")]
    third = pause_on_money(domain, money)
    assert len(texts(third)) == 1  # made once per topic
    assert pending(THIRD_PARTY) == []
    assert escalations() == [("money", 3, True, "look")]
    export = act(ActionExportData(), domain, "/export_data", "export_data", SAM)
    data = exported(export)
    [row] = data["escalations"]
    assert (row["topic"], row["pause_count"], row["choice"]) == ("money", 3, "look")
    assert row["suggestion_made_at"].endswith("+00:00")


def test_coming_back_gives_the_suggestion_and_the_next_day_says_nothing_more(
    database, domain, money
):
    form_couple(domain)
    pause_on_money(domain, money)
    with transaction() as session:
        money.running.add(couple_for_group(GROUP, session=session).id)
    assert len(texts(agree_in_20_minutes(domain))) == 1  # the break itself: no advice
    back = fire(domain, "pause_resume")
    assert texts(back)[0].startswith("Welcome back.")
    press(ActionPauseReady(), domain, ref(buttons_of(back)[0]), ALEX, "pause_ready")
    both = press(ActionPauseReady(), domain, ref(buttons_of(back)[0]), SAM, "pause_ready")
    shown = texts(both)
    assert shown[0] == "You're both back."
    assert shown[1].startswith('That was pause number 2 on "money"')
    assert len(shown[1].splitlines()) == 2
    assert escalations() == [("money", 2, True, None)]
    assert fire(domain, THIRD_PARTY, at=utc_now() + timedelta(days=2)) == []


def test_pauses_on_other_topics_do_not_count(database, domain, money):
    form_couple(domain)
    pause_on_money(domain, money)
    agreed_without_topic = agree_in_20_minutes(domain)
    assert len(texts(agreed_without_topic)) == 1
    assert escalations() == []


def test_a_suggestion_button_of_another_couple_or_unknown_row_is_refused(database, domain):
    form_couple(domain)
    for value in ("999.look", "x.look", "1.nonsense", ""):
        messages = press(
            ActionThirdPartyChoice(), domain, {"escalation_ref": value}, SAM, "third_party"
        )
        assert texts(messages) == ["This suggestion is no longer open."]
