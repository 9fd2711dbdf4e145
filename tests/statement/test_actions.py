"""The guided statement's actions, run as the action server runs them, on a fresh database.

Messages go to the action their intent's rule names (data/rules), as in Rasa, so content
that NLU mistakes for another intent is checked against the real routing.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from actions.core import flows
from actions.core.context import MessageContext
from actions.core.routing import is_explicit_request
from actions.statement.steps import format_day
from storage.couples import couple_for_group, join
from storage.engine import PROJECT_ROOT, transaction
from storage.models import Agreement, Pause, Statement, Timer, utc_now
from tests.support.couples import agree_in_private
from tests.support.dialogue import ACTIONS, RULES
from tests.support.trackers import build_tracker, run_action, texts

GROUP = -100700
OTHER_GROUP = -100701
ALEX, SAM, KIM, ROBIN = 11, 12, 13, 14
NAMES = {ALEX: "Alex", SAM: "Sam", KIM: "Kim", ROBIN: "Robin"}
NLU_TESTS = Path(PROJECT_ROOT) / "tests" / "nlu"




def say(
    domain,
    user: int,
    text: str,
    intent: str = "content",
    *,
    chat: int = GROUP,
    entities: dict[str, Any] | None = None,
    confidence: float = 1.0,
) -> list[dict]:
    """A message, answered by the action its intent's rule names."""
    tracker = build_tracker(
        chat,
        text,
        intent,
        user_id=user,
        first_name=NAMES[user],
        chat_type="group" if chat < 0 else "private",
        entities=entities,
        confidence=confidence,
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


def buttons(messages: list[dict]) -> dict[str, str]:
    found = {}
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        for button in message.get("buttons") or telegram.get("buttons") or []:
            found[button["title"]] = button["payload"]
    return found


def keeps_keyboard(messages: list[dict]) -> bool:
    return any((m.get("custom") or {}).get("telegram", {}).get("keep_keyboard") for m in messages)


def shown(messages: list[dict]) -> str:
    return "\n".join(texts(messages))


def statement() -> Statement:
    with transaction() as session:
        return session.execute(select(Statement).order_by(Statement.id.desc())).scalars().first()


def agreements() -> list[Agreement]:
    with transaction() as session:
        return list(session.execute(select(Agreement).order_by(Agreement.id)).scalars())


@pytest.fixture
def couple(database):
    with transaction() as session:
        join(GROUP, ALEX, "Alex", session=session)
        join(GROUP, SAM, "Sam", session=session)
    agree_in_private(GROUP)


def start(domain, topic: str | None = None) -> list[dict]:
    """/talk in the group, then "Write it here instead": the statement is drafted in the
    group (the default, drafting in private, is tested below)."""
    entities = {"topic": topic} if topic else None
    answer = say(domain, ALEX, "/start_statement", "start_statement", entities=entities)
    here = buttons(answer).get("Write it here instead")
    return answer if here is None else press(domain, ALEX, here)


def sent_to(messages: list[dict]) -> list[tuple[int | None, str]]:
    """(chat, text) of each message: None is the chat the message came from."""
    found = []
    for message in messages:
        telegram = (message.get("custom") or {}).get("telegram") or {}
        if "text" in telegram:
            found.append((telegram.get("chat_id"), telegram["text"]))
        elif "text" in message:
            found.append((None, message["text"]))
    return found


def write_all_steps(domain) -> list[dict]:
    start(domain)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    say(domain, ALEX, "I felt tired and a bit lonely")
    return say(domain, ALEX, "Would you be willing to wash up on weeknights after dinner?")


# --- starting ---------------------------------------------------------------------------------


def test_plain_words_in_the_group_start_a_private_draft_and_the_group_hears_only_that(
    couple, domain
):
    messages = say(
        domain,
        ALEX,
        "can we talk about the dishes",
        "start_statement",
        entities={"topic": "the dishes"},
    )
    [(group_chat, group_text), (private_chat, private_text)] = sent_to(messages)
    assert group_chat is None  # the group, where /talk was said
    assert group_text == (
        "Alex is putting something about the dishes into words, in our private chat. "
        "Sam, you'll see it here when it's ready."
    )
    assert private_chat == ALEX
    assert private_text.startswith("About: the dishes\nLet's draft it here first")
    assert "Step 1 of 3, describe" in private_text
    assert list(buttons(messages)) == ["Write it here instead"]
    # When the bot cannot write to Alex privately, the group gets a link to open that chat.
    [fallback] = [
        telegram["if_undeliverable"]
        for m in messages
        if "if_undeliverable" in (telegram := (m.get("custom") or {}).get("telegram") or {})
    ]
    assert "chat_id" not in fallback  # to the group
    assert fallback["text"].startswith("Alex, I can't write to you privately yet. Open https")
    assert "?start=talk" in fallback["text"]
    saved = statement()
    assert (saved.topic, saved.step, saved.status, saved.drafted_in) == (
        "the dishes",
        "describe",
        "drafting",
        "private",
    )
    with transaction() as session:
        alex, sam = couple_for_group(GROUP, session=session).partners
    assert (saved.speaker_id, saved.listener_id, saved.chat_id) == (alex.id, sam.id, ALEX)


def test_the_speaker_may_choose_to_write_in_the_group_before_writing_anything(couple, domain):
    answer = say(domain, ALEX, "can we", "start_statement", entities={"topic": "the dishes"})
    here = buttons(answer)["Write it here instead"]
    assert shown(press(domain, SAM, here)) == "This one is for Alex."
    text = shown(press(domain, ALEX, here))
    assert text.startswith("About: the dishes\nAlex, let's put it into words here")
    assert "Sam, you'll see each step" in text and "Step 1 of 3, describe" in text
    saved = statement()
    assert (saved.drafted_in, saved.chat_id, saved.step) == ("group", GROUP, "describe")
    assert shown(press(domain, ALEX, here)) == "This was already answered."


def test_once_the_private_draft_has_begun_it_stays_private(couple, domain):
    here = buttons(say(domain, ALEX, "/talk", "start_statement"))["Write it here instead"]
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    assert shown(press(domain, ALEX, here)) == "Your draft has begun in private: carry on there."
    assert statement().drafted_in == "private"
    # A second /talk in the group points Alex back to the draft; no second draft.
    again = sent_to(say(domain, ALEX, "/talk", "start_statement"))
    assert again[0] == (None, "Alex, your draft is waiting in our private chat.")
    assert again[1][0] == ALEX and "step 2 of 3, feel" in again[1][1]
    with transaction() as session:
        assert len(session.execute(select(Statement)).scalars().all()) == 1


def test_the_private_chats_start_link_shows_the_waiting_draft(couple, domain):
    say(domain, ALEX, "/talk", "start_statement")
    opened = say(domain, ALEX, "/start", "start", chat=ALEX, entities={"start_param": "talk"})
    assert "step 1 of 3, describe" in shown(opened).lower()


def test_coaching_of_a_draft_started_in_the_group_stays_in_private(couple, domain):
    say(domain, ALEX, "/talk", "start_statement", entities={"topic": "the dishes"})
    coached = say(domain, ALEX, "You never help with the dishes", chat=ALEX)
    assert shown(coached).startswith("A thought, Alex:")
    assert all(chat in (None, ALEX) for chat, _ in sent_to(coached))
    press(domain, ALEX, buttons(coached)["Keep it"], chat=ALEX)
    say(domain, ALEX, "I felt tired and a bit lonely", chat=ALEX)
    review = say(domain, ALEX, "Would you wash up on weeknights after dinner?", chat=ALEX)
    assert all(chat in (None, ALEX) for chat, _ in sent_to(review))
    # Sam's words in the group meanwhile are ordinary chat, not the statement.
    assert say(domain, SAM, "what are you writing?") == []
    shared = press(domain, ALEX, buttons(review)["Share with Sam"], chat=ALEX)
    assert sent_to(shared)[0][0] == GROUP
    assert "When you never help with the dishes, I felt tired" in sent_to(shared)[0][1]
    assert statement().shared and statement().status == "awaiting_listener"


def test_a_second_start_gets_a_kind_note_and_no_second_statement(couple, domain):
    start(domain)
    note = say(domain, SAM, "/start_statement", "start_statement")
    assert shown(note) == (
        "Something is already in progress here. Let's finish that first, or /cancel it."
    )
    with transaction() as session:
        assert len(session.execute(select(Statement)).scalars().all()) == 1


def test_a_couple_on_safety_hold_gets_a_neutral_line_and_nothing_starts(couple, domain):
    with transaction() as session:
        couple_for_group(GROUP, session=session).safety_hold = True
    text = shown(start(domain))
    assert "isn't available here right now" in text
    assert "safety" not in text.lower() and statement() is None


def test_a_group_without_a_couple_cannot_start(database, domain):
    with transaction() as session:
        join(GROUP, ALEX, "Alex", session=session)
    assert "This needs both of you" in shown(start(domain))
    assert statement() is None


# --- the writing steps ------------------------------------------------------------------------


def test_a_finding_offers_one_suggestion_with_keep_it_and_keep_it_moves_on(couple, domain):
    start(domain)
    coached = say(domain, ALEX, "You never help with the dishes")
    text = shown(coached)
    assert text.startswith("A thought, Alex:") and '"never"' in text
    assert "Last Tuesday, when" in text  # the example rewrite
    keep = buttons(coached)["Keep it"]
    assert len(keep.encode()) <= 64
    # Sam can't press it for Alex; the keyboard stays open for Alex.
    refused = press(domain, SAM, keep)
    assert shown(refused) == "This one is for Alex." and keeps_keyboard(refused)
    moved = press(domain, ALEX, keep)
    assert "step 2 of 3, feel" in shown(moved)
    assert statement().kept_despite_findings == ["describe"]
    assert statement().describe_text == "You never help with the dishes"
    assert statement().findings["describe"][0]["code"] == "ABSOLUTE"
    # Pressed again (late): nothing happens twice.
    assert shown(press(domain, ALEX, keep)) == "That suggestion was for an earlier version."
    assert statement().step == "feel"


def test_a_rewrite_replaces_the_text_counts_as_a_revision_and_is_coached_again(couple, domain):
    start(domain)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    first = say(domain, ALEX, "I felt ignored")
    assert "lonely" in shown(first) or "hurt" in shown(first)
    old_keep = buttons(first)["Keep it"]
    second = say(domain, ALEX, "I felt ignored again, honestly")
    assert "A thought" in shown(second) and statement().revisions == {"feel": 1}
    # "Keep it" under the first suggestion is for an older version: it does nothing.
    assert "earlier version" in shown(press(domain, ALEX, old_keep))
    moved = say(domain, ALEX, "I felt tired and a bit lonely")
    assert "step 3 of 3, request" in shown(moved)
    saved = statement()
    assert saved.feel_text == "I felt tired and a bit lonely"
    assert saved.revisions == {"feel": 2} and saved.findings["feel"] == []
    assert saved.kept_despite_findings == []


def test_the_listener_is_told_once_that_it_is_the_speakers_moment(couple, domain):
    start(domain)
    note = say(domain, SAM, "that's not fair, I did them on Friday")
    assert shown(note) == (
        "Sam, this is Alex's moment to find the words. You'll hear all of it soon and can "
        "answer then."
    )
    assert say(domain, SAM, "seriously") == []
    saved = statement()
    assert saved.describe_text is None and saved.step == "describe"
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    assert statement().describe_text == "On Sunday you went to bed and left the dishes in the sink"


def test_an_observers_press_is_refused_and_leaves_the_keyboard_open(couple, domain):
    start(domain)
    keep = buttons(say(domain, ALEX, "You never help"))["Keep it"]
    refused = press(domain, ROBIN, keep)
    assert shown(refused) == "This is for the couple of this group." and keeps_keyboard(refused)
    assert statement().step == "describe"


def _lookalikes() -> list[dict]:
    entries = yaml.safe_load((NLU_TESTS / "lookalike_content.yml").read_text())
    return [e for e in entries if e["step"] in ("describe", "feel", "request")]


@pytest.mark.parametrize("entry", _lookalikes(), ids=lambda e: f"{e['step']}-{e['looks_like']}")
def test_content_that_looks_like_an_intent_is_the_steps_text(couple, domain, entry):
    ctx = MessageContext(
        GROUP,
        "group",
        ALEX,
        "Alex",
        entry["text"],
        entry["looks_like"],
        1.0,
        {},
        False,
        False,
        None,
        "",
        True,
    )
    if is_explicit_request(ctx):
        pytest.skip("short enough to be a real request when NLU is sure: see the e2e test")
    start(domain)
    if entry["step"] in ("feel", "request"):
        say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    if entry["step"] == "request":
        say(domain, ALEX, "I felt tired and a bit lonely")
    assert statement().step == entry["step"]
    say(domain, ALEX, entry["text"], entry["looks_like"], confidence=1.0)
    assert getattr(statement(), f"{entry['step']}_text") == entry["text"]


def _explicit_pauses() -> list[str]:
    return yaml.safe_load((NLU_TESTS / "explicit_pauses.yml").read_text())


@pytest.mark.parametrize("text", _explicit_pauses())
def test_a_short_explicit_pause_is_not_taken_as_the_steps_text(couple, domain, text):
    start(domain)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    say(domain, ALEX, text, "request_pause", confidence=0.95)
    assert statement().feel_text is None


def test_crisis_words_are_never_taken_as_a_step(couple, domain):
    start(domain)
    say(domain, ALEX, "I don't want to be alive anymore", "crisis", confidence=0.9)
    assert statement().describe_text is None


def test_a_very_long_text_and_emoji_are_kept_whole(couple, domain):
    start(domain)
    long_text = "On Sunday you left the dishes. " * 129  # about 4000 characters
    say(domain, ALEX, long_text)
    say(domain, ALEX, "😢😢")  # no feeling word: a suggestion, then kept
    keep = buttons(say(domain, ALEX, "😢"))["Keep it"]
    press(domain, ALEX, keep)
    saved = statement()
    assert saved.describe_text == long_text and saved.feel_text == "😢"
    assert saved.step == "request"


# --- the listener's part ----------------------------------------------------------------------


def test_the_composed_statement_is_shown_and_the_listener_reflects_then_says_yes(couple, domain):
    with transaction() as session:
        couple_for_group(GROUP, session=session).timezone = "Europe/Berlin"
    shown_to_both = write_all_steps(domain)
    assert (
        "When on Sunday you went to bed and left the dishes in the sink, I felt tired and a "
        "bit lonely. Would you be willing to wash up on weeknights after dinner?"
    ) in shown(shown_to_both)
    assert shown(shown_to_both).startswith("Sam, Alex would like you to hear this:")
    assert list(buttons(shown_to_both)) == ["Skip"]
    # Alex's own words now are not Sam's reflection.
    assert say(domain, ALEX, "take your time") == []
    confirm = say(domain, SAM, "You'd like me to wash up on weeknights")
    assert shown(confirm) == "Alex, did Sam get it?"
    assert list(buttons(confirm)) == ["Yes", "Almost"]
    assert statement().reflection_text == "You'd like me to wash up on weeknights"
    understood = buttons(confirm)["Yes"]
    refused = press(domain, SAM, understood)
    assert shown(refused) == "This one is for Alex." and keeps_keyboard(refused)
    asked = press(domain, ALEX, understood)
    assert list(buttons(asked)) == ["Yes", "Another idea", "I need time"]
    assert statement().reflection_confirmed is True
    assert shown(press(domain, ALEX, understood)) == "This was already answered."
    yes = buttons(asked)["Yes"]
    refused = press(domain, ALEX, yes)
    assert shown(refused) == "This one is for Sam." and keeps_keyboard(refused)
    before = utc_now()
    agreed = press(domain, SAM, yes)
    [agreement] = agreements()
    saved = statement()
    assert (saved.status, saved.step, saved.listener_answer) == ("complete", "done", "yes")
    assert saved.completed_at is not None
    assert agreement.text == "Would you be willing to wash up on weeknights after dinner?"
    assert (agreement.source, agreement.status) == ("request", "agreed")
    assert agreement.statement_id == saved.id
    assert (agreement.proposed_by_id, agreement.agreed_by_id) == (
        saved.speaker_id,
        saved.listener_id,
    )
    expected = before + timedelta(days=14)
    assert abs((agreement.review_at - expected).total_seconds()) < 60
    assert shown(agreed).startswith(
        'Agreed: Sam said yes to "Would you be willing to wash up on weeknights after dinner?"'
    )
    assert f"Review date: {format_day(agreement.review_at, 'Europe/Berlin')}" in shown(agreed)
    assert shown(press(domain, SAM, yes)) == "This was already answered."
    assert len(agreements()) == 1


def test_skip_goes_straight_to_the_answer(couple, domain):
    skip = buttons(write_all_steps(domain))["Skip"]
    assert "This one is for Sam." in shown(press(domain, ALEX, skip))
    asked = press(domain, SAM, skip)
    assert "Sam, your answer to Alex's request:" in shown(asked)
    assert statement().reflection_text is None and statement().step == "answer"
    assert shown(press(domain, SAM, skip)) == "This was already answered."


def test_another_idea_is_saved_as_proposed_and_the_speaker_accepts_it(couple, domain):
    skip = buttons(write_all_steps(domain))["Skip"]
    idea_button = buttons(press(domain, SAM, skip))["Another idea"]
    asked = press(domain, SAM, idea_button)
    assert "what would you suggest instead" in shown(asked)
    proposed = say(domain, SAM, "I'll do Mondays and Thursdays, you do the rest")
    assert "Sam suggests: I'll do Mondays and Thursdays" in shown(proposed)
    [idea] = agreements()
    assert (idea.source, idea.status, idea.review_at) == ("counter_proposal", "proposed", None)
    assert statement().listener_answer == "another_idea"
    accept = buttons(proposed)["Yes, agreed"]
    assert "This one is for Alex." in shown(press(domain, SAM, accept))
    agreed = press(domain, ALEX, accept)
    assert 'Agreed: Alex said yes to "I\'ll do Mondays and Thursdays, you do the rest"' in shown(
        agreed
    )
    [idea] = agreements()
    assert idea.status == "agreed" and idea.agreed_by_id == statement().speaker_id
    assert idea.review_at is not None and idea.agreed_at is not None
    assert statement().status == "complete"
    assert shown(press(domain, ALEX, accept)) == "This was already answered."


def test_almost_lets_the_speaker_add_a_line_and_the_listener_tries_once_more(couple, domain):
    write_all_steps(domain)
    confirm = say(domain, SAM, "You want me to do the dishes")
    # Alex's words before choosing are not the added line.
    assert say(domain, ALEX, "hmm") == []
    asked = press(domain, ALEX, buttons(confirm)["Almost"])
    assert shown(asked) == "Alex, what would you add? One line, here, and Sam tries once more."
    # Sam's words now are not Alex's line.
    assert say(domain, SAM, "I did say that") == []
    again = say(domain, ALEX, "It's mostly about weeknights, when I'm tired")
    assert shown(again).startswith("Alex adds: It's mostly about weeknights, when I'm tired")
    assert "Sam, would you try once more" in shown(again) and list(buttons(again)) == ["Skip"]
    answer = say(domain, SAM, "On weeknights you're tired and you'd like me to wash up")
    assert "Sam, your answer to Alex's request:" in shown(answer)
    saved = statement()
    assert saved.reflection_confirmed is False
    assert saved.reflection_text == "You want me to do the dishes"
    assert saved.clarification_text == "It's mostly about weeknights, when I'm tired"
    assert saved.second_reflection_text == (
        "On weeknights you're tired and you'd like me to wash up"
    )
    assert saved.step == "answer"
    press(domain, SAM, buttons(answer)["Yes"])
    assert statement().status == "complete"


def test_not_quite_offers_another_idea_taking_turns_or_later(couple, domain):
    skip = buttons(write_all_steps(domain))["Skip"]
    press(domain, SAM, buttons(press(domain, SAM, skip))["Another idea"])
    proposed = say(domain, SAM, "Let's get a dishwasher")
    declined = press(domain, ALEX, buttons(proposed)["Not quite"])
    assert "Talk it over" not in shown(declined)
    assert "another idea, taking turns to talk it through, or leaving it for later" in shown(
        declined
    )
    offered = buttons(declined)
    assert list(offered) == ["Another idea", "Take turns on it", "Later"]
    assert offered["Take turns on it"] == "/start_round_robin"  # no topic: the plain entry
    assert agreements()[0].status == "declined" and statement().status == "complete"
    # Another idea: the statement opens again for Sam's next idea.
    again = press(domain, SAM, offered["Another idea"])
    assert "what would you suggest instead" in shown(again)
    assert (statement().status, statement().step) == ("awaiting_listener", "answer")
    idea = say(domain, SAM, "I'll do the dishes Monday to Thursday")
    press(domain, ALEX, buttons(idea)["Yes, agreed"])
    assert [a.status for a in agreements()] == ["declined", "agreed"]
    assert statement().status == "complete"
    assert shown(press(domain, SAM, offered["Another idea"])) == "This was already answered."


def test_not_quite_then_later_ends_kindly_and_take_turns_names_the_topic(couple, domain):
    start(domain, topic="the dishes")
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    say(domain, ALEX, "I felt tired and a bit lonely")
    skip = buttons(say(domain, ALEX, "Would you wash up on weeknights?"))["Skip"]
    press(domain, SAM, buttons(press(domain, SAM, skip))["Another idea"])
    declined = press(domain, ALEX, buttons(say(domain, SAM, "A dishwasher"))["Not quite"])
    offered = buttons(declined)
    assert offered["Take turns on it"] == '/start_round_robin{"topic":"the dishes"}'
    later = press(domain, SAM, offered["Later"])
    assert shown(later).startswith("Okay, later it is.")
    assert shown(press(domain, ALEX, offered["Later"])) == "This was already answered."
    assert shown(press(domain, SAM, offered["Another idea"])) == "This was already answered."


def test_take_turns_fits_a_long_topic_into_the_buttons_64_bytes():
    from actions.statement.replies import take_turns_button

    long = take_turns_button("how we split the money for the holidays at your parents' place")
    assert len(long["payload"].encode()) <= 64
    assert long["payload"].startswith('/start_round_robin{"topic":"how we split')


def need_time(domain) -> list[dict]:
    skip = buttons(write_all_steps(domain))["Skip"]
    return press(domain, SAM, buttons(press(domain, SAM, skip))["I need time"])


def pauses() -> list[Pause]:
    with transaction() as session:
        return list(session.execute(select(Pause)).scalars())


def test_i_need_time_asks_when_and_starts_no_pause(couple, domain):
    with transaction() as session:
        couple_for_group(GROUP, session=session).timezone = "Europe/Berlin"
    asked = need_time(domain)
    assert shown(asked).startswith("Take the time you need, Sam. When will you answer Alex?")
    offered = list(buttons(asked))
    assert offered[-1].startswith("Tomorrow, ") and len(offered) in (1, 2)
    assert all(len(p.encode()) <= 64 for p in buttons(asked).values())
    saved = statement()
    assert (saved.listener_answer, saved.status) == ("need_time", "awaiting_listener")
    assert pauses() == []
    # A time Sam writes, read in the couple's zone.
    later = say(domain, SAM, "at 7pm")
    assert shown(later).startswith("Okay: Sam will answer ") and " at 19:00" in shown(later)
    saved = statement()
    assert (saved.status, saved.listener_answer) == ("needs_time", "need_time")
    local = saved.answer_due_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.hour, local.minute) == (19, 0)
    with transaction() as session:
        [timer] = session.execute(
            select(Timer).where(Timer.kind == "statement_answer_due")
        ).scalars()
        assert (timer.chat_id, timer.due_at) == (GROUP, saved.answer_due_at)
    assert pauses() == []
    # The group is free meanwhile: a new statement can start.
    assert "Write it here instead" in buttons(say(domain, SAM, "/talk", "start_statement"))


