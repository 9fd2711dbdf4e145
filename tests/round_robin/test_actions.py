"""Round-robin actions, run as the action server runs them, on a fresh database."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from actions.core.timers import ActionFireTimer
from actions.general.cancel import ActionCancel
from actions.general.help import ActionAnswerEdit, ActionAnswerFreeText, ActionAnswerMedia
from actions.pause.actions import ActionRequestPause, ActionResume
from actions.round_robin.actions import (
    ActionFinishTurn,
    ActionRoundRobinOption,
    ActionStartRoundRobin,
)
from actions.round_robin.floor import GRACE_END, HEADS_UP, TURN_END
from storage.couples import couple_for_group, join
from storage.engine import transaction
from storage.models import Interruption, Round, Timer, Turn, utc_now
from tests.support.couples import agree_in_private
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100700
ALEX, SAM, ROBIN = 1, 2, 3
NAMES = {ALEX: "Alex", SAM: "Sam", ROBIN: "Robin"}


@pytest.fixture
def couple(database, monkeypatch):
    monkeypatch.delenv("TURN_SECONDS", raising=False)
    monkeypatch.delenv("ROUND_ROBIN_GRACE_SECONDS", raising=False)
    with transaction() as session:
        join(GROUP, ALEX, "Alex", session=session)
        join(GROUP, SAM, "Sam", session=session)
    agree_in_private(GROUP)
    return GROUP


def say(domain, action, user, text, intent, *, confidence=1.0, chat_type="group", **entities):
    tracker = build_tracker(
        GROUP if chat_type == "group" else user,
        text,
        intent,
        user_id=user,
        first_name=NAMES[user],
        chat_type=chat_type,
        entities=entities,
        confidence=confidence,
        is_callback=intent == "round_robin_option",
    )
    return run_action(action, tracker, domain)


def start(domain, user=ALEX, topic=None):
    payload = "/start_round_robin" + (json.dumps({"topic": topic}) if topic else "")
    entities = {"topic": topic} if topic else {}
    return say(domain, ActionStartRoundRobin(), user, payload, "start_round_robin", **entities)


def words(domain, user, text, intent="content", confidence=0.99):
    return say(domain, ActionAnswerFreeText(), user, text, intent, confidence=confidence)


def done(domain, user):
    return say(domain, ActionFinishTurn(), user, "/finish_turn", "finish_turn")


def sticker(domain, user):
    text = '/shared_media{"media_kind":"sticker"}'
    return say(domain, ActionAnswerMedia(), user, text, "shared_media", media_kind="sticker")


def private(domain, user, text, intent="content"):
    """Words sent to the bot in the partner's private chat."""
    return say(domain, ActionAnswerFreeText(), user, text, intent, chat_type="private")


def where_sent(messages):
    """(chat id or None for the chat written in, text) of each message."""
    found = []
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        found.append((telegram.get("chat_id"), message.get("text") or telegram.get("text")))
    return found


def fire(domain, kind, *, which=-1, force_id=None):
    """Fire a turn timer as the dispatcher would (claimed, then its action runs)."""
    with transaction() as session:
        if force_id is None:
            rows = session.execute(
                select(Timer)
                .where(Timer.kind == kind, Timer.chat_id == GROUP, Timer.status == "pending")
                .order_by(Timer.id)
            ).scalars()
            force_id = list(rows)[which].id
        session.execute(update(Timer).where(Timer.id == force_id).values(status="firing"))
    tracker = build_tracker(
        GROUP,
        f'/EXTERNAL_timer_due{{"timer_id":"{force_id}"}}',
        "EXTERNAL_timer_due",
        user_id=None,
        entities={"timer_id": str(force_id)},
    )
    return force_id, run_action(ActionFireTimer(), tracker, domain)


def time_passes(seconds):
    """As if `seconds` passed since the running turn's clock started (timers stay as set)."""
    with transaction() as session:
        turn = session.execute(select(Turn).where(Turn.status == "running")).scalar_one()
        turn.started_at = turn.started_at - timedelta(seconds=seconds)


def turns():
    with transaction() as session:
        rows = session.execute(select(Turn).order_by(Turn.id)).scalars()
        return [
            (t.sequence, t.speaker_id, t.status, t.ended_by, t.message_count, t.word_count)
            for t in rows
        ]


