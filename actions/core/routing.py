"""Routing: which flow may take a message as its content, in one table.

When a flow waits for someone's words, their next message is content, whatever intent NLU
guessed ("I felt like I needed a break" in the feel step is a feeling, not a pause
request), so every action asks the capturers first (actions/core/base.py). A capturer
returns the replies when the message was its content, or None to let the message be
handled normally. Buttons and commands are never content, and neither are crisis words
(safety first) or a short, clear request to pause or cancel now ("I need a break"); a long
message that merely mentions a break stays content.

`CAPTURE_ORDER` is the order in which flows are asked; each flow registers its capturer
under one of these names (`@capturer("pause_answer")`), and a name missing from the table
is an error at import time, so the order can't drift into the flows' own files.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from actions.core.context import MessageContext
from actions.core.replies import Outgoing
from actions.safety.crisis import KINDS, classify

Capturer = Callable[[MessageContext, Session], "list[Outgoing] | None"]
WITHHELD_KINDS = frozenset(KINDS)  # the lexicon's kinds (the bot has no NLU guess)

# Asked first to last. Text and media have separate lists: stickers, photos and voice notes
# reach Rasa as the `shared_media` intent (never text content), and only a flow that counts
# them (the round-robin's floor) registers for them.
CAPTURE_ORDER: tuple[str, ...] = (
    # pause/escalation.py: the partner who pressed "Add our own step" writes that step.
    "escalation_own_step",
    # pause/actions.py: a pause waiting for words (a time zone, a time to come back, ready).
    "pause_answer",
    # checkin/agreements.py: the partner who pressed "Partly" writes the new wording.
    "agreement_revision",
    # statement/actions.py: the speaker's describe/feel/request; the listener's words.
    "statement_words",
    # checkin/answers.py: a partner's needs and appreciations, in their private chat.
    "checkin_answer",
    # round_robin/actions.py: the floor holder's words; the listener's interruptions.
    "round_robin_floor",
    # joining/actions.py: a formed couple without a time zone names a city.
    "timezone_answer",
)
MEDIA_CAPTURE_ORDER: tuple[str, ...] = (
    # round_robin/actions.py: a sticker or photo on the floor counts as a message.
    "round_robin_floor",
)

_capturers: dict[str, Capturer] = {}
_media_capturers: dict[str, Capturer] = {}

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


def crisis_kind(ctx: MessageContext) -> str | None:
    """The crisis kind of what a person typed (the lexicon matcher or the `crisis` intent),
    or None. Buttons, commands and timers are never crisis language, except the bot's stand-in
    for crisis words it did not pass on (a partner's before consent: bot/withheld.py); a
    caption or an edit (sent as a payload intent) is screened by the matcher alone."""
    if ctx.user_id is None:
        return None
    if ctx.intent == "crisis" and ctx.is_button_or_command:
        kind = str(ctx.entity("crisis_kind") or "")
        return kind if kind in WITHHELD_KINDS else None
    if ctx.is_button_or_command:
        if ctx.is_callback or not ctx.screened_text.strip():
            return None
        return classify(ctx.screened_text, "", 0.0)
    if not ctx.text.strip():
        return None
    return classify(ctx.text, ctx.intent, ctx.intent_confidence)


def is_crisis(ctx: MessageContext) -> bool:
    """Crisis words are never content of an exercise (the safety flow answers them)."""
    return crisis_kind(ctx) is not None


def _register(
    registry: dict[str, Capturer], order: tuple[str, ...], name: str
) -> Callable[[Capturer], Capturer]:
    if name not in order:
        raise ValueError(f"capturer {name!r} is not in the routing table (actions/core/routing.py)")

    def register(function: Capturer) -> Capturer:
        registry[name] = function
        return function

    return register


def capturer(name: str) -> Callable[[Capturer], Capturer]:
    """Register a flow's text capturer under its name in `CAPTURE_ORDER`."""
    return _register(_capturers, CAPTURE_ORDER, name)


def media_capturer(name: str) -> Callable[[Capturer], Capturer]:
    """Register a flow's capturer for shared media under its name in `MEDIA_CAPTURE_ORDER`."""
    return _register(_media_capturers, MEDIA_CAPTURE_ORDER, name)


def capture_content(ctx: MessageContext, session: Session) -> list[Outgoing] | None:
    if ctx.intent == "shared_media" and ctx.user_id is not None and not ctx.is_callback:
        return _first_answer(_media_capturers, MEDIA_CAPTURE_ORDER, ctx, session)
    if ctx.is_button_or_command or ctx.user_id is None:
        return None
    if is_crisis(ctx) or is_explicit_request(ctx):
        return None
    return _first_answer(_capturers, CAPTURE_ORDER, ctx, session)


def _first_answer(
    registry: dict[str, Capturer], order: tuple[str, ...], ctx: MessageContext, session: Session
) -> list[Outgoing] | None:
    for name in order:
        function = registry.get(name)
        captured = function(ctx, session) if function else None
        if captured is not None:
            return captured
    return None
