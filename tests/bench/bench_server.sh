# Sourced by the benchmark scripts: a fresh tidingsd on its own embedded PostgreSQL (fsync on).
#   start_tidingsd BUILD PORT     sets data (a temporary directory under BENCH_TMPDIR, default
#                                 /tmp), pid and url; stopped and removed when the script exits
#                                 (BENCH_SERVER_LOG=FILE keeps the server's log there).
#                                 TLS=1: wss:// with a --tls-self-signed certificate (EC P-256)
#                                 in the data directory; also sets fingerprint (its SHA-256).
# shellcheck shell=bash
start_tidingsd() {
  local build=$1 port=$2
  data=$(mktemp -d "${BENCH_TMPDIR:-/tmp}/tidings-bench-XXXXXX")
  chmod 755 "$data"
  # Cheap password hashing and no registration or connection limit: the idle scenario
  # registers and holds 10,000 users from one address; no figure measures hashing. The load tool sends plain bytes (what it
  # measures is the server's path, not the clients' encryption).
  local tls=()
  [[ "${TLS:-0}" == 1 ]] &&
    tls=(--tls-cert "$data/cert.pem" --tls-key "$data/key.pem" --tls-self-signed)
  "$build/server/tidingsd" --data-dir "$data/server" --listen 127.0.0.1:"$port" \
    --cheap-password-hashing --registrations-per-hour 0 --connections-per-address 0 \
    --allow-unencrypted "${tls[@]}" \
    >"$data/out.log" 2>"$data/err.log" &
  pid=$!
  trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
    [[ -n "${BENCH_SERVER_LOG:-}" ]] && cp "$data/err.log" "$BENCH_SERVER_LOG"; rm -rf "$data"' EXIT
  for _ in $(seq 1 120); do grep -q listening "$data/out.log" 2>/dev/null && break; sleep 0.25; done
  grep -q listening "$data/out.log" || { cat "$data/err.log" >&2; exit 1; }
  url=ws://127.0.0.1:$port
  fingerprint=
  if [[ "${TLS:-0}" == 1 ]]; then
    url=wss://127.0.0.1:$port
    for _ in $(seq 1 20); do grep -q "certificate SHA-256" "$data/out.log" && break; sleep 0.1; done
    fingerprint=$(sed -n 's/^tidingsd certificate SHA-256 //p' "$data/out.log")
  fi
}
