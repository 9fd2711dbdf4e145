"""Times to come back after a pause: offered buttons and free text, with an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from actions.pause.times import (
    Parsed,
    Unclear,
    choice_time,
    describe_time,
    looks_like_a_time,
    offered_times,
    parse_time,
    until_text,
)

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def local(zone: str, *args: int) -> datetime:
    """A moment given on the couple's wall clock, as UTC (how it is stored)."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)  # type: ignore[misc]


# Wednesday 13 March 2024, 18:30 in Berlin.
WEDNESDAY_EVENING = local(BERLIN, 2024, 3, 13, 18, 30)


def wall(moment: datetime, zone: str = BERLIN) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %H:%M:%S")


def parsed(text: str, now: datetime = WEDNESDAY_EVENING, zone: str = BERLIN) -> str:
    result = parse_time(text, zone, now)
    assert isinstance(result, Parsed), (text, result)
    assert result.when.tzinfo is not None and result.when.utcoffset() == timedelta(0)
    return wall(result.when, zone)


def unclear(text: str, now: datetime = WEDNESDAY_EVENING, zone: str = BERLIN) -> str:
    result = parse_time(text, zone, now)
    assert isinstance(result, Unclear), (text, result)
    return result.reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 45 minutes", "Wed 13 19:15:00"),
        ("in 20 min", "Wed 13 18:50:00"),
        ("20 minutes", "Wed 13 18:50:00"),
        ("in 30 seconds", "Wed 13 18:30:30"),
        ("in 20s", "Wed 13 18:30:20"),
        ("in an hour", "Wed 13 19:30:00"),
        ("1 hour", "Wed 13 19:30:00"),
        ("2h", "Wed 13 20:30:00"),
        ("in 1h30", "Wed 13 20:00:00"),
        ("1.5 hours", "Wed 13 20:00:00"),
        ("an hour and a half", "Wed 13 20:00:00"),
        ("half an hour", "Wed 13 19:00:00"),
        ("in half an hour", "Wed 13 19:00:00"),
        ("quarter of an hour", "Wed 13 18:45:00"),
        ("a couple of hours", "Wed 13 20:30:00"),
        ("in two hours", "Wed 13 20:30:00"),
        ("in 5", "Wed 13 18:35:00"),
        ("in 45 minutes please", "Wed 13 19:15:00"),
        ("ok let's come back in 30 min", "Wed 13 19:00:00"),
        ("🙂 in 30 min 🙂", "Wed 13 19:00:00"),
        ("for 45 minutes", "Wed 13 19:15:00"),
    ],
)
def test_durations_count_from_now(text: str, expected: str):
    assert parsed(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "at 7" is the next time the clock shows 7: at 18:30 that is 19:00 today.
        ("at 7", "Wed 13 19:00:00"),
        ("7", "Wed 13 19:00:00"),
        ("around 8", "Wed 13 20:00:00"),
        ("8ish", "Wed 13 20:00:00"),
        ("7pm", "Wed 13 19:00:00"),
        ("at 7.30pm", "Wed 13 19:30:00"),
        ("at 19:30", "Wed 13 19:30:00"),
        ("20.30", "Wed 13 20:30:00"),
        ("ok 20:30", "Wed 13 20:30:00"),
        ("at 7:15", "Thu 14 07:15:00"),
        ("6:00", "Thu 14 06:00:00"),
        ("at 6", "Thu 14 06:00:00"),
        ("noon", "Thu 14 12:00:00"),
        ("midnight", "Thu 14 00:00:00"),
        ("12am", "Thu 14 00:00:00"),
        ("24:00", "Thu 14 00:00:00"),
        ("at 8 tonight", "Wed 13 20:00:00"),
        ("wednesday at 20:00", "Wed 13 20:00:00"),
    ],
)
def test_clock_times_are_the_next_such_time(text: str, expected: str):
    assert parsed(text) == expected


def test_at_7_early_in_the_morning_is_seven_that_morning():
    assert parsed("at 7", local(BERLIN, 2024, 3, 13, 5, 10)) == "Wed 13 07:00:00"


