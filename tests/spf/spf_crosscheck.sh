#!/bin/sh
# tests/spf/spf_crosscheck.sh - compare `authmilter spf` with Debian's
# pyspf (python3-spf) on a handful of real-looking policies.
#
# One zone, written once in Python: it becomes a master file for
# `authmilter spf --dns-zone`, and pyspf is fed the same records through
# its DNSLookup hook (it cannot read zone files). Each case runs through
# both; the script fails when the results differ. Skips (exit 77) when
# python3-spf is not installed.
set -u
AUTHMILTER=${AUTHMILTER:-./build/authmilter}
PY=/usr/bin/python3
if ! $PY -c 'import spf' 2>/dev/null; then
	echo "spf_crosscheck: skipped (python3-spf not installed)"
	exit 77
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/spfx.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT INT TERM

AUTHMILTER="$AUTHMILTER" DIR="$dir" $PY - <<'PYEOF'
import json, os, subprocess, sys
import spf

ZONE = {
    "corp.example": [("TXT", "v=spf1 mx a:relay.corp.example include:_spf.host.example ip6:2001:db8:10::/48 -all"),
                     ("MX", (10, "mx1.corp.example")), ("MX", (20, "mx2.corp.example"))],
    "mx1.corp.example": [("A", "192.0.2.10"), ("AAAA", "2001:db8:1::10")],
    "mx2.corp.example": [("A", "192.0.2.11")],
    "relay.corp.example": [("A", "192.0.2.20")],
    "_spf.host.example": [("TXT", "v=spf1 include:_nb.host.example ~all")],
    "_nb.host.example": [("TXT", "v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/25 ?all")],
    "shop.example": [("TXT", "v=spf1 redirect=corp.example")],
    "soft.example": [("TXT", "v=spf1 a/24 ~all"), ("A", "192.0.2.200")],
    "neutral.example": [("TXT", "v=spf1 ip4:192.0.2.1 ?all")],
    "ex.example": [("TXT", "v=spf1 exists:%{i}.%{l}._x.ex.example -all")],
    "192.0.2.77.bob._x.ex.example": [("A", "127.0.0.2")],
    "broken.example": [("TXT", "v=spf1 ip4:192.0.2.300 -all")],
    "two.example": [("TXT", "v=spf1 -all"), ("TXT", "v=spf1 +all")],
    "deep.example": [("TXT", "v=spf1 a:a1.deep.example a:a2.deep.example a:a3.deep.example a:a4.deep.example "
                             "a:a5.deep.example a:a6.deep.example a:a7.deep.example a:a8.deep.example "
                             "a:a9.deep.example a:a10.deep.example a:a11.deep.example -all")],
    "void.example": [("TXT", "v=spf1 a:n1.void.example a:n2.void.example a:n3.void.example ip4:192.0.2.1 -all")],
    "nospf.example": [("A", "192.0.2.1"), ("TXT", "some-verification=abc")],
}
for i in range(1, 12):
    ZONE.setdefault("a%d.deep.example" % i, []).append(("A", "10.0.0.%d" % i))

CASES = [
    ("192.0.2.10", "u@corp.example"), ("2001:db8:1::10", "u@corp.example"),
    ("192.0.2.20", "u@corp.example"), ("203.0.113.5", "u@corp.example"),
    ("203.0.113.200", "u@corp.example"), ("2001:db8:10::1", "u@corp.example"),
    ("192.0.2.99", "u@corp.example"), ("198.51.100.9", "x@shop.example"),
    ("192.0.2.9", "x@soft.example"), ("192.0.2.1", "x@neutral.example"),
    ("192.0.2.2", "x@neutral.example"), ("192.0.2.77", "bob@ex.example"),
    ("192.0.2.78", "bob@ex.example"), ("192.0.2.1", "x@broken.example"),
    ("192.0.2.1", "x@two.example"), ("10.0.0.11", "x@deep.example"),
    ("192.0.2.1", "x@void.example"), ("192.0.2.1", "x@nospf.example"),
    ("192.0.2.1", "x@nxdomain.example"),
]

def esc(s):
    return "".join(c if 0x20 <= ord(c) < 0x7f and c not in '"\\;' else "\\%03d" % ord(c) for c in s)

path = os.path.join(os.environ["DIR"], "zone")
with open(path, "w") as f:
    f.write(". 300 IN SOA ns.test. host.test. 1 3600 600 86400 300\n. 300 IN NS ns.test.\n")
    for name, rrs in ZONE.items():
        for t, v in rrs:
            if t == "TXT":
                v = '"%s"' % esc(v)
            elif t == "MX":
                v = "%d %s." % v
            f.write("%s. 300 IN %s %s\n" % (name, t, v))

def lookup(name, qtype, *args, **kw):
    out = []
    for t, v in ZONE.get(name.lower().rstrip("."), []):
        if t == qtype:
            out.append(((name, t), [v.encode()] if t == "TXT" else v))
    return out
spf.DNSLookup = lookup

bad = 0
for ip, sender in CASES:
    want = spf.check2(i=ip, s=sender, h="mail.client.example")[0]
    p = subprocess.run([os.environ["AUTHMILTER"], "spf", "--dns-zone", path, "--ip", ip,
                        "--helo", "mail.client.example", "--mail-from", sender, "--json"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("FAIL %s %s: authmilter exit %d: %s" % (ip, sender, p.returncode, p.stderr.strip()))
        bad += 1
        continue
    got = json.loads(p.stdout)
    ok = got["result"] == want
    print("%s %-15s %-22s pyspf=%-9s authmilter=%-9s (%s)" % ("ok  " if ok else "FAIL", ip, sender,
          want, got["result"], got["reason"]))
    bad += not ok
print("spf_crosscheck: %d cases, %d differ" % (len(CASES), bad))
sys.exit(1 if bad else 0)
PYEOF