def test_a_time_that_cannot_be_read_asks_again(couple, domain):
    need_time(domain)
    again = say(domain, SAM, "whenever")
    assert shown(again).startswith("Sam, I couldn't read that as a time")
    assert statement().status == "awaiting_listener"


def test_the_reminder_brings_the_request_back_at_the_chosen_time(couple, domain):
    asked = need_time(domain)
    press(domain, SAM, next(iter(buttons(asked).values())))
    saved = statement()
    assert saved.status == "needs_time" and saved.answer_due_at is not None
    due = fire_answer_due(domain)
    assert shown(due).startswith("Sam, it's the time you set to answer Alex's request:")
    assert list(buttons(due)) == ["Yes", "Another idea", "I need time"]
    assert (statement().status, statement().step) == ("awaiting_listener", "answer")
    assert fire_answer_due(domain) == []  # fired once: nothing said twice
    press(domain, SAM, buttons(due)["Yes"])
    saved = statement()
    assert (saved.status, saved.listener_answer) == ("complete", "yes")
    assert saved.answer_due_at is not None  # kept: Sam took time to think
    assert len(agreements()) == 1 and pauses() == []


def test_ready_before_the_chosen_time_the_answer_buttons_work_at_once(couple, domain):
    answer = press(domain, SAM, buttons(write_all_steps(domain))["Skip"])
    asked = press(domain, SAM, buttons(answer)["I need time"])
    press(domain, SAM, next(iter(buttons(asked).values())))
    assert statement().status == "needs_time"
    agreed = press(domain, SAM, buttons(answer)["Yes"])  # the earlier message's button
    assert "answered" not in shown(agreed)
    saved = statement()
    assert (saved.status, saved.listener_answer) == ("complete", "yes")
    assert len(agreements()) == 1
    assert fire_answer_due(domain) == []  # the reminder finds it answered: nothing said
    assert "answered" in str(press(domain, SAM, buttons(answer)["Yes"]))  # twice: a toast


