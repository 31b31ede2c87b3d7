# Shared by scripts/run and scripts/test (sourced, not executed).
# shellcheck shell=bash

# Everything needed to build, test and run Tidings on Debian 12 (bookworm).
TIDINGS_APT_PACKAGES=(
    qt6-base-dev qt6-websockets-dev qt6-httpserver-dev qt6-multimedia-dev qt6-svg-dev
    qt6-tools-dev qt6-l10n-tools qt6-image-formats-plugins qt6-qpa-plugins libqt6sql6-sqlite
    qtkeychain-qt6-dev libsecret-1-0 libsodium-dev libpq-dev postgresql libprotobuf-dev
    protobuf-compiler xvfb xauth ninja-build pkgconf cmake g++ fonts-dejavu-core
    clang libclang-rt-14-dev libssl-dev
    # Qt Multimedia's GStreamer backend: decoding and playing voice notes (Ogg/Opus), audio and
    # video; without the plugins a voice note cannot even be measured (scripts/run --demo sends one).
    gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-libav
)

TIDINGS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TIDINGS_BUILD_DIR="$TIDINGS_ROOT/build" # the "default" preset of CMakePresets.json

log() { printf '%s: %s\n' "${TIDINGS_SCRIPT:-tidings}" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

now() { date +%s.%N; }
# elapsed START -> "12.3s"
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

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

# Configures ./build with the "default" preset unless it is configured already (ninja re-runs
# CMake by itself when a CMakeLists.txt changes).
ensure_configured() {
    if [[ -f "$TIDINGS_BUILD_DIR/build.ninja" && -f "$TIDINGS_BUILD_DIR/CMakeCache.txt" ]]; then
        return 0
    fi
    log "configuring $TIDINGS_BUILD_DIR (preset default)"
    (cd "$TIDINGS_ROOT" && cmake --preset default) || die "cmake configure failed"
}

# Prints the comment block at the top of a script (after the #! line) as its help text.
print_help() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"; }

build_jobs() { nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2; }
