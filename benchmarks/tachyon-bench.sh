#!/bin/bash
# Speed of the commands a Tachyon user runs most, as processes, on this machine: `tfy --version`,
# `tfy validate` of examples/tachyon-ft, and a no-change `tfy plan` (live refresh against the local
# EC2 emulator) of its 5-machine cluster. Targets: 20 ms, 50 ms, 300 ms wall. Run by `make bench`.
set -euo pipefail
cd "$(dirname "$0")/.."
tfy_bin="$PWD/.build/release/tfy"
# shellcheck source-path=SCRIPTDIR/..
source examples/tachyon-ft/local-hosts.sh
state="$work/bench.tfstate"
vars=(-var-file "$work/demo-vars.yml" -var machines=5 -state "$state")

measure() { # NAME RUNS COMMAND...: median, min and max wall time in ms
    local name=$1 runs=$2
    shift 2
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        "$@" > /dev/null 2>&1 || true
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    awk -v name="$name" -v median="${sorted[$((runs / 2))]}" -v min="${sorted[0]}" -v max="${sorted[$((runs - 1))]}" -v runs="$runs" \
        'BEGIN { printf "%-48s median %6.1f ms  (min %.1f, max %.1f, %d runs)\n", name, median / 1000, min / 1000, max / 1000, runs }'
}

echo "Setting up: apply of the 5-machine example..."
"$tfy_bin" apply examples/tachyon-ft "${vars[@]}" -auto-approve > /dev/null
"$tfy_bin" plan examples/tachyon-ft "${vars[@]}" -detailed-exitcode > /dev/null || { echo "the cluster is not settled"; exit 1; }
measure "tfy --version (target 20 ms)" 21 "$tfy_bin" --version
measure "tfy validate examples/tachyon-ft (target 50 ms)" 21 "$tfy_bin" validate examples/tachyon-ft
measure "tfy plan, 5 machines, no changes (target 300 ms)" 11 "$tfy_bin" plan examples/tachyon-ft "${vars[@]}" -detailed-exitcode
"$tfy_bin" destroy examples/tachyon-ft "${vars[@]}" -auto-approve > /dev/null
