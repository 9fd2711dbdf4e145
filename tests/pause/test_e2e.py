"""Escalation pauses through the real bot: stop, agree together, come back once, on time,
even when every process was restarted in between; the third-party suggestion; bad input."""

from __future__ import annotations

import json
import time

import pytest

from actions.round_robin.turns import format_duration
from local_telegram.client import LocalTelegram, buttons
from tests.support.stack import (
    Couple,
    RunningStack,
    agree_in_private,
    press_im_in,
    unique,
    utc_epoch,
)

pytestmark = pytest.mark.e2e

WELCOME_BACK = "Welcome back. It's the time you agreed."


def setting(running: RunningStack, name: str) -> float:
    """A duration the stack runs with (short in tests; see extra_env in conftest)."""
    return float(running.stack.config.extra_env[name])


def new_couple(telegram: LocalTelegram, zone_button: str | None = "London") -> Couple:
    alex, sam = telegram.create_user(unique("Alex")), telegram.create_user(unique("Sam"))
    robin = telegram.create_user(unique("Robin"))
    chat = telegram.create_group("Pause", [alex, sam, robin])
    couple = Couple(chat["id"], alex, sam, robin)
    start = telegram.last_seq()
    press_im_in(telegram, couple)
    for partner in (alex, sam):  # exercises start once both agreed in private
        agree_in_private(telegram, partner)
    if zone_button:
        question = telegram.wait_for_text(couple.group, "which time zone", after=start)
        telegram.press(couple.group, couple.alex, question["message_id"], button_text=zone_button)
        telegram.wait_for_text(couple.group, "Time zone set to", after=start)
    return couple


def say(telegram: LocalTelegram, couple: Couple, who: dict, text: str, expect: str) -> dict:
    after = telegram.last_seq()
    telegram.send(couple.group, who, text)
    return telegram.wait_for_text(couple.group, expect, after=after)


def press(telegram: LocalTelegram, couple: Couple, who: dict, item: dict, title: str,
          expect: str) -> dict:  # fmt: skip
    after = telegram.last_seq()
    telegram.press(couple.group, who, item["message_id"], button_text=title)
    return telegram.wait_for_text(couple.group, expect, after=after)


def pause_row(running: RunningStack, couple: Couple) -> dict:
    columns = ("id", "status", "proposals", "agreed_by", "resume_at", "resumed_at", "reschedules")
    rows = running.query(
        f"SELECT p.{', p.'.join(columns)} FROM pauses p JOIN couples c ON c.id = p.couple_id "
        "WHERE c.group_chat_id = ? ORDER BY p.id DESC LIMIT 1",
        couple.group,
    )
    return dict(zip(columns, rows[0], strict=True)) if rows else {}


def welcomes(telegram: LocalTelegram, couple: Couple) -> list[dict]:
    return [i for i in telegram.sent(couple.group) if WELCOME_BACK in (i["text"] or "")]


def restart_all(running: RunningStack, down_until: float) -> float:
    """Crash the bot, Rasa and the action server, keep them down until `down_until` (epoch),
    then start all three again; returns the seconds the start took."""
    stack = running.stack
    for key in ("bot", "rasa", "actions"):
        stack.processes[key].kill()
    time.sleep(max(0.0, down_until - time.time()))
    began = time.monotonic()
    for key in ("actions", "rasa"):
        stack.start_one(key, wait=False)
    for key in ("actions", "rasa"):
        stack.processes[key].wait_healthy(240)
    stack.start_one("bot")
    return time.monotonic() - began


