#!/bin/sh
# tests/dkim/keytools.sh - `authmilter keygen` and `authmilter testkey`
# (cli/cmd_keygen.c, cli/cmd_testkey.c, dkim/dkim_keygen.c):
#  1. RSA-2048, RSA-4096 and Ed25519 keys: the S.txt record loads in a
#     zone file (--dns-zone) and testkey says "match" (text and --json);
#     every TXT string is at most 255 octets (the 4096-bit key needs
#     several); a message signed by `authmilter sign` with the key passes
#     `authmilter dkim` and dkimpy (key record joined from S.txt);
#  2. the private key file is 0600 even under umask 000 (and 077 does not
#     make it unreadable to its owner); an existing file is not
#     overwritten (exit 1, content unchanged), --force replaces it; a
#     symbolic link at S.private is not followed (its target unchanged,
#     also with --force, which replaces the link itself);
#  3. --bits under 1024 refused (exit 2), 1024 warns (RFC 8301 3.2);
#  4. testkey: another key's record -> mismatch, exit 1; a revoked key
#     (p=) -> "revoked", exit 1; t=y -> a warning, exit 0; no record ->
#     exit 1; with whitespace inside the published p= still "match";
#  5. with nsd, ldnsutils and opendkim-tools: the record in a
#     DNSSEC-signed zone on loopback: testkey says "dnssec secure" and
#     match, and opendkim-testkey -k says "key OK" for the same key and
#     zone; a 4096-bit record is shown whole; an anchored zone served
#     without signatures is "dnssec bogus", exit 3 (that part skipped,
#     with a line saying so, without the tools).
set -u
: "${AUTHMILTER:?}"
. "$(pwd)/tests/lib/common.sh"  # ok, stop_pids, tail_logs
. "$(pwd)/tests/lib/nsd.sh"     # nsd_zone, nsd_sign, nsd_serve
PY=/usr/bin/python3
$PY -c 'import dkim' 2>/dev/null || { echo "keytools: skipped (python3-dkim not installed)"; exit 77; }
T=$(mktemp -d /tmp/keytools.XXXXXX)
NSD_PID=
cleanup() {
	stop_pids $NSD_PID
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	tail_logs 5 nsd.log
	exit 1
}
A=$AUTHMILTER
D=example.com
mkdir "$T/k"

# 1. keys and records
(umask 000 && "$A" keygen --domain $D --selector rsa --dir "$T/k" > "$T/rsa.out") ||
    fail "keygen rsa: exit $?"
(umask 000 && "$A" keygen --domain $D --selector ed --algorithm ed25519 --dir "$T/k" > "$T/ed.out") ||
    fail "keygen ed25519: exit $?"
"$A" keygen --domain $D --selector big --bits 4096 --dir "$T/k" > "$T/big.out" ||
    fail "keygen 4096: exit $?"
for s in rsa ed big; do
	head -n "$(wc -l < "$T/k/$s.txt")" "$T/$s.out" | cmp -s - "$T/k/$s.txt" ||
	    fail "$s: printed record differs from $s.txt"
	grep -q "^sign_key = $D $s /.*/k/$s.private\$" "$T/$s.out" ||
	    fail "$s: no sign_key line: $(cat "$T/$s.out")"
	[ "$(stat -c %a "$T/k/$s.private")" = 600 ] ||
	    fail "$s.private mode $(stat -c %a "$T/k/$s.private")"
done
ok "keygen rsa, ed25519, rsa-4096: S.private mode 0600 (umask 000), S.txt = the printed record, sign_key line"
grep -q '"v=DKIM1; k=rsa; "' "$T/k/rsa.txt" || fail "rsa.txt: $(cat "$T/k/rsa.txt")"
grep -q '"v=DKIM1; k=ed25519; "' "$T/k/ed.txt" || fail "ed.txt: $(cat "$T/k/ed.txt")"
grep -q -- "-----BEGIN PRIVATE KEY-----" "$T/k/ed.private" || fail "ed.private is not PEM"

# the strings of each record: each <= 255 octets, joined = one record
$PY - "$T/k" > "$T/recs.json" <<'EOF' || fail "TXT strings"
import json, re, sys
recs = {}
for s in ("rsa", "ed", "big"):
    t = open("%s/%s.txt" % (sys.argv[1], s)).read()
    assert t.startswith("%s._domainkey.example.com.\tIN\tTXT\t( " % s), t
    assert t.rstrip().endswith(")"), t
    parts = re.findall(r'"([^"]*)"', t)
    assert all(len(p) <= 255 for p in parts), [len(p) for p in parts]
    if s == "big":
        assert len(parts) >= 4 and max(len(p) for p in parts) == 255, [len(p) for p in parts]
    recs["%s._domainkey.example.com" % s] = "".join(parts)
