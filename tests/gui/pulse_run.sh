#!/usr/bin/env bash
# pulse_run.sh COMMAND [ARGS...]
# Runs COMMAND with a private PulseAudio server, so audio playback and voice-note recording run
# for real on a headless machine: a null sink plays into nothing, and the default microphone is a
# test source that hears noise (pacat feeds /dev/urandom into a second null sink, whose monitor
# is remapped into an ordinary source: Qt lists no monitors as microphones, and GStreamer's
# pulsesrc gets no data from module-sine-source). TIDINGS_TEST_MICROPHONE=noise tells the tests
# that the microphone is not silent. The server lives in a throwaway XDG_RUNTIME_DIR and ends
# with the command; the command's exit status is the script's.
# Needs (Debian 12): pulseaudio pulseaudio-utils, and for Qt Multimedia's GStreamer backend
# gstreamer1.0-plugins-base gstreamer1.0-plugins-good (pulsesrc/pulsesink, Opus, Ogg).
set -u
[ $# -ge 1 ] || { echo "usage: pulse_run.sh COMMAND [ARGS...]" >&2; exit 2; }
for tool in pulseaudio pactl pacat; do
    command -v $tool >/dev/null || { echo "pulse_run.sh: $tool is not installed" >&2; exit 2; }
done
runtime=$(mktemp -d)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime HOME=${HOME:-$runtime}
pulseaudio -n --daemonize=no --exit-idle-time=-1 --disable-shm=yes \
    -L "module-native-protocol-unix auth-anonymous=1" \
    -L "module-null-sink sink_name=speakers" \
    -L "module-null-sink sink_name=room" \
    -L "module-remap-source source_name=microphone master=room.monitor" \
    >"$runtime/pulse.log" 2>&1 &
pulse=$!
noise=""
cleanup() {
    [ -n "$noise" ] && kill "$noise" 2>/dev/null
    kill $pulse 2>/dev/null
    wait 2>/dev/null
    rm -rf "$runtime"
}
trap cleanup EXIT
up=""
for _ in $(seq 1 100); do
    pactl info >/dev/null 2>&1 && { up=1; break; }
    kill -0 $pulse 2>/dev/null || break
    sleep 0.1
done
if [ -z "$up" ]; then
    echo "pulse_run.sh: PulseAudio did not start:" >&2
    cat "$runtime/pulse.log" >&2
    exit 2
fi
pactl set-default-sink speakers
pactl set-default-source microphone
# Noise at about a quarter of full scale, for as long as the command runs.
pacat --playback --device=room --format=s16le --rate=16000 --channels=1 --volume=40000 \
    --latency-msec=20 \
    </dev/urandom &
noise=$!
# The first client that records from a fresh null sink's monitor waits for the sink's first
# block (about 2 s here): take that wait now, or a test's first recording would miss its start.
timeout 10 pacat --record --device=microphone --format=s16le --rate=16000 --channels=1 \
    --latency-msec=20 2>/dev/null | head -c 3200 >/dev/null
export TIDINGS_TEST_MICROPHONE=noise
"$@"
