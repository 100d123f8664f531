#!/bin/sh
# tests/bench/run.sh - runs every benchmark program of a build ($BUILD/tests/
# bench_*), offline, in zone-file mode: BENCH_ZONE names the fixture master
# file they serve through libunbound auth-zone. Figures, not pass/fail; the
# exit status is non-zero only when a program failed (wrong answers).
BUILD=${BUILD:-build}
BENCH_ZONE=${BENCH_ZONE:-tests/fixtures/dns/test.zone}
export BUILD BENCH_ZONE
failed=0
for b in "$BUILD"/tests/bench_*; do
	[ -x "$b" ] || continue
	echo "=== $(basename "$b")"
	"$b" || failed=$((failed + 1))
done
[ "$failed" -eq 0 ]
