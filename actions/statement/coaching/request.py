"""Request step: NEGATIVE_REQUEST, VAGUE_REQUEST and DEMAND.

Choices worth knowing:

* "stop by / stop at the shop" is a positive errand; "don't forget / don't
  hesitate / don't worry" already say what is wanted; "why don't we …" is an
  invitation.  None of those is a negative request.
* A vague phrase ("be more supportive") is fine when the same text also names
  something concrete outside it: a day or time, a number, or a concrete
  action such as text, call, cook, book, put the phone away.
* DEMAND covers "you have to / must / need to / 'd better", "or else",
  ultimatums ("if you don't …, I'm leaving", "… or we're done") and a few
  set phrases ("no excuses", "I'm not asking").  "If you have to work late,
  could you text me?" and "you don't have to …" are not demands, and
  "I need you to …" is treated as stating a need, not as a demand.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import lexicon as lx
from .context import Span, denied, find_phrases
from .findings import Finding, make
from .pipeline import Parsed

_PARTNER = frozenset({"you", "ur", "ya"})
_STOP_WORDS = frozenset({"stop", "quit", "avoid"})
_STOP_NOT_AFTER = lx.DETERMINERS | frozenset(
    "bus full last next first one pit non - not i no".split()
)
_AFTER_TO = frozenset({"to", "you", "we", "must", "gotta", "better", "should", "ya"})
# "you must be tired", "you must have forgotten": a guess, not an order
_EPISTEMIC = frozenset(
    "tired exhausted joking kidding busy stressed hungry sick worn feeling so really very "
    "going thinking mad crazy forgotten missed thought been known seen heard misunderstood "
    "confused".split()
)
_EPISTEMIC_AFTER_BE = [[word] for word in _EPISTEMIC]
_SHOULD_KNOW = frozenset("know realise realize understand see feel hear".split())
_FEELING_AFTER_BE = [[w] for w in lx.FEELING_WORDS if " " not in w]
_SHOULD = frozenset({"should", "must", "shall", "ought"})
_CLAUSE_SUBJECTS = frozenset({"we", "i", "you", "they", "it", "he", "she", "ur", "ya"})
_PURPOSE_OPENERS = frozenset(
    {"so", "that", "case", "if", "unless", "because", "cause", "otherwise", "when", "while"}
)
# "you will love it", "you will be fine": a promise or a guess, not an order
_NOT_AN_ORDER = frozenset(
    "love like enjoy see find be feel get probably never not regret thank understand know "
    "forget remember".split()
)
_SOFTENERS = frozenset({"please", "pls", "just", "ever", "kindly", "really"})
_VAGUE_FILLERS = frozenset({"a", "bit", "little", "much", "way", "lot", "slightly", "even"})
_ABSTRACT_FILLERS = frozenset({"more", "some", "in", "any", "the", "of", "greater", "real"})
_DEMAND_SKIP = frozenset(
    "just really seriously honestly absolutely definitely simply now so totally literally "
    "actually".split()
)
_THREAT_SUBJECTS = frozenset({"i", "we", "it", "this", "that", "then", "you"})
# "if you don't mind / have time / want to, I'll …" is an offer, not an ultimatum
_NOT_A_THREAT = frozenset(
    {"be", "feel", "worry", "miss", "understand", "help", "wait"}
) | frozenset(w for w in lx.FEELING_WORDS if " " not in w)
_OFFER_WORDS = frozenset({"mind", "time", "able", "sure", "know", "want", "like", "feel", "can"})


def analyze(p: Parsed) -> list[Finding]:
    findings = [make("NEGATIVE_REQUEST", p.text, *p.char_span(*s)) for s in _negative(p)]
    findings += [make("VAGUE_REQUEST", p.text, *p.char_span(*s)) for s in _vague(p)]
    findings += [make("DEMAND", p.text, *p.char_span(*s)) for s in _demand(p)]
    return findings


def _unquoted(p: Parsed, spans: Iterator[Span]) -> list[Span]:
    return sorted({span for span in spans if not p.any_quoted(*span)})


def _request_position(p: Parsed, i: int) -> bool:
    """Token ``i`` starts an instruction: sentence start, "please …", "you to …"."""
    j = i - 1
    while j >= p.sent_start[i] and p.norms[j] in _SOFTENERS:
        j -= 1
    return j < p.sent_start[i] or p.norms[j] in lx.IMPERATIVE_LEADS or p.norms[j] in _AFTER_TO


# --- NEGATIVE_REQUEST -------------------------------------------------------------


def _negative_spans(p: Parsed) -> Iterator[Span]:
    n = len(p)
    for i, norm in enumerate(p.norms):
        nxt = p.norms[i + 1] if i + 1 < n else ""
        prev = p.norms[i - 1] if i else ""
        if norm in _STOP_WORDS and prev not in _STOP_NOT_AFTER and _request_position(p, i):
            if not (norm == "stop" and nxt in lx.STOP_EXEMPT_NEXT):
                yield i, i + 1
        elif norm == "do" and nxt == "not" and prev not in _PARTNER and _request_position(p, i):
            verb = p.norms[i + 2] if i + 2 < n else ""
            if verb not in lx.NEGATIVE_EXEMPT_AFTER_DONT and not _purpose_clause(p, i):
                yield i, i + 2
        elif norm == "not":
            yield from _not_request(p, i)
        elif norm == "never" and (_request_position(p, i) or "again" in p.norms[i : p.sent_end[i]]):
            yield i, i + 1
        elif norm == "no" and nxt == "more" and (p.norms[i + 2] if i + 2 < n else "") != "than":
            yield i, i + 2
    yield from find_phrases(p, lx.NEGATIVE_PHRASES)


def _purpose_clause(p: Parsed, i: int) -> bool:
    """ "… so we don't end up scrolling", "in case we don't": a reason, not the ask."""
    subject = i - 1
    if subject < p.sent_start[i] or p.norms[subject] not in _CLAUSE_SUBJECTS:
        return False
    return subject > p.sent_start[i] and p.norms[subject - 1] in _PURPOSE_OPENERS


def _not_request(p: Parsed, i: int) -> Iterator[Span]:
    """ "can you not …", "you to not …", "asking you not to …", "don't want you to …"."""
    n = len(p)
    j = i - 1
    while j >= 0 and p.norms[j] in _SOFTENERS:
        j -= 1
    prev = p.norms[j] if j >= 0 else ""
    nxt = p.norms[i + 1] if i + 1 < n else ""
    if prev in _PARTNER and j >= 1 and p.norms[j - 1] in lx.REQUEST_MODALS:
        yield j - 1, i + 1
    elif prev in _SHOULD and j >= 1 and p.norms[j - 1] in _PARTNER:
        yield j - 1, i + 1  # "you shouldn't / mustn't …"
    elif prev in {"to", "try", "better"}:
        yield j, i + 1
    elif nxt == "to" and prev in _PARTNER | {"me", "us"}:
        yield i, i + 2
    elif p.lemmas[i + 1 : i + 2] == ["want"] and p.norms[i + 2 : i + 4] in (
        ["you", "to"],
        ["ur", "to"],
    ):
        start = i - 1 if i and p.norms[i - 1] == "do" else i
        yield start, i + 4


def _negative(p: Parsed) -> list[Span]:
    # "I'm not asking you to quit football, but …" denies the negative ask
    return _unquoted(p, (span for span in _negative_spans(p) if not denied(p, span[0])))


# --- VAGUE_REQUEST ----------------------------------------------------------------


def _be_vague(p: Parsed) -> Iterator[Span]:
    """ "be more considerate", "be nicer", "be a better partner", "be supportive"."""
    n = len(p)
    for i, norm in enumerate(p.norms):
        if norm != "be":
            continue
        j = i + 1
        while j < n and p.norms[j] in _VAGUE_FILLERS:
            j += 1
        if j >= n:
            continue
        if p.norms[j] in {"more", "less"} and j + 1 < n and p.norms[j + 1].isalpha():
            yield i, j + 2
        elif p.norms[j] in lx.VAGUE_ADJECTIVES:
            yield i, j + 1


def _abstract_vague(p: Parsed) -> Iterator[Span]:
    """ "take more responsibility", "show some interest", "put in more effort"."""
    n = len(p)
    for i, lemma in enumerate(p.lemmas):
        if lemma not in lx.ABSTRACT_VERBS:
            continue
        j = i + 1
        while j < n and (p.norms[j] in _VAGUE_FILLERS or p.norms[j] in _ABSTRACT_FILLERS):
            j += 1
        if j < n and p.lemmas[j] in lx.ABSTRACT_NOUNS:
            yield i, j + 1


def _concrete_outside(p: Parsed, spans: list[Span]) -> bool:
    covered = {k for s, e in spans for k in range(s, e)}
    for s, e in find_phrases(p, lx.CONCRETE_TIME):
        if covered.isdisjoint(range(s, e)):
            return True
    return any(
        k not in covered
        and (p.lemmas[k] in lx.CONCRETE_ACTIONS or any(ch.isdigit() for ch in p.norms[k]))
        for k in range(len(p))
    )


def _vague(p: Parsed) -> list[Span]:
    found = [*find_phrases(p, lx.VAGUE_PHRASES), *_be_vague(p), *_abstract_vague(p)]
    spans = _unquoted(p, iter(found))
    merged: list[Span] = []
    for s, e in spans:
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    if not merged or _concrete_outside(p, merged):
        return []
    return merged


# --- DEMAND -----------------------------------------------------------------------


def _should_not_order(after: list[str]) -> bool:
    if after[:1] and after[0] in _SHOULD_KNOW:
        return True
    return after[:1] == ["be"] and after[1:] in _EPISTEMIC_AFTER_BE + _FEELING_AFTER_BE


def _modal_demands(p: Parsed) -> Iterator[Span]:
    """ "you have to", "you must", "you need to", "you'd better" outside if/when clauses."""
    for s, e in find_phrases(p, lx.DEMAND_MODALS):
        j = s - 1
        while j >= 0 and p.norms[j] in _DEMAND_SKIP:
            j -= 1
        if j < 0 or p.norms[j] not in _PARTNER:
            continue
        lead = p.norms[max(p.sent_start[s], j - 4) : j]
        after = p.norms[e : e + 2]
        guess = p.norms[s] == "must" and (after[:1] == ["have"] or after[1:] in _EPISTEMIC_AFTER_BE)
        guess = guess and after[:1] in (["have"], ["be"])
        # "you should know I'm grateful", "you should be proud": not an order
        guess = guess or (p.norms[s] == "should" and _should_not_order(after))
        if not guess and not any(word in lx.DEMAND_EXEMPT_BEFORE for word in lead):
            yield j, e


def _threat_after(p: Parsed, i: int, threats: list[Span], *, bare_will: bool) -> int | None:
    """End of a consequence said after token ``i``: a threat ("I'm leaving", "we're
    done", "you'll regret it") or, with ``bare_will``, any "I'll …" / "I'm going to …"."""
    sentence_end = p.sent_end[i]
    for k in range(i + 1, sentence_end):
        if p.norms[k] not in _THREAT_SUBJECTS:
            continue
        for s, e in threats:
            if k <= s <= k + 6 and e <= sentence_end:
                return e
        if bare_will and p.norms[k] == "i":
            end = _will_end(p, k)
            if end is not None and not set(p.norms[end : end + 2]) & _NOT_A_THREAT:
                return end  # "I'll …", but not "I'll worry" / "I'll be sad"
    return None


def _will_end(p: Parsed, k: int) -> int | None:
    """End of "I will" / "I'm going to" starting at token ``k`` ("i")."""
    if p.norms[k + 1 : k + 2] == ["will"]:
        return k + 2
    if p.norms[k + 1 : k + 3] == ["am", "going"]:
        return k + 4 if p.norms[k + 3 : k + 4] == ["to"] else k + 3
    return None


def _if_clause_threatens(p: Parsed, i: int) -> bool:
    """ "if you don't …" / "if you ever … again", but not "if you don't mind / have time"."""
    clause = []
    for k in range(i + 1, p.sent_end[i]):
        if p.norms[k] in {",", "then", "i"}:
            break
        clause.append(p.norms[k])
    if any(word in _OFFER_WORDS for word in clause):
        return False
    return any(word in {"not", "never", "ever", "again"} for word in clause)


def _ultimatums(p: Parsed) -> Iterator[Span]:
    threats = find_phrases(p, lx.THREAT_WORDS)
    for i, norm in enumerate(p.norms):
        nxt = p.norms[i + 1 : i + 2]
        if norm in {"or", "otherwise"} and nxt and nxt[0] in _THREAT_SUBJECTS:
            question = p.norms[p.sent_end[i] - 1] == "?"
            end = _threat_after(p, i, threats, bare_will=not question)
            if end is not None:
                yield i, end
        elif norm == "if" and nxt in (["you"], ["ur"], ["it"], ["this"]):
            bare_will = nxt != ["it"] and nxt != ["this"] and _if_clause_threatens(p, i)
            end = _threat_after(p, i + 1, threats, bare_will=bare_will)
            if end is not None:
                yield i, end


def _will_orders(p: Parsed) -> Iterator[Span]:
    """ "You will take the bins out tonight.": a statement of what the partner will do,
    opening the sentence, that isn't a question."""
    for i, norm in enumerate(p.norms):
        if norm not in _PARTNER or p.norms[i + 1 : i + 2] != ["will"]:
            continue
        if not _request_position(p, i) or p.norms[p.sent_end[i] - 1] == "?":
            continue
        verb = p.norms[i + 2] if i + 2 < len(p) else ""
        if verb.isalpha() and verb not in _NOT_AN_ORDER:
            yield i, i + 2


def _set_phrases(p: Parsed) -> Iterator[Span]:
    for s, e in find_phrases(p, lx.DEMAND_PHRASES):
        # "I'm not asking you to quit, but …" takes a demand back; "I'm not asking." doesn't
        if p.norms[e - 1] == "asking" and p.norms[e : e + 1] in (["you"], ["for"], ["that"]):
            continue
        yield s, e


def _demand(p: Parsed) -> list[Span]:
    spans = [*_modal_demands(p), *_ultimatums(p), *_set_phrases(p), *_will_orders(p)]
    return _unquoted(p, iter(spans))
