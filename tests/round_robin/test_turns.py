"""The round-robin's rules as plain functions: options, who speaks, clocks, the wrap-up."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from actions.round_robin import turns as rules

T0 = datetime(2025, 3, 1, 20, 0, tzinfo=timezone.utc)
NAMES = ("Alex", "Sam")


@pytest.mark.parametrize(
    ("text", "seconds", "rounds", "first", "topic"),
    [
        ("money, 3 minutes each, 2 rounds", 180, 2, None, "money"),
        ("about the kids 5 min each", 300, None, None, "the kids"),
        ("the move, two rounds, me first", None, 2, "me", "the move"),
        ("Sam first, 10 minutes, about chores", 600, None, "Sam", "chores"),
        ("90 seconds each", 90, None, None, None),
        ("1.5 minutes each on money", 90, None, None, "money"),
        ("half a minute each", 30, None, None, None),
        ("3m each, twice", 180, 2, None, None),
        ("you go first, the holidays", None, None, "you", "the holidays"),
        ("let's do a round robin", None, None, None, "let's do a round robin"),
        ("one round robin about money", None, None, None, "one round robin about money"),
        ("who called first", None, None, None, "who called first"),
        ("", None, None, None, None),
    ],
)
def test_options_in_words_and_what_is_left_as_topic(text, seconds, rounds, first, topic):
    assert rules.parse_options(text, NAMES) == rules.Options(seconds, rounds, first, topic)


def test_options_asked_for_are_kept_within_sensible_bounds():
    assert rules.parse_options("10 seconds each").turn_seconds == rules.MIN_TURN_SECONDS
    assert rules.parse_options("2 hours, 20 minutes each").turn_seconds == 20 * 60
    assert rules.parse_options("90 minutes each").turn_seconds == rules.MAX_TURN_SECONDS
    assert rules.parse_options("12 rounds").rounds == rules.MAX_ROUNDS


def test_odd_input_never_breaks_option_parsing():
    for text in ("😀" * 50, "x" * 4000, "<b>5 minutes</b>", "*2 rounds*", "раунд 5 минут"):
        rules.parse_options(text, ("<i>Sam</i>", "[Alex](x)"))
    assert rules.parse_options("<b>2 rounds</b>").rounds == 2


def test_topic_in_plain_words_when_nlu_found_none():
    assert rules.topic_from_words("let's do a round robin about money, 3 minutes each") == "money"
    assert rules.topic_from_words("round robin on my parents please") == "my parents"
    assert rules.topic_from_words("can we each have five minutes") is None


def test_the_first_speaker_is_who_did_not_ask_in_a_first_session():
    assert rules.choose_first_speaker(1, 2, {}) == (2, rules.REASON_DID_NOT_START)


def test_the_first_speaker_is_who_spoke_less_recently():
    assert rules.choose_first_speaker(1, 2, {1: 120.0, 2: 600.0}) == (
        1,
        rules.REASON_LESS_SPEAKING_TIME,
    )
    assert rules.choose_first_speaker(1, 2, {1: 600.0, 2: 120.0}) == (
        2,
        rules.REASON_LESS_SPEAKING_TIME,
    )
    assert rules.choose_first_speaker(1, 2, {1: 300.0, 2: 300.4}) == (
        2,
        rules.REASON_DID_NOT_START,
    )


def test_turns_alternate_and_a_round_is_both_partners():
    assert [rules.speaker_for(n, 7, 9) for n in range(1, 5)] == [7, 9, 7, 9]
    assert rules.total_turns(2) == 4
    assert [rules.is_last_turn(n, 2) for n in range(1, 5)] == [False, False, False, True]
    assert [rules.rounds_done_after(n) for n in range(1, 5)] == [0, 1, 1, 2]


def test_a_stopped_clock_keeps_exactly_the_time_left():
    started = T0
    held, left = rules.stop_clock(300.0, started, T0 + timedelta(seconds=100))
    assert (held, left) == (100.0, 200.0)
    # Restarted later with what was left: due exactly `left` after the restart.
    restarted = T0 + timedelta(hours=2)
    assert rules.due_at(restarted, left) == restarted + timedelta(seconds=200)
    # Stopped after the due moment (the bot was down): never more than the time there was.
    assert rules.stop_clock(200.0, restarted, restarted + timedelta(seconds=500)) == (200.0, 0.0)


def test_one_heads_up_a_minute_before_or_at_half_time_for_short_turns():
    assert rules.heads_up_delay(300, 300) == 240
    assert rules.heads_up_delay(90, 90) == 45
    assert rules.heads_up_delay(6, 6) == 3
    assert rules.heads_up_delay(300, 200) == 140  # resumed with 200 s left
    assert rules.heads_up_delay(300, 50) is None  # its moment passed during a pause
    assert rules.heads_up_still_useful(300, 58.0)
    assert not rules.heads_up_still_useful(300, 10.0)  # fired late: the end is upon us


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (300, "5 minutes"),
        (60, "1 minute"),
        (59.6, "1 minute"),
        (45, "45 seconds"),
        (1, "1 second"),
        (150, "2 min 30 s"),
        (0, "0 seconds"),
    ],
)
def test_durations_read_naturally(seconds, shown):
    assert rules.format_duration(seconds) == shown


def test_wrap_up_numbers_per_partner():
    summaries = rules.summarise(
        [(1, "Alex"), (2, "Sam")],
        [
            rules.TurnFacts(2, 300.0, 120, 4),
            rules.TurnFacts(1, 75.5, 30, 2),
            rules.TurnFacts(2, 10.0, 3, 1),
        ],
        [1, 1, 2],
    )
    # The wrap-up shows speaking times only; the other numbers stay for the record.
    assert [rules.summary_line(s) for s in summaries] == ["Alex: 1 min 16 s", "Sam: 5 min 10 s"]
    assert [(s.words, s.messages, s.interruptions) for s in summaries] == [(30, 2, 2), (123, 5, 1)]
    lonely = rules.summarise([(1, "Alex"), (2, "Sam")], [], [])
    assert rules.summary_line(lonely[0]) == "Alex: 0 seconds"


def test_notes_handed_back_are_short_and_name_stickers():
    block = rules.notes_block(
        ["That's not what happened", None, "x" * 1000], ["text", "sticker", "text"]
    )
    lines = block.split("\n")
    assert lines[0] == "– That's not what happened"
    assert lines[1] == "– (sticker)"
    assert len(lines[2]) <= rules.NOTE_LIMIT + 2 and lines[2].endswith("…")
    many = rules.notes_block([str(n) for n in range(12)], ["text"] * 12)
    assert many.split("\n")[-1] == "– and 4 more (all kept: /export)"


@pytest.mark.parametrize(
    "text",
    [
        "I'm done",
        "that's all",
        "Done!!",
        "done ✅",
        "over to you Sam",
        "ok that's me done",
        "yeah that's all I wanted to say",
        "I have nothing else to add",
    ],
)
def test_a_plain_im_done_is_a_yield(text):
    assert rules.is_yield_phrase(text, NAMES)


@pytest.mark.parametrize(
    "text",
    [
        "I'm done pretending everything is fine",
        "I'm done with the silent treatment, it hurts",
        "that's all I ever asked for, a bit of help",
        "You said 'I'm done' and left the room",
        "it's always your turn to choose the movie, never mine",
        "",
        "done " * 20,
    ],
)
def test_words_of_their_own_are_content_not_a_yield(text):
    assert not rules.is_yield_phrase(text, NAMES)
