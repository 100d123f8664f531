#!/bin/sh
# tests/report/history_pg.sh - the PostgreSQL history store against a real
# server: starts a throwaway cluster (tests/lib/pg_cluster.sh), runs
# reports.sh with HISTORY_DB=postgresql://... (and the failure-report
# queue test of check_report_send), stops and removes the
# cluster. Without the server binaries: skipped (exit 77) when not root
# (nothing to install), failed when root (CI installs postgresql).
set -u
. "$(pwd)/tests/lib/pg_cluster.sh"
if ! pg_cluster_find; then
	if [ "$(id -u)" != 0 ]; then
		echo "history_pg: skipped (no PostgreSQL server installed, not root)"
		exit 77
	fi
	echo "FAIL: PostgreSQL server missing (apt-get install postgresql)"
	exit 1
fi
D=$(mktemp -d /tmp/history-pg.XXXXXX)
trap pg_cluster_stop EXIT
pg_cluster_start "$D" || exit 1
HISTORY_DB=$PG_URI
export HISTORY_DB
sh tests/report/reports.sh || exit 1
# the failure-report queue (RFC 9991) over PostgreSQL: stored once, rate,
# sent once, pending and done
"${BUILD:-build}/tests/check_report_send" || { echo "FAIL: check_report_send on PostgreSQL"; exit 1; }
echo "PASS: failure reports on PostgreSQL"
