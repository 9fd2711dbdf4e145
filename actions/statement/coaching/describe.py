"""Describe step: ABSOLUTE, LABEL and YOU_BLAME.

Choices worth knowing:

* Everything inside reported speech (he said "you never listen") is skipped.
* ABSOLUTE is about the partner's (or "we"'s) behaviour.  An absolute whose
  nearest subject is the speaker ("I never got a chance") or a third party
  ("my boss always emails") is left alone.  "nothing"/"everything" only count
  as the partner's object ("you do nothing"), not as the subject of a
  situation ("everything was fine until Tuesday"), and not when the sentence
  names one occasion ("you said nothing when I asked").
* "not always" / "not every time" soften the absolute and are not flagged;
  so is anything under a denial ("I don't think …", "it's not that …").
* LABEL needs a target that is not the speaker ("you called me lazy" is a
  report, not a label); ambiguous words (rude, mean, child, baby …) need a
  label-like context ("you were rude", "like a child").
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from . import lexicon as lx
from .context import (
    Span,
    denied,
    find_phrases,
    negated,
    partner_mentioned,
    phrase,
    specific_time,
    subject_of,
)
from .findings import Finding, make
from .pipeline import Parsed

_CONTEXT_NOUNS = frozenset(
    "child baby kid pig cow dick nightmare joke mess monster failure teenager toddler "
    "princess ass arse clown animal pain".split()
)
# "you're a joke", "like a spoiled child", "you big baby" (but not "into a joke")
_NOUN_FILLERS = frozenset(
    "a an such little big total complete absolute real proper utter spoiled spoilt selfish "
    "lazy massive bloody fucking so".split()
)
_NOUN_CONTEXT = frozenset(
    "are were was is 's being been be like such you ur what acting behaving act".split()
)
_ADJ_CONTEXT = frozenset(
    "are were was is 's being been be so such really very too bloody fucking incredibly "
    "extremely pretty quite acting behaving totally just always a an".split()
)
_BLAME_PARTNER = frozenset({"you", "ur", "ya"})
_BLAME_SKIP = lx.ADVERBS | {"have", "had", "'d", "will", "are", "were", "was", "been", "is"}
_CONDITIONAL = frozenset({"if", "unless", "whether", "when"})
_SPITE = frozenset({"win", "hurt", "control", "punish", "humiliate", "annoy"})
_STRETCHES = frozenset({"week", "month", "year"})
_REPORTING = frozenset({"say", "tell", "claim", "admit", "mention", "explain", "said", "told"})
# facts of life after "you just …", not a habit pinned on the partner
_STATIVE = frozenset(
    "need have get work live know own earn start finish begin arrive leave go come mean".split()
)
_ASKING = frozenset({"do", "does", "did", "would", "if", "whether", "unless", "when"})
# bare forms that are also past tense ("you just put it there")
_PAST_FORMS = frozenset({"put", "cut", "hit", "let", "set", "shut", "quit", "read", "hurt"})
# words after "you just / only" that aren't a habit ("you only once …", "you just now …")
_NOT_VERBS = frozenset(
    "once twice now then to a the one about for with like me us it that this there".split()
)


def analyze(p: Parsed) -> list[Finding]:
    return [*_absolutes(p), *_labels(p), *_blame(p)]


# --- ABSOLUTE ---------------------------------------------------------------------


def _absolute_candidates(p: Parsed) -> Iterator[Span]:
    found = find_phrases(p, lx.ABSOLUTE_PHRASES)
    yield from found
    taken = {k for s, e in found for k in range(s, e)}
    for i in range(1, len(p)):
        # "don't ever", "do not ever" (but not "if you ever")
        if p.norms[i] == "ever" and p.norms[i - 1] == "not":
            yield i, i + 1
    for i in range(len(p)):
        if i not in taken and p.norms[i] in {"every", "each"}:
            span = _every_period(p, i)
            if span is not None:
                yield span


def _every_period(p: Parsed, i: int) -> Span | None:
    """ "Every single weekend you …", "Each morning you …": a repeated period that
    opens the clause, or is stressed with "single".  A trailing "every night this
    week" names one stretch of time and is left alone."""
    j = i + 1
    single = j < len(p) and p.norms[j] == "single"
    if single:
        j += 1
    if j >= len(p) or p.lemmas[j] not in lx.PERIOD_NOUNS:
        return None
    opens = i == p.sent_start[i] or p.norms[i - 1] in lx.CLAUSE_OPENERS
    if not (single or opens):
        return None
    rest = p.norms[j + 1 : p.sent_end[i]]
    if any(a in {"this", "last"} and b in _STRETCHES for a, b in pairwise(rest)):
        return None
    return i, j + 1


def _is_subordinate(word: str) -> bool:
    return word in lx.SUBORDINATE_ABSOLUTES or word.startswith(("every ", "each "))


