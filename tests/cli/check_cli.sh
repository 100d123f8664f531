#!/bin/sh
# tests/cli/check_cli.sh - `authmilter check` output: the --json fields
# the README documents (checked with python3 json), --explain's answer to
# "why did DMARC fail" (DNS answers, alignment mode, org domains), a bad
# From (header, JSON, bad_from_action, history record and report row),
# exit codes (0 for any completed verdict, 2 for bad usage), the words
# of a bad option.
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
# A bad From (RFC 9989 4.4): a repeated From naming one domain, from the
# authorised IP (it passed DMARC before): dmarc=permerror with the reason
# in the header, the JSON and the history; rejected under dmarc_enforce
# (bad_from_action = auto), accepted without it, and bad_from_action wins.
BADFROM='From: a@example.com\r\nFrom: a@example.com\r\nSubject: t\r\n\r\nx\r\n'
out=$(printf "$BADFROM" | run --ip 192.0.2.1 --mail-from a@example.com --set dmarc_enforce=yes --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
f = j["from"]
assert f["status"] == "multiple" and f["bad_from"] is True, f
assert f["reason"] == "2 From header fields (RFC 5322 3.6 allows one)", f
assert f["author_domains"] == ["example.com"], f
d = j["dmarc"]
assert d["result"] == "permerror", d
assert d["reason"].startswith("bad From (multiple): "), d
assert d["spf_aligned"] is False and d["dkim_aligned"] is False, d
assert d["disposition"] == "reject" and d["override"] == "other", d
a = j["action"]
assert (a["action"], a["smtp_code"], a["smtp_xcode"]) == ("reject", "550", "5.7.1"), a
assert "From header field not valid" in a["smtp_text"], a
assert a["reason"].startswith("bad_from_action: bad From (multiple)"), a
ar = j["authentication_results"]
assert "dmarc=permerror" in ar and "dmarc=pass" not in ar, ar
assert "reason=\"bad From (multiple): 2 From header fields" in ar, ar
' || fail "bad From --json: $out"
out=$(printf 'From: a@example.com\r\n\r\nx\r\n' | run --ip 192.0.2.1 --mail-from a@example.com --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["from"] == {"status": "ok", "bad_from": False, "reason": "",
    "author_domains": ["example.com"]}, j["from"]
' || fail "good From --json: $out"
printf "$BADFROM" | run --ip 192.0.2.1 --mail-from a@example.com > "$T/out.txt"
grep -q "^action: accept" "$T/out.txt" || fail "bad From without dmarc_enforce: $(cat "$T/out.txt")"
for a in "reject:reject 550 5.7.1" "tempfail:tempfail 451 4.7.1" \
    "quarantine:quarantine" "accept:accept"; do
	printf "$BADFROM" | run --ip 192.0.2.1 --mail-from a@example.com \
	    --set dmarc_enforce=yes --set "bad_from_action=${a%%:*}" > "$T/out.txt"
	grep -q "^action: ${a#*:}" "$T/out.txt" ||
	    fail "bad_from_action=${a%%:*}: $(cat "$T/out.txt")"
done
printf "$BADFROM" | run --ip 192.0.2.1 --mail-from a@example.com --explain |
    grep -q "^From: multiple - 2 From header fields .*(bad From" || fail "--explain bad From"
echo "ok   bad From: header, JSON, actions"

# the history record of a bad From, and the report row it makes
printf "$BADFROM" | run --ip 192.0.2.1 --mail-from a@example.com --rcpt b@example.org \
    --set dmarc_enforce=yes --history "$T/h.db" --record --now 1800000100 >/dev/null ||
    fail "check --record"
"$AUTHMILTER" report -c /dev/null --history "$T/h.db" --from 1800000000 \
    --to 1800086400 --domain example.com --format json > "$T/rep.json" ||
    fail "report: $(cat "$T/rep.json")"
$PY - "$T/rep.json" <<'PYEOF' || fail "bad From report row: $(cat "$T/rep.json")"
import json, sys
r = json.load(open(sys.argv[1]))["record"]
assert len(r) == 1, r
row = r[0]["row"]
pe = row["policy_evaluated"]
assert (row["count"], pe["disposition"], pe["dkim"], pe["spf"]) == \
    (1, "reject", "fail", "fail"), row
assert [x["type"] for x in pe["reason"]] == ["other"], pe
assert r[0]["identifiers"]["header_from"] == "example.com", r[0]
assert r[0]["auth_results"]["spf"]["result"] == "pass", r[0]
PYEOF
XSD=${SHARED:-../shared}/conformance/dmarc/reports/rfc9990-dmarc.xsd
if [ -f "$XSD" ] && command -v xmllint >/dev/null 2>&1; then
	"$AUTHMILTER" report -c /dev/null --history "$T/h.db" --from 1800000000 \
	    --to 1800086400 --domain example.com --format xml > "$T/rep.xml" ||
	    fail "report xml"
	xmllint --noout --schema "$XSD" "$T/rep.xml" 2>"$T/lint" ||
	    fail "bad From report XML: $(cat "$T/lint")"
fi
echo "ok   bad From: history record and report row"

set +e
run --ip 192.0.2.1 < /dev/null > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 2 ] || fail "usage exit $rc"
echo "ok   exit codes"

# One reading of envelope addresses (util/envaddr.h): spf took "<a@b>"
# as the domain "b>" (check stripped the brackets); "<>" is the null
# sender (the HELO identity decides), as "" is.
spf() { "$AUTHMILTER" spf --dns-zone "$Z" --ip 192.0.2.1 --helo mail.example.com "$@"; }
for mf in "<x@bounce.example.com>" " <x@bounce.example.com> " "x@bounce.example.com" \
    "<@relay.example:x@bounce.example.com>"; do
	out=$(spf --mail-from "$mf" | head -n 1)
	case $out in
	"spf=pass smtp.mailfrom=bounce.example.com ("*) ;;
	*) fail "spf --mail-from '$mf': $out" ;;
	esac
	out=$(printf 'From: x@example.com\r\n\r\nx\r\n' | run --ip 192.0.2.1 --mail-from "$mf" --json)
	echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["spf"]["result"] == "pass" and j["spf"]["domain"] == "bounce.example.com", j["spf"]
