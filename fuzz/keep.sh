#!/usr/bin/env bash
# Keeps a fuzzing finding as a regression fixture: fuzz/keep.sh TARGET FINDING NAME
# copies FINDING to fuzz/regressions/TARGET/NAME. Fix what it found, then record its expected
# output once with `RECORD_SNAPSHOTS=1 swift test --filter FuzzRegressionTests` and review it.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 3 ] || { echo "usage: fuzz/keep.sh configuration|expression|state|plan FINDING NAME" >&2; exit 1; }
target="$1" finding="$2" name="$3"
[ -d "fuzz/regressions/$target" ] || { echo "error: no target $target" >&2; exit 1; }
cp "$finding" "fuzz/regressions/$target/$name"
echo "kept fuzz/regressions/$target/$name"