def fire_answer_due(domain) -> list[dict]:
    """Claim the statement's pending reminder now, as the bot's dispatcher would, and fire it."""
    from storage import timers as timer_store

    with transaction() as session:
        rows = list(
            session.execute(
                select(Timer).where(
                    Timer.kind == "statement_answer_due", Timer.status == "pending"
                )
            ).scalars()
        )
        for row in rows:
            row.due_at = utc_now()
    if not rows:
        return []
    with transaction() as session:
        [claimed] = timer_store.claim_due(session=session)
    tracker = build_tracker(
        GROUP, "", "EXTERNAL_timer_due", user_id=None, entities={"timer_id": claimed.id}
    )
    messages = run_action(ACTIONS["action_fire_timer"], tracker, domain)
    with transaction() as session:
        timer_store.mark_fired(claimed.id, session=session)
    return messages


def test_a_pause_in_a_writing_step_asks_that_step_again_on_return(couple, domain):
    start(domain)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    with transaction() as session:
        group = couple_for_group(GROUP, session=session)
        held = flows.suspend_running(group, session, utc_now())
    assert held is not None and statement().status == "paused"
    # While paused, Alex's words are not taken as the feeling.
    say(domain, ALEX, "I felt tired")
    assert statement().feel_text is None
    assert "Something is already in progress" in shown(start(domain))
    with transaction() as session:
        group = couple_for_group(GROUP, session=session)
        back = flows.restore(group, "statement", held.state, session, utc_now())
    assert back[0].response == "utter_statement_feel" and back[0].chat_id == GROUP
    say(domain, ALEX, "I felt tired and a bit lonely")
    assert statement().feel_text == "I felt tired and a bit lonely"


