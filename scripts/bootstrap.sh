#!/usr/bin/env bash
# Set-up on a fresh machine: a Python 3.10 virtual environment in .venv with the locked
# versions from requirements/constraints.txt. Re-runs install only when the lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import venv' 2>/dev/null; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local found
    found=$(ls -d "$(pyenv root)"/versions/3.10.*/bin/python 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$found" ]; then echo "$found"; return; fi
  fi
  for candidate in "$HOME"/.pyenv/versions/3.10.*/bin/python /usr/bin/python3.10; do
    if [ -x "$candidate" ]; then echo "$candidate"; return; fi
  done
  return 1
}

stamp=$(cat requirements/*.in requirements/constraints.txt | sha256sum | cut -c1-16)
if [ -x .venv/bin/python ] && [ "$(cat .venv/.installed 2>/dev/null)" = "$stamp" ]; then
  exit 0
fi

if [ ! -x .venv/bin/python ]; then
  if ! python=$(find_python310); then
    echo "Python 3.10 is needed (Rasa 3.6 supports 3.8-3.10; python-telegram-bot 22 needs 3.10)." >&2
    echo "Install it (e.g. 'pyenv install 3.10') so that python3.10 is on PATH, then run again." >&2
    exit 1
  fi
  echo "Creating .venv with $python"
  "$python" -m venv .venv
fi

echo "Installing the locked dependencies into .venv (a few minutes the first time) ..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check "pip==24.0"
.venv/bin/python -m pip install --quiet --disable-pip-version-check \
  -c requirements/constraints.txt -r requirements/dev.in
.venv/bin/python -m pip check
echo "$stamp" > .venv/.installed
