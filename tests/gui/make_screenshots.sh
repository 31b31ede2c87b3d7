#!/usr/bin/env bash
# Makes docs/screenshots: a throwaway tidingsd with four users (alice, bob, carol, dave), a 1:1
# chat and the group "Weekend trip" filled through tidings-cli, then tidings-screenshots on
# alice's profile under Xvfb, light and dark.
#
#   tests/gui/make_screenshots.sh BUILD_DIR [OUT_DIR]      (OUT_DIR: docs/screenshots)
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-docs/screenshots}")
cli=$build/app/tidings-cli
shots=$build/tests/gui/tidings-screenshots
tidingsd=$build/server/tidingsd
work=$(mktemp -d /tmp/tidings-shots.XXXXXX)
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

as bob send alice "Hi Alice! Are we still on for Köln this weekend?" >/dev/null
as alice send bob "Yes! Train leaves at 9:40 from the central station." >/dev/null
as alice send bob "I booked the hotel near the cathedral 🏰" >/dev/null
as bob send alice "Perfect. I'll bring the Grüße from my mum and a thermos of coffee ☕ — it's going to be a long day of sightseeing, so comfortable shoes are a must." >/dev/null
as carol send alice "Did you see the photos from last week?" >/dev/null
as dave send alice "Meeting moved to 3pm" >/dev/null
group=$(as alice group create "Weekend trip" bob carol dave | sed -n 's/.*group[^0-9]*\([0-9][0-9]*\).*/\1/p' | head -1)
as carol send --group "$group" "Who's bringing the snacks?" >/dev/null
as bob send --group "$group" "I can do snacks 🥨" >/dev/null
as alice send --group "$group" "Great, I'll handle tickets" >/dev/null
for u in bob carol dave; do as $u receive --wait-ms 1500 >/dev/null || true; done
as bob read alice >/dev/null || true

mkdir -p "$out"
for theme in light dark; do
    xvfb-run -a -s "-screen 0 1280x800x24" "$shots" "$work/alice" "$url" "$out" $theme bob \
        "Weekend trip" koln
done
echo "screenshots in $out"
