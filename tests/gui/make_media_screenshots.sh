#!/usr/bin/env bash
# Makes the media pictures of docs/screenshots in a real chat: a throwaway tidingsd (its own
# PostgreSQL and media store), alice and bob registered with tidings-cli, then
# tidings-media-screenshots opens both profiles with their real client cores (bob sends photos, a
# video, a voice note and a file; alice's window receives them, end to end encrypted) under Xvfb
# and a private PulseAudio (the voice note plays), and saves media-chat, media-video,
# media-voice, media-transfer, media-viewer and media-tab, light and dark. About a minute.
#
#   tests/gui/make_media_screenshots.sh BUILD_DIR [OUT_DIR [REVIEW_DIR]]
#       OUT_DIR: docs/screenshots; REVIEW_DIR: also the attach sheet, the voice recorder, the
#       Files and Links tabs and a zoomed viewer, for looking at, not for the docs.
# Needs: xvfb xauth ffmpeg pulseaudio pulseaudio-utils, fonts-noto-color-emoji for the emoji.
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-docs/screenshots}")
review=${3:+$(realpath -m "$3")}
here=$(dirname "$(realpath "$0")")
cli=$build/app/tidings-cli
tidingsd=$build/server/tidingsd
shots=$build/tests/gui/tidings-media-screenshots
for bin in "$cli" "$tidingsd" "$shots"; do
    [ -x "$bin" ] || { echo "build $(basename "$bin") first" >&2; exit 2; }
done
work=$(mktemp -d /tmp/tidings-media-shots.XXXXXX)
chmod 755 "$work" # the embedded PostgreSQL runs as postgres and must reach its data dir
port=$((20000 + RANDOM % 20000))
export XDG_RUNTIME_DIR=$work/runtime
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

setsid "$tidingsd" --data-dir "$work/server" --listen "127.0.0.1:$port" >"$work/tidingsd.log" 2>&1 &
server=$!
trap 'kill -CONT $server 2>/dev/null; kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 1200); do
    grep -q '^tidingsd listening on' "$work/tidingsd.log" && break
    kill -0 $server 2>/dev/null || { cat "$work/tidingsd.log"; exit 1; }
    sleep 0.1
done
url=ws://127.0.0.1:$port
as() { local who=$1; shift; "$cli" --profile "$work/$who" --server "$url" "$@"; }
for u in alice bob; do echo "password-$u" | as $u register $u >/dev/null; done
as bob send alice "Back from Köln! Here are the first photos 📷" >/dev/null
as alice receive --wait-ms 1500 >/dev/null || true

mkdir -p "$out"
"$here/pulse_run.sh" xvfb-run -a -s "-screen 0 1280x800x24" \
    "$shots" "$url" "$server" "$work" "$out" ${review:+"$review"}
echo "screenshots in $out${review:+, review pictures in $review}"
