#!/bin/sh
# tests/scripts/miltertest.sh - the milter protocol against a real
# authmilter daemon, driven by miltertest (Debian package miltertest) with
# the Lua scripts in tests/milter/: many messages on one connection, aborts,
# connections dropped mid-body, messages without From, IPv6 and
# unknown-family clients. (Header fields over 64 KB are sent by a real
# Postfix in e2e_postfix.sh: miltertest itself crashes on them.) After the scripts the daemon must
# still be running, its log lines must carry the queue ids the scripts sent
# as macro {i}, and SIGTERM must stop it with exit status 0.
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
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" > "$T/am.log" 2>&1 &
AM=$!
rc=0
for s in many abort drop nofrom family; do
	if miltertest -D "sock=unix:$T/am.sock" -D "dir=$SRC/tests/milter" \
	    -D "asid=$ASID" -s "$SRC/tests/milter/$s.lua" > "$T/$s.out" 2>&1; then
		echo "ok   $s: $(tail -1 "$T/$s.out")"
	else
		echo "FAIL $s:"
		sed 's/^/  /' "$T/$s.out"
		rc=1
	fi
done
kill -0 "$AM" 2>/dev/null || fail "authmilter died during the scripts"
for q in MANY1 MANY50 ABORT3 NOFROM1 V6 UNSPEC; do
	grep -q "info: $q: $ASID;" "$T/am.log" || fail "no log line for queue id $q"
done
grep -q "ABORT1:.*action=" "$T/am.log" && fail "a verdict was logged for an aborted message"
grep -q "mi_rd_cmd\|too big\|^authmilter: error:" "$T/am.log" && fail "errors in the log"
kill -TERM "$AM"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM"
[ "$rc" = 0 ] || exit 1
echo "PASS: miltertest"
