#!/usr/bin/env bash
# The real-time load scenarios against one tidingsd and against a cluster of three (issue 14),
# on one machine, with the bus's cost per delivered message.
#   tests/bench/cluster_bench.sh [BUILD_DIR] [SCENARIO...]     (default: rate group idle)
#   NODES=1|3 (default: both, 1 first)  SECONDS_ PAIRS RATE GROUP IDLE as in run_load.sh
# Both set-ups share one PostgreSQL (fsync on, started here in a temporary directory):
#   NODES=1  tidingsd on its own (no --nats): the default single node
#   NODES=3  three tidingsd nodes with --nats on a cluster of three nats-server, behind HAProxy
#            (leastconn, health checks on /healthz); the load tool connects to HAProxy
# Each scenario prints the load tool's JSON line, then one "cluster" line: the CPU seconds of
# every process of the set-up (nodes, nats-server, haproxy, postgres) during the scenario, per
# message, and NATS messages and bytes (as the NATS servers count them, in + out over all
# servers) per delivered message. On 2 cores three nodes measure the bus's overhead, not scale.
set -euo pipefail
build=${1:-build}
shift || true
scenarios=${*:-rate group idle}
here=$(cd "$(dirname "$0")/../.." && pwd)
cd "$here"
ulimit -n 20000 2>/dev/null || true

pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/tidings-cluster-bench-XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  as_pg "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# PostgreSQL: the same for both set-ups (a database each).
[[ $(id -u) == 0 ]] && chown postgres "$work"
as_pg "$pgbin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 >/dev/null
pgport=$(free_port)
as_pg "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w \
  -o "-p $pgport -k $work -c listen_addresses='' -c max_connections=200 -c shared_buffers=256MB" \
  start >/dev/null
db() { echo "host=$work port=$pgport user=postgres dbname=$1"; }

cpu_of() { # total utime+stime ticks of the given pids
  local t=0 p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $t
}
node_counts() { # bus messages and bytes the nodes published, pushes sent, over all nodes
  local port
  for port in "${ports[@]}"; do curl -s "http://127.0.0.1:$port/metrics" || true; done |
    awk '/^tidings_cluster_bus_messages_sent_total/ {m += $2}
         /^tidings_cluster_bus_bytes_sent_total/ {b += $2}
         /^tidings_cluster_pushes_sent_total/ {p += $2}
         END {printf "%d %d %d\n", m, b, p}'
}
nats_counts() { # in_msgs out_msgs in_bytes out_bytes over all monitoring ports
  local port
  for port in "${natsmon[@]}"; do
    curl -s "http://127.0.0.1:$port/varz" || echo '{}'
  done | python3 -c '
import json, sys
t = [0, 0, 0, 0]
dec = json.JSONDecoder()
buf = sys.stdin.read()
i = 0
while i < len(buf):
    while i < len(buf) and buf[i].isspace(): i += 1
    if i >= len(buf): break
    o, i = dec.raw_decode(buf, i)
    for k, key in enumerate(("in_msgs", "out_msgs", "in_bytes", "out_bytes")):
        t[k] += o.get(key, 0)
print(*t)'
}
pg_pids() { # the postmaster and its children
  local pm; pm=$(head -1 "$work/pg/postmaster.pid")
  echo "$pm $(pgrep -d ' ' -P "$pm" || true)"
}
wait_line() { # FILE TEXT
  for _ in $(seq 1 240); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.25; done
  echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; exit 1
}

start_single() {
  as_pg "$pgbin/createdb" -h "$work" -p "$pgport" -U postgres single
  local port; port=$(free_port)
  "$build/server/tidingsd" --data-dir "$work/single" --listen 127.0.0.1:$port \
    --database-url "$(db single)" --cheap-password-hashing --registrations-per-hour 0 \
    --connections-per-address 0 --allow-unencrypted --drain-window 0 >"$work/single.log" 2>&1 &
  pids+=($!); nodepids=($!); busy=($!); ports=(); natspids=(); hapids=()
  wait_line "$work/single.log" listening
  url=ws://127.0.0.1:$port
  natsmon=()
}