def test_cancel_sets_the_statement_aside_with_what_was_written(couple, domain):
    start(domain)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink")
    cancelled = say(domain, SAM, "/cancel", "cancel")
    assert shown(cancelled) == "Statement stopped. Anything written so far is saved as unfinished."
    saved = statement()
    assert saved.status == "unfinished" and saved.describe_text.startswith("On Sunday")
    assert "Nothing is running" in shown(say(domain, SAM, "/cancel", "cancel"))
    assert "Step 1 of 3" in shown(start(domain))


# --- drafting in private ----------------------------------------------------------------------


def test_a_private_draft_is_shared_to_the_group_and_the_listener_answers_there(couple, domain):
    started = say(domain, ALEX, "/start_statement", "start_statement", chat=ALEX)
    assert 'Nothing goes to your group until you press "Share with Sam"' in shown(started)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    say(domain, ALEX, "I felt tired and a bit lonely", chat=ALEX)
    review = say(domain, ALEX, "Would you wash up on weeknights after dinner?", chat=ALEX)
    assert all(not (m.get("custom") or {}).get("telegram", {}).get("chat_id") for m in review)
    assert "Here is your statement:" in shown(review)
    draft = statement()
    assert (draft.drafted_in, draft.step, draft.shared, draft.chat_id) == (
        "private",
        "review",
        False,
        ALEX,
    )
    # Sam's words in the group have nothing to do with Alex's private draft.
    assert say(domain, SAM, "did you feed the cat") == []
    assert "Share with Sam" in shown(say(domain, ALEX, "hello?", chat=ALEX))
    shared = press(domain, ALEX, buttons(review)["Share with Sam"], chat=ALEX)
    to_group = next(m["custom"]["telegram"] for m in shared if m.get("custom"))
    assert to_group["chat_id"] == GROUP and to_group["text"].startswith("Sam, Alex would like")
    assert "Shared in your group. Sam can answer there." in shown(shared)
    saved = statement()
    assert saved.shared and saved.shared_at is not None and saved.status == "awaiting_listener"
    confirm = say(domain, SAM, "You'd like me to wash up on weeknights")
    assert statement().reflection_text == "You'd like me to wash up on weeknights"
    asked = press(domain, ALEX, buttons(confirm)["Yes"])
    press(domain, SAM, buttons(asked)["Yes"])
    assert statement().status == "complete" and len(agreements()) == 1