json.dump(recs, sys.stdout)
EOF
ok "TXT strings at most 255 octets (4096-bit key: $($PY -c 'import json,sys;r=json.load(open(sys.argv[1]));print(len(r["big._domainkey.example.com"]))' "$T/recs.json") octets in several strings)"

{
	printf '$TTL 300\n. IN SOA ns.invalid. h.invalid. 1 3600 600 86400 300\n. IN NS ns.invalid.\n'
	cat "$T/k/rsa.txt" "$T/k/ed.txt" "$T/k/big.txt"
	printf 'other._domainkey.example.com. IN TXT "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="\n'
	printf 'gone._domainkey.example.com. IN TXT "v=DKIM1; k=rsa; p="\n'
	# rsa's record again, t=y, its p= broken by spaces inside the strings
	$PY - "$T/recs.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))["rsa._domainkey.example.com"].split("p=", 1)[1]
print('test._domainkey.example.com. IN TXT ( "v=DKIM1; t=y; k=rsa; p=" %s )'
      % " ".join('"%s "' % p[i:i + 64] for i in range(0, len(p), 64)))
EOF
} > "$T/zone"
for s in rsa ed big; do
	"$A" testkey --domain $D --selector $s --key "$T/k/$s.private" --dns-zone "$T/zone" > "$T/tk.out" 2>&1 ||
	    fail "testkey $s: exit $?: $(cat "$T/tk.out")"
	grep -q "^private .*: match\$" "$T/tk.out" || fail "testkey $s: $(cat "$T/tk.out")"
	grep -q "^result   ok\$" "$T/tk.out" || fail "testkey $s: $(cat "$T/tk.out")"
done
grep -q "^key      rsa, 4096 bits" "$T/tk.out" || fail "testkey big: $(cat "$T/tk.out")"
"$A" testkey --domain $D --selector ed --key "$T/k/ed.private" --dns-zone "$T/zone" --json > "$T/tk.json" ||
    fail "testkey --json: exit $?"
$PY - "$T/tk.json" <<'EOF' || fail "testkey --json: $(cat "$T/tk.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["match"] == "match" and j["result"] == "ok" and j["dnssec"] == "insecure", j
assert j["key"]["type"] == "ed25519" and j["key"]["bits"] == 256 and not j["key"]["testing"], j
assert j["problems"] == [], j
EOF
ok "the records load from a zone file; testkey: rsa, ed25519, rsa-4096 match (text and --json)"

# signatures made with the keys pass our verifier and dkimpy
printf 'From: a@example.com\r\nTo: b@example.org\r\nSubject: keytools\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <kt@example.com>\r\n\r\nHello \r\n\r\n' > "$T/m.eml"
cat > "$T/pyverify.py" <<'EOF'
import json, sys, dkim
recs = json.load(open(sys.argv[1]))
def dnsfunc(name, timeout=5):
    return recs.get(name.decode().rstrip("."), "").encode()
d = dkim.DKIM(open(sys.argv[2], "rb").read())
n = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
sys.exit(0 if n == 2 and all(d.verify(idx=i, dnsfunc=dnsfunc) for i in range(n)) else 1)
EOF
"$A" sign --domain $D --selector rsa --key "$T/k/rsa.private" --selector ed --key "$T/k/ed.private" \
    < "$T/m.eml" > "$T/s.eml" || fail "sign: exit $?"
"$A" dkim --json --dns-zone "$T/zone" < "$T/s.eml" > "$T/v.json" || fail "dkim: exit $?"
$PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
r = j if isinstance(j, list) else j.get("signatures", j.get("dkim"))
res = sorted((x["selector"], x["result"]) for x in r)
assert res == [("ed", "pass"), ("rsa", "pass")], res
' "$T/v.json" || fail "authmilter dkim: $(cat "$T/v.json")"
$PY "$T/pyverify.py" "$T/recs.json" "$T/s.eml" || fail "dkimpy does not verify the signatures"
ok "rsa + ed25519 signatures by the generated keys pass authmilter dkim and dkimpy"

