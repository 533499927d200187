#!/usr/bin/env bash
# The static checks CI runs before the tests: ruff (lint), ruff format (layout), mypy (types).
#
#   scripts/check.sh            run all three; exit 1 if any finds something
#   scripts/check.sh --count    print how many findings each has, and exit 0 (a progress report)
#   scripts/check.sh --fix      let ruff fix what it can and format the files (then review the diff)
#
# The tools come from the environment (pip install -e '.[dev]'); $PYTHON picks another interpreter.
# Settings live in pyproject.toml ([tool.ruff], [tool.mypy]).
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
if ! "$PY" -c 'import ruff, mypy' 2>/dev/null; then
    for candidate in .venv/bin/python /work/venv/bin/python; do
        if [ -x "$candidate" ] && "$candidate" -c 'import ruff, mypy' 2>/dev/null; then PY="$candidate"; break; fi
    done
fi
"$PY" -c 'import ruff, mypy' 2>/dev/null || { echo "check.sh: needs ruff and mypy: pip install -e '.[dev]'" >&2; exit 2; }
PATHS=(pretrained tests scripts docs)  # docs: the MkDocs hooks and generators

case "${1:-}" in
    --count)
        lint=$("$PY" -m ruff check --output-format concise "${PATHS[@]}" 2>/dev/null | grep -cE '^[^ ].*:[0-9]+:[0-9]+: ')
        fmt=$("$PY" -m ruff format --check --output-format concise "${PATHS[@]}" 2>/dev/null | grep -c 'would be reformatted')
        types=$("$PY" -m mypy 2>/dev/null | grep -c ': error: ')
        printf 'ruff check:          %5d findings\n' "$lint"
        printf 'ruff format --check: %5d files to reformat\n' "$fmt"
        printf 'mypy:                %5d errors\n' "$types"
        exit 0
        ;;
    --fix)
        "$PY" -m ruff check --fix "${PATHS[@]}"
        "$PY" -m ruff format "${PATHS[@]}"
        exit 0
        ;;
    "") ;;
    *) echo "usage: scripts/check.sh [--count | --fix]" >&2; exit 2 ;;
esac

status=0
echo "== ruff check"; "$PY" -m ruff check "${PATHS[@]}" || status=1
echo "== ruff format --check"; "$PY" -m ruff format --check "${PATHS[@]}" || status=1
echo "== mypy"; "$PY" -m mypy || status=1
exit $status
