#!/bin/sh
# Runs one libFuzzer target for a bounded time (the ctest of every tidings_add_fuzzer target in
# a TIDINGS_FUZZ build; label libfuzzer).
#
#   run_fuzzer.sh FUZZER SEED_CORPUS WORK_DIR
#
# Starts from SEED_CORPUS (read only) and WORK_DIR/corpus (new inputs go there, kept between
# runs of the same build directory). Fails on any crash, sanitizer report, leak, timeout or
# out-of-memory; the failing input is written to WORK_DIR/artifacts/ and its path printed last.
# Environment: TIDINGS_FUZZ_SECONDS (default 20) bounds the run, TIDINGS_FUZZ_TIMEOUT (default 10)
# is the limit per input in seconds, TIDINGS_FUZZ_ARGS adds libFuzzer flags.
fuzzer=$1
seeds=$2
work=$3
seconds=${TIDINGS_FUZZ_SECONDS:-20}
name=$(basename "$fuzzer")

mkdir -p "$work/corpus" "$work/artifacts" || exit 1
before=$(ls "$work/artifacts" | wc -l)

export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

echo "run_fuzzer.sh: $name for ${seconds}s from $seeds"
# The whole output goes to WORK_DIR/last-run.log; the line libFuzzer prints for every new input
# is left out of what is shown.
# shellcheck disable=SC2086 # TIDINGS_FUZZ_ARGS is a list of flags
"$fuzzer" -max_total_time="$seconds" -timeout="${TIDINGS_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${TIDINGS_FUZZ_ARGS:-} \
    "$work/corpus" "$seeds" >"$work/last-run.log" 2>&1
rc=$?
grep -vE '^(#[0-9]+[[:space:]]+(NEW|REDUCE|pulse|RELOAD)[[:space:]]|[[:space:]]+NEW_FUNC)' "$work/last-run.log"

# One line for the summary scripts/test prints after all targets ran.
stat() { sed -n "s/^stat::$1: *//p" "$work/last-run.log" | tail -n 1; }
cov=$(grep -oE 'cov: [0-9]+' "$work/last-run.log" | tail -n 1 | cut -d' ' -f2)
printf '%-24s %9s runs %7s/s  coverage %6s  corpus %5s  peak %5s MB  %s\n' "$name" \
    "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "${cov:-?}" \
    "$(ls "$work/corpus" | wc -l)" "$(stat peak_rss_mb)" \
    "$([ "$rc" = 0 ] && echo passed || echo "FAILED (exit $rc)")" >"$work/summary.txt"

after=$(ls "$work/artifacts" | wc -l)
if [ "$rc" != 0 ] || [ "$after" != "$before" ]; then
    echo "run_fuzzer.sh: $name FAILED (exit $rc); failing inputs:"
    ls -1t "$work/artifacts" | head -n $((after - before > 0 ? after - before : 1)) |
        while read -r f; do echo "  $work/artifacts/$f"; done
    echo "  reproduce: $fuzzer <input>; minimize: $fuzzer -minimize_crash=1 -runs=10000 <input>"
    [ "$rc" = 0 ] && rc=1
fi
exit "$rc"
