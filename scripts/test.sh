#!/usr/bin/env bash
# The test command: set-up, lint and type checks, then every test (unit, Rasa data and
# stories, end-to-end through the real bot). Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1

echo "== ruff"; .venv/bin/ruff check . || exit 1
echo "== mypy"; .venv/bin/mypy actions bot storage launcher local_telegram security settings.py || exit 1
echo "== pytest"
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here, not a pass." >&2
  exit 1
fi
exit "$status"
