#!/usr/bin/env bash
# keyring_run.sh COMMAND [ARGS...]
# Runs COMMAND in a private D-Bus session with an unlocked gnome-keyring (Secret Service), so
# that QtKeychain works on a headless machine, and with a throwaway HOME (the keyring's files).
# Without such a session QtKeychain fails at once, or, under xvfb-run, can hang forever.
# Needs: dbus-daemon gnome-keyring libsecret-1-0.
set -u
[ $# -ge 1 ] || { echo "usage: keyring_run.sh COMMAND [ARGS...]" >&2; exit 2; }
exec dbus-run-session -- bash -c '
  home=$(mktemp -d) runtime=$(mktemp -d)
  trap "rm -rf \"$home\" \"$runtime\"" EXIT
  chmod 700 "$runtime"
  export HOME=$home XDG_RUNTIME_DIR=$runtime
  eval "$(printf pw | gnome-keyring-daemon --unlock --components=secrets)" >/dev/null
  "$@"' keyring_run "$@"