def test_sharing_waits_while_the_group_is_busy(couple, domain):
    say(domain, ALEX, "/start_statement", "start_statement", chat=ALEX)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    say(domain, ALEX, "I felt tired and a bit lonely", chat=ALEX)
    review = say(domain, ALEX, "Would you wash up on weeknights after dinner?", chat=ALEX)
    # Sam starts one in the group, and writes it there.
    here = buttons(say(domain, SAM, "/start_statement", "start_statement"))
    press(domain, SAM, here["Write it here instead"])
    waiting = press(domain, ALEX, buttons(review)["Share with Sam"], chat=ALEX)
    assert "in the middle of something" in shown(waiting) and keeps_keyboard(waiting)
    with transaction() as session:
        drafts = session.execute(select(Statement).where(Statement.chat_id == ALEX)).scalars()
        assert [d.shared for d in drafts] == [False]


def test_someone_in_two_couples_chooses_whom_the_draft_is_for(couple, domain):
    with transaction() as session:
        join(OTHER_GROUP, ALEX, "Alex", session=session)
        join(OTHER_GROUP, KIM, "Kim", session=session)
    agree_in_private(OTHER_GROUP)
    asked = say(domain, ALEX, "/start_statement", "start_statement", chat=ALEX)
    assert shown(asked) == "Who is this statement for?"
    assert list(buttons(asked)) == ["With Sam", "With Kim"]
    started = press(domain, ALEX, buttons(asked)["With Kim"], chat=ALEX)
    assert 'press "Share with Kim"' in shown(started)
    assert shown(press(domain, ALEX, buttons(asked)["With Kim"], chat=ALEX)) == (
        "This was already answered."
    )
    with transaction() as session:
        kim_couple = couple_for_group(OTHER_GROUP, session=session)
        alex_there, kim = kim_couple.partners
        draft = session.execute(select(Statement)).scalars().one()
        assert (draft.couple_id, draft.speaker_id, draft.listener_id) == (
            kim_couple.id,
            alex_there.id,
            kim.id,
        )


