#!/bin/sh
# tests/dns/dnssec.sh - DNSSEC states through authmilter's resolver, on
# real libunbound against a real nsd.
#
# Zones made here with ldns-keygen / ldns-signzone and served by nsd on
# 127.0.0.1:<free high port>:
#   sec.example.        signed, trust anchor = its DS    -> secure
#   child.sec.example.  unsigned, delegated without DS   -> insecure
#   tampered.example.   signed, then an A record altered -> bogus
#   expired.example.    signed with dates in the past    -> bogus ("expired")
#   other.example.      not served (REFUSED)             -> tempfail SERVFAIL
# `authmilter dns --json --dns-conf` gets a libunbound config with stub
# zones at that port and the DS records as trust anchors. nsd is killed at
# exit whatever happens. Missing tools fail the test: CI installs them.
set -u
. "$(pwd)/tests/lib/nsd.sh"  # nsd_serve
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
PY=/usr/bin/python3

for tool in nsd ldns-keygen ldns-signzone drill; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL: $tool is missing (apt-get install nsd ldnsutils)"
		exit 1
	fi
done

T=$(mktemp -d /tmp/dnssec-test.XXXXXX)
NSD_PID=
cleanup() {
	if [ -n "$NSD_PID" ]; then
		kill "$NSD_PID" 2>/dev/null
		wait "$NSD_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	[ -f "$T/nsd.log" ] && sed 's/^/  nsd: /' "$T/nsd.log" | tail -5
	exit 1
}

PORT=$(free_udp_port) || fail "no free port"

nsd_zone "$T" sec.example 'www IN A 192.0.2.1
www IN TXT "signed"
child IN NS ns.child.sec.example.
ns.child IN A 127.0.0.1'
nsd_zone "$T" child.sec.example 'www IN A 192.0.2.3'
nsd_zone "$T" tampered.example 'www IN A 192.0.2.1'
nsd_zone "$T" expired.example 'www IN A 192.0.2.1'
nsd_sign "$T" sec.example
nsd_sign "$T" tampered.example
nsd_sign "$T" expired.example -i 20190101000000 -e 20200101000000
cp "$T/child.sec.example.zone" "$T/child.sec.example.zone.signed"
sed 's/192\.0\.2\.1$/192.0.2.99/' "$T/tampered.example.zone.signed" > "$T/t" &&
    mv "$T/t" "$T/tampered.example.zone.signed"
grep -q '192\.0\.2\.99$' "$T/tampered.example.zone.signed" ||
    fail "could not tamper with the signed zone"

nsd_serve "$T" "$PORT" sec.example sec.example child.sec.example tampered.example expired.example

{
	cat <<EOF
server:
    module-config: "validator iterator"
    do-not-query-localhost: no
    trust-anchor-file: "$T/sec.example.ds"
    trust-anchor-file: "$T/tampered.example.ds"
    trust-anchor-file: "$T/expired.example.ds"
EOF
	# nsd does not serve other.example: REFUSED, which libunbound turns
	# into SERVFAIL
	for z in sec.example tampered.example expired.example other.example; do
		printf 'stub-zone:\n    name: "%s."\n    stub-addr: 127.0.0.1@%s\n' "$z" "$PORT"
	done
} > "$T/unbound.conf"

# check NAME TYPE STATUS DNSSEC [WHY-SUBSTRING], with $DNSFLAGS
checks=0
DNSFLAGS="--dns-conf $T/unbound.conf"
check() {
	out=$("$AUTHMILTER" dns --json --dns-timeout 5000 $DNSFLAGS "$1" "$2")
	rc=$?
	[ $rc -eq 0 ] || fail "$1 $2: exit $rc: $out"
	echo "$out" | $PY -c '
import json, sys
a = json.load(sys.stdin)
status, sec, why = sys.argv[1], sys.argv[2], sys.argv[3]
ok = a["status"] == status and a["dnssec"] == sec and why in a["why"]
if status == "records":
    ok = ok and len(a["records"]) > 0
else:
    ok = ok and a["records"] == []
print("%s %s %s: %s %s %s" % ("ok  " if ok else "FAIL", a["name"], a["type"],
    a["status"], a["dnssec"], a["why"]))
sys.exit(0 if ok else 1)' "$3" "$4" "${5:-}" || fail "$1 $2: want $3 $4 ${5:-}"
	checks=$((checks + 1))
}

check www.sec.example A records secure
check www.sec.example TXT records secure
check nope.sec.example A nxdomain secure
check www.sec.example MX nodata secure
check www.child.sec.example A records insecure
check www.tampered.example A tempfail bogus "DNSSEC bogus"
check www.expired.example A tempfail bogus "expired"
check www.other.example A tempfail insecure SERVFAIL
# the tampered value must never be handed out
"$AUTHMILTER" dns --dns-conf "$T/unbound.conf" www.tampered.example A |
    grep -q '192\.0\.2\.99' && fail "bogus data was returned"
# forwarder mode, validating with --dns-trust-anchor (nsd answers RD
# queries for its own zones)
DNSFLAGS="--dns-forward 127.0.0.1@$PORT --dns-trust-anchor $T/sec.example.ds"
check www.sec.example A records secure
DNSFLAGS="--dns-forward 127.0.0.1@$PORT --dns-trust-anchor $T/tampered.example.ds"
check www.tampered.example A tempfail bogus "signature verification failed"
echo "dnssec: $checks passed, 0 failed"
exit 0
