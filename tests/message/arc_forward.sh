#!/bin/sh
# tests/message/arc_forward.sh - ARC in the evaluation of a message (config
# key arc), end to end through `authmilter check` on real libunbound: a
# mailing list breaks the DKIM signature of orig.example (p=reject, a
# footer) and sends from its own address and IP (SPF not aligned), after
# sealing an ARC set. The fixtures are made at test time with dkimpy's
# dkim.sign / dkim.arc_sign and fresh keys (tests/lib/arc_fixtures.py,
# which lists them).
#   - Authentication-Results: arc=pass (sealed by D) header.oldest-pass=N
#     smtp.remote-ip=IP; arc=none without ARC fields; arc=fail with the
#     reason for an altered AAR and for a seal made with another key;
#     nothing with arc = no.
#   - check --json "arc" {result, sets, oldest_pass, sealers, reason},
#     null with arc = no; --explain's ARC line.
#   - ARC alone never changes the verdict: every one is rejected
#     (dmarc_enforce = yes) like the message without ARC.
#   - arc_trusted_sealers: (a) the trusted list's seal makes the
#     disposition none with override trusted_forwarder: header (naming the
#     sealer), JSON, --explain, the history record and the aggregate
#     report (JSON; XML against the RFC 9990 schema); an aligned dkim=pass
#     in its AAR counts too; (b) an untrusted sealer and (c) forged chains
#     (AAR edited after sealing, a seal made with a key not in list.example's
#     DNS), an AAR saying dmarc=fail or passing another domain, a later hop
#     that broke the trusted AMS, arc = no: still rejected.
. "$(pwd)/tests/lib/arc.sh"  # $PY, $T, fail(), the fixtures
# the list's IP and envelope; "check" sees what our MX would
run() {
	f=$1; shift
	"$AUTHMILTER" check -c /dev/null --dns-zone "$T/zone" --authserv-id mx.test \
	    --helo list.example --ip 198.51.100.7 --mail-from bounce@list.example \
	    --rcpt bob@example.org --now 1800000100 --set dmarc_enforce=yes \
	    "$@" < "$T/$f.eml"
}
# the Authentication-Results value unfolded, from --json
ar() {
	run "$@" --json | $PY -c '
import json, re, sys
print(re.sub(r"\r\n[ \t]+", " ", json.load(sys.stdin)["authentication_results"]))'
}
has() {
	case "$1" in *"$2"*) ;; *) fail "$3: no '$2' in: $1" ;; esac
}

a=$(ar trusted)
has "$a" "arc=pass (sealed by list.example) header.oldest-pass=1 smtp.remote-ip=198.51.100.7;" trusted
has "$a" "dmarc=fail" trusted
a=$(ar plain)
has "$a" "arc=none smtp.remote-ip=198.51.100.7;" plain
a=$(ar forged_aar)
has "$a" 'arc=fail reason="ARC-Seal i=1: signature did not verify" (sealed by list.example) smtp.remote-ip=198.51.100.7;' forged_aar
a=$(ar forged_key)
has "$a" 'arc=fail reason="ARC-Message-Signature i=1: signature did not verify"' forged_key
a=$(ar two_sets)
has "$a" "arc=pass (sealed by other.example, list.example) header.oldest-pass=2 smtp.remote-ip=198.51.100.7;" two_sets
a=$(ar trusted --set arc=no)
case "$a" in *" arc="*) fail "arc = no still has an arc resinfo: $a" ;; esac
echo "ok   Authentication-Results: arc=pass|none|fail, oldest-pass, sealers, remote-ip; none with arc = no"

run two_sets --json > "$T/j" || fail "check --json"
$PY - "$T/j" <<'PYEOF' || fail "--json arc: $(cat "$T/j")"
import json, sys
j = json.load(open(sys.argv[1]))
a = j["arc"]
assert a == {"result": "pass", "sets": 2, "oldest_pass": 2,
             "sealers": ["list.example", "other.example"],
             "reason": "2 ARC sets verified", "trusted_sealer": None}, a
PYEOF
run plain --json | $PY -c '
import json, sys
a = json.load(sys.stdin)["arc"]
assert a["result"] == "none" and a["sets"] == 0 and a["sealers"] == [], a' ||
    fail "--json arc none"
run trusted --json --set arc=no | $PY -c '
import json, sys
assert json.load(sys.stdin)["arc"] is None' || fail "--json arc null with arc = no"
run forged_key --explain > "$T/x" || true
grep -q "^ARC: fail - 1 set, sealers list.example (ARC-Message-Signature i=1: signature did not verify)$" "$T/x" ||
    fail "--explain: $(cat "$T/x")"
echo "ok   check --json arc object, --explain ARC line"

# ARC alone decides nothing: all rejected as the message without ARC
for f in plain trusted untrusted forged_aar forged_key two_sets; do
	run $f --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "reject", j["action"]
