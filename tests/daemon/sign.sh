#!/bin/sh
# tests/daemon/sign.sh - signing in the milter (authmilter(8), SIGNING),
# driven by miltertest (tests/daemon/lua/sign.lua) against a real daemon:
#  1. -n reports each sign_key problem with the config file and line: a
#     missing key file, a file that is no key, a key that does not match
#     the published record (errors, exit 1), a group-readable key and a
#     key with no published record (warnings, exit 0);
#  2. an authenticated client's message is signed twice (RSA and
#     Ed25519), and both signatures verify (`authmilter dkim` with the
#     zone); a To field added after signing breaks them (over-signing);
#     a sub-domain's From is signed with its entry's signing domain;
#     two From fields: tempfail (on_sign_error); no key for the From
#     domain: accepted unsigned; an unauthenticated client outside
#     sign_networks is verified, not signed; a sign_networks client is
#     signed; the log line and the metrics say so;
#  3. SIGHUP while messages flow: none is lost, and the next connection
#     signs with the new key (selector) of the reloaded config; a reload
#     with a key that cannot be read keeps the running keys;
#  4. verify_signed = yes: a signed message is verified as well;
#  5. on_sign_error = accept-unsigned accepts a message that cannot be
#     signed (logged as such), = reject answers 550 5.7.0.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
command -v miltertest >/dev/null 2>&1 ||
    { echo "FAIL: miltertest is missing (apt-get install miltertest)"; exit 1; }
command -v openssl >/dev/null 2>&1 || { echo "sign: skipped (no openssl)"; exit 77; }

T=$(mktemp -d /tmp/msign.XXXXXX)
AM=
BG=
cleanup() {
	[ -n "$BG" ] && kill "$BG" 2>/dev/null
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	[ -f "$T/am.log" ] && tail -20 "$T/am.log" | sed 's/^/  /'
	exit 1
}

cd "$T" || exit 1
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa2.pem 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.pem
chmod 600 rsa.pem rsa2.pem ed.pem
pub_rsa() { openssl pkey -in "$1" -pubout -outform DER | base64 | tr -d '\n'; }
RSAP=$(pub_rsa rsa.pem)
RSA2P=$(pub_rsa rsa2.pem)
EDP=$(openssl pkey -in ed.pem -pubout -outform DER | tail -c 32 | base64 | tr -d '\n')
txt() { # name record: a zone line, the record in 250-octet strings
	printf '%s. 300 IN TXT' "$1"
	printf '%s\n' "$2" | fold -w 250 | while IFS= read -r p; do printf ' "%s"' "$p"; done
	printf '\n'
}
{
	echo ". 3600 IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300"
	echo ". 3600 IN NS ns.invalid."
	txt rsa._domainkey.example.com "v=DKIM1; k=rsa; p=$RSAP"
	txt rsa2._domainkey.example.com "v=DKIM1; k=rsa; p=$RSA2P"
	txt ed._domainkey.example.com "v=DKIM1; k=ed25519; p=$EDP"
	txt sub._domainkey.example.com "v=DKIM1; k=rsa; p=$RSAP"
	txt wrong._domainkey.example.com "v=DKIM1; k=rsa; p=$RSA2P"
} > zone

SOCK=$T/am.sock
conf() { # the config, then the extra lines given
	cat > am.conf <<CONF
socket = unix:$SOCK
user = ""
pidfile = ""
authserv_id = sign.test
dns_zone = $T/zone
sign_networks = 192.0.2.0/24
CONF
	cat >> am.conf
}

# --- 1. -n and the key problems, each with file:line -------------------------
conf <<CONF
sign_key = example.com rsa $T/rsa.pem
sign_key = example.com ed $T/ed.pem
sign_key = .example.org sub $T/rsa.pem example.com
CONF
"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n good config: $(cat out)"
grep -q "sign_key" out && fail "-n good config says: $(cat out)"
echo "ok   -n: a good signing config"

cp rsa.pem loose.pem; chmod 640 loose.pem
echo "not a key" > junk.pem; chmod 600 junk.pem
conf <<CONF
sign_key = example.com rsa $T/rsa.pem
sign_key = example.com miss $T/missing.pem
sign_key = example.com junk $T/junk.pem
sign_key = example.com wrong $T/rsa.pem
CONF
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed with bad keys: $(cat out)"
grep -q "am.conf:8: sign_key: key $T/missing.pem: " out || fail "missing key not reported at line 8: $(cat out)"
grep -q "am.conf:9: sign_key: key $T/junk.pem: " out || fail "junk key not reported at line 9: $(cat out)"
conf <<CONF
sign_key = example.com wrong $T/rsa.pem
CONF
"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed with a key not matching its record"
grep -q "am.conf:7: sign_key: the key $T/rsa.pem does not match the public key published at wrong._domainkey.example.com" out ||
    fail "mismatch not reported at line 7: $(cat out)"
