#!/bin/sh
# tests/daemon/startup.sh - what the daemon accepts at start, on the real
# binary:
#   - a TCP port out of 1-65535 (or with signs, blanks, letters after
#     digits) is refused by -n and at start, naming the specification,
#     never wrapped (inet:99999 listened on 34463)
#   - relative paths: started as a daemon (it detaches and chdir("/")s)
#     from a directory with a relative -c, --dns-zone, socket, pidfile and
#     history, it serves a message with the zone's verdict, writes the
#     pidfile and the history where the shell meant, and a SIGHUP re-reads
#     the same (relative) config file
#   - -u USER when not started as root is ignored with a warning saying so
#     (at start and with -n); none for -u "" or the user it already is
# Needs root (the relative-path daemon binds as root) and miltertest.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: startup.sh must run as root (CI does)"; exit 1; }

T=$(mktemp -d /tmp/startup-test.XXXXXX)
chmod 755 "$T"
P=
cleanup() {
	[ -n "$P" ] && grep -qF "$T/" "/proc/$P/cmdline" 2>/dev/null && kill "$P" 2>/dev/null
	[ -f "$T/start/run/am.pid" ] && p=$(cat "$T/start/run/am.pid") &&
	    [ -n "$p" ] && [ -d "/proc/$p" ] && kill "$p" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	exit 1
}

# --- ports -------------------------------------------------------------------
for spec in inet:99999 inet:0 inet:65536@127.0.0.1 inet6:70000@::1 inet:+8891 \
    inet:8891x@127.0.0.1; do
	"$AUTHMILTER" -n -u "" --pidfile "" -p "$spec" > "$T/out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "-n -p $spec: exit $st, want 1 ($(cat "$T/out"))"
	grep -qF "socket '$spec': port" "$T/out" && grep -qF "1-65535" "$T/out" ||
	    fail "-n -p $spec: $(cat "$T/out")"
	timeout 10 "$AUTHMILTER" -f -u "" --pidfile "" -p "$spec" \
	    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" > "$T/out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "start -p $spec: exit $st, want 1 ($(cat "$T/out"))"
	grep -qF "socket '$spec': port" "$T/out" || fail "start -p $spec: $(cat "$T/out")"
done
"$AUTHMILTER" -n -u "" --pidfile "" -p inet:65535@127.0.0.1 > "$T/out" 2>&1 ||
    fail "-n -p inet:65535@127.0.0.1: $(cat "$T/out")"
echo "ok   ports out of 1-65535 refused by -n and at start"

# --- relative paths ------------------------------------------------------------
mkdir "$T/start"
cp "$SRC/tests/fixtures/milter/milter.zone" "$T/start/milter.zone"
conf() {
	printf 'socket = unix:run/am.sock\npidfile = ./run/am.pid\nhistory = hist.db\nuser = ""\nauthserv_id = %s\n' \
	    "$1" > "$T/start/am.conf"
}
conf rel.test
SOCK=$T/start/run/am.sock
(cd "$T/start" && "$AUTHMILTER" -c am.conf --dns-zone milter.zone) > "$T/am.log" 2>&1 ||
    fail "daemon start from $T/start with relative paths: exit $? ($(cat "$T/am.log"))"
for i in $(seq 1 50); do [ -s "$T/start/run/am.pid" ] && break; sleep 0.1; done
[ -s "$T/start/run/am.pid" ] || fail "no pidfile at $T/start/run/am.pid"
P=$(cat "$T/start/run/am.pid")
[ "$(readlink "/proc/$P/cwd")" = / ] || fail "the daemon did not chdir to /"
mt() {
	miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=$1" \
	    -s "$SRC/tests/daemon/lua/one.lua"
}
mt rel.test > "$T/out" 2>&1 || { cat "$T/out"; fail "message to the daemon"; }
# the zone was read: SPF of example.com passes for 192.0.2.10
grep -q "spf=pass" "$T/out" || fail "no spf=pass from the zone: $(cat "$T/out")"
conf rel2.test
kill -HUP "$P"
# each try is a message (recorded whatever its authserv-id): counted
ok= sent=1
for i in $(seq 1 50); do
	sent=$((sent + 1))
	mt rel2.test > "$T/out" 2>&1 && { ok=1; break; }
	sleep 0.1