def the_round() -> Round:
    with transaction() as session:
        return session.execute(select(Round).order_by(Round.id.desc())).scalars().first()


def interruptions():
    with transaction() as session:
        rows = session.execute(select(Interruption).order_by(Interruption.id)).scalars()
        return [(i.by_id, i.text, i.kind, i.handed_back) for i in rows]


def pending(kind):
    with transaction() as session:
        return list(
            session.execute(
                select(Timer.due_at).where(
                    Timer.kind == kind, Timer.chat_id == GROUP, Timer.status == "pending"
                )
            ).scalars()
        )


def partner_ids():
    with transaction() as session:
        couple = couple_for_group(GROUP, session=session)
        return {p.first_name: p.id for p in couple.partners}


# -- starting -----------------------------------------------------------------------------


def test_a_command_starts_the_first_turn_with_the_partner_who_did_not_ask(couple, domain):
    before = utc_now()
    messages = start(domain, ALEX, "money, 2 rounds")
    assert texts(messages) == [
        "Round-robin on money: 5 minutes each, 2 rounds. Sam, the floor is yours. Alex, your "
        "part now is to listen: if something comes up, send it to me privately, and I'll hand "
        "it back at your turn. Sam, /done passes the floor early."
    ]
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert titles == ["Swap who starts", "3 min each", "10 min each", "1 round"]
    assert all(len(b["payload"].encode()) <= 64 for b in messages[0]["buttons"])
    round_ = the_round()
    ids = partner_ids()
    assert (round_.topic, round_.turn_seconds, round_.rounds_planned, round_.status) == (
        "money",
        300,
        2,
        "running",
    )
    assert (round_.started_by_id, round_.first_speaker_id) == (ids["Alex"], ids["Sam"])
    assert round_.first_speaker_reason == "did_not_start"
    assert turns() == [(1, ids["Sam"], "running", None, 0, 0)]
    (end,) = pending(TURN_END)
    (heads_up,) = pending(HEADS_UP)
    assert before + timedelta(seconds=299) < end < utc_now() + timedelta(seconds=301)
    assert end - heads_up == timedelta(seconds=60)


def test_turn_length_comes_from_the_environment_and_short_turns_get_a_half_time_heads_up(
    couple, domain, monkeypatch
):
    monkeypatch.setenv("TURN_SECONDS", "6")
    assert "6 seconds each, 1 round" in texts(start(domain))[0]
    (end,) = pending(TURN_END)
    (heads_up,) = pending(HEADS_UP)
    assert end - heads_up == timedelta(seconds=3)


def test_options_in_plain_words(couple, domain):
    messages = say(
        domain,
        ActionStartRoundRobin(),
        SAM,
        "let's do a round robin about money, 3 minutes each, 2 rounds, me first",
        "start_round_robin",
    )
    assert texts(messages)[0].startswith(
        "Round-robin on money: 3 minutes each, 2 rounds. Sam, the floor is yours."
    )
    assert the_round().first_speaker_reason == "chosen"


def test_one_round_at_a_time_even_when_both_press_start_at_once(couple, domain):
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda user: texts(start(domain, user)), [ALEX, SAM]))
    assert sorted(len(a) for a in answers) == [1, 1]
    assert sum("the floor is yours" in a[0] for a in answers) == 1
    assert sum("already going" in a[0] for a in answers) == 1
    with transaction() as session:
        assert len(session.execute(select(Round)).all()) == 1
    holder = "Sam" if "Sam, the floor" in " ".join(a[0] for a in answers) else "Alex"
    assert texts(start(domain, ALEX)) == [
        f"A round-robin is already going: {holder} has the floor. /cancel ends it."
    ]