def test_at_7_late_at_night_is_seven_the_next_morning():
    assert parsed("at 7", local(BERLIN, 2024, 3, 13, 21, 0)) == "Thu 14 07:00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Saturday at 10", "Sat 16 10:00:00"),
        ("let's say saturday at 10", "Sat 16 10:00:00"),
        ("sunday 10am", "Sun 17 10:00:00"),
        ("saturday at 3", "Sat 16 15:00:00"),
        ("friday 19:30", "Fri 15 19:30:00"),
        ("tomorrow at 9", "Thu 14 09:00:00"),
        ("tomorrow 21:00", "Thu 14 21:00:00"),
        ("tomorrow morning", "Thu 14 09:00:00"),
        ("tomorrow evening", "Thu 14 19:00:00"),
        ("tomorrow", "Thu 14 18:30:00"),
        ("the day after tomorrow at 3", "Fri 15 15:00:00"),
        ("in 2 days at 10", "Fri 15 10:00:00"),
        ("in 2 days", "Fri 15 18:30:00"),
        ("march 20 at 10:00", "Wed 20 10:00:00"),
        ("20/03 19:00", "Wed 20 19:00:00"),
        ("20th at 9", "Wed 20 09:00:00"),
        ("wednesday at 10", "Wed 20 10:00:00"),
        ("next wednesday at 18:00", "Wed 20 18:00:00"),
        ("this evening", "Wed 13 20:00:00"),
        ("tonight", "Wed 13 20:00:00"),
    ],
)
def test_days_and_times_together(text: str, expected: str):
    assert parsed(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("whenever", "no_time"),
        ("never", "no_time"),
        ("idk", "no_time"),
        ("lol", "no_time"),
        ("", "no_time"),
        ("   ", "no_time"),
        ("x" * 4000, "no_time"),
        ("yesterday", "past"),
        ("yesterday at 9", "past"),
        ("an hour ago", "past"),
        ("today at 9:00", "past"),
        ("25:00", "invalid_clock"),
        ("7:75", "invalid_clock"),
        ("13pm", "invalid_clock"),
        ("45", "invalid_clock"),
        ("after dinner", "needs_clock"),
        ("after the kids are in bed", "needs_clock"),
        ("later", "needs_clock"),
        ("soon", "needs_clock"),
        ("saturday", "needs_clock"),
        ("next wednesday", "needs_clock"),
        ("on the 20th", "needs_clock"),
    ],
)
def test_vague_past_and_impossible_times_are_not_guessed(text: str, reason: str):
    assert unclear(text) == reason


def test_invalid_clock_names_the_part_that_is_wrong():
    result = parse_time("let's do 25:00", BERLIN, WEDNESDAY_EVENING)
    assert result == Unclear("invalid_clock", "25:00")


def test_this_evening_when_the_evening_is_here_asks_for_a_clock_time():
    assert unclear("this evening", local(BERLIN, 2024, 3, 13, 20, 0)) == "needs_clock"


def test_times_are_read_in_the_couples_zone():
    now = local(NEW_YORK, 2024, 3, 13, 18, 30)
    result = parse_time("at 7", NEW_YORK, now)
    assert isinstance(result, Parsed)
    assert result.when == local(NEW_YORK, 2024, 3, 13, 19, 0)
    assert result.when.hour == 23  # 19:00 in New York is 23:00 UTC (EDT)


def test_daylight_saving_change_keeps_the_wall_clock_time():
    # Berlin moves its clocks on Sunday 31 March 2024; "Sunday at 10" is 10:00 local.
    now = local(BERLIN, 2024, 3, 29, 12, 0)
    result = parse_time("sunday at 10", BERLIN, now)
    assert isinstance(result, Parsed)
    assert wall(result.when) == "Sun 31 10:00:00"
    assert result.when.hour == 8  # CEST is UTC+2