' || fail "check --mail-from '$mf'"
done
for mf in "<>" ""; do
	out=$(spf --mail-from "$mf")
	[ "$(echo "$out" | head -n 1 | cut -d' ' -f1-2)" = "spf=pass smtp.helo=mail.example.com" ] ||
	    fail "spf --mail-from '$mf': $out"
done
echo "ok   envelope addresses: one reading for spf and check"

# Options (cli_options over util/options.h): a bad one is said in
# getopt_long's words after "authmilter CMD: " (the one prefix of every
# command's errors; it was "CMD: " here, and spf had its own words,
# "authmilter: spf: unknown or incomplete option 'WORD'"), usage follows
# on stderr, exit 2; --help (and -h: dkim lacked it) prints usage on
# stdout, exit 0; the daemon without a subcommand says "authmilter: ".
# first_err WANT ARGS: exit 2, WANT the first line on stderr, no stdout
first_err() {
	want=$1
	shift
	set +e
	"$AUTHMILTER" "$@" < /dev/null > "$T/o" 2> "$T/e"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "$*: exit $rc"
	[ "$(head -n 1 "$T/e")" = "$want" ] || fail "$*: $(head -n 1 "$T/e")"
	[ ! -s "$T/o" ] || fail "$*: wrote on stdout"
}
# usage_err WANT ARGS: the same, and the usage follows on stderr
usage_err() {
	first_err "$@"
	shift
	grep -q "^usage: authmilter" "$T/e" || fail "$*: no usage"
}
usage_err "authmilter check: unrecognized option '--bogus=1'" check --bogus=1
usage_err "authmilter check: option '--h' is ambiguous; possibilities: '--helo' '--hostname' '--history' '--help'" check --h
usage_err "authmilter report: option '--from' requires an argument" report --from
usage_err "authmilter dns: option '--json' doesn't allow an argument" dns --json=1 x A
usage_err "authmilter dkim: invalid option -- 'x'" dkim -x
usage_err "authmilter run: option requires an argument -- 'c'" run -c
usage_err "authmilter: option requires an argument -- 'c'" -c
usage_err "authmilter spf: invalid option -- 'x'" spf -xh
usage_err "authmilter spf: option '--ip' requires an argument" spf --ip
# values: the flag and the value named
first_err "authmilter spf: --ip: '192.0.2' is not an IPv4 or IPv6 address" \
    spf --ip 192.0.2 --helo h --mail-from a@b
first_err "authmilter report: --from: '2026-13-45' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or Unix seconds)" \
    report --from 2026-13-45 --to 2026-12-01
first_err "authmilter report: --format: 'csv' is not xml, xml7489 or json" \
    report -c /dev/null --history "$T/none.db" --from 1 --to 2 --format csv
first_err "authmilter check: --set: 'dmarc_enforce' is not KEY=VALUE" \
    check --ip 192.0.2.1 --helo h --mail-from a@b --set dmarc_enforce
