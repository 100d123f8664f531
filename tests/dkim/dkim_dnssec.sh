#!/bin/sh
# tests/dkim/dkim_dnssec.sh - DKIM key lookups that are DNSSEC-secure,
# DNSSEC-bogus, or never answered, through `authmilter dkim --json` on real
# libunbound against a real nsd (the set-up of dnssec.sh, cut down).
#
#   sec.example.       signed, anchored; key record secure -> pass, "secure"
#   tampered.example.  signed, anchored; the key's RRSIG spoiled after
#                      signing -> temperror, "bogus" (the key, valid
#                      itself, is never used to pass)
#   silent.example.    stubbed to a UDP socket that never answers
#                      -> temperror "key lookup timed out"
# The RSA key comes from opendkim-genkey; messages are signed by
# python3-dkim. nsd and the silent socket are killed at exit. Missing tools
# fail the test: CI installs them.
set -u
. "$(pwd)/tests/lib/common.sh"  # need_tools, stop_pids, tail_logs, silent_udp
. "$(pwd)/tests/lib/nsd.sh"     # nsd_serve
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
PY=/usr/bin/python3

need_tools "apt-get install nsd ldnsutils opendkim-tools" \
    nsd ldns-keygen ldns-signzone drill opendkim-genkey

T=$(mktemp -d /tmp/dkim-dnssec.XXXXXX)
NSD_PID=
SILENT_PID=
cleanup() {
	stop_pids $NSD_PID $SILENT_PID
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	tail_logs 5 nsd.log
	exit 1
}

PORT=$(free_udp_port) || fail "no free port"

# the silent server: a bound UDP socket nobody reads (port SILENT)
silent_udp 300

# the DKIM key: opendkim-genkey writes sel.private and the record sel.txt
(cd "$T" && opendkim-genkey -b 2048 -s sel -d sec.example) ||
    fail "opendkim-genkey"
KEY_TXT=$($PY - "$T/sel.txt" <<'EOF'
import re, sys
t = "".join(re.findall(r'"([^"]*)"', open(sys.argv[1]).read()))
assert t.startswith("v=DKIM1") and "p=" in t, t
print(" ".join('"%s"' % t[i:i + 250] for i in range(0, len(t), 250)))
EOF
) || fail "cannot read opendkim-genkey's record"

# zone NAME: signed zone NAME with the key record, DS in NAME.ds
zone() {
	nsd_zone "$T" "$1" "sel._domainkey IN TXT $KEY_TXT"
	nsd_sign "$T" "$1"
}
zone sec.example
zone tampered.example
# spoil the signature over the key record (one base64 character)
$PY - "$T/tampered.example.zone.signed" <<'EOF' || fail "could not tamper with the key RRSIG"
import sys
p, out, n = sys.argv[1], [], 0
for line in open(p):
    f = line.split()
    if len(f) > 8 and f[0].startswith("sel._domainkey.") and f[3] == "RRSIG" and f[4] == "TXT":
        sig = f[-1]
        line = line.rstrip("\n")[:-len(sig)] + ("B" if sig[0] == "A" else "A") + sig[1:] + "\n"
        n += 1
    out.append(line)
open(p, "w").write("".join(out))
sys.exit(0 if n == 1 else 1)
EOF

nsd_serve "$T" "$PORT" sec.example sec.example tampered.example

cat > "$T/unbound.conf" <<EOF
server:
    module-config: "validator iterator"
    do-not-query-localhost: no
    trust-anchor-file: "$T/sec.example.ds"
    trust-anchor-file: "$T/tampered.example.ds"
stub-zone:
    name: "sec.example."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "tampered.example."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "silent.example."
    stub-addr: 127.0.0.1@$SILENT
EOF

# one message per domain, signed with the same key (s=sel)
$PY - "$T" <<'EOF' || fail "python3-dkim could not sign"
import dkim, sys
T = sys.argv[1]
key = open(T + "/sel.private", "rb").read()
for d in ("sec.example", "tampered.example", "silent.example"):
    m = ("From: Alice <alice@%s>\r\nTo: bob@example.net\r\nSubject: key %s\r\n"
         "\r\nHello.\r\n" % (d, d)).encode()
    sig = dkim.sign(m, b"sel", d.encode(), key,
                    include_headers=[b"from", b"to", b"subject"])
    open("%s/%s.eml" % (T, d), "wb").write(sig + m)
EOF

# check DOMAIN TIMEOUT-MS RESULT DNSSEC REASON-SUBSTRING
checks=0
check() {
	out=$("$AUTHMILTER" dkim --json --dns-timeout "$2" \
	    --dns-conf "$T/unbound.conf" < "$T/$1.eml")
	rc=$?
	[ $rc -eq 0 ] || fail "$1: exit $rc: $out"
	echo "$out" | $PY -c '
import json, sys
a = json.load(sys.stdin)
res, sec, why = sys.argv[1], sys.argv[2], sys.argv[3]
ok = len(a) == 1 and a[0]["result"] == res and a[0]["dnssec"] == sec and why in a[0]["reason"]
print("%s %s: %s" % ("ok  " if ok else "FAIL", sys.argv[4], json.dumps(a)))
sys.exit(0 if ok else 1)' "$3" "$4" "$5" "$1" || fail "$1: want $3 $4 '$5'"
	checks=$((checks + 1))
}
check sec.example 5000 pass secure ""
check tampered.example 5000 temperror bogus "key record DNSSEC bogus"
t0=$(date +%s)
check silent.example 700 temperror insecure "key lookup timed out"
[ $(($(date +%s) - t0)) -lt 10 ] || fail "the timed-out lookup took too long"
echo "dkim_dnssec: $checks passed, 0 failed"
exit 0
