#!/bin/sh
# tests/daemon/daemon.sh - the authmilter daemon's operational behaviour,
# on the real binary, driven by miltertest (tests/daemon/lua/*.lua):
#   - a config error names file and line; the daemon refuses to start
#     (exit 1, no socket); `authmilter -n` checks a config (0 / 1)
#   - as a daemon (no -f), as root: socket directory created root-owned
#     0755, socket mode and group applied (owner root), pidfile written
#     (root-owned 0644, locked while the daemon runs), privileges dropped
#     to a test user (/proc/PID/status Uid and Gid); at SIGTERM the pidfile
#     stays, unlocked (its directory is root's: see root_files.sh); a
#     failure after detaching still gives exit 1 to the starter
#   - SIGHUP reloads (the next message carries the new authserv-id); a
#     broken file on reload is logged and the old settings stay
#   - no thread waits in sigwait() and the binary does not link libmilter;
#     libpq and libxml2 are not mapped (loaded only when first needed)
#     (whose signal thread stopped the milter on a SIGHUP); SIGHUP storms under load (miltertest clients running) never stop the
#     daemon and never fail a message
#   - SIGTERM lets a message in flight finish, then exits 0
# Needs root (user creation) and miltertest; CI has both.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
ZONE=$SRC/tests/fixtures/milter/milter.zone
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: daemon.sh must run as root (CI does)"; exit 1; }

T=$(mktemp -d /tmp/daemon-test.XXXXXX)
chmod 755 "$T"
AM=
# locked FILE: a running daemon holds the pid file's lock
locked() { ! flock -n "$1" true; }
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	[ -f "$T/run/am.pid" ] && locked "$T/run/am.pid" && kill "$(cat "$T/run/am.pid")" 2>/dev/null
	# the detached daemon, if still ours (its command line names $T)
	[ -n "${P:-}" ] && grep -qF "$T/" "/proc/$P/cmdline" 2>/dev/null && kill "$P" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	[ -f "$T/am.log" ] && tail -15 "$T/am.log" | sed 's/^/  /'
	exit 1
}
# mt SCRIPT ASID [more -D]: run a miltertest script against $SOCK
mt() {
	s=$1 asid=$2
	shift 2
	miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=$asid" \
	    "$@" -s "$SRC/tests/daemon/lua/$s.lua"
}

# --- config errors and -n ------------------------------------------------------
printf 'socket = unix:%s/x.sock\nbogus_key = 1\n' "$T" > "$T/bad1.conf"
printf '# comment\n\ndmarc_enforce = maybe\n' > "$T/bad2.conf"
printf 'socket = unix:%s/x.sock\nsocket = unix:%s/y.sock\n' "$T" "$T" > "$T/bad3.conf"
printf 'just words\n' > "$T/bad4.conf"
for c in "bad1.conf:2: unknown key 'bogus_key'" "bad2.conf:3: dmarc_enforce: 'maybe'" \
    "bad3.conf:2: 'socket' is set twice" "bad4.conf:1: expected 'key = value'"; do
	f=${c%%:*}
	"$AUTHMILTER" -n -c "$T/$f" > "$T/out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "-n $f: exit $st, want 1"
	grep -qF "$T/$c" "$T/out" || { cat "$T/out"; fail "-n $f: no '$c'"; }
	"$AUTHMILTER" -f -c "$T/$f" > "$T/out" 2>&1
	st=$?
	[ "$st" = 1 ] || fail "start with $f: exit $st, want 1"
	grep -qF "$T/$c" "$T/out" || { cat "$T/out"; fail "start with $f: no '$c'"; }
done
[ -e "$T/x.sock" ] && fail "a socket was created although the config is broken"
"$AUTHMILTER" -n -c "$T/missing.conf" > "$T/out" 2>&1 && fail "-n with a missing file passed"
grep -q "missing.conf" "$T/out" || fail "-n missing file: $(cat "$T/out")"
# user = "": -n refuses the default user authmilter when it does not exist
# (the start does; config_test.sh checks the users)
printf 'socket = unix:%s/x.sock\ndns_zone = %s\ndmarc_enforce = yes\nuser = ""\n' "$T" "$ZONE" > "$T/good.conf"
"$AUTHMILTER" -n -c "$T/good.conf" > "$T/out" 2>&1 || fail "-n good.conf: $(cat "$T/out")"
grep -q "configuration OK" "$T/out" || fail "-n good.conf: $(cat "$T/out")"
"$AUTHMILTER" -n --dns-zone "$T/nonexistent.zone" -c "$T/good.conf" > "$T/out" 2>&1 &&
    fail "-n with an unreadable zone passed"