done
[ -n "$ok" ] || { cat "$T/out"; fail "after SIGHUP: the relative config file was not re-read"; }
kill -0 "$P" 2>/dev/null || fail "the daemon died at SIGHUP"
kill -TERM "$P"
for i in $(seq 1 100); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
kill -0 "$P" 2>/dev/null && fail "daemon still running 10 s after SIGTERM"
P=
[ -s "$T/start/hist.db" ] || fail "no history store at $T/start/hist.db"
mkdir "$T/rep"
"$AUTHMILTER" report --history "$T/start/hist.db" --from 2000-01-01 --to 2100-01-01 \
    --domain example.com --format json --out "$T/rep" --dns-zone "$T/start/milter.zone" \
    > "$T/report.out" 2>&1 || fail "authmilter report: $(cat "$T/report.out")"
got=$(/usr/bin/python3 -c '
import json, sys, glob
print(sum(r["row"]["count"] for f in glob.glob(sys.argv[1] + "/*")
    for r in json.load(open(f))["record"]))' "$T/rep") || fail "cannot read the JSON report"
[ "$got" = "$sent" ] || fail "history at $T/start/hist.db: $got messages, want $sent"
echo "ok   relative -c, --dns-zone, socket, pidfile, history: served from / after detaching, reloaded"

# --- -u when not started as root ---------------------------------------------------
# as nobody: -u names another user, which only root could become; the
# daemon runs on as nobody and says so (-n too). -u "" or -u nobody: silent
NR=$T/nr
mkdir "$NR" && chown 65534:65534 "$NR"
cp "$SRC/tests/fixtures/milter/milter.zone" "$NR/zone" && chmod 644 "$NR/zone"
asnobody() { setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; }
me=$(getent passwd 65534 | cut -d: -f1)
asnobody "$AUTHMILTER" -n -u daemon --pidfile "" -p "unix:$NR/am.sock" \
    --dns-zone "$NR/zone" > "$T/out" 2>&1 || fail "-n as $me: $(cat "$T/out")"
grep -q "warning: user 'daemon' (-u, user =) ignored: not started as root; running as $me" \
    "$T/out" || fail "-n -u daemon as $me: no warning: $(cat "$T/out")"
# (setpriv itself in the background: $! is then the daemon, not a subshell)
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$AUTHMILTER" -f -u daemon \
    --pidfile "" -p "unix:$NR/am.sock" --dns-zone "$NR/zone" > "$NR/am.log" 2>&1 &
P=$!
for i in $(seq 1 100); do grep -q "notice: ready" "$NR/am.log" && break; sleep 0.1; done
grep -q "notice: ready" "$NR/am.log" || fail "the daemon as $me did not start: $(cat "$NR/am.log")"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$P/status")" = 65534 ] ||
    fail "pid $P is not the daemon running as $me"
kill -TERM "$P"
wait "$P"
st=$?
P=
[ "$st" = 0 ] || fail "the daemon as $me: exit $st after SIGTERM"
grep -q "warning: user 'daemon' (-u, user =) ignored: not started as root; running as $me" \
    "$NR/am.log" || fail "start -u daemon as $me: no warning: $(cat "$NR/am.log")"
printf 'user = ""\ngroup = daemon\n' > "$NR/g.conf" && chmod 644 "$NR/g.conf"
asnobody "$AUTHMILTER" -n -c "$NR/g.conf" --pidfile "" -p "unix:$NR/am.sock" \
    --dns-zone "$NR/zone" > "$T/out" 2>&1 || fail "-n group as $me: $(cat "$T/out")"
grep -q "warning: group 'daemon' (group =) ignored: not started as root" "$T/out" ||
    fail "-n group = daemon as $me: no warning: $(cat "$T/out")"
for u in "" "$me"; do
	asnobody "$AUTHMILTER" -n -u "$u" --pidfile "" -p "unix:$NR/am.sock" \
	    --dns-zone "$NR/zone" > "$T/out" 2>&1 || fail "-n -u '$u' as $me: $(cat "$T/out")"
	grep -q "ignored" "$T/out" && fail "-n -u '$u' as $me warns: $(cat "$T/out")"
done
echo "ok   -u USER when not root: a warning says it is ignored"

echo "PASS: startup"
