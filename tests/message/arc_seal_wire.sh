#!/bin/sh
# tests/message/arc_seal_wire.sh - arc_seal in the evaluation of a message
# (the milter's, run by `authmilter check`): the fixtures of
# tests/lib/arc_fixtures.py (a list that breaks orig.example's DKIM and
# SPF, sealed by list.example) checked by mx.test with
# arc_seal = mx.test seal KEY.
#   - a delivered message gets the next ARC set: i=2 cv=pass after the
#     trusted list's chain, i=1 cv=none on a message without ARC; its AAR
#     is our Authentication-Results (arc= included); the message with the
#     set on top validates with `authmilter arc` and dkimpy's arc_verify;
#     the text output prints the set, --json "arc_seal".
#   - rejected: not sealed (and says so); quarantined: sealed.
#   - a sealing error (two From fields, accepted with dmarc_enforce = no):
#     on_seal_error = accept-unsealed (the default) accepts unsealed with
#     error true; tempfail gives 451 4.7.0.
#   - arc_seal with arc = no is refused; without arc_seal: "arc_seal" null.
#   - arc_seal_headers: the AMS h= is that list (still validating), not
#     the built-in one; a field an AMS never signs in it is refused.
. "$(pwd)/tests/lib/arc.sh"  # $PY, $T, fail(), the fixtures
NOW=1800000100
run() {
	f=$1; shift
	"$AUTHMILTER" check -c /dev/null --dns-zone "$T/zone" --authserv-id mx.test \
	    --helo list.example --ip 198.51.100.7 --mail-from bounce@list.example \
	    --rcpt bob@example.org --now $NOW --set dmarc_enforce=yes \
	    --set "arc_seal=mx.test seal $T/seal.pem" "$@" < "$T/$f.eml"
}
# the message as delivered (the ARC set, our AR, the input) written to
# $2, the "arc_seal" note to $2.note
delivered() {
	f=$1; out=$2; shift 2
	run "$f" --json "$@" > "$T/j" || fail "$f: check"
	$PY - "$T/j" "$T/$f.eml" "$out" <<'PYEOF' || fail "$f: $(cat "$T/j")"
import json, re, sys
j = json.load(open(sys.argv[1]))
s = j["arc_seal"]
assert s["sealed"] and not s["error"], s
f = s["fields"]
assert f.startswith("ARC-Seal: ") and "\r\nARC-Message-Signature: " in f and \
    "\r\nARC-Authentication-Results: " in f and f.endswith("\r\n"), f
aar = f[f.index("ARC-Authentication-Results: "):]
aar = re.sub(r"\r\n[ \t]+", " ", aar.split(";", 1)[1]).strip()
assert aar == j["authentication_results"].strip(), (aar, j["authentication_results"])
raw = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
msg = f.encode() + b"Authentication-Results:" + \
    j["authentication_results"].encode() + b"\r\n" + raw
open(sys.argv[3], "wb").write(msg)
open(sys.argv[3] + ".note", "w").write(s["note"])
PYEOF
}
verify() {
	"$AUTHMILTER" arc --dns-zone "$T/zone" --now $NOW --json < "$1" > "$T/a" ||
	    fail "authmilter arc $1"
	$PY -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert a["result"] == "pass" and a["sets"] == int(sys.argv[2]), a
assert a["sealers"][-1] == "mx.test", a' "$T/a" "$2" || fail "authmilter arc: $(cat "$T/a")"
	$PY tests/lib/arc_verify.py "$T/zone" "$1" $NOW > "$T/d" ||
	    fail "dkimpy arc_verify: $(cat "$T/d")"
	grep -q "^cv=pass sets=$2 " "$T/d" || fail "dkimpy: $(cat "$T/d")"
}

# (1) after the trusted list's chain: accepted (trusted_forwarder), i=2 cv=pass
delivered trusted "$T/out2.eml" --set arc_trusted_sealers=list.example
n=$(cat "$T/out2.eml.note")
[ "$n" = "sealed i=2 cv=pass" ] || fail "trusted note: $n"
grep -q "override=trusted_forwarder" "$T/out2.eml" || fail "no trusted_forwarder"
grep -q "^ARC-Authentication-Results: i=2; mx.test;" "$T/out2.eml" || fail "AAR"
verify "$T/out2.eml" 2
# (2) no ARC in: i=1 cv=none
delivered plain "$T/out1.eml" --set dmarc_enforce=no
n=$(cat "$T/out1.eml.note")
[ "$n" = "sealed i=1 cv=none" ] || fail "plain note: $n"
grep -q "arc=none smtp.remote-ip=198.51.100.7;" "$T/out1.eml" || fail "AAR arc=none"
verify "$T/out1.eml" 1
echo "ok   delivered mail sealed (i=2 cv=pass, i=1 cv=none), AAR = our AR; authmilter arc and dkimpy validate it"

