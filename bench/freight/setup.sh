#!/usr/bin/env bash
# Create bench/freight/.venv and install the pinned peer solvers from PyPI.
# Usage: bash bench/freight/setup.sh   (idempotent; re-run to repair the venv)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PYTHON:-python3}"
if [ ! -x "$here/.venv/bin/python" ]; then
  "$python" -m venv "$here/.venv"
fi
"$here/.venv/bin/python" -m pip install --quiet --upgrade pip
"$here/.venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
"$here/.venv/bin/python" - <<'PY'
import importlib.metadata as m
for name in ("ortools", "pyvroom", "pyvrp"):
    print(f"{name} {m.version(name)}")
PY
