"""Content capture: when a flow waits for someone's words, their next message is content.

Intent classification must never hijack content ("I felt like I needed a break" in the
feel step is a feeling, not a pause request), so every action asks the capturers first.
A capturer returns the replies when the message was its content, or None to let the
message be handled normally. Buttons and commands are never content, and neither are
crisis words (safety first) or a short, clear request to pause or cancel now ("I need a
break"); a long message that merely mentions a break stays content.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from actions.context import MessageContext
from actions.replies import Outgoing

Capturer = Callable[[MessageContext, Session], "list[Outgoing] | None"]

_capturers: list[tuple[int, Capturer]] = []

# An intent typed in words leaves a flow only if it is this clear and this short.
EXPLICIT_CONFIDENCE = 0.8
EXPLICIT_MAX_WORDS = {"request_pause": 8, "cancel": 5}


def is_explicit_request(ctx: MessageContext) -> bool:
    """A short, confident request to pause or cancel, typed in words."""
    limit = EXPLICIT_MAX_WORDS.get(ctx.intent)
    return (
        limit is not None
        and ctx.intent_confidence >= EXPLICIT_CONFIDENCE
        and len(ctx.text.split()) <= limit
    )


def is_crisis(ctx: MessageContext) -> bool:
    """Crisis words are never content of an exercise (the safety flow answers them)."""
    return ctx.intent == "crisis"


def capturer(priority: int) -> Callable[[Capturer], Capturer]:
    """Register a capturer; lower priority numbers are asked first."""

    def register(function: Capturer) -> Capturer:
        _capturers.append((priority, function))
        _capturers.sort(key=lambda item: item[0])
        return function

    return register


# Stickers, photos and voice notes reach Rasa as the `shared_media` intent (an intent
# payload, so never text content). A flow that counts them (the round-robin's floor)
# registers here; other capturers never see them.
_media_capturers: list[tuple[int, Capturer]] = []


def media_capturer(priority: int) -> Callable[[Capturer], Capturer]:
    """Register a capturer for shared media; lower priority numbers are asked first."""

    def register(function: Capturer) -> Capturer:
        _media_capturers.append((priority, function))
        _media_capturers.sort(key=lambda item: item[0])
        return function

    return register


def capture_content(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    if ctx.intent == "shared_media" and ctx.user_id is not None and not ctx.is_callback:
        return _first_answer(_media_capturers, ctx, session)
    if ctx.is_button_or_command or ctx.user_id is None:
        return None
    if is_crisis(ctx) or is_explicit_request(ctx):
        return None
    return _first_answer(_capturers, ctx, session)


def _first_answer(
    capturers: list[tuple[int, Capturer]], ctx: MessageContext, session: Session
) -> list[Outgoing] | None:
    for _, function in capturers:
        captured = function(ctx, session)
        if captured is not None:
            return captured
    return None