# arc_seal_headers: the AMS h= is the configured list (its over-signed
# names twice), not the built-in one; the set still validates; a field
# never signed by an AMS is refused
ams_h() { # the h= of the ARC-Message-Signature of $1
	$PY - "$1" <<'PYEOF'
import email.parser, re, sys
m = email.parser.BytesParser().parse(open(sys.argv[1], "rb"), headersonly=True)
v = re.sub(r"\s+", "", str(m["ARC-Message-Signature"]))
print(re.search(r"(?:^|;)h=([^;]*)", v).group(1))
PYEOF
}
h=$(ams_h "$T/out1.eml")
case ":$h:" in *:to:*:date:*:dkim-signature:*) ;; *) fail "default AMS h=$h";; esac
delivered plain "$T/out1h.eml" --set dmarc_enforce=no \
    --set "arc_seal_headers=Subject, from, x-absent DKIM-Signature"
h=$(ams_h "$T/out1h.eml")
[ "$h" = "subject:subject:from:from:dkim-signature" ] || fail "arc_seal_headers: AMS h=$h"
verify "$T/out1h.eml" 1
if run plain --set dmarc_enforce=no --set "arc_seal_headers=from, ARC-Seal" \
    > "$T/o" 2>"$T/e"; then fail "arc_seal_headers = from, ARC-Seal accepted"; fi
grep -q "arc_seal_headers: ARC-Seal is never signed by an ARC-Message-Signature" "$T/e" ||
    fail "ARC-Seal in arc_seal_headers: $(cat "$T/e")"
long=x-$(printf '%070d' 0)  # over DKIM_SIGN_MAX_NAME: refused at the key itself
if run plain --set "arc_seal_headers=from, $long" > "$T/o" 2>"$T/e"; then
	fail "a 72-character name in arc_seal_headers accepted"; fi
grep -q "arc_seal_headers: 'x-0*\.*' is over 64 characters" "$T/e" ||
    fail "long name in arc_seal_headers: $(cat "$T/e")"
echo "ok   arc_seal_headers: the AMS h= is the configured list (validates); ARC-Seal or a name too long refused"

# the text output shows the set on top
run plain --set dmarc_enforce=no > "$T/t" || fail "check text"
head -1 "$T/t" | grep -q "^ARC-Seal: a=rsa-sha256;" || fail "text: $(head -3 "$T/t")"
grep -q "^ARC-Authentication-Results: i=1; mx.test;" "$T/t" || fail "text AAR"
# quarantine (orig.example at p=quarantine): delivered, so sealed
sed 's/_dmarc.orig.example.      TXT "v=DMARC1; p=reject"/_dmarc.orig.example. TXT "v=DMARC1; p=quarantine"/' \
    "$T/zone" > "$T/zone.q"
grep -q "p=quarantine" "$T/zone.q" || fail "zone.q"
"$AUTHMILTER" check -c /dev/null --dns-zone "$T/zone.q" --authserv-id mx.test \
    --helo list.example --ip 198.51.100.7 --mail-from bounce@list.example \
    --now $NOW --set dmarc_enforce=yes --set "arc_seal=mx.test seal $T/seal.pem" \
    --json < "$T/plain.eml" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "quarantine", j["action"]
assert j["arc_seal"]["sealed"] and j["arc_seal"]["note"] == "sealed i=1 cv=none", j["arc_seal"]' ||
    fail "quarantine not sealed"
# rejected: not sealed, and said
run untrusted --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "reject", j["action"]
assert j["arc_seal"] == {"sealed": False, "error": False, "fields": None,
    "note": "not sealed: the message is rejected"}, j["arc_seal"]' ||
    fail "rejected sealed"
run untrusted > "$T/t" || true
grep -q "^arc_seal: not sealed: the message is rejected$" "$T/t" || fail "text reject"
echo "ok   text output shows the set; quarantined: sealed; rejected: not sealed (said in text and JSON)"

# a sealing error: two From fields (accepted: dmarc_enforce = no)
{ printf 'From: a@orig.example\r\n'; cat "$T/plain.eml"; } > "$T/twofrom.eml"
run twofrom --set dmarc_enforce=no --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "accept", j["action"]
s = j["arc_seal"]
assert s["error"] and not s["sealed"] and s["fields"] is None, s
assert s["note"].startswith("cannot seal: "), s' || fail "on_seal_error default"
run twofrom --set dmarc_enforce=no --set on_seal_error=tempfail --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
a = j["action"]
assert (a["action"], a["smtp_code"], a["smtp_xcode"]) == ("tempfail", "451", "4.7.0"), a
assert a["reason"].startswith("on_seal_error = tempfail: "), a
assert j["arc_seal"]["error"], j["arc_seal"]' || fail "on_seal_error tempfail"
echo "ok   sealing error: on_seal_error accept-unsealed (default, said) / tempfail 451 4.7.0"

# arc_seal needs arc = yes; without arc_seal: null
if run plain --set arc=no > "$T/o" 2>"$T/e"; then fail "arc = no accepted"; fi
grep -q "arc_seal needs arc = yes" "$T/e" || fail "arc = no: $(cat "$T/e")"
"$AUTHMILTER" check -c /dev/null --dns-zone "$T/zone" --authserv-id mx.test \
    --helo list.example --ip 198.51.100.7 --mail-from bounce@list.example \
    --now $NOW --json < "$T/plain.eml" | $PY -c '
import json, sys
assert json.load(sys.stdin)["arc_seal"] is None' || fail "null without arc_seal"
echo "ok   arc_seal with arc = no refused; arc_seal null when unset"
echo "PASS: arc_seal_wire"