start_cluster() {
  as_pg "$pgbin/createdb" -h "$work" -p "$pgport" -U postgres cluster
  local i cport=() nport=() routes
  natsmon=(); busy=(); natspids=()
  for i in 0 1 2; do nport+=("$(free_port)"); cport+=("$(free_port)"); natsmon+=("$(free_port)"); done
  for i in 0 1 2; do
    routes=$(for j in 0 1 2; do if [[ $j != "$i" ]]; then echo -n "nats://127.0.0.1:${cport[$j]},"; fi; done)
    nats-server -a 127.0.0.1 -p "${nport[$i]}" -m "${natsmon[$i]}" -n "nats-$i" \
      --cluster "nats://127.0.0.1:${cport[$i]}" --cluster_name bench --routes "${routes%,}" \
      >"$work/nats-$i.log" 2>&1 &
    pids+=($!); busy+=($!); natspids+=($!)
  done
  sleep 1
  local urls; urls=$(for i in 0 1 2; do echo -n "nats://127.0.0.1:${nport[$i]},"; done)
  nodepids=(); ports=()
  for i in 0 1 2; do
    ports+=("$(free_port)")
    "$build/server/tidingsd" --data-dir "$work/node-$i" --listen 127.0.0.1:"${ports[$i]}" \
      --database-url "$(db cluster)" --nats "${urls%,}" --node-id "node-$i" \
      --cheap-password-hashing --registrations-per-hour 0 --connections-per-address 0 \
      --allow-unencrypted --drain-window 0 --metrics main >"$work/node-$i.log" 2>&1 &
    pids+=($!); nodepids+=($!); busy+=($!)
    wait_line "$work/node-$i.log" listening
  done
  local hport; hport=$(free_port)
  {
    printf 'global\n    maxconn 9000\ndefaults\n    mode tcp\n    timeout connect 2s\n'
    printf '    timeout client 1h\n    timeout server 1h\n    retries 2\n    option redispatch\n'
    printf 'frontend tidings\n    bind 127.0.0.1:%s\n    default_backend nodes\n' "$hport"
    printf 'backend nodes\n    balance leastconn\n    option httpchk GET /healthz\n'
    printf '    default-server inter 1s fall 2 rise 1\n'
    for i in 0 1 2; do printf '    server node-%s 127.0.0.1:%s check\n' "$i" "${ports[$i]}"; done
  } >"$work/haproxy.cfg"
  haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  pids+=($!); busy+=($!); hapids=($!)
  sleep 2
  url=ws://127.0.0.1:$hport
  # DIRECT=1: every client on node-0 (no HAProxy, no bus hop for deliveries): what the bus adds.
  [[ "${DIRECT:-0}" == 1 ]] && url=ws://127.0.0.1:${ports[0]}
  return 0
}

