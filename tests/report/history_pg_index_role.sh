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

# a role that may only read (SELECT): reports with --out work, but a writing command refuses the store, naming what the
# role lacks, and sends nothing
psql_q "CREATE ROLE amro LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public \
TO amro; INSERT INTO dmarc_failure VALUES ('fr1', $(date +%s), 'example.com', \
'example.com', 'mailto:ruf@example.com', 'Feedback-Type: auth-failure', 0)" >/dev/null
RO_URI="postgresql://amro@/dmarc?host=$PG_DIR&port=$PG_PORT"
printf '#!/bin/sh\necho sent >> %s\ncat >/dev/null\n' "$T/sent" >"$T/sendmail"
chmod 755 "$T/sendmail"
printf 'report_sendmail = "%s"\nreport_email = "dmarc@example.com"\n' \
    "$T/sendmail" >"$T/w.conf"
mkdir -p "$T/out-ro"
if "$AUTHMILTER" report -c /dev/null --history "$RO_URI" --from $DAY \
    --to $((DAY + 86400)) --format json --out "$T/out-ro" >"$T/ro.log" 2>&1 &&
    [ -n "$(ls "$T/out-ro")" ]; then
	echo "ok   read-only role: --out writes $(ls "$T/out-ro" | wc -l) reports"
else
	tail -5 "$T/ro.log"; echo "FAIL: read-only role: --out"; fail=1
fi
"$AUTHMILTER" report -c "$T/w.conf" --history "$RO_URI" --failure --send \
    >"$T/ro-w.log" 2>&1
rc=$?
if [ $rc != 0 ] && [ ! -e "$T/sent" ] && grep -q "PostgreSQL database dmarc: \
role amro (this connection) lacks INSERT on dmarc_records, INSERT on \
dmarc_sent, INSERT on dmarc_failure, UPDATE on dmarc_failure, INSERT on \
dmarc_failure_sent: this command writes the store" "$T/ro-w.log" &&
    [ "$(psql_q "SELECT done FROM dmarc_failure WHERE id = 'fr1'")" = 0 ]; then
	echo "ok   read-only role: report --failure --send refused, nothing sent"
else
	cat "$T/ro-w.log"; echo "FAIL: read-only role: --failure --send (exit $rc)"; fail=1
fi
psql_q "DELETE FROM dmarc_failure"

# the daemon's writer only appends: a role with SELECT and INSERT on
# dmarc_records and dmarc_failure (least privilege) is enough for it
psql_q "CREATE ROLE amins LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public \
TO amins; GRANT INSERT ON dmarc_records, dmarc_failure TO amins;" >/dev/null
INS_URI="postgresql://amins@/dmarc?host=$PG_DIR&port=$PG_PORT"
before=$(psql_q "SELECT COUNT(*) FROM dmarc_records")
if "$GEN" -w -s 7 "$INS_URI" 200 1 >"$T/gen-ins.log" 2>&1 &&
    [ "$(psql_q "SELECT COUNT(*) FROM dmarc_records")" -eq $((before + 200)) ]; then
	echo "ok   insert-only role: the daemon's writer starts and writes 200"
else
	cat "$T/gen-ins.log"; echo "FAIL: insert-only role: the daemon's writer"; fail=1
fi

# the fix the line gives: the owner runs its statement
sql=$(hi_fix_sql)
psql_q "$sql" && [ "$(has_index)" = t ] ||
    { echo "FAIL: the statement given did not build the index: $sql"; fail=1; }
hi_fixed

[ $fail = 0 ] && echo "PASS: history_pg_index_role"
exit $fail
