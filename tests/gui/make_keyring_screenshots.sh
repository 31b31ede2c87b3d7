#!/usr/bin/env bash
# Makes docs/screenshots/keyring-wait-{light,dark}.png: the desktop app on a new profile under
# Xvfb, in a private D-Bus session whose gnome-keyring has no keyring yet. The keyring asks for
# the password of a new keyring in a window of its own (gcr-prompter, to the right); Tidings shows
# that it waits for it. The picture is Tidings' window only.
#
#   tests/gui/make_keyring_screenshots.sh BUILD_DIR [OUT_DIR]      (OUT_DIR: docs/screenshots)
#
# Needs: xvfb xauth dbus-daemon gnome-keyring imagemagick.
set -euo pipefail
build=$(realpath "$1")
out=$(realpath -m "${2:-docs/screenshots}")
work=$(mktemp -d /tmp/tidings-keyring-shots.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
for theme in light dark; do
    dir=$work/$theme
    mkdir -p "$dir/home" "$dir/run"
    chmod 700 "$dir/run"
    # The app is stopped by the inner shell, which then ends normally: dbus-run-session stops the
    # bus and with it the keyring daemon and the prompter.
    HOME=$dir/home XDG_RUNTIME_DIR=$dir/run xvfb-run -a -s "-screen 0 1280x800x24" \
        dbus-run-session -- bash -c '
            "$1" --profile "$2/profile" --theme "$3" --keyring-wait-ms 2000 & app=$!
            sleep 5
            import -window root "$2/screen.png"
            kill $app
            wait $app || true' shot "$build/app/tidings" "$dir" "$theme" 2>"$dir/log" ||
        { cat "$dir/log" >&2; exit 1; }
    # Without a window manager the window sits at the top left, at its default size, above the
    # keyring's prompt because it is shown later (--keyring-wait-ms 2000).
    convert "$dir/screen.png" -crop 640x460+0+0 +repage "$out/keyring-wait-$theme.png"
    echo "$out/keyring-wait-$theme.png"
done
