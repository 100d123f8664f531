#!/bin/sh
# tests/bench/run.sh - runs every benchmark program of a build ($BUILD/tests/
# bench_*), offline, in zone-file mode: BENCH_ZONE names the fixture master
# file they serve through libunbound auth-zone. Figures, not pass/fail; the
# exit status is non-zero only when a program failed (wrong answers).
# Then the report side at scale (tests/bench/report_scale.sh: REPORT_SCALE
# records, default 1,000,000, into SQLite and PostgreSQL, report time and
# peak RSS, 4 concurrent history writers), the milter benchmark kit
# (contrib/milterbench/run.sh: authmilter vs opendkim+opendmarc over a
# generated corpus; root; MILTERBENCH=0 skips it), and its cold-DNS mode
# (contrib/milterbench/cold.sh: every sender domain new, signed zone behind
# a 20 and 80 ms delay; root; COLD=0 skips it), and the same corpus
# through a private Postfix (contrib/milterbench/postfix.sh: Postfix alone,
# with authmilter, with opendkim+opendmarc; root; POSTFIX_BENCH=0 skips it).
BUILD=${BUILD:-build}
BENCH_ZONE=${BENCH_ZONE:-tests/fixtures/dns/test.zone}
export BUILD BENCH_ZONE
failed=0
for b in "$BUILD"/tests/bench_*; do
	[ -x "$b" ] || continue
	echo "=== $(basename "$b")"
	"$b" || failed=$((failed + 1))
done
echo "=== report_scale (tests/bench/report_scale.sh, REPORT_SCALE=${REPORT_SCALE:-1000000})"
sh tests/bench/report_scale.sh || failed=$((failed + 1))
if [ "${MILTERBENCH:-1}" != 0 ]; then
	echo "=== milterbench (contrib/milterbench/run.sh)"
	sh contrib/milterbench/run.sh || failed=$((failed + 1))
fi
if [ "${COLD:-1}" != 0 ]; then
	echo "=== cold DNS (contrib/milterbench/cold.sh)"
	sh contrib/milterbench/cold.sh || failed=$((failed + 1))
fi
if [ "${POSTFIX_BENCH:-1}" != 0 ]; then
	echo "=== through Postfix (contrib/milterbench/postfix.sh)"
	sh contrib/milterbench/postfix.sh || failed=$((failed + 1))
fi
[ "$failed" -eq 0 ]
