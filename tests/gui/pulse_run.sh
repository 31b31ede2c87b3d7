#!/usr/bin/env bash
# pulse_run.sh COMMAND [ARGS...]
# Runs COMMAND with a private PulseAudio server that has a null sink (audio plays into nothing)
# and a null source as the default microphone (silence), so playback and voice-note recording
# work on a headless machine (environment.md). Qt 6.4's PulseAudio capture reads nothing at all
# from module-sine-source or a remapped sink monitor here (parecord does), so the microphone is
# silent: the test checks the recording, not its loudness. The server lives in a throwaway XDG_RUNTIME_DIR and ends
# with the command. Needs: pulseaudio, pulseaudio-utils.
set -u
[ $# -ge 1 ] || { echo "usage: pulse_run.sh COMMAND [ARGS...]" >&2; exit 2; }
runtime=$(mktemp -d)
chmod 700 "$runtime"
export XDG_RUNTIME_DIR=$runtime HOME=${HOME:-$runtime}
pulseaudio -n --daemonize=no --exit-idle-time=-1 --disable-shm=yes \
    -L "module-native-protocol-unix auth-anonymous=1" \
    -L "module-null-sink sink_name=nullsink" \
    -L "module-null-source source_name=nullsrc" \
    >"$runtime/pulse.log" 2>&1 &
pulse=$!
trap 'kill $pulse 2>/dev/null; wait $pulse 2>/dev/null; rm -rf "$runtime"' EXIT
for _ in $(seq 1 100); do
    pactl info >/dev/null 2>&1 && break
    sleep 0.1
done
pactl set-default-sink nullsink >/dev/null 2>&1
pactl set-default-source nullsrc >/dev/null 2>&1
"$@"
