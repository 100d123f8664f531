#!/bin/sh
# tests/report/history_pg_index_role.sh - an older PostgreSQL store (no
# dmarc_records_day_group) owned by another role, opened by a role with
# the rights to the rows only (tests/lib/pg_cluster.sh: a real server):
# that role may not create the index, yet `authmilter report` opens the
# store and writes the same reports as with the index, and says once
# which store lacks which index and the fix (the statement given is run
# by the owner here and builds it); the daemon's history writer logs the
# same line once and writes on.
set -u
. "$(pwd)/tests/lib/pg_cluster.sh"
pg_cluster_need history_pg_index_role
GEN=${BUILD:-build}/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/history_pg_ir.XXXXXX)
trap 'pg_cluster_stop; rm -rf "$T"' EXIT
chmod 755 "$T"   # the cluster under it runs as postgres
pg_cluster_start "$T/pg" || exit 1
DAY=1793491200          # 2026-11-01T00:00:00Z
LINE="lacks the index dmarc_records_day_group"
fail=0
psql_q() { # SQL: one value, unaligned
	$PG_RUNAS "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" \
	    -p "$PG_PORT" -U postgres -d dmarc -c "$1"
}
has_index() {
	psql_q "SELECT to_regclass('dmarc_records_day_group') IS NOT NULL"
}
report() { # URI LABEL: one day's report as JSON files; its stderr kept
	mkdir -p "$T/out-$2"
	"$AUTHMILTER" report -c /dev/null --history "$1" --from $DAY \
	    --to $((DAY + 86400)) --format json --out "$T/out-$2" \
	    >"$T/report-$2.log" 2>&1
}
said() { # LOG: how many times the index line is in LOG
	grep -c "$LINE" "$1"
}

# the store made by postgres (with the index); am gets the rows only
"$GEN" -s 3 "$PG_URI" 3000 1 >/dev/null || { echo "FAIL: history_gen"; exit 1; }
psql_q "CREATE ROLE am LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL \
TABLES IN SCHEMA public TO am; REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
AM_URI="postgresql://am@/dmarc?host=$PG_DIR&port=$PG_PORT"
if report "$AM_URI" idx && [ "$(said "$T/report-idx.log")" = 0 ] &&
    [ -n "$(ls "$T/out-idx")" ]; then
	echo "ok   with the index: $(ls "$T/out-idx" | wc -l) reports as am"
else
	cat "$T/report-idx.log"; echo "FAIL: with the index: report as am"; fail=1
fi

# an older store: no index, and am may not build it
psql_q "DROP INDEX dmarc_records_day_group"
if report "$AM_URI" old; then
	echo "ok   older store, other role: the report opens it and succeeds"
else
	cat "$T/report-old.log"; echo "FAIL: older store, other role: report failed"; fail=1
fi
if diff -r "$T/out-idx" "$T/out-old" >"$T/diff" && [ -n "$(ls "$T/out-old")" ]; then
	echo "ok   older store, other role: the same $(ls "$T/out-old" | wc -l) reports as with the index"
else
	head -20 "$T/diff"; echo "FAIL: older store, other role: reports differ"; fail=1
fi
n=$(said "$T/report-old.log")
if [ "$n" = 1 ] && grep "$LINE" "$T/report-old.log" |
    grep -q "PostgreSQL database dmarc, whose dmarc_records is owned by role postgres, not by am" &&
    grep "$LINE" "$T/report-old.log" | grep -q "owner runs: CREATE INDEX"; then
	echo "ok   older store, other role: said once: $(grep "$LINE" "$T/report-old.log")"
else
	cat "$T/report-old.log"; echo "FAIL: older store, other role: the line said $n times"; fail=1
fi
[ "$(has_index)" = f ] || { echo "FAIL: the index appeared"; fail=1; }

# the daemon's history writer (history_gen -w) as am: writes, and logs
# the line once (its upgrade in the writer thread)
before=$(psql_q "SELECT COUNT(*) FROM dmarc_records")
"$GEN" -w -s 5 "$AM_URI" 300 1 >"$T/gen-w.log" 2>&1 ||
    { cat "$T/gen-w.log"; echo "FAIL: older store, other role: the writer as am"; fail=1; }
n=$(said "$T/gen-w.log")
if [ "$n" = 1 ] && [ "$(psql_q "SELECT COUNT(*) FROM dmarc_records")" -eq $((before + 300)) ]; then
	echo "ok   older store, other role: the daemon's writer logs it once, writes 300"
else
	cat "$T/gen-w.log"; echo "FAIL: older store, other role: the writer said it $n times"; fail=1
fi

# the fix the line gives: the owner runs its statement; then nothing said
sql=$(grep "$LINE" "$T/report-old.log" | sed 's/.*owner runs: //')
psql_q "$sql" && [ "$(has_index)" = t ] ||
    { echo "FAIL: the statement given did not build the index: $sql"; fail=1; }
if report "$AM_URI" fixed && [ "$(said "$T/report-fixed.log")" = 0 ]; then
	echo "ok   the statement given builds the index; the report says nothing"
else
	cat "$T/report-fixed.log"; echo "FAIL: after the fix"; fail=1
fi

[ $fail = 0 ] && echo "PASS: history_pg_index_role"
exit $fail
