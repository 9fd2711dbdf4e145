"""Log levels that a setting may raise but never lower below a floor.

Libraries log message texts, tokens and URLs at their lower levels (python-telegram-bot
logs whole updates at DEBUG, Rasa the user's message, Sanic's access log request URLs with
Rasa's token); a `LOG_LEVEL=DEBUG` meant for our own code must not switch those on.
"""

from __future__ import annotations

import logging


def level_number(name: str | None, default: int = logging.INFO) -> int:
    """`"debug"` → 10; an unknown or empty name gives `default`."""
    number = logging.getLevelName((name or "").strip().upper())
    return number if isinstance(number, int) else default


def at_least(floor: str, wanted: str | None) -> str:
    """The level name `wanted`, or `floor` when `wanted` is lower (more verbose) or unknown."""
    floor_number = level_number(floor)
    return logging.getLevelName(max(level_number(wanted, floor_number), floor_number))
