"""Times to come back after a pause: the offered choices, and what people type.

Pure functions of (text, the couple's IANA zone, `now`), so tests inject the clock.
People write "in 45 minutes", "Saturday at 10", "at 7", "tomorrow evening", "19:30". We read
the clock part ourselves (dateparser takes "at 7" for July and "Saturday at 10" for October)
and hand the day part ("Saturday", "March 20", "in 3 days", "next week") to dateparser, in
the couple's zone, preferring the future. Anything vague gets a kind question back instead
of a guess: "after dinner" asks for a clock time; "whenever", "never", "yesterday" and
"25:00" ask for a time that can actually be kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser  # type: ignore[import-untyped]

DAY = timedelta(days=1)

# Default clock times for parts of the day ("tomorrow evening" → 19:00).
PART_OF_DAY: dict[str, time] = {
    "morning": time(9, 0),
    "midday": time(12, 0),
    "noon": time(12, 0),
    "lunchtime": time(12, 30),
    "afternoon": time(15, 0),
    "evening": time(19, 0),
    "tonight": time(20, 0),
    "night": time(20, 0),
    "midnight": time(0, 0),
}
EVENING_CANDIDATES = (time(19, 0), time(20, 0), time(21, 0))
# The offered "this evening" must leave room for a real break.
EVENING_MIN_AHEAD = timedelta(minutes=90)
# "Tomorrow" keeps the time of day the couple talks at, within waking hours.
TOMORROW_EARLIEST, TOMORROW_LATEST = time(9, 0), time(21, 0)
# Before this hour "tomorrow" means after tonight's sleep (people up at 1 a.m. mean today).
NIGHT_ENDS = 5

WORD_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fortyfive": 45, "forty-five": 45,
    "fifty": 50, "sixty": 60, "ninety": 90, "couple": 2, "a couple": 2, "a couple of": 2,
}  # fmt: skip
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_NUMBER = (
    r"\d+(?:[.,]\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"fifteen|twenty|thirty|forty[- ]?five|forty|fifty|sixty|ninety|(?:a )?couple(?: of)?"
)
_UNIT_WORD = r"seconds?|secs?|minutes?|mins?|hours?|hrs?|days?"
RELATIVE = re.compile(rf"\b(?:in\s+)?(?P<number>{_NUMBER})\s*(?P<unit>{_UNIT_WORD})\b")
RELATIVE_SHORT = re.compile(r"\b(?:in\s+)?(?P<number>\d+)(?P<unit>[smhd])\b")
HALF_HOUR = re.compile(r"\b(?:a\s+)?half\s+(?:an?\s+)?hour\b")
HOUR_AND_HALF = re.compile(
    r"\b(?:an?|one|1)\s+hour\s+and\s+a\s+half\b|\b(?:1|one)\s+and\s+a\s+half\s+hours?\b"
)
QUARTER_HOUR = re.compile(r"\b(?:a\s+)?quarter\s+(?:of\s+)?(?:an?\s+)?hour\b")
HOURS_MINUTES = re.compile(r"\b(?P<hours>\d{1,2})\s*h\s*(?P<minutes>\d{1,2})\s*(?:m|min|mins)?\b")

AM_PM = re.compile(
    r"\b(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>a\.?m\.?|p\.?m\.?)(?=\W|$)"
)
CLOCK = re.compile(r"(?<![\d/.])(?P<hour>\d{1,2})\s*[:.h]\s*(?P<minute>\d{2})(?![\d/])")
_NOT_A_DURATION = rf"(?!\s*(?:[\d:./]|(?:{_UNIT_WORD}|[smhd])\b|(?:st|nd|rd|th)\b))"
AT_HOUR = re.compile(
    rf"\b(?:at|around|about|by|@)\s*(?P<hour>\d{{1,2}}){_NOT_A_DURATION}(?:\s*o'?clock)?\b"
)
OCLOCK = re.compile(r"\b(?P<hour>\d{1,2})\s*(?:o'?clock|-?ish)\b")
BARE_IN = re.compile(r"^in\s+(?P<number>\d{1,3})$")  # "in 5": minutes
LONE_NUMBER = re.compile(r"^(?P<hour>\d{1,3})$")

NO_TIME = re.compile(
    r"\b(whenever|never|anytime|any time|some ?time|some ?day|one day|eventually|"
    r"no idea|idk|dunno|don'?t know|not sure|whatever|forever|who knows)\b"
)
PAST = re.compile(
    r"\b(yesterday|ago|last (night|week|month|year|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)|earlier today)\b"
)
# Words that name a moment without a clock: we ask for the clock time.
VAGUE = re.compile(
    r"\b(after|before|when|once|later|soon|in a bit|in a while|a while|few|some point|"
    r"weekend|lunch|dinner|breakfast|work|bed|bedtime|kids)\b"
)
# Only messages with one of these are read as an attempt at a time (the rest is chatter).
TIME_WORDS = re.compile(
    r"\d|\b(today|tonight|tomorrow|morning|afternoon|evening|night|noon|midday|midnight|"
    r"minutes?|mins?|hours?|hrs?|seconds?|secs?|days?|week|weekend|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|o'?clock|half|quarter|later|soon|whenever|never|"
    r"anytime|yesterday|after|before|lunch|dinner|breakfast|month|january|february|march|april|"
    r"june|july|august|september|october|november|december)\b"
)
DAY_WORDS = re.compile(
    r"\b(today|tonight|tomorrow|week|month|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|mon|tue|tues|wed|thu|thur|thurs|fri|january|february|march|april|june|july|"
    r"august|september|october|november|december|jan|feb|apr|jul|aug|sep|sept|oct|nov|dec|"
    r"\d{1,2}(st|nd|rd|th))\b|\d{1,2}[/.-]\d{1,2}"
)
PART_WORDS = re.compile(
    r"\b(morning|midday|noon|lunchtime|afternoon|evening|tonight|night|midnight)\b"
)
FILLER = re.compile(
    r"\b(ok(ay)?|sure|yes|yeah|yep|please|pls|plz|maybe|perhaps|let'?s|lets|say|how about|"
    r"what about|shall we|can we|could we|we can|we could|come back|continue|talk|again|"
    r"resume|meet|do|try|around|about|approx(imately)?|ish|from now|then|so|um+|hm+|and|"
    r"i think|i'?d say|works for me|for me|the|on|at|in)\b"
)


@dataclass(frozen=True)
class Parsed:
    """A moment both partners can hold on to (aware, UTC)."""

    when: datetime


@dataclass(frozen=True)
class Unclear:
    """Not a time we can keep. reason: no_time | needs_clock | past | invalid_clock."""

    reason: str
    detail: str = ""


TimeParse = Parsed | Unclear


@dataclass(frozen=True)
class TimeChoice:
    """One offered time: its button key ("m20": minutes from the press; "t…": a fixed time)."""

    key: str
    label: str
    when: datetime


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def looks_like_a_time(text: str, max_words: int = 8) -> bool:
    """Worth answering as a time proposal (else it is the couple talking to each other)."""
    words = text.split()
    return 0 < len(words) <= max_words and bool(TIME_WORDS.search(normalize(text)))


def normalize(text: str) -> str:
    cleaned = text.lower().replace("’", "'").replace("`", "'")
    cleaned = re.sub(r"[^\w:./'\- ]", " ", cleaned)
    return re.sub(r"\s+", " ", cleaned).strip(" .-'")


# -- offered choices -----------------------------------------------------------------------


def evening_time(now: datetime, zone: ZoneInfo) -> datetime | None:
    """Today's evening time with room for a break, or None when the evening is here."""
    local = now.astimezone(zone)
    for clock in EVENING_CANDIDATES:
        moment = _at(local.date(), clock, zone)
        if moment - now >= EVENING_MIN_AHEAD:
            return moment.astimezone(timezone.utc)
    return None


