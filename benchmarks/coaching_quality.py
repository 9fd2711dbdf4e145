"""Quality and speed of the coaching rules on labelled cases.

Usage: python benchmarks/coaching_quality.py [cases.jsonl ...]
(defaults to tests/statement/coaching_cases.jsonl and tests/statement/coaching_holdout.jsonl)

Prints case-level precision / recall / support per code and overall, the
mismatching cases, and analysis time per message (p50 / p95 / max, in ms,
after a warm-up).  Always exits 0: it reports, it doesn't gate.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions.statement.coaching import analyze  # noqa: E402
from actions.statement.coaching.findings import ALL_CODES  # noqa: E402
from actions.statement.coaching.metrics import Case, Report, evaluate, load_cases  # noqa: E402

DEFAULT_FILES = [
    ROOT / "tests" / "statement" / "coaching_cases.jsonl",
    ROOT / "tests" / "statement" / "coaching_holdout.jsonl",
]


def print_table(name: str, report: Report) -> None:
    print(f"\n== {name} ({report.cases} cases)")
    print(
        f"{'code':<20} {'precision':>9} {'recall':>7} {'support':>8} {'tp':>4} {'fp':>4} {'fn':>4}"
    )
    rows = [(code, report.scores[code]) for code in ALL_CODES]
    rows.append(("OVERALL (micro)", report.overall()))
    for code, s in rows:
        print(
            f"{code:<20} {s.precision:>9.3f} {s.recall:>7.3f} {s.support:>8} "
            f"{s.tp:>4} {s.fp:>4} {s.fn:>4}"
        )
    for case, predicted in report.mistakes:
        print(
            f"  MISS {case.step:<8} expected={sorted(case.codes)} "
            f"got={sorted(predicted)} :: {case.text!r}"
        )


def timing(cases: list[Case], repeats: int = 3) -> list[float]:
    for case in cases[:20]:  # warm-up: builds the pipeline and matchers
        analyze(case.step, case.text)
    times = []
    for _ in range(repeats):
        for case in cases:
            start = time.perf_counter()
            analyze(case.step, case.text)
            times.append((time.perf_counter() - start) * 1000)
    return times


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or DEFAULT_FILES
    every: list[Case] = []
    for path in files:
        cases = load_cases(path)
        every += cases
        print_table(path.name, evaluate(cases))
    times = timing(every)
    # 4000-character messages: the labelled texts glued together, and one repetitive rant
    glued = " ".join(case.text for case in every)
    rant = "You never listen to me 😡 and you’re always on your phone. " * 70
    long_texts = [glued[k : k + 4000] for k in range(0, min(len(glued), 40000), 4000)]
    long_cases = [
        Case(step, text, frozenset())
        for text in [*long_texts, rant[:4000]]
        for step in ("describe", "feel", "request")
    ]
    long_times = timing(long_cases, repeats=2)
    print(
        f"\ntiming over {len(times)} analyses: p50={percentile(times, 0.5):.2f} ms "
        f"p95={percentile(times, 0.95):.2f} ms max={max(times):.2f} ms "
        f"(mean {statistics.mean(times):.2f} ms)"
    )
    print(
        f"{len(long_times)} analyses of 4000-char texts: p50={percentile(long_times, 0.5):.2f} ms "
        f"p95={percentile(long_times, 0.95):.2f} ms max={max(long_times):.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
