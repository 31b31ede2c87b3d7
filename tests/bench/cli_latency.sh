#!/usr/bin/env bash
# Lone messages between two tidings-cli processes (real clients, each with its own profile and
# end-to-end encryption) through a fresh tidingsd on its embedded PostgreSQL:
#   tests/bench/cli_latency.sh [BUILD]      COUNT (default 200), INTERVAL_MS (default 50)
# bob runs `receive`; alice sends COUNT messages one at a time, INTERVAL_MS apart, on a live
# session (`send --count --interval-ms`). Latency is received_at - sent_at of each message (the
# receiver's store time minus the sender's send time, one clock: same machine), in ms; the first
# message, which also waits for alice's connection and session, is reported on its own.
# Prints one JSON line.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
count=${COUNT:-200}
interval=${INTERVAL_MS:-50}
# shellcheck source=tests/bench/bench_server.sh
source tests/bench/bench_server.sh
start_tidingsd "$build" "${PORT:-7793}"
cli() { local who=$1; shift; "$build/app/tidings-cli" --profile "$data/$who" --server "$url" "$@"; }
for who in alice bob; do
  mkdir -p "$data/$who"
  echo "password-$who-1" | cli $who register "cl$who" >/dev/null
done
# The conversation and the sessions (X3DH) first: one message each way.
cli alice send clbob "hello" >/dev/null
cli bob receive --until-count 1 --wait-ms 20000 >/dev/null
cli bob send clalice "hi" >/dev/null
cli alice receive --until-count 1 --wait-ms 20000 >/dev/null
cli bob receive --until-count "$count" --wait-ms 30000 >"$data/received.jsonl" 2>"$data/recv.err" &
rpid=$!
sleep 1 # bob's session is up before the first one leaves
cli alice send clbob --count "$count" --prefix lat --interval-ms "$interval" \
  --timeout-ms $((count * interval + 60000)) >"$data/sent.json"
wait $rpid || true
# received_at - sent_at per line, in the order the numbers say (lat-1 is the first).
sed -n 's/.*"text":"lat-\([0-9]*\)".*"sent_at":\([0-9]*\).*"received_at":\([0-9]*\).*/\1 \2 \3/p' \
  "$data/received.jsonl" | sort -n >"$data/lat.txt"
n=$(wc -l <"$data/lat.txt")
first=$(awk '$1 == 1 {print $3 - $2}' "$data/lat.txt")
awk '$1 > 1 {print $3 - $2}' "$data/lat.txt" | sort -n >"$data/rest.txt"
m=$(wc -l <"$data/rest.txt")
pct() { [[ $m -gt 0 ]] && sed -n "$(( (m * $1 + 99) / 100 ))p" "$data/rest.txt" || echo -1; }
printf '{"scenario":"cli to cli","count":%d,"interval_ms":%d,"received":%d,"first_ms":%s,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,"max_ms":%s}\n' \
  "$count" "$interval" "$n" "${first:--1}" "$(pct 50)" "$(pct 90)" "$(pct 99)" "$(tail -1 "$data/rest.txt" 2>/dev/null || echo -1)"
