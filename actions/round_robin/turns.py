"""The round-robin's rules as plain functions: options, who speaks, clocks, the wrap-up numbers.

Nothing here touches the database or Rasa, and every clock calculation takes `now`, so the
rules are tested with an injected clock instead of waiting five minutes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from storage.enums import FirstSpeakerReason

DEFAULT_ROUNDS = 1
MIN_TURN_SECONDS = 30  # what a person may ask for in words; TURN_SECONDS itself is free
MAX_TURN_SECONDS = 30 * 60
MAX_ROUNDS = 5
HEADS_UP_SECONDS = 60
# A heads-up that would come later than this share of its lead time says nothing new.
HEADS_UP_MIN_SHARE = 0.5
RECENT_ROUNDS = 3  # "recently": the couple's last few finished rounds

REASON_LESS_SPEAKING_TIME = FirstSpeakerReason.LESS_SPEAKING_TIME
REASON_DID_NOT_START = FirstSpeakerReason.DID_NOT_START
REASON_CHOSEN = FirstSpeakerReason.CHOSEN

ME, YOU = "me", "you"

_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "a": 1,
    "an": 1,
}
_NUMBER = r"(\d+(?:[.,]\d+)?|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + ")"
_EACH = r"(?:\s*(?:each|apiece|per\s+(?:turn|person|partner)|a\s+(?:turn|person)))?"
_DURATION = re.compile(
    rf"\b{_NUMBER}[\s-]*(minutes?|mins?|m|seconds?|secs?|s)\b{_EACH}", re.IGNORECASE
)
_HALF_MINUTE = re.compile(rf"\bhalf\s+a\s+minute\b{_EACH}", re.IGNORECASE)
_ROUNDS = re.compile(
    rf"\b{_NUMBER}\s+(?:rounds?|times|goes)\b(?!\s*-?\s*rob+in)(?:\s+each)?", re.IGNORECASE
)
_TWICE = re.compile(r"\b(?:twice|two\s+rounds?)\b(?!\s*-?\s*rob+in)", re.IGNORECASE)
_ME_FIRST = re.compile(
    r"\b(?:me\s+first|i(?:'ll|\s+will|\s+can|\s+want\s+to|\s+wanna)?\s+(?:go|start|begin|speak)"
    r"(?:\s+first)?|let\s+me\s+(?:go|start|begin|speak)(?:\s+first)?)\b",
    re.IGNORECASE,
)
_YOU_FIRST = re.compile(
    r"\b(?:you\s+first|you\s+(?:go|start|begin|speak)(?:\s+first)?)\b", re.IGNORECASE
)
_LEADING_WORDS = re.compile(
    r"^(?:about|on|regarding|re|for|with|and|topic:?|the\s+topic\s+(?:is|of))\s+", re.IGNORECASE
)
_SEPARATORS = re.compile(r"^[\s,;:.!?\-–—]+|[\s,;:.!?\-–—]+$")
_AND_DANGLING = re.compile(r"(?:\s*[,;]\s*|\s+)(?:and|with|,)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Options:
    """What someone asked for when starting a round (None: not said, use the default)."""

    turn_seconds: int | None = None
    rounds: int | None = None
    first: str | None = None  # ME, YOU, or the first name of a partner as given
    topic: str | None = None  # what is left of the text once the options are taken out


def _number(word: str) -> float:
    word = word.lower().replace(",", ".")
    return float(_NUMBER_WORDS[word]) if word in _NUMBER_WORDS else float(word)


def parse_options(text: str, names: Sequence[str] = ()) -> Options:
    """Options in words: "3 minutes each, 2 rounds, Sam first" (the rest is the topic)."""
    spans: list[tuple[int, int]] = []
    turn_seconds: int | None = None
    rounds: int | None = None
    first: str | None = None

    half = _HALF_MINUTE.search(text)
    duration = None if half is not None else _DURATION.search(text)
    if half is not None:
        turn_seconds = clamp_turn_seconds(30)
        spans.append(half.span())
    elif duration is not None:
        amount = _number(duration.group(1))
        unit = duration.group(2).lower()
        seconds = amount * 60 if unit.startswith("m") else amount
        turn_seconds = clamp_turn_seconds(seconds)
        spans.append(duration.span())

    counted = _ROUNDS.search(text)
    if counted is not None:
        rounds = clamp_rounds(_number(counted.group(1)))
        spans.append(counted.span())
    elif (twice := _TWICE.search(text)) is not None:
        rounds = 2
        spans.append(twice.span())

    for pattern, who in ((_ME_FIRST, ME), (_YOU_FIRST, YOU)):
        said = pattern.search(text)
        if said is not None:
            first = who
            spans.append(said.span())
            break
    if first is None:
        for name in names:
            if not name.strip():
                continue
            named = re.search(
                rf"\b{re.escape(name)}\s+(?:goes\s+first|first|starts|begins|can\s+start)\b",
                text,
                re.IGNORECASE,
            )
            if named is not None:
                first = name
                spans.append(named.span())
                break

    return Options(turn_seconds, rounds, first, _topic_without(text, spans))


def _topic_without(text: str, spans: list[tuple[int, int]]) -> str | None:
    kept, cursor = [], 0
    for start, end in sorted(spans):
        kept.append(text[cursor:start])
        cursor = max(cursor, end)
    kept.append(text[cursor:])
    pieces = [_SEPARATORS.sub("", piece) for piece in kept]
    topic = ", ".join(piece for piece in pieces if piece)
    for _ in range(3):  # "about money and" -> "money"
        topic = _SEPARATORS.sub("", _AND_DANGLING.sub("", _LEADING_WORDS.sub("", topic)))
    return topic[:200] or None


def clamp_turn_seconds(seconds: float) -> int:
    return int(min(MAX_TURN_SECONDS, max(MIN_TURN_SECONDS, round(seconds))))


def clamp_rounds(rounds: float) -> int:
    return int(min(MAX_ROUNDS, max(1, round(rounds))))


# -- who speaks ---------------------------------------------------------------------------


def choose_first_speaker(
    starter_id: int, other_id: int, recent_seconds: dict[int, float]
) -> tuple[int, FirstSpeakerReason]:
    """The partner who spoke less in recent rounds; without a difference, who did not ask.

    The seed asks to protect space for quieter voices; the one who asked for the round
    already had their say in asking."""
    mine, theirs = recent_seconds.get(starter_id, 0.0), recent_seconds.get(other_id, 0.0)
    if abs(mine - theirs) >= 1.0:
        return (
            (starter_id, REASON_LESS_SPEAKING_TIME)
            if mine < theirs
            else (
                other_id,
                REASON_LESS_SPEAKING_TIME,
            )
        )
    return other_id, REASON_DID_NOT_START


def speaker_for(sequence: int, first_id: int, second_id: int) -> int:
    """Turns alternate, starting with the first speaker (sequence 1, 2, 3, ...)."""
    return first_id if sequence % 2 == 1 else second_id


def total_turns(rounds_planned: int) -> int:
    return 2 * rounds_planned


def is_last_turn(sequence: int, rounds_planned: int) -> bool:
    return sequence >= total_turns(rounds_planned)


def rounds_done_after(sequence: int) -> int:
    """A round is done once both partners had their turn in it."""
    return sequence // 2


# -- clocks -------------------------------------------------------------------------------


def due_at(started_at: datetime, remaining_seconds: float) -> datetime:
    return started_at + timedelta(seconds=remaining_seconds)


def elapsed(started_at: datetime, now: datetime) -> float:
    return max(0.0, (now - started_at).total_seconds())


def stop_clock(
    remaining_seconds: float, started_at: datetime, now: datetime
) -> tuple[float, float]:
    """(seconds held since the clock started, seconds left) when the clock stops at `now`."""
    held = min(elapsed(started_at, now), remaining_seconds)
    return held, max(0.0, remaining_seconds - held)


def heads_up_lead(planned_seconds: float) -> float:
    """How long before the end the one heads-up comes: a minute, or half of a short turn."""
    return (
        float(HEADS_UP_SECONDS) if planned_seconds >= 2 * HEADS_UP_SECONDS else planned_seconds / 2
    )


def heads_up_delay(planned_seconds: float, remaining_seconds: float) -> float | None:
    """Seconds from a (re)start until the heads-up, or None when its moment has passed."""
    delay = remaining_seconds - heads_up_lead(planned_seconds)
    return delay if delay > 0 else None


def heads_up_still_useful(planned_seconds: float, seconds_left: float) -> bool:
    """A heads-up fired late (the bot was down) says nothing when the end is upon us."""
    return seconds_left >= heads_up_lead(planned_seconds) * HEADS_UP_MIN_SHARE


def format_duration(seconds: float) -> str:
    """5 minutes, 1 minute, 45 seconds, 2 min 30 s (rounded to whole seconds)."""
    whole = max(0, int(round(seconds)))
    minutes, rest = divmod(whole, 60)
    if minutes == 0:
        return "1 second" if rest == 1 else f"{rest} seconds"
    if rest == 0:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{minutes} min {rest} s"


def describe_rounds(rounds: int) -> str:
    return "1 round" if rounds == 1 else f"{rounds} rounds"


# -- the wrap-up --------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnFacts:
    speaker_id: int
    seconds_held: float
    word_count: int
    message_count: int


@dataclass
class PartnerSummary:
    partner_id: int
    name: str
    seconds: float = 0.0
    words: int = 0
    messages: int = 0
    interruptions: int = 0  # messages written during the other's floor
    turns: list[int] = field(default_factory=list)


def summarise(
    partners: Sequence[tuple[int, str]],
    turns: Iterable[TurnFacts],
    interruption_authors: Iterable[int],
) -> list[PartnerSummary]:
    """Each partner's speaking time, words and interruptions, in the partners' order."""
    by_id = {pid: PartnerSummary(pid, name) for pid, name in partners}
    for turn in turns:
        summary = by_id.get(turn.speaker_id)
        if summary is not None:
            summary.seconds += turn.seconds_held
            summary.words += turn.word_count
            summary.messages += turn.message_count
    for author in interruption_authors:
        if author in by_id:
            by_id[author].interruptions += 1
    return list(by_id.values())


def summary_line(summary: PartnerSummary) -> str:
    """Speaking time only: right after a hard talk, words and interruptions read as a
    scoreboard (they stay saved, for /export and the couple's own review)."""
    return f"{summary.name}: {format_duration(summary.seconds)}"


NOTE_LIMIT = 400
MEDIA_LABELS = {"voice": "voice message", "video_note": "video message", "animation": "GIF"}
NOTES_SHOWN = 8


def notes_block(texts: Sequence[str | None], kinds: Sequence[str]) -> str:
    """The listener's kept words as lines ("– …"); stickers and photos named by kind."""
    lines = []
    for text, kind in list(zip(texts, kinds, strict=True))[:NOTES_SHOWN]:
        if text:
            shown = text if len(text) <= NOTE_LIMIT else text[: NOTE_LIMIT - 1].rstrip() + "…"
            lines.append(f"– {shown}")
        else:
            lines.append(f"– ({MEDIA_LABELS.get(kind, kind.replace('_', ' '))})")
    hidden = len(texts) - NOTES_SHOWN
    if hidden > 0:
        lines.append(f"– and {hidden} more (all kept: /export)")
    return "\n".join(lines)


# -- yielding -----------------------------------------------------------------------------

YIELD_MAX_WORDS = 8
# Words a plain "I'm done" / "that's all, your turn" is made of. A message classified as
# finish_turn yields only when every word is one of these (or a partner's name): "I'm done
# pretending everything is fine" has words of its own, so it is what the holder has to say.
YIELD_WORDS = frozenset(
    """
    i i'm im i've ive i'll am me my mine myself we ok okay k yeah yes yep alright right so
    well um uh oh now then just really think guess that's thats that it it's its this is all
    everything for from done dne finished finishd finish through over to you you're your
    yours youre turn go ahead up back pass passing the stick floor hand handing over
    nothing more else add said say saying wanted want to have had end of talking
    goes can babe love honey dear please thanks thank there and a an what
    """.split()
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)


def is_yield_phrase(text: str, names: Sequence[str] = ()) -> bool:
    """True for a short message that only says "I'm done" (in any of its usual forms)."""
    words = [w.lower().replace("’", "'") for w in _WORD.findall(text)]
    if not words or len(words) > YIELD_MAX_WORDS:
        return False
    allowed = YIELD_WORDS | {n.lower() for name in names for n in _WORD.findall(name)}
    return all(word in allowed for word in words)


_TOPIC_AFTER = re.compile(
    r"\b(?:about|on|regarding|concerning|discussing|re:?)\s+(?P<topic>\S.*)$", re.IGNORECASE
)


def topic_from_words(text: str, names: Sequence[str] = ()) -> str | None:
    """The topic in plain words, when the NLU found none: what follows "about"/"on"."""
    rest = parse_options(text, names).topic or ""
    found = _TOPIC_AFTER.search(rest)
    if found is None:
        return None
    topic = _SEPARATORS.sub("", re.sub(r"\s+please$", "", found.group("topic"), flags=re.I))
    return topic[:200] or None
