"""Crisis language: a rule-based spaCy matcher over a curated lexicon (actions.safety.lexicon).

`detect(text)` returns the first finding (its kind and where it is) or None. The matcher is
built on first use from `spacy.blank("en")` (no model download); importing this module is
cheap. `is_idiom(text)` recognises figures of speech ("this chore is killing me"), used to
overrule the NLU model's `crisis` intent when the matcher found nothing.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from actions.safety.lexicon import DELIBERATE, IDIOMS, JOKE_MARKERS, MACROS, RULES, Rule

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

KINDS = ("self_harm", "violence", "threat", "abuse", "fear")
NEGATIONS = frozenset({"n't", "not", "never", "no", "dont", "nt"})
MAX_CHARACTERS = 5000  # longer texts are checked in their first 5000 characters

# Chat spellings without apostrophes, so "im scared of what hell do" reads as written.
_SPELLINGS = (
    (r"[’‘`´]", "'"),
    (r"\bim\b", "i'm"),
    (r"\bive\b", "i've"),
    (r"\bdont\b", "don't"),
    (r"\bdoesnt\b", "doesn't"),
    (r"\bdidnt\b", "didn't"),
    (r"\bcant\b", "can't"),
    (r"\bwont\b", "won't"),
    (r"\bisnt\b", "isn't"),
    (r"\bhes\b", "he's"),
    (r"\bshes\b", "she's"),
    (r"\bhell (do|hurt|kill|hit|find|be|come|get|go|leave|beat)\b", r"he'll \1"),
    (r"\bshell (do|hurt|kill|hit|find|be|come|get|go|leave|beat)\b", r"she'll \1"),
    (r"\bu\b", "you"),
    (r"\bur\b", "you're"),
    (r"\bgonna\b", "going to"),
    (r"\bwanna\b", "want to"),
    (r"\bself harm", "self-harm"),
)


@dataclass(frozen=True)
class CrisisFinding:
    kind: str
    start: int  # character offsets into the normalised text
    end: int


def normalise(text: str) -> str:
    text = text[:MAX_CHARACTERS].lower()
    for pattern, replacement in _SPELLINGS:
        text = re.sub(pattern, replacement, text)
    return text


def _slot(spec: str) -> list[dict[str, Any]]:
    optional = spec.endswith("?") and len(spec) > 1
    spec = spec[:-1] if optional else spec
    if spec.startswith("*"):
        count = int(spec[1:] or "1")
        return [{"OP": "?"} for _ in range(count)]
    alternatives: list[str] = []
    for word in spec.split("|"):
        alternatives += MACROS[word[1:]].split("|") if word.startswith("@") else [word]
    token: dict[str, Any] = {"LOWER": {"IN": alternatives}}
    if optional:
        token["OP"] = "?"
    return [token]


def compile_pattern(pattern: str) -> list[dict[str, Any]]:
    return [token for spec in pattern.split() for token in _slot(spec)]


@functools.lru_cache(maxsize=1)
def _pipeline() -> tuple[Language, Matcher]:
    import spacy
    from spacy.matcher import Matcher

    nlp = spacy.blank("en")
    matcher = Matcher(nlp.vocab)
    for index, rule in enumerate(RULES):
        matcher.add(f"{index}", [compile_pattern(rule.pattern)])
    return nlp, matcher


def _next_word(doc: Doc, end: int) -> str:
    return doc[end].lower_ if end < len(doc) else ""


def _keeps(rule: Rule, doc: Doc, start: int, end: int, text: str) -> bool:
    """The narrow guards of a rule: False when this match is a figure of speech."""
    following = _next_word(doc, end)
    previous = doc[start - 1].lower_ if start > 0 else ""
    if rule.deliberate_overrides and any(word in text for word in DELIBERATE):
        return True
    if following in rule.not_next or previous in rule.not_prev:
        return False
    if rule.gerund_next and following.endswith("ing"):
        from actions.safety.lexicon import VIOLENT_GERUNDS

        return following in VIOLENT_GERUNDS
    if rule.no_negation and any(t.lower_ in NEGATIONS for t in doc[max(0, start - 2) : end]):
        return False
    return not (rule.no_joke and any(marker in text for marker in JOKE_MARKERS))


@dataclass(frozen=True)
class Analysis:
    findings: tuple[CrisisFinding, ...]
    # A rule matched but a guard ruled it a figure of speech ("she beat me at chess"):
    # evidence against the NLU model's `crisis` guess for the same words.
    looks_alike: bool


@functools.lru_cache(maxsize=256)
def analyse(text: str) -> Analysis:
    """Every crisis phrase in `text`, in reading order (cached: every action asks)."""
    if not isinstance(text, str) or not text.strip():
        return Analysis((), False)
    normal = normalise(text)
    nlp, matcher = _pipeline()
    doc = nlp(normal)
    found: set[CrisisFinding] = set()
    looks_alike = False
    for match_id, start, end in matcher(doc):
        rule = RULES[int(nlp.vocab.strings[match_id])]
        if _keeps(rule, doc, start, end, normal):
            span = doc[start:end]
            found.add(CrisisFinding(rule.kind, span.start_char, span.end_char))
        else:
            looks_alike = True
    ordered = tuple(sorted(found, key=lambda f: (f.start, f.end, f.kind)))
    return Analysis(ordered, looks_alike)


def findings(text: str) -> list[CrisisFinding]:
    return list(analyse(text).findings)


def detect(text: str) -> CrisisFinding | None:
    """The first crisis phrase in `text`, or None."""
    found = analyse(text).findings
    return found[0] if found else None


# The NLU model's `crisis` guess alone is noisy on look-alikes ("my phone died again"):
# it counts only this confident, and only when the lexicon saw no figure of speech.
NLU_ONLY_CONFIDENCE = 0.5


def classify(text: str, intent: str, confidence: float = 1.0) -> str | None:
    """The crisis kind of a typed message: the matcher's; else "other" when the NLU model
    said `crisis` confidently about words that are no known figure of speech; else None."""
    analysis = analyse(text)
    if analysis.findings:
        return analysis.findings[0].kind
    if (
        intent == "crisis"
        and confidence >= NLU_ONLY_CONFIDENCE
        and not analysis.looks_alike
        and not is_idiom(text)
    ):
        return "other"
    return None


_IDIOM_PATTERNS = tuple(re.compile(pattern) for pattern in IDIOMS)


def is_idiom(text: str) -> bool:
    normal = normalise(text)
    return any(pattern.search(normal) for pattern in _IDIOM_PATTERNS)


def warm_up() -> None:
    """Build the matcher now (about a second) instead of on the first message."""
    detect("warm up")
