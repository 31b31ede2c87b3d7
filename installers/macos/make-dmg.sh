#!/usr/bin/env bash
# Puts the two macOS apps together from a build tree and packs them on one disk image:
#   Tidings.app          the desktop client (Contents/MacOS/Tidings) with tidings-cli next to it
#   Tidings Server.app   the tray app tidings-admin (LSUIElement: no Dock icon) with tidingsd
#                        next to it, where the tray app looks for it (applicationDirPath)
# then macdeployqt (Qt frameworks and plugins, and the Homebrew dylibs, into each bundle),
# codesign, hdiutil, and optionally notarytool. See installers/macos/README.md.
#
# Usage: installers/macos/make-dmg.sh BUILD_DIR [OUT_DIR]        (OUT_DIR: BUILD_DIR/dmg)
#   CODESIGN_IDENTITY  "-" (default): ad-hoc signature, enough for this Mac; or a
#                      "Developer ID Application: NAME (TEAMID)" identity: hardened runtime and
#                      a timestamp, as notarization wants
#   NOTARY_PROFILE     a `xcrun notarytool store-credentials` profile: submit the DMG, staple it
#   MACDEPLOYQT        the macdeployqt of the Qt the build used (default: macdeployqt on PATH)
#   MIN_MACOS          LSMinimumSystemVersion of both apps (default: the plists' 11.0, Qt 6.4's
#                      floor); Homebrew's dylibs are built for the macOS of the machine that
#                      built them, so a DMG made with them needs at least that one
#
# Written for macOS and never run there (this project's CI is Linux only). On another system it
# stops after putting the bundles together (that part was checked on Debian 12).
set -euo pipefail

src="$(cd "$(dirname "$0")/../.." && pwd)"
build="${1:?usage: $0 BUILD_DIR [OUT_DIR]}"
build="$(cd "$build" && pwd)"
out="${2:-$build/dmg}"
identity="${CODESIGN_IDENTITY:--}"
version="$(sed -n 's/^project(Tidings VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")"
[ -n "$version" ] || { echo "make-dmg: no version in $src/CMakeLists.txt" >&2; exit 1; }

# Where the build puts the four programs (app/desktop sets tidings' output directory to app/).
client_bin="$build/app/tidings"
cli_bin="$build/app/tidings-cli"
admin_bin="$build/admin/tidings-admin"
server_bin="$build/server/tidingsd"
for f in "$client_bin" "$cli_bin" "$admin_bin" "$server_bin"; do
    [ -x "$f" ] || {
        echo "make-dmg: $f missing: build tidings tidings-cli tidings-admin tidingsd first" >&2
        exit 1
    }
done

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$out/root"
rm -rf "$stage"
mkdir -p "$stage"
client="$stage/Tidings.app"
server="$stage/Tidings Server.app"

# The icon: installers/macos/tidings.icns if someone committed one, else rendered from the SVG
# (needs rsvg-convert from Homebrew's librsvg, and iconutil), else none (the generic app icon).
icns=""
if [ -f "$src/installers/macos/tidings.icns" ]; then
    icns="$src/installers/macos/tidings.icns"
elif command -v rsvg-convert >/dev/null && command -v iconutil >/dev/null; then
    set_dir="$out/tidings.iconset"
    rm -rf "$set_dir"
    mkdir -p "$set_dir"
    for size in 16 32 128 256 512; do
        rsvg-convert -w "$size" -h "$size" "$src/resources/icons/tidings.svg" \
            -o "$set_dir/icon_${size}x${size}.png"
        rsvg-convert -w $((size * 2)) -h $((size * 2)) "$src/resources/icons/tidings.svg" \
            -o "$set_dir/icon_${size}x${size}@2x.png"
    done
    iconutil -c icns "$set_dir" -o "$out/tidings.icns"
    icns="$out/tidings.icns"
else
    echo "make-dmg: no tidings.icns and no rsvg-convert/iconutil: the apps get no icon" >&2
fi

