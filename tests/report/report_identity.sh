#!/bin/sh
# tests/report/report_identity.sh - the default identity of aggregate
# reports: with no report_email / report_submitter the submitter is
# authserv_id (the host's FQDN when authserv_id is left to the host name:
# report_default_domain, tests/report/check_report_ident.c), and
# `authmilter report` warns on stderr when the resulting address's domain
# has no dot (postmaster@vm: receivers cannot reply), but not otherwise.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
ZONE=$(pwd)/tests/fixtures/reports/reports.zone
T=$(mktemp -d /tmp/report-identity.XXXXXX)
trap 'rm -rf "$T"' EXIT
DB=$T/history.db
fail() { echo "FAIL: $*"; exit 1; }
. "$(pwd)/tests/lib/reports.sh"  # report_record
report_record 192.0.2.1 mx.example.com a@example.com b@dest.example \
    example.com 1800000001 || fail "check --record"

run() { # config text
	printf '%s\n' "$1" >"$T/conf"
	"$AUTHMILTER" report -c "$T/conf" --history "$DB" --from 1800000000 \
	    --to 1800086400 --format json >"$T/out" 2>"$T/err" ||
	    fail "report ($1): $(cat "$T/err")"
	grep -q '"report_metadata"' "$T/out" || fail "no report ($1)"
}
# a bare authserv_id: postmaster@bare, org_name bare, and the warning
run "authserv_id = bare"
grep -q '"email": *"postmaster@bare"' "$T/out" || fail "email: $(cat "$T/out")"
grep -q '"org_name": *"bare"' "$T/out" || fail "org_name: $(cat "$T/out")"
grep -q "warning: reports come from postmaster@bare, whose domain has no dot" \
    "$T/err" || fail "no warning for postmaster@bare: $(cat "$T/err")"
# a bare report_email is warned about too
run "report_email = dmarc@bare"
grep -q "warning: reports come from dmarc@bare" "$T/err" ||
    fail "no warning for dmarc@bare: $(cat "$T/err")"
# a dotted name: no warning
run "authserv_id = mx.example.net"
grep -q '"email": *"postmaster@mx.example.net"' "$T/out" ||
    fail "email: $(cat "$T/out")"
[ -s "$T/err" ] && fail "warning with mx.example.net: $(cat "$T/err")"
run "report_email = dmarc@mx.test"
[ -s "$T/err" ] && fail "warning with dmarc@mx.test: $(cat "$T/err")"
echo "report_identity: all checks passed"
