#!/bin/sh
# tests/run.sh - runs every test program of a build and sums up.
#
#   BUILD=build SHARED=../shared sh tests/run.sh
#
# Runs, in order: the Check unit programs (build/tests/check_*), the
# conformance runners (build/tests/conf_*, given $SHARED/conformance; each
# says itself when it skips), the fuzz corpora replays (build/tests/
# replay_*, over tests/fuzz/corpus/fuzz_*), and the script tests
# (tests/FOLDER/*.sh but tests/lib/, the helpers, tests/bench/, the
# benchmarks make bench runs, and the run.sh files;
# each named FOLDER/NAME.sh, run with AUTHMILTER, BUILD and SHARED in the
# environment). A program passes when it exits 0, is skipped when it
# exits 77 (automake's convention, tests/lib/test_exit.h: it could not run
# here, and printed a line saying why with the word "skipped"), and fails
# otherwise. The last line is "total: N passed, N failed, N skipped"
# (the programs skipped named the line before); the exit status is non-zero
# when anything failed. VALGRIND=1 runs the C programs under valgrind --error-exitcode=99
# --leak-check=full.
BUILD=${BUILD:-build}
SHARED=${SHARED:-../shared}
AUTHMILTER=$(pwd)/$BUILD/authmilter
export BUILD SHARED AUTHMILTER
SKIP=77
passed=0
failed=0
skipped=0
failures=""
skips=""
wrap=""
if [ -n "$VALGRIND" ]; then
	wrap="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	CK_FORK=no
	export CK_FORK
fi

run() {
	name=$1; shift
	echo "=== $name"
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	elif [ $rc -eq $SKIP ]; then
		skipped=$((skipped + 1))
		skips="$skips $name"
		echo "--- SKIPPED: $name"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "--- FAILED: $name (exit $rc)"
	fi
}

for t in "$BUILD"/tests/check_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" $wrap "$t"
done
for t in "$BUILD"/tests/conf_*; do
	[ -x "$t" ] || continue
	run "$(basename "$t")" $wrap "$t" "$SHARED/conformance"
done
for t in "$BUILD"/tests/replay_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	run "$name" $wrap "$t" "tests/fuzz/corpus/fuzz_${name#replay_}"
done
for t in tests/*/*.sh; do
	[ -f "$t" ] || continue
	case $t in
	tests/lib/* | tests/bench/* | */run.sh) continue ;;
	esac
	run "${t#tests/}" sh "$t"
done
echo
[ -n "$skips" ] && echo "skipped programs:$skips"
[ -n "$failures" ] && echo "failed programs:$failures"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
