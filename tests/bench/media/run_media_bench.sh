#!/usr/bin/env bash
# The media benchmarks of docs/PERFORMANCE.md ("Media"), each run RUNS times (default 3), each
# run started once the machine is quiet enough (1-minute load below MAX_LOAD, waiting at most
# WAIT_S seconds; the load is printed with every line either way).
#
#   tests/bench/media/run_media_bench.sh BUILD_DIR [disk] [throughput] [preview] [chat]
#   MIB=1024 RUNS=3 MAX_LOAD=2 WAIT_S=1800 tests/bench/media/run_media_bench.sh build throughput
#
# disk:        this machine's raw write speed on the filesystem of /tmp (where the benchmarks
#              keep their files): dd of 1 GiB with conv=fdatasync, and in 4 MiB synchronous writes
#              (oflag=dsync: the server's pattern, one fdatasync per chunk)
# throughput:  tidings-media-throughput --mib $MIB (disk figures before each run)
# preview:     tidings-media-preview --sends 5 (offscreen)
# chat:        tidings-media-chat on a copy of a profile seeded once into $CHAT_PROFILE
set -euo pipefail

BUILD=${1:?usage: run_media_bench.sh BUILD_DIR [disk] [throughput] [preview] [chat]}
shift
BENCH="$BUILD/tests/bench/media"
RUNS=${RUNS:-3}
MIB=${MIB:-1024}
MAX_LOAD=${MAX_LOAD:-2}
WAIT_S=${WAIT_S:-1800}
CHAT_PROFILE=${CHAT_PROFILE:-/tmp/tidings-media-chat-profile}
export QT_QPA_PLATFORM=offscreen
XDG_RUNTIME_DIR=$(mktemp -d)
export XDG_RUNTIME_DIR
trap 'rm -rf "$XDG_RUNTIME_DIR"' EXIT

load1() { cut -d' ' -f1 /proc/loadavg; }

quiet() {
    local waited=0
    while awk -v l="$(load1)" -v m="$MAX_LOAD" 'BEGIN { exit !(l >= m) }'; do
        if ((waited >= WAIT_S)); then
            echo "# load $(load1) still >= $MAX_LOAD after ${WAIT_S}s: measuring anyway" >&2
            return
        fi
        sleep 10
        waited=$((waited + 10))
    done
}

disk() {
    local f
    f=$(mktemp /tmp/tidings-dd-XXXXXX)
    local a b
    a=$(dd if=/dev/zero of="$f" bs=1M count=1024 conv=fdatasync 2>&1 | tail -1)
    rm -f "$f"
    b=$(dd if=/dev/zero of="$f" bs=4M count=256 oflag=dsync 2>&1 | tail -1)
    rm -f "$f"
    echo "{\"disk_fdatasync\":\"${a##*, }\",\"disk_4m_dsync\":\"${b##*, }\",\"load\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}"
}

(($# > 0)) || set -- disk throughput preview chat
for what in "$@"; do
    for ((i = 1; i <= RUNS; ++i)); do
        quiet
        case $what in
        disk) disk ;;
        throughput)
            disk
            "$BENCH/tidings-media-throughput" --mib "$MIB" --runs 1 2>/dev/null
            ;;
        preview) "$BENCH/tidings-media-preview" --sends 5 2>/dev/null | tail -1 ;;
        chat)
            [[ -f "$CHAT_PROFILE/client.sqlite" ]] ||
                "$BENCH/tidings-media-chat" --profile "$CHAT_PROFILE" --seed 2>/dev/null
            rm -rf "$CHAT_PROFILE.run" && cp -a "$CHAT_PROFILE" "$CHAT_PROFILE.run"
            "$BENCH/tidings-media-chat" --profile "$CHAT_PROFILE.run" 2>/dev/null
            rm -rf "$CHAT_PROFILE.run"
            ;;
        *)
            echo "unknown benchmark: $what" >&2
            exit 2
            ;;
        esac
    done
done
