#!/bin/sh
# tests/daemon/miltertest.sh - the milter protocol against a real
# authmilter daemon, driven by miltertest (Debian package miltertest) with
# the Lua scripts in tests/daemon/lua/: many messages on one connection, aborts,
# connections dropped mid-body, messages without From, IPv6 and
# unknown-family clients. (Header fields over 64 KB are sent by a real
# Postfix in e2e_postfix.sh: miltertest itself crashes on them.) After the scripts the daemon must
# still be running, its log lines must carry the queue ids the scripts sent
# as macro {i}, and SIGTERM must stop it with exit status 0. The daemon
# records every verdict in a history store (--history): after the stop
# (which flushes the writer) `authmilter report` must count exactly the
# messages the log shows for the policy domain.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }

T=$(mktemp -d /tmp/miltertest.XXXXXX)
AM=
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	tail -20 "$T/am.log" | sed 's/^/  /'
	exit 1
}

ASID=mt.test
"$AUTHMILTER" -f -u "" --pidfile "" -p "unix:$T/am.sock" --authserv-id "$ASID" \
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" \
    --history "$T/history.db" > "$T/am.log" 2>&1 &
AM=$!
rc=0
for s in many abort drop nofrom family; do
	if miltertest -D "sock=unix:$T/am.sock" -D "dir=$SRC/tests/daemon/lua" \
	    -D "asid=$ASID" -s "$SRC/tests/daemon/lua/$s.lua" > "$T/$s.out" 2>&1; then
		echo "ok   $s: $(tail -1 "$T/$s.out")"
	else
		echo "FAIL $s:"
		sed 's/^/  /' "$T/$s.out"
		rc=1
	fi
done
kill -0 "$AM" 2>/dev/null || fail "authmilter died during the scripts"
for q in MANY1 MANY50 ABORT3 NOFROM1 V6 UNSPEC; do
	grep -q "info: $q: qid=$q .* ar=\"$ASID;" "$T/am.log" || fail "no log line for queue id $q"
done
grep -q "ABORT1:.*action=" "$T/am.log" && fail "a verdict was logged for an aborted message"
grep -q "mi_rd_cmd\|too big\|^authmilter: error:" "$T/am.log" && fail "errors in the log"
kill -TERM "$AM"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM"
[ "$rc" = 0 ] || exit 1

# the history the milter wrote: one record per logged verdict for example.com
want=$(grep -c " from=example.com " "$T/am.log")
mkdir "$T/rep"
"$AUTHMILTER" report --history "$T/history.db" --from 2000-01-01 --to 2100-01-01 \
    --domain example.com --format json --out "$T/rep" --dns-zone \
    "$SRC/tests/fixtures/milter/milter.zone" > "$T/report.out" 2>&1 ||
    fail "authmilter report: $(cat "$T/report.out")"
got=$(/usr/bin/python3 -c '
import json, sys, glob
n = 0
for f in glob.glob(sys.argv[1] + "/*"):
    n += sum(r["row"]["count"] for r in json.load(open(f))["record"])
print(n)' "$T/rep") || fail "cannot read the JSON report"
[ "$want" -gt 50 ] && [ "$got" = "$want" ] ||
    fail "history: report counts $got messages, the log shows $want"
echo "ok   history: the milter recorded all $got verdicts for example.com"

echo "PASS: miltertest"
