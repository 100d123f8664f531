#!/bin/sh
# tests/audit/domain_dnssec.sh - `authmilter domain` shows the DNSSEC state
# of each answer: the good domain of tests/audit/zones/good.zone as the
# signed zone sec.example, served by a private nsd on loopback (tests/lib/
# nsd.sh) and validated by authmilter's resolver with the zone's DS as
# trust anchor: every finding and every answer "secure", exit 0. The same
# zone with its SPF record altered after signing: the answer is bogus,
# reported as an error (dnssec-bogus), exit 1, and the altered record is
# never audited as if it were published. nsd is killed at exit.
set -u
. "$(pwd)/tests/lib/nsd.sh"  # nsd_zone nsd_sign nsd_serve free_udp_port
: "${AUTHMILTER:?}"
PY=/usr/bin/python3

for tool in nsd ldns-keygen ldns-signzone drill; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL: $tool is missing (apt-get install nsd ldnsutils)"
		exit 1
	fi
done

T=$(mktemp -d /tmp/audit-dnssec.XXXXXX)
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
# the records of good.zone, moved from example.com to each zone
for z in sec.example bogus.example; do
	body=$(grep -v '^[;$]' tests/audit/zones/good.zone |
	    sed "s/example\.com/$z/g")
	nsd_zone "$T" "$z" "$body"
	nsd_sign "$T" "$z"
done
# alter bogus.example's SPF record after signing
sed 's/v=spf1 ip4:192\.0\.2\.0\/24/v=spf1 ip4:0.0.0.0\/0/' \
    "$T/bogus.example.zone.signed" > "$T/t" &&
    mv "$T/t" "$T/bogus.example.zone.signed"
grep -q 'ip4:0\.0\.0\.0/0' "$T/bogus.example.zone.signed" ||
    fail "could not alter the signed zone"
nsd_serve "$T" "$PORT" sec.example sec.example bogus.example
{
	printf 'server:\n    module-config: "validator iterator"\n'
	printf '    do-not-query-localhost: no\n'
	for z in sec.example bogus.example; do
		printf '    trust-anchor-file: "%s/%s.ds"\n' "$T" "$z"
	done
	for z in sec.example bogus.example; do
		printf 'stub-zone:\n    name: "%s."\n    stub-addr: 127.0.0.1@%s\n' \
		    "$z" "$PORT"
	done
} > "$T/unbound.conf"

"$AUTHMILTER" domain --json --dns-conf "$T/unbound.conf" --selector sel1 \
    sec.example > "$T/json" 2> "$T/err"
rc=$?
[ "$rc" -eq 0 ] || fail "sec.example: exit $rc: $(cat "$T/json" "$T/err")"
$PY - "$T/json" <<'PYEOF' || fail "sec.example: $(cat "$T/json")"
import json, sys
j = json.load(open(sys.argv[1]))
fs = j["findings"]
assert fs and all(f["level"] == "ok" for f in fs), fs
assert all(f["dnssec"] == "secure" for f in fs), [f for f in fs if f["dnssec"] != "secure"]
assert j["answers"] and all(a["dnssec"] == "secure" for a in j["answers"]), j["answers"]
codes = {f["code"] for f in fs}
for c in ("spf-record", "spf-lookups", "dkim-key", "dmarc-record", "mx"):
    assert c in codes, (c, codes)
PYEOF
"$AUTHMILTER" domain --dns-conf "$T/unbound.conf" --selector sel1 \
    sec.example > "$T/out" 2>&1
grep -q '^  ok      v=spf1 record found (.*) \[spf-record; RFC 7208 4.5; dnssec secure\]$' "$T/out" ||
    fail "sec.example text: $(cat "$T/out")"
grep -q '^  TXT   sel1._domainkey.sec.example: records, secure$' "$T/out" ||
    fail "sec.example answers: $(cat "$T/out")"
echo "ok   signed zone: every finding and answer secure, exit 0"

"$AUTHMILTER" domain --dns-conf "$T/unbound.conf" --selector sel1 \
    bogus.example > "$T/out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "bogus.example: exit $rc: $(cat "$T/out")"
grep -q '^  error   bogus.example TXT: DNSSEC validation failed (.*): validating receivers see a temporary failure \[dnssec-bogus; RFC 4035 5.5; dnssec bogus\]$' "$T/out" ||
    fail "bogus.example: $(cat "$T/out")"
grep -q 'spf-record\|spf-lookups\|0\.0\.0\.0' "$T/out" &&
    fail "bogus.example: the altered SPF record was audited: $(cat "$T/out")"
grep -q '^  TXT   bogus.example: tempfail, bogus$' "$T/out" ||
    fail "bogus.example answers: $(cat "$T/out")"
echo "ok   altered signed record: dnssec-bogus error, not audited, exit 1"
echo "PASS: domain_dnssec"
