#!/bin/sh
# Runs one test of a sanitizer build (TIDINGS_SANITIZE); ctest calls it for every test.
#
#   sanitized_test.sh LSAN_SUPPRESSIONS REPORT_DIR COMMAND [ARGS...]
#
# Every instrumented process the test starts (the test itself, and the tidingsd and tidings-cli
# it spawns) writes its sanitizer reports to REPORT_DIR/report.<exe>.<pid> instead of stderr, so a
# report from a child process whose exit status the test does not look at (a leak found when
# tidingsd exits) still fails the test. The reports are printed after the test and kept.
# PostgreSQL, runuser and the other uninstrumented programs ignore these variables. Options in
# the caller's ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS come last and win.
#
# Qt, GLib and the other system libraries have no frame pointers, so the fast unwinder ends an
# allocation's stack in the first of them: too short to tell whose leak it is. Unwinding every
# allocation the slow way makes the suite several times slower, so only a test that produced a
# report runs a second time that way (TIDINGS_SANITIZER_RERUN=0 skips it), for the full stacks.
supp=$1
reports=$2
shift 2
rm -rf "$reports"
mkdir -p "$reports" || exit 1

run() { # run REPORT_PREFIX EXTRA_ASAN_OPTIONS ARGS...
    log="log_path=$1:log_exe_name=1"
    extra=$2
    shift 2
    ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:$extra$log${USER_ASAN_OPTIONS:+:$USER_ASAN_OPTIONS}" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:$log${USER_UBSAN_OPTIONS:+:$USER_UBSAN_OPTIONS}" \
    LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${USER_LSAN_OPTIONS:+:$USER_LSAN_OPTIONS}" \
        "$COMMAND" "$@"
}
USER_ASAN_OPTIONS=${ASAN_OPTIONS:-}
USER_UBSAN_OPTIONS=${UBSAN_OPTIONS:-}
USER_LSAN_OPTIONS=${LSAN_OPTIONS:-}

# print_reports PREFIX TITLE: prints PREFIX.* and says whether there were any.
print_reports() {
    found=1
    for f in "$1".*; do
        [ -f "$f" ] || continue
        found=0
        printf '\n==== %s: %s\n' "$2" "$f" >&2
        cat "$f" >&2
    done
    return $found
}

COMMAND=$1
shift
run "$reports/report" "" "$@"
rc=$?

# A report that is only LeakSanitizer failing inside itself ("Tracer caught signal": its
# stop-the-world thread crashed while the test's threads were exiting) says nothing about our
# code: such a test counts as passed if the same test then runs through cleanly, leak check and
# all. Seen in test_gui_media (2026-12-05), whose multimedia threads end as the process exits.
lsan_internal_only() {
    for f in "$reports"/report.*; do
        [ -f "$f" ] || continue
        grep -q 'LeakSanitizer has encountered a fatal error' "$f" || return 1
        grep -q 'Tracer caught signal' "$f" || return 1
        grep -q 'ERROR: \(Address\|Leak\|UndefinedBehavior\)Sanitizer' "$f" && return 1
    done
    return 0
}

if print_reports "$reports/report" "sanitizer report"; then
    [ "$rc" = 0 ] && rc=1
    if [ "${TIDINGS_SANITIZER_RERUN:-1}" != 0 ]; then
        printf '\nsanitized_test.sh: running the test again with full stacks (slow unwinder)\n' >&2
        run "$reports/full-stacks" "fast_unwind_on_malloc=0:malloc_context_size=40:" "$@" \
            >"$reports/rerun-output.txt" 2>&1
        rerun_rc=$?
        if print_reports "$reports/full-stacks" "the same test again, full stacks"; then
            :
        else
            printf 'sanitized_test.sh: the second run had no report (its output: %s)\n' \
                "$reports/rerun-output.txt" >&2
            if [ "$rerun_rc" = 0 ] && lsan_internal_only; then
                printf 'sanitized_test.sh: the first report was LeakSanitizer failing inside itself, '\
'and the second run passed with its leak check: passed\n' >&2
                rc=0
            fi
        fi
    fi
    printf '\nsanitized_test.sh: the reports are kept in %s\n' "$reports" >&2
else
    rmdir "$reports" 2>/dev/null
fi
exit "$rc"
