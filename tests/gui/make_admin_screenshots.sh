#!/usr/bin/env bash
# Makes docs/screenshots/admin-*.png: a throwaway tidingsd with a few accounts (one disabled, one
# online), then tidings-admin-screenshots on its data directory under Xvfb, light and dark.
#
#   tests/gui/make_admin_screenshots.sh BUILD_DIR [OUT_DIR]      (OUT_DIR: docs/screenshots)
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-docs/screenshots}")
cli=$build/app/tidings-cli
admin=$build/admin/tidings-admin
shots=$build/tests/gui/tidings-admin-screenshots
tidingsd=$build/server/tidingsd
work=$(mktemp -d /tmp/tidings-admin-shots.XXXXXX)
chmod 755 "$work" # the embedded PostgreSQL runs as postgres and must reach its data dir
port=$((20000 + RANDOM % 20000))
export XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

setsid "$tidingsd" --data-dir "$work/server" --listen "127.0.0.1:$port" >"$work/tidingsd.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 1200); do
    grep -q '^tidingsd listening on' "$work/tidingsd.log" && break
    kill -0 $server 2>/dev/null || { cat "$work/tidingsd.log"; exit 1; }
    sleep 0.1
done
url=ws://127.0.0.1:$port
as() { local who=$1; shift; "$cli" --profile "$work/$who" --server "$url" "$@"; }
for u in alice bob carol dave; do echo "password-$u" | as $u register $u >/dev/null; done
as bob send alice "Hi Alice!" >/dev/null
as alice send bob "Hi Bob" >/dev/null
"$admin" --data-dir "$work/server" users disable dave >/dev/null
"$admin" --data-dir "$work/server" registration invite >/dev/null
"$admin" --data-dir "$work/server" invite create --uses 5 --note "the choir" >/dev/null
# Daily at 3:00 (setting it starts nothing, unless it is that hour now).
hour=3; [ "$(date +%-H)" = 3 ] && hour=4
"$admin" --data-dir "$work/server" backup schedule $hour --keep 7 >/dev/null
"$admin" --data-dir "$work/server" backup >/dev/null
# alice stays online while the pictures are taken.
as alice receive --wait-ms 60000 >/dev/null 2>&1 &
sleep 2

mkdir -p "$out"
for theme in light dark; do
    xvfb-run -a -s "-screen 0 1280x800x24" "$shots" "$work/server" "$out" $theme
done
echo "screenshots in $out"