def test_agreed_in_words_the_pause_comes_back_once_on_time_after_all_processes_restart(
    running: RunningStack, telegram: LocalTelegram
):
    overdue, on_time = new_couple(telegram), new_couple(telegram)

    # Couple 1: both type the same short time; it comes due while everything is down.
    ack = say(telegram, overdue, overdue.alex, "I need a break", "Pausing here.")
    assert "explain" in ack["text"] and "why" not in ack["text"].lower()
    assert [b[0] for b in buttons(ack)][:2] == ["In 20 minutes", "In 1 hour"]
    proposal = say(telegram, overdue, overdue.sam, "in 15 seconds", "suggests coming back")
    assert proposal["text"].startswith(f"{overdue.sam['first_name']} suggests coming back")
    assert pause_row(running, overdue)["status"] == "proposed"  # one "yes" is not agreement
    say(telegram, overdue, overdue.alex, "in 15 seconds", "Agreed by both of you")

    # Couple 2: a typed time accepted with the button; it comes due after the restart.
    say(telegram, on_time, on_time.sam, "/pause", "Pausing here.")
    proposal = say(telegram, on_time, on_time.alex, "let's come back in 120 seconds",
                   "suggests coming back")  # fmt: skip
    press(telegram, on_time, on_time.sam, proposal, "Yes, that works", "Agreed by both of you")

    first, second = pause_row(running, overdue), pause_row(running, on_time)
    for row in (first, second):
        assert row["status"] == "agreed"
        assert len(json.loads(row["agreed_by"])) == 2
    due_overdue, due_on_time = utc_epoch(first["resume_at"]), utc_epoch(second["resume_at"])

    # Down until the first pause is overdue; the second comes due after the restart.
    took = restart_all(running, down_until=due_overdue + 2)
    back_up = time.time()
    print(f"all three processes started again in {took:.1f} s")
    assert back_up < due_on_time - 5, "the start took longer than the second pause: lengthen it"

    came = telegram.wait_for_text(overdue.group, WELCOME_BACK, timeout=30)
    assert came["received_at"] - back_up <= 10.0  # at start-up, since it was overdue
    came = telegram.wait_for_text(on_time.group, WELCOME_BACK, timeout=due_on_time - back_up + 30)
    print(f"resume arrived {came['received_at'] - due_on_time:+.2f} s from the agreed time")
    assert -0.5 <= came["received_at"] - due_on_time <= 5.0
    assert [b[0] for b in buttons(came)] == ["Ready", "Not yet"]

    # Both ready: back where they were.
    press(telegram, on_time, on_time.alex, came, "Ready", "is ready")
    press(telegram, on_time, on_time.sam, came, "Ready", "You're both back")
    time.sleep(3)  # a duplicate would have arrived by now
    assert len(welcomes(telegram, overdue)) == 1 and len(welcomes(telegram, on_time)) == 1
    rows = running.query(
        "SELECT status, attempts FROM timers WHERE kind = 'pause_resume' AND chat_id IN (?, ?)",
        overdue.group,
        on_time.group,
    )
    assert sorted(rows) == [("fired", 1), ("fired", 1)]
    resumed = pause_row(running, on_time)
    assert resumed["status"] == "resumed" and resumed["resumed_at"] is not None

    after = telegram.last_seq()
    telegram.send(on_time.group, on_time.alex, "/export")
    document = telegram.wait_for(on_time.alex["id"], lambda i: bool(i["document"]), after=after)
    [pause] = json.loads(document["document"]["content_text"])["pauses"]
    partner_ids = {p["id"] for p in json.loads(document["document"]["content_text"])["partners"]}
    assert pause["status"] == "resumed" and pause["flow"] is None
    assert [p["by"] for p in pause["proposals"]] and set(pause["agreed_by"]) == partner_ids
    assert pause["resume_at"] == pause["proposals"][-1]["when"]
    assert pause["resumed_at"] >= pause["resume_at"]


def test_the_threshold_reached_brings_the_third_party_suggestion_saved(
    running: RunningStack, telegram: LocalTelegram
):
    couple = new_couple(telegram)
    for _ in (1, 2):
        offer = say(telegram, couple, couple.alex, "/pause", "Pausing here.")
        proposal = press(telegram, couple, couple.sam, offer, "In 20 minutes",
                         "suggests coming back")  # fmt: skip
        agreed = press(telegram, couple, couple.alex, proposal, "Yes, that works",
                       "Agreed by both of you")  # fmt: skip
        early = say(telegram, couple, couple.sam, "/resume", "would like to continue")
        back = press(telegram, couple, couple.alex, early, "Ready", "You're both back")
    # Nothing at the moment of the second break; two lines when they are back from it (it
    # is made once, so coming after "You're both back" it did not come with the break).
    suggestion = telegram.wait_for_text(
        couple.group, "That was pause number 2, and your steps say", after=agreed["seq"]
    )
    assert suggestion["seq"] > back["seq"]
    assert "couples counsellor, a mediator, or a mentor" in suggestion["text"]
    assert len(suggestion["text"].splitlines()) == 2
    press(telegram, couple, couple.sam, suggestion, "We'll look for someone", "Saved:")
    rows = running.query(
        "SELECT e.pause_count, e.suggestion_made_at IS NOT NULL, e.choice FROM escalations e "
        "JOIN couples c ON c.id = e.couple_id WHERE c.group_chat_id = ?",
        couple.group,
    )
    assert rows == [(2, 1, "look")]

    steps = say(telegram, couple, couple.sam, "/escalation", "Your escalation steps:")
    assert "4. After 2 pauses on the same topic" in steps["text"]
    press(telegram, couple, couple.alex, steps, "After 3 pauses", "Saved: after 3 pauses")
    steps = say(telegram, couple, couple.sam, "/escalation", "Your escalation steps:")
    asked = press(telegram, couple, couple.sam, steps, "Add our own step", "what step")
    assert couple.sam["first_name"] in asked["text"]
    say(telegram, couple, couple.sam, "We each take a walk around the block first",
        "Added as your own step")  # fmt: skip
    steps = say(telegram, couple, couple.alex, "/escalation", "Your escalation steps:")
    assert "5. Your own step: We each take a walk around the block first" in steps["text"]

    after = telegram.last_seq()
    telegram.send(couple.group, couple.alex, "/export")
    document = telegram.wait_for(couple.alex["id"], lambda i: bool(i["document"]), after=after)
    data = json.loads(document["document"]["content_text"])
    [escalation] = data["escalations"]
    assert (escalation["pause_count"], escalation["choice"]) == (2, "look")
    assert data["couple"]["escalation_threshold"] == 3
    assert data["couple"]["escalation_own_step"] == "We each take a walk around the block first"
    assert [p["status"] for p in data["pauses"]] == ["resumed", "resumed"]


