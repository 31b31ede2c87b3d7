#!/usr/bin/env bash
# Starts tidingsd on a fresh embedded PostgreSQL and runs tidings-load scenarios against it.
#   tests/bench/run_load.sh [BUILD_DIR] [SCENARIO...]
# Scenarios (default: all but handshake): rate flat idle drain group mixed hostile. One JSON
# line each. TLS=1: the server speaks wss:// with a self-signed certificate the load tool pins
# (not the hostile scenario: tidings-hostile speaks ws:// only).
#   rate   1:1 at RATE msg/s (default 5000) over PAIRS pairs (50) for SECONDS_ (10)
#   flat   1:1 flat out over PAIRS (100) pairs, WINDOW (10) messages in flight per sender
#   idle   IDLE (10000) idle authenticated connections: server RSS per connection
#   drain  DRAIN (1000) messages waiting for an offline device: connect -> last one received
#          (5 rounds, in order)
#   group  GROUP (500) members all connected: send -> last member p50/p99 over 100 sends,
#          then group traffic flat out
#   mixed  1:1 at MIXED_RATE (1000) msg/s alone, then again while a group runs flat out
#   hostile 1:1 at MIXED_RATE (1000) msg/s alone, then again beside each hostile connection
#          that never reads (history, 64 KiB sends, WebSocket pings, typing; tidings-hostile),
#          which reports the server's RSS peak above its start
#   handshake HANDSHAKES (2000) connections opened and closed, HS_CONCURRENCY (1) at a time
#          (TCP + TLS with TLS=1 + WebSocket upgrade): connections/s, connect p50/p99, server
#          and client CPU per connection, the TLS version and cipher
set -euo pipefail
build=${1:-build}
shift || true
scenarios=${*:-rate flat idle drain group mixed hostile}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
ulimit -n 20000 2>/dev/null || true
# shellcheck source=tests/bench/bench_server.sh
source tests/bench/bench_server.sh
start_tidingsd "$build" "${PORT:-7790}"
load() {
  "$build/tests/bench/tidings-load" --server $url --server-pid $pid \
    ${fingerprint:+--tls-fingerprint $fingerprint} "$@"
}
secs=${SECONDS_:-10}
for s in $scenarios; do
  case $s in
    rate)  load --prefix r --pairs ${PAIRS:-50} --rate ${RATE:-5000} --seconds $secs ;;
    flat)  load --prefix f --pairs ${PAIRS:-100} --window ${WINDOW:-10} --seconds $secs ;;
    idle)  load --prefix i --idle ${IDLE:-10000} ;;
    handshake) load --handshakes ${HANDSHAKES:-2000} --handshake-concurrency ${HS_CONCURRENCY:-1} ;;
    drain) load --prefix d --drain ${DRAIN:-1000} --drain-rounds 5 ;;
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
    hostile)
      load --prefix ha --pairs 20 --rate ${MIXED_RATE:-1000} --seconds $secs
      # One hostile connection at a time (HOSTILE_KINDS; "history,sends,pings,typing" runs all
      # four at once, which on 2 cores mostly measures the flooding tool's own CPU). It signs in
      # first (Argon2 takes 64 MiB per hash while it runs) and floods once the second 1:1 run is
      # under way, so the RSS peak it reports is the flood's.
      n=0
      for kind in ${HOSTILE_KINDS:-history sends pings typing}; do
        n=$((n + 1))
        hlog=$data/hostile$n.log
        rm -f "$data/go"
        "$build/tests/bench/tidings-hostile" --server $url --server-pid $pid --kinds $kind \
          --wait-file "$data/go" --seconds $secs >"$data/hostile$n.json" 2>"$hlog" &
        hpid=$!
        for _ in $(seq 1 600); do grep -q "signed in" "$hlog" 2>/dev/null && break; sleep 0.2; done
        llog=$data/load$n.log
        load --prefix hb$n --pairs 20 --rate ${MIXED_RATE:-1000} --seconds $secs 2>"$llog" &
        lpid=$!
        for _ in $(seq 1 600); do grep -q "running" "$llog" 2>/dev/null && break; sleep 0.1; done
        touch "$data/go"
        wait $lpid
        wait $hpid
        cat "$data/hostile$n.json"
      done
      ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
done
