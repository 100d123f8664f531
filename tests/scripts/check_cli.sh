#!/bin/sh
# tests/scripts/check_cli.sh - `authmilter check` output: the --json fields
# the README documents (checked with python3 json), --explain's answer to
# "why did DMARC fail" (DNS answers, alignment mode, org domains), exit
# codes (0 for any completed verdict, 2 for bad usage).
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
Z=tests/fixtures/verdict/verdict.zone
M=tests/fixtures/verdict/dkim-sub-for-org.eml
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
run() { "$AUTHMILTER" check --dns-zone "$Z" --authserv-id mx.test --helo mail.example.com "$@"; }

out=$(run --ip 192.0.2.1 --mail-from x@bounce.strict.example --json < "$M")
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
for k in ("spf", "dkim", "dmarc", "authentication_results", "action"):
    assert k in j, k
d = j["dmarc"]
for k in ("result", "from_domain", "policy_domain", "org_domain", "discovery",
          "policy", "disposition", "spf_aligned", "dkim_aligned", "override",
          "dnssec", "reason", "alignment"):
    assert k in d, k
assert d["result"] == "fail", d
assert d["from_domain"] == "strict.example"
assert d["policy"]["p"] == "reject", d["policy"]
assert d["disposition"] == "reject"
assert d["spf_aligned"] is False and d["dkim_aligned"] is False
modes = {(a["identifier"], a["mode"], a["aligned"]) for a in d["alignment"]}
assert ("spf", "strict", False) in modes and ("dkim", "strict", False) in modes, modes
assert j["dkim"][0]["result"] == "pass"
assert j["spf"]["result"] == "pass"
assert j["action"]["action"] == "accept"
assert "dmarc=fail" in j["authentication_results"]
' || fail "--json fields"
echo "ok   --json fields"

out=$(run --ip 192.0.2.1 --mail-from x@bounce.strict.example --explain < "$M")
for want in "_dmarc.strict.example: records" "v=DMARC1; p=reject; aspf=s; adkim=s" \
    "SPF bounce.strict.example vs author strict.example, strict alignment: not aligned" \
    "DKIM d=sub.strict.example vs author strict.example, strict alignment: not aligned" \
    "DMARC: fail"; do
	echo "$out" | grep -qF "$want" || fail "--explain lacks '$want'"
done
echo "ok   --explain strict"

out=$(printf 'From: a@news.example.com\r\n\r\nx\r\n' | run --ip 192.0.2.1 --mail-from x@bounce.example.com --explain)
echo "$out" | grep -qF "SPF bounce.example.com vs author news.example.com, relaxed alignment (org domains example.com vs example.com): aligned" \
	|| { echo "$out"; fail "--explain relaxed org domains"; }
echo "ok   --explain relaxed"

set +e
printf 'From: a@example.com\r\n\r\nx\r\n' | run --ip 198.51.100.7 --mail-from a@example.com --set dmarc_enforce=yes > "$T/out.txt"
rc=$?
set -e
[ $rc -eq 0 ] || fail "reject verdict exit $rc"
grep -q "action: reject 550 5.7.1" "$T/out.txt" || fail "reject line"
set +e
run --ip 192.0.2.1 < /dev/null > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "usage exit $rc"
echo "ok   exit codes"
