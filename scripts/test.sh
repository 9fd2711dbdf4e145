#!/usr/bin/env bash
# The test command: set-up, lint and type checks, then every test (unit, Rasa data and
# stories, end-to-end through the real bot). Extra arguments go to pytest.
#
# --services (`make test SERVICES=1`, what .ci/run does): then a second pass on PostgreSQL +
# Redis, started by scripts/services.sh (installed from Debian's packages if missing): the
# end-to-end, storage and multi-worker tests, on databases of their own.
set -uo pipefail
cd "$(dirname "$0")/.."

with_services=0
if [ "${1:-}" = "--services" ]; then
  with_services=1
  shift
fi

# pytest exit 5 (no tests collected) is a failure here, not a pass.
run_pytest() {
  .venv/bin/python -m pytest "$@"
  local status=$?
  if [ "$status" -eq 5 ]; then
    echo "pytest collected no tests: that is a failure here, not a pass." >&2
    return 1
  fi
  return "$status"
}

scripts/bootstrap.sh || exit 1

echo "== ruff"; .venv/bin/ruff check . || exit 1
echo "== mypy"; .venv/bin/mypy actions bot storage launcher local_telegram security settings.py || exit 1
echo "== pytest"
run_pytest "$@" || exit $?
[ "$with_services" -eq 1 ] || exit 0

echo "== services (PostgreSQL + Redis)"
scripts/services.sh start >/dev/null || exit 1
echo "== pytest --services"
run_pytest --services "$@"
