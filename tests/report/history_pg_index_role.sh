#!/bin/sh
# tests/report/history_pg_index_role.sh - an older PostgreSQL store (no
# dmarc_records_day_group) owned by another role, opened by a role with
# the rights to the rows only (tests/lib/pg_cluster.sh: a real server):
# that role may not create the index, yet `authmilter report` opens the
# store and writes the same reports as with the index, and says once
# which store lacks which index and the fix (the statement given is run
# by the owner here and builds it); the daemon's history writer logs the
# same line once and writes on. Checks: tests/lib/history_index.sh.
set -u
. "$(pwd)/tests/lib/pg_cluster.sh"
. "$(pwd)/tests/lib/history_index.sh"
pg_cluster_need history_pg_index_role
GEN=${BUILD:-build}/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/history_pg_ir.XXXXXX)
trap 'pg_cluster_stop; rm -rf "$T"' EXIT
chmod 755 "$T"   # the cluster under it runs as postgres
pg_cluster_start "$T/pg" || exit 1
DAY=1793491200          # 2026-11-01T00:00:00Z
RUNAS=
fail=0
psql_q() { # SQL: one value, unaligned
	$PG_RUNAS "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" \
	    -p "$PG_PORT" -U postgres -d dmarc -c "$1"
}
has_index() {
	psql_q "SELECT to_regclass('dmarc_records_day_group') IS NOT NULL"
}

# the store made by postgres (with the index); am gets the rows only
"$GEN" -s 3 "$PG_URI" 3000 1 >/dev/null || { echo "FAIL: history_gen"; exit 1; }
psql_q "CREATE ROLE am LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL \
TABLES IN SCHEMA public TO am; REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
STORE="postgresql://am@/dmarc?host=$PG_DIR&port=$PG_PORT"
hi_with_index "with the index, as am"

# an older store: no index, and am may not build it
psql_q "DROP INDEX dmarc_records_day_group"
hi_older "older store, other role" \
    "PostgreSQL database dmarc, whose dmarc_records is owned by role postgres, not by am"
[ "$(has_index)" = f ] || { echo "FAIL: the index appeared"; fail=1; }

# the daemon's history writer (history_gen -w) as am: writes, and logs
# the line once (its upgrade in the writer thread)
before=$(psql_q "SELECT COUNT(*) FROM dmarc_records")
"$GEN" -w -s 5 "$STORE" 300 1 >"$T/gen-w.log" 2>&1 ||
    { cat "$T/gen-w.log"; echo "FAIL: older store, other role: the writer as am"; fail=1; }
n=$(grep -c "$HI_LINE" "$T/gen-w.log")
if [ "$n" = 1 ] && [ "$(psql_q "SELECT COUNT(*) FROM dmarc_records")" -eq $((before + 300)) ]; then
	echo "ok   older store, other role: the daemon's writer logs it once, writes 300"
else
	cat "$T/gen-w.log"; echo "FAIL: older store, other role: the writer said it $n times"; fail=1
fi

# the fix the line gives: the owner runs its statement
sql=$(hi_fix_sql)
psql_q "$sql" && [ "$(has_index)" = t ] ||
    { echo "FAIL: the statement given did not build the index: $sql"; fail=1; }
hi_fixed

[ $fail = 0 ] && echo "PASS: history_pg_index_role"
exit $fail