def test_no_time_zone_yet_is_asked_first_and_bad_times_get_a_kind_question(
    running: RunningStack, telegram: LocalTelegram
):
    couple = new_couple(telegram, zone_button=None)
    asked = say(telegram, couple, couple.alex, "can we stop for a bit", "I need your time zone")
    offer = press(telegram, couple, couple.sam, asked, "Berlin / Paris", "When would you like")
    assert buttons(offer)[0][0] == "In 20 minutes"

    observer = say(telegram, couple, couple.robin, "/pause", "stay out of your way")
    assert observer["method"] == "sendMessage"
    say(telegram, couple, couple.sam, "whenever", "I need an actual time")
    say(telegram, couple, couple.sam, "yesterday", "already passed")
    say(telegram, couple, couple.alex, "25:00", "isn't a time on the clock")
    say(telegram, couple, couple.alex, "after dinner", "on the clock?")
    say(telegram, couple, couple.sam, "/pause", "already on a break")

    short = say(telegram, couple, couple.sam, "in 4 seconds", "is a short break")
    assert "needs at least 5 seconds to calm down" in short["text"]  # MIN_PAUSE_SECONDS
    assert [b[0] for b in buttons(short)] == ["Keep it", "Make it 5 seconds"]
    proposal = press(telegram, couple, couple.sam, short, "Keep it", "suggests coming back")
    press(telegram, couple, couple.alex, proposal, "Yes, that works", "Agreed by both of you")
    asked = telegram.wait_for_text(couple.group, WELCOME_BACK, timeout=30)
    # Resumed by words while the Ready keyboard is still open: a later press gets a toast.
    say(telegram, couple, couple.alex, "/resume", "is ready")
    say(telegram, couple, couple.sam, "I'm ready to continue", "You're both back")
    after = telegram.last_seq()
    telegram.press(couple.group, couple.sam, asked["message_id"], button_text="Ready")
    toast = telegram.wait_for(couple.group, lambda i: i["method"] == "answerCallbackQuery",
                              after=after)  # fmt: skip
    assert toast["text"] == "This pause has already ended."
    time.sleep(1)
    assert [
        i for i in telegram.sent(couple.group, after=after) if i["method"] == "sendMessage"
    ] == []


