#!/usr/bin/env bash
# Backup and restore time for a server with MESSAGES messages (issue 13's figure; default one
# million): a throwaway tidingsd on its embedded PostgreSQL, two accounts and a conversation made
# through the real clients, then MESSAGES rows of 192 random bytes each (as incompressible as
# ciphertext) written straight into the messages table (sending a million through the protocol
# would measure the message path, not the backup), plus MEDIA_MB of media blobs. Then, timed:
# `tidings-admin backup --out FILE` while the server runs, and `tidings-admin restore` into an
# empty directory; the restored database is counted. One JSON line.
#
#   tests/bench/backup_bench.sh BUILD_DIR            (MESSAGES=1000000 MEDIA_MB=100)
set -euo pipefail
build=$(realpath "$1")
messages=${MESSAGES:-1000000}
media_mb=${MEDIA_MB:-100}
tidingsd=$build/server/tidingsd
admin=$build/admin/tidings-admin
cli=$build/app/tidings-cli
export TIDINGS_TIDINGSD=$tidingsd
# shellcheck source=bench_server.sh
source "$(dirname "$0")/bench_server.sh"
start_tidingsd "$build" $((20000 + RANDOM % 20000))
work=$data # the server's data is $work/server; all of it goes when the script exits
as() { local who=$1; shift; "$cli" --profile "$work/$who" --server "$url" "$@"; }
for u in alice bob; do echo "password-$u" | as $u register $u >/dev/null; done
as alice send bob "the first message" >/dev/null

psql_() { psql -X -q -t -A "host=$work/server/db/run port=5432 dbname=tidings user=postgres" "$@"; }
conv=$(psql_ -c "SELECT conversation_id FROM messages LIMIT 1")
sender=$(psql_ -c "SELECT sender_user_id || ',' || sender_device_id FROM messages LIMIT 1")
t0=$(date +%s.%N)
psql_ -c "INSERT INTO messages (conversation_id, seq, created_at, sender_user_id,
              sender_device_id, client_message_id, payload)
          SELECT $conv, 1000 + g, now(), ${sender%,*}, ${sender#*,}, 'bench-' || g,
                 decode(md5(random()::text) || md5(random()::text) || md5(random()::text) ||
                        md5(random()::text) || md5(random()::text) || md5(random()::text) ||
                        md5(random()::text) || md5(random()::text) || md5(random()::text) ||
                        md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex')
          FROM generate_series(1, $messages) g" >/dev/null
fill=$(echo "$(date +%s.%N) - $t0" | bc)
# Media: random blobs named by their SHA-256, as the store keeps them.
for i in $(seq 1 $((media_mb))); do
    f=$work/blob.tmp
    head -c $((1024 * 1024)) /dev/urandom >"$f"
    h=$(sha256sum "$f" | cut -c1-64)
    mkdir -p "$work/server/media/blobs/${h:0:2}/${h:2:2}"
    mv "$f" "$work/server/media/blobs/${h:0:2}/${h:2:2}/$h"
done
db_bytes=$(psql_ -c "SELECT pg_database_size('tidings')")

t0=$(date +%s.%N)
"$admin" --data-dir "$work/server" backup --out "$work/backup.tar" >"$work/backup.json"
backup_s=$(echo "$(date +%s.%N) - $t0" | bc)
archive_bytes=$(stat -c %s "$work/backup.tar")
# The server still serves during and after it.
as alice send bob "after the backup" >/dev/null

t0=$(date +%s.%N)
"$admin" restore "$work/backup.tar" --data-dir "$work/restored" >"$work/restore.log" 2>&1
restore_s=$(echo "$(date +%s.%N) - $t0" | bc)
# The phases: pg_dump's share of the backup (the server logs it), and when the restore reached
# pg_restore and finished it (tidingsd --restore prints its stages with the time).
dump_s=$(grep -o 'database dumped, [0-9]* bytes in [0-9.]* s' "$work/err.log" | tail -1 |
    awk '{print $(NF-1)}')
loading_at=$(grep -o '\[[0-9.]* s\] loading the database' "$work/restore.log" | tr -d '[' |
    awk '{print $1}')
restored_at=$(grep -o '\[[0-9.]* s\] putting the files back' "$work/restore.log" | tr -d '[' |
    awk '{print $1}')
# Count what came back: start the restored cluster alone, count, stop it.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
owner=$(stat -c %U "$work/restored/db/pgdata")
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
run_pg "$pg_bin/pg_ctl" -D "$work/restored/db/pgdata" -w -l "$work/restored/db/run/bench.log" \
    -o "-p 5432 -k $work/restored/db/run -c listen_addresses=''" start >/dev/null
restored=$(psql -X -q -t -A "host=$work/restored/db/run port=5432 dbname=tidings user=postgres" \
    -c "SELECT count(*) FROM messages")
run_pg "$pg_bin/pg_ctl" -D "$work/restored/db/pgdata" -w -m fast stop >/dev/null
blobs=$(find "$work/restored/media/blobs" -type f | wc -l)

printf '{"scenario":"backup","messages":%d,"media_mb":%d,"fill_s":%.1f,"database_bytes":%d,' \
    "$messages" "$media_mb" "$fill" "$db_bytes"
printf '"archive_bytes":%d,"backup_s":%.1f,"pg_dump_s":%s,"restore_s":%.1f,' \
    "$archive_bytes" "$backup_s" "${dump_s:-null}" "$restore_s"
printf '"pg_restore_from_s":%.1f,"pg_restore_s":%.1f,"restored_messages":%d,' "${loading_at:-0}" \
    "$(echo "${restored_at:-0} - ${loading_at:-0}" | bc)" "$restored"
printf '"restored_blobs":%d,"nproc":%d,"load":"%s"}\n' "$blobs" "$(nproc)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
[ "$restored" -eq $((messages + 1)) ] && [ "$blobs" -eq "$media_mb" ]
