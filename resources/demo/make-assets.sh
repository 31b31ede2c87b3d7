#!/usr/bin/env bash
# Remakes the demo photo and voice note of `scripts/run --demo` (both are in the repository; run
# this only to change them). Needs g++, qt6-base-dev, espeak-ng and gst-launch-1.0
# (gstreamer1.0-tools, -plugins-base): nothing is downloaded.
#
#   lake.jpg        a lake at sunrise, drawn with QPainter by render_photo.cpp
#   voice-note.ogg  bob's voice note: espeak-ng's speech, Ogg/Opus at 24 kbit/s (as the desktop
#                   records them)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2046 # pkg-config prints several words on purpose
g++ -std=c++20 -O1 -fPIC "$here/render_photo.cpp" $(pkg-config --cflags --libs Qt6Gui) \
    -o "$tmp/render_photo"
"$tmp/render_photo" "$here/lake.jpg"

espeak-ng -v en-us+m3 -s 150 -p 45 -w "$tmp/voice.wav" \
    "Hi Alice! The photo is beautiful. I will bring the sandwiches. See you at the lake on Saturday!"
gst-launch-1.0 -q filesrc location="$tmp/voice.wav" ! wavparse ! audioconvert ! audioresample ! \
    audio/x-raw,rate=48000 ! opusenc bitrate=24000 ! oggmux ! filesink location="$here/voice-note.ogg"
ls -l "$here/lake.jpg" "$here/voice-note.ogg"