def test_who_may_start(database, domain):
    with transaction() as session:
        join(GROUP, ALEX, "Alex", session=session)
    assert texts(start(domain, ALEX)) == [
        'A round-robin needs you both: after /start, each of you presses "I\'m in".'
    ]
    with transaction() as session:
        join(GROUP, SAM, "Sam", session=session)
    agree_in_private(GROUP)
    assert texts(start(domain, ROBIN)) == [
        "This group's couple is complete. I'll stay out of your way."
    ]
    private = say(
        domain,
        ActionStartRoundRobin(),
        ALEX,
        "/start_round_robin",
        "start_round_robin",
        chat_type="private",
    )
    assert texts(private) == ["Turns happen in your couple's group: send /roundrobin there."]
    with transaction() as session:
        couple_for_group(GROUP, session=session).safety_hold = True
    assert texts(start(domain, ALEX)) == ["A round-robin isn't available in this group right now."]
    with transaction() as session:
        assert session.execute(select(Round)).all() == []


def test_the_partner_who_spoke_less_recently_starts_the_next_round(couple, domain):
    start(domain, ALEX)  # Sam first
    done(domain, SAM)
    done(domain, ALEX)
    ids = partner_ids()
    with transaction() as session:
        session.execute(update(Turn).where(Turn.speaker_id == ids["Sam"]).values(seconds_held=290))
        session.execute(update(Turn).where(Turn.speaker_id == ids["Alex"]).values(seconds_held=40))
    assert "Alex, the floor is yours" in texts(start(domain, ALEX))[0]
    assert the_round().first_speaker_reason == "less_speaking_time"


# -- during a turn --------------------------------------------------------------------------


def test_the_holders_words_are_counted_without_keeping_their_text(couple, domain):
    start(domain, ALEX)
    assert words(domain, SAM, "I felt alone last night when you left") == []
    assert words(domain, SAM, "😔") == []
    assert sticker(domain, SAM) == []
    # "I'm done pretending everything is fine" is what Sam has to say, not a yield.
    finish = say(
        domain,
        ActionFinishTurn(),
        SAM,
        "I'm done pretending everything is fine",
        "finish_turn",
        confidence=0.93,
    )
    assert finish == []
    ids = partner_ids()
    assert turns() == [(1, ids["Sam"], "running", None, 4, 8 + 1 + 0 + 6)]
    assert interruptions() == []


def test_the_listeners_words_are_kept_with_one_kind_reminder_per_turn(couple, domain):
    start(domain, ALEX)
    first = words(domain, ALEX, "But that's not what happened", intent="help", confidence=0.57)
    assert texts(first) == [
        "Alex, it's Sam's floor for now. If something comes up, send it to me privately, "
        "I'll hand it back at your turn."
    ]
    assert words(domain, ALEX, "x" * 4000) == []
    assert sticker(domain, ALEX) == []
    ids = partner_ids()
    assert interruptions() == [
        (ids["Alex"], "But that's not what happened", "text", False),
        (ids["Alex"], "x" * 4000, "text", False),
        (ids["Alex"], None, "sticker", False),
    ]
    assert turns()[0][4:] == (0, 0)


def test_only_the_floor_holder_can_yield(couple, domain):
    start(domain, ALEX)
    assert texts(done(domain, ALEX)) == [
        "It's Sam's turn for now, Alex: only Sam can pass the floor."
    ]
    short = say(domain, ActionFinishTurn(), ALEX, "I'm done", "finish_turn", confidence=0.96)
    assert "only Sam can pass the floor" in texts(short)[0]
    assert texts(say(domain, ActionFinishTurn(), ROBIN, "/finish_turn", "finish_turn")) == [
        "This group's couple is complete. I'll stay out of your way."
    ]
    assert [t[2] for t in turns()] == ["running"]


def test_a_yield_passes_the_floor_and_hands_the_listeners_notes_back(couple, domain):
    start(domain, ALEX)
    words(domain, ALEX, "But that's not what happened")
    sticker(domain, ALEX)
    words(domain, SAM, "I felt alone")
    messages = say(domain, ActionFinishTurn(), SAM, "that's all", "finish_turn", confidence=0.88)
    assert texts(messages) == [
        "Thank you, Sam. Alex, the floor is yours for 5 minutes. Sam, your part now is to listen.",
        "Alex, you wanted to say:\n– But that's not what happened\n– (sticker)",
    ]
    ids = partner_ids()
    assert turns() == [
        (1, ids["Sam"], "done", "yield", 1, 3),
        (2, ids["Alex"], "running", None, 0, 0),
    ]
    assert [i[3] for i in interruptions()] == [True, True]
    assert len(pending(TURN_END)) == 1  # the first turn's timers are gone