run() { # SET-UP SCENARIO
  local setup=$1 s=$2 secs=${SECONDS_:-10} out args mark
  case $s in
    rate) args=(--prefix "r$setup" --pairs "${PAIRS:-50}" --rate "${RATE:-2000}" --seconds "$secs")
          mark=running ;;
    flat) args=(--prefix "f$setup" --pairs "${PAIRS:-100}" --window 10 --seconds "$secs")
          mark=running ;;
    group) args=(--prefix "g$setup" --group "${GROUP:-500}" --group-sends 100 --seconds "$secs")
           mark="flat out" ;;
    idle) args=(--prefix "i$setup" --idle "${IDLE:-3000}"); mark=none ;;
    *) echo "unknown scenario $s" >&2; exit 2 ;;
  esac
  # The figures cover the measured phase only (not registering the accounts): from the load
  # tool's "running"/"flat out" line to its exit.
  "$build/tests/bench/tidings-load" --server "$url" --server-pid "${nodepids[0]}" "${args[@]}" \
    >"$work/load.json" 2>"$work/load.err" &
  local lpid=$!
  if [[ $mark != none ]]; then
    for _ in $(seq 1 1200); do grep -q "$mark" "$work/load.err" 2>/dev/null && break; sleep 0.05; done
  fi
  # Both ends are stamped before their samples are read (which take about as long each).
  local t0; t0=$(date +%s.%N)
  local pg; pg=$(pg_pids)
  local before_cpu; before_cpu=$(cpu_of "${busy[@]}" $pg)
  local b_nodes b_pg b_nats b_ha; b_nodes=$(cpu_of "${nodepids[@]}"); b_pg=$(cpu_of $pg)
  b_nats=$(cpu_of "${natspids[@]}"); b_ha=$(cpu_of "${hapids[@]}")
  local before_nats; before_nats=$(nats_counts)
  local before_nodes; before_nodes=$(node_counts)
  wait $lpid || { echo "tidings-load failed:" >&2; tail -5 "$work/load.err" >&2; exit 1; }
  local t1; t1=$(date +%s.%N)
  out=$(cat "$work/load.json")
  pg=$(pg_pids)
  local after_cpu; after_cpu=$(cpu_of "${busy[@]}" $pg)
  local a_nodes a_pg a_nats a_ha; a_nodes=$(cpu_of "${nodepids[@]}"); a_pg=$(cpu_of $pg)
  a_nats=$(cpu_of "${natspids[@]}"); a_ha=$(cpu_of "${hapids[@]}")
  local after_nats; after_nats=$(nats_counts)
  local after_nodes; after_nodes=$(node_counts)
  echo "$out"
  local rss=0 p
  for p in "${nodepids[@]}"; do rss=$((rss + $(awk '/VmRSS/ {print $2}' "/proc/$p/status"))); done
  python3 - "$setup" "$s" "$out" "$before_cpu" "$after_cpu" "$before_nats" "$after_nats" \
    "$t0" "$t1" "$rss" "$(getconf CLK_TCK)" "$((a_nodes - b_nodes))" "$((a_pg - b_pg))" \
    "$before_nodes" "$after_nodes" "$((a_nats - b_nats))" "$((a_ha - b_ha))" <<'EOF'
import json, sys
setup, s, out, c0, c1, n0, n1, t0, t1, rss, hz, dnodes, dpg, b0, b1, dnats, dha = sys.argv[1:]
o = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
wall = float(t1) - float(t0)
# 1:1: messages delivered; group: member deliveries during the measured (flat out) phase.
msgs = o.get("delivered") or o.get("stored") or int(o.get("member_deliveries_per_s", 0) * wall)
cpu = (int(c1) - int(c0)) / int(hz)
n0 = [int(x) for x in n0.split()] if n0.strip() else [0, 0, 0, 0]
n1 = [int(x) for x in n1.split()] if n1.strip() else [0, 0, 0, 0]
d = [b - a for a, b in zip(n0, n1)]
r = {"cluster": setup, "scenario": s, "wall_s": round(float(t1) - float(t0), 1),
     "cpu_s_all_processes": round(cpu, 2), "cpu_s_tidingsd": round(int(dnodes) / int(hz), 2),
     "cpu_s_postgres": round(int(dpg) / int(hz), 2),
     "cpu_s_nats": round(int(dnats) / int(hz), 2), "cpu_s_haproxy": round(int(dha) / int(hz), 2),
     "nodes_rss_kib": int(rss),
     "nats_in_msgs": d[0], "nats_out_msgs": d[1], "nats_in_bytes": d[2], "nats_out_bytes": d[3]}
if msgs:
    r["delivered"] = msgs
    r["cpu_us_per_delivered_all_processes"] = round(cpu * 1e6 / msgs, 1)
    r["nats_msgs_in_per_delivered"] = round(d[0] / msgs, 3)
    r["nats_bytes_in_per_delivered"] = round(d[2] / msgs, 1)
    nb = [b - a for a, b in zip([int(x) for x in b0.split()], [int(x) for x in b1.split()])]
    r["bus_messages_published"] = nb[0]
    r["bus_messages_per_delivered"] = round(nb[0] / msgs, 3)
    r["bus_bytes_per_delivered"] = round(nb[1] / msgs, 1)
    r["pushes_to_other_nodes_per_delivered"] = round(nb[2] / msgs, 3)
print(json.dumps(r))
EOF
}

for n in ${NODES:-1 3}; do
  if [[ $n == 1 ]]; then start_single; else start_cluster; fi
  for s in $scenarios; do run "$n" "$s"; done
  for p in "${nodepids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  sleep 1
done
