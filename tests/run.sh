#!/usr/bin/env bash
# The one test command (README and CI run exactly this): makes .venv if missing, installs the
# project with its dev tools (strict editable mode so mypy and import-linter see the real
# package layout), then runs ruff, mypy, import-linter and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install -q --upgrade pip
python -m pip install -q -e ".[dev]" --config-settings editable_mode=strict
echo "== ruff"; ruff check .
echo "== mypy"; mypy
echo "== import-linter"; lint-imports
echo "== pytest"; python -m pytest "$@"