conf <<CONF
sign_key = example.com rsa $T/loose.pem
sign_key = example.com unpublished $T/ed.pem
CONF
"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n failed on warnings only: $(cat out)"
grep -q "warning.*am.conf:7: sign_key: key $T/loose.pem is readable by group or others" out ||
    fail "group-readable key not reported at line 7: $(cat out)"
grep -q "warning.*am.conf:8: sign_key: no DKIM key record at unpublished._domainkey.example.com" out ||
    fail "unpublished key not reported at line 8: $(cat out)"
echo "ok   -n: missing, junk, mismatched (errors), loose, unpublished (warnings) keys with file:line"

# keys are read as the run-as user (at start and on reload): -n reads them
# so too; a root-owned 0600 key is an error for user amtest, the same key
# owned by amtest passes (run as root only: CI)
if [ "$(id -u)" = 0 ]; then
	id amtest >/dev/null 2>&1 || useradd --system --no-create-home \
	    --shell /usr/sbin/nologin amtest || fail "useradd amtest"
	mkdir -p keys && chmod 755 keys "$T" && cp rsa.pem keys/user.pem && chmod 600 keys/user.pem
	conf <<CONF
user = amtest
sign_key = example.com rsa $T/keys/user.pem
CONF
	sed -i '/^user = ""$/d' am.conf
	"$AUTHMILTER" -n -c am.conf > out 2>&1 && fail "-n passed with a key amtest cannot read"
	grep -q "am.conf:7: sign_key: key $T/keys/user.pem: .*Permission denied" out ||
	    fail "unreadable key for the run-as user not reported at line 7: $(cat out)"
	chown amtest keys/user.pem
	"$AUTHMILTER" -n -c am.conf > out 2>&1 || fail "-n with the key owned by amtest: $(cat out)"
	echo "ok   -n: keys are read as the run-as user (root's 0600 key refused, amtest's accepted)"
fi