echo "ok   config errors name file:line; -n checks"

# --- daemon mode: socket, pidfile, privilege drop ----------------------------
id amtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin amtest ||
    fail "useradd amtest"
getent group amtestsock >/dev/null 2>&1 || groupadd --system amtestsock || fail "groupadd"
# the run-as user must read the zone wherever the checkout lives (a home
# directory may be closed to it): a copy in the test's own directory
cp "$ZONE" "$T/zone" && chmod 644 "$T/zone"
ZONE=$T/zone
SOCK=$T/run/am.sock
cat > "$T/priv.conf" <<CONF
socket = unix:$SOCK
socket_mode = 0640
socket_group = amtestsock
user = amtest
pidfile = $T/run/am.pid
authserv_id = priv.test
dns_zone = $ZONE
CONF
chmod 644 "$T/priv.conf"
"$AUTHMILTER" -c "$T/priv.conf" > "$T/am.log" 2>&1 || fail "daemon start: exit $?"
for i in $(seq 1 50); do [ -s "$T/run/am.pid" ] && [ -S "$SOCK" ] && break; sleep 0.1; done
[ -s "$T/run/am.pid" ] || fail "no pidfile"
P=$(cat "$T/run/am.pid")
kill -0 "$P" 2>/dev/null || fail "pidfile names $P, which is not running"
uid=$(id -u amtest)
gid=$(id -g amtest)
awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$P/status" > "$T/uid"
[ "$(cat "$T/uid")" = "$uid $uid $uid $uid" ] || fail "Uid: $(cat "$T/uid"), want $uid"
awk '/^Gid:/ { print $2, $3, $4, $5 }' "/proc/$P/status" > "$T/gid"
[ "$(cat "$T/gid")" = "$gid $gid $gid $gid" ] || fail "Gid: $(cat "$T/gid"), want $gid"
[ "$(stat -c '%a %G %U' "$SOCK")" = "640 amtestsock root" ] ||
    fail "socket: $(stat -c '%a %G %U' "$SOCK"), want 640 amtestsock root"
# the directory made for the socket and pidfile is root's: the run-as user
# cannot plant links in it (it was amtest's before issue 11)
[ "$(stat -c '%U %G %a' "$T/run")" = "root root 755" ] ||
    fail "run dir: $(stat -c '%U %G %a' "$T/run"), want root root 755"
[ "$(stat -c '%U %a' "$T/run/am.pid")" = "root 644" ] ||
    fail "pidfile: $(stat -c '%U %a' "$T/run/am.pid"), want root 644"
locked "$T/run/am.pid" || fail "the running daemon does not hold the pidfile's lock"
mt one priv.test > "$T/out" 2>&1 || { cat "$T/out"; fail "message to the daemon"; }
kill -TERM "$P"
for i in $(seq 1 100); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
kill -0 "$P" 2>/dev/null && fail "daemon still running 10 s after SIGTERM"
# the pidfile is left (amtest cannot remove root's file), unlocked
[ -f "$T/run/am.pid" ] || fail "pidfile gone: the run-as user removed a file in root's directory"
locked "$T/run/am.pid" && fail "pidfile still locked after the daemon stopped"
echo "ok   daemon: pidfile (root 0644, locked), socket 0640 amtestsock, runs as amtest ($uid:$gid)"

# a start-up step that fails after detaching (the zone is unreadable once
# privileges are dropped) must still make `authmilter -c FILE` exit 1
mkdir -m 700 "$T/private"
cp "$ZONE" "$T/private/zone"
sed "s|^dns_zone = .*|dns_zone = $T/private/zone|" "$T/priv.conf" > "$T/late.conf"
"$AUTHMILTER" -c "$T/late.conf" > "$T/out" 2>&1
st=$?
[ "$st" = 1 ] || fail "daemon start with a zone unreadable after the drop: exit $st, want 1"
# the failed daemon is gone: nothing holds the pidfile (it stays, stale)
for i in $(seq 1 50); do locked "$T/run/am.pid" || break; sleep 0.1; done
locked "$T/run/am.pid" && fail "the pidfile is locked after a failed start"
[ "$(cat "$T/run/am.pid")" != "$P" ] || fail "the stale pidfile was not replaced at start"
echo "ok   a start-up failure after detaching gives exit 1"

