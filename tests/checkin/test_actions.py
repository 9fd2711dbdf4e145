"""The check-in's and the agreement reviews' actions, run as the action server runs them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage import retention, timers
from storage.couples import couple_for_group
from storage.engine import transaction
from storage.enums import TimerKind
from storage.models import Agreement, AgreementReview, Checkin, utc_now
from tests.support.couples import exported
from tests.support.dialogue import ACTIONS, RULES
from tests.support.factories import form_couple
from tests.support.trackers import build_tracker, fire_timers, run_action, texts

GROUP = -100900
ALEX, SAM = 21, 22
NAMES = {ALEX: "Alex", SAM: "Sam"}




def say(domain, user: int, text: str, intent: str = "content", *, chat: int = GROUP, **entities):
    tracker = build_tracker(
        chat,
        text,
        intent,
        user_id=user,
        first_name=NAMES[user],
        chat_type="group" if chat < 0 else "private",
        entities=entities or None,
    )
    return run_action(ACTIONS[RULES[intent]], tracker, domain)


def press(domain, user: int, payload: str, *, chat: int = GROUP) -> list[dict]:
    intent, _, raw = payload[1:].partition("{")
    entities = json.loads("{" + raw) if raw else {}
    tracker = build_tracker(
        chat,
        payload,
        intent,
        user_id=user,
        first_name=NAMES[user],
        chat_type="group" if chat < 0 else "private",
        entities=entities,
        is_callback=True,
    )
    return run_action(ACTIONS[RULES[intent]], tracker, domain)


def sent_to(messages: list[dict], chat: int | None) -> list[str]:
    """Texts that go to `chat` (None: the chat the message came from)."""
    found = []
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        if "toast" in telegram:
            continue
        if telegram.get("chat_id") == chat or (chat is None and "chat_id" not in telegram):
            text = message.get("text") or telegram.get("text")
            if text:
                found.append(text)
    return found


def buttons(messages: list[dict]) -> dict[str, str]:
    found = {}
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        for button in message.get("buttons") or telegram.get("buttons") or []:
            found[button["title"]] = button["payload"]
    return found


def fire(domain: dict, kind: str) -> list[dict]:
    """Claim this chat's due timers of one kind as the bot's dispatcher would, and fire them."""
    return fire_timers(domain, GROUP, kind)


@pytest.fixture
def couple(database, domain) -> None:
    form_couple(domain, GROUP, ((ALEX, "Alex"), (SAM, "Sam")), agreed=True)


NEEDS = "More time together\nA quiet hour after work\nHelp planning the holidays"
THANKS_SAM = "Thank you for cooking on Tuesday\nYour patience\nThe way you make me laugh"
THANKS_ALEX = "Thank you for the walk\nYou listened on Sunday\nYour hugs"


def test_answers_stay_private_until_both_answered_then_show_side_by_side(couple, domain):
    started = say(domain, ALEX, "/start_checkin", "start_checkin")
    assert "Nothing is shown here" in sent_to(started, GROUP)[0]
    assert any("three things you need" in t for t in sent_to(started, ALEX))
    assert any("three things you need" in t for t in sent_to(started, SAM))

    kept = say(domain, ALEX, NEEDS, chat=ALEX)
    assert "More time together" in texts(kept)[0] and "appreciate about Sam" in texts(kept)[1]
    done = say(domain, ALEX, THANKS_SAM, chat=ALEX)
    assert "once Sam has answered too" in texts(done)[-1]
    # Nothing of Alex's reaches the group or Sam.
    assert sent_to(done, GROUP) == [] and sent_to(done, SAM) == []

    say(domain, SAM, "Sleep in on Sundays", chat=SAM)
    more = say(domain, SAM, "A date night\nCalls when late", chat=SAM)
    assert "Calls when late" in texts(more)[0]
    revealed = say(domain, SAM, THANKS_ALEX, chat=SAM)
    [shown] = sent_to(revealed, GROUP)
    assert "Alex needs:" in shown and "Sam needs:" in shown
    assert "Alex to Sam:\n• Thank you for cooking on Tuesday" in shown
    assert "Sam to Alex:\n• Thank you for the walk" in shown

    with transaction() as session:
        [checkin] = session.execute(select(Checkin)).scalars().all()
        assert checkin.status == "revealed" and checkin.ended_at is not None
        couple_row = couple_for_group(GROUP, session=session)
        assert couple_row is not None
        assert timers.pending(TimerKind.CHECKIN_REMINDER, GROUP, session=session) == []
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    [entry] = data["checkins"]
    assert entry["status"] == "revealed" and entry["trigger"] == "manual"
    assert [a["needs"] for a in entry["answers"]] == [
        NEEDS.splitlines(),
        ["Sleep in on Sundays", "A date night", "Calls when late"],
    ]
    assert entry["answers"][1]["appreciations"] == THANKS_ALEX.splitlines()


def test_blame_is_flagged_and_can_be_reworded_or_kept(couple, domain):
    say(domain, ALEX, "/start_checkin", "start_checkin")
    flagged = say(domain, ALEX, "More time together\nYou never help with the dishes", chat=ALEX)
    assert "More time together" in texts(flagged)[0]
    assert "may sound like blame" in texts(flagged)[1]
    reworded = say(domain, ALEX, "Sharing the dishes", chat=ALEX)
    assert "Sharing the dishes" in texts(reworded)[0] and "One more" in texts(reworded)[1]
    again = say(domain, ALEX, "You are so lazy", chat=ALEX)
    kept = press(domain, ALEX, buttons(again)["Keep it"], chat=ALEX)
    assert "You are so lazy" in texts(kept)[0] and "appreciate about Sam" in texts(kept)[1]
    not_about = say(domain, ALEX, "I got a promotion", chat=ALEX)
    assert "doesn't seem to be about Sam" in texts(not_about)[0]
    fixed = say(domain, ALEX, "You celebrated my promotion", chat=ALEX)
    assert "You celebrated my promotion" in texts(fixed)[0]


def test_a_skip_shows_the_others_needs_only_with_their_ok(couple, domain):
    started = say(domain, ALEX, "/start_checkin", "start_checkin")
    [skip] = [m for m in started if "Skip this time" in json.dumps(m)][:1]
    skip_payload = buttons([skip])["Skip this time"]
    say(domain, ALEX, NEEDS, chat=ALEX)
    said = say(domain, ALEX, THANKS_SAM, chat=ALEX)
    assert sent_to(said, GROUP) == []
    skipped = press(domain, SAM, skip_payload, chat=SAM)
    assert "Skipped" in sent_to(skipped, None)[0]
    assert sent_to(skipped, GROUP) == []  # Alex is asked first
    [asked] = sent_to(skipped, ALEX)
    assert "Sam skipped" in asked
    shared = press(domain, ALEX, buttons(skipped)["Only the appreciations"], chat=ALEX)
    [shown] = sent_to(shared, GROUP)
    assert "Thank you for cooking" in shown and "More time together" not in shown
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    answers = data["checkins"][0]["answers"]
    assert [a["needs"] for a in answers] == [None, None]
    assert answers[1]["skipped"] is True


def test_cancel_in_private_skips_the_checkin_like_the_button(couple, domain):
    say(domain, ALEX, "/start_checkin", "start_checkin")
    say(domain, ALEX, NEEDS, chat=ALEX)
    say(domain, ALEX, THANKS_SAM, chat=ALEX)
    cancelled = say(domain, SAM, "/cancel", "cancel", chat=SAM)
    assert "Skipped" in sent_to(cancelled, None)[0]
    assert sent_to(cancelled, GROUP) == []  # Alex is asked first, privately
    assert "Sam skipped" in sent_to(cancelled, ALEX)[0]
    again = say(domain, SAM, "/cancel", "cancel", chat=SAM)
    assert texts(again) == ["Nothing is running right now, so there is nothing to cancel."]
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    assert data["checkins"][0]["answers"][1]["skipped"] is True


def test_a_half_done_checkin_is_reminded_once_then_expires(couple, domain):
    say(domain, ALEX, "/start_checkin", "start_checkin")
    say(domain, ALEX, NEEDS, chat=ALEX)
    say(domain, ALEX, THANKS_SAM, chat=ALEX)
    reminded = fire(domain, TimerKind.CHECKIN_REMINDER)
    assert sent_to(reminded, GROUP) == [
        "Your check-in is still open. I've sent a reminder privately."
    ]
    assert sent_to(reminded, SAM) and not sent_to(reminded, ALEX)
    expired = fire(domain, TimerKind.CHECKIN_EXPIRE)
    assert "closed unfinished" in sent_to(expired, GROUP)[0]
    with transaction() as session:
        [checkin] = session.execute(select(Checkin)).scalars().all()
        assert checkin.status == "expired" and checkin.reminded_at is not None
    late = say(domain, SAM, "Something", chat=SAM)
    assert not any("Kept" in t for t in texts(late))
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    assert data["checkins"][0]["answers"][0]["needs"] is None  # never revealed


def test_the_monthly_time_is_shown_and_changed(couple, domain):
    shown = say(domain, ALEX, "/start_checkin", "start_checkin", checkin_option="time")
    assert "first sunday 19:00 (UTC)" in texts(shown)[0]
    unclear = say(domain, ALEX, "/c", "start_checkin", checkin_option="time whenever")
    assert "didn't get that time" in texts(unclear)[0]
    changed = say(domain, ALEX, "/c", "start_checkin", checkin_option="time day 15 20:30")
    assert "day 15 20:30" in texts(changed)[0]
    with transaction() as session:
        [timer] = timers.pending(TimerKind.CHECKIN_MONTHLY, GROUP, session=session)
        assert timer.due_at.day == 15 and (timer.due_at.hour, timer.due_at.minute) == (20, 30)


def test_the_monthly_timer_starts_a_checkin_and_plans_the_next(couple, domain):
    say(domain, ALEX, "/c", "start_checkin", checkin_option="time first sunday 19:00")
    started = fire(domain, TimerKind.CHECKIN_MONTHLY)
    assert "monthly check-in" in sent_to(started, GROUP)[0]
    assert sent_to(started, ALEX) and sent_to(started, SAM)
    with transaction() as session:
        [checkin] = session.execute(select(Checkin)).scalars().all()
        assert checkin.trigger == "monthly"
        [upcoming] = timers.pending(TimerKind.CHECKIN_MONTHLY, GROUP, session=session)
        assert upcoming.due_at > utc_now() and upcoming.due_at.weekday() == 6


def agreement(text: str = "Call when running late", days: float = 0) -> int:
    with transaction() as session:
        found = couple_for_group(GROUP, session=session)
        assert found is not None
        now = utc_now()
        row = Agreement(
            couple_id=found.id,
            text=text,
            status="agreed",
            proposed_by_id=found.partners[0].id,
            agreed_by_id=found.partners[1].id,
            agreed_at=now,
            review_at=now + timedelta(days=days),
        )
        session.add(row)
        session.flush()
        from actions.core.flows import agreement_made

        agreement_made(row, found, session, now)
        return row.id


def reviews() -> list[tuple[Any, ...]]:
    with transaction() as session:
        return [
            (r.reason, r.answer, r.revised_text)
            for r in session.execute(select(AgreementReview).order_by(AgreementReview.id)).scalars()
        ]


def test_the_review_date_asks_both_and_yes_from_both_keeps_it(couple, domain):
    agreement_id = agreement()
    asked = fire(domain, TimerKind.AGREEMENT_REVIEW)
    assert "Is this still working" in sent_to(asked, GROUP)[0]
    choice = buttons(asked)
    assert set(choice) == {"Yes", "Partly", "Let's talk"}
    first = press(domain, ALEX, choice["Yes"])
    assert texts(first) == ["Alex: still working."]
    assert {"telegram": {"keep_keyboard": True}} in [m.get("custom") for m in first]
    second = press(domain, SAM, choice["Yes"])
    assert "You both say it's still working" in texts(second)[0]
    again = press(domain, SAM, choice["Yes"])
    assert texts(again) == ["This question is no longer open."]
    assert reviews() == [("review_date", "yes", None), ("review_date", "yes", None)]
    with transaction() as session:
        row = session.get(Agreement, agreement_id)
        assert row is not None and row.review_at is not None and row.review_at > utc_now()
        assert len(timers.pending(TimerKind.AGREEMENT_REVIEW, GROUP, session=session)) == 1


def test_partly_saves_the_new_wording(couple, domain):
    agreement_id = agreement()
    asked = fire(domain, TimerKind.AGREEMENT_REVIEW)
    revise = press(domain, SAM, buttons(asked)["Partly"])
    assert "how would you put it now" in texts(revise)[0]
    saved = say(domain, SAM, "Text when running more than 15 minutes late")
    assert "Saved the new wording from Sam" in texts(saved)[0]
    assert reviews()[1] == ("review_date", "partly", "Text when running more than 15 minutes late")
    listed = say(domain, ALEX, "/show_agreements", "show_agreements")
    assert "Text when running more than 15 minutes late (review:" in texts(listed)[0]
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    [entry] = data["agreements"]
    assert entry["id"] == agreement_id
    assert entry["reviews"][1]["revised_text"] == "Text when running more than 15 minutes late"
    with transaction() as session:
        retention.purge_texts_before(utc_now() + timedelta(days=1), session=session)
    assert reviews()[1][2] is None


def test_lets_talk_opens_a_guided_statement_on_it(couple, domain):
    agreement("Call when running late")
    asked = fire(domain, TimerKind.AGREEMENT_REVIEW)
    offer = press(domain, ALEX, buttons(asked)["Let's talk"])
    assert "Alex would like to talk about" in texts(offer)[0]
    started = press(domain, ALEX, buttons(offer)["Say it step by step"])
    assert texts(started)  # the statement's own start, about the agreement
    assert "Call when running late" in json.dumps(started)


def test_lifechange_and_the_checkin_walk_the_agreements(couple, domain):
    agreement("Call when running late", days=14)
    agreement("Cook on Tuesdays", days=14)
    moved = say(domain, ALEX, "we're moving", "life_change")
    assert "Life changes" in texts(moved)[0]
    assert sum("Is this still working" in t for t in texts(moved)) == 2
    say(domain, ALEX, "/start_checkin", "start_checkin")
    for user, thanks in ((ALEX, THANKS_SAM), (SAM, THANKS_ALEX)):
        say(domain, user, NEEDS, chat=user)
        last = say(domain, user, thanks, chat=user)
    assert sum("Is this still working" in t for t in sent_to(last, GROUP)) == 2
    assert {r[0] for r in reviews()} == {"life_change", "checkin"}


def test_no_agreements_yet(couple, domain):
    assert "No agreements in force yet" in texts(
        say(domain, ALEX, "/show_agreements", "show_agreements")
    )[0]
    assert "no agreements in force" in texts(say(domain, ALEX, "/life_change", "life_change"))[0]


def test_review_date_whole_days_away_comes_in_the_couples_evening():
    from datetime import timezone

    from actions.checkin.agreements import review_due

    now = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    review = now + timedelta(days=14)
    due = review_due(review, "Europe/Berlin", now)
    assert (due.day, due.hour) == (15, 18)  # 19:00 in Berlin
    soon = now + timedelta(seconds=5)
    assert review_due(soon, "Europe/Berlin", now) == soon


def test_a_forgotten_partly_does_not_take_later_words(couple, domain):
    agreement()
    asked = fire(domain, TimerKind.AGREEMENT_REVIEW)
    press(domain, SAM, buttons(asked)["Partly"])
    with transaction() as session:
        for review in session.execute(select(AgreementReview)).scalars():
            if review.answered_at is not None:
                review.answered_at -= timedelta(hours=1)
    later = say(domain, SAM, "can we talk about the dishes", "start_statement")
    assert not any("new wording" in t for t in texts(later))
    assert reviews()[1][2] is None


def test_retention_clears_checkin_answers(couple, domain):
    say(domain, ALEX, "/start_checkin", "start_checkin")
    say(domain, ALEX, NEEDS, chat=ALEX)
    with transaction() as session:
        retention.purge_texts_before(utc_now() + timedelta(days=1), session=session)
    data = exported(say(domain, ALEX, "/export_data", "export_data"))
    assert "More time together" not in json.dumps(data)
    with transaction() as session:
        [checkin] = session.execute(select(Checkin)).scalars().all()
        assert all(a.needs is None for a in checkin.answers)
