"""The private safety check after consent: questions, private answers, danger and the hold."""

from __future__ import annotations

from functools import partial

from actions.core.timers import ActionFireTimer
from actions.joining.actions import ActionGiveConsent, ActionStart
from actions.safety.actions import ActionSafetyAnswer, ActionSafetyChoice, tell_group_about_hold
from actions.safety.check import QUESTIONS, answer_button
from storage import timers
from storage.engine import transaction
from storage.export import export_couple
from storage.models import Couple, SafetyCheck, SafetyEvent, Timer, utc_now
from tests.support import factories
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100800
ALEX, SAM = 21, 22
form_couple = partial(factories.form_couple, group=GROUP, partners=((ALEX, "Alex"), (SAM, "Sam")))


def consent(domain, user: int) -> list[dict]:
    tracker = build_tracker(
        user, "/give_consent", "give_consent", user_id=user, chat_type="private", is_callback=True
    )
    return run_action(ActionGiveConsent(), tracker, domain)


def press(domain, user: int, question: str, answer: str) -> list[dict]:
    tracker = build_tracker(
        user,
        answer_button("", question, answer)["payload"],
        "safety_answer",
        user_id=user,
        chat_type="private",
        is_callback=True,
        entities={"safety_q": question, "safety_a": answer},
    )
    return run_action(ActionSafetyAnswer(), tracker, domain)


def test_consent_continues_into_the_first_private_question(database, domain):
    form_couple(domain)
    messages = consent(domain, ALEX)
    shown = texts(messages)
    assert "consent is saved" in shown[0]
    assert "never shown in your group" in shown[1] and "not therapy" in shown[1]
    assert "afraid of your partner" in shown[2]
    titles = [b["title"] for b in messages[-1]["buttons"]]
    assert titles == ["Yes", "Sometimes", "No", "Rather not say"]
    assert all(len(b["payload"].encode()) <= 64 for m in messages for b in m.get("buttons") or [])


def test_every_button_payload_fits_telegrams_64_bytes():
    for question in QUESTIONS:
        for title, value in question.options:
            assert len(answer_button(title, question.key, value)["payload"].encode()) <= 64


def test_safe_answers_complete_the_check_without_a_hold(database, domain):
    form_couple(domain)
    consent(domain, ALEX)
    assert "disagreements" in texts(press(domain, ALEX, "afraid", "no"))[0]
    assert "safe talking openly" in texts(press(domain, ALEX, "physical", "no"))[0]
    assert "Thank you" in texts(press(domain, ALEX, "safe_here", "yes"))[0]
    with transaction() as session:
        check = session.query(SafetyCheck).one()
        assert check.answers == {"afraid": "no", "physical": "no", "safe_here": "yes"}
        assert not check.danger and check.completed_at is not None
        assert not session.query(Couple).one().safety_hold
        assert session.query(SafetyEvent).count() == 0


def choose(domain, user: int, choice: str) -> list[dict]:
    tracker = build_tracker(
        user,
        f'/safety_choice{{"safety_a":"{choice}"}}',
        "safety_choice",
        user_id=user,
        chat_type="private",
        is_callback=True,
        entities={"safety_a": choice},
    )
    return run_action(ActionSafetyChoice(), tracker, domain)


def answer_worryingly(domain, user: int) -> list[dict]:
    consent(domain, user)
    press(domain, user, "afraid", "some")
    press(domain, user, "physical", "no")
    return press(domain, user, "safe_here", "skip")


def test_danger_gives_private_resources_and_the_choice_and_changes_nothing_yet(database, domain):
    form_couple(domain)
    messages = answer_worryingly(domain, SAM)
    answer = texts(messages)
    assert len(answer) == 1 and "stays between us" in answer[0] and "112" in answer[0]
    assert all("chat_id" not in (m.get("custom") or {}).get("telegram", {}) for m in messages)
    assert [b["title"] for b in messages[-1]["buttons"]] == [
        "Keep things as they are",
        "Quietly keep to gentler tools",
        "How to hide this chat",
    ]
    assert all(len(b["payload"].encode()) <= 64 for b in messages[-1]["buttons"])
    with transaction() as session:
        couple = session.query(Couple).one()
        assert not couple.safety_hold  # nothing the other partner can observe
        assert session.query(Timer).filter_by(kind="safety_hold_notice").count() == 0
        assert [(e.telegram_user_id, e.kind, e.source) for e in session.query(SafetyEvent)] == [
            (SAM, "safety_check_danger", "private")
        ]
        assert "safety" not in str(export_couple(couple, session=session)).lower()


