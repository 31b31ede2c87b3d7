# Shared by scripts/run and scripts/test (sourced, not executed).
# shellcheck shell=bash

# Everything needed to build, test and run Tidings on Debian 12 (bookworm).
#   media:  Qt 6.4 Multimedia plays and probes through GStreamer: WAV and Ogg/Opus need
#           plugins-base/-good, H.264 in MP4 needs libav; the media tests make their inputs with
#           ffmpeg (without these their audio and video cases skip).
#   keyring: gnome-keyring and dbus-daemon (dbus-run-session) give test_gui_secrets_keyring a
#           real Secret Service; without them that test is not registered.
#   CI:     clang with libclang-rt-14-dev (ASan, UBSan and libFuzzer for clang 14), llvm
#           (llvm-symbolizer: names in sanitizer reports), lld (the linker cmake/TidingsBuild.cmake
#           prefers), clang-format (the format step), git (the file list of the format step).
TIDINGS_APT_PACKAGES=(
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-multimedia-dev qt6-svg-dev
    qt6-tools-dev qt6-l10n-tools qt6-image-formats-plugins qt6-qpa-plugins libqt6sql6-sqlite
    qtkeychain-qt6-dev libsecret-1-0 libsodium-dev libjpeg62-turbo-dev libpq-dev postgresql
    libprotobuf-dev protobuf-compiler xvfb xauth ninja-build pkgconf cmake g++ fonts-dejavu-core
    clang libclang-rt-14-dev llvm lld clang-format git libssl-dev
    # Qt Multimedia's GStreamer backend: decoding and playing voice notes (Ogg/Opus), audio and
    # video; without the plugins a voice note cannot even be measured (scripts/run --demo sends one).
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav ffmpeg
    # the real-keyring test
    gnome-keyring dbus-daemon
    # a cluster (issue 14): libnats for tidingsd's bus; nats-server and haproxy for the cluster
    # tests, which start them themselves
    libnats-dev nats-server haproxy
)

TIDINGS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TIDINGS_BUILD_DIR="$TIDINGS_ROOT/build" # the "default" preset of CMakePresets.json

log() { printf '%s: %s\n' "${TIDINGS_SCRIPT:-tidings}" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

now() { date +%s.%N; }
# elapsed START -> "12.3s", or "754.2s (12m34s)" from a minute on
elapsed() {
    awk -v s="$1" -v e="$(now)" 'BEGIN { d = e - s; printf "%.1fs", d
        if (d >= 60) printf " (%dm%02ds)", int(d / 60), int(d) % 60 }'
}

# Installs the packages of TIDINGS_APT_PACKAGES that are missing (and only then runs apt-get
# update, once). Skipped with TIDINGS_SKIP_APT=1 or where there is no dpkg (not Debian).
ensure_packages() {
    if [[ "${TIDINGS_SKIP_APT:-0}" == 1 ]]; then
        log "TIDINGS_SKIP_APT=1: not checking packages"
        return 0
    fi
    if ! command -v dpkg-query >/dev/null 2>&1; then
        log "no dpkg-query: not a Debian system, skipping package installation"
        log "needed: ${TIDINGS_APT_PACKAGES[*]}"
        return 0
    fi
    local missing=() pkg status
    for pkg in "${TIDINGS_APT_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)"
        [[ "$status" == installed ]] || missing+=("$pkg")
    done
    if ((${#missing[@]} == 0)); then
        log "all ${#TIDINGS_APT_PACKAGES[@]} packages installed"
        return 0
    fi

    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null 2>&1 ||
            die "missing packages and not root (no sudo): apt-get install ${missing[*]}"
        sudo=(sudo)
        # Without a terminal nobody can type a password: fail instead of hanging.
        [[ -t 0 ]] || sudo=(sudo -n)
    fi
    local apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y
        -o DPkg::Lock::Timeout=300)
    log "installing ${#missing[@]} missing packages: ${missing[*]}"
    "${apt[@]}" update </dev/null || die "apt-get update failed"
    "${apt[@]}" install "${missing[@]}" </dev/null || die "apt-get install failed"
}

# The build directory of a preset of CMakePresets.json.
preset_dir() {
    case "$1" in
    default) echo "$TIDINGS_ROOT/build" ;;
    *) echo "$TIDINGS_ROOT/build-$1" ;;
    esac
}

