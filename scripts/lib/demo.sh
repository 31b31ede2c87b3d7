# scripts/run --demo: the demo users alice and bob and their first conversation (sourced, not
# executed). Everything goes through tidings-cli with each user's own profile, so the messages,
# the photo and the voice note are end-to-end encrypted like any other and the desktop windows
# open on a conversation that already happened.
# shellcheck shell=bash

# Uses: $cli, $server_url, $data_dir (set by scripts/run), log/die from common.sh.
# shellcheck disable=SC2154

demo_password() { printf 'demo-password-%s' "$1"; }
demo_profile() { printf '%s/demo/%s' "$data_dir" "$1"; }

# tidings-cli as USER: demo_cli USER COMMAND ARGS...
demo_cli() {
    local user="$1"
    shift
    "$cli" --profile "$(demo_profile "$user")" --server "$server_url" "$@"
}

# Registers USER with its own profile under DATA_DIR/demo (or logs in when the account exists).
demo_account() {
    local user="$1" profile
    profile="$(demo_profile "$user")"
    if [[ -e "$profile/.registered" ]]; then
        return 0
    fi
    mkdir -p "$profile"
    if demo_password "$user" | demo_cli "$user" register "$user" >/dev/null 2>&1 ||
        demo_password "$user" | demo_cli "$user" login "$user" >/dev/null; then
        touch "$profile/.registered"
        log "demo user $user: profile $profile, password $(demo_password "$user")"
    else
        die "cannot register or log in the demo user $user"
    fi
}

# The "id" of the one JSON line tidings-cli send printed (no jq or python needed).
demo_id() { sed -n 's/^{"id":"\([^"]*\)".*/\1/p' | head -n 1; }

# FROM sends TO a text; TO stores it (receive) so it is in both profiles before the windows open.
demo_say() {
    local from="$1" to="$2" text="$3"
    demo_cli "$from" send "$to" "$text" >/dev/null || return 1
    demo_cli "$to" receive --until-count 1 --wait-ms 10000 >/dev/null
}

# FROM sends TO a file (extra send options after the path); TO receives it and downloads it, as
# the desktop does by itself for a photo or a voice note that arrives while it runs.
demo_send_file() {
    local from="$1" to="$2" path="$3" sent id scratch
    shift 3
    sent="$(demo_cli "$from" send "$to" --file "$path" "$@")" || return 1
    id="$(demo_id <<<"$sent")"
    [[ -n "$id" ]] || return 1
    demo_cli "$to" receive --until-count 1 --wait-ms 10000 >/dev/null || return 1
    # The decrypted file stays in the receiver's profile; the copy download makes is not needed.
    scratch="$(mktemp -d "$data_dir/demo/download.XXXXXX")"
    demo_cli "$to" download "$id" --out "$scratch" >/dev/null
    local rc=$?
    rm -rf "$scratch"
    return "$rc"
}

demo_conversation() {
    local media="$TIDINGS_ROOT/resources/demo"
    demo_say alice bob "Hi Bob! Are we still on for Saturday?" &&
        demo_say bob alice "Yes! Where do we meet?" &&
        demo_send_file alice bob "$media/lake.jpg" \
            --caption "At the lake, like last year. This was the view this morning." &&
        demo_say bob alice "Wow, beautiful! I'll bring the sandwiches." &&
        demo_send_file bob alice "$media/voice-note.ogg" --voice &&
        demo_say alice bob "Perfect, see you there!" &&
        demo_cli bob read alice >/dev/null &&
        demo_cli alice read bob >/dev/null &&
        # The other's read receipt reached neither profile (they were offline): a history
        # refresh fetches the cursors, so the windows open with the read ticks.
        demo_cli alice history bob >/dev/null &&
        demo_cli bob history alice >/dev/null
}

# Registers alice and bob and, once, lets them write to each other. A failure is reported and
# the demo goes on with whatever exists (the clients still open).
demo_setup() {
    demo_account alice
    demo_account bob
    local marker="$data_dir/demo/.conversation"
    [[ -e "$marker" ]] && return 0
    log "demo: alice and bob write to each other (messages, a photo, a voice note)..."
    if demo_conversation; then
        touch "$marker"
        log "demo: conversation ready"
    else
        log "demo: the conversation could not be completed (see the error above)"
    fi
}
