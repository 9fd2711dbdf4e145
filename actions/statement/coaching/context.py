"""Small questions the rules ask about a token: who is the subject, is it negated,
is it reported speech, does the text look like another language …"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from . import lexicon as lx
from .pipeline import Parsed, get_nlp, pattern_doc

if TYPE_CHECKING:
    from spacy.matcher import PhraseMatcher

Span = tuple[int, int]

_WEEKDAYS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
_SPECIFIC_TIME = _WEEKDAYS | {"yesterday", "tonight", "today", "earlier", "last", "morning"}
_IRREGULAR_PAST = frozenset(
    "said told came got was were brought left went saw sent asked did had took called "
    "mentioned made".split()
)
_NEGATION_SKIP = frozenset(
    "really quite exactly necessarily actually even just being a an that so been always "
    "ever".split()
)
_DENIAL_VERBS = frozenset(
    {"think", "say", "mean", "call", "believe", "suggest", "claim", "accuse", "imply", "ask"}
)


@functools.cache
def _phrase_matcher(phrases: tuple[str, ...]) -> PhraseMatcher:
    from spacy.matcher import PhraseMatcher

    matcher = PhraseMatcher(get_nlp().vocab, attr="NORM")
    matcher.add("PHRASE", [pattern_doc(phrase) for phrase in phrases])
    return matcher


def find_phrases(p: Parsed, phrases: tuple[str, ...]) -> list[Span]:
    """Token spans of ``phrases`` in ``p``: longest first, never overlapping, in order."""
    if not len(p):
        return []
    found = sorted(
        ((s, e) for _, s, e in _phrase_matcher(phrases)(p.doc)),
        key=lambda span: (span[0] - span[1], span[0]),
    )
    taken: set[int] = set()
    spans: list[Span] = []
    for s, e in found:
        if taken.isdisjoint(range(s, e)):
            taken.update(range(s, e))
            spans.append((s, e))
    return sorted(spans)


def phrase(p: Parsed, span: Span) -> str:
    return " ".join(p.norms[span[0] : span[1]])


def _is_noun_like(norm: str) -> bool:
    return (
        norm.isalpha()
        and norm not in lx.SPEAKER_SUBJECTS
        and norm not in lx.PARTNER_WORDS
        and norm not in lx.PARTNER_SUBJECTS
        and norm not in lx.OTHER_SUBJECTS
        and norm not in lx.AUXILIARIES
        and norm not in lx.ADVERBS
        and norm not in lx.NEGATORS
        and norm not in lx.CLAUSE_OPENERS
    )


def _third_party_subject(p: Parsed, i: int) -> bool:
    """'My boss always …', 'your mum is always …' (but not 'on your phone all the time')."""
    start = p.sent_start[i]
    j = i - 1
    while j >= start and (p.norms[j] in lx.AUXILIARIES or p.norms[j] in lx.ADVERBS):
        j -= 1
    if j - 1 < start or not _is_noun_like(p.norms[j]):
        return False
    k = j - 1
    if p.norms[k] not in lx.DETERMINERS:
        return False
    return k == start or p.norms[k - 1] in lx.CLAUSE_OPENERS


def subject_of(p: Parsed, i: int, *, objects: bool = False) -> str | None:
    """Who the words at token ``i`` are about: speaker, partner, other, third, or None.

    Walks back to the nearest pronoun in the same sentence.  With ``objects``,
    "me" counts as the speaker and "your" as the partner ("you called me lazy").
    """
    if _third_party_subject(p, i):
        return "third"
    for j in range(i - 1, p.sent_start[i] - 1, -1):
        if p.quoted[j]:
            continue
        norm = p.norms[j]
        if norm in lx.SPEAKER_SUBJECTS or (objects and norm in lx.SPEAKER_OBJECTS):
            return "speaker"
        if norm in lx.PARTNER_SUBJECTS or (objects and norm in lx.PARTNER_WORDS):
            return "partner"
        if norm in lx.OTHER_SUBJECTS:
            return "other"
    return None


def partner_mentioned(p: Parsed, i: int, *, after: int | None = None) -> bool:
    """Is the partner ("you", "we", "your" …) mentioned in token ``i``'s sentence?"""
    first = p.sent_start[i] if after is None else after
    return any(
        p.norms[j] in lx.PARTNER_WORDS and not p.quoted[j] for j in range(first, p.sent_end[i])
    )


def negated(p: Parsed, i: int, window: int = 1) -> bool:
    """A negation within ``window`` real words before token ``i`` ("not always")."""
    start = p.sent_start[i]
    j, seen = i - 1, 0
    while j >= start and seen < window:
        norm = p.norms[j]
        if norm in lx.NEGATORS:
            return True
        if not norm.isalpha():
            return False
        if norm not in _NEGATION_SKIP:
            seen += 1
        j -= 1
    return False


def denied(p: Parsed, i: int) -> bool:
    """Token ``i`` sits inside a denial: "I don't think you're …", "it's not that …"."""
    start = p.sent_start[i]
    for j in range(start, i):
        if p.norms[j] not in lx.NEGATORS:
            continue
        nxt = p.norms[j + 1] if j + 1 < i else ""
        if nxt == "that":
            return True
        before = p.norms[max(start, j - 2) : j]
        if "i" not in before and "am" not in before:
            continue
        if any(p.lemmas[k] in _DENIAL_VERBS for k in range(j + 1, min(i, j + 3))):
            return True
    return False


def specific_time(p: Parsed, i: int) -> bool:
    """The sentence pins down one occasion ("yesterday", "on Tuesday", "when I asked")."""
    sent = p.sentence(i)
    for j in sent:
        norm = p.norms[j]
        if norm in _SPECIFIC_TIME:
            return True
        if norm == "when":  # "when I asked", "when my mum called"
            verbs = p.norms[j + 2 : min(sent.stop, j + 4)]
            if any(v in _IRREGULAR_PAST or v.endswith("ed") for v in verbs):
                return True
    return False


def looks_foreign(p: Parsed) -> bool:
    """Mostly non-Latin letters, or more foreign function words than English ones."""
    letters = [ch for ch in p.text if ch.isalpha()]
    if not letters:
        return False
    if sum(1 for ch in letters if ord(ch) > 0x24F) * 2 > len(letters):
        return True
    from spacy.lang.en.stop_words import STOP_WORDS

    foreign = sum(1 for norm in p.norms if norm in lx.FOREIGN_WORDS)
    english = sum(1 for norm in p.norms if norm in STOP_WORDS)
    return foreign > 0 and foreign >= english