def _about_partner(p: Parsed, span: Span, word: str) -> bool:
    s, e = span
    who = subject_of(p, s)
    if who in ("speaker", "third") and not _is_subordinate(word):
        return False
    if word in lx.OBJECT_ABSOLUTES:
        return who == "partner" and not specific_time(p, s)
    if _is_subordinate(word):
        return who == "partner" or partner_mentioned(p, s, after=e)
    return who == "partner" or partner_mentioned(p, s)


def _absolutes(p: Parsed) -> Iterator[Finding]:
    for span in _absolute_candidates(p):
        s, e = span
        word = phrase(p, span)
        nxt = p.norms[e] if e < len(p) else ""
        if p.any_quoted(s, e) or (word == "never" and nxt == "mind"):
            continue
        if word == "forever" and not (nxt.endswith("ing") or (s and p.norms[s - 1] == "are")):
            continue
        if (word in lx.NEGATABLE_ABSOLUTES or _is_subordinate(word)) and negated(p, s):
            continue
        if denied(p, s) or not _about_partner(p, span, word):
            continue
        if p.doc[s].lower_ in {"n't", "n’t", "nt"}:  # "haven't once", not "n't once"
            s -= 1
        yield make("ABSOLUTE", p.text, *p.char_span(s, e))


# --- LABEL ------------------------------------------------------------------------


def _label_context(p: Parsed, s: int, word: str) -> bool:
    if word in _CONTEXT_NOUNS:
        j = s - 1
        while j >= p.sent_start[s] and p.norms[j] in _NOUN_FILLERS:
            j -= 1
        return j >= p.sent_start[s] and p.norms[j] in _NOUN_CONTEXT
    before = p.norms[max(p.sent_start[s], s - 2) : s]
    return any(norm in _ADJ_CONTEXT for norm in before)


def _label_spans(p: Parsed) -> Iterator[Span]:
    for span in find_phrases(p, lx.STRONG_LABELS):
        if subject_of(p, span[0], objects=True) not in ("speaker", "third"):
            yield span
    for span in find_phrases(p, lx.CONTEXT_LABELS):
        word = phrase(p, span)
        if _label_context(p, span[0], word) and subject_of(p, span[0], objects=True) == "partner":
            yield span


def _labels(p: Parsed) -> Iterator[Finding]:
    spans: list[Span] = []
    for s, e in sorted(set(_label_spans(p))):
        if p.any_quoted(s, e) or negated(p, s, window=3) or denied(p, s):
            continue
        if spans and s <= spans[-1][1]:  # "selfish jerk" is one label
            spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
        else:
            spans.append((s, e))
    for s, e in spans:
        yield make("LABEL", p.text, *p.char_span(s, e))


# --- YOU_BLAME --------------------------------------------------------------------


def _skip(p: Parsed, j: int, words: frozenset[str]) -> int:
    while j < len(p) and p.norms[j] in words:
        j += 1
    return j


