#!/bin/sh
# tests/dkim/dkim_crosscheck.sh - authmilter dkim against python3-dkim
# (dkimpy), both ways, with real keys: RSA-2048 from opendkim-genkey (key
# and published record as an OpenDKIM site makes them) and Ed25519 from
# python3-cryptography; relaxed and simple.
#  1. messages signed by dkimpy pass in `authmilter dkim --dns-zone`;
#  2. the same messages pass dkimpy's verifier (key via its dnsfunc hook);
#  3. mutated copies (header changed, body changed, key swapped) fail in both.
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
$PY -c 'import dkim' 2>/dev/null || { echo "dkim_crosscheck: skipped (python3-dkim not installed)"; exit 77; }
. "$(pwd)/tests/lib/keyzone.sh"	# kz_zone
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

command -v opendkim-genkey >/dev/null 2>&1 || {
	echo "FAIL: opendkim-genkey is missing (apt-get install opendkim-tools)"; exit 1; }
# rsa.private + rsa.txt, other.private + other.txt
opendkim-genkey -b 2048 -s rsa -d example.com
opendkim-genkey -b 2048 -s other -d example.com
cp rsa.private rsa.pem
$PY - <<'PYEOF'
import base64, re
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization as s
def record(txt):  # the record text of opendkim-genkey's zone-file line
    t = "".join(re.findall(r'"([^"]*)"', open(txt).read()))
    assert t.startswith("v=DKIM1") and "k=rsa" in t and "p=" in t, t
    return t
k = ed25519.Ed25519PrivateKey.generate()
seed = k.private_bytes(s.Encoding.Raw, s.PrivateFormat.Raw, s.NoEncryption())
pub = k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
open("ed.seed", "w").write(base64.b64encode(seed).decode())
recs = {
    "rsa._domainkey.example.com": record("rsa.txt"),
    "swapped._domainkey.example.com": record("other.txt"),
    "ed._domainkey.example.com": "v=DKIM1; k=ed25519; p=" + base64.b64encode(pub).decode(),
}
import json
json.dump(recs, open("recs.json", "w"))
PYEOF
kz_zone

cat > msg.eml <<'M'
From: Alice <alice@example.com>
To: Bob <bob@example.net>
Subject: cross-check   with  spaces
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <x1@example.com>

Hello Bob,   
	this line has  odd   spacing.


M

# sign: selector canon file [key-selector-for-dns]
$PY - <<'PYEOF'
import base64, dkim
msg = open("msg.eml", "rb").read().replace(b"\n", b"\r\n")
rsa = open("rsa.pem", "rb").read()
ed = open("ed.seed").read().encode()
n = 0
for sel, key, alg in ((b"rsa", rsa, b"rsa-sha256"), (b"ed", ed, b"ed25519-sha256")):
    for c in ((b"relaxed", b"relaxed"), (b"simple", b"simple"), (b"relaxed", b"simple")):
        sig = dkim.sign(msg, sel, b"example.com", key, canonicalize=c,
                        signature_algorithm=alg, include_headers=[b"from", b"to", b"subject", b"date"])
        good = sig + msg
        open("good%d.eml" % n, "wb").write(good)
        open("badhdr%d.eml" % n, "wb").write(good.replace(b"Subject: cross", b"Subject: Cross"))
        open("badbody%d.eml" % n, "wb").write(good.replace(b"Hello Bob", b"Hello Eve"))
        if sel == b"rsa":
            open("swap%d.eml" % n, "wb").write(good.replace(b"s=rsa;", b"s=swapped;"))
        n += 1
PYEOF

cat > pyverify.py <<'PYEOF'
import json, sys, dkim
recs = json.load(open("recs.json"))
def dnsfunc(name, timeout=5):
    return recs.get(name.decode().rstrip("."), "").encode()
sys.exit(0 if dkim.verify(open(sys.argv[1], "rb").read(), dnsfunc=dnsfunc) else 1)
PYEOF

fail=0
check() {  # file want(pass|notpass)
	out=$("$AUTHMILTER" dkim --dns-zone zone < "$1")
	if [ "$2" = pass ]; then
		case "$out" in dkim=pass*) ;; *) echo "FAIL authmilter $1: $out"; fail=1;; esac
		$PY pyverify.py "$1" || { echo "FAIL dkimpy $1 (want pass)"; fail=1; }
	else
		case "$out" in dkim=pass*|dkim=none*) echo "FAIL authmilter $1: $out"; fail=1;; esac
		if $PY pyverify.py "$1"; then echo "FAIL dkimpy $1 passed"; fail=1; fi
	fi
}
n=0
for f in good*.eml; do check "$f" pass; n=$((n + 1)); done
for f in badhdr*.eml badbody*.eml swap*.eml; do check "$f" notpass; n=$((n + 1)); done
# JSON output carries the fields
"$AUTHMILTER" dkim --json --dns-zone zone < good0.eml | $PY -c '
import json, sys
a = json.load(sys.stdin)
assert a[0]["result"] == "pass" and a[0]["domain"] == "example.com" and a[0]["key_bits"] == 2048, a
for k in ("selector", "algorithm", "identity", "dnssec", "testing", "body_length_unsigned", "reason"):
    assert k in a[0], k
' || { echo "FAIL --json"; fail=1; }
# LF input gives the same answer as CRLF
tr -d '\r' < good3.eml > lf.eml
check lf.eml pass
echo "dkim_crosscheck: $n messages, $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
