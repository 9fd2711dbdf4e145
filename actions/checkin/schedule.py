"""When the monthly check-in runs: a simple schedule, in the couple's time zone.

Two forms (what `/checkin time …` accepts, case-insensitive):
    first sunday 19:00     an ordinal (first, second, third, fourth, last; or 1st … 4th)
                           and a weekday, then a time
    day 15 19:00           a day of the month (1–31: a shorter month uses its last day)
The time is 24-hour `HH:MM` (`7pm`, `7:30 pm` and "at" are understood too; `HH:MM:SS`
as well, which the tests use). Stored in this normalised form in `couples.checkin_schedule`;
None there means the default, `first sunday 19:00`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT = "first sunday 19:00"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
ORDINALS |= {"fourth": 4, "4th": 4, "last": -1}
ORDINAL_NAMES = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}

_TIME = r"(?:at\s+)?(?P<h>\d{1,2})(?::(?P<m>\d{2}))?(?::(?P<s>\d{2}))?\s*(?P<ampm>am|pm)?"
_WEEKDAY_FORM = re.compile(
    rf"(?:on\s+)?(?:the\s+)?(?P<ord>{'|'.join(ORDINALS)})\s+(?P<wd>[a-z]+?)s?(?:\s+of\s+the\s+month)?\s+{_TIME}"
)
_DAY_FORM = re.compile(
    rf"(?:on\s+)?(?:the\s+)?(?:day\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of\s+the\s+month)?\s+{_TIME}"
)


@dataclass(frozen=True)
class Schedule:
    at: time
    weekday: int | None = None  # 0 = Monday, with `ordinal`
    ordinal: int | None = None  # 1–4, or -1 for the last
    day: int | None = None  # a day of the month, instead

    def text(self) -> str:
        """The normalised form (what is stored and shown)."""
        clock = f"{self.at:%H:%M}" + (f":{self.at.second:02d}" if self.at.second else "")
        if self.day is not None:
            return f"day {self.day} {clock}"
        assert self.ordinal is not None and self.weekday is not None
        return f"{ORDINAL_NAMES[self.ordinal]} {WEEKDAYS[self.weekday]} {clock}"


def parse(text: str) -> Schedule | None:
    """A schedule from what a person typed, or None when it is not one of the two forms."""
    cleaned = " ".join(text.lower().replace(",", " ").split())
    match = _WEEKDAY_FORM.fullmatch(cleaned)
    if match:
        weekday = next((i for i, d in enumerate(WEEKDAYS) if d.startswith(match["wd"][:3])), None)
        at = _clock(match)
        if weekday is None or at is None or len(match["wd"]) < 3:
            return None
        return Schedule(at=at, weekday=weekday, ordinal=ORDINALS[match["ord"]])
    match = _DAY_FORM.fullmatch(cleaned)
    if match:
        day, at = int(match["day"]), _clock(match)
        if not 1 <= day <= 31 or at is None:
            return None
        return Schedule(at=at, day=day)
    return None


def _clock(match: re.Match[str]) -> time | None:
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match["ampm"] == "pm" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def stored(value: str | None) -> Schedule:
    """The couple's schedule (the default when none was chosen or it no longer reads)."""
    schedule = parse(value) if value else None
    return schedule or _default()


def _default() -> Schedule:
    schedule = parse(DEFAULT)
    assert schedule is not None
    return schedule


def zone_of(name: str | None) -> ZoneInfo | timezone:
    try:
        return ZoneInfo(name) if name else timezone.utc
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def day_in_month(schedule: Schedule, year: int, month: int) -> date:
    last = calendar.monthrange(year, month)[1]
    if schedule.day is not None:
        return date(year, month, min(schedule.day, last))
    assert schedule.weekday is not None and schedule.ordinal is not None
    if schedule.ordinal == -1:
        end = date(year, month, last)
        return end - timedelta(days=(end.weekday() - schedule.weekday) % 7)
    first = date(year, month, 1)
    offset = (schedule.weekday - first.weekday()) % 7
    return first + timedelta(days=offset + 7 * (schedule.ordinal - 1))


def next_run(schedule: Schedule, zone: str | None, after: datetime) -> datetime:
    """The first moment of the schedule strictly after `after`, in UTC."""
    tz = zone_of(zone)
    local = after.astimezone(tz)
    year, month = local.year, local.month
    for _ in range(3):  # this month's moment may have passed; next month's has not
        moment = datetime.combine(day_in_month(schedule, year, month), schedule.at, tzinfo=tz)
        if moment.astimezone(timezone.utc) > after:
            return moment.astimezone(timezone.utc)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError("a monthly schedule always has a next moment")


def describe(moment: datetime, zone: str | None) -> str:
    """ "Sunday 5 July at 19:00" in the couple's time zone."""
    local = moment.astimezone(zone_of(zone))
    return f"{local:%A} {local.day} {local:%B} at {local:%H:%M}"