def _blame_from(p: Parsed, i: int) -> int | None:
    """If a blaming phrase starts at partner token ``i``, return its end token."""
    n = len(p)
    j = _skip(p, i + 1, _BLAME_SKIP)
    if j >= n:
        return None
    norm, lemma = p.norms[j], p.lemmas[j]
    # you (do) not / never (even) care | respect | take me seriously | give a damn
    k = j + 1 if norm in {"do", "does", "did", "could", "would", "can"} else j
    if k < n and p.norms[k] in {"not", "never"}:
        v = _skip(p, k + 1, lx.ADVERBS)
        if v < n and p.lemmas[v] in lx.CARE_VERBS:
            return v + 1
        # "you couldn't (even) be bothered", "you didn't even bother to call"
        if v < n and p.lemmas[v] == "bother" and "even" in p.norms[k:v]:
            return v + 1
        if v + 1 < n and p.lemmas[v] == "be" and p.norms[v + 1] == "bothered":
            return v + 2
        if v + 1 < n and p.lemmas[v] == "give" and p.norms[v + 1] == "a":
            return v + 1
        if v < n and p.lemmas[v] in {"think", "take"} and "seriously" in p.norms[v : v + 4]:
            return v + 1
        if v + 1 < n and p.lemmas[v] == "think" and p.norms[v + 1] in {"about", "of"}:
            return v + 2
        return None
    if lemma in lx.RUIN_VERBS:
        return j + 1
    if lemma == "make" and j + 2 < n and p.norms[j + 1] in {"me", "us"}:
        c = _skip(p, j + 2, lx.ADVERBS)
        if c < n and (p.lemmas[c] in lx.MAKE_ME_COMPLEMENTS or p.norms[c] in _FEELINGS):
            return j + 2
    if lemma == "drive" and j + 2 < n and p.norms[j + 1] in {"me", "us"}:
        c = _skip(p, j + 2, lx.ADVERBS)
        if c < n and p.norms[c] in lx.DRIVE_ME_COMPLEMENTS:
            return j + 2  # "you drive me crazy / up the wall"
    if lemma == "make":  # "you make everything about you"
        about = p.norms[j + 1 : j + 5]
        if "about" in about:
            a = j + 1 + about.index("about")
            if p.norms[a + 1 : a + 2] in (["you"], ["yourself"], ["ur"]):
                return a + 2
    if lemma in lx.ACCUSING_VERBS and j + 1 < n and p.norms[j + 1] in {"me", "us"}:
        return j + 2
    if lemma in {"care", "think", "worry"}:
        if "only" in p.norms[i + 1 : j]:  # you only think about yourself
            return j + 1
        if j + 1 < n and p.norms[j + 1] == "only":  # you think only of yourself
            return j + 2
    if lemma == "want" and j + 2 < n and p.norms[j + 1] == "to" and p.lemmas[j + 2] in _SPITE:
        return j + 3  # "you just want to win"
    if lemma == "think" and j + 1 < n and p.norms[j + 1] in _BLAME_PARTNER:
        r = _skip(p, j + 2, _BLAME_SKIP | {"know"})
        if r < n and p.norms[r] in {"right", "better", "perfect", "smarter", "best"}:
            return r + 1
    if lemma == "treat" and p.norms[j + 1 : j + 3] in (["me", "like"], ["us", "like"]):
        return j + 3  # "you treat me like dirt"
    if lemma in {"put", "prioritise", "prioritize", "choose", "pick", "rank"}:
        for r in range(j + 1, min(n, j + 6)):
            if p.norms[r] == "first" and lemma == "put":
                return r + 1  # "you put your mates first"
            if p.norms[r] in {"over", "before", "above"} and p.norms[r + 1 : r + 2] == ["me"]:
                return r + 2  # "you chose your phone over me"
    if lemma == "think" and _judging_thought(p, i, j):
        return j + 1  # "you think your work is more important than mine"
    if "just" in p.norms[i + 1 : j] and _habitual(p, j):
        return j + 1  # "you just wait for your turn to talk": a habit, in the present tense
    return None


def _judging_thought(p: Parsed, i: int, j: int) -> bool:
    """ "you think (that) my job / your mates / I …" + a verdict: mind-reading."""
    if (i >= 1 and p.norms[i - 1] in _ASKING) or p.norms[p.sent_end[j] - 1] == "?":
        return False  # "do you think …?" is a question
    if i >= 1 and p.lemmas[i - 1] in _REPORTING:
        return False  # "you said you think my sister …" reports what was said
    clause = p.norms[j + 1 : min(p.sent_end[j], j + 10)]
    return bool(clause) and clause[0] in lx.THOUGHT_OBJECTS and bool(set(clause) & lx.VERDICT_WORDS)


def _habitual(p: Parsed, j: int) -> bool:
    """The verb at ``j`` is a plain present ("you just walk off"), not a past fact."""
    norm, lemma = p.norms[j], p.lemmas[j]
    if not norm.isalpha() or norm in lx.AUXILIARIES or norm in lx.NEGATORS:
        return False
    if norm != lemma or norm.endswith("ed") or norm in _PAST_FORMS:
        return False
    return not specific_time(p, j) and norm not in _NOT_VERBS and norm not in _STATIVE


def _blame_spans(p: Parsed) -> Iterator[Span]:
    for i, norm in enumerate(p.norms):
        if norm in _BLAME_PARTNER:
            end = _blame_from(p, i)
            conditional = i > 0 and p.norms[i - 1] in _CONDITIONAL
            if end is not None and not conditional and not denied(p, i):
                yield i, end
        # "I don't think you care"
        if norm == "not" and i + 2 < len(p) and p.lemmas[i + 1] in {"think", "believe"}:
            k = i + 3 if p.norms[i + 2] == "that" else i + 2
            if k < len(p) and p.norms[k] in _BLAME_PARTNER:
                v = _skip(p, k + 1, lx.ADVERBS)
                if v < len(p) and p.lemmas[v] in lx.CARE_VERBS:
                    yield k, v + 1
    for s, e in find_phrases(p, lx.MOTIVE_PHRASES):
        partner_before = any(p.norms[j] in _BLAME_PARTNER for j in range(p.sent_start[s], s))
        if partner_before and not negated(p, s) and not denied(p, s):
            yield s, e
    for s, e in find_phrases(p, lx.FAULT_PHRASES):
        if not negated(p, s, window=2) and not denied(p, s):
            yield s, e


def _blame(p: Parsed) -> Iterator[Finding]:
    for s, e in sorted(set(_blame_spans(p))):
        if not p.any_quoted(s, e):
            yield make("YOU_BLAME", p.text, *p.char_span(s, e))


_FEELINGS = frozenset(w for w in lx.FEELING_WORDS if " " not in w)