def test_nobody_agreeing_or_answering_gets_one_gentle_nudge_each(
    running: RunningStack, telegram: LocalTelegram
):
    couple = new_couple(telegram)
    start = telegram.last_seq()
    say(telegram, couple, couple.alex, "I'm too upset to do this now", "Pausing here.")
    wait = setting(running, "PAUSE_PROPOSAL_REMINDER_SECONDS") + 15
    reminder = telegram.wait_for_text(couple.group, "A gentle reminder", after=start, timeout=wait)
    assert buttons(reminder)[0][0] == "In 20 minutes"
    press(telegram, couple, couple.sam, reminder, "In 20 minutes", "suggests coming back")
    later = say(telegram, couple, couple.alex, "in 10 seconds", "instead")  # the later one stands
    assert later["text"].startswith(f"{couple.alex['first_name']} suggests ")
    press(telegram, couple, couple.sam, later, "Yes, that works", "Agreed by both of you")

    # "Not yet" at the agreed time chooses a new time, once.
    asked = telegram.wait_for_text(couple.group, WELCOME_BACK, after=later["seq"], timeout=30)
    press(telegram, couple, couple.sam, asked, "Not yet", "choose a new time")
    row = pause_row(running, couple)
    assert (row["status"], row["reschedules"]) == ("rescheduled", 1)
    proposal = say(telegram, couple, couple.sam, "in 10 seconds", "suggests coming back")
    press(telegram, couple, couple.alex, proposal, "Yes, that works", "Agreed by both of you")

    # Then nobody answers: one gentle follow-up, then the pause is recorded as missed.
    asked = telegram.wait_for_text(couple.group, WELCOME_BACK, after=proposal["seq"], timeout=30)
    wait = setting(running, "PAUSE_FOLLOWUP_SECONDS") + 15
    follow = telegram.wait_for_text(couple.group, "Just checking in", after=asked["seq"],
                                    timeout=wait)  # fmt: skip
    telegram.wait_for_text(couple.group, "I'll leave it here for now", after=follow["seq"],
                           timeout=wait)  # fmt: skip
    assert pause_row(running, couple)["status"] == "missed"
    sent = [i["text"] or "" for i in telegram.sent(couple.group, after=start)]
    assert sum("A gentle reminder" in text for text in sent) == 1
    assert sum("Just checking in" in text for text in sent) == 1


def test_a_pause_in_a_round_robin_turn_comes_back_after_a_restart_with_the_time_left(
    running: RunningStack, telegram: LocalTelegram
):
    couple = new_couple(telegram)
    alex, sam, a = couple.alex, couple.sam, couple.alex["first_name"]
    say(telegram, couple, sam, f"/roundrobin money, 2 minutes each, {a} first",
        f"{a}, the floor is yours")  # fmt: skip
    telegram.send(couple.group, alex, "When the card bill came I panicked")
    time.sleep(2)

    stopped = say(telegram, couple, sam, "I need a break", "The clock is stopped")
    assert f"{a} has 1 min" in stopped["text"]
    telegram.wait_for_text(couple.group, "round-robin on money waits exactly where it was",
                           after=stopped["seq"] - 1)  # fmt: skip
    [(left, status)] = running.query(
        "SELECT t.remaining_seconds, t.status FROM turns t JOIN rounds r ON r.id = t.round_id "
        "JOIN couples c ON c.id = r.couple_id WHERE c.group_chat_id = ?",
        couple.group,
    )
    assert status == "paused" and 100 < left < 119
    say(telegram, couple, alex, "in 90 seconds", "suggests coming back")
    say(telegram, couple, sam, "in 90 seconds", "Agreed by both of you")
    due = utc_epoch(pause_row(running, couple)["resume_at"])

    took = restart_all(running, down_until=time.time())
    print(f"all three processes started again in {took:.1f} s")
    assert time.time() < due - 5, "the start took longer than the pause: lengthen it"
    came = telegram.wait_for_text(couple.group, WELCOME_BACK, timeout=due - time.time() + 30)
    assert -0.5 <= came["received_at"] - due <= 5.0
    assert "your round-robin on money" in came["text"]
    press(telegram, couple, sam, came, "Ready", "is ready")
    back = press(telegram, couple, alex, came, "Ready", "Back to the round-robin on money")
    assert f"{a}, the floor is yours again: {format_duration(left)} left" in back["text"]
    [(still_left, status, started)] = running.query(
        "SELECT t.remaining_seconds, t.status, t.started_at FROM turns t "
        "JOIN rounds r ON r.id = t.round_id JOIN couples c ON c.id = r.couple_id "
        "WHERE c.group_chat_id = ?",
        couple.group,
    )
    assert status == "running" and still_left == pytest.approx(left)
    [(end_due,)] = running.query(
        "SELECT due_at FROM timers WHERE kind = 'round_robin_turn_end' AND status = 'pending' "
        "AND chat_id = ?",
        couple.group,
    )
    assert utc_epoch(end_due) - utc_epoch(started) == pytest.approx(left, abs=0.01)
    time.sleep(3)
    assert len(welcomes(telegram, couple)) == 1

    after = telegram.last_seq()
    telegram.send(couple.group, alex, "/export")
    document = telegram.wait_for(alex["id"], lambda i: bool(i["document"]), after=after)
    [pause] = json.loads(document["document"]["content_text"])["pauses"]
    assert (pause["flow"], pause["topic"], pause["status"]) == ("round_robin", "money", "resumed")
    assert set(pause["flow_state"]) >= {"round_id", "turn_id"}
    assert len(pause["proposals"]) == 1 and len(pause["agreed_by"]) == 2
