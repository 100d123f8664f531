#!/bin/sh
# tests/daemon/log_facility.sh - log_facility reaches syslog: a real daemon
# logs through glibc's syslog() to /dev/log, which here (in a private mount
# namespace, over a tmpfs /dev, so the host's /dev is untouched) is a
# datagram socket read by Python; each datagram's <PRI> is facility * 8 +
# severity. The default is mail (<22> for info); log_facility = local3
# gives <158> for the message's line and <157> for notice "ready".
# Needs root (unshare -m, mount): skipped (77) otherwise.
set -u
: "${AUTHMILTER:?}"
SRC=$(pwd)
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (a mount namespace)"; exit 77; }
unshare -m --propagation private true 2>/dev/null ||
    { echo "SKIP: unshare -m is refused here"; exit 77; }
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }
T=$(mktemp -d /tmp/logfac.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
printf 'From: alice@example.com\nSubject: plain\n\nHello.\n' > "$T/plain.eml"

# run FACILITY-LINE: one daemon, one message; the datagrams in $T/syslog
run() {
	printf 'user = ""\npidfile = ""\nauthserv_id = mx.test\n%s\n' "$1" > "$T/am.conf"
	rm -f "$T/syslog" "$T/syslog.ready" "$T/log.sock" "$T/am.sock"
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c '
		set -e
		T=$1 SRC=$2 AM=$3
		mkdir -p "$T/olddev"
		mount --bind /dev "$T/olddev"
		mount -t tmpfs tmpfs /dev
		for n in null zero random urandom; do
			touch "/dev/$n"
			mount --bind "$T/olddev/$n" "/dev/$n"
		done
		/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + \".ready\", \"w\").close()
with open(sys.argv[2], \"wb\", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b\"\\n\")
" "$T/log.sock" "$T/syslog" &
		PY=$!
		i=0; until [ -e "$T/syslog.ready" ]; do i=$((i+1)); [ $i -lt 50 ] || exit 3; sleep 0.1; done
		touch /dev/log
		mount --bind "$T/log.sock" /dev/log
		"$AM" run -f -c "$T/am.conf" -p "unix:$T/am.sock" \
		    --dns-zone "$SRC/tests/fixtures/verdict/verdict.zone" 2> "$T/am.log" &
		D=$!
		i=0; until [ -S "$T/am.sock" ]; do i=$((i+1)); [ $i -lt 100 ] || exit 4; sleep 0.1; done
		miltertest -D "sock=unix:$T/am.sock" -D qid=FAC1 -D ip=198.51.100.7 \
		    -D client=c.example -D helo=h.example -D from=bob@example.com \
		    -D "file=$T/plain.eml" -s "$SRC/tests/message/dns_faults.lua" > "$T/mt.out" 2>&1 || exit 5
		sleep 0.3
		kill $D; wait $D || true
		sleep 0.2
		kill $PY
	' sh "$T" "$SRC" "$AUTHMILTER" || fail "the namespace run failed ($?): $(cat "$T/am.log" "$T/mt.out" 2>/dev/null | tail -5)"
}

run ""
grep -q '^<22>.*FAC1: qid=FAC1 ' "$T/syslog" ||
    fail "default: no mail.info (<22>) line for FAC1 in: $(cat "$T/syslog")"
echo "ok   default: the message's line at mail.info (<22>)"
run "log_facility = local3"
grep -q '^<158>.*FAC1: qid=FAC1 ' "$T/syslog" ||
    fail "local3: no local3.info (<158>) line for FAC1 in: $(cat "$T/syslog")"
grep -q '^<157>.*ready' "$T/syslog" ||
    fail "local3: no local3.notice (<157>) 'ready' in: $(cat "$T/syslog")"
grep -q '^<2[0-9]>' "$T/syslog" && fail "local3: a line still at facility mail"
echo "ok   log_facility = local3: every line at local3 (<158> info, <157> notice)"
echo "PASS: log_facility"
