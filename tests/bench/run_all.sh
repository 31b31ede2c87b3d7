#!/usr/bin/env bash
# Every benchmark figure of the real-time work (issue 11) in one command:
#   tests/bench/run_all.sh [BUILD] [--doc]
# BUILD (default build) needs the benchmarks (TIDINGS_BUILD_BENCH, on by default). Each scenario
# gets a fresh server: run_load.sh's on its own embedded PostgreSQL (fsync on), tidings-e2e-latency's
# in process on a throwaway PostgreSQL. Prints one JSON line per figure (also kept in
# BUILD/bench-results.jsonl) with the machine and the 1-minute load average when it started, then
# the table; --doc writes the table into docs/PERFORMANCE.md ("Latest run"). SECONDS_ (default
# 10) sets the length of the timed server runs. The machines are shared: compare figures of one
# run, and mind the load column.
set -uo pipefail
build=build
doc=0
for a in "$@"; do
  case $a in
    --doc) doc=1 ;;
    *) build=$a ;;
  esac
done
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
out=$build/bench-results.jsonl
: >"$out"
machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(date -u +%Y-%m-%dT%H:%MZ)
run="tests/bench/run_all.sh $*"
export SECONDS_=${SECONDS_:-10}
e2e() { QT_QPA_PLATFORM=offscreen "$build/tests/bench/e2e/tidings-e2e-latency" "$@" 2>/dev/null; }
load1() { cut -d' ' -f1 /proc/loadavg; }

