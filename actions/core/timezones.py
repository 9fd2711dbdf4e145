"""Turning what a person types ("Berlin", "europe/berlin", "New York") into an IANA zone."""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import available_timezones

from actions.core.replies import button

# Offered as buttons: (label, IANA name). Callback data must stay under 64 bytes.
COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("London", "Europe/London"),
    ("Berlin / Paris", "Europe/Berlin"),
    ("New York", "America/New_York"),
    ("Chicago", "America/Chicago"),
    ("Los Angeles", "America/Los_Angeles"),
    ("India", "Asia/Kolkata"),
    ("Sydney", "Australia/Sydney"),
)

# Places people name that are not the city in the zone's name.
ALIASES: dict[str, str] = {
    "utc": "UTC",
    "gmt": "Europe/London",
    "uk": "Europe/London",
    "england": "Europe/London",
    "scotland": "Europe/London",
    "ireland": "Europe/Dublin",
    "germany": "Europe/Berlin",
    "france": "Europe/Paris",
    "spain": "Europe/Madrid",
    "italy": "Europe/Rome",
    "netherlands": "Europe/Amsterdam",
    "india": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "la": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "texas": "America/Chicago",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "japan": "Asia/Tokyo",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "brazil": "America/Sao_Paulo",
    "são paulo": "America/Sao_Paulo",
    "cape town": "Africa/Johannesburg",
    "south africa": "Africa/Johannesburg",
    "melbourne": "Australia/Melbourne",
    "new zealand": "Pacific/Auckland",
    "wellington": "Pacific/Auckland",
    "montreal": "America/Toronto",
}


MAX_WORDS_TO_SEARCH = 5


@lru_cache(maxsize=1)
def _zones_by_key() -> dict[str, str]:
    zones: dict[str, str] = {}
    for name in available_timezones():
        # Antarctic stations share names with people ("Casey", "Davis"): never guessed.
        if name.startswith(("Etc/", "SystemV/", "posix/", "right/", "Antarctica/")):
            continue
        if "/" not in name:
            continue
        zones.setdefault(name.lower(), name)
        city = name.rsplit("/", 1)[-1].replace("_", " ").lower()
        zones.setdefault(city, name)
    zones.update(ALIASES)
    zones["utc"] = "UTC"
    return zones


def resolve_timezone(text: str) -> str | None:
    """The IANA zone a short text names, or None. Tries the whole text, then its phrases."""
    cleaned = re.sub(r"[^\w/ \-+']", " ", text.strip().lower()).strip()
    if not cleaned or len(cleaned) > 80:
        return None
    zones = _zones_by_key()
    if cleaned in zones:
        return zones[cleaned]
    words = cleaned.split()
    if len(words) > MAX_WORDS_TO_SEARCH:
        return None  # a longer message is conversation, not an answer about time zones
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if len(phrase) > 2 and phrase in zones:
                return zones[phrase]
    return None


def timezone_buttons(intent: str = "set_timezone") -> list[dict[str, str]]:
    """The common zones; the pause answers them with its own intent (and then continues)."""
    return [button(label, intent, timezone=zone) for label, zone in COMMON_ZONES]
