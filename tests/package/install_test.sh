#!/usr/bin/env bash
# Install test of the Debian 12 packages (installers/linux/README.md): builds the three DEBs
# (tidings, tidings-server, tidings-cli), installs them with apt into a clean Debian 12 root made
# by debootstrap, runs each program, starts the service's command line as the account "tidings",
# checks /healthz, and has two tidings-cli users exchange a message. Prints the time of each step
# and "install → first message: N s".
#
#   tests/package/install_test.sh BUILD_DIR             configure (if needed), build, cpack, test
#   tests/package/install_test.sh --no-build BUILD_DIR  test the BUILD_DIR/*.deb already built
#
# Logs (apt install with a time stamp per line, tidingsd's output) are kept in
# BUILD_DIR/install-test/. Run as root (debootstrap, chroot, mount). Not part of ctest or CI: the first run downloads a
# Debian base system (cached as /var/cache/tidings-install-test/bookworm-base.tar.zst) and the
# packages' dependencies (cached in /var/cache/tidings-install-test/archives).
set -euo pipefail

usage() {
    echo "usage: $0 [--no-build] BUILD_DIR" >&2
    exit 2
}

build=1
if [[ ${1:-} == --no-build ]]; then
    build=0
    shift
fi
[[ $# -eq 1 ]] || usage
[[ $(id -u) -eq 0 ]] || { echo "$0: run as root (debootstrap, chroot, mount)" >&2; exit 2; }

src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1"
builddir=$(cd "$1" && pwd)
cache=/var/cache/tidings-install-test
base_tar=$cache/bookworm-base.tar.zst
suite=bookworm
for tool in debootstrap zstd curl chroot mount umount findmnt; do
    command -v "$tool" >/dev/null || { echo "$0: $tool is missing (apt install $tool)" >&2; exit 2; }
done

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
declare -a report=()
step() { # step NAME START: one line of the summary
    local t
    t=$(since "$2")
    report+=("$(printf '%-44s %7s s' "$1" "$t")")
    echo "== $1: $t s"
}

# --- (a) the packages ---------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
    t=$(now)
    if [[ ! -f $builddir/CMakeCache.txt ]]; then
        nice -n 10 cmake -S "$src" -B "$builddir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_SKIP_INSTALL_ALL_DEPENDENCY=ON \
            -DTIDINGS_BUILD_TESTS=OFF -DTIDINGS_BUILD_BENCH=OFF
    fi
    nice -n 10 cmake --build "$builddir" --target tidings tidingsd tidings-cli tidings-admin
    rm -f "$builddir"/tidings*_*.deb
    (cd "$builddir" && nice -n 10 cpack -G DEB)
    step "build + cpack" "$t"
fi
debs=()
for p in tidings tidings-server tidings-cli; do
    f=$(find "$builddir" -maxdepth 1 -name "${p}_*_*.deb" | sort | tail -n 1)
    [[ -n $f ]] || { echo "$0: no ${p}_*.deb in $builddir" >&2; exit 1; }
    debs+=("$f")
done
for f in "${debs[@]}"; do
    report+=("$(printf '%-44s %7s KiB' "size $(basename "$f")" $(( $(stat -c %s "$f") / 1024 )))")
done

# --- (b) a clean Debian 12 root -----------------------------------------------------------------
# The machine's apt sources: the first Debian mirror they name is debootstrap's.
apt_sources=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && grep -Eq '^[^#]*(deb\.debian\.org|debian\.org/debian|/debian(-security)?/?( |$))' "$f" \
        && apt_sources+=("$f")
done
[[ ${#apt_sources[@]} -gt 0 ]] || { echo "$0: no Debian source in /etc/apt/sources.list*" >&2; exit 1; }
mirror=$(grep -hv '^[[:space:]]*#' "${apt_sources[@]}" | grep -Eo '(https?://[^ ]*/debian)/?( |$)' \
    | head -n 1 | tr -d ' ')
mirror=${mirror%/}
mkdir -p "$cache/archives/partial"
if [[ ! -f $base_tar ]]; then
    t=$(now)
    tmpbase=$(mktemp -d /var/tmp/tidings-debootstrap.XXXXXX)
    # No mounts are left by debootstrap once it has finished; on failure, what it mounted goes.
    trap 'umount -R "$tmpbase/proc" "$tmpbase/sys" 2>/dev/null || true; rm -rf "$tmpbase"' EXIT
    chmod 0755 "$tmpbase"
    nice -n 10 debootstrap --variant=minbase "$suite" "$tmpbase" "$mirror"
    tar -C "$tmpbase" --numeric-owner -cf - . | zstd -q -T0 -o "$base_tar.tmp"
    mv "$base_tar.tmp" "$base_tar"
    rm -rf "$tmpbase"
    trap - EXIT
    step "debootstrap $suite (cached from now on)" "$t"
fi

root=$(mktemp -d /var/tmp/tidings-install-root.XXXXXX)
data=/var/tmp/tidingsd-install-test # inside the root: the throwaway data directory
server_pid=
cleanup() {
    local rc=$?
    set +e
    # tidingsd stops its PostgreSQL on SIGTERM.
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        for _ in $(seq 1 150); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid"
    fi
    # A cluster left running (tidingsd killed): pg_ctl stops it.
    if [[ -f $root$data/db/pgdata/postmaster.pid ]]; then
        # shellcheck disable=SC2016 # expanded by the root's sh
        chroot --userspec=tidings:tidings "$root" sh -c \
            'for b in /usr/lib/postgresql/*/bin/pg_ctl; do "$b" -D '"$data"'/db/pgdata -m immediate -w stop; done'
    fi
    # Whatever else still runs in the root (started by this script): by its process id.
    local p
    for p in /proc/[0-9]*; do
        [[ $(readlink "$p/root" 2>/dev/null) == "$root" ]] && kill -KILL "${p#/proc/}" 2>/dev/null
    done
    sleep 0.2
    # The logs outlive the root.
    mkdir -p "$builddir/install-test"
    cp "$root"/tmp/*.log "$root"/tmp/tidingsd.* "$builddir/install-test/" 2>/dev/null
    local m
    for m in var/cache/apt/archives dev proc sys; do
        mountpoint -q "$root/$m" && umount -R "$root/$m"
    done
    if findmnt -rn -o TARGET | grep -q "^$root"; then
        echo "$0: mounts left under $root:" >&2
        findmnt -rn -o TARGET | grep "^$root" >&2
    else
        rm -rf "$root"
    fi
    exit $rc
}
trap cleanup EXIT INT TERM

t=$(now)
zstd -q -dc "$base_tar" | tar -C "$root" --numeric-owner -xf -
chmod 0755 "$root" # the root's /, not mktemp's 0700: postgres, _apt and tidings traverse it
mount -t proc proc "$root/proc"
mount -t sysfs -o ro sysfs "$root/sys"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for n in null zero full random urandom tty; do
    touch "$root/dev/$n"
    mount --bind "/dev/$n" "$root/dev/$n"
done
mkdir "$root/dev/shm" "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm" # PostgreSQL's shared memory
ln -s /proc/self/fd "$root/dev/fd"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's apt sources and its Acquire settings (proxy, snapshot dates).
rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
for f in "${apt_sources[@]}"; do cp "$f" "$root/etc/apt/sources.list.d/$(basename "$f")"; done
for f in /etc/apt/apt.conf.d/*; do
    grep -q '^[^/]*Acquire::' "$f" 2>/dev/null && cp "$f" "$root/etc/apt/apt.conf.d/"
done
# Keep the downloaded packages for the next run; start no services in the root.
echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' >"$root/etc/apt/apt.conf.d/01keep-debs"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/debs"
cp "${debs[@]}" "$root/tmp/debs/"
step "unpack the base root, mounts" "$t"

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root "$@"; }

t=$(now)
in_root apt-get -q update
step "apt-get update" "$t"

# --- (c) install ----------------------------------------------------------------------------
cached=$(find "$cache/archives" -maxdepth 1 -name '*.deb' | wc -l)
t_install=$(now)
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    /tmp/debs/"$(basename "${debs[0]}")" /tmp/debs/"$(basename "${debs[1]}")" \
    /tmp/debs/"$(basename "${debs[2]}")" \
    | while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done >"$root/tmp/apt-install.log"
step "apt install (${cached} .debs cached before)" "$t_install"
grep -E '^[0-9]+ (Need to get|After this operation|[0-9]+ upgraded)' "$root/tmp/apt-install.log" \
    | cut -d' ' -f2- || true
# Where the time went: the five longest waits, each after the line that started it.
awk 'NR > 1 { printf "%5d s after: %s\n", $1 - prev, line } { prev = $1; line = $0 }' \
    "$root/tmp/apt-install.log" | sort -rn | sed -n 1,5p | cut -c1-150
in_root getent passwd tidings
in_root dpkg-query -W tidings tidings-server tidings-cli
# shellcheck disable=SC2016 # dpkg-query's ${field}s
conffiles=$(in_root dpkg-query -W -f='${Conffiles}' tidings-server)
[[ $conffiles == *" /etc/tidings/tidingsd.conf "* ]] \
    || { echo "$0: /etc/tidings/tidingsd.conf is not a conffile" >&2; exit 1; }
# shellcheck disable=SC2016
in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version} (recommended)\n' postgresql

# --- (d) the programs run ---------------------------------------------------------------------
t=$(now)
in_root tidingsd --version
in_root env QT_QPA_PLATFORM=offscreen tidings --version
rc=0
in_root tidings-cli --help 2>"$root/tmp/cli-help.txt" || rc=$?
grep -q '^usage: tidings-cli' "$root/tmp/cli-help.txt" || { cat "$root/tmp/cli-help.txt"; exit 1; }
echo "tidings-cli --help: usage printed (exit status $rc)"
in_root tidingsd --check-config /etc/tidings/tidingsd.conf
in_root env QT_QPA_PLATFORM=offscreen tidings-admin --help >/dev/null
step "--version, --help, --check-config" "$t"

# --- (e) the service's command line, as the unit runs it ---------------------------------------
unit=$root/lib/systemd/system/tidingsd.service
[[ -f $unit ]] || unit=$root/usr/lib/systemd/system/tidingsd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
user=$(sed -n 's/^User=//p' "$unit")
[[ -n $exec_start && -n $user ]] || { echo "$0: no ExecStart/User in $unit" >&2; exit 1; }
echo "ExecStart: $exec_start (User=$user), with --data-dir $data --listen 127.0.0.1:0"
in_root install -d -o "$user" -g "$user" -m 0750 "$data"
t=$(now)
# shellcheck disable=SC2086 # the unit's command line, split as systemd splits this simple one
chroot --userspec="$user:$user" "$root" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    $exec_start --data-dir "$data" --listen 127.0.0.1:0 \
    >"$root/tmp/tidingsd.out" 2>"$root/tmp/tidingsd.err" &
server_pid=$!
url=
for _ in $(seq 1 1200); do
    url=$(sed -n 's/^tidingsd listening on \(ws:\/\/.*\)$/\1/p' "$root/tmp/tidingsd.out")
    [[ -n $url ]] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [[ -z $url ]]; then
    echo "$0: tidingsd did not print its ready line" >&2
    cat "$root/tmp/tidingsd.err" >&2
    exit 1
fi
step "tidingsd ready (initdb, migrations) at $url" "$t"
health=$(curl -sS -o "$root/tmp/healthz" -w '%{http_code}' "http://${url#ws://}/healthz")
echo "GET /healthz: $health $(cat "$root/tmp/healthz")"
[[ $health == 200 ]] || exit 1
# The admin socket, as the server's account reaches it.
chroot --userspec="$user:$user" "$root" env -i PATH=/usr/bin:/bin LANG=C.UTF-8 \
    tidings-admin --data-dir "$data" status

# --- (f) two users, one message ------------------------------------------------------------------
t=$(now)
cli() { in_root tidings-cli --profile "/var/tmp/cli-$1" "${@:2}"; }
echo "password-alice-1" | cli alice --server "$url" register alice
echo "password-bob-22" | cli bob --server "$url" register bob
text="hello from the install test $(date +%s)"
cli alice send bob "$text"
cli bob receive --until-count 1 --wait-ms 30000 | tee "$root/tmp/received"
grep -qF "\"text\":\"$text\"" "$root/tmp/received" || { echo "$0: bob did not receive it" >&2; exit 1; }
step "register alice and bob, send, receive" "$t"
step "install → first message" "$t_install"

echo
echo "Summary ($(basename "${debs[0]}"), $(basename "${debs[1]}"), $(basename "${debs[2]}")):"
printf '  %s\n' "${report[@]}"
echo "install → first message: $(awk -v a="$t_install" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s"
