"""The monthly check-in's schedule: the two documented forms, and the next moment."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from actions.checkin.schedule import DEFAULT, next_run, parse, stored

UTC = timezone.utc


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("first sunday 19:00", "first sunday 19:00"),
        ("First Sunday at 7pm", "first sunday 19:00"),
        ("last friday 18:30", "last friday 18:30"),
        ("2nd tue 07:05", "second tuesday 07:05"),
        ("day 15 19:00", "day 15 19:00"),
        ("the 3rd 8:30", "day 3 08:30"),
        ("on the 1st of the month at 9am", "day 1 09:00"),
        ("day 1 10:00:30", "day 1 10:00:30"),
    ],
)
def test_a_schedule_is_read_in_either_form(typed, normalised):
    schedule = parse(typed)
    assert schedule is not None and schedule.text() == normalised


@pytest.mark.parametrize(
    "typed",
    ["sunday 19:00", "day 32 19:00", "first sunday 25:00", "every day", "", "first xyz 19:00"],
)
def test_other_words_are_no_schedule(typed):
    assert parse(typed) is None


def test_the_default_is_the_first_sunday_evening_in_the_couples_zone():
    assert stored(None).text() == DEFAULT
    after = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # a Tuesday; Sunday the 6th is the first
    berlin = next_run(stored(None), "Europe/Berlin", after)
    assert berlin == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert next_run(stored(None), None, after) == datetime(2026, 12, 6, 19, 0, tzinfo=UTC)


def test_a_moment_past_this_month_is_next_months():
    after = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
    assert next_run(stored(None), None, after) == datetime(2027, 1, 3, 19, 0, tzinfo=UTC)


def test_a_day_a_short_month_lacks_is_its_last_day():
    day_31 = parse("day 31 10:00")
    assert day_31 is not None
    after = datetime(2027, 2, 1, tzinfo=UTC)
    assert next_run(day_31, None, after) == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)


def test_last_weekday_of_the_month():
    last_friday = parse("last friday 18:00")
    assert last_friday is not None
    after = datetime(2026, 12, 1, tzinfo=UTC)
    assert next_run(last_friday, "UTC", after) == datetime(2026, 12, 25, 18, 0, tzinfo=UTC)