def test_gently_the_hold_starts_only_with_the_groups_neutral_note(database, domain):
    form_couple(domain)
    answer_worryingly(domain, SAM)
    chosen = texts(choose(domain, SAM, "gentle"))
    assert "won't say why or who" in chosen[0] and "nothing points at you" in chosen[0]
    with transaction() as session:
        couple = session.query(Couple).one()
        assert not couple.safety_hold  # not yet: a refused exercise would point at Sam
        notice = session.query(Timer).filter_by(kind="safety_hold_notice").one()
        assert notice.chat_id == GROUP and notice.due_at > utc_now()  # later, not now
        line = tell_group_about_hold(timers.due_timer(notice), session)
        assert couple.safety_hold  # now, together with the note
    note = line[0]
    assert note.response == "utter_safety_hold_group"
    group_text = domain["responses"]["utter_safety_hold_group"][0]["text"]
    assert "Sam" not in group_text and "afraid" not in group_text
    assert texts(choose(domain, SAM, "gentle")) == ["That one is already answered."]


def test_keep_things_as_they_are_sets_nothing(database, domain):
    form_couple(domain)
    answer_worryingly(domain, SAM)
    assert "nothing changes in your group" in texts(choose(domain, SAM, "keep"))[0]
    with transaction() as session:
        assert not session.query(Couple).one().safety_hold
        assert session.query(Timer).filter_by(kind="safety_hold_notice").count() == 0


def test_how_to_hide_this_chat_gives_steps_sets_nothing_and_leaves_the_choice_open(
    database, domain
):
    form_couple(domain)
    answer_worryingly(domain, SAM)
    messages = choose(domain, SAM, "hide")
    [steps] = texts(messages)
    assert "Delete" in steps and "Archive" in steps and "Passcode" in steps
    assert [b["title"] for b in messages[-1]["buttons"]] == [
        "Keep things as they are",
        "Quietly keep to gentler tools",
    ]
    with transaction() as session:
        assert not session.query(Couple).one().safety_hold
        assert session.query(Timer).filter_by(kind="safety_hold_notice").count() == 0
    assert "nothing changes" in texts(choose(domain, SAM, "keep"))[0]


def test_the_hold_note_is_scheduled_once_per_couple(database, domain):
    form_couple(domain)
    for user in (ALEX, SAM):
        consent(domain, user)
        press(domain, user, "afraid", "yes")
        press(domain, user, "physical", "yes")
        press(domain, user, "safe_here", "no")
        choose(domain, user, "gentle")
    with transaction() as session:
        assert session.query(Timer).filter_by(kind="safety_hold_notice").count() == 1


def test_the_hold_note_fires_through_the_timer_action(database, domain):
    form_couple(domain)
    consent(domain, ALEX)
    press(domain, ALEX, "afraid", "yes")
    press(domain, ALEX, "physical", "no")
    press(domain, ALEX, "safe_here", "yes")
    choose(domain, ALEX, "gentle")
    with transaction() as session:
        notice = session.query(Timer).filter_by(kind="safety_hold_notice").one()
        notice.status = "firing"  # as the dispatcher claims it
        notice_id = notice.id
    tracker = build_tracker(
        GROUP,
        "/EXTERNAL_timer_due",
        "EXTERNAL_timer_due",
        user_id=None,
        entities={"timer_id": notice_id},
    )
    assert "gentler tools" in texts(run_action(ActionFireTimer(), tracker, domain))[0]
    with transaction() as session:
        assert session.query(Couple).one().safety_hold


def test_late_and_repeated_presses_change_nothing(database, domain):
    form_couple(domain)
    consent(domain, ALEX)
    press(domain, ALEX, "afraid", "no")
    again = press(domain, ALEX, "afraid", "yes")  # the first keyboard, pressed again
    assert texts(again) == ["That one is already answered."]
    with transaction() as session:
        assert session.query(SafetyCheck).one().answers == {"afraid": "no"}


def test_consenting_again_resumes_the_check_where_it_stopped(database, domain):
    form_couple(domain)
    consent(domain, ALEX)
    press(domain, ALEX, "afraid", "no")
    resumed = consent(domain, ALEX)
    assert "disagreements" in texts(resumed)[-1]
    press(domain, ALEX, "physical", "no")
    press(domain, ALEX, "safe_here", "yes")
    assert texts(consent(domain, ALEX)) == [
        "Thank you. Your consent is saved. You can take it back any time with /forget."
    ]


def test_someone_without_a_couple_gets_no_check(database, domain):
    messages = consent(domain, 999)
    assert "Add me to a group" in texts(messages)[0]
    with transaction() as session:
        assert session.query(SafetyCheck).count() == 0


def test_private_start_after_crisis_words_brings_the_resources_first(database, domain):
    form_couple(domain)
    from actions.general.help import ActionAnswerFreeText

    run_action(
        ActionAnswerFreeText(),
        build_tracker(GROUP, "I want to kill myself", "content", user_id=SAM),
        domain,
    )
    start = build_tracker(
        SAM, '/start{"start_param":"consent"}', "start", user_id=SAM, chat_type="private"
    )
    shown = texts(run_action(ActionStart(), start, domain))
    assert "people can help" in shown[0] and "988" in shown[0]
    assert "Do you agree" in shown[1]
    with transaction() as session:
        assert timers.pending("safety_hold_notice", GROUP, session=session) == []
