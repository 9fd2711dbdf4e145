"""Reading a check-in answer: one item per line (or one per message), and the coach's look.

Needs phrased as blame ("you never help", "stop being so selfish") are flagged with the
guided statement's own rules (actions/statement/coaching); an appreciation must be about
the other person (it names them, or says "you"/"your", "she", "they", …).
"""

from __future__ import annotations

import re

from actions.statement.coaching import analyze

# "1.", "2)", "-", "*", "•" at the start of a line: list marks, not words.
_MARK = re.compile(r"^\s*(?:\d{1,2}\s*[.):-]|[-*•·–—]+)\s*")
MAX_ITEM = 300  # characters kept of one item
# Blame in a need: the describe step's absolutes, labels and "you …" judgements.
BLAME_CODES = frozenset({"ABSOLUTE", "LABEL", "YOU_BLAME"})
_ABOUT_THEM = re.compile(
    r"\b(you|your|yours|yourself|u|ur|he|she|him|her|his|hers|they|them|their|theirs)\b",
    re.IGNORECASE,
)


def split_items(text: str) -> list[str]:
    """The items of one message: each non-empty line, without its list mark."""
    found = []
    for line in text.splitlines():
        item = " ".join(_MARK.sub("", line).split())
        if item:
            found.append(item[:MAX_ITEM])
    return found


def sounds_like_blame(need: str) -> bool:
    return any(finding.code in BLAME_CODES for finding in analyze("describe", need))


def is_about(appreciation: str, partner_name: str) -> bool:
    """Whether the appreciation is about the other person."""
    if _ABOUT_THEM.search(appreciation):
        return True
    name = partner_name.strip().lower()
    return bool(name) and re.search(rf"\b{re.escape(name)}\b", appreciation.lower()) is not None


def needs_a_second_look(kind: str, item: str, partner_name: str) -> bool:
    if kind == "needs":
        return sounds_like_blame(item)
    return not is_about(item, partner_name)