# ensure_configured [PRESET]: configures the preset's build directory (default: ./build with the
# "default" preset) unless it is configured already (ninja re-runs CMake by itself when a
# CMakeLists.txt changes).
ensure_configured() {
    local preset="${1:-default}" dir
    dir="$(preset_dir "$preset")"
    if [[ -f "$dir/build.ninja" && -f "$dir/CMakeCache.txt" ]]; then
        return 0
    fi
    log "configuring $dir (preset $preset)"
    (cd "$TIDINGS_ROOT" && cmake --preset "$preset" </dev/null) || die "cmake configure failed"
}

# build_all DIR: builds every target of a configured build directory.
build_all() {
    cmake --build "$1" --parallel "$(build_jobs)" </dev/null || die "build failed in $1"
}

# build_fuzzers DIR: builds only the libFuzzer binaries of a TIDINGS_FUZZ build directory.
build_fuzzers() {
    cmake --build "$1" --parallel "$(build_jobs)" --target tidings_fuzzers </dev/null ||
        die "building the fuzzers failed in $1"
}

# Every tracked C++ source and header (or every one under the tree when it is not a git clone).
cxx_files() {
    (
        cd "$TIDINGS_ROOT" || exit 1
        # CI clones as another user than it runs as: safe.directory on the command line counts.
        if git -c safe.directory='*' rev-parse --is-inside-work-tree >/dev/null 2>&1; then
            git -c safe.directory='*' ls-files -z -- '*.cpp' '*.h' '*.hpp' '*.cc'
        else
            find shared server app tests -type f \( -name '*.cpp' -o -name '*.h' -o -name '*.hpp' \
                -o -name '*.cc' \) -print0
        fi
    )
}

# Fails listing every C++ file that clang-format (.clang-format) would change.
check_format() {
    local cf bad
    cf="$(command -v clang-format-14 || command -v clang-format)" ||
        die "clang-format is not installed (apt-get install clang-format)"
    # One clang-format for all files (fast); it names each file that differs in its diagnostics.
    bad="$(cd "$TIDINGS_ROOT" && cxx_files | xargs -0 -r "$cf" --dry-run -Werror --ferror-limit=1 2>&1 |
        sed -nE 's/^(.+):[0-9]+:[0-9]+: error: code should be clang-formatted.*/\1/p' | sort -u)" ||
        true
    if [[ -n "$bad" ]]; then
        log "these files are not clang-formatted (fix: clang-format -i FILE...):"
        printf '%s\n' "$bad" | sed 's/^/  /' >&2
        return 1
    fi
    log "$(cxx_files | tr -cd '\0' | wc -c) C++ files are clang-formatted ($("$cf" --version | grep -oE '[0-9]+\.[0-9.]+' | head -1))"
}

# Timing of the steps of a script: `timed NAME COMMAND...` runs COMMAND and records how long it
# took and whether it passed; timing_report (an EXIT trap) prints the table with the total, also
# when a step stopped the script.
timing_start() {
    TIDINGS_T0="$(now)"
    TIDINGS_TIMES=()
    TIDINGS_STEP=""
}
_timing_row() { printf '  %-18s %-16s  %s' "$1" "$2" "$3"; }
timed() {
    local name="$1" start rc=0
    shift
    start="$(now)"
    TIDINGS_STEP="$name"
    TIDINGS_STEP_START="$start"
    "$@" || rc=$?
    TIDINGS_STEP=""
    TIDINGS_TIMES+=("$(_timing_row "$name" "$(elapsed "$start")" \
        "$( ((rc == 0)) && echo passed || echo "FAILED (exit $rc)")")")
    return "$rc"
}
timing_report() {
    local rc=$? t
    if [[ -n "${TIDINGS_STEP:-}" ]]; then
        TIDINGS_TIMES+=("$(_timing_row "$TIDINGS_STEP" "$(elapsed "$TIDINGS_STEP_START")" \
            "STOPPED (exit $rc)")")
    fi
    {
        printf '%s: timing\n' "$TIDINGS_SCRIPT"
        for t in "${TIDINGS_TIMES[@]}"; do printf '%s\n' "$t"; done
        _timing_row total "$(elapsed "$TIDINGS_T0")" ""
        printf '\n'
    } >&2
    if ((rc == 0)); then
        log "PASSED in $(elapsed "$TIDINGS_T0")"
    else
        log "FAILED (exit $rc) after $(elapsed "$TIDINGS_T0")"
    fi
}

# Prints the comment block at the top of a script (after the #! line) as its help text.
print_help() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

build_jobs() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2; }
