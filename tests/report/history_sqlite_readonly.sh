#!/bin/sh
# tests/report/history_sqlite_readonly.sh - an older SQLite store (no
# dmarc_records_day_group) that `authmilter report` may only read (the
# file write-protected from it; its directory writable, as WAL needs for
# its -shm file): SQLite opens the file read-only, so the index cannot be
# built, yet the report opens the store, writes the same reports as with
# the index and says once which file lacks which index and the fix.
# As root the reader is nobody (root writes any file); else the file is
# made read-only to the user running the test.
set -u
GEN=${BUILD:-build}/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/history_sq_ro.XXXXXX)
trap 'rm -rf "$T"' EXIT
DAY=1793491200          # 2026-11-01T00:00:00Z
LINE="lacks the index dmarc_records_day_group"
DB=$T/store/h.db
fail=0
mkdir "$T/store"
"$GEN" -s 3 "$DB" 2000 1 >/dev/null || { echo "FAIL: history_gen"; exit 1; }
if [ "$(id -u)" = 0 ]; then
	command -v runuser >/dev/null || { echo "SKIP: no runuser"; exit 77; }
	RUNAS="runuser -u nobody --"
	chmod 755 "$T"
	chown nobody "$T/store"
	chmod 644 "$DB"
	$RUNAS test -x "$AUTHMILTER" || { echo "SKIP: nobody cannot run $AUTHMILTER"; exit 77; }
else
	RUNAS=
	chmod 444 "$DB"
fi
report() { # LABEL: one day's report as JSON files, as the reader
	mkdir -p "$T/out-$1"
	chmod 777 "$T/out-$1"
	$RUNAS "$AUTHMILTER" report -c /dev/null --history "$DB" --from $DAY \
	    --to $((DAY + 86400)) --format json --out "$T/out-$1" \
	    >"$T/report-$1.log" 2>&1
}
owner_sql() { # SQL as the file's owner (history_gen's user)
	/usr/bin/python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' "$DB" "$1"
}
if report idx && [ "$(grep -c "$LINE" "$T/report-idx.log")" = 0 ] &&
    [ -n "$(ls "$T/out-idx")" ]; then
	echo "ok   with the index: $(ls "$T/out-idx" | wc -l) reports, read-only"
else
	cat "$T/report-idx.log"; echo "FAIL: with the index: read-only report"; fail=1
fi

# an older store: no index, and the reader may not build it
[ -z "$RUNAS" ] && chmod 644 "$DB"
owner_sql "DROP INDEX dmarc_records_day_group" || { echo "FAIL: DROP INDEX"; exit 1; }
[ -z "$RUNAS" ] && chmod 444 "$DB"
if report old; then
	echo "ok   older store, read-only: the report opens it and succeeds"
else
	cat "$T/report-old.log"; echo "FAIL: older store, read-only: report failed"; fail=1
fi
if diff -r "$T/out-idx" "$T/out-old" >"$T/diff" && [ -n "$(ls "$T/out-old")" ]; then
	echo "ok   older store, read-only: the same $(ls "$T/out-old" | wc -l) reports as with the index"
else
	head -5 "$T/diff"; echo "FAIL: older store, read-only: reports differ"; fail=1
fi
n=$(grep -c "$LINE" "$T/report-old.log")
if [ "$n" = 1 ] && grep "$LINE" "$T/report-old.log" |
    grep -q "SQLite file $DB, read-only to this process" &&
    grep "$LINE" "$T/report-old.log" | grep -q "owner runs: CREATE INDEX"; then
	echo "ok   older store, read-only: said once: $(grep "$LINE" "$T/report-old.log")"
else
	cat "$T/report-old.log"; echo "FAIL: older store, read-only: the line said $n times"; fail=1
fi

# the fix the line gives: the owner runs its statement
sql=$(grep "$LINE" "$T/report-old.log" | sed 's/.*owner runs: //')
[ -z "$RUNAS" ] && chmod 644 "$DB"
owner_sql "$sql" || { echo "FAIL: the statement given: $sql"; fail=1; }
[ -z "$RUNAS" ] && chmod 444 "$DB"
if report fixed && [ "$(grep -c "$LINE" "$T/report-fixed.log")" = 0 ]; then
	echo "ok   the statement given builds the index; the report says nothing"
else
	cat "$T/report-fixed.log"; echo "FAIL: after the fix"; fail=1
fi

[ $fail = 0 ] && echo "PASS: history_sqlite_readonly"
exit $fail