def test_edits_during_a_turn_are_ignored_quietly(couple, domain):
    start(domain, ALEX)
    words(domain, SAM, "one two three")
    assert say(domain, ActionAnswerEdit(), SAM, "/edited_message", "edited_message") == []
    assert say(domain, ActionAnswerEdit(), ALEX, "/edited_message", "edited_message") == []
    assert turns()[0][4:] == (1, 3)
    assert interruptions() == []


def test_media_outside_a_round_still_gets_the_private_note(couple, domain):
    private = say(
        domain,
        ActionAnswerMedia(),
        ALEX,
        '/shared_media{"media_kind":"photo"}',
        "shared_media",
        chat_type="private",
        media_kind="photo",
    )
    assert texts(private) == ["I can only read text. Could you type it?"]
    assert sticker(domain, ALEX) == []


# -- the clocks -----------------------------------------------------------------------------


def test_heads_up_once_then_time_up_passes_the_floor_exactly_once(couple, domain):
    start(domain, ALEX)
    time_passes(240)
    heads_up_id, heads_up = fire(domain, HEADS_UP)
    assert texts(heads_up) == ["Sam, 1 minute left."]
    # Fired again (the bot died before recording it): the journal hands back the first
    # answer, which the bot does not send twice; nothing happens a second time.
    assert fire(domain, HEADS_UP, force_id=heads_up_id)[1] == heads_up
    time_passes(60)
    fire(domain, TURN_END)  # a short grace first (test_time_up_gives_the_speaker_a_grace)
    _, passed = fire(domain, GRACE_END)
    assert texts(passed)[0].startswith("Thank you, Sam. Alex, the floor is yours")
    assert [(t[0], t[2], t[3]) for t in turns()] == [(1, "done", "time"), (2, "running", None)]


def test_without_a_grace_time_up_passes_the_floor_at_once(couple, domain, monkeypatch):
    monkeypatch.setenv("ROUND_ROBIN_GRACE_SECONDS", "0")
    start(domain, ALEX)
    time_passes(300)
    _, passed = fire(domain, TURN_END)
    assert texts(passed)[0].startswith("Time's up. Thank you, Sam. Alex, the floor is yours")
    assert [(t[0], t[2], t[3]) for t in turns()] == [(1, "done", "time"), (2, "running", None)]
    assert pending(GRACE_END) == []


def test_time_up_gives_the_speaker_a_grace_then_the_floor_passes(couple, domain, monkeypatch):
    monkeypatch.setenv("ROUND_ROBIN_GRACE_SECONDS", "12.5")
    start(domain, ALEX)
    words(domain, SAM, "I felt alone")
    time_passes(300)
    before = utc_now()
    end_id, grace = fire(domain, TURN_END)
    assert texts(grace) == [
        "Time's up, Sam: take a moment to finish your sentence. Then it's Alex's turn."
    ]
    (grace_end,) = pending(GRACE_END)
    assert before + timedelta(seconds=12.5) <= grace_end <= utc_now() + timedelta(seconds=12.5)
    assert pending(TURN_END) == [] and pending(HEADS_UP) == []
    # The speaker's last sentence is theirs, not an interruption; the listener's words are
    # kept as during the turn (with the one reminder).
    assert words(domain, SAM, "and that is why I was upset") == []
    assert "send it to me privately" in texts(words(domain, ALEX, "Wait"))[0]
    # Re-fired (the bot died before recording it): "finish your sentence" is said again.
    assert texts(fire(domain, TURN_END, force_id=end_id)[1]) == texts(grace)
    ids = partner_ids()
    assert turns() == [(1, ids["Sam"], "running", None, 2, 3 + 7)]
    grace_id, passed = fire(domain, GRACE_END)
    assert texts(passed) == [
        "Thank you, Sam. Alex, the floor is yours for 5 minutes. Sam, your part now is to listen.",
        "Alex, you wanted to say:\n– Wait",
    ]
    assert turns()[0][2:4] == ("done", "time")
    assert interruptions() == [(ids["Alex"], "Wait", "text", True)]
    with transaction() as session:
        held = session.execute(select(Turn.seconds_held).where(Turn.sequence == 1)).scalar_one()
    assert held == 300  # the grace is not floor time
    assert fire(domain, GRACE_END, force_id=grace_id)[1] == passed  # re-fired: the same


