"""Numbers the flows use, from the environment (defaults in brackets)."""

from __future__ import annotations

import os


def seconds(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return max(1, int(value)) if value else default
    except ValueError:
        return default


def timezone_reminder_seconds() -> int:
    """How long after the couple forms to remind them once to pick a time zone [600]."""
    return seconds("TIMEZONE_REMINDER_SECONDS", 600)
