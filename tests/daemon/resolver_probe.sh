#!/bin/sh
# tests/daemon/resolver_probe.sh - an offline host or a broken resolver is
# said at start, not by each message's temperror (issue 13, 3); on the
# real binary with dns_timeout kept short:
#   - a forwarder on a loopback port where nothing listens, and one that
#     takes the packets and never answers (a UDP socket that reads
#     nothing): `-n` and the daemon's start warn naming the forwarder and
#     `dns_forward = ADDR@PORT`; -n still exits 0 and the daemon still
#     starts and serves (a warning, not a refusal); the start does not
#     wait for the probe (ready first, the warning at its deadline)
#   - a dns_conf whose auth-zone does not parse: the start is refused
#   - a zone-file set-up: no DNS warning
#   - `authmilter dns` through the silent forwarder says no answer came
#     (text and JSON), never "dnssec: insecure"
# Needs root (the daemon binds its socket as root) and miltertest.
set -u
. "$(pwd)/tests/lib/common.sh"	# silent_udp
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "FAIL: resolver_probe.sh must run as root (CI does)"; exit 1; }

T=$(mktemp -d /tmp/probe-test.XXXXXX)
chmod 755 "$T"
P= SINK=
cleanup() {
	[ -n "$P" ] && kill "$P" 2>/dev/null
	[ -n "$SINK" ] && kill "$SINK" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	exit 1
}

# a UDP port nobody listens on (bound, read, closed), and a silent one
CLOSED=$($PY -c 'import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
silent_udp 120
SINK=$SILENT_PID

for port in "$CLOSED" "$SILENT"; do
	"$AUTHMILTER" -n -u "" --pidfile "" -p inet:65000@127.0.0.1 \
	    --dns-forward "127.0.0.1@$port" --dns-timeout 1000 > "$T/out" 2>&1 ||
	    fail "-n with forwarder 127.0.0.1@$port: exit $? (a warning must not fail -n): $(cat "$T/out")"
	grep -q "warning: DNS: the forwarder 127.0.0.1@$port (dns_forward) .*set dns_forward = ADDR@PORT" \
	    "$T/out" || fail "-n with forwarder 127.0.0.1@$port: no warning: $(cat "$T/out")"
done
echo "ok   -n: a forwarder nobody listens on, and a silent one: warned, naming it and dns_forward"

"$AUTHMILTER" -n -u "" --pidfile "" -p inet:65000@127.0.0.1 --dns-timeout 1000 \
    --dns-zone "$SRC/tests/fixtures/milter/milter.zone" > "$T/out" 2>&1 ||
    fail "-n zone file: $(cat "$T/out")"
grep -q "DNS" "$T/out" && fail "-n with a zone file warns: $(cat "$T/out")"
echo "ok   -n: a zone-file set-up gets no DNS warning"

# the daemon: warned at start, and serves
SOCK=$T/run/am.sock
"$AUTHMILTER" -f -u "" --pidfile "" -p "unix:$SOCK" --dns-forward "127.0.0.1@$SILENT" \
    --dns-timeout 1000 > "$T/am.log" 2>&1 &
P=$!
for i in $(seq 1 100); do grep -q "notice: ready" "$T/am.log" && break; sleep 0.1; done
grep -q "notice: ready" "$T/am.log" || fail "the daemon did not start: $(cat "$T/am.log")"
# the probe does not hold the start: ready first, the warning when the
# probe's deadline (dns_timeout) has passed
for i in $(seq 1 50); do grep -q "warning: DNS:" "$T/am.log" && break; sleep 0.1; done
grep -q "warning: DNS: the forwarder 127.0.0.1@$SILENT (dns_forward) .*set dns_forward = ADDR@PORT" \
    "$T/am.log" || fail "no DNS warning at start: $(cat "$T/am.log")"
[ "$(grep -n "notice: ready" "$T/am.log" | cut -d: -f1)" -lt \
    "$(grep -n "warning: DNS:" "$T/am.log" | cut -d: -f1)" ] ||
    fail "the start waited for the probe: $(cat "$T/am.log")"
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=probe.test" \
    -s "$SRC/tests/daemon/lua/one.lua" > "$T/mt" 2>&1
for i in $(seq 1 50); do grep -q "ONE: .*action=" "$T/am.log" && break; sleep 0.1; done
grep -q "ONE: .*action=.* spf=temperror " "$T/am.log" ||
    fail "the daemon did not serve a message: $(cat "$T/mt" "$T/am.log")"
kill -TERM "$P"
wait "$P"
P=
echo "ok   start: ready at once, warned when the probe's deadline passed, and serves"

# a dns_conf libunbound cannot start with: the start is refused
printf 'x.example. 300 IN A 192.0.2.1\ny.example. 300 IN A 1.2.3\n' > "$T/bad.zone"
printf 'server:\n    module-config: "iterator"\nauth-zone:\n    name: "example."\n    zonefile: "%s"\n    fallback-enabled: no\n' \
    "$T/bad.zone" > "$T/unbound.conf"
timeout 20 "$AUTHMILTER" -f -u "" --pidfile "" -p "unix:$T/run/b.sock" \
    --dns-conf "$T/unbound.conf" > "$T/out" 2>&1
st=$?
[ "$st" = 1 ] || fail "start with a broken dns_conf: exit $st, want 1: $(cat "$T/out")"
grep -q "error: DNS: the resolver cannot start" "$T/out" && grep -qF "$T/bad.zone" "$T/out" ||
    fail "start with a broken dns_conf: $(cat "$T/out")"
echo "ok   start: a dns_conf whose auth-zone does not parse is refused, naming the zone file"

# authmilter dns: no answer is not "dnssec: insecure"
"$AUTHMILTER" dns --dns-forward "127.0.0.1@$SILENT" --dns-timeout 1000 example.com A > "$T/out" 2>&1
grep -q "dnssec: insecure" "$T/out" && fail "dns: an answer that never came reads 'dnssec: insecure': $(cat "$T/out")"
grep -q "^hint: .*--dns-forward ADDR@PORT" "$T/out" || fail "dns: no hint: $(cat "$T/out")"
grep -q "^dnssec: none (no answer came)\|^rcode:  2" "$T/out" || fail "dns: $(cat "$T/out")"
"$AUTHMILTER" dns --json --dns-forward "127.0.0.1@$CLOSED" --dns-timeout 1000 example.com A > "$T/out" 2>&1
$PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
sys.exit(0 if a["status"] == "tempfail" and (a["dnssec"] is None or a["rcode"] == 2) else 1)' "$T/out" ||
    fail "dns --json: $(cat "$T/out")"
echo "ok   dns: no answer says so, with the dns_forward hint"
echo "PASS: resolver_probe"
