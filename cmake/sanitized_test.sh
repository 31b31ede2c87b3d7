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
supp=$1
reports=$2
shift 2
rm -rf "$reports"
mkdir -p "$reports" || exit 1

log="log_path=$reports/report:log_exe_name=1"
ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:check_initialization_order=1:strict_init_order=1:$log${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:report_error_type=1:$log${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

"$@"
rc=$?

found=0
for f in "$reports"/report.*; do
    [ -f "$f" ] || continue
    found=1
    printf '\n==== sanitizer report %s\n' "$f" >&2
    cat "$f" >&2
done
if [ "$found" = 1 ]; then
    printf '\nsanitized_test.sh: sanitizer reports (above) are kept in %s\n' "$reports" >&2
    [ "$rc" = 0 ] && rc=1
else
    rmdir "$reports" 2>/dev/null
fi
exit "$rc"
