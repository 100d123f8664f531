#!/bin/sh
# tests/cli/arc_cli.sh - `authmilter arc` (dkim/arc.h behind the message
# splitter): a message without ARC fields is arc=none; a chain with a gap
# is arc=fail before any key is fetched; with the conformance suite
# ($SHARED/conformance/arc) a real 2-set chain, its keys served from a
# zone file (--dns-zone), is arc=pass with header.oldest-pass and both
# sealers in the text and the JSON, and the same chain with a broken seal
# is arc=fail naming the seal.
set -eu
: "${AUTHMILTER:?}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

printf 'From: a@b.example\nTo: c@d.example\nSubject: x\n\nhi\n' > "$T/plain"
"$AUTHMILTER" arc < "$T/plain" > "$T/out" || fail "arc: exit $?"
grep -qx 'arc=none (no ARC sets)' "$T/out" || fail "plain: $(cat "$T/out")"
echo "ok   no ARC fields: arc=none"

{
	printf 'ARC-Seal: i=3; a=rsa-sha256; cv=pass; d=l.example; s=s; b=dGVzdA==\n'
	printf 'ARC-Message-Signature: i=3; a=rsa-sha256; d=l.example; s=s; h=from; bh=dGVzdA==; b=dGVzdA==\n'
	printf 'ARC-Authentication-Results: i=3; l.example; spf=pass\n'
	printf 'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=f.example; s=s; b=dGVzdA==\n'
	printf 'ARC-Message-Signature: i=1; a=rsa-sha256; d=f.example; s=s; h=from; bh=dGVzdA==; b=dGVzdA==\n'
	printf 'ARC-Authentication-Results: i=1; f.example; spf=pass\n'
	cat "$T/plain"
} > "$T/gap"
"$AUTHMILTER" arc --json < "$T/gap" > "$T/out" || fail "arc --json: exit $?"
/usr/bin/python3 - "$T/out" <<'PY' || fail "gap: $(cat "$T/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["result"] == "fail" and j["sets"] == 3, j
assert "i=2 has no" in j["reason"], j
assert j["sealers"] == ["f.example", "", "l.example"], j
PY
echo "ok   a gap in the instances: arc=fail before any key lookup"

A=${SHARED:-}/conformance/arc/arc-draft-validation-tests.json
if [ -z "${SHARED:-}" ] || [ ! -r "$A" ]; then
	echo "skip the signed chain: no $A"
	echo "PASS: arc_cli"
	exit 0
fi
/usr/bin/python3 - "$A" "$T" <<'PY'
import json, sys
suite = json.load(open(sys.argv[1]))
t = sys.argv[2]
for sc in suite:
    if sc["description"] != "Chain Validation":
        continue
    with open(t + "/zone", "w") as z:
        z.write(". 300 IN SOA ns.test. host.test. 1 3600 600 86400 300\n"
                ". 300 IN NS ns.test.\n")
        for name, txt in sc["txt-records"].items():
            parts = " ".join('"%s"' % txt[i:i + 250]
                             for i in range(0, len(txt), 250))
            z.write("%s. 300 IN TXT %s\n" % (name, parts))
    for name in ("cv_pass_i2_1", "cv_fail_i2_as2_invalid"):
        open(t + "/" + name, "w").write(sc["tests"][name]["message"])
PY
"$AUTHMILTER" arc --dns-zone "$T/zone" < "$T/cv_pass_i2_1" > "$T/out" ||
    fail "arc: exit $?"
grep -q '^arc=pass header.oldest-pass=1 (sealers: example.org, example.org; 2 ARC sets verified)$' \
    "$T/out" || fail "pass: $(cat "$T/out")"
"$AUTHMILTER" arc --json --dns-zone "$T/zone" < "$T/cv_pass_i2_1" > "$T/out"
/usr/bin/python3 - "$T/out" <<'PY' || fail "pass json: $(cat "$T/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert (j["result"], j["sets"], j["oldest_pass"]) == ("pass", 2, 1), j
assert j["sealers"] == ["example.org", "example.org"], j
PY
"$AUTHMILTER" arc --dns-zone "$T/zone" < "$T/cv_fail_i2_as2_invalid" > "$T/out"
grep -q '^arc=fail (sealers: .*ARC-Seal i=2: signature did not verify)$' \
    "$T/out" || fail "broken seal: $(cat "$T/out")"
echo "ok   a signed 2-set chain: arc=pass header.oldest-pass=1; its broken seal: arc=fail"
echo "PASS: arc_cli"
