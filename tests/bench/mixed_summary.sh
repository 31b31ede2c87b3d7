#!/usr/bin/env bash
# One line per run of the "mixed" scenario: 1:1 at 1,000 msg/s alone, then beside a flat-out
# 500-member group (p50 / p99 ms), their p99 ratio and the group's rate over its 20 s.
#   tests/bench/mixed_summary.sh [BUILD] [RUNS]
#   TIDINGS_BULK_YIELD=0 tests/bench/mixed_summary.sh build 3     # with the bulk yield off
# The server's log of the last run is kept in BENCH_SERVER_LOG (default /tmp/tidings-mixed.log).
set -euo pipefail
build=${1:-build}
runs=${2:-1}
here=$(cd "$(dirname "$0")/../.." && pwd)
export BENCH_SERVER_LOG=${BENCH_SERVER_LOG:-/tmp/tidings-mixed.log}
for _ in $(seq 1 "$runs"); do
  SECONDS_=${SECONDS_:-10} "$here/tests/bench/run_load.sh" "$build" mixed 2>/dev/null | python3 -c '
import json, sys
a, b, g = [json.loads(l) for l in sys.stdin if l.startswith("{")][:3]
print("alone %.1f/%.1f  beside %.1f/%.1f  p99 ratio %.2f  group %.0f msg/s" % (
    a["latency_p50_ms"], a["latency_p99_ms"], b["latency_p50_ms"], b["latency_p99_ms"],
    b["latency_p99_ms"] / a["latency_p99_ms"], g["group_messages_per_s"]))'
  grep -h "yielded" "$BENCH_SERVER_LOG" | tail -1 | sed 's/^.*: big/  big/' || true
done