def test_a_yield_in_the_grace_passes_the_floor_and_a_pause_in_it_comes_back_to_it(
    couple, domain
):
    start(domain, ALEX)
    time_passes(300)
    fire(domain, TURN_END)
    paused = say(domain, ActionRequestPause(), ALEX, "/request_pause", "request_pause")
    stopped = r"The clock is stopped: Sam has (30|2\d) seconds left on the floor\."
    assert re.fullmatch(stopped, texts(paused)[0])
    assert pending(GRACE_END) == []
    say(domain, ActionResume(), ALEX, "/resume", "resume")
    resumed = say(domain, ActionResume(), SAM, "/resume", "resume")
    assert re.search(r"Sam, the floor is yours again: (30|2\d) seconds left", texts(resumed)[1])
    assert len(pending(GRACE_END)) == 1 and pending(TURN_END) == []
    passed = done(domain, SAM)
    assert texts(passed)[0].startswith("Thank you, Sam. Alex, the floor is yours")
    assert pending(GRACE_END) == []
    assert [(t[2], t[3]) for t in turns()] == [("done", "yield"), ("running", None)]


def test_a_time_up_fired_again_says_the_hand_over_again_and_changes_nothing_twice(
    couple, domain, monkeypatch
):
    """A timer fires twice only when the bot died before recording the first firing: its
    message may never have gone out."""
    monkeypatch.setenv("ROUND_ROBIN_GRACE_SECONDS", "0")  # the grace's re-fire: above
    start(domain, ALEX)
    words(domain, ALEX, "Not true")
    time_passes(300)
    end_id, first = fire(domain, TURN_END)
    (next_end,) = pending(TURN_END)
    _, again = fire(domain, TURN_END, force_id=end_id)
    assert texts(again) == texts(first)  # the same hand-over and the same notes
    assert len(texts(again)) == 2 and "you wanted to say" in texts(again)[1]
    assert [(t[0], t[2]) for t in turns()] == [(1, "done"), (2, "running")]  # no third turn
    (restarted,) = pending(TURN_END)
    assert restarted >= next_end  # Alex never knew the floor was theirs: the full time again
    words(domain, ALEX, "So, about that")
    _, third = fire(domain, TURN_END, force_id=end_id)
    assert "Alex, the floor is yours for 5 minutes" in texts(third)[0]
    assert pending(TURN_END) == [restarted]  # once used, the turn's clock is left alone


def test_a_timer_of_a_yielded_turn_does_nothing(couple, domain):
    start(domain, ALEX)
    with transaction() as session:
        old_end = session.execute(select(Timer.id).where(Timer.kind == TURN_END)).scalar_one()
    done(domain, SAM)
    assert fire(domain, TURN_END, force_id=old_end)[1] == []
    assert [t[2] for t in turns()] == ["done", "running"]


def test_the_last_turn_ends_in_a_wrap_up_and_an_offer(couple, domain):
    start(domain, ALEX)
    words(domain, ALEX, "Not true")
    words(domain, SAM, "I felt alone last night")
    done(domain, SAM)
    words(domain, ALEX, "I was scared")
    words(domain, SAM, "ok")  # Sam interrupts the last turn: given back at the end
    assert texts(fire(domain, TURN_END)[1]) == [
        "Time's up, Alex: take a moment to finish your sentence. Then the round ends."
    ]
    end_id, messages = fire(domain, GRACE_END)
    assert texts(fire(domain, GRACE_END, force_id=end_id)[1]) == texts(messages)  # re-fired
    shown = texts(messages)
    # Times only, then one closing question: no words, no interruptions.
    assert shown[0].startswith("Thank you, Alex. That's the end of the round-robin; thank you both")
    summary = shown[0].split("\n")
    assert summary[1].startswith("Alex: ") and summary[2].startswith("Sam: ")
    assert "word" not in shown[0] and "interruption" not in shown[0]
    assert shown[0].endswith(
        "\n\nOne question to close, for each of you: what's one thing you heard that mattered?"
    )
    assert "guided statement" in shown[1]
    assert messages[1]["buttons"][0]["payload"] == "/start_statement"
    # What Sam kept from the last turn goes back to Sam alone, in private.
    assert where_sent(messages)[2] == (
        SAM,
        "The round is over, Sam. What you wanted to say while you listened, just for you:\n– ok"
        "\n\nIf one of these still matters, you could bring it up with a guided statement "
        "(/talk).",
    )
    assert len(messages) == 3
    round_ = the_round()
    assert (round_.status, round_.rounds_done) == ("complete", 1)
    assert round_.ended_at is not None
    assert pending(TURN_END) == [] and pending(HEADS_UP) == [] and pending(GRACE_END) == []
    stop = messages[1]["buttons"][1]["payload"]
    option = stop.split('"round_option":"')[1].rstrip('"}')
    press = say(
        domain, ActionRoundRobinOption(), SAM, stop, "round_robin_option", round_option=option
    )
    assert texts(press) == ["Thank you both. Whenever you want another round: /roundrobin."]
    again = say(
        domain, ActionRoundRobinOption(), ALEX, stop, "round_robin_option", round_option=option
    )
    assert texts(again) == ["This round is already over."]


