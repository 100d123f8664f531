#!/bin/sh
# tests/system/run_totals.sh - tests/run.sh counts what it runs: a program
# exiting 0 passed, 77 skipped (tests/lib/test_exit.h), anything else
# failed; the total line is "total: N passed, N failed, N skipped", the
# skipped and failed programs are named, and the exit status is non-zero
# only when something failed. Run on a fake tree of programs (so nothing
# real runs twice), then the real conformance runners are checked to say
# "skipped" and exit 77 when their suites are absent (a skip counted as a
# pass hid that a suite never ran).
set -u
: "${BUILD:?}"
SRC=$(pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

mkdir -p "$T/tests/fake" "$T/tests/lib" "$T/build/tests"
cp tests/run.sh "$T/tests/run.sh"
prog() {	# PATH EXIT
	printf '#!/bin/sh\necho "%s"\nexit %s\n' "$(basename "$1")" "$2" > "$1"
	chmod +x "$1"
}
prog "$T/build/tests/check_ok" 0
prog "$T/build/tests/check_bad" 3
prog "$T/build/tests/conf_absent" 77
prog "$T/build/tests/replay_ok" 0
prog "$T/tests/fake/skips.sh" 77
prog "$T/tests/fake/fails.sh" 1
prog "$T/tests/lib/helper.sh" 1
(cd "$T" && BUILD=build SHARED="$T/none" sh tests/run.sh) > "$T/out" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "run.sh exit 0 with failures"
[ "$(tail -n 1 "$T/out")" = "total: 2 passed, 2 failed, 2 skipped" ] ||
    fail "total line: $(tail -n 1 "$T/out")"
grep -qx "skipped programs: conf_absent fake/skips.sh" "$T/out" ||
    fail "skipped programs not named: $(cat "$T/out")"
grep -qx "failed programs: check_bad fake/fails.sh" "$T/out" ||
    fail "failed programs not named"
rm "$T/build/tests/check_bad" "$T/tests/fake/fails.sh"
(cd "$T" && BUILD=build SHARED="$T/none" sh tests/run.sh) > "$T/out" 2>&1 ||
    fail "run.sh exit $? with skips only: $(tail -n 1 "$T/out")"
[ "$(tail -n 1 "$T/out")" = "total: 2 passed, 0 failed, 2 skipped" ] ||
    fail "total line: $(tail -n 1 "$T/out")"
echo "ok   run.sh: 0 passed, 77 skipped, else failed; total line and names"

n=0
for r in "$SRC/$BUILD"/tests/conf_*; do
	[ -x "$r" ] || continue
	"$r" "$T/none" > "$T/r.out" 2>&1
	rc=$?
	[ $rc -eq 77 ] || fail "$(basename "$r") without its suite: exit $rc"
	grep -q "skipped" "$T/r.out" || fail "$(basename "$r") does not say it skipped"
	n=$((n + 1))
done
[ $n -ge 4 ] || fail "only $n conformance runners in $BUILD/tests"
echo "ok   $n conformance runners without their suites: skipped, exit 77"
