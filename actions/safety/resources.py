"""Where to find help, from a file the operator can edit (config/resources.yml by default).

`SAFETY_RESOURCES_FILE` names another file. A YAML mapping with the sections below, or any
plain text (then used as a whole for every situation). The file is read again when it
changes. If it is missing or unreadable, a built-in emergency line is used: the person
must always get something.
"""

from __future__ import annotations

import logging
from pathlib import Path

import yaml  # type: ignore[import-untyped]

import settings

logger = logging.getLogger(__name__)

SECTIONS = ("emergency", "self_harm", "domestic_violence", "counselling")
FALLBACK = (
    "If you or someone else is in immediate danger, call your local emergency number now "
    "(112 in the EU and many countries, 911 in the US and Canada, 999 in the UK). "
    "findahelpline.com lists free, confidential helplines by country."
)

# Which sections a situation shows, in this order.
BY_SITUATION: dict[str, tuple[str, ...]] = {
    "self_harm": ("emergency", "self_harm"),
    "violence": ("emergency", "domestic_violence"),
    "threat": ("emergency", "domestic_violence"),
    "abuse": ("emergency", "domestic_violence"),
    "fear": ("emergency", "domestic_violence"),
    "safety_check": ("emergency", "domestic_violence", "counselling"),
    "repeat": ("emergency",),
}
EVERYTHING = ("emergency", "self_harm", "domestic_violence")

_cache: dict[str, tuple[float, dict[str, str]]] = {}


def load_sections(path: Path | None = None) -> dict[str, str]:
    path = path or settings.current().safety_resources_file
    try:
        modified = path.stat().st_mtime
    except OSError:
        logger.warning("resources file not found; using the built-in emergency line")
        return {"emergency": FALLBACK}
    cached = _cache.get(str(path))
    if cached and cached[0] == modified:
        return cached[1]
    sections = _parse(path)
    _cache[str(path)] = (modified, sections)
    return sections


def _parse(path: Path) -> dict[str, str]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        logger.warning("resources file unreadable; using the built-in emergency line")
        return {"emergency": FALLBACK}
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError:
        data = None
    if isinstance(data, dict):
        sections = {
            key: " ".join(str(value).split())
            for key, value in data.items()
            if key in SECTIONS and value and str(value).strip()
        }
        if sections:
            return sections
    # Not our sections (plain text, even one that happens to parse as YAML): all of it.
    text = raw.strip()
    return {"all": text} if text else {"emergency": FALLBACK}


def resources_for(situation: str) -> str:
    """The resources text for a crisis kind or "safety_check"; never empty."""
    sections = load_sections()
    if "all" in sections:
        return sections["all"]
    wanted = BY_SITUATION.get(situation, EVERYTHING)
    parts = [sections[name] for name in wanted if name in sections]
    if "emergency" not in sections:
        parts.insert(0, FALLBACK)
    return "\n\n".join(parts)