set_version() { # PLIST: the project's version, and MIN_MACOS if given
    if command -v plutil >/dev/null; then
        plutil -replace CFBundleShortVersionString -string "$version" "$1"
        plutil -replace CFBundleVersion -string "$version" "$1"
        if [ -n "${MIN_MACOS:-}" ]; then
            plutil -replace LSMinimumSystemVersion -string "$MIN_MACOS" "$1"
        fi
    else
        python3 - "$1" "$version" "${MIN_MACOS:-}" <<'PY'
import plistlib, sys
path, version, min_macos = sys.argv[1:4]
with open(path, "rb") as f:
    d = plistlib.load(f)
d["CFBundleShortVersionString"] = d["CFBundleVersion"] = version
if min_macos:
    d["LSMinimumSystemVersion"] = min_macos
with open(path, "wb") as f:
    plistlib.dump(d, f)
PY
    fi
}

make_bundle() { # BUNDLE INFO_PLIST
    mkdir -p "$1/Contents/MacOS" "$1/Contents/Resources"
    cp "$2" "$1/Contents/Info.plist"
    set_version "$1/Contents/Info.plist"
    printf 'APPL????' >"$1/Contents/PkgInfo"
    if [ -n "$icns" ]; then
        cp "$icns" "$1/Contents/Resources/tidings.icns"
    fi
}

make_bundle "$client" "$src/installers/macos/Tidings-Info.plist"
cp "$client_bin" "$client/Contents/MacOS/Tidings"
cp "$cli_bin" "$client/Contents/MacOS/tidings-cli"

make_bundle "$server" "$src/installers/macos/TidingsServer-Info.plist"
cp "$admin_bin" "$server/Contents/MacOS/tidings-admin"
cp "$server_bin" "$server/Contents/MacOS/tidingsd"
cp "$src/docs/OPERATIONS.md" "$server/Contents/Resources/OPERATIONS.md"

if [ "$(uname -s)" != Darwin ]; then
    echo "make-dmg: not macOS: stopping before macdeployqt; the bundles are in $stage"
    exit 0
fi

# Qt's frameworks and plugins (cocoa, macstyle, tls, sqldrivers/qsqlite, iconengines/qsvgicon,
# imageformats, multimedia) and every non-system dylib the programs load (Homebrew's protobuf,
# abseil, libsodium, libpq, OpenSSL, jpeg-turbo) go into each bundle's Frameworks/ and PlugIns/;
# -executable fixes up the second program of each bundle as well. Each bundle carries its own
# copy of Qt (two apps that can be moved independently).
mdq="${MACDEPLOYQT:-macdeployqt}"
if [ "$identity" = "-" ]; then
    sign=(-codesign=-)
else
    sign=(-sign-for-notarization="$identity") # hardened runtime + secure timestamp
fi
"$mdq" "$client" -executable="$client/Contents/MacOS/tidings-cli" "${sign[@]}"
"$mdq" "$server" -executable="$server/Contents/MacOS/tidingsd" "${sign[@]}"

if [ "$identity" != "-" ]; then
    # The client again, now with its entitlements (the microphone under the hardened runtime);
    # the nested code macdeployqt signed stays as it is.
    codesign --force --options runtime --timestamp \
        --entitlements "$src/installers/macos/Tidings.entitlements" --sign "$identity" "$client"
fi

# Nothing may still point into Homebrew: on a Mac without it the program would not start.
leftover="$(find "$stage" -type f \( -perm -u+x -o -name '*.dylib' \) -print0 |
    xargs -0 otool -L 2>/dev/null | grep -E '^[[:space:]]+(/opt/homebrew|/usr/local)/' || true)"
if [ -n "$leftover" ]; then
    echo "make-dmg: still linked against Homebrew:" >&2
    echo "$leftover" >&2
    exit 1
fi
codesign --verify --deep --strict --verbose=1 "$client"
codesign --verify --deep --strict --verbose=1 "$server"

ln -s /Applications "$stage/Applications"
dmg="$out/Tidings-$version.dmg"
rm -f "$dmg"
hdiutil create -volname "Tidings $version" -srcfolder "$stage" -ov -format UDZO "$dmg"
if [ "$identity" != "-" ]; then
    codesign --sign "$identity" --timestamp "$dmg"
fi
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
fi
echo "$dmg"