def tomorrow_time(now: datetime, zone: ZoneInfo) -> datetime:
    """Tomorrow at about the time of day they talk now (half hour), within waking hours."""
    local = now.astimezone(zone)
    day = local.date() if local.hour < NIGHT_ENDS else local.date() + DAY
    clock = time(local.hour, 30 if local.minute >= 30 else 0)
    clock = min(max(clock, TOMORROW_EARLIEST), TOMORROW_LATEST)
    return _at(day, clock, zone).astimezone(timezone.utc)


def offered_times(now: datetime, zone_name: str, min_seconds: int) -> list[TimeChoice]:
    zone = zone_of(zone_name)
    short_minutes = max(20, -(-min_seconds // 60))
    choices = [
        TimeChoice("m" + str(short_minutes), f"In {short_minutes} minutes",
                   now + timedelta(minutes=short_minutes)),
        TimeChoice("m60", "In 1 hour", now + timedelta(hours=1)),
    ]  # fmt: skip
    evening = evening_time(now, zone)
    if evening is not None:
        label = f"This evening, {clock_text(evening, zone)}"
        choices.append(TimeChoice(_fixed_key(evening), label, evening))
    tomorrow = tomorrow_time(now, zone)
    label = f"Tomorrow, {clock_text(tomorrow, zone)}"
    choices.append(TimeChoice(_fixed_key(tomorrow), label, tomorrow))
    return choices


def _fixed_key(moment: datetime) -> str:
    """A clock time button keeps the very time its label shows ("t" + minutes since 1970)."""
    return f"t{int(moment.timestamp() // 60)}"


def choice_time(key: str, now: datetime) -> datetime | None:
    """What a button stands for: "m20"/"s1200" from the press, "t…" as labelled; None if past."""
    minutes = re.fullmatch(r"m(\d{1,4})", key)
    if minutes:
        return now + timedelta(minutes=int(minutes.group(1)))
    seconds = re.fullmatch(r"s(\d{1,6})", key)
    if seconds:
        return now + timedelta(seconds=int(seconds.group(1)))
    fixed = re.fullmatch(r"t(\d{1,10})", key)
    if fixed is None:
        return None
    moment = datetime.fromtimestamp(int(fixed.group(1)) * 60, tz=timezone.utc)
    return moment if moment > now else None


# -- what people type ----------------------------------------------------------------------


def parse_time(text: str, zone_name: str, now: datetime) -> TimeParse:
    """Read a time to come back from free text, in the couple's zone, preferring the future."""
    zone = zone_of(zone_name)
    cleaned = normalize(text)
    if not cleaned or len(cleaned) > 200:
        return Unclear("no_time")
    if PAST.search(cleaned):
        return Unclear("past")
    relative = _relative(cleaned)
    if relative is not None and relative < UNIT_SECONDS["d"]:
        return Parsed(now + timedelta(seconds=relative))
    invalid = _invalid_clock(cleaned)
    if invalid:
        return Unclear("invalid_clock", invalid)
    clock, ambiguous, rest = _clock(cleaned)
    day = _day(rest, now, zone, relative)
    part = PART_WORDS.search(rest)
    if clock is None and day is None and NO_TIME.search(cleaned):
        return Unclear("no_time")
    if clock is None and part is not None:
        today = day is None or day.date == now.astimezone(zone).date()
        if part.group(1) in ("evening", "tonight") and today:
            evening = evening_time(now, zone)
            return Parsed(evening.astimezone(timezone.utc)) if evening else Unclear("needs_clock")
        clock = PART_OF_DAY[part.group(1)]
    if clock is None:
        return _day_without_clock(day, rest, cleaned, now, zone)
    said_today = day is not None and day.date == now.astimezone(zone).date()
    if day is None or (ambiguous and said_today and not day.same_weekday):
        return Parsed(_next_clock(now, zone, clock, ambiguous))
    if ambiguous and 1 <= clock.hour <= 6:
        clock = clock.replace(hour=clock.hour + 12)  # "Saturday at 3" is the afternoon
    moment = _at(day.date, clock, zone)
    if moment <= now and day.same_weekday:
        moment = _at(day.date + 7 * DAY, clock, zone)  # "Wednesday at 10", said on Wednesday
    return _future(moment, now)


@dataclass(frozen=True)
class _Day:
    date: date
    moment: datetime | None = None  # a full moment ("in 3 days", "next week")
    same_weekday: bool = False  # today's weekday named: next week's if today's has passed


def _day_without_clock(
    day: _Day | None, rest: str, cleaned: str, now: datetime, zone: ZoneInfo
) -> TimeParse:
    if day is not None and day.moment is not None:  # "in 3 days": this time of day
        return _future(day.moment, now)
    if day is not None and _only_tomorrow(rest):
        return Parsed(tomorrow_time(now, zone).astimezone(timezone.utc))
    if day is not None or VAGUE.search(cleaned):
        return Unclear("needs_clock")
    return Unclear("no_time")


def _future(moment: datetime, now: datetime) -> TimeParse:
    return Parsed(moment.astimezone(timezone.utc)) if moment > now else Unclear("past")


def _only_tomorrow(rest: str) -> bool:
    return not re.sub(r"\btomorrow\b", "", FILLER.sub(" ", rest)).strip()


def _invalid_clock(cleaned: str) -> str:
    """The part that is no time on a clock ("25:00", "7:75", "13pm"), or ""."""
    for match in AM_PM.finditer(cleaned):
        if not 1 <= int(match.group("hour")) <= 12 or int(match.group("minute") or 0) > 59:
            return match.group(0).strip()
    for match in CLOCK.finditer(cleaned):
        hour, minute = int(match.group("hour")), int(match.group("minute"))
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            return match.group(0).strip()
    for pattern in (AT_HOUR, OCLOCK, LONE_NUMBER):
        found = pattern.search(cleaned)
        if found and int(found.group("hour")) > 24:
            return found.group(0).strip()
    return ""


def _relative(cleaned: str) -> int | None:
    """Seconds from now for "in 45 minutes", "half an hour", "1h30", "in 3 days"; else None."""
    if HOUR_AND_HALF.search(cleaned):
        return 90 * 60
    if HALF_HOUR.search(cleaned):
        return 30 * 60
    if QUARTER_HOUR.search(cleaned):
        return 15 * 60
    match = HOURS_MINUTES.search(cleaned)
    if match:
        return int(match.group("hours")) * 3600 + int(match.group("minutes")) * 60
    bare = BARE_IN.match(cleaned)
    if bare:
        return int(bare.group("number")) * 60
    total = 0.0
    for match in list(RELATIVE.finditer(cleaned)) + list(RELATIVE_SHORT.finditer(cleaned)):
        number_text = re.sub(r"\s+", " ", match.group("number")).replace(",", ".")
        number = WORD_NUMBERS.get(number_text)
        try:
            value = float(number if number is not None else number_text)
        except ValueError:
            continue
        total += value * UNIT_SECONDS[match.group("unit")[0]]
    return int(total) if total > 0 else None


def _clock(cleaned: str) -> tuple[time | None, bool, str]:
    """(clock time, whether it could be morning or evening, the text without it)."""
    match = AM_PM.search(cleaned)
    if match:
        hour = int(match.group("hour")) % 12
        if match.group("half").startswith("p"):
            hour += 12
        return time(hour, int(match.group("minute") or 0)), False, _without(cleaned, match)
    match = CLOCK.search(cleaned)
    if match:
        hour, minute = int(match.group("hour")) % 24, int(match.group("minute"))
        return time(hour, minute), False, _without(cleaned, match)
    for pattern in (AT_HOUR, OCLOCK, LONE_NUMBER):
        match = pattern.search(cleaned)
        if match:
            hour = int(match.group("hour")) % 24
            # 13-23 (and 0) can only mean one thing; 1-12 could be morning or evening.
            return time(hour, 0), 1 <= hour <= 12, _without(cleaned, match)
    for word in ("noon", "midday", "midnight"):
        if re.search(rf"\b{word}\b", cleaned):
            return PART_OF_DAY[word], False, re.sub(rf"\b{word}\b", " ", cleaned)
    return None, False, cleaned


def _without(text: str, match: re.Match[str]) -> str:
    return (text[: match.start()] + " " + text[match.end() :]).strip()


def _day(rest: str, now: datetime, zone: ZoneInfo, relative: int | None) -> _Day | None:
    """The day the text names (today, tomorrow, a weekday, a date, in N days), or None."""
    local = now.astimezone(zone)
    if relative is not None:  # whole days: "in 2 days (at 10)"
        moment = local + timedelta(seconds=relative)
        return _Day(moment.date(), moment)
    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", rest):
        return _Day(local.date())
    if re.search(r"\bday after tomorrow\b", rest):
        return _Day(local.date() + 2 * DAY)
    if re.search(r"\btomorrow\b", rest):
        return _Day(local.date() + (0 * DAY if local.hour < NIGHT_ENDS else DAY))
    weekday = re.search(r"\b(next\s+)?(" + "|".join(WEEKDAYS) + r")\b", rest)
    if weekday:
        ahead = (WEEKDAYS.index(weekday.group(2)) - local.weekday()) % 7
        if ahead == 0 and weekday.group(1):
            ahead = 7
        return _Day(local.date() + timedelta(days=ahead), same_weekday=ahead == 0)
    if not DAY_WORDS.search(rest):
        return None
    parsed = _dateparser(FILLER.sub(" ", PART_WORDS.sub(" ", rest)), local)
    if parsed is None:
        return None
    if parsed.time() == time(0, 0):
        return _Day(parsed.date())
    return _Day(parsed.date(), parsed)


def _dateparser(text: str, local_now: datetime) -> datetime | None:
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    settings = {
        "TIMEZONE": str(local_now.tzinfo),
        "TO_TIMEZONE": str(local_now.tzinfo),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
    }
    return _parse_cached(text, tuple(sorted((k, str(v)) for k, v in settings.items())))


@lru_cache(maxsize=256)
def _parse_cached(text: str, settings: tuple[tuple[str, str], ...]) -> datetime | None:
    values: dict[str, object] = dict(settings)
    values["RETURN_AS_TIMEZONE_AWARE"] = True
    values["RELATIVE_BASE"] = datetime.fromisoformat(str(values["RELATIVE_BASE"]))
    return dateparser.parse(text, languages=["en"], settings=values)


def _next_clock(now: datetime, zone: ZoneInfo, clock: time, ambiguous: bool) -> datetime:
    """The next time the clock shows this (for "at 7": 7:00 or 19:00, whichever comes first)."""
    local = now.astimezone(zone)
    clocks = [clock] + ([clock.replace(hour=(clock.hour + 12) % 24)] if ambiguous else [])
    candidates = [
        _at(local.date() + offset * DAY, each, zone) for offset in (0, 1) for each in clocks
    ]
    return min(moment for moment in candidates if moment > now).astimezone(timezone.utc)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


# -- saying a time back --------------------------------------------------------------------

TWELVE_HOUR_ZONES = ("America/", "Australia/", "Asia/Kolkata", "Pacific/Auckland", "Asia/Manila")


def clock_text(moment: datetime, zone: ZoneInfo) -> str:
    local = moment.astimezone(zone)
    if str(zone).startswith(TWELVE_HOUR_ZONES):
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"{local.hour:02d}:{local.minute:02d}"


def until_text(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} seconds"
    minutes = round(seconds / 60)
    if minutes < 90 and minutes != 60:
        return f"{minutes} minutes"
    hours, minutes = divmod(minutes, 60)
    if minutes == 0 or hours >= 10:
        return f"{hours} hours" if hours != 1 else "1 hour"
    return f"{hours} h {minutes} min"


def describe_time(moment: datetime, zone_name: str, now: datetime) -> str:
    """ "today at 19:00 (in 45 minutes)", "tomorrow at 18:30", "Saturday 16 March at 10:00"."""
    zone = zone_of(zone_name)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = clock_text(moment, zone)
    if local.date() == today:
        text = f"today at {clock}"
    elif local.date() == today + DAY:
        text = f"tomorrow at {clock}"
    elif local.date() < today + 7 * DAY:
        text = f"{local.strftime('%A')} at {clock}"
    else:
        text = f"{local.strftime('%A')} {local.day} {local.strftime('%B')} at {clock}"
    ahead = (moment - now).total_seconds()
    return f"{text} (in {until_text(ahead)})" if ahead < 3 * 3600 else text
