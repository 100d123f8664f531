#!/bin/sh
# tests/report/history_pg_down.sh - the daemon's history writer (driven
# directly by history_gen -w, with the daemon's default queue settings:
# drop when full) never makes the mail path wait on PostgreSQL:
#   down: the server is stopped (pg_ctl -m immediate) in the middle of a
#         run: every submit still returns at once (slowest < 1 s, while the
#         server is away for seconds; the
#         queue is bounded, the overflow dropped, counted and logged), the
#         writer loses the batch in flight, logs it, and stop() returns.
#   slow: the server is frozen (SIGSTOP on every server process) while
#         records keep coming: submits still return at once and drop,
#         counted and logged; once thawed the queued records are written.
# Skipped (77) without the PostgreSQL server binaries and not root.
set -u
BUILD=${BUILD:-build}
GEN=$BUILD/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
. "$(pwd)/tests/lib/pg_cluster.sh"
pg_cluster_need history_pg_down
T=$(mktemp -d /tmp/history_pg_down.XXXXXX)
chmod 755 "$T"
GP=
PGPIDS=
# signal $1 to the server's processes (the session of our postmaster)
pg_signal() { [ -n "$PGPIDS" ] && kill -"$1" $PGPIDS 2>/dev/null; }
cleanup() {
	[ -n "$GP" ] && kill "$GP" 2>/dev/null
	pg_signal CONT
	pg_cluster_stop; rm -rf "$T"
}
trap cleanup EXIT
pg_cluster_start "$T/pg" || exit 1
fail=0
N=3000000

# wait (at most $2 tenths of a second) for pattern $1 in $T/gen.out
wait_for() {
	i=0
	while ! grep -q "$1" "$T/gen.out" 2>/dev/null; do
		i=$((i + 1)); [ $i -gt "$2" ] && return 1; sleep 0.1
	done
}

# slowest submit in ms from the writer line
slowest() { sed -n 's/.*slowest submit \([0-9.]*\) ms.*/\1/p' "$T/gen.out"; }

check_submits() { # label
	s=$(slowest)
	[ -n "$s" ] || { echo "FAIL: $1: no writer line"; cat "$T/gen.out" "$T/gen.err"; fail=1; return; }
	if ! awk -v s="$s" 'BEGIN { exit !(s < 1000) }'; then
		echo "FAIL: $1: a submit waited $s ms"; fail=1
	fi
	grep -q "dropped [1-9]" "$T/gen.out" ||
	    { echo "FAIL: $1: nothing dropped"; cat "$T/gen.out"; fail=1; }
	grep -q "queue full, .* dropped so far" "$T/gen.err" ||
	    { echo "FAIL: $1: drops not logged"; head -5 "$T/gen.err"; fail=1; }
}

# down: stop the server while the generator submits
"$GEN" -w "$PG_URI" $N 1 >"$T/gen.out" 2>"$T/gen.err" &
GP=$!
sleep 1
pg_cluster_ctl -m immediate stop >/dev/null 2>&1 || { echo "FAIL: pg_ctl stop"; fail=1; }
wait_for "slowest submit" 600 || { echo "FAIL: down: submits did not finish in 60 s"; fail=1; }
i=0
while kill -0 "$GP" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 300 ] && { echo "FAIL: down: writer stop hangs with the server down"; fail=1; break; }
	sleep 0.1
done
wait "$GP" 2>/dev/null; GP=
check_submits down
grep -q "history: postgresql: .*record(s) lost" "$T/gen.err" ||
    { echo "FAIL: down: the lost batch is not logged"; head -5 "$T/gen.err"; fail=1; }
[ $fail = 0 ] && echo "history_pg_down: down: $(sed -n 's/^writer: //p' "$T/gen.out")"

# slow: freeze the server (every process of its session) mid-run
pg_cluster_ctl -l "$PG_DIR/pg.log" -w -o \
    "-k $PG_DIR -p $PG_PORT -c listen_addresses= -c fsync=off" start >/dev/null ||
    { echo "FAIL: restart"; exit 1; }
count() {
	$PG_RUNAS "$PGBIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d dmarc \
	    -At -c "SELECT COUNT(*) FROM dmarc_records"
}
n0=$(count)
SID=$(ps -o sid= -p "$(head -1 "$PG_DIR/data/postmaster.pid")" | tr -d ' ')
"$GEN" -w "$PG_URI" $N 1 >"$T/gen.out" 2>"$T/gen.err" &
GP=$!
sleep 1
PGPIDS=$(ps -o pid= -s "$SID")
pg_signal STOP
wait_for "slowest submit" 600 || { echo "FAIL: slow: submits did not finish in 60 s"; fail=1; }
pg_signal CONT
wait "$GP"; rc=$?; GP=
[ $rc = 0 ] || { echo "FAIL: slow: history_gen exit $rc"; fail=1; }
check_submits slow
n=$(($(count) - n0))
q=$(sed -n 's/.* queued \([0-9]*\) .*/\1/p' "$T/gen.out")
[ "$n" = "$q" ] ||
    { echo "FAIL: slow: $q queued, $n written after the thaw"; fail=1; }
[ $fail = 0 ] && echo "history_pg_down: slow: $(sed -n 's/^writer: //p' "$T/gen.out"); all $n queued written after the thaw"
[ $fail = 0 ] && echo "history_pg_down: all checks passed"
exit $fail