def test_cancel_in_private_stops_the_draft_and_says_nothing_in_the_group(couple, domain):
    say(domain, ALEX, "/start_statement", "start_statement", chat=ALEX)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    cancelled = say(domain, ALEX, "/cancel", "cancel", chat=ALEX)
    telegram = [m["custom"]["telegram"] for m in cancelled if m.get("custom")]
    assert [t["chat_id"] for t in telegram] == [ALEX]
    assert telegram[0]["text"].startswith("Your draft is stopped.")
    assert statement().status == "unfinished"


def test_cancel_in_private_of_a_draft_begun_in_the_group_tells_the_group(couple, domain):
    say(domain, ALEX, "/talk", "start_statement", entities={"topic": "the dishes"})
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    cancelled = say(domain, ALEX, "/cancel", "cancel", chat=ALEX)
    telegram = [m["custom"]["telegram"] for m in cancelled if m.get("custom")]
    assert [t["chat_id"] for t in telegram] == [ALEX, GROUP]
    group_line = telegram[1]["text"]
    assert group_line == "Alex has set it aside for now. Sam, nothing more is coming on it today."
    assert "dishes" not in group_line and "Sunday" not in group_line
    assert statement().status == "unfinished"


def test_a_group_cancel_leaves_a_partners_private_draft_alone(couple, domain):
    say(domain, ALEX, "/start_statement", "start_statement", chat=ALEX)
    say(domain, ALEX, "On Sunday you went to bed and left the dishes in the sink", chat=ALEX)
    answer = say(domain, SAM, "/cancel", "cancel")
    assert shown(answer) == "Nothing is running right now, so there is nothing to cancel."
    assert statement().status == "drafting"
    assert statement().describe_text.startswith("On Sunday")


