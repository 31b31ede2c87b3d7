#!/usr/bin/env bash
# Makes the media screenshots of docs/screenshots (chat-photos, video-playing, file-transfer,
# voice-note, viewer, media-tab; light and dark) with tidings-media-screenshots: a local profile
# and a fake MediaPort (no server), under Xvfb for real fonts and a private PulseAudio so the
# voice note plays. ffmpeg makes the video.
#
#   tests/gui/make_media_screenshots.sh BUILD_DIR [OUT_DIR]      (OUT_DIR: docs/screenshots)
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-docs/screenshots}")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d /tmp/tidings-media-shots.XXXXXX)
trap 'rm -rf "$work"' EXIT
video=""
if command -v ffmpeg >/dev/null; then
    video=$work/boat.mp4
    ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=640x360:rate=25:duration=6" \
        -f lavfi -i "sine=frequency=300:duration=6" -pix_fmt yuv420p -shortest "$video"
fi
mkdir -p "$out"
for theme in light dark; do
    "$here/pulse_run.sh" xvfb-run -a -s "-screen 0 1280x800x24" \
        "$build/tests/gui/tidings-media-screenshots" "$out" $theme $video
done
echo "screenshots in $out"