assert j["dmarc"]["override"] in (None, "none"), j["dmarc"]' || fail "$f: not rejected"
done
echo "ok   ARC alone never changes the verdict"

# --- arc_trusted_sealers = list.example ------------------------------------
TS="--set arc_trusted_sealers=other.invalid,LIST.Example"
# (a) the trusted list's seal: disposition none, trusted_forwarder in the
# header, the JSON, the history record and the reports made from it
run trusted $TS --json --history "$T/h.db" --record > "$T/j" || fail "check --record"
$PY - "$T/j" <<'PYEOF' || fail "trusted: $(cat "$T/j")"
import json, re, sys
j = json.load(open(sys.argv[1]))
assert j["action"]["action"] == "accept", j["action"]
d = j["dmarc"]
assert d["result"] == "fail" and d["disposition"] == "none", d
assert d["override"] == "trusted_forwarder", d
ar = re.sub(r"\r\n[ \t]+", " ", j["authentication_results"])
assert "dmarc=fail (p=reject dis=none override=trusted_forwarder arc.sealer=LIST.Example)" in ar, ar
assert j["arc"]["trusted_sealer"] == {"sealer": "LIST.Example", "instance": 1,
    "said": "dmarc=pass header.from=orig.example"}, j["arc"]
assert "trusted ARC sealer LIST.Example (i=1)" in j["action"]["reason"], j["action"]
PYEOF
run trusted $TS --explain | grep -q "^ARC: trusted sealer LIST.Example (i=1) says dmarc=pass header.from=orig.example: DMARC disposition none (trusted_forwarder)$" ||
    fail "--explain trusted sealer"
"$AUTHMILTER" report -c /dev/null --history "$T/h.db" --from 1800000000 \
    --to 1800086400 --domain orig.example --format json > "$T/rep.json" 2>"$T/err" ||
    fail "report: $(cat "$T/rep.json")"
$PY - "$T/rep.json" <<'PYEOF' || fail "report row: $(cat "$T/rep.json")"
import json, sys
r = json.load(open(sys.argv[1]))["record"]
assert len(r) == 1, r
pe = r[0]["row"]["policy_evaluated"]
assert (pe["disposition"], pe["dkim"], pe["spf"]) == ("none", "fail", "fail"), pe
assert [x["type"] for x in pe["reason"]] == ["trusted_forwarder"], pe
assert pe["reason"][0].get("comment") == "arc=pass sealer=LIST.Example", pe
assert r[0]["identifiers"]["header_from"] == "orig.example", r[0]
PYEOF
"$AUTHMILTER" report -c /dev/null --history "$T/h.db" --from 1800000000 \
    --to 1800086400 --domain orig.example --format xml > "$T/rep.xml" 2>"$T/err" || fail "report xml"
# the sealer is the reason's comment (RFC 9990 PolicyOverrideReason)
grep -A1 "<type>trusted_forwarder</type>" "$T/rep.xml" |
    grep -q "<comment>arc=pass sealer=LIST.Example</comment>" ||
    fail "XML: $(cat "$T/rep.xml")"
XSD=${SHARED:-../shared}/conformance/dmarc/reports/rfc9990-dmarc.xsd
if [ -f "$XSD" ] && command -v xmllint >/dev/null 2>&1; then
	xmllint --noout --schema "$XSD" "$T/rep.xml" 2>"$T/lint" ||
	    fail "report XML: $(cat "$T/lint")"
fi
echo "ok   (a) trusted sealer: accepted, trusted_forwarder in the header, JSON, history and report"

# aligned DKIM in the trusted sealer's AAR counts too (strict: that domain)
run aar_aligned $TS --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "accept" and j["dmarc"]["override"] == "trusted_forwarder", j["dmarc"]
assert j["arc"]["trusted_sealer"]["said"] == "dkim=pass header.d=orig.example", j["arc"]' ||
    fail "aar_aligned"
echo "ok   an aligned dkim=pass in the trusted AAR counts"

# (b) an untrusted sealer, (c) forged chains, and every other doubt: reject
for f in untrusted forged_aar forged_key aar_fail aar_other two_sets; do
	run $f $TS --json | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["action"]["action"] == "reject", j["action"]
assert j["dmarc"]["disposition"] == "reject", j["dmarc"]
assert j["dmarc"]["override"] in (None, "none"), j["dmarc"]
assert j["arc"]["trusted_sealer"] is None, j["arc"]
assert "trusted_forwarder" not in j["authentication_results"]' || fail "$f: not rejected"
done
# the trusted seal with ARC verification off: nothing to trust
run trusted $TS --set arc=no --json | $PY -c '
import json, sys
assert json.load(sys.stdin)["action"]["action"] == "reject"' || fail "arc = no"
echo "ok   (b) untrusted sealer, (c) altered AAR / foreign key, AAR saying fail or another domain, a later hop breaking the trusted AMS, arc = no: rejected"
echo "PASS: arc_forward"
