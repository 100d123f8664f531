#!/bin/sh
# tests/daemon/signals.sh - every signal a mail admin might send has its
# documented effect (authmilter(8), SIGNALS) and none drops mail, on the
# real daemon driven by miltertest:
#   - SIGUSR1 and SIGUSR2 (a logrotate-style kill -USR1) while a message is
#     in flight: each logs one status line (messages in flight, threads,
#     history queue), the daemon keeps serving, the message gets its
#     verdict; SIGPIPE changes nothing
#   - SIGQUIT stops as SIGTERM does: the message in flight finishes, the
#     history store is flushed (every verdict recorded), exit 0
# (SIGHUP storms and SIGTERM are in daemon.sh.) Needs miltertest.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }

T=$(mktemp -d /tmp/signals-test.XXXXXX)
AM=
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	tail -15 "$T/am.log" | sed 's/^/  /'
	exit 1
}
ASID=sig.test
SOCK=$T/am.sock
mt() {
	miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=$ASID" \
	    -s "$SRC/tests/daemon/lua/$1.lua"
}
# in_flight FILE: the slow message's body is sent, its end not yet
in_flight() {
	for i in $(seq 1 100); do grep -q "SLOW1 in flight" "$1" && break; sleep 0.1; done
	grep -q "SLOW1 in flight" "$1" || fail "the slow message did not start"
	sleep 0.2
}

"$AUTHMILTER" -f -u "" --pidfile "" -p "unix:$SOCK" --authserv-id "$ASID" \
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" \
    --history "$T/history.db" > "$T/am.log" 2>&1 &
AM=$!
for i in $(seq 1 100); do grep -q "notice: ready" "$T/am.log" && break; sleep 0.1; done
grep -q "notice: ready" "$T/am.log" || fail "the daemon did not start"

# --- SIGUSR1, SIGUSR2, SIGPIPE with a message in flight -------------------------
mt slow > "$T/slow1.out" 2>&1 &
SLOW=$!
in_flight "$T/slow1.out"
kill -USR1 "$AM"
kill -USR2 "$AM"
kill -PIPE "$AM"
wait "$SLOW"
st=$?
[ "$st" = 0 ] || { cat "$T/slow1.out"; fail "the message in flight failed at SIGUSR1/USR2"; }
kill -0 "$AM" 2>/dev/null || fail "the daemon died at SIGUSR1/SIGUSR2/SIGPIPE"
for s in 1 2; do
	grep -q "notice: status (SIGUSR$s): 1 message(s) in flight, .*history: .*queued" \
	    "$T/am.log" || fail "no status line for SIGUSR$s"
done
grep -q "stopping" "$T/am.log" && fail "SIGUSR1/2 made the daemon stop"
mt one > "$T/out" 2>&1 || { cat "$T/out"; fail "a message after SIGUSR1/USR2"; }
echo "ok   SIGUSR1, SIGUSR2, SIGPIPE: status logged, the message in flight got its verdict"

# --- SIGQUIT: drain, flush, exit 0 -------------------------------------------------
mt slow > "$T/slow2.out" 2>&1 &
SLOW=$!
in_flight "$T/slow2.out"
kill -QUIT "$AM"
wait "$SLOW"
st=$?
[ "$st" = 0 ] || { cat "$T/slow2.out"; fail "the message in flight failed at SIGQUIT"; }
for i in $(seq 1 150); do kill -0 "$AM" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AM" 2>/dev/null && fail "still running 15 s after SIGQUIT"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit status $st after SIGQUIT (a core dump is 131)"
grep -q "stopping on SIGQUIT: finishing 1 message(s) in flight" "$T/am.log" ||
    fail "drain at SIGQUIT not logged"
# every verdict is in the store: SLOW1 twice and ONE
mkdir "$T/rep"
"$AUTHMILTER" report --history "$T/history.db" --from 2000-01-01 --to 2100-01-01 \
    --domain example.com --format json --out "$T/rep" \
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" > "$T/report.out" 2>&1 ||
    fail "authmilter report: $(cat "$T/report.out")"
got=$(/usr/bin/python3 -c '
import json, sys, glob
print(sum(r["row"]["count"] for f in glob.glob(sys.argv[1] + "/*")
    for r in json.load(open(f))["record"]))' "$T/rep") || fail "cannot read the JSON report"
[ "$got" = 3 ] || fail "history after SIGQUIT: $got messages recorded, want 3"
echo "ok   SIGQUIT: the message in flight finished, history flushed, exit 0"
echo "PASS: signals"
