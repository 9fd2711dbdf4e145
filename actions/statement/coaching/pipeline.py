"""The spaCy pipeline (built lazily, once) and the parsed view the rules work on.

Only a blank English tokenizer is used, plus the lookup lemma table shipped by
``spacy-lookups-data``; no statistical model is needed.  Importing this module
is cheap: spaCy itself is imported the first time ``get_nlp()`` runs.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# A letter pair glued by punctuation ("alone.lonely") is split into two words.
_GLUED_PUNCT = r"(?<=[A-Za-z]{2})[.,!?;:](?=[A-Za-z]{2})"

_QUOTES_OPEN = {"“", "«", "„"}
_QUOTES_CLOSE = {"”", "»"}
_QUOTES_EITHER = {'"', "'", "‘", "’", "`"}
_QUOTE_MARKS = _QUOTES_OPEN | _QUOTES_CLOSE | _QUOTES_EITHER
_SENTENCE_END = set(".!?;…")

# Contractions and chat spellings, by the lower-cased token text.
_ALWAYS = {
    "n't": "not",
    "nt": "not",
    "'re": "are",
    "'m": "am",
    "'ll": "will",
    "'ve": "have",
    "wo": "will",
    "ca": "can",
    "u": "you",
    "cuz": "because",
    "cos": "because",
    "coz": "because",
    "bc": "because",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "ur": "ur",
    "rn": "now",
    "ya": "you",
    "gon": "going",
    "gotta": "gotta",
}
_AFTER_PRONOUN = {"re": "are", "r": "are", "ve": "have", "ll": "will", "d": "'d", "m": "am"}
_PRONOUNS = {"i", "you", "we", "they", "he", "she", "u", "it", "that", "there", "who"}


@functools.lru_cache(maxsize=1)
def get_nlp() -> Language:
    """Blank English pipeline with one extra infix rule. Built on first use."""
    import spacy
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("en")
    infixes = [*(nlp.Defaults.infixes or ()), _GLUED_PUNCT]
    tokenizer: Any = nlp.tokenizer
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


@functools.lru_cache(maxsize=1)
def _lemma_table() -> Any:
    from spacy.lookups import load_lookups

    return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")


@functools.lru_cache(maxsize=8192)
def _lemma(norm: str) -> str:
    if not norm.isalpha():
        return norm
    return str(_lemma_table().get(norm, norm))


@functools.lru_cache(maxsize=8192)
def normalise(lower: str, previous: str) -> str:
    """Normalise one lower-cased token, given the previous normalised token."""
    text = lower.replace("’", "'").replace("‘", "'").replace("`", "'")
    if text in _ALWAYS:
        return _ALWAYS[text]
    if previous in _PRONOUNS and text in _AFTER_PRONOUN:
        return _AFTER_PRONOUN[text]
    if text in {"na", "ta"} and previous in {"going", "got", "want"}:
        return "to"
    return text


def _is_emoji(text: str) -> bool:
    return any(unicodedata.category(ch) == "So" for ch in text)


@functools.lru_cache(maxsize=4096)
def _is_boundary(text: str) -> bool:
    if text.isspace():
        return "\n" in text
    return all(ch in _SENTENCE_END for ch in text) or _is_emoji(text)


@dataclass
class Parsed:
    """A tokenised text plus per-token facts the rules need."""

    text: str
    doc: Doc
    norms: list[str]
    lemmas: list[str]
    sent_start: list[int]  # index of the first token of this token's sentence
    sent_end: list[int]  # index one past the last token of this token's sentence
    quoted: list[bool]  # inside reported speech ("he said 'you never listen'")

    def __len__(self) -> int:
        return len(self.norms)

    def char_span(self, start: int, end: int) -> tuple[int, int]:
        """Character offsets of tokens ``start .. end-1``."""
        last = self.doc[end - 1]
        return self.doc[start].idx, last.idx + len(last.text)

    def sentence(self, i: int) -> range:
        return range(self.sent_start[i], self.sent_end[i])

    def any_quoted(self, start: int, end: int) -> bool:
        return any(self.quoted[start:end])


def _sentences(texts: list[str]) -> tuple[list[int], list[int]]:
    n = len(texts)
    starts, ends = [0] * n, [n] * n
    begin = 0
    for i, text in enumerate(texts):
        if _is_boundary(text):
            for j in range(begin, i + 1):
                starts[j], ends[j] = begin, i + 1
            begin = i + 1
    for j in range(begin, n):
        starts[j], ends[j] = begin, n
    return starts, ends


_SPEECH_LEMMAS = frozenset(
    {
        "say",
        "tell",
        "call",
        "yell",
        "shout",
        "text",
        "write",
        "go",
        "scream",
        "reply",
        "ask",
        "answer",
        "snap",
        "like",
        "mutter",
        "message",
        "goes",
        "said",
        "called",
        "told",
    }
)


def _quoted(texts: list[str], spaced: list[bool], lemmas: list[str]) -> list[bool]:
    """Mark tokens inside quotation marks that look like reported speech.

    ``spaced[i]`` says whether token ``i`` is followed by whitespace.  A quote of
    one or two words with no speech verb before it is a scare quote
    (I feel "ignored") and is analysed like normal text.
    """
    mask = [False] * len(texts)
    open_at: int | None = None
    for i, text in enumerate(texts):
        if text not in _QUOTE_MARKS:
            continue
        if open_at is None:
            opens_word = not spaced[i] and (i == 0 or spaced[i - 1])
            if text in _QUOTES_OPEN or (text in _QUOTES_EITHER and opens_word):
                open_at = i
            continue
        if text in _QUOTES_CLOSE or text in _QUOTES_EITHER:
            inner = i - open_at - 1
            lead = lemmas[max(0, open_at - 4) : open_at]
            if inner > 2 or any(lemma in _SPEECH_LEMMAS for lemma in lead):
                mask[open_at : i + 1] = [True] * (i + 1 - open_at)
            open_at = None
    return mask


def parse(text: str) -> Parsed:
    doc = get_nlp()(text)
    texts = [tok.text for tok in doc]
    norms: list[str] = []
    previous = ""
    for tok, lower in zip(doc, (t.lower() for t in texts), strict=True):
        previous = normalise(lower, previous)
        tok.norm_ = previous  # read by the PhraseMatcher (attr="NORM")
        norms.append(previous)
    lemmas = [_lemma(norm) for norm in norms]
    spaced = [bool(tok.whitespace_) for tok in doc]
    starts, ends = _sentences(texts)
    return Parsed(text, doc, norms, lemmas, starts, ends, _quoted(texts, spaced, lemmas))


def pattern_doc(phrase: str) -> Doc:
    """A phrase tokenised and normalised exactly like analysed text."""
    return parse(phrase).doc