def test_an_unknown_zone_falls_back_to_utc():
    result = parse_time(
        "at 19:30", "Mars/Olympus", datetime(2024, 3, 13, 18, 0, tzinfo=timezone.utc)
    )
    assert result == Parsed(datetime(2024, 3, 13, 19, 30, tzinfo=timezone.utc))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in 45 minutes", True),
        ("Saturday at 10", True),
        ("whenever", True),
        ("after dinner", True),
        ("I need a break", False),
        ("I can't believe you said that", False),
        ("ok", False),
        ("we were late on monday and it wasn't my fault at all, you know that very well", False),
    ],
)
def test_only_time_like_words_are_read_as_a_proposal(text: str, expected: bool):
    assert looks_like_a_time(text) is expected


def test_offered_times_in_the_evening():
    choices = offered_times(WEDNESDAY_EVENING, BERLIN, 1200)
    assert [c.key for c in choices][:2] == ["m20", "m60"]
    assert [c.label for c in choices] == [
        "In 20 minutes",
        "In 1 hour",
        "This evening, 20:00",  # 19:00 is too close for a real break
        "Tomorrow, 18:30",
    ]
    assert [wall(c.when) for c in choices] == [
        "Wed 13 18:50:00",
        "Wed 13 19:30:00",
        "Wed 13 20:00:00",
        "Thu 14 18:30:00",
    ]


def test_offered_times_in_the_afternoon_late_night_and_small_hours():
    afternoon = offered_times(local(BERLIN, 2024, 3, 13, 14, 10), BERLIN, 1200)
    assert [c.label for c in afternoon][2:] == ["This evening, 19:00", "Tomorrow, 14:00"]
    late = offered_times(local(BERLIN, 2024, 3, 13, 22, 40), BERLIN, 1200)
    assert len(late) == 3  # no "this evening" at 22:40
    assert late[-1].label == "Tomorrow, 21:00"  # within waking hours, under a day away
    small_hours = offered_times(local(BERLIN, 2024, 3, 14, 1, 15), BERLIN, 1200)
    assert wall(small_hours[-1].when) == "Thu 14 09:00:00"  # after sleep, not a day later


def test_offered_times_use_twelve_hour_clocks_where_people_do():
    choices = offered_times(local(NEW_YORK, 2024, 3, 13, 14, 0), NEW_YORK, 1200)
    assert choices[2].label == "This evening, 7:00 pm"


def test_a_longer_minimum_makes_the_first_button_longer():
    assert offered_times(WEDNESDAY_EVENING, BERLIN, 1800)[0].label == "In 30 minutes"


def test_a_button_gives_what_its_label_says_even_when_pressed_later():
    evening = offered_times(WEDNESDAY_EVENING, BERLIN, 1200)[2]
    pressed_at = WEDNESDAY_EVENING + timedelta(minutes=7)
    assert choice_time("m20", pressed_at) == pressed_at + timedelta(minutes=20)
    assert choice_time(evening.key, pressed_at) == evening.when
    assert wall(evening.when) == "Wed 13 20:00:00"
    assert choice_time(evening.key, local(BERLIN, 2024, 3, 13, 20, 1)) is None  # passed
    assert choice_time("nonsense", pressed_at) is None
    assert len(f'/pause_time{{"pause_ref":"1234567.{evening.key}"}}'.encode()) <= 64


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (local(BERLIN, 2024, 3, 13, 19, 15), "today at 19:15 (in 45 minutes)"),
        (local(BERLIN, 2024, 3, 13, 18, 30, 20), "today at 18:30 (in 20 seconds)"),
        (local(BERLIN, 2024, 3, 13, 22, 0), "today at 22:00"),
        (local(BERLIN, 2024, 3, 14, 9, 0), "tomorrow at 09:00"),
        (local(BERLIN, 2024, 3, 16, 10, 0), "Saturday at 10:00"),
        (local(BERLIN, 2024, 3, 25, 10, 0), "Monday 25 March at 10:00"),
    ],
)
def test_times_are_said_back_plainly(moment: datetime, expected: str):
    assert describe_time(moment, BERLIN, WEDNESDAY_EVENING) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (5, "5 seconds"),
        (1200, "20 minutes"),
        (3600, "1 hour"),
        (5400, "1 h 30 min"),
        (7200, "2 hours"),
    ],
)
def test_durations_are_said_back_plainly(seconds: int, expected: str):
    assert until_text(seconds) == expected
