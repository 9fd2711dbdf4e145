"""The guided statement's domain: steps, coaching a step's text, composing the statement.

Plain Python over a `Statement` row (no Rasa, no queries): every function that changes
something takes `now`, so tests inject the clock. The actions in `actions/statement/actions.py`
read the message, call these, and turn the outcome into replies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import settings
from actions.statement.coaching import Finding, analyze
from storage import statements
from storage.enums import DraftedIn, ListenerAnswer, StatementStatus, StatementStep
from storage.models import Statement

STEPS: tuple[StatementStep, ...] = (
    StatementStep.DESCRIBE,
    StatementStep.FEEL,
    StatementStep.REQUEST,
)
# After the request: in a group the listener reflects and answers; a private draft waits
# for "Share" (review) first.
GROUP_STEPS_AFTER = (StatementStep.REFLECT, StatementStep.ANSWER, StatementStep.DONE)

Coach = Callable[[str, str], "list[Finding]"]


@dataclass(frozen=True)
class StepOutcome:
    """What happened to a step's text: coached (findings shown, step stays) or moved on."""

    step: StatementStep
    findings: list[Finding]
    revision: int  # 0 for the first text of the step, +1 for each rewrite
    next_step: StatementStep


def text_of(statement: Statement, step: str) -> str | None:
    value: str | None = getattr(statement, f"{step}_text")
    return value


def revision_of(statement: Statement, step: str) -> int:
    return int((statement.revisions or {}).get(step, 0))


def awaiting_revision(statement: Statement) -> bool:
    """True while the current step's text has findings the speaker hasn't revised or kept."""
    return statement.step in STEPS and statements.state_of(statement).coached


def take_step_text(
    statement: Statement, text: str, now: datetime, coach: Coach = analyze
) -> StepOutcome:
    """The speaker's words for the current step: a first text, or a rewrite that replaces it.

    No finding moves straight on; findings keep the step open for a rewrite or "Keep it".
    """
    if statement.step not in STEPS:
        raise ValueError(f"statement is not in a writing step (it is at {statement.step!r})")
    step = StatementStep(statement.step)
    revisions = dict(statement.revisions or {})
    if text_of(statement, step) is not None:
        revisions[step.value] = int(revisions.get(step, 0)) + 1
        statement.revisions = revisions
    setattr(statement, f"{step}_text", text)
    findings = coach(step, text)
    found = [f.to_dict() for f in findings]
    statement.findings = {**(statement.findings or {}), step.value: found}
    statement.updated_at = now
    if findings:
        statements.set_state(statement, replace(statements.state_of(statement), coached=True))
        return StepOutcome(step, findings, int(revisions.get(step, 0)), step)
    return StepOutcome(step, [], int(revisions.get(step, 0)), advance(statement, now))


def keep_despite_findings(statement: Statement, step: str, revision: int, now: datetime) -> bool:
    """ "Keep it" on the suggestion for `step` at `revision`; False if that moment has passed."""
    if (
        statement.status != StatementStatus.DRAFTING
        or statement.step != step
        or not awaiting_revision(statement)
        or revision_of(statement, step) != revision
    ):
        return False
    kept = list(statement.kept_despite_findings or [])
    if step not in kept:
        kept.append(str(step))
    statement.kept_despite_findings = kept
    advance(statement, now)
    return True


def advance(statement: Statement, now: datetime) -> StatementStep:
    """Move past the current writing step; returns the new step."""
    statements.set_state(statement, replace(statements.state_of(statement), coached=False))
    index = STEPS.index(StatementStep(statement.step))
    if index + 1 < len(STEPS):
        statement.step = STEPS[index + 1]
    elif statement.drafted_in == DraftedIn.PRIVATE and not statement.shared:
        statement.step = StatementStep.REVIEW
    else:
        open_for_listener(statement, now)
    statement.updated_at = now
    return StatementStep(statement.step)


def open_for_listener(statement: Statement, now: datetime) -> None:
    """The statement is complete and shown to both: the listener may reflect, then answer."""
    statement.step = StatementStep.REFLECT
    statement.status = StatementStatus.AWAITING_LISTENER
    statement.updated_at = now


def share(statement: Statement, now: datetime) -> bool:
    """A private draft goes to the couple's group; False if it isn't ready or already shared."""
    if (
        statement.status != StatementStatus.DRAFTING
        or statement.step != StatementStep.REVIEW
        or statement.shared
    ):
        return False
    statement.shared = True
    statement.shared_at = now
    open_for_listener(statement, now)
    return True


