#!/bin/sh
# tests/report/report_hostile.sh - aggregate reports under hostile input
# (issue 11 part 4):
#  1. Hostile bytes (0xFF, invalid UTF-8: overlong, surrogate, truncated,
#     F8; C0/C1 controls, DEL, U+FFFE; < & " '; values longer than their
#     field, cut inside a character) in every field that reaches a report:
#     through `authmilter check --record` (MAIL FROM, RCPT TO, HELO) and
#     written straight into the SQLite store as rows of an older version
#     could be (every column, garbage result words too) and in
#     report_org_name. Then for every policy domain the RFC 9990 XML and
#     RFC 7489 XML are well-formed and valid against their XSDs (when
#     $SHARED has them; well-formedness is always checked) and the JSON
#     parses; valid UTF-8 survives unchanged.
#  2. Report destinations: rua URIs that try to mail a third party (the
#     comment trick "mailto:victim@other.example(@attacker.example", an
#     encoded '@', cc=, an address literal) send nothing to it; a
#     percent-encoded destination outside the org is verified on its real
#     domain and decoded; a stored row of an older version holding the
#     attack URI is refused with the reason; an external destination whose
#     _report._dmarc record names another host gets nothing (RFC 9990 4);
#     the fake sendmail records the exact argv (-oi -f SENDER --
#     RECIPIENT) and the To: field.
# Each check that fails is listed; the exit status is 1 when any did.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SHARED=${SHARED:-../shared}
PY=/usr/bin/python3
ZONE=$(pwd)/tests/fixtures/reports/hostile.zone
XSD=$SHARED/conformance/dmarc/reports
T=$(mktemp -d /tmp/report-hostile.XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
DB=$T/history.db
bad=0
fail() { echo "FAIL: $*"; bad=1; }
. "$(pwd)/tests/lib/reports.sh"  # report_record, report_xsd, report_fake_sendmail

B=1800000000            # the period [B, E)
E=$((B + 86400))
rec() { # ip helo mail-from rcpt from-domain
	report_record "$1" "$2" "$3" "$4" "$5" $((B + n + 1)) ||
	    fail "check --record #$n"
}

# --- 1. hostile bytes -------------------------------------------------
FF=$(printf 'a@exa\377mple\355\240\200.com&<"\001\033')
OVER=$(printf 'b@x\300\200y\370z\302\205w\357\277\276.example\177')
QUOT=$(printf "b@q'uo\"te<&>.example\342\202")
LONG="c@$(printf '%0251d' 0 | tr 0 l)$(printf '\303\251')tail.example"
UTF=$(printf 'd@b\303\274cher.example')     # valid UTF-8: kept as it is
rec 192.0.2.1 mx.example.com "$FF" "$OVER" example.com
rec 192.0.2.1 mx.example.com "$QUOT" "$LONG" example.com
rec 192.0.2.1 mx.example.com "$UTF" "$UTF" example.com
# the null sender: SPF checks (and the report names) the HELO identity
rec 192.0.2.7 "$(printf 'he\377lo<&">\002.example')" "" "$FF" example.com

# rows as an older version (or another writer) may have left them
$PY - "$DB" $B <<'PYEOF' || fail "inserting hostile store rows"
import sqlite3, sys
db, b = sys.argv[1], int(sys.argv[2])
h = [b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
     b"\xe2\x82", b"\x01\x1b\x7f", b"\xc2\x85", b"\xef\xbf\xbe",
     b"<&\"'>", b"]]>"]
junk = b"".join(h)
def row(t, pd, **kw):
    r = dict(t=t, source_ip=b"192.0.2.9" + junk, header_from=b"hf" + junk,
             envelope_from=b"ef" + junk, envelope_to=b"et" + junk,
             policy_domain=pd, org_domain=b"od" + junk,
             spf_domain=b"sd" + junk, spf_scope=b"sc\xff", spf_result=b"pa\xffss",
             dkim=b"d\xff.example s\x01el\xc0 pa\xffss x.example s2 fail "
                  + b"z" * 400 + b"\xff" + b" " + b"s" * 300 + b" none",
             dmarc_result=b"f\xffail", disposition=b"re\xffject",
             dkim_aligned=7, spf_aligned=-1,
             reasons=b"local_policy oth\xffer <&\"> \x01x mailing_list",
             discovery=b"tree\xffwalk", p=b"n\xffone", sp=b"\x01", np=b"",
             adkim=b"x", aspf=b"\xff", fo=b"1:\xff", testing=b"\xff",
             psd=b"\xff", rua=b"", ruf=b"mailto:r\xff@x")
    r.update(kw)
    return r
rows = [
    # at the start of the period: the policy of example.com stays the
    # one of its latest record, made by check --record
    row(b, b"example.com"),
    row(b, b"example.com", source_ip=b"not an ip"),
    row(b, b"example.com", source_ip=b"2001:db8::1\xff"),
    row(b, b"example.com", source_ip=b"2001:DB8:0::9"),
    row(b + 104, b"ho\xffst<&\x01\xed\xa0\x80.example"),
    row(b + 105, b"\xc3\xa9t\xc3\xa9.example", header_from=b"\xc3\xa9t\xc3\xa9.example"),
    # a policy domain that is no file name: only --out refuses it
    row(b - 1000, b"../escape"),
    # the attack URI as an older version stored it
    row(b + 106, b"old.example", org_domain=b"old.example", rua=b"mailto:victim@other.example(@old.example,"
        b"mailto:ok@old.example!100000,mailto:v@x.example\x01@old.example"),
]
con = sqlite3.connect(db)
cols = ("t source_ip header_from envelope_from envelope_to policy_domain "
        "org_domain spf_domain spf_scope spf_result dkim dmarc_result "
        "disposition dkim_aligned spf_aligned reasons discovery p sp np adkim "
        "aspf fo testing psd rua ruf").split()
for r in rows:
    vals = [r[c] for c in cols]
    ph = ", ".join("CAST(? AS TEXT)" if isinstance(v, bytes) else "?" for v in vals)
    con.execute("INSERT INTO dmarc_records VALUES (%s)" % ph, vals)
con.commit()
PYEOF

CONF=$T/hostile.conf
printf 'report_org_name = Org \377\355\240\200 <&"> \302\205x\nreport_email = dmarc@mx.test\n' >"$CONF"
# (this used to count the reports of one stdout run; several reports on
# stdout are refused now, so the four are counted as files below). The
# refusal names the domains as cleaned for display: no control character
"$AUTHMILTER" report -c "$CONF" --history "$DB" --from $B --to $E \
    --format json >"$T/stdout.json" 2>"$T/stdout.err"
[ $? = 2 ] && [ ! -s "$T/stdout.json" ] && grep -q "^authmilter report: 4 reports from" "$T/stdout.err" ||
    fail "4 reports on stdout not refused: $(cat "$T/stdout.err")"
[ "$(wc -l < "$T/stdout.err")" = 1 ] && ! tr -d '\n' < "$T/stdout.err" | LC_ALL=C grep -q '[[:cntrl:]]' ||
    fail "the refusal prints raw domain text: $(od -c "$T/stdout.err" | head)"
for f in xml xml7489 json; do
	mkdir "$T/out.$f"
	"$AUTHMILTER" report -c "$CONF" --history "$DB" --from $B --to $E \
	    --format $f --out "$T/out.$f" >"$T/files.$f" 2>"$T/err.$f" ||
	    fail "report --format $f: $(cat "$T/err.$f")"
	[ "$(ls "$T/out.$f" | wc -l)" = 4 ] ||
	    fail "$f: 4 files expected: $(ls "$T/out.$f") $(cat "$T/err.$f")"
	for file in "$T/out.$f"/*; do
		[ -f "$file" ] || continue
		if [ $f = json ]; then
			$PY -c 'import json,sys; r=json.load(open(sys.argv[1],encoding="utf-8")); assert r["record"]' \
			    "$file" 2>"$T/lint" || fail "$file: not JSON: $(cat "$T/lint")"
			continue
		fi
		xmllint --noout "$file" 2>"$T/lint" ||
		    { fail "$file is not well-formed XML:"; head -5 "$T/lint"; continue; }
		if [ -d "$XSD" ]; then
			xsd=$(report_xsd $f)
			xmllint --noout --schema "$xsd" "$file" 2>"$T/lint" ||
			    { fail "$file does not validate against $(basename "$xsd"):"; head -5 "$T/lint"; }
		fi
	done
done
if [ $bad = 0 ]; then
	[ -d "$XSD" ] && echo "hostile bytes: 4 domains x 3 formats well-formed, XSD-valid, JSON parses" ||
	    echo "hostile bytes: 4 domains x 3 formats well-formed, JSON parses (XSD validation skipped: $XSD absent)"
fi

# what the cleaned values are: '?' for each bad octet or character, valid
# UTF-8 unchanged, no field cut inside a character, unknown words mapped
$PY - "$T/out.json" <<'PYEOF' || fail "cleaned JSON content"
import json, os, sys
d = sys.argv[1]
reps = {}
for f in os.listdir(d):
    r = json.load(open(os.path.join(d, f), encoding="utf-8"))
    reps[r["policy_published"]["domain"]] = r
assert set(reps) == {"example.com", "ho?st<&????.example",
                     "\u00e9t\u00e9.example", "old.example"}, sorted(reps)
ex = reps["example.com"]
assert ex["report_metadata"]["org_name"] == 'Org ???? <&"> ?x', ex["report_metadata"]
ids = [x["identifiers"] for x in ex["record"]]
efs = {i["envelope_from"] for i in ids}
ets = {i.get("envelope_to") for i in ids}
assert 'exa?mple?.com&<"??' in efs or 'exa?mple???.com&<"??' in efs, efs
assert "b\u00fccher.example" in efs and "b\u00fccher.example" in ets, (efs, ets)
assert "x??y?z?w?.example?" in ets, ets
long_ = [e for e in ets if e and e.startswith("llll")]
assert long_ and all(len(e.encode()) <= 253 for e in long_), long_
ips = {x["row"]["source_ip"] for x in ex["record"]}
assert {"0.0.0.0", "2001:db8::9", "192.0.2.1", "192.0.2.7"} <= ips, ips
helo = [x["auth_results"].get("spf") for x in ex["record"]
        if x["row"]["source_ip"] == "192.0.2.7"]
assert helo and helo[0]["scope"] == "helo" and helo[0]["domain"] == 'he?lo<&">?.example', helo
junk = [x for x in ex["record"] if x["identifiers"]["header_from"].startswith("hf")]
assert junk, "store rows missing"
for x in junk:
    pe = x["row"]["policy_evaluated"]
    assert pe["disposition"] == "none", pe
    assert x["auth_results"]["spf"]["result"] == "permerror"
    assert x["auth_results"]["spf"]["scope"] == "mfrom"
    dk = x["auth_results"]["dkim"]
    assert dk[0] == {"domain": "d?.example", "selector": "s?el?", "result": "permerror"}, dk
    assert dk[1]["result"] == "fail", dk
for s in json.dumps(reps, ensure_ascii=False):
    assert ord(s) >= 0x20 and not 0x7f <= ord(s) <= 0x9f and s not in "\ufffe\uffff", repr(s)
print("cleaned values as expected (bad octets '?', valid UTF-8 kept, cut on characters)")
PYEOF

# a policy domain that would leave --out's directory is refused
mkdir "$T/esc" "$T/esc/in"
"$AUTHMILTER" report -c "$CONF" --history "$DB" --from $((B - 2000)) --to $B \
    --out "$T/esc/in" >"$T/esc.out" 2>&1 && fail "--out for ../escape must fail"
grep -q "no safe file name" "$T/esc.out" || fail "--out ../escape: $(cat "$T/esc.out")"
[ -z "$(ls "$T/esc/in")" ] && [ "$(ls "$T/esc")" = in ] ||
    fail "--out wrote outside or into its directory: $(ls -R "$T/esc")"

# --- 2. report destinations ------------------------------------------
rec 203.0.113.5 mx.attacker.example a@attacker.example b@dest.example attacker.example
rec 203.0.113.5 mx.enc.example a@enc.example b@dest.example enc.example
rec 203.0.113.5 mx.over.example a@over.example b@dest.example over.example
report_fake_sendmail
printf 'report_sendmail = %s -oi\nreport_email = dmarc@mx.test\n' "$T/sendmail" >"$T/send.conf"
"$AUTHMILTER" report -c "$T/send.conf" --dns-zone "$ZONE" --dns-trust-anchor "" \
    --history "$DB" --from $B --to $E --send >"$T/send.out" 2>&1 ||
    fail "report --send: $(cat "$T/send.out")"
grep -q "old.example: mailto:victim@other.example(@old.example: refused (more than one '@'" "$T/send.out" ||
    fail "the stored attack URI is not refused with its reason: $(cat "$T/send.out")"
grep -q "old.example: mailto:v@x.example?@old.example: refused (octet 0x01" "$T/send.out" ||
    fail "a stored URI with a control is not refused: $(cat "$T/send.out")"
grep -q "over.example: mailto:rua@reports.example.net: external destination not confirmed (over.example._report._dmarc.reports.example.net names another host)" "$T/send.out" ||
    fail "an override naming another host did not void the destination: $(cat "$T/send.out")"
grep -qi victim "$T"/mail/* 2>/dev/null && fail "a report went to the victim: $(grep -il victim "$T"/mail/*)"
$PY - "$T/mail" <<'PYEOF' || fail "sendmail argv / To:"
import email, os, sys
d = sys.argv[1]
got = []
for f in sorted(os.listdir(d)):
    if not f.endswith(".argv"):
        continue
    argv = open(os.path.join(d, f), encoding="utf-8").read().split("\n")[:-1]
    m = email.message_from_bytes(open(os.path.join(d, f[:-5] + ".eml"), "rb").read())
    assert argv[:4] == ["-oi", "-f", "dmarc@mx.test", "--"] and len(argv) == 5, argv
    assert m["To"] == argv[4], (m["To"], argv)
    got.append(argv[4])
want = ["-oQ/tmp/x@attacker.example", "dmarc+reports@reports.example.net",
        "dmarc@example.com", "ok@old.example"]
assert sorted(got) == want, sorted(got)
print("send: argv -oi -f dmarc@mx.test -- RCPT for", ", ".join(want))
PYEOF
# report_envelope_from sets -f; a non-mailbox is refused before anything
cp "$T/send.conf" "$T/env.conf"
printf 'report_envelope_from = bounces@mx.test\n' >>"$T/env.conf"
"$AUTHMILTER" report -c "$T/env.conf" --dns-zone "$ZONE" --dns-trust-anchor "" \
    --history "$DB" --from $((B + 1)) --to $E --domain example.com --send \
    --dry-run >"$T/dry.out" 2>&1 || fail "dry run: $(cat "$T/dry.out")"
grep -q -- "-oi -f bounces@mx.test -- dmarc@example.com)" "$T/dry.out" ||
    fail "report_envelope_from not used: $(cat "$T/dry.out")"
printf 'report_envelope_from = "x@y.example(@z.example"\n' >>"$T/send.conf"
"$AUTHMILTER" report -c "$T/send.conf" --dns-zone "$ZONE" --dns-trust-anchor "" \
    --history "$DB" --from $((B + 1)) --to $E --send >"$T/bad.out" 2>&1 &&
    fail "a bad envelope sender must fail"
grep -q "report_envelope_from) is not one mailbox" "$T/bad.out" || fail "bad sender: $(cat "$T/bad.out")"

[ $bad = 0 ] || exit 1
echo "report_hostile: all checks passed"
