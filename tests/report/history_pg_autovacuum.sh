#!/bin/sh
# tests/report/history_pg_autovacuum.sh - dmarc_records' insert-triggered
# autovacuum on a real PostgreSQL server (tests/lib/pg_cluster.sh): a new
# store gets autovacuum_vacuum_insert_scale_factor = 0.01 (history_pg.c:
# the day's rows are all-visible by report time, the index-only scan reads
# only the index); an older store without it gets it at its next open; a
# value the operator set is kept; a lock held on the table delays the
# open by 2 s at most (the setting left alone, said, set next time); a
# store owned by another role still opens and works for a role granted only its rows (records appended, a
# report written), is left alone, and the report and the daemon's
# history writer each say so in one line.
set -u
. "$(pwd)/tests/lib/pg_cluster.sh"
pg_cluster_need history_pg_autovacuum
GEN=${BUILD:-build}/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/history_pg_av.XXXXXX)
trap 'pg_cluster_stop; rm -rf "$T"' EXIT
chmod 755 "$T"   # the cluster under it runs as postgres
pg_cluster_start "$T/pg" || exit 1
DAY=1793491200          # 2026-11-01T00:00:00Z
fail=0
opts() {
	psql_q "SELECT COALESCE(array_to_string(reloptions, ','), '') FROM \
pg_class WHERE relname = 'dmarc_records'"
}
expect_opts() { # WANT WHAT: dmarc_records' reloptions are WANT
	got=$(opts)
	if [ "$got" = "$1" ]; then
		echo "ok   $2: ${got:-none}"
	else
		echo "FAIL: $2: reloptions '$got', want '$1'"; fail=1
	fi
}
report() { # URI LABEL: one day's report as JSON files; its stderr kept
	mkdir -p "$T/out-$2"
	"$AUTHMILTER" report -c /dev/null --history "$1" --from $DAY \
	    --to $((DAY + 86400)) --format json --out "$T/out-$2" \
	    >"$T/report-$2.log" 2>&1
}

# a new store
"$GEN" -s 3 "$PG_URI" 2000 1 >/dev/null || { echo "FAIL: history_gen"; exit 1; }
expect_opts autovacuum_vacuum_insert_scale_factor=0.01 "a new store"

# an older store (made before: no storage parameter) gets it at its open
psql_q "ALTER TABLE dmarc_records RESET (autovacuum_vacuum_insert_scale_factor)"
[ -z "$(opts)" ] || { echo "FAIL: RESET"; fail=1; }
report "$PG_URI" old || { cat "$T/report-old.log"; echo "FAIL: report (older store)"; fail=1; }
expect_opts autovacuum_vacuum_insert_scale_factor=0.01 "an older store, reopened"

# a lock held on dmarc_records (a VACUUM, another process's CREATE INDEX)
# delays the open by the lock timeout (2 s) at most: the open succeeds,
# says the setting was left alone, and the next open sets it
psql_q "ALTER TABLE dmarc_records RESET (autovacuum_vacuum_insert_scale_factor)"
$PG_RUNAS "$PGBIN/psql" -X -q -h "$PG_DIR" -p "$PG_PORT" -U postgres -d dmarc \
    -c "BEGIN; LOCK TABLE dmarc_records IN SHARE UPDATE EXCLUSIVE MODE; \
SELECT pg_sleep(12); COMMIT" >/dev/null 2>&1 &
locker=$!
for i in $(seq 1 50); do
	[ "$(psql_q "SELECT COUNT(*) FROM pg_locks l JOIN pg_class c ON \
c.oid = l.relation WHERE c.relname = 'dmarc_records' AND l.granted AND \
l.mode = 'ShareUpdateExclusiveLock'")" -gt 0 ] && break
	sleep 0.1
done
t0=$(date +%s)
report "$PG_URI" locked; rc=$?
t1=$(date +%s)
if [ $rc = 0 ] && [ $((t1 - t0)) -le 8 ] && grep -q "autovacuum setting left \
alone: .*lock timeout.*; the next open tries again" "$T/report-locked.log"; then
	echo "ok   locked table: opened in $((t1 - t0)) s, said: $(grep "left alone" "$T/report-locked.log")"
else
	grep -v "^/" "$T/report-locked.log"; echo "FAIL: locked table: exit $rc after $((t1 - t0)) s"; fail=1
fi
expect_opts "" "locked table: left alone"
wait $locker
report "$PG_URI" unlocked || { cat "$T/report-unlocked.log"; echo "FAIL: report (unlocked)"; fail=1; }
expect_opts autovacuum_vacuum_insert_scale_factor=0.01 "lock released: the next open sets it"

# the operator's own value is kept
psql_q "ALTER TABLE dmarc_records SET (autovacuum_vacuum_insert_scale_factor = 0.05)"
report "$PG_URI" own || { cat "$T/report-own.log"; echo "FAIL: report (own value)"; fail=1; }
expect_opts autovacuum_vacuum_insert_scale_factor=0.05 "the operator's value kept"

# owned by another role (postgres): a role with the rights to the rows
# only (no CREATE on the schema, not the owner) opens it, appends, reports
psql_q "ALTER TABLE dmarc_records RESET (autovacuum_vacuum_insert_scale_factor)"
psql_q "CREATE ROLE am LOGIN; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL \
TABLES IN SCHEMA public TO am; REVOKE CREATE ON SCHEMA public FROM PUBLIC" >/dev/null
AM_URI="postgresql://am@/dmarc?host=$PG_DIR&port=$PG_PORT"
before=$(psql_q "SELECT COUNT(*) FROM dmarc_records")
"$GEN" -s 4 "$AM_URI" 500 1 >"$T/gen-am.log" 2>&1 ||
    { cat "$T/gen-am.log"; echo "FAIL: another role's store: history_gen as am"; fail=1; }
after=$(psql_q "SELECT COUNT(*) FROM dmarc_records")
if [ "$after" -eq $((before + 500)) ]; then
	echo "ok   another role's store: 500 records appended as am ($before -> $after)"
else
	echo "FAIL: another role's store: $before -> $after records"; fail=1
fi
if report "$AM_URI" am && [ -n "$(ls "$T/out-am")" ]; then
	echo "ok   another role's store: report written as am ($(ls "$T/out-am" | wc -l) files)"
else
	cat "$T/report-am.log"; echo "FAIL: another role's store: report as am"; fail=1
fi
n=$(grep -c "dmarc_records is owned by role postgres, not by am" "$T/report-am.log")
if [ "$n" = 1 ]; then
	echo "ok   another role's store: said once: $(grep "owned by" "$T/report-am.log")"
else
	cat "$T/report-am.log"; echo "FAIL: another role's store: the line said $n times"; fail=1
fi
# the daemon's history writer (history_gen -w: its start, then records)
# logs it once too
"$GEN" -w -s 5 "$AM_URI" 300 1 >"$T/gen-w.log" 2>&1 ||
    { cat "$T/gen-w.log"; echo "FAIL: another role's store: the writer as am"; fail=1; }
n=$(grep -c "dmarc_records is owned by role postgres, not by am" "$T/gen-w.log")
if [ "$n" = 1 ] && [ "$(psql_q "SELECT COUNT(*) FROM dmarc_records")" -eq $((after + 300)) ]; then
	echo "ok   another role's store: the daemon's writer logs it once, writes 300"
else
	cat "$T/gen-w.log"; echo "FAIL: another role's store: the writer said it $n times"; fail=1
fi
expect_opts "" "another role's store: left alone"

[ $fail = 0 ] && echo "PASS: history_pg_autovacuum"
exit $fail
