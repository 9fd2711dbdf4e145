"""Coaching for a "describe → feel → request" statement (nonviolent-communication style).

``analyze(step, text)`` returns gentle findings with character offsets into the
original text.  Pure domain code: no Rasa imports, and nothing heavy happens at
import time (spaCy is loaded on the first call).
"""

from __future__ import annotations

from collections.abc import Callable

from .findings import ALL_CODES, CODES_BY_STEP, Finding

__all__ = ["ALL_CODES", "CODES_BY_STEP", "STEPS", "Finding", "analyze", "warm_up"]

STEPS: tuple[str, ...] = tuple(CODES_BY_STEP)


def _analyzer(step: str) -> Callable[..., list[Finding]]:
    from . import describe, feel, request

    return {"describe": describe.analyze, "feel": feel.analyze, "request": request.analyze}[step]


def analyze(step: str, text: str) -> list[Finding]:
    """Findings for ``text`` written at ``step`` ("describe", "feel" or "request").

    Sorted by start offset; ``text[f.start:f.end]`` is the flagged phrase.
    Empty or whitespace-only text gives no findings, except at the feel step,
    where it gives one NO_FEELING spanning the whole text.  Text that looks
    like another language gives no findings (the rules only know English).
    Raises ValueError for an unknown step and TypeError for non-string text.
    """
    if step not in CODES_BY_STEP:
        raise ValueError(f"unknown step {step!r}; expected one of {', '.join(STEPS)}")
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, not {type(text).__name__}")
    if not text.strip():
        from .feel import empty

        return empty(text) if step == "feel" else []

    from .context import looks_foreign
    from .pipeline import parse

    parsed = parse(text)
    if looks_foreign(parsed):
        return []
    unique = set(_analyzer(step)(parsed))
    return sorted(unique, key=lambda f: (f.start, f.end, f.code))


def warm_up() -> None:
    """Load spaCy and build every matcher now (a couple of seconds) instead of on the
    first real message.  Optional; call it from a start-up hook, never at import."""
    for step, text in (
        ("describe", "You never care, it's all your fault"),
        ("feel", "I feel ignored"),
        ("feel", "fine"),
        ("request", "Be nicer or else, stop it"),
    ):
        analyze(step, text)
