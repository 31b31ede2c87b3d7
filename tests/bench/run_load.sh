#!/usr/bin/env bash
# Starts tidingsd on a fresh embedded PostgreSQL and runs tidings-load against it.
#   tests/bench/run_load.sh [BUILD_DIR]       (default: build)
# Prints one JSON line per scenario: fixed rate, flat out, and idle connections.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
ulimit -n 20000 2>/dev/null || true
data=$(mktemp -d /tmp/tidings-bench-XXXXXX)
chmod 755 "$data"
port=${PORT:-7790}
"$build/server/tidingsd" --data-dir "$data" --listen 127.0.0.1:$port >"$data/out.log" 2>"$data/err.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do grep -q listening "$data/out.log" 2>/dev/null && break; sleep 0.25; done
grep -q listening "$data/out.log" || { cat "$data/err.log"; exit 1; }
url=ws://127.0.0.1:$port
load="$build/tests/bench/tidings-load"
"$load" --server $url --server-pid $pid --prefix r --pairs ${PAIRS:-50} --rate ${RATE:-5000} --seconds ${SECONDS_:-10}
"$load" --server $url --server-pid $pid --prefix f --pairs ${PAIRS:-50} --seconds ${SECONDS_:-10}
"$load" --server $url --server-pid $pid --prefix i --idle ${IDLE:-10000}