def test_notes_sent_privately_are_kept_and_handed_back_privately_at_the_listeners_turn(
    couple, domain
):
    start(domain, ALEX, "money, 2 rounds")
    kept = private(domain, ALEX, "You forgot the rent in March")
    assert where_sent(kept) == [
        (
            None,
            "Kept, Alex. I'll hand it back here when your turn starts. Anything else, send it "
            "here too.",
        )
    ]
    assert private(domain, ALEX, "And the car", intent="start_statement") == []
    # The floor holder's own private words are no note; the group hears nothing of them.
    assert texts(private(domain, SAM, "hm")) == ["I'm here. /help shows what I can do."]
    ids = partner_ids()
    assert interruptions() == [
        (ids["Alex"], "You forgot the rent in March", "private", False),
        (ids["Alex"], "And the car", "private", False),
    ]
    assert turns()[0][4:] == (0, 0)
    words(domain, ALEX, "Not true")  # said in the group: given back in the group
    handed = done(domain, SAM)
    assert where_sent(handed) == [
        (
            None,
            "Thank you, Sam. Alex, the floor is yours for 5 minutes. Sam, your part now is to "
            "listen.",
        ),
        (None, "Alex, you wanted to say:\n– Not true"),
        (
            ALEX,
            "Your turn now, Alex. What you sent me while you listened:\n"
            "– You forgot the rent in March\n– And the car",
        ),
    ]
    assert [i[3] for i in interruptions()] == [True, True, True]
    # Sam listens now: Sam's private note is acknowledged once in this turn.
    assert "Kept, Sam" in texts(private(domain, SAM, "I never said that"))[0]
    assert private(domain, ALEX, "ok") != []  # Alex holds the floor: no note


# -- option buttons -------------------------------------------------------------------------


def press_option(domain, user, title, messages):
    button = next(b for b in messages[0]["buttons"] if b["title"] == title)
    option = button["payload"].split('"round_option":"')[1].rstrip('"}')
    return say(
        domain,
        ActionRoundRobinOption(),
        user,
        button["payload"],
        "round_robin_option",
        round_option=option,
    )


def test_options_can_change_before_the_first_words_only(couple, domain):
    started = start(domain, ALEX)
    swapped = press_option(domain, SAM, "Swap who starts", started)
    assert "Alex, the floor is yours" in texts(swapped)[0]
    longer = press_option(domain, ALEX, "10 min each", swapped)
    assert texts(longer)[0].startswith("Round-robin: 10 minutes each, 1 round. Alex")
    assert len(pending(TURN_END)) == 1
    assert the_round().first_speaker_reason == "chosen"
    words(domain, ALEX, "So, about last week")
    late = press_option(domain, SAM, "2 rounds", longer)
    assert texts(late) == ["The round is under way: it goes on as it is."]
    observer = press_option(domain, ROBIN, "Swap who starts", longer)
    assert texts(observer) == ["This is for the couple of this group."]
    assert the_round().rounds_planned == 1


# -- pause, resume, cancel ------------------------------------------------------------------


