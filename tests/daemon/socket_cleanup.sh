#!/bin/sh
# tests/daemon/socket_cleanup.sh - the unix socket is removed at stop
# although its directory is root's and the daemon runs as nobody (a root
# helper waits for the daemon's exit: daemon/sockclean_int.h); on the real
# binary, started as root:
#   - SIGTERM to the daemon: the socket is gone, and no process is left
#   - SIGTERM to every process at once (a systemd stop signals the whole
#     unit): the helper outlives the daemon's drain, the socket is gone
#   - a socket bound at the same path meanwhile (another inode): left
#   - the helper holds no descriptor of the daemon's but the pipe and the
#     directory (not the listener, the pid file, the starter's stderr)
# Needs root.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
[ "$(id -u)" = 0 ] || { echo "FAIL: socket_cleanup.sh must run as root (CI does)"; exit 1; }
ZONE=$SRC/tests/fixtures/milter/milter.zone

T=$(mktemp -d /tmp/sockclean-test.XXXXXX)
chmod 755 "$T"
# ours: pids of the processes this test started (their command line names $T)
ours() {
	for d in /proc/[0-9]*; do
		grep -qF "$T/" "$d/cmdline" 2>/dev/null && echo "${d#/proc/}"
	done
}
cleanup() {
	for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	exit 1
}
SOCK=$T/run/am.sock
: > "$T/none.conf"
# start NAME: a detached daemon as nobody; its pid in $T/NAME.pid
start() {
	"$AUTHMILTER" -u nobody --pidfile "$T/run/$1.pid" -p "unix:$SOCK" \
	    --dns-zone "$ZONE" -c "$T/none.conf" > "$T/$1.log" 2>&1 ||
	    fail "start $1: $(cat "$T/$1.log")"
	cat "$T/run/$1.pid"
}
gone() {	# gone PID: wait until it has exited
	for i in $(seq 1 100); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
	fail "pid $1 still runs"
}
nosock() {
	for i in $(seq 1 50); do [ -e "$SOCK" ] || return 0; sleep 0.1; done
	fail "$1: the socket $SOCK is still there: $(ls -l "$SOCK")"
}

# --- SIGTERM to the daemon --------------------------------------------------------
P=$(start a)
[ -S "$SOCK" ] || fail "no socket at $SOCK: $(cat "$T/a.log")"
[ "$(stat -c %U "$T/run")" = root ] || fail "$T/run is not root's"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$P/status")" = "$(id -u nobody)" ] ||
    fail "pid $P does not run as nobody"
kill -TERM "$P"
gone "$P"
nosock "SIGTERM to the daemon"
for p in $(ours); do gone "$p"; done
echo "ok   SIGTERM to the daemon (nobody, root's directory): socket removed, nothing left"

# --- the helper: root, holding only a pipe and the directory ---------------------------
P=$(start h)
H=$(for p in $(ours); do [ "$p" != "$P" ] && echo "$p"; done)
[ -n "$H" ] || fail "no helper process"
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$H/status")" = 0 ] || fail "helper $H is not root"
# the helper's descriptors: 0-2 /dev/null, a pipe, the socket's directory
fds=$(ls "/proc/$H/fd" | sort -n | tr '\n' ' ')
[ "$fds" = "0 1 2 3 4 " ] || fail "helper $H holds fds $fds"
[ "$(readlink "/proc/$H/fd/4")" = "$T/run" ] || fail "helper fd 4: $(readlink "/proc/$H/fd/4")"
readlink "/proc/$H/fd/3" | grep -q "^pipe:" || fail "helper fd 3: $(readlink "/proc/$H/fd/3")"
[ "$(readlink "/proc/$H/fd/2")" = /dev/null ] || fail "helper fd 2: $(readlink "/proc/$H/fd/2")"
kill -TERM "$P"
gone "$P"
nosock "SIGTERM to the daemon"
gone "$H"
echo "ok   the helper runs as root holding only /dev/null, a pipe and the directory, and ends"

# --- SIGTERM to every process at once -----------------------------------------------
P=$(start b)
for p in $(ours); do kill -TERM "$p"; done
gone "$P"
nosock "SIGTERM to every process"
for p in $(ours); do gone "$p"; done
echo "ok   SIGTERM to the daemon and the helper at once: socket removed"

# --- a socket bound in its place meanwhile stays ---------------------------------------
# (a second daemon refuses a socket that answers; here root replaces it
# while the first one runs, as an admin or a next start after it stopped
# listening could)
P=$(start c)
rm -f "$SOCK"
/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
open(sys.argv[2], "w").write("up")
time.sleep(30)' "$SOCK" "$T/other.up" "$T/" &
OTHER=$!
for i in $(seq 1 50); do [ -s "$T/other.up" ] && break; sleep 0.1; done
ino=$(stat -c %i "$SOCK")
kill -TERM "$P"
gone "$P"
sleep 0.5
[ -S "$SOCK" ] || fail "the daemon's stop removed a socket bound in its place"
[ "$(stat -c %i "$SOCK")" = "$ino" ] || fail "the socket changed"
kill "$OTHER"
wait "$OTHER" 2>/dev/null
echo "ok   a socket bound in its place meanwhile stays at the daemon's stop"
echo "PASS: socket_cleanup"
