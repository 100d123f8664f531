#!/bin/sh
# tests/report/report_nostore.sh - `authmilter report` never creates a
# history store: a missing SQLite file (a typo in --history or history=)
# fails with exit 1 and an error naming the path, for a report run and for
# --prune-before, and no file appears. `check --record` still creates it.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
T=$(mktemp -d /tmp/report-nostore.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DB=$T/typo.db

nostore() { # what, then the report arguments after --history
	what=$1; shift
	"$AUTHMILTER" report -c /dev/null --history "$DB" "$@" \
	    >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" = 1 ] || fail "$what: exit $rc, want 1: $(cat "$T/err")"
	grep -q "history store $DB does not exist" "$T/err" ||
	    fail "$what: no error naming $DB: $(cat "$T/err")"
	[ -e "$DB" ] && fail "$what: created $DB"
	ls "$T" | grep -q '^typo\.db' && fail "$what: left $(ls "$T")"
	return 0
}
nostore "report" --from 1800000000 --to 1800086400
nostore "report --prune-before" --prune-before 1800000000
# with history= from the config file too
printf 'history = %s\n' "$DB" >"$T/conf"
"$AUTHMILTER" report -c "$T/conf" --from 1800000000 --to 1800086400 \
    >"$T/out" 2>"$T/err" && fail "history= typo: exit 0"
grep -q "history store $DB does not exist" "$T/err" ||
    fail "history= typo: $(cat "$T/err")"
[ -e "$DB" ] && fail "history= typo: created $DB"

# an existing store still works (created by the writer side)
. "$(pwd)/tests/lib/reports.sh"
ZONE=$(pwd)/tests/fixtures/reports/reports.zone
report_record 192.0.2.1 mx.example.com a@example.com b@dest.example \
    example.com 1800000001 || fail "check --record"
[ -s "$DB" ] || fail "check --record did not create $DB"
"$AUTHMILTER" report -c /dev/null --history "$DB" --from 1800000000 \
    --to 1800086400 --format json >"$T/out" 2>"$T/err" ||
    fail "report on the created store: $(cat "$T/err")"
grep -q '"report_metadata"' "$T/out" || fail "no report: $(cat "$T/out")"
echo "report_nostore: all checks passed"
