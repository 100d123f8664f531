#!/bin/sh
# tests/report/history_pg.sh - the PostgreSQL history store against a real
# server: starts a throwaway cluster (initdb + pg_ctl from Debian's
# postgresql package, as the postgres user, unix socket in a temp dir,
# trust auth), runs reports.sh with HISTORY_DB=postgresql://... (and the
# failure-report queue test of check_report_send), stops and removes the
# cluster. Without the server binaries: skipped (exit 77) when not root
# (nothing to install), failed when root (CI installs postgresql).
set -u
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "history_pg: skipped (no PostgreSQL server installed, not root)"
		exit 77
	fi
	echo "FAIL: PostgreSQL server missing (apt-get install postgresql)"
	exit 1
fi
RUNAS=
if [ "$(id -u)" = 0 ]; then
	id postgres >/dev/null 2>&1 || { echo "FAIL: no postgres user"; exit 1; }
	RUNAS="runuser -u postgres --"
fi
D=$(mktemp -d /tmp/history-pg.XXXXXX)
chmod 755 "$D"
[ -n "$RUNAS" ] && chown postgres "$D"
PORT=$((20000 + $$ % 20000))
cleanup() {
	$RUNAS "$PGBIN/pg_ctl" -D "$D/data" -m immediate stop >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT
$RUNAS "$PGBIN/initdb" -D "$D/data" -A trust -U postgres >"$D/initdb.log" 2>&1 ||
    { cat "$D/initdb.log"; echo "FAIL: initdb"; exit 1; }
$RUNAS "$PGBIN/pg_ctl" -D "$D/data" -l "$D/pg.log" -w -o \
    "-k $D -p $PORT -c listen_addresses= -c fsync=off" start >/dev/null ||
    { cat "$D/pg.log"; echo "FAIL: pg_ctl start"; exit 1; }
$RUNAS "$PGBIN/createdb" -h "$D" -p "$PORT" -U postgres dmarc ||
    { echo "FAIL: createdb"; exit 1; }
HISTORY_DB="postgresql://postgres@/dmarc?host=$D&port=$PORT"
export HISTORY_DB
sh tests/report/reports.sh || exit 1
# the failure-report queue (RFC 9991) over PostgreSQL: stored once, rate,
# sent once, pending and done
"${BUILD:-build}/tests/check_report_send" || { echo "FAIL: check_report_send on PostgreSQL"; exit 1; }
echo "PASS: failure reports on PostgreSQL"
