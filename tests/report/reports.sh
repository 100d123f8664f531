#!/bin/sh
# tests/report/reports.sh - DMARC aggregate reports end to end: messages
# through `authmilter check --record` into the history store, then
# `authmilter report`: exact rows, counts and grouping (JSON), both XML
# formats against their XSDs (xmllint, when $SHARED has them), sending
# through a fake sendmail that captures the MIME (headers, file name,
# gzip'd XML) and its argv (-oi -f SENDER -- RECIPIENT: never -t; a
# report_sendmail with -t is refused), external destination
# verification, !size limits, a failed send retried by the next run,
# nothing sent twice, pruning; several reports never concatenated on
# stdout, dates in messages as ISO 8601. Hostile input: report_hostile.sh.
# The store is SQLite in a temp dir, or $HISTORY_DB when set (history_pg.sh
# runs this script against a real PostgreSQL server).
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SHARED=${SHARED:-../shared}
PY=/usr/bin/python3
ZONE=$(pwd)/tests/fixtures/reports/reports.zone
XSD=$SHARED/conformance/dmarc/reports
T=$(mktemp -d /tmp/reports-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
DB=${HISTORY_DB:-$T/history.db}
fail() { echo "FAIL: $*"; exit 1; }
. "$(pwd)/tests/lib/reports.sh"  # report_record, report_xsd, report_fake_sendmail

B=1800000000            # the period [B, E)
E=$((B + 86400))
send() { # ip mail-from from-domain now
	report_record "$1" mx.example.com "$2" b@dest.example "$3" "$4" ||
	    fail "check --record ($1 $2 $3)"
}
for i in 1 2 3; do send 192.0.2.1 a@example.com example.com $((B + i)); done
for i in 1 2; do send 198.51.100.7 a@example.com example.com $((B + 10 + i)); done
send 192.0.2.1 b@sub.example.com sub.example.com $((B + 20))
send 203.0.113.5 c@other.org other.org $((B + 30))
send 192.0.2.1 a@example.com example.com $((B - 100))   # before the period
send 192.0.2.1 a@example.com example.com $E             # after it

"$AUTHMILTER" report -c /dev/null --history "$DB" --from $B --to $E \
    --format json --domain example.com >"$T/ex.json" || fail "report json"
$PY - "$T/ex.json" <<'PYEOF' || fail "JSON report content"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["version"] == "1.0"
m = r["report_metadata"]
assert m["date_range"] == {"begin": 1800000000, "end": 1800086399}, m
assert m["report_id"].startswith("1800000000.1800086399.example.com@")
p = r["policy_published"]
assert (p["domain"], p["p"], p["sp"], p["adkim"], p["testing"]) == \
    ("example.com", "reject", "reject", "r", "n"), p
rows = [(x["row"]["source_ip"], x["row"]["count"],
         x["row"]["policy_evaluated"]["disposition"],
         x["row"]["policy_evaluated"]["spf"],
         [y["type"] for y in x["row"]["policy_evaluated"]["reason"]],
         x["identifiers"]["header_from"], x["identifiers"]["envelope_from"],
         x["auth_results"]["spf"]["result"]) for x in r["record"]]
want = [("192.0.2.1", 3, "pass", "pass", [], "example.com", "example.com", "pass"),
        ("198.51.100.7", 2, "none", "fail", ["local_policy"], "example.com", "example.com", "fail"),
        ("192.0.2.1", 1, "none", "fail", ["local_policy"], "sub.example.com", "sub.example.com", "none")]
assert rows == want, rows
print("json: 3 rows, counts 3/2/1, grouping as expected")
PYEOF

# two reports and no --out: on stdout they would be one text that is no
# valid document (this test used to count two concatenated JSON objects);
# refused, exit 2, nothing on stdout, the error giving the period as dates
# and naming --out. One report (--domain) still goes to stdout.
for f in json xml; do
	"$AUTHMILTER" report -c /dev/null --history "$DB" --from $B --to $E \
	    --format $f >"$T/all.$f" 2>"$T/all.err"
	rc=$?
	[ $rc = 2 ] || fail "2 reports on stdout ($f): exit $rc, want 2"
	[ -s "$T/all.$f" ] && fail "2 reports on stdout ($f): something written: $(head -c 200 "$T/all.$f")"
	grep -q "2 reports from 2027-01-15T08:00:00Z to 2027-01-16T08:00:00Z (example.com, other.org)" "$T/all.err" &&
	    grep -q -- "--out DIR" "$T/all.err" || fail "2 reports on stdout ($f): $(cat "$T/all.err")"
done
$PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/ex.json" ||
    fail "the one report on stdout (--domain) is not one JSON document"
# no records in the period: said, with the period as dates
"$AUTHMILTER" report -c /dev/null --history "$DB" --from 2000-01-01 --to 2000-01-02 \
    >"$T/none.out" 2>"$T/none.err" || fail "report of an empty period: $(cat "$T/none.err")"
[ -s "$T/none.out" ] && fail "report of an empty period wrote: $(cat "$T/none.out")"
grep -q "no records from 2000-01-01T00:00:00Z to 2000-01-02T00:00:00Z: no report" "$T/none.err" ||
    fail "empty period: $(cat "$T/none.err")"
"$AUTHMILTER" report -c /dev/null --history "$DB" --from $E --to $B >/dev/null 2>"$T/order.err" &&
    fail "--from after --to accepted"
grep -q -- "--from 2027-01-16T08:00:00Z is not before --to 2027-01-15T08:00:00Z" "$T/order.err" ||
    fail "--from after --to: $(cat "$T/order.err")"
echo "stdout: one report only (2 refused, naming --out); dates in messages as ISO 8601"

mkdir "$T/out"
for f in xml xml7489; do
	"$AUTHMILTER" report -c /dev/null --history "$DB" --from $B --to $E \
	    --format $f --out "$T/out/" >"$T/files.$f" || fail "report --out $f"
	[ "$(wc -l <"$T/files.$f")" = 2 ] || fail "--out $f: 2 files expected"
	if [ -d "$XSD" ]; then
		xsd=$(report_xsd $f)
		while read -r file; do
			xmllint --noout --schema "$xsd" "$file" 2>"$T/lint" ||
			    { cat "$T/lint"; fail "$file does not validate ($f)"; }
		done <"$T/files.$f"
		echo "$f: 2 reports validate against $(basename "$xsd")"
	else
		echo "$f: XSD validation skipped ($XSD absent)"
	fi
done

# Sending through a fake sendmail: it keeps each message and its argv (one
# word a line); FAIL makes it fail.
report_fake_sendmail
CONF=$T/report.conf
send_run() { "$AUTHMILTER" report -c "$CONF" --dns-zone "$ZONE" --dns-trust-anchor "" \
    --history "$DB" --from $B --to $E --send "$@"; }

# -t would let the report's header fields choose the recipients: refused
for t in "-oi -t" "-ti" "-oi -f x@y.example" "-oi --"; do
	printf 'report_sendmail = %s %s\nreport_email = dmarc@mx.test\n' "$T/sendmail" "$t" >"$CONF"
	send_run >"$T/t" 2>&1 && fail "report_sendmail '$t' must be refused"
	grep -q "report_sendmail must not" "$T/t" || fail "'$t': $(cat "$T/t")"
done
[ "$(ls "$T/mail" | wc -l)" = 0 ] || fail "mail sent with a refused report_sendmail"
printf 'report_sendmail = %s -oi\nreport_email = dmarc@mx.test\nreport_org_name = Test Org\n' "$T/sendmail" >"$CONF"

touch "$T/FAIL"
send_run >"$T/run1" 2>&1 && fail "a failed sendmail must exit 1"
grep -q "retried next run" "$T/run1" || fail "no retry notice: $(cat "$T/run1")"
[ "$(ls "$T/mail" | wc -l)" = 0 ] || fail "mail captured although sendmail failed"
rm "$T/FAIL"
send_run --dry-run >"$T/dry" 2>&1 || fail "dry run: $(cat "$T/dry")"
grep -q "would send" "$T/dry" || fail "dry run says nothing"
[ "$(ls "$T/mail" | wc -l)" = 0 ] || fail "--dry-run sent mail"
send_run >"$T/run2" 2>&1 || fail "send: $(cat "$T/run2")"
[ "$(ls "$T/mail" | grep -c eml)" = 2 ] || fail "2 messages expected: $(cat "$T/run2")"
grep -q "exceeds the limit 100 of mailto:small@example.com" "$T/run2" || fail "!size not reported"
grep -q "x@unverified.example: external destination not confirmed" "$T/run2" ||
    fail "unverified destination: $(cat "$T/run2")"
send_run >"$T/run3" 2>&1 || fail "rerun: $(cat "$T/run3")"
[ "$(ls "$T/mail" | grep -c eml)" = 2 ] || fail "a rerun sent again"
[ "$(grep -c "already sent" "$T/run3")" = 2 ] || fail "rerun: $(cat "$T/run3")"
echo "send: failed run retried, 2 sent, !size and unverified skipped, rerun sends nothing"

$PY - "$T/mail" $B $((E - 1)) <<'PYEOF' || fail "MIME content"
import email, gzip, os, re, sys
d, b, e = sys.argv[1], sys.argv[2], sys.argv[3]
tos = set()
for f in sorted(os.listdir(d)):
    if not f.endswith(".eml"):
        continue
    m = email.message_from_bytes(open(os.path.join(d, f), "rb").read())
    argv = open(os.path.join(d, f[:-4] + ".argv")).read().split("\n")[:-1]
    # the recipient is an argument after "--", the To: field only shows it
    assert argv == ["-oi", "-f", "dmarc@mx.test", "--", m["To"]], argv
    tos.add(m["To"])
    assert m["From"] == "dmarc@mx.test", m["From"]
    subj = re.sub(r"\s+", " ", m["Subject"])
    rid = "%s.%s.example.com@mx.test" % (b, e)
    assert subj == "Report Domain: example.com Submitter: mx.test Report-ID: <%s>" % rid, subj
    assert m["Message-ID"] == "<%s>" % rid
    parts = [p for p in m.walk() if p.get_content_type() == "application/gzip"]
    assert len(parts) == 1
    fn = "mx.test!example.com!%s!%s.xml.gz" % (b, e)
    assert parts[0].get_filename() == fn, parts[0].get_filename()
    xml = gzip.decompress(parts[0].get_payload(decode=True)).decode()
    assert '<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0">' in xml
    assert "<count>3</count>" in xml and "<org_name>Test Org</org_name>" in xml
assert tos == {"dmarc@example.com", "rua@reports.example.net"}, tos
print("mime: argv -oi -f dmarc@mx.test -- RCPT, headers, RFC 9990 subject and file name, gzip'd XML ok")
PYEOF

"$AUTHMILTER" report -c /dev/null --history "$DB" --prune-before $B >"$T/prune" ||
    fail "prune"
grep -q "pruned 1 record(s) older than 2027-01-15T08:00:00Z" "$T/prune" || fail "prune: $(cat "$T/prune")"
echo "reports: all checks passed ($(case $DB in postgresql*) echo postgresql;; *) echo sqlite;; esac))"