def test_private_talk_without_a_couple_explains_how_to_start(database, domain):
    answer = say(domain, KIM, "/start_statement", "start_statement", chat=KIM)
    assert "set me up in a group" in shown(answer)


def test_statement_texts_have_no_blank_lines_which_rasa_would_split_into_messages(domain):
    for name, variants in domain["responses"].items():
        if name.startswith("utter_statement"):
            assert "\n\n" not in variants[0]["text"], name


def test_buttons_pressed_after_cancel_do_nothing(couple, domain):
    start(domain)
    keep = buttons(say(domain, ALEX, "You never help"))["Keep it"]
    say(domain, ALEX, "/cancel", "cancel")
    assert shown(press(domain, ALEX, keep)) == "This statement was stopped."
    assert statement().status == "unfinished" and statement().kept_despite_findings == []
    skip = buttons(write_all_steps(domain))["Skip"]
    say(domain, SAM, "/cancel", "cancel")
    assert shown(press(domain, SAM, skip)) == "This statement was stopped."
    assert statement().reflection_text is None


def test_a_button_naming_no_statement_is_answered_kindly(couple, domain):
    assert shown(press(domain, SAM, '/statement_yes{"statement_ref":"999"}')) == (
        "This has moved on."
    )
    assert shown(press(domain, SAM, '/statement_yes{"statement_ref":"nonsense"}')) == (
        "This has moved on."
    )


def test_a_reminder_while_the_group_is_busy_waits_and_says_nothing(couple, domain):
    asked = need_time(domain)
    press(domain, SAM, next(iter(buttons(asked).values())))
    first_due = statement().answer_due_at
    start(domain)  # Alex writes a new statement in the group meanwhile
    assert fire_answer_due(domain) == []  # fired (early, here) while the group is busy
    with transaction() as session:
        waiting = session.execute(select(Statement).order_by(Statement.id)).scalars().first()
        assert waiting.status == "needs_time" and waiting.answer_due_at != first_due
        assert waiting.answer_due_at > utc_now() + timedelta(minutes=9)
        pending = session.execute(
            select(Timer).where(Timer.kind == "statement_answer_due", Timer.status == "pending")
        ).scalars().all()
        assert [t.due_at for t in pending] == [waiting.answer_due_at]