# 2. no overwrite, symbolic links, --force
cp "$T/k/rsa.private" "$T/rsa.before"
"$A" keygen --domain $D --selector rsa --dir "$T/k" > "$T/o" 2> "$T/e"
rc=$?
[ $rc -eq 1 ] || fail "keygen over an existing key: exit $rc"
grep -q "exists" "$T/e" || fail "keygen over an existing key: $(cat "$T/e")"
[ ! -s "$T/o" ] || fail "keygen over an existing key printed a record"
cmp -s "$T/k/rsa.private" "$T/rsa.before" || fail "the existing key was changed"
echo "precious" > "$T/target"
ln -s "$T/target" "$T/k/link.private"
"$A" keygen --domain $D --selector link --dir "$T/k" > "$T/o" 2> "$T/e"
rc=$?
[ $rc -eq 1 ] || fail "keygen onto a symlink: exit $rc"
[ "$(cat "$T/target")" = precious ] || fail "keygen wrote through a symlink"
[ ! -e "$T/k/link.txt" ] || fail "keygen wrote link.txt after refusing link.private"
"$A" keygen --domain $D --selector link --dir "$T/k" --force > "$T/o" 2> "$T/e" ||
    fail "keygen --force: exit $?: $(cat "$T/e")"
[ "$(cat "$T/target")" = precious ] || fail "keygen --force wrote through a symlink"
[ -f "$T/k/link.private" ] && [ ! -L "$T/k/link.private" ] || fail "--force did not replace the link"
[ "$(stat -c %a "$T/k/link.private")" = 600 ] || fail "--force: mode $(stat -c %a "$T/k/link.private")"
"$A" keygen --domain $D --selector rsa --dir "$T/k" --force > "$T/o" 2> "$T/e" || fail "keygen --force rsa: exit $?"
cmp -s "$T/k/rsa.private" "$T/rsa.before" && fail "--force did not replace the key"
(umask 077 && "$A" keygen --domain $D --selector u77 --dir "$T/k" > /dev/null) || fail "umask 077"
[ "$(stat -c %a "$T/k/u77.private")" = 600 ] && [ "$(stat -c %a "$T/k/u77.txt")" = 644 ] ||
    fail "umask 077: modes $(stat -c %a "$T/k/u77.private") $(stat -c %a "$T/k/u77.txt")"
ok "an existing key is not overwritten (exit 1), a symlink not followed (also with --force), --force replaces; modes 0600/0644 whatever the umask"

# 3. sizes
"$A" keygen --domain $D --selector small --bits 1023 --dir "$T/k" > "$T/o" 2> "$T/e"
rc=$?
[ $rc -eq 2 ] && grep -q "RFC 8301" "$T/e" && [ ! -e "$T/k/small.private" ] ||
    fail "--bits 1023: exit $rc, $(cat "$T/e")"
"$A" keygen --domain $D --selector k1024 --bits 1024 --dir "$T/k" > "$T/o" 2> "$T/e" || fail "--bits 1024: exit $?"
grep -q "warning: .*1024 bits.*SHOULD" "$T/e" || fail "--bits 1024 did not warn: $(cat "$T/e")"
"$A" keygen --domain $D --selector ../x --dir "$T/k" > "$T/o" 2> "$T/e"
[ $? -eq 2 ] || fail "a selector with a slash was accepted"
ok "RSA under 1024 bits refused (exit 2), 1024 warns, a selector that is not a name refused"

# 4. testkey's problems
"$A" testkey --domain $D --selector other --key "$T/k/ed.private" --dns-zone "$T/zone" > "$T/o" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "^private .*: mismatch\$" "$T/o" || fail "another key: exit $rc: $(cat "$T/o")"
"$A" testkey --domain $D --selector ed --key "$T/k/rsa.private" --dns-zone "$T/zone" > "$T/o" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "mismatch" "$T/o" || fail "rsa key vs ed25519 record: exit $rc: $(cat "$T/o")"
"$A" testkey --domain $D --selector gone --dns-zone "$T/zone" > "$T/o" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "^error    revoked:" "$T/o" || fail "revoked: exit $rc: $(cat "$T/o")"
"$A" testkey --domain $D --selector test --key "$T/rsa.before" --dns-zone "$T/zone" > "$T/o" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^warning  testing: t=y" "$T/o" && grep -q ": match\$" "$T/o" ||
    fail "t=y record with spaces in p=: exit $rc: $(cat "$T/o")"