# --- 2. the milter signs ------------------------------------------------------
MPORT=$(/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
conf <<CONF
sign_key = example.com rsa $T/rsa.pem
sign_key = example.com ed $T/ed.pem
sign_key = .example.org sub $T/rsa.pem example.com
metrics = inet:$MPORT@127.0.0.1
CONF
"$AUTHMILTER" -f -c am.conf > am.log 2>&1 &
AM=$!
mkdir msgs
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=sign.test" \
    -D "out=$T/msgs" -s "$SRC/tests/daemon/lua/sign.lua" > mt.out 2>&1 ||
    fail "sign.lua: $(cat mt.out)"
verify() { # file: every signature passes (at least one)
	out=$("$AUTHMILTER" dkim --dns-zone zone < "$1")
	[ -n "$out" ] && [ "$(printf '%s\n' "$out" | grep -vc '^dkim=pass')" = 0 ]
}
verify msgs/sign1.eml || fail "sign1: $("$AUTHMILTER" dkim --dns-zone zone < msgs/sign1.eml)"
"$AUTHMILTER" dkim --dns-zone zone < msgs/sign1.eml | grep -q "header.s=ed" || fail "sign1: no Ed25519 signature"
verify msgs/sign2.eml || fail "sign2: $("$AUTHMILTER" dkim --dns-zone zone < msgs/sign2.eml)"
sed 's/^Subject: signed/To: eve@example.net\r\nSubject: signed/' msgs/sign1.eml > added.eml
"$AUTHMILTER" dkim --dns-zone zone < added.eml | grep -q "^dkim=pass" &&
    fail "a To field added after signing still passes"
grep -q "SIGN1: .*dkim_sign=ok sign_d=example.com sign_s=rsa,ed " am.log || fail "no dkim_sign=ok log line"
grep -q "SIGN1: .*reason=\"not checked: outgoing, signed" am.log || fail "SIGN1 was verified"
grep -q "SIGN3: .*cannot sign the message: several From fields" am.log || fail "no sign error logged"
grep -q "SIGN3: .*action=tempfail .*dkim_sign=error" am.log || fail "SIGN3 not logged as tempfail"
grep -q "SIGN4: .*dkim_sign=nokey sign_d=elsewhere.example" am.log || fail "SIGN4 not logged as nokey"
grep -q "SIGN5: .*dkim_sign=- " am.log || fail "SIGN5 logged as signing"
/usr/bin/python3 -c 'import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())' \
    "http://127.0.0.1:$MPORT/metrics" > metrics.out || fail "no /metrics"
for want in 'authmilter_signatures_total{result="ok",alg="rsa-sha256"} 3' \
    'authmilter_signatures_total{result="ok",alg="ed25519-sha256"} 2' \
    'authmilter_signatures_total{result="error",alg="none"} 1' \
    'authmilter_signatures_total{result="nokey",alg="none"} 1'; do
	grep -qxF "$want" metrics.out || fail "metrics: no '$want': $(grep signatures metrics.out)"
done
echo "ok   milter: signed (RSA + Ed25519, sub-domain, sign_networks) and verified; over-signing; tempfail; nokey"

# --- 3. SIGHUP while messages flow: the new key after, nothing lost ----------
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "sel=rsa2" \
    -D n=40 -D verify=0 -s "$SRC/tests/daemon/lua/sign_flow.lua" > flow1.out 2>&1 &
BG=$!
sleep 0.3
conf <<CONF
sign_key = example.com rsa2 $T/rsa2.pem
CONF
kill -HUP "$AM"
wait "$BG" || { BG=; fail "messages lost during the reload: $(cat flow1.out)"; }
BG=
for i in $(seq 1 50); do grep -q "configuration reloaded" am.log && break; sleep 0.1; done
grep -q "configuration reloaded" am.log || fail "no reload"
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "sel=rsa2" \
    -D n=40 -D verify=0 -s "$SRC/tests/daemon/lua/sign_flow.lua" > flow2.out 2>&1 || fail "after the reload: $(cat flow2.out)"
[ "$(grep -c 'selector rsa2' flow2.out)" = 40 ] || fail "after the reload, not signed with rsa2: $(cat flow2.out)"
# a reload with a key that cannot be read keeps the running keys
conf <<CONF
sign_key = example.com rsa $T/missing.pem
CONF
kill -HUP "$AM"
for i in $(seq 1 50); do grep -q "missing.pem" am.log && break; sleep 0.1; done
grep -q "am.conf:7: sign_key: key $T/missing.pem" am.log || fail "bad key on reload not logged with file:line"
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "sel=rsa2" \
    -D n=40 -D verify=0 -s "$SRC/tests/daemon/lua/sign_flow.lua" > flow3.out 2>&1 || fail "after a failed reload: $(cat flow3.out)"
[ "$(grep -c 'selector rsa2' flow3.out)" = 40 ] || fail "a failed reload changed the keys"
echo "ok   SIGHUP: no message lost, the new key after; a bad key keeps the old ones"

# --- 4. verify_signed = yes: signed and verified -----------------------------
conf <<CONF
sign_key = example.com rsa $T/rsa.pem
verify_signed = yes
CONF
n=$(grep -c "configuration reloaded" am.log)
kill -HUP "$AM"
for i in $(seq 1 50); do [ "$(grep -c "configuration reloaded" am.log)" -gt "$n" ] && break; sleep 0.1; done
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D sel=rsa \
    -D n=1 -D verify=1 -s "$SRC/tests/daemon/lua/sign_flow.lua" > both.out 2>&1 ||
    fail "verify_signed = yes: $(cat both.out)"
grep -q "FLOW1: .*spf=[a-z]* .*dkim_sign=ok" am.log || fail "verify_signed: not verified and signed in the log"
echo "ok   verify_signed = yes: a signed message is verified too"

# --- 5. on_sign_error = accept-unsigned, reject --------------------------------
for mode in accept-unsigned reject; do
	conf <<CONF
sign_key = example.com rsa $T/rsa.pem
on_sign_error = $mode
CONF
	n=$(grep -c "configuration reloaded" am.log)
	kill -HUP "$AM"
	for i in $(seq 1 50); do [ "$(grep -c "configuration reloaded" am.log)" -gt "$n" ] && break; sleep 0.1; done
	[ "$mode" = reject ] && want=replycode || want=accept
	miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D sel=rsa \
	    -D n=1 -D twofrom=1 -D want=$want -s "$SRC/tests/daemon/lua/sign_flow.lua" > err.out 2>&1 ||
	    fail "on_sign_error = $mode: $(cat err.out)"
	tail -1 am.log > last.log
	grep -q "FLOW1: .*cannot sign\|FLOW1: .*dkim_sign=error" last.log || fail "$mode: not logged: $(cat last.log)"
done
grep -q "FLOW1: .*action=accept .*dkim_sign=error sign_d=\"\" sign_s=\"\" sign_error=\"several From" am.log ||
    fail "accept-unsigned: no accept with dkim_sign=error in the log"
grep -q "FLOW1: cannot sign the message: several From fields (RFC 5322 3.6); on_sign_error = accept-unsigned: sent unsigned" am.log ||
    fail "accept-unsigned: the error line does not say it was sent unsigned"
grep -q "FLOW1: .*action=reject code=550 dsn=5.7.0 .*dkim_sign=error" am.log ||
    fail "reject: no 550 5.7.0 in the log"
echo "ok   on_sign_error: accept-unsigned (logged as sent unsigned) and reject (550 5.7.0)"
kill -0 "$AM" || fail "died"
kill -TERM "$AM"; wait "$AM"; st=$?; AM=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM"
echo "PASS: sign"
