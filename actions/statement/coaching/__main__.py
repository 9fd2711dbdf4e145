"""``python -m actions.statement.coaching --jsonl``: one JSON object in, one out per line.

Input lines look like ``{"step": "feel", "text": "I feel ignored"}``; each output
line is ``{"findings": [...]}``, or ``{"error": "...", "findings": []}`` for a line
that can't be analysed (including a blank one), so output line N always answers
input line N.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from typing import TextIO


def _answer(line: str) -> dict[str, object]:
    from . import analyze

    if not line.strip():
        return {"error": "empty line", "findings": []}
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"invalid JSON: {exc.msg}", "findings": []}
    if not isinstance(item, dict):
        return {"error": "expected a JSON object", "findings": []}
    step, text = item.get("step"), item.get("text")
    if not isinstance(step, str) or not isinstance(text, str):
        return {"error": 'expected string fields "step" and "text"', "findings": []}
    try:
        findings = analyze(step, text)
    except ValueError as exc:
        return {"error": str(exc), "findings": []}
    return {"findings": [f.to_dict() for f in findings]}


def run(stdin: TextIO, stdout: TextIO) -> None:
    for line in stdin:
        stdout.write(json.dumps(_answer(line), ensure_ascii=False) + "\n")
        stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actions.statement.coaching", description=__doc__
    )
    parser.add_argument(
        "--jsonl",
        action="store_true",
        required=True,
        help="read JSON lines from stdin, write JSON lines to stdout",
    )
    parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # spaCy's deps may pull in TF: quiet
    for stream in (sys.stdin, sys.stdout):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(encoding="utf-8", errors="replace")
    run(sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