def take_reflection(statement: Statement, text: str | None, now: datetime) -> bool:
    """The listener's reflection (None: skipped). False if not at the reflect step.

    A first reflection goes to the speaker ("Did Sam get it?"); a skipped one, or the second
    try after the speaker's added line, goes straight to the listener's answer."""
    if (
        statement.status != StatementStatus.AWAITING_LISTENER
        or statement.step != StatementStep.REFLECT
    ):
        return False
    state = statements.state_of(statement)
    if state.second_try:
        statement.second_reflection_text = text
        statements.set_state(statement, replace(state, second_try=False))
        statement.step = StatementStep.ANSWER
    else:
        statement.reflection_text = text
        statement.step = StatementStep.ANSWER if text is None else StatementStep.CONFIRM
    statement.updated_at = now
    return True


def confirm_reflection(statement: Statement, understood: bool, now: datetime) -> bool:
    """The speaker's "Yes" (on to the answer) or "Almost" (their one added line is awaited).
    False if the moment has passed."""
    state = statements.state_of(statement)
    if (
        statement.status != StatementStatus.AWAITING_LISTENER
        or statement.step != StatementStep.CONFIRM
        or state.clarify_asked
    ):
        return False
    statement.reflection_confirmed = understood
    if understood:
        statement.step = StatementStep.ANSWER
    else:
        statements.set_state(statement, replace(state, clarify_asked=True))
    statement.updated_at = now
    return True


def take_clarification(statement: Statement, text: str, now: datetime) -> bool:
    """The speaker's added line after "Almost": the listener tries once more."""
    state = statements.state_of(statement)
    if statement.step != StatementStep.CONFIRM or not state.clarify_asked:
        return False
    statement.clarification_text = text
    statements.set_state(statement, replace(state, clarify_asked=False, second_try=True))
    statement.step = StatementStep.REFLECT
    statement.updated_at = now
    return True


def finish(
    statement: Statement, answer: ListenerAnswer, status: StatementStatus, now: datetime
) -> None:
    statement.listener_answer = answer
    statement.status = status
    statement.step = StatementStep.DONE
    statement.completed_at = now
    statement.updated_at = now
    statements.set_state(
        statement,
        replace(
            statements.state_of(statement),
            counter_asked=False,
            counter=None,
            think_asked=False,
            declined=False,
        ),
    )


def reopen_for_answer(statement: Statement, now: datetime) -> None:
    """Back to the listener's answer: after "Not quite" → "Another idea", or at the time the
    listener set to answer."""
    statement.status = StatementStatus.AWAITING_LISTENER
    statement.step = StatementStep.ANSWER
    statement.completed_at = None
    statement.updated_at = now


def wait_for_answer(statement: Statement, at: datetime, now: datetime) -> None:
    """ "I need time" until `at`: the statement waits, and the group is free meanwhile."""
    statement.listener_answer = ListenerAnswer.NEED_TIME
    statement.answer_due_at = at
    statement.status = StatementStatus.NEEDS_TIME
    statements.set_state(statement, replace(statements.state_of(statement), think_asked=False))
    statement.updated_at = now


def set_aside(statement: Statement, now: datetime) -> None:
    """/cancel: keep what was written; nothing written yet means it was simply cancelled."""
    written = any(text_of(statement, step) for step in STEPS)
    statement.status = StatementStatus.UNFINISHED if written else StatementStatus.CANCELLED
    statement.updated_at = now


# -- the composed statement ------------------------------------------------------------------

