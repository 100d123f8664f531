# tests/lib/pg_cluster.sh - a throwaway PostgreSQL cluster for tests and
# benchmarks (sourced): initdb + pg_ctl from Debian's postgresql package,
# as the postgres user when root, unix socket in a temp dir, trust auth,
# fsync off, database "dmarc".
#
#   pg_cluster_find          0 when the server binaries are there (PGBIN)
#   pg_cluster_need NAME     returns when they are; else exits the test:
#                            77 (skipped) when not root, 1 when root
#   pg_cluster_start DIR     starts it in DIR (made here); sets PG_URI
#                            (postgresql://...), PG_DIR, PG_PORT; 1 said
#   pg_cluster_ctl ARGS...   pg_ctl on it (e.g. stop -m immediate, start)
#   pg_cluster_stop          stops it and removes DIR
#   psql_q SQL               runs SQL as postgres in "dmarc"; prints the
#                            result unaligned, values only
pg_cluster_find() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	[ -n "$PGBIN" ] && [ -x "$PGBIN/initdb" ]
}

pg_cluster_need() {
	pg_cluster_find && return 0
	[ "$(id -u)" != 0 ] && { echo "$1: skipped (no PostgreSQL server, not root)"; exit 77; }
	echo "FAIL: PostgreSQL server missing (apt-get install postgresql)"
	exit 1
}

pg_cluster_ctl() {
	$PG_RUNAS "$PGBIN/pg_ctl" -D "$PG_DIR/data" "$@"
}

pg_cluster_start() {
	PG_DIR=$1
	PG_RUNAS=
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || { echo "FAIL: no postgres user"; return 1; }
		PG_RUNAS="runuser -u postgres --"
	fi
	mkdir -p "$PG_DIR" && chmod 755 "$PG_DIR"
	[ -n "$PG_RUNAS" ] && chown postgres "$PG_DIR"
	PG_PORT=$((20000 + $$ % 20000))
	$PG_RUNAS "$PGBIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
	    >"$PG_DIR/initdb.log" 2>&1 ||
	    { cat "$PG_DIR/initdb.log"; echo "FAIL: initdb"; return 1; }
	pg_cluster_ctl -l "$PG_DIR/pg.log" -w -o \
	    "-k $PG_DIR -p $PG_PORT -c listen_addresses= -c fsync=off" start \
	    >/dev/null || { cat "$PG_DIR/pg.log"; echo "FAIL: pg_ctl start"; return 1; }
	$PG_RUNAS "$PGBIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres dmarc ||
	    { echo "FAIL: createdb"; return 1; }
	PG_URI="postgresql://postgres@/dmarc?host=$PG_DIR&port=$PG_PORT"
}

pg_cluster_stop() {
	[ -n "${PG_DIR:-}" ] || return 0
	pg_cluster_ctl -m immediate stop >/dev/null 2>&1
	rm -rf "$PG_DIR"
}

psql_q() {
	$PG_RUNAS "$PGBIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_DIR" \
	    -p "$PG_PORT" -U postgres -d dmarc -c "$1"
}
