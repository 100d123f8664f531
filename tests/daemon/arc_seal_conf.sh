#!/bin/sh
# tests/daemon/arc_seal_conf.sh - the arc_seal key (DOMAIN SELECTOR FILE,
# one per site) under -n: a good RSA or Ed25519 key passes; a missing key
# file and a file that is no key are errors naming the config file and
# line (exit 1); a group-readable key is a warning (exit 0); a wrong
# number of words, a sub-domain form and a second arc_seal line are
# config errors with file:line; arc_seal_headers without arc_seal is a
# warning.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
command -v openssl >/dev/null 2>&1 || { echo "arc_seal_conf: skipped (no openssl)"; exit 77; }
T=$(mktemp -d /tmp/arcseal.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cd "$T" || exit 1

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.pem
echo "not a key" > junk.pem
chmod 600 rsa.pem ed.pem junk.pem
cp ed.pem loose.pem; chmod 640 loose.pem
conf() { # the arc_seal line(s) given, on line 5 and after
	printf 'socket = unix:%s/am.sock\nuser = ""\npidfile = ""\nauthserv_id = list.example\n' "$T" > am.conf
	cat >> am.conf
}

for k in rsa ed; do
	echo "arc_seal = list.example $k $T/$k.pem" | conf
	"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n $k key: $(cat out)"
	grep -q arc_seal out && fail "-n $k key says: $(cat out)"
done
echo "ok   -n: RSA and Ed25519 arc_seal keys"

echo "arc_seal = list.example s $T/missing.pem" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed with a missing key"
grep -q "am.conf:5: arc_seal: key $T/missing.pem: " out || fail "missing key: $(cat out)"
echo "arc_seal = list.example s $T/junk.pem" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed with a junk key"
grep -q "am.conf:5: arc_seal: key $T/junk.pem: " out || fail "junk key: $(cat out)"
echo "arc_seal = list.example s $T/loose.pem" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n failed on a group-readable key: $(cat out)"
grep -q "am.conf:5: arc_seal: key $T/loose.pem is readable by group or others" out ||
    fail "loose key: $(cat out)"
echo "ok   -n: missing or junk key an error at file:line, a group-readable one a warning"

echo "arc_seal = list.example s" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed two words"
grep -q "am.conf:5: arc_seal: 'list.example s' is not DOMAIN SELECTOR FILE" out || fail "two words: $(cat out)"
echo "arc_seal = *.list.example s $T/ed.pem" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed a sub-domain form"
grep -q "am.conf:5: arc_seal: .* is not DOMAIN SELECTOR FILE" out || fail "sub-domains: $(cat out)"
printf 'arc_seal = list.example s %s/ed.pem\narc_seal = list.example t %s/ed.pem\n' "$T" "$T" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed two arc_seal lines"
grep -q "am.conf:6: arc_seal: more than 1 entries" out || fail "two lines: $(cat out)"
echo "ok   syntax: three words, no sub-domain form, one line"

echo "arc_seal_headers = from, to, subject" | conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n failed on arc_seal_headers alone: $(cat out)"
grep -q "am.conf:0: arc_seal_headers is set but arc_seal is empty: no ARC set is added, the list has no effect" out ||
    fail "arc_seal_headers without arc_seal: $(cat out)"
echo "arc_seal = list.example s $T/ed.pem" | conf
echo "arc_seal_headers = from, to" >> am.conf
"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n arc_seal with arc_seal_headers: $(cat out)"
grep -q arc_seal out && fail "-n arc_seal with arc_seal_headers says: $(cat out)"
echo "ok   arc_seal_headers without arc_seal: a warning (exit 0), none with it"
