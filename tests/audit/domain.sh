#!/bin/sh
# tests/audit/domain.sh - `authmilter domain`: one zone per finding
# (tests/audit/zones/*.zone, each the good domain with one mistake) run
# through the real resolver in zone-file mode. Per case: the exit status
# (0 no error, 1 errors), the finding's code and level in the text output,
# and the same finding in --json (checked with python3's json): the good
# domain gives only "ok" findings; each broken one gives its finding at
# its level, and no error in the other areas. Also: the summary line
# counts what the JSON counts, a DNS temporary failure exits 3, usage
# errors exit 2, no --selector warns that DKIM was not checked.
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
Z=tests/audit/zones
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# case ZONE EXIT LEVEL CODE AREA: the finding CODE at LEVEL in AREA, exit EXIT
check_case() {
	zone=$1 want_rc=$2 level=$3 code=$4 area=$5
	set +e
	"$AUTHMILTER" domain --dns-zone "$Z/$zone.zone" --selector sel1 \
	    example.com > "$T/out" 2> "$T/err"
	rc=$?
	"$AUTHMILTER" domain --json --dns-zone "$Z/$zone.zone" --selector sel1 \
	    example.com > "$T/json" 2>> "$T/err"
	jrc=$?
	set -e
	[ "$rc" -eq "$want_rc" ] || fail "$zone: exit $rc, want $want_rc: $(cat "$T/out" "$T/err")"
	[ "$jrc" -eq "$want_rc" ] || fail "$zone --json: exit $jrc, want $want_rc"
	[ ! -s "$T/err" ] || fail "$zone: stderr: $(cat "$T/err")"
	# the finding, under its area's heading
	awk -v area="$area" -v level="$level" -v code="$code" '
	    /^[A-Z]/ { cur = $0; next }
	    cur == area && $1 == level && index($0, "[" code ";") { found = 1 }
	    END { exit !found }' "$T/out" ||
	    fail "$zone: no '$level ... [$code;' under $area: $(cat "$T/out")"
	$PY - "$T/json" "$T/out" "$zone" "$level" "$code" "$area" <<'PYEOF' || fail "$zone: --json"
import json, re, sys
path, text, zone, level, code, area = sys.argv[1:]
j = json.load(open(path))
assert j["domain"] == "example.com", j["domain"]
fs = j["findings"]
for f in fs:
    for k in ("area", "level", "code", "reason", "rfc", "dnssec"):
        assert k in f and isinstance(f[k], str) and f[k], (k, f)
    assert f["level"] in ("ok", "warning", "error"), f
    assert f["area"] in ("SPF", "DKIM", "DMARC", "MX"), f
    assert f["rfc"].startswith("RFC ") or f["rfc"] == "local limit", f
    assert f["dnssec"] == "insecure", f      # a zone file is local data
hit = [f for f in fs if f["code"] == code and f["level"] == level and f["area"] == area]
assert hit, (code, level, fs)
if zone == "good":
    bad = [f for f in fs if f["level"] != "ok"]
    assert not bad, bad
else:
    # the mistake is the only problem: no error elsewhere
    other = [f for f in fs if f["level"] == "error" and f["code"] != code]
    assert not other, other
n = {l: sum(1 for f in fs if f["level"] == l) for l in ("error", "warning", "ok")}
s = j["summary"]
assert (s["errors"], s["warnings"], s["ok"]) == (n["error"], n["warning"], n["ok"]), (s, n)
assert s["dns_tempfail"] is False
# the text's summary line says the same
m = re.search(r"^summary: example\.com: (\d+) errors?, (\d+) warnings?, (\d+) ok$",
              open(text).read(), re.M)
assert m, "no summary line"
assert tuple(map(int, m.groups())) == (n["error"], n["warning"], n["ok"]), m.groups()
# every answer listed with its DNSSEC state
assert j["answers"], "no answers"
for a in j["answers"]:
    assert a["dnssec"] in ("secure", "insecure", "bogus") and a["name"] and a["type"], a
PYEOF
	echo "ok   $zone: $level $code ($area), exit $rc"
}

check_case good 0 ok spf-lookups SPF
grep -q '^  ok      1 DNS lookup at most (limit 10)' "$T/out" || fail "good: lookup count: $(cat "$T/out")"
check_case spf_lookups 1 error spf-lookups SPF
grep -q '12 DNS lookups' "$T/out" || fail "spf_lookups: not 12 lookups: $(grep spf-lookups "$T/out")"
check_case spf_void 1 error spf-void SPF
grep -q '3 void lookups (a:nx1.example.com, a:nx2.example.com, mx:nx3.example.com) > 2' "$T/out" ||
    fail "spf_void: $(grep spf-void "$T/out")"
