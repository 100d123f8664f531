#!/bin/sh
# tests/contrib/dnsdelay.sh - the cold-DNS benchmark's delaying forwarder
# (contrib/milterbench/dnsdelay.c) in front of a real nsd: three UDP queries
# and one TCP query through it each take at least the round trip it was given
# (300 ms) and get nsd's answer (the DNS ID restored, the TCP framing kept);
# the same query straight to nsd does not wait; its count and query log say
# what went through. Skipped (77) without nsd, ldnsutils or python3.
set -u
. "$(pwd)/tests/lib/nsd.sh"
BUILD=${BUILD:-build}
PY=/usr/bin/python3
for tool in nsd ldns-keygen ldns-signzone drill; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool missing"; exit 77; }
done
[ -x "$PY" ] || { echo "SKIP: $PY missing"; exit 77; }

T=$(mktemp -d /tmp/dnsdelay-test.XXXXXX)
NSD_PID= DD_PID=
cleanup() {
	for p in $DD_PID $NSD_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; exit 1; }

make -s -f contrib/milterbench/Makefile BUILD="$BUILD" "$BUILD/milterbench/dnsdelay" ||
    fail "cannot build dnsdelay"
nsd_zone "$T" slow.example 'a IN A 192.0.2.1
b IN A 192.0.2.2
c IN TXT "three"'
nsd_sign "$T" slow.example >/dev/null
NSD_PORT=$(free_udp_port) || fail "no free port"
nsd_serve "$T" "$NSD_PORT" slow.example slow.example
DD_PORT=$(free_udp_port) || fail "no free port"
"$BUILD/milterbench/dnsdelay" -l "$DD_PORT" -u "$NSD_PORT" -d 300 -L "$T/q.log" \
    > "$T/count" 2> "$T/err" &
DD_PID=$!
sleep 0.2
kill -0 $DD_PID 2>/dev/null || fail "dnsdelay did not start: $(cat "$T/err")"

# query PORT NAME TYPE udp|tcp: prints "ms rcode id-ok answer-bytes"
query() {
	$PY - "$@" <<'EOF'
import socket, struct, sys, time
port, name, qtype, proto = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
qid = 0x4d2f
q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + b"".join(
    bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0" + struct.pack(">HH", qtype, 1)
t0 = time.monotonic()
if proto == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.sendto(q, ("127.0.0.1", port))
    r = s.recv(65535)
else:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(struct.pack(">H", len(q)) + q)
    r = b""
    while len(r) < 2 or len(r) < 2 + struct.unpack(">H", r[:2])[0]:
        r += s.recv(65535)
    r = r[2:]
ms = (time.monotonic() - t0) * 1000
print("%d %d %s %d" % (ms, r[3] & 15, "id-ok" if r[:2] == q[:2] else "id-bad", len(r)))
EOF
}

for q in "a.slow.example 1 udp" "b.slow.example 1 udp" "c.slow.example 16 udp" \
    "c.slow.example 16 tcp"; do
	set -- $q
	got=$(query "$DD_PORT" "$@") || fail "query $q through dnsdelay failed"
	set -- $got
	[ "$1" -ge 300 ] || fail "$q answered in $1 ms, before the 300 ms round trip"
	[ "$1" -lt 2000 ] || fail "$q took $1 ms (held far beyond the delay?)"
	[ "$2" -eq 0 ] && [ "$3" = id-ok ] && [ "$4" -gt 40 ] ||
	    fail "$q: bad answer through dnsdelay: $got"
done
set -- $(query "$NSD_PORT" c.slow.example 16 udp)
[ "$1" -lt 300 ] || fail "nsd itself took $1 ms: the delay above proves nothing"

kill $DD_PID
wait $DD_PID
DD_PID=
grep -Eqx 'dnsdelay: queries=4 udp=3 tcp=1 dropped=0 late_ms_p50=[0-9.]+ late_ms_p90=[0-9.]+ late_ms_p99=[0-9.]+' \
    "$T/count" || fail "count: $(cat "$T/count")"
[ "$(awk '{print $2, $3, $4}' "$T/q.log" | tr '\n' ,)" = \
    "udp a.slow.example. 1,udp b.slow.example. 1,udp c.slow.example. 16,tcp c.slow.example. 16," ] ||
    fail "query log: $(cat "$T/q.log")"
echo "ok: dnsdelay holds each query a 300 ms round trip (UDP and TCP), answers intact, counted and logged"

# ubreplay (the resolver floor): a validating libunbound asks a query log's
# questions at their offsets through a fresh dnsdelay; the DNSKEY line is
# libunbound's own and is not replayed; each answer takes the round trip
make -s -f contrib/milterbench/Makefile BUILD="$BUILD" "$BUILD/milterbench/ubreplay" ||
    fail "cannot build ubreplay"
"$BUILD/milterbench/dnsdelay" -l "$DD_PORT" -u "$NSD_PORT" -d 300 > "$T/count2" 2> "$T/err" &
DD_PID=$!
sleep 0.2
cat > "$T/ub.conf" <<EOF
server:
    module-config: "validator iterator"
    trust-anchor-file: "$T/slow.example.ds"
    do-not-query-localhost: no
    qname-minimisation: no
    local-zone: "." static
    local-zone: "slow.example." transparent
    use-syslog: no
stub-zone:
    name: "slow.example."
    stub-addr: 127.0.0.1@$DD_PORT
EOF
printf '%s\n' '5 udp a.slow.example. 1' '5 udp slow.example. 48' '6 udp b.slow.example. 1' \
    '400 udp c.slow.example. 16' > "$T/replay.log"
got=$("$BUILD/milterbench/ubreplay" -c "$T/ub.conf" -q "$T/replay.log") ||
    fail "ubreplay failed: $got"
echo "$got" | grep -Eq '^ubreplay: queries=3 errors=0 p50_ms=[0-9.]+ p90_ms=[0-9.]+ p99_ms=[0-9.]+$' ||
    fail "ubreplay: $got"
p50=$(echo "$got" | sed 's/.*p50_ms=\([0-9]*\).*/\1/')
[ "$p50" -ge 300 ] && [ "$p50" -lt 3000 ] || fail "ubreplay p50 $p50 ms for a 300 ms round trip: $got"
kill $DD_PID
wait $DD_PID
DD_PID=
grep -q '^dnsdelay: queries=[4-9] ' "$T/count2" || fail "replay count: $(cat "$T/count2")"
echo "ok: ubreplay replays a query log through a validating libunbound ($got)"