# --- SIGHUP reload --------------------------------------------------------------
SOCK=$T/hup.sock
conf() {
	printf 'socket = unix:%s\nuser = ""\nauthserv_id = %s\ndns_zone = %s\n%s' \
	    "$SOCK" "$1" "$ZONE" "${2:-}" > "$T/hup.conf"
}
reloads() { grep -c "configuration reloaded" "$T/am.log"; }
conf one.test
"$AUTHMILTER" -f -c "$T/hup.conf" > "$T/am.log" 2>&1 &
AM=$!
mt one one.test > "$T/out" 2>&1 || { cat "$T/out"; fail "before reload"; }
conf two.test
kill -HUP "$AM"
for i in $(seq 1 50); do [ "$(reloads)" -ge 1 ] && break; sleep 0.1; done
[ "$(reloads)" -ge 1 ] || fail "no reload logged"
mt one two.test > "$T/out" 2>&1 || { cat "$T/out"; fail "after reload: not two.test"; }
conf three.test 'nope = 1
'
kill -HUP "$AM"
for i in $(seq 1 50); do grep -q "reload: .*keeping" "$T/am.log" && break; sleep 0.1; done
grep -qF "reload: $T/hup.conf:5: unknown key 'nope'; keeping the running configuration" \
    "$T/am.log" || fail "broken reload not logged with file:line"
mt one two.test > "$T/out" 2>&1 || { cat "$T/out"; fail "after a broken reload"; }
kill -0 "$AM" || fail "died on a broken reload"
echo "ok   SIGHUP reload; a broken file keeps the running configuration"

# --- HUP storms under load ---------------------------------------------------------
# No thread may sit in sigwait(): a signal thread like libmilter's would stop
# the milter on the first SIGHUP it wins. The daemon has its own milter
# engine and must not link libmilter at all.
for t in /proc/"$AM"/task/*; do
	if grep -q sigtimedwait "$t/wchan" 2>/dev/null; then
		fail "thread $(basename "$t") waits in sigwait(): a signal thread is live"
	fi
done
if ldd "$AUTHMILTER" | grep -q libmilter; then
	fail "the daemon links libmilter: $(ldd "$AUTHMILTER" | grep libmilter)"
fi
# libpq and libxml2 are loaded on first use (util/dynlib.h): a running
# daemon without a PostgreSQL store has neither mapped
if grep -qE 'libpq|libxml2' /proc/"$AM"/maps; then
	fail "the daemon mapped libpq or libxml2 without needing them"
fi
conf two.test
rm -f "$T"/load.*
for c in 1 2 3; do
	(mt many two.test > "$T/load.$c" 2>&1 && mt many two.test >> "$T/load.$c" 2>&1;
	 echo "rc=$?" >> "$T/load.$c") &
done
for i in $(seq 1 20); do kill -HUP "$AM"; done
$PY -c 'import os, signal, sys, time
p = int(sys.argv[1])
for i in range(50):
    for j in range(40):
        os.kill(p, signal.SIGHUP)
    time.sleep(0.02)' "$AM" || fail "the daemon vanished during the storm"
wait_load() {
	for i in $(seq 1 300); do
		[ "$(cat "$T"/load.* 2>/dev/null | grep -c '^rc=')" = 3 ] && return 0
		sleep 0.1
	done
	return 1
}
wait_load || fail "load clients did not finish"
for c in 1 2 3; do
	grep -q '^rc=0' "$T/load.$c" || { cat "$T/load.$c"; fail "a load client failed during the HUP storm"; }
done
kill -0 "$AM" 2>/dev/null || fail "SIGHUP storm stopped the daemon"
grep -q "stopping" "$T/am.log" && fail "SIGHUP storm made the daemon stop"
mt one two.test > "$T/out" 2>&1 || { cat "$T/out"; fail "after the storm"; }
echo "ok   2020 SIGHUPs under load: $(reloads) reloads, no message lost, still serving"

# --- SIGTERM drains a message in flight --------------------------------------------
mt slow two.test > "$T/slow.out" 2>&1 &
SLOW=$!
# SIGTERM once the message is really in flight (body sent, end not yet)
for i in $(seq 1 100); do grep -q "SLOW1 in flight" "$T/slow.out" && break; sleep 0.1; done
grep -q "SLOW1 in flight" "$T/slow.out" || fail "the slow message did not start"
sleep 0.2
kill -TERM "$AM"
wait "$SLOW"
st=$?
[ "$st" = 0 ] || { cat "$T/slow.out"; fail "the message in flight failed at SIGTERM"; }
for i in $(seq 1 150); do kill -0 "$AM" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AM" 2>/dev/null && fail "still running 15 s after SIGTERM"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM"
grep -q "finishing 1 message(s) in flight" "$T/am.log" || fail "drain not logged"
grep -q "info: SLOW1: qid=SLOW1 .* ar=\"two.test;" "$T/am.log" || fail "no verdict line for SLOW1"
echo "ok   SIGTERM: the message in flight finished, exit 0"
echo "PASS: daemon"