"$A" testkey --domain $D --selector none --dns-zone "$T/zone" > "$T/o" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "no-record" "$T/o" || fail "no record: exit $rc: $(cat "$T/o")"
"$A" testkey --domain $D > "$T/o" 2>&1
[ $? -eq 2 ] || fail "testkey without --selector"
ok "testkey: another key -> mismatch (exit 1), revoked (exit 1), t=y a warning and spaces in p= still match (exit 0), no record (exit 1)"

# 5. a DNSSEC-signed zone on loopback nsd; opendkim-testkey on the same
for t in nsd ldns-keygen ldns-signzone drill opendkim-testkey; do
	if ! command -v $t > /dev/null 2>&1; then
		echo "ok   (nsd part skipped: $t is missing; apt-get install nsd ldnsutils opendkim-tools)"
		echo "keytools: $checks checks passed"
		exit 0
	fi
done
PORT=$(free_udp_port) || fail "no free port"
for z in sec.example bad.example; do
	nsd_zone "$T" $z "$(sed 's/\._domainkey\.example\.com\./._domainkey/' "$T/k/rsa.txt" "$T/k/ed.txt" "$T/k/big.txt")"
	nsd_sign "$T" $z
done
# bad.example: anchored, but served without its signatures -> bogus
cp "$T/bad.example.zone" "$T/bad.example.zone.signed"
nsd_serve "$T" "$PORT" sec.example sec.example bad.example
cat > "$T/unbound.conf" <<EOF
server:
    module-config: "validator iterator"
    do-not-query-localhost: no
    trust-anchor-file: "$T/sec.example.ds"
    trust-anchor-file: "$T/bad.example.ds"
stub-zone:
    name: "sec.example."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "bad.example."
    stub-addr: 127.0.0.1@$PORT
EOF
for s in rsa ed; do
	"$A" testkey --domain sec.example --selector $s --key "$T/k/$s.private" --dns-conf "$T/unbound.conf" > "$T/o" 2>&1 ||
	    fail "testkey $s over nsd: exit $?: $(cat "$T/o")"
	grep -q "^record   $s._domainkey.sec.example: records, dnssec secure\$" "$T/o" && grep -q ": match\$" "$T/o" ||
	    fail "testkey $s over nsd: $(cat "$T/o")"
done
ok "testkey over DNSSEC-signed nsd: dnssec secure, rsa and ed25519 match"
"$A" testkey --domain sec.example --selector big --dns-conf "$T/unbound.conf" > "$T/o" 2>&1 ||
    fail "testkey big over nsd: exit $?: $(cat "$T/o")"
$PY -c '
import json, sys
want = json.load(open(sys.argv[1]))["big._domainkey.example.com"]
assert "         \"%s\"" % want in open(sys.argv[2]).read().splitlines()
' "$T/recs.json" "$T/o" || fail "testkey big: the record is not shown whole: $(cat "$T/o")"
"$A" testkey --domain bad.example --selector rsa --key "$T/k/rsa.private" --dns-conf "$T/unbound.conf" --json > "$T/o" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "bogus answer: exit $rc: $(cat "$T/o")"
$PY - "$T/o" <<'EOF' || fail "bogus answer: $(cat "$T/o")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["dnssec"] == "bogus" and j["result"] == "temperror", j
assert [p["code"] for p in j["problems"]] == ["dnssec-bogus"], j
EOF
ok "a 4096-bit record shown whole; an anchored zone served unsigned: dnssec bogus, exit 3 (--json)"
printf 'ResolverConfiguration %s\nTrustAnchorFile %s\n' "$T/unbound.conf" "$T/sec.example.ds" > "$T/odkim.conf"
opendkim-testkey -x "$T/odkim.conf" -d sec.example -s rsa -k "$T/k/rsa.private" -vvv > "$T/o" 2>&1 ||
    fail "opendkim-testkey: exit $?: $(cat "$T/o")"
grep -q "key OK" "$T/o" || fail "opendkim-testkey: $(cat "$T/o")"
odk=$(grep -o 'key [a-z ]*secure' "$T/o" | head -1)
cp "$T/k/big.private" "$T/wrong.private"
opendkim-testkey -x "$T/odkim.conf" -d sec.example -s rsa -k "$T/wrong.private" > "$T/o" 2>&1 &&
    fail "opendkim-testkey accepted another key: $(cat "$T/o")"
ok "opendkim-testkey agrees: key OK for the generated key ($odk), another key refused"
echo "keytools: $checks checks passed"
