"""Feel step: THOUGHT_AS_FEELING, FAUX_FEELING and NO_FEELING.

Choices worth knowing:

* "I feel sad that you left" names a feeling first, so it is not a thought;
  "I feel that / like / as if / you …" is.  "I feel like crying" is an urge,
  not a thought, and counts as a feeling.
* A faux feeling ("ignored") counts when the speaker says it about
  themselves: after "I feel / I'm / I got / being", or as a bare fragment
  ("ignored. again.").  "you ignored me" is an accusation without a feeling
  word, so it gets NO_FEELING instead.
* NO_FEELING fires only when there is no real feeling word, no faux feeling
  and no "I feel that …" thought (the thought's suggestion already asks for
  the feeling).  Emoji alone don't name a feeling.  An empty answer has no
  feeling either: its finding spans the whole text.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import lexicon as lx
from .context import denied, find_phrases, phrase
from .findings import Finding, make
from .pipeline import Parsed

_FAUX = tuple(lx.FAUX_FEELINGS)
_FEELING_NORMS = frozenset(w for w in lx.FEELING_WORDS if " " not in w)
_FAUX_NORMS = frozenset(w for w in _FAUX if " " not in w)
_BEFORE_FEEL = frozenset(
    "do not did kind of sort kinda sorta just really honestly am was been have always "
    "sometimes often still also genuinely somehow can could started start to begin beginning "
    "starting actually truly totally literally even now then and but so make makes made "
    "making 'd would will keep kept".split()
)
_AFTER_FEEL = frozenset(
    "kind of sort kinda sorta really just honestly almost a bit little somehow actually "
    "totally completely pretty sometimes strongly genuinely truly deeply lately now".split()
)
_NEVER_SO = frozenset({"so", "more", "this", "that", "as", "such"})
_IT_SUBJECTS = frozenset({"it", "this", "everything"})
_LIKE_FEELING = frozenset({"shit", "crap", "garbage", "rubbish", "trash", "hell", "death", "dirt"})


def analyze(p: Parsed) -> list[Finding]:
    thoughts = list(_thoughts(p))
    fauxes = list(_fauxes(p))
    findings = thoughts + fauxes
    if not findings and not _has_feeling(p):
        findings.append(_no_feeling(p.text))
    return findings


def empty(text: str) -> list[Finding]:
    """The finding for an answer with nothing in it."""
    return [_no_feeling(text)]


def _no_feeling(text: str) -> Finding:
    stripped = text.strip()
    start = text.find(stripped) if stripped else 0
    return make("NO_FEELING", text, start, start + len(stripped) if stripped else len(text))


def _speaker_feels(p: Parsed, i: int) -> bool:
    """Token ``i`` is a form of "feel" said by the speaker (not "how you feel")."""
    j = i - 1
    while j >= p.sent_start[i] and p.norms[j] in _BEFORE_FEEL:
        j -= 1
    return j < p.sent_start[i] or p.norms[j] in {"i", "me", "im"}


def _thought_end(p: Parsed, i: int) -> int | None:
    """End token of "feel that / like / as if / you" starting at feel-token ``i``."""
    n = len(p)
    j = i + 1
    while j < n and p.norms[j] in _AFTER_FEEL:
        j += 1
    if j >= n:
        return None
    nxt = p.norms[j]
    after = p.norms[j + 1] if j + 1 < n else ""
    if nxt == "that":
        return None if after in {"way", "too", ""} or not after.isalpha() else j + 1
    if nxt == "like":
        if not after.isalpha() or after in _LIKE_FEELING:
            return None
        if after.endswith("ing") and after not in lx.NOT_GERUNDS:
            return None  # "I feel like crying": an urge, not a thought
        return j + 1
    if nxt == "as" and after in {"if", "though"}:
        return j + 2
    if nxt in lx.THOUGHT_STARTERS:
        return j + 1
    return None


def _it_feels(p: Parsed, i: int) -> int | None:
    """Start token of "it feels / it felt" at feel-token ``i`` ("it felt like you …")."""
    j = i - 1
    while j >= p.sent_start[i] and p.norms[j] in _BEFORE_FEEL:
        j -= 1
    if j >= p.sent_start[i] and p.norms[j] in _IT_SUBJECTS:
        return j
    return None


def _it_thought_end(p: Parsed, i: int) -> int | None:
    """ "it feels like / as if / as though" + a clause with its own subject."""
    n = len(p)
    j = i + 1
    while j < n and p.norms[j] in _AFTER_FEEL:
        j += 1
    if p.norms[j : j + 2] in (["as", "if"], ["as", "though"]):
        return j + 2
    if j + 1 < n and p.norms[j] == "like" and p.norms[j + 1] in lx.THOUGHT_STARTERS:
        return j + 1
    return None


def _thoughts(p: Parsed) -> Iterator[Finding]:
    for i, lemma in enumerate(p.lemmas):
        if lemma != "feel" or p.quoted[i]:
            continue
        if not _speaker_feels(p, i):
            # "it feels like you'd rather be elsewhere" is the same thought
            it = _it_feels(p, i)
            end = _it_thought_end(p, i) if it is not None else None
            if it is not None and end is not None:
                yield make("THOUGHT_AS_FEELING", p.text, *p.char_span(it, end))
            continue
        end = _thought_end(p, i)
        if end is None:
            continue
        start = i
        if i >= 1 and p.norms[i - 1] == "i":
            start = i - 1
        elif i >= 2 and p.norms[i - 1] == "am" and p.norms[i - 2] == "i":
            start = i - 2
        yield make("THOUGHT_AS_FEELING", p.text, *p.char_span(start, end))


def _feel_verb(p: Parsed, s: int) -> int | None:
    """Token of the "feel / am / was / got" that the word at token ``s`` hangs on."""
    j = s - 1
    while j >= p.sent_start[s]:
        norm = p.norms[j]
        if p.lemmas[j] == "feel" or norm in lx.FEEL_BE_VERBS:
            return j
        if norm in {"was", "were"}:
            return j if j > p.sent_start[s] and p.norms[j - 1] == "i" else None
        if norm in lx.FEEL_MODIFIERS or norm in _FEELING_NORMS or norm in _FAUX_NORMS:
            j -= 1
            continue
        return None
    return None


def _disowned(p: Parsed, s: int) -> bool:
    """ "I didn't feel ignored", "I'm not feeling rejected", "it's not that I felt …"."""
    if denied(p, s):
        return True
    verb = _feel_verb(p, s)
    if verb is None:
        return False
    first = max(p.sent_start[s], verb - 3)
    for k in range(first, s):
        if p.norms[k] == "never" and set(p.norms[k + 1 : s]) & _NEVER_SO:
            continue  # "I've never felt so ignored" stresses the feeling
        if p.norms[k] in lx.NEGATORS:
            return True
    return False


def _feel_context(p: Parsed, s: int, *, fragment: bool = True) -> bool:
    """Is the word at token ``s`` something the speaker says they feel or are?

    With ``fragment``, a bare word at the start of a sentence counts too.
    """
    j = s - 1
    while j >= p.sent_start[s]:
        norm = p.norms[j]
        if p.lemmas[j] == "feel" or norm in lx.FEEL_BE_VERBS:
            return True
        if norm in {"was", "were"}:
            return j > p.sent_start[s] and p.norms[j - 1] == "i"
        if norm in lx.FEEL_MODIFIERS or norm in _FEELING_NORMS or norm in _FAUX_NORMS:
            j -= 1
            continue
        return False
    return fragment  # a bare fragment: "ignored. again."


def _fauxes(p: Parsed) -> Iterator[Finding]:
    for span in find_phrases(p, _FAUX):
        s, e = span
        word = phrase(p, span)
        if p.any_quoted(s, e) or not _feel_context(p, s) or _disowned(p, s):
            continue
        if word == "used" and e < len(p) and p.norms[e] == "to":
            continue  # "I'm used to it"
        alternatives = lx.FAUX_FEELINGS[word]
        yield make("FAUX_FEELING", p.text, *p.char_span(s, e), alternatives=alternatives)


def _has_feeling(p: Parsed) -> bool:
    if find_phrases(p, lx.FEELING_WORDS):
        return True
    contextual = find_phrases(p, lx.CONTEXT_FEELINGS)
    if any(_feel_context(p, s, fragment=False) for s, _ in contextual):
        return True
    # "I feel like crying / screaming"
    return any(
        lemma == "feel"
        and i + 2 < len(p)
        and p.norms[i + 1] == "like"
        and p.norms[i + 2].endswith("ing")
        for i, lemma in enumerate(p.lemmas)
    )
