"""The ``Finding`` record and the gentle suggestion attached to each code."""

from __future__ import annotations

from dataclasses import asdict, dataclass

MAX_SUGGESTION = 200

CODES_BY_STEP: dict[str, tuple[str, ...]] = {
    "describe": ("ABSOLUTE", "LABEL", "YOU_BLAME"),
    "feel": ("THOUGHT_AS_FEELING", "FAUX_FEELING", "NO_FEELING"),
    "request": ("NEGATIVE_REQUEST", "VAGUE_REQUEST", "DEMAND"),
}
ALL_CODES: tuple[str, ...] = tuple(c for codes in CODES_BY_STEP.values() for c in codes)


@dataclass(frozen=True)
class Finding:
    """One flagged span: ``text[start:end]`` is the phrase the suggestion is about."""

    code: str
    start: int
    end: int
    suggestion: str

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


_TEMPLATES: dict[str, str] = {
    "ABSOLUTE": (
        'Words like "{w}" invite a debate about exceptions. '
        'You could name one specific time: "Last Tuesday, when …"'
    ),
    "LABEL": (
        '"{w}" is a label, and labels tend to start a defence. You could say what '
        'happened instead: "On Sunday you stayed on the sofa while I cleaned."'
    ),
    "YOU_BLAME": (
        '"{w}" is a judgement about them, which invites a defence. You could stick to '
        'what you saw or heard: "When you looked at your phone while I was talking …"'
    ),
    "THOUGHT_AS_FEELING": (
        '"{w}" usually leads into a thought about them. You could name the feeling '
        'itself: "I feel lonely when …"'
    ),
    "FAUX_FEELING": (
        '"{w}" says what you think they did. Underneath, you might feel {a}, {b} or {c}. '
        'For example: "I feel {a} when …"'
    ),
    "NO_FEELING": (
        "You could name one feeling, like sad, hurt, worried or frustrated. "
        'For example: "I feel worried when …"'
    ),
    "NEGATIVE_REQUEST": (
        '"{w}" says what you don\'t want. Asking for what you do want is easier to '
        'say yes to: "Would you be willing to …?"'
    ),
    "VAGUE_REQUEST": (
        '"{w}" is hard to act on. You could name one thing they could do and when: '
        '"Would you sit with me for ten minutes after dinner on Tuesday?"'
    ),
    "DEMAND": (
        '"{w}" can sound like a demand, which makes yes harder. You could leave room '
        'for a no: "Would you be willing to …?"'
    ),
}


def _quote(phrase: str, limit: int = 28) -> str:
    phrase = " ".join(phrase.split())
    if len(phrase) <= limit:
        return phrase
    return phrase[: limit - 1].rstrip() + "…"


def suggestion(code: str, phrase: str = "", alternatives: tuple[str, ...] = ()) -> str:
    a, b, c = (*alternatives, "sad", "hurt", "lonely")[:3]
    text = _TEMPLATES[code].format(w=_quote(phrase), a=a, b=b, c=c)
    return text[:MAX_SUGGESTION]


def make(code: str, text: str, start: int, end: int, **extra: tuple[str, ...]) -> Finding:
    """Build a finding for ``text[start:end]`` with its suggestion."""
    return Finding(code, start, end, suggestion(code, text[start:end], **extra))
