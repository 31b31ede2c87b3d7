#!/usr/bin/env bash
# Starts tidingsd on a fresh embedded PostgreSQL and runs tidings-load scenarios against it.
#   tests/bench/run_load.sh [BUILD_DIR] [SCENARIO...]
# Scenarios (default: all): rate flat idle group mixed. One JSON line each.
#   rate   1:1 at RATE msg/s (default 5000) over PAIRS pairs (50) for SECONDS_ (10)
#   flat   1:1 flat out
#   idle   IDLE (10000) idle authenticated connections: server RSS per connection
#   group  GROUP (500) members all connected: send -> last member p50/p99 over 100 sends,
#          then group traffic flat out
#   mixed  1:1 at MIXED_RATE (1000) msg/s alone, then again while a group runs flat out
set -euo pipefail
build=${1:-build}
shift || true
scenarios=${*:-rate flat idle group mixed}
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
load() { "$build/tests/bench/tidings-load" --server $url --server-pid $pid "$@"; }
secs=${SECONDS_:-10}
for s in $scenarios; do
  case $s in
    rate)  load --prefix r --pairs ${PAIRS:-50} --rate ${RATE:-5000} --seconds $secs ;;
    flat)  load --prefix f --pairs ${PAIRS:-50} --seconds $secs ;;
    idle)  load --prefix i --idle ${IDLE:-10000} ;;
    group) load --prefix g --group ${GROUP:-500} --group-sends 100 --seconds $secs ;;
    mixed)
      load --prefix ma --pairs 20 --rate ${MIXED_RATE:-1000} --seconds $secs
      log=$data/group.log
      load --prefix mg --group ${GROUP:-500} --group-sends 20 --seconds $((secs + 10)) \
        >"$data/group.json" 2>"$log" &
      gpid=$!
      for _ in $(seq 1 600); do grep -q "flat out" "$log" 2>/dev/null && break; sleep 0.5; done
      load --prefix mb --pairs 20 --rate ${MIXED_RATE:-1000} --seconds $secs
      wait $gpid
      cat "$data/group.json"
      ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