def test_pause_stops_the_clock_and_resume_restarts_it_with_the_time_left(couple, domain):
    start(domain, ALEX)
    paused = say(domain, ActionRequestPause(), ALEX, "/request_pause", "request_pause")
    # (the seconds this test took to get here are off the clock too)
    stopped = r"The clock is stopped: Sam has (5 minutes|4 min 5\d s) left on the floor\."
    assert re.fullmatch(stopped, texts(paused)[0])
    assert texts(paused)[1].startswith("Pausing here.")
    assert pending(TURN_END) == [] and pending(HEADS_UP) == []
    assert the_round().status == "paused"
    with transaction() as session:
        turn = session.execute(select(Turn)).scalar_one()
        assert (turn.status, turn.ended_by) == ("paused", None)
        left = turn.remaining_seconds
    assert 290 < left <= 300  # the seconds this test took to get here
    # While paused, words are ordinary chat and /done explains.
    assert words(domain, SAM, "sorry") == []
    assert texts(done(domain, SAM)) == [
        "The round-robin is paused. /resume brings you both back to it."
    ]
    assert "paused" in texts(start(domain, SAM))[0]
    # Coming back (early, before any agreed time) needs both partners (actions/pause/actions.py).
    asked = say(domain, ActionResume(), ALEX, "/resume", "resume")
    assert texts(asked)[0].startswith("Alex would like to continue your round-robin now.")
    assert the_round().status == "paused"
    before = utc_now()
    resumed = say(domain, ActionResume(), SAM, "/resume", "resume")
    assert texts(resumed)[0] == "You're both back."
    assert texts(resumed)[1].startswith("Back to the round-robin. Sam, the floor is yours again")
    (end,) = pending(TURN_END)
    assert before + timedelta(seconds=left) <= end <= utc_now() + timedelta(seconds=left)
    assert the_round().status == "running"
    again = say(domain, ActionResume(), ALEX, "/resume", "resume")
    assert texts(again) == ["Nothing is paused right now."]


def test_cancel_ends_the_round_as_cancelled(couple, domain):
    start(domain, ALEX)
    assert texts(say(domain, ActionCancel(), SAM, "/cancel", "cancel")) == [
        "The round-robin is stopped. What you did so far is saved as cancelled."
    ]
    assert the_round().status == "cancelled"
    assert [(t[2], t[3]) for t in turns()] == [("done", "cancel")]
    assert pending(TURN_END) == [] and pending(HEADS_UP) == []
    assert texts(say(domain, ActionCancel(), SAM, "/cancel", "cancel")) == [
        "Nothing is running right now, so there is nothing to cancel."
    ]
    assert texts(done(domain, SAM)) == [
        "No one holds the floor right now. /roundrobin starts a round-robin."
    ]


def test_a_long_message_nlu_took_for_a_start_is_ordinary_chat(couple, domain):
    long_text = "Ich fühle mich " + "sehr " * 790 + "🙂"
    assert say(domain, ActionStartRoundRobin(), ALEX, long_text, "start_round_robin") == []
    private = say(
        domain, ActionStartRoundRobin(), ALEX, long_text, "start_round_robin", chat_type="private"
    )
    assert texts(private) == ["I'm here. /help shows what I can do."]
    long_pause = "I feel like I need a break from how we never talk about money, honestly"
    assert say(domain, ActionRequestPause(), SAM, long_pause, "request_pause", confidence=0.9) == []
    with transaction() as session:
        assert session.execute(select(Round)).all() == []


def test_round_robin_commands_in_private_point_to_the_group_or_to_the_start(couple, domain):
    for action, payload, intent in (
        (ActionStartRoundRobin(), "/start_round_robin", "start_round_robin"),
        (ActionFinishTurn(), "/finish_turn", "finish_turn"),
    ):
        answer = say(domain, action, SAM, payload, intent, chat_type="private")
        assert texts(answer) == ["Turns happen in your couple's group: send /roundrobin there."]
    NAMES[99] = "Kai"
    stranger = say(
        domain,
        ActionStartRoundRobin(),
        99,
        "/start_round_robin",
        "start_round_robin",
        chat_type="private",
    )
    assert "Add me to a group with your partner" in texts(stranger)[0]
