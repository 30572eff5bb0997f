#!/usr/bin/env bash
# Builds tfy's libFuzzer targets and fuzzes them (fuzz/README.md). Not part of `make test`.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Runs every target named (default: configuration expression state plan) at the same time, each for
# SECONDS (default 3600), at low priority. Seeds come from the test fixtures, the examples and the
# example plans; the growing corpus is kept in .build-fuzz/corpus/TARGET between runs. An input
# that crashes, hangs (-timeout) or runs out of memory (-rss_limit_mb) is written to
# fuzz/findings/TARGET/; turn it into a regression fixture with fuzz/keep.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(configuration expression state plan)
scratch=.build-fuzz
# Seconds one input may take before libFuzzer reports a hang: raise it on a loaded machine.
timeout="${FUZZ_TIMEOUT:-10}"

echo "building the fuzzing binary (release, -sanitize=fuzzer,address)"
swift build -c release --scratch-path "$scratch" --product tfy-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DTFY_LIBFUZZER 2>&1 | grep -E "error|Compiling|Build" || true
fuzzer="$scratch/release/tfy-fuzz"
[ -x "$fuzzer" ] || { echo "error: $fuzzer was not built" >&2; exit 1; }
echo "building the replaying binary (for the saved-plan seeds)"
swift build --product tfy-fuzz 2>&1 | grep -E "error|Build" || true
replay="$(swift build --show-bin-path)/tfy-fuzz"

# Seeds: every configuration file the tests and examples have; the ${…} values in them, one per
# file; every state file; the saved plans of the configurations that plan.
seeds="$scratch/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"/{configuration,expression,state,plan}
mapfile -t configurations < <(find Tests examples -name '*.yml' -o -name '*.yaml' | sort)
for file in "${configurations[@]}"; do cp "$file" "$seeds/configuration/$(echo "$file" | tr / _)"; done
n=0
grep -ho '"[^"]*\${[^"]*"\|[^ ]*\${.*}[^ ]*' "${configurations[@]}" | sort -u | while IFS= read -r value; do
    n=$((n + 1)); printf '%s' "${value#\"}" | sed 's/"$//' > "$seeds/expression/value-$n"
done
find Tests -name '*.tfstate' | sort | while IFS= read -r file; do cp "$file" "$seeds/state/$(echo "$file" | tr / _)"; done
"$replay" seed-plans "$seeds/plan" "${configurations[@]}"

pids=()
for target in "${targets[@]}"; do
    case "$target" in
        configuration) max_len=16384; dictionary=fuzz/dictionaries/configuration.dict ;;
        expression) max_len=2048; dictionary=fuzz/dictionaries/expression.dict ;;
        state | plan) max_len=65536; dictionary=fuzz/dictionaries/json.dict ;;
        *) echo "error: unknown target $target (configuration, expression, state, plan)" >&2; exit 1 ;;
    esac
    mkdir -p "$scratch/corpus/$target" "fuzz/findings/$target"
    log="$scratch/$target.log"
    echo "fuzzing $target for $seconds s; log $log, findings fuzz/findings/$target/"
    TFY_FUZZ_TARGET="$target" ASAN_OPTIONS=detect_leaks=0 nice -n 19 "$fuzzer" \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=2048 -max_len="$max_len" \
        -dict="$dictionary" -print_final_stats=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
        -fork=1 -artifact_prefix="fuzz/findings/$target/" \
        "$scratch/corpus/$target" "$seeds/$target" >"$log" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for target in "${targets[@]}"; do
    echo "== $target: $(grep -E '^#[0-9]+: cov' "$scratch/$target.log" | tail -1)"
    echo "   findings: $(find "fuzz/findings/$target" -type f | wc -l) (fuzz/findings/$target/)"
done
exit $status