# emit FIGURE TARGET SHOW COMMAND LOAD JSON
emit() {
  local result=${6:-}
  [[ $result == \{* ]] || result='{}'
  printf '{"figure":"%s","target":"%s","show":"%s","command":"%s","load":"%s","machine":"%s","date":"%s","commit":"%s","run":"%s","result":%s}\n' \
    "$1" "$2" "$3" "$4" "$5" "$machine" "$date" "$commit" "$run" "$result" | tee -a "$out"
}
# line N of a multi-line output (1-based), only lines that are JSON objects
nth() { grep '^{' | sed -n "${1}p"; }

t0=$(date +%s)
# --- client core -> client core (in process) ---
l=$(load1); r=$(e2e --only plain --count 200 --rate 20)
emit "lone message, client core to client core, unencrypted, 20 msg/s" "p50 < 5 · p99 < 15 ms" \
  "p50_ms:p50:ms,p99_ms:p99:ms" "tidings-e2e-latency --only plain --count 200 --rate 20" "$l" "$r"
l=$(load1); r=$(e2e --only e2e --count 200 --rate 20)
emit "lone message, client core to client core, encrypted, 20 msg/s" "p50 < 5 · p99 < 15 ms" \
  "p50_ms:p50:ms,p99_ms:p99:ms" "tidings-e2e-latency --only e2e --count 200 --rate 20" "$l" "$r"
emit "first encrypted message of a new 1:1 session" "< 50 ms" "first_message_ms::ms" \
  "(the same run)" "$l" "$r"
l=$(load1); r=$(e2e --only e2e --count 2000 --rate 200)
emit "one device sending 200 msg/s encrypted" "p50 < 20 · p99 < 60 ms" \
  "p50_ms:p50:ms,p99_ms:p99:ms,lost:lost:" "tidings-e2e-latency --only e2e --count 2000 --rate 200" "$l" "$r"
l=$(load1); r=$(e2e --only group --group 500 --count 40 --rate 20)
emit "first message to a new 500-member encrypted group (members connected, on their own thread)" \
  "< 1 s" "first_message_ms::ms,p50_ms:then at 20 msg/s p50:ms,p99_ms:p99:ms" \
  "tidings-e2e-latency --only group --group 500 --count 40 --rate 20" "$l" "$r"
l=$(load1); r=$(tests/bench/cli_latency.sh "$build" 2>/dev/null | nth 1)
emit "lone message, tidings-cli to tidings-cli (two processes, encrypted, 20 msg/s)" \
  "p50 < 5 · p99 < 15 ms" "p50_ms:p50:ms,p99_ms:p99:ms,first_ms:first (with connect):ms" \
  "cli_latency.sh build" "$l" "$r"
echo "client scenarios: $(( $(date +%s) - t0 )) s" >&2

# --- the server (run_load.sh: tidings-load on the same cores, fresh server each) ---
t0=$(date +%s)
rl() { tests/bench/run_load.sh "$build" "$@" 2>/dev/null; }
l=$(load1); r=$(rl flat | nth 1)
emit "server, 1:1 flat out (100 pairs × 10 in flight), stored and delivered, fresh server" \
  "≥ 25k msg/s" "delivered_per_s::msg/s,latency_p50_ms:p50:ms" "run_load.sh build flat" "$l" "$r"
l=$(load1); r=$(RATE=5000 PAIRS=50 rl rate | nth 1)
emit "1:1 at a fixed 5,000 msg/s (50 pairs)" "p50 < 2 · p99 < 10 ms" \
  "latency_p50_ms:p50:ms,latency_p99_ms:p99:ms" "RATE=5000 PAIRS=50 run_load.sh build rate" "$l" "$r"
l=$(load1); r=$(RATE=10000 PAIRS=100 rl rate | nth 1)
emit "1:1 at a fixed 10,000 msg/s (100 pairs)" "p99 < 20 ms" \
  "latency_p50_ms:p50:ms,latency_p99_ms:p99:ms" "RATE=10000 PAIRS=100 run_load.sh build rate" "$l" "$r"
l=$(load1); r=$(rl drain | nth 1)
emit "1,000 messages waiting for an offline device: connect to last, in order" "< 50 ms" \
  "connect_to_last_median_ms:median:ms,connect_to_first_median_ms:first after:ms,out_of_order:out of order:" \
  "run_load.sh build drain" "$l" "$r"
l=$(load1); r=$(rl group | nth 1)
emit "500-member group, all connected: send to last member" "p99 < 100 ms" \
  "last_member_p50_ms:p50:ms,last_member_p99_ms:p99:ms,group_messages_per_s:flat out:group msg/s" \
  "run_load.sh build group" "$l" "$r"
l=$(load1); r=$(rl mixed)
emit "1:1 at 1,000 msg/s alone (baseline of the next row)" "" \
  "latency_p50_ms:p50:ms,latency_p99_ms:p99:ms" "run_load.sh build mixed" "$l" "$(nth 1 <<<"$r")"
emit "1:1 at 1,000 msg/s while a 500-member group runs flat out" "p99 < 2× alone" \
  "latency_p50_ms:p50:ms,latency_p99_ms:p99:ms" "(the same run)" "$l" "$(nth 2 <<<"$r")"
l=$(load1); r=$(IDLE=10000 rl idle | nth 1)
emit "10,000 idle authenticated connections: server RSS each" "≤ 16 KB" \
  "bytes_per_idle_connection::bytes" "run_load.sh build idle" "$l" "$r"
l=$(load1); r=$(rl hostile)
emit "1:1 at 1,000 msg/s alone (baseline of the hostile rows)" "" \
  "latency_p50_ms:p50:ms,latency_p99_ms:p99:ms" "run_load.sh build hostile" "$l" "$(nth 1 <<<"$r")"
n=1
for kind in history sends pings typing; do
  emit "1:1 at 1,000 msg/s beside one connection flooding $kind without reading" \
    "p99 < 2× alone" "latency_p99_ms:p99:ms" "(the same run)" "$l" "$(nth $((2 * n)) <<<"$r")"
  emit "server RSS peak above start during the $kind flood" "< 100 MB" \
    "server_rss_peak_above_start_kib::KiB" "(the same run)" "$l" "$(nth $((2 * n + 1)) <<<"$r")"
  n=$((n + 1))
done
echo "server scenarios: $(( $(date +%s) - t0 )) s" >&2

if [[ $doc == 1 ]]; then
  "$build/tests/bench/tidings-bench-report" --in "$out" --doc docs/PERFORMANCE.md
else
  "$build/tests/bench/tidings-bench-report" --in "$out"
fi