_TRAILING = " \t\n.!?…,;:"
# First words that are ordinary words, not names: safe to write in lower case mid-sentence.
_COMMON_OPENERS = frozenset(
    "you your yours on last yesterday today tonight this that the we our at after before in "
    "during while earlier my it there he she they his her their a an every when whenever "
    "instead later recently lately you're you've you'd you'll we're we've we'd it's there's "
    "he's she's they're".split()
)
_FEEL_LEADS = (
    "i have been feeling",
    "i've been feeling",
    "i was feeling",
    "i'm feeling",
    "i am feeling",
    "it made me feel",
    "that made me feel",
    "made me feel",
    "i felt",
    "i feel",
    "i was",
    "i'm",
    "i am",
    "im",
    "i got",
    "felt",
    "feeling",
)
_YOU_LEADS = (
    "would you be willing to",
    "are you willing to",
    "would you be ok to",
    "would you please",
    "could you please",
    "can you please",
    "will you please",
    "would you",
    "could you",
    "can you",
    "will you",
    "i would like you to",
    "i'd like you to",
    "i'd love it if you would",
    "i'd love for you to",
    "i'd love you to",
    "i need you to",
    "i want you to",
    "i'm asking you to",
    "i am asking you to",
    "i'd ask you to",
    "maybe you could",
    "you could",
    "please",
)
_WE_LEADS = (
    "i would like us to",
    "i'd like us to",
    "i'd like for us to",
    "i'd love for us to",
    "i want us to",
    "maybe we could",
    "could we",
    "can we",
    "would we",
    "shall we",
    "should we",
    "we could",
    "let's",
    "let us",
)
# A request starting like this is the speaker's own sentence ("I'd rather you …").
_FIRST_PERSON = re.compile(r"(i|i'm|i've|i'd|i'll|me|my|it|we|our)\b", re.I)
# A feeling starting like this is a sentence of its own ("sure I was angry, but …"), not
# something to put after "I felt".
_OWN_SENTENCE_OPENERS = frozenset(
    "i i'm i've i'd i'll im me my it it's we our that this there honestly sure well yes no "
    "yeah ok okay and but so part nothing everything something when at to he she they you "
    "your".split()
)


def _clean(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).strip(_TRAILING)


def _after_lead(text: str, leads: tuple[str, ...]) -> str | None:
    lowered = text.lower()
    for lead in leads:
        if lowered.startswith(lead + " ") and text[len(lead) :].strip():
            return text[len(lead) :].strip()
    return None


def _lower_first(text: str) -> str:
    """Lower-case the first letter unless it starts "I", an acronym or a single letter."""
    word = text.split(" ", 1)[0]
    if word in ("I", "I'm", "I've", "I'd", "I'll") or len(word) < 2 or word[1:2].isupper():
        return text
    return text[0].lower() + text[1:]


def describe_clause(describe: str) -> str:
    text = _clean(describe)
    rest = _after_lead(text, ("when", "whenever"))
    text = rest if rest is not None else text
    first = text.split(" ", 1)[0].lower().strip(",")
    return _lower_first(text) if first in _COMMON_OPENERS else text


def feel_clause(feel: str) -> str:
    text = _clean(feel)
    rest = _after_lead(text, _FEEL_LEADS)
    if rest is not None:
        return f"I felt {_lower_first(rest)}"
    if text.split(" ", 1)[0].lower().strip(",") in _OWN_SENTENCE_OPENERS:
        return _lower_first(text)  # their own sentence ("sure I was angry, but …")
    return f"I felt {_lower_first(text)}"


def request_question(request: str) -> str:
    text = _clean(request)
    rest = _after_lead(text, _YOU_LEADS)
    if rest is not None:
        return f"Would you be willing to {_lower_first(rest)}?"
    rest = _after_lead(text, _WE_LEADS)
    if rest is not None:
        return f"Would you be willing for us to {_lower_first(rest)}?"
    if _FIRST_PERSON.match(text):
        return f"{text}. Would you be willing?"  # "I'd rather you …": keep their sentence
    return f"Would you be willing to {_lower_first(text)}?"


def compose(describe: str, feel: str, request: str) -> str:
    """ "When …, I felt …. Would you be willing to …?" from the three texts as kept."""
    return f"When {describe_clause(describe)}, {feel_clause(feel)}. {request_question(request)}"


def composed(statement: Statement) -> str:
    return compose(
        statement.describe_text or "", statement.feel_text or "", statement.request_text or ""
    )


# -- agreements ------------------------------------------------------------------------------


def review_at(now: datetime, days: int | None = None) -> datetime:
    """When an agreement is looked at again: `AGREEMENT_REVIEW_DAYS` later unless `days`."""
    return now + timedelta(days=settings.current().agreement_review_days if days is None else days)


def format_day(moment: datetime, zone: str | None) -> str:
    """ "Sunday 14 July" in the couple's time zone (UTC if none is set)."""
    try:
        local = moment.astimezone(ZoneInfo(zone)) if zone else moment.astimezone(timezone.utc)
    except (ZoneInfoNotFoundError, ValueError):
        local = moment.astimezone(timezone.utc)
    return f"{local:%A} {local.day} {local:%B}"