first_err "authmilter check: unexpected argument 'msg.eml' (the message is read from standard input)" \
    check --ip 192.0.2.1 --helo h --mail-from a@b msg.eml
first_err "authmilter dns: a NAME and a TYPE are required" dns example.com
for cmd in check dkim spf dns report config run; do
	"$AUTHMILTER" $cmd -h --bogus > "$T/o" 2> "$T/e" || fail "$cmd -h: exit $?"
	grep -q "^usage: authmilter" "$T/o" && [ ! -s "$T/e" ] || fail "$cmd -h"
done
echo "ok   options: error words, usage, --help"

# A value out of range is refused (exit 2, the reason alone), never
# narrowed: dkim --min-rsa-bits 4294967296 was taken as 0 (any key size);
# check --now read a time past 2^63 as the largest one (dkim refused it).
value_err() {
	want=$1
	shift
	set +e
	"$AUTHMILTER" "$@" --dns-zone "$Z" < /dev/null > "$T/o" 2> "$T/e"
	rc=$?
	set -e
	[ $rc -eq 2 ] || fail "$*: exit $rc"
	[ "$(cat "$T/e")" = "$want" ] || fail "$*: $(cat "$T/e")"
}
value_err "authmilter dkim: --min-rsa-bits: '4294967296' is not a number up to 16384" \
    dkim --min-rsa-bits 4294967296
value_err "authmilter dkim: --max-rsa-bits: '4294968320' is not a number from 1024 to 16384" \
    dkim --max-rsa-bits 4294968320
value_err "authmilter check: --now: '99999999999999999999' is not a Unix time" \
    check --ip 192.0.2.1 --helo h --mail-from a@b --now 99999999999999999999
value_err "authmilter dkim: --now: '99999999999999999999' is not a Unix time" \
    dkim --now 99999999999999999999
echo "ok   option values out of range refused"

# iprev (config key iprev): null when off; the result, the name and the
# DNSSEC states in --json, a line in --explain, the header's resinfo.
out=$(printf 'From: a@example.com\r\n\r\nx\r\n' | run --ip 192.0.2.1 --mail-from a@example.com --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["iprev"] is None, j["iprev"]
assert "iprev=" not in j["authentication_results"]
' || fail "iprev off --json: $out"
out=$(printf 'From: a@example.com\r\n\r\nx\r\n' | run --ip 192.0.2.1 --mail-from a@example.com --set iprev=yes --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["iprev"] == {"result": "pass", "ip": "192.0.2.1",
    "name": "mail.example.com", "ptr_dnssec": "insecure",
    "forward_dnssec": "insecure", "reason": None}, j["iprev"]
assert "iprev=pass policy.iprev=192.0.2.1 (mail.example.com)" in j["authentication_results"]
' || fail "iprev pass --json: $out"
out=$(printf 'From: a@example.com\r\n\r\nx\r\n' | run --ip 198.51.100.7 --mail-from a@example.com --set iprev=yes --explain)
echo "$out" | grep -qF "iprev (client 198.51.100.7): fail, name mx.example.com - no PTR name resolves to the address (PTR insecure, forward insecure)" \
    || fail "iprev --explain: $out"
echo "ok   iprev in --json and --explain"

# upstream_networks: the original client behind a gateway in --json and
# --explain (source_ip, upstream); null/absent for a direct client
GW='Received: from mail.example.com (mail.example.com [192.0.2.1])\r\n\tby gw.example.org; Mon, 7 Dec 2026 10:00:00 +0000\r\nFrom: a@example.com\r\n\r\nx\r\n'
out=$(printf "$GW" | run --ip 203.0.113.50 --mail-from a@example.com --set upstream_networks=203.0.113.0/24 --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["source_ip"] == "192.0.2.1", j["source_ip"]
assert "client 192.0.2.1 (helo mail.example.com) from Received field 1, via gateway 203.0.113.50" == j["upstream"], j["upstream"]
assert j["spf"]["result"] == "pass", j["spf"]
' || fail "upstream --json: $out"
out=$(printf "$GW" | run --ip 203.0.113.50 --mail-from a@example.com --json)
echo "$out" | $PY -c '
import json, sys
j = json.load(sys.stdin)
assert j["source_ip"] == "203.0.113.50" and j["upstream"] is None, j
' || fail "direct client --json: $out"
out=$(printf "$GW" | run --ip 203.0.113.50 --mail-from a@example.com --set upstream_networks=203.0.113.0/24 --explain)
echo "$out" | grep -qF "Gateway (upstream_networks): client 192.0.2.1 (helo mail.example.com) from Received field 1, via gateway 203.0.113.50" \
    || fail "upstream --explain: $out"
echo "ok   upstream in --json and --explain"
