"""Case-level precision / recall of ``analyze`` against labelled JSONL cases.

A case is ``{"step": ..., "text": ..., "codes": [...]}``; a code counts as
predicted for a case when any finding carries it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import analyze
from .findings import ALL_CODES


@dataclass
class CodeScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        predicted = self.tp + self.fp
        return self.tp / predicted if predicted else 1.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 1.0


@dataclass(frozen=True)
class Case:
    step: str
    text: str
    codes: frozenset[str]


@dataclass
class Report:
    scores: dict[str, CodeScore] = field(default_factory=dict)
    mistakes: list[tuple[Case, set[str]]] = field(default_factory=list)
    cases: int = 0

    def overall(self) -> CodeScore:
        total = CodeScore()
        for score in self.scores.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total


def load_cases(path: str | Path) -> list[Case]:
    """Read labelled cases; a malformed line raises ValueError naming the line."""
    cases = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            item = json.loads(line)
            step, text, codes = item.get("step"), item.get("text"), item.get("codes")
            if (
                set(item) != {"step", "text", "codes"}
                or not isinstance(step, str)
                or not isinstance(text, str)
                or not isinstance(codes, list)
                or not all(isinstance(code, str) for code in codes)
            ):
                raise ValueError(f"{path}:{number}: expected step, text and a list of codes")
            cases.append(Case(step, text, frozenset(codes)))
    return cases


def evaluate(cases: Iterable[Case]) -> Report:
    report = Report(scores={code: CodeScore() for code in ALL_CODES})
    for case in cases:
        report.cases += 1
        predicted = {f.code for f in analyze(case.step, case.text)}
        for code in case.codes | predicted:
            score = report.scores[code]
            if code in case.codes and code in predicted:
                score.tp += 1
            elif code in predicted:
                score.fp += 1
            else:
                score.fn += 1
        if case.codes != predicted:
            report.mistakes.append((case, predicted))
    return report
