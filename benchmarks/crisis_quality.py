"""Precision and recall of crisis detection on the labelled sets.

Usage: python benchmarks/crisis_quality.py [--no-nlu] [cases.jsonl ...]
(defaults to tests/safety/crisis_cases.jsonl and tests/safety/crisis_holdout.jsonl)

Prints, per file: the lexicon matcher alone, the NLU model's `crisis` intent alone, and
both combined as the assistant uses them (actions.safety.crisis.classify: the matcher, or
the intent unless the words are a known figure of speech), with the misses and false
alarms. The NLU part loads the trained model from var/models (training it first if the
data changed). Always exits 0: it reports, it doesn't gate.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions.safety.crisis import analyse, classify, detect  # noqa: E402

DEFAULT_FILES = [
    ROOT / "tests" / "safety" / "crisis_cases.jsonl",
    ROOT / "tests" / "safety" / "crisis_holdout.jsonl",
]

Case = dict


def load(path: Path) -> list[Case]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def report(name: str, cases: list[Case], predict: Callable[[Case], bool]) -> None:
    tp = fp = fn = 0
    misses, alarms = [], []
    for case in cases:
        predicted = predict(case)
        if case["crisis"] and predicted:
            tp += 1
        elif case["crisis"]:
            fn += 1
            misses.append(case["text"])
        elif predicted:
            fp += 1
            alarms.append(case["text"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"  {name:<22} precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})"
    )
    for text in misses:
        print(f"      missed: {text}")
    for text in alarms:
        print(f"      false alarm: {text}")


def nlu_intents(texts: list[str]) -> dict[str, tuple[str, float]]:
    from rasa.core.agent import Agent

    from launcher.training import ensure_model

    agent = Agent.load(str(ensure_model()))

    async def parse_all() -> dict[str, tuple[str, float]]:
        found = {}
        for text in texts:
            parsed = await agent.parse_message(text)
            intent = parsed.get("intent") or {}
            found[text] = (intent.get("name") or "", float(intent.get("confidence") or 0))
        return found

    return asyncio.run(parse_all())


def main(arguments: list[str]) -> None:
    use_nlu = "--no-nlu" not in arguments
    files = [Path(a) for a in arguments if not a.startswith("--")] or DEFAULT_FILES
    sets = {path: load(path) for path in files}
    intents: dict[str, tuple[str, float]] = {}
    if use_nlu:
        intents = nlu_intents([c["text"] for cases in sets.values() for c in cases])
    for path, cases in sets.items():
        print(f"\n== {path.name} ({len(cases)} lines, {sum(c['crisis'] for c in cases)} crises)")
        report("matcher", cases, lambda c: detect(c["text"]) is not None)
        if use_nlu:
            report("NLU intent", cases, lambda c: intents[c["text"]][0] == "crisis")
            report(
                "combined (production)",
                cases,
                lambda c: classify(c["text"], *intents[c["text"]]) is not None,
            )
    texts = [c["text"] for cases in sets.values() for c in cases]
    started = time.perf_counter()
    for _ in range(5):
        for text in texts:
            analyse.__wrapped__(text)  # uncached: the real cost
    per_message = (time.perf_counter() - started) / (5 * len(texts)) * 1000
    print(f"\nmatcher time per message: {per_message:.2f} ms")


if __name__ == "__main__":
    main(sys.argv[1:])