check_case spf_all_pass 1 error spf-all-pass SPF
check_case spf_loop 1 error spf-loop SPF
check_case spf_two 1 error spf-multiple SPF
check_case spf_none 1 error spf-none SPF
check_case dkim_rsa1024 0 warning dkim-key-size DKIM
grep -q 'RSA key of 1024 bits < 2048' "$T/out" || fail "dkim_rsa1024: $(grep dkim "$T/out")"
check_case dkim_testing 0 warning dkim-testing DKIM
check_case dkim_revoked 1 error dkim-revoked DKIM
check_case dmarc_p_none 0 warning dmarc-p-none DMARC
check_case dmarc_pct 0 warning dmarc-pct DMARC
check_case dmarc_rua_unauth 1 error dmarc-report-unauth DMARC
check_case dmarc_rua_auth 0 ok dmarc-report-auth DMARC
grep -q 'authorized by example.com._report._dmarc.reports.example.net' "$T/out" ||
    fail "dmarc_rua_auth: $(grep rua "$T/out")"
check_case dmarc_none 1 error dmarc-none DMARC
check_case mx_null_spf 1 error mx-null-sends MX
check_case mx_none 1 error mx-none MX
check_case mx_fallback 0 warning mx-fallback MX

# a hostile chain of 30 includes (3 lookups each): the walk stops at its
# bound (AUDIT_SPF_WALK_MAX, 40) and says "at least"
{
	echo '$TTL 300'
	i=1
	while [ $i -le 30 ]; do
		echo "d$i.example. IN TXT \"v=spf1 a:h.example a:h.example include:d$((i + 1)).example -all\""
		i=$((i + 1))
	done
	echo 'h.example. IN A 192.0.2.1'
	echo 'example.com. IN TXT "v=spf1 include:d1.example -all"'
} > "$T/deep.zone"
set +e
"$AUTHMILTER" domain --dns-zone "$T/deep.zone" example.com > "$T/out"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "deep includes: exit $rc"
grep -q '^  error   at least 40 DNS lookups .*\[spf-lookups; RFC 7208 4.6.4\]$' "$T/out" ||
    fail "deep includes: $(grep spf- "$T/out")"
[ "$(grep -c '^  TXT   d[0-9]*\.example:' "$T/out")" -le 14 ] ||
    fail "deep includes: the walk went past its bound: $(grep -c '^  TXT' "$T/out") TXT lookups"
echo "ok   30 nested includes: the walk stops at 40 lookups (\"at least 40\")"

# no selector: DKIM not checked, said as a warning
"$AUTHMILTER" domain --dns-zone "$Z/good.zone" example.com > "$T/out" ||
    fail "no selector: exit $?"
grep -q '^  warning no selector given (--selector S) and no sign_key for it in the config: DKIM keys not checked \[dkim-no-selector;' "$T/out" ||
    fail "no selector: $(cat "$T/out")"
echo "ok   without --selector: a warning that DKIM was not checked"

# no selector, a config with sign_key entries: their selectors for the
# domain are audited (sel1: the good key; sel9: a missing one; a sub-domain
# entry, and an entry for another domain, are not example.com's)
printf '%s\n' "sign_key = example.com sel1 /k/a.pem" \
    "sign_key = example.com sel9 /k/b.pem" \
    "sign_key = .example.com subonly /k/c.pem" \
    "sign_key = example.net other /k/d.pem" \
    "sign_key = .example.org third /k/e.pem example.com" > "$T/sign.conf"
set +e
"$AUTHMILTER" domain -c "$T/sign.conf" --json --dns-zone "$Z/good.zone" example.com > "$T/json"
set -e
$PY - "$T/json" <<'PYEOF' || fail "selectors from the config: $(cat "$T/json")"
import json, sys
r = json.load(open(sys.argv[1]))
txt = json.dumps(r)
for want in ("sel1._domainkey.example.com", "sel9._domainkey.example.com",
             "third._domainkey.example.com"):
    assert want in txt, want
for not_want in ("subonly", "other._domainkey", "dkim-no-selector"):
    assert not_want not in txt, not_want
PYEOF
"$AUTHMILTER" domain -c "$T/missing.conf" --dns-zone "$Z/good.zone" example.com > "$T/out" 2>&1 &&
    fail "a missing -c file was not an error"
echo "ok   without --selector: the sign_key selectors for the domain from -c FILE"

# a DNS temporary failure: exit 3, said as an error (a forwarder that
# does not answer: the discard port)
cat > "$T/tf.conf" <<EOF2
server:
    do-not-query-localhost: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@9
EOF2
set +e
"$AUTHMILTER" domain --dns-conf "$T/tf.conf" --dns-trust-anchor "" \
    --dns-timeout 300 example.com > "$T/out" 2> "$T/err"
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "DNS failure: exit $rc, want 3: $(cat "$T/out" "$T/err")"
grep -q '^  error   example.com TXT: temporary DNS failure' "$T/out" ||
    fail "DNS failure: $(cat "$T/out")"
grep -q '^summary: .*(incomplete: DNS temporary failure)$' "$T/out" ||
    fail "DNS failure summary: $(tail -n 1 "$T/out")"
echo "ok   a DNS temporary failure: exit 3, the lookup named, the summary says incomplete"

# usage
for args in "" "a.example b.example" "--selector '' a.example" "--bogus a.example"; do
	set +e
	eval "\"\$AUTHMILTER\" domain $args" > /dev/null 2> "$T/err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] || fail "domain $args: exit $rc, want 2"
	grep -q '^authmilter domain: ' "$T/err" || fail "domain $args: $(cat "$T/err")"
done
echo "ok   usage errors exit 2"
echo "PASS: domain"
