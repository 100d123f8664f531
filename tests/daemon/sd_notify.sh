#!/bin/sh
# tests/daemon/sd_notify.sh - the daemon speaks systemd's notify protocol
# (Type=notify in contrib/systemd/authmilter.service; daemon/notify.c),
# checked with a fake $NOTIFY_SOCKET: a unix datagram socket read by
# /usr/bin/python3, which records each datagram with its sender's
# credentials (SO_PASSCRED) and, at READY=1, tries the milter socket.
#   - READY=1 (with STATUS=) arrives once the milter socket answers a
#     connection, sent from the daemon's pid; when started as root with
#     -u nobody, from nobody's uid (privileges already dropped)
#   - SIGHUP: RELOADING=1 with MONOTONIC_USEC=, then READY=1 again
#   - SIGTERM: STOPPING=1, then the daemon exits 0
#   - without NOTIFY_SOCKET nothing breaks (the other daemon tests)
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "FAIL: $PY is missing (apt-get install python3)"; exit 1; }

T=$(mktemp -d /tmp/sd-notify.XXXXXX)
chmod 755 "$T"
AM= RX=
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	[ -n "$RX" ] && kill "$RX" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	sed 's/^/  notify: /' "$T/notify.log" 2>/dev/null
	tail -10 "$T/am.log" 2>/dev/null | sed 's/^/  am: /'
	exit 1
}
mkdir "$T/run"
SOCK=$T/run/am.sock
NSOCK=$T/notify.sock

# the fake systemd: one line per datagram, "uid=U pid=P milter=yes|no|-
# MSG" (newlines of MSG as |)
"$PY" - "$NSOCK" "$SOCK" > "$T/notify.log" 2>"$T/rx.err" <<'PYEOF' &
import os, socket, struct, sys
path, milter = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
os.chmod(path, 0o666)  # the daemon sends after dropping privileges
open(path + ".ready", "w").close()
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = uid = -1
    for lvl, typ, data in anc:
        if lvl == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
            pid, uid, _ = struct.unpack("iII", data[:12])
    text = msg.decode()
    m = "-"
    if "READY=1" in text.split("\n"):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            c.connect(milter)
            m = "yes"
        except OSError as e:
            m = "no(%s)" % e.strerror
        c.close()
    print("uid=%d pid=%d milter=%s %s" % (uid, pid, m, text.replace("\n", "|")),
          flush=True)
PYEOF
RX=$!
for i in $(seq 1 50); do [ -e "$NSOCK.ready" ] && break; sleep 0.1; done
[ -e "$NSOCK.ready" ] || fail "the fake notify socket did not start: $(cat "$T/rx.err")"

USER_FLAG=""
WANT_UID=$(id -u)
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	USER_FLAG=nobody
	WANT_UID=$(id -u nobody)
fi
NOTIFY_SOCKET=$NSOCK "$AUTHMILTER" -f -u "$USER_FLAG" --pidfile "" -p "unix:$SOCK" \
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" > "$T/am.log" 2>&1 &
AM=$!
# wait_for N PATTERN: until the notify log has N lines matching PATTERN
wait_for() {
	for i in $(seq 1 100); do
		[ "$(grep -c -- "$2" "$T/notify.log")" -ge "$1" ] && return 0
		kill -0 "$AM" 2>/dev/null || break
		sleep 0.1
	done
	[ "$(grep -c -- "$2" "$T/notify.log")" -ge "$1" ]
}
wait_for 1 'READY=1' || fail "no READY=1"
line=$(grep 'READY=1' "$T/notify.log" | head -1)
case $line in
*"milter=yes "*) ;;
*) fail "READY=1 before the milter socket took a connection: $line" ;;
esac
case $line in
"uid=$WANT_UID pid=$AM "*) ;;
*) fail "READY=1 not from the daemon (pid $AM) as uid $WANT_UID: $line" ;;
esac
case $line in
*"|STATUS=ready"*) ;;
*) fail "READY=1 without STATUS=: $line" ;;
esac
grep -q "notice: ready" "$T/am.log" || fail "READY=1 but no 'ready' logged"
echo "ok   READY=1 with STATUS= from pid $AM, uid $WANT_UID${USER_FLAG:+ ($USER_FLAG)}, the milter socket answering"

kill -HUP "$AM"
wait_for 2 'READY=1' || fail "no READY=1 after SIGHUP"
# in order: READY, RELOADING (+ MONOTONIC_USEC), READY
seq=$(sed 's/^uid=[0-9]* pid=[0-9]* milter=[^ ]* //; s/|.*//' "$T/notify.log" | tr '\n' ' ')
[ "$seq" = "READY=1 RELOADING=1 READY=1 " ] || fail "after SIGHUP the messages were: $seq"
grep 'RELOADING=1' "$T/notify.log" | grep -q '|MONOTONIC_USEC=[1-9][0-9]*|' ||
    fail "RELOADING=1 without MONOTONIC_USEC: $(grep RELOADING "$T/notify.log")"
grep 'READY=1' "$T/notify.log" | tail -1 | grep -q 'STATUS=ready: configuration reloaded' ||
    fail "the second READY=1 does not say reloaded"
echo "ok   SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1 (configuration reloaded)"

kill -TERM "$AM"
wait_for 1 'STOPPING=1' || fail "no STOPPING=1 at SIGTERM"
for i in $(seq 1 150); do kill -0 "$AM" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AM" 2>/dev/null && fail "still running 15 s after SIGTERM"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit $st after SIGTERM"
grep 'STOPPING=1' "$T/notify.log" | grep -q "pid=[0-9]* .*STATUS=stopping" ||
    fail "STOPPING=1 without STATUS="
echo "ok   SIGTERM: STOPPING=1, exit 0"
echo "sd_notify: all checks passed"
