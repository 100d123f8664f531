#!/bin/sh
# tests/report/report_scale.sh - the reports of a generated store are
# exactly the records of the period, aggregated: history_gen (tests/bench/
# history_gen.c) fills a store with 3 days of records from 21:00Z the day
# before (so records lie on both sides of the period), domains that change
# policy every 8 hours, override reasons, several DKIM signatures; then
# `authmilter report --format json --out` for one UTC day is checked
# against an independent aggregation of the store's raw records in Python:
# the same domains, per domain the same rows with the same counts (the
# counts add up to the domain's records in the period), rows largest count
# first, policy_published from the latest record of the period. SQLite,
# and PostgreSQL through tests/lib/pg_cluster.sh when the server is there
# (where the server's statistics also show the report read the day's
# index, dmarc_records_day_group).
set -u
BUILD=${BUILD:-build}
GEN=$BUILD/tests/history_gen
[ -x "$GEN" ] || { echo "FAIL: $GEN missing (make tests)"; exit 1; }
. "$(pwd)/tests/lib/pg_cluster.sh"
T=$(mktemp -d /tmp/report_scale.XXXXXX)
chmod 755 "$T"   # the cluster under it runs as postgres
cleanup() { pg_cluster_stop; rm -rf "$T"; }
trap cleanup EXIT
DAY=1793491200          # 2026-11-01T00:00:00Z
START=$((DAY - 3 * 3600))
N=${REPORT_SCALE_CHECK:-40000}
fail=0

check() { # label store dumpcmd
	label=$1 store=$2
	"$GEN" -s 7 -t $START "$store" "$N" 3 >/dev/null ||
	    { echo "FAIL: $label: history_gen"; fail=1; return; }
	mkdir -p "$T/out-$label"
	"$AUTHMILTER" report -c /dev/null --history "$store" --from $DAY \
	    --to $((DAY + 86400)) --format json --out "$T/out-$label" \
	    >"$T/report-$label.log" 2>&1 ||
	    { cat "$T/report-$label.log"; echo "FAIL: $label: report"; fail=1; return; }
	shift 2
	"$@" >"$T/records-$label.tsv" || { echo "FAIL: $label: dump"; fail=1; return; }
	/usr/bin/python3 - "$T/records-$label.tsv" "$T/out-$label" $DAY \
	    $((DAY + 86400)) "$label" <<'PY' || fail=1
import collections, glob, ipaddress, json, os, sys
tsv, out, lo, hi, label = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
cols = ("t source_ip header_from envelope_from envelope_to policy_domain "
        "spf_domain spf_scope spf_result dkim disposition dkim_aligned "
        "spf_aligned reasons p sp np adkim aspf fo testing discovery").split()
want = collections.defaultdict(collections.Counter)
latest = {}
before = after = 0
policies = collections.defaultdict(set)
for line in open(tsv):
    r = dict(zip(cols, line.rstrip("\n").split("\t")))
    t = int(r["t"])
    if t < lo: before += 1; continue
    if t >= hi: after += 1; continue
    d = r["policy_domain"]
    dk = r["dkim"].split()
    key = (str(ipaddress.ip_address(r["source_ip"])), r["disposition"],
           "pass" if r["dkim_aligned"] == "1" else "fail",
           "pass" if r["spf_aligned"] == "1" else "fail",
           tuple(r["reasons"].split()), r["header_from"], r["envelope_from"],
           r["envelope_to"],
           tuple(tuple(dk[i:i + 3]) for i in range(0, len(dk), 3)),
           (r["spf_domain"], r["spf_scope"], r["spf_result"]))
    want[d][key] += 1
    pol = (r["p"], r["sp"], r["np"], r["adkim"], r["aspf"], r["fo"], r["testing"], r["discovery"])
    policies[d].add(pol)
    if d not in latest or t >= latest[d][0]:
        latest[d] = (t, pol)
errs = []
files = glob.glob(os.path.join(out, "*.json"))
got_domains = set()
nrows = 0
for f in files:
    rep = json.load(open(f))
    d = rep["policy_published"]["domain"]
    got_domains.add(d)
    got = collections.Counter()
    last = None
    for rec in rep["record"]:
        row, ids, ar = rec["row"], rec["identifiers"], rec["auth_results"]
        pe = row["policy_evaluated"]
        key = (row["source_ip"], pe["disposition"], pe["dkim"], pe["spf"],
               tuple(x["type"] for x in pe["reason"]), ids["header_from"],
               ids.get("envelope_from", ""), ids.get("envelope_to", ""),
               tuple((x["domain"], x["selector"], x["result"]) for x in ar.get("dkim", [])),
               (ar["spf"]["domain"], ar["spf"]["scope"], ar["spf"]["result"]))
        if key in got:
            errs.append("%s: row %r twice" % (d, key))
        got[key] += row["count"]
        if last is not None and row["count"] > last:
            errs.append("%s: rows not largest count first" % d)
        last = row["count"]
        nrows += 1
    if got != want.get(d):
        missing = want.get(d, collections.Counter()) - got
        extra = got - want.get(d, collections.Counter())
        errs.append("%s: rows differ: missing %s extra %s" % (d, list(missing.items())[:2], list(extra.items())[:2]))
    pp = rep["policy_published"]
    pol = (pp["p"], pp["sp"], pp["np"], pp["adkim"], pp["aspf"], pp["fo"], pp["testing"], pp["discovery_method"])
    if d in latest and pol != latest[d][1]:
        errs.append("%s: policy %r, latest record says %r" % (d, pol, latest[d][1]))
if got_domains != set(want):
    errs.append("domains differ: %d reported, %d in the period" % (len(got_domains), len(want)))
multi = sum(1 for d in want if len(policies[d]) > 1)
reasons = sum(c for d in want for k, c in want[d].items() if k[4])
# the edge cases the generator must have produced for the test to mean anything
if before == 0 or after == 0: errs.append("no records outside the period (before %d, after %d)" % (before, after))
if multi == 0: errs.append("no domain with several policies in the day")
if reasons == 0: errs.append("no override reasons")
for e in errs[:10]:
    print("FAIL: %s: %s" % (label, e))
if errs:
    sys.exit(1)
print("report_scale: %s: %d reports, %d rows, %d records in the day (%d before, %d after), "
      "%d domains with several policies, %d overridden: same as the store's records"
      % (label, len(files), nrows, sum(sum(c.values()) for c in want.values()), before, after, multi, reasons))
PY
}

COLS="t, source_ip, header_from, envelope_from, envelope_to, policy_domain, spf_domain, spf_scope, spf_result, dkim, disposition, dkim_aligned, spf_aligned, reasons, p, sp, np, adkim, aspf, fo, testing, discovery"
dump_sqlite() {
	/usr/bin/python3 -c 'import sqlite3,sys
for r in sqlite3.connect(sys.argv[1]).execute("SELECT " + sys.argv[2] + " FROM dmarc_records"):
    print("\t".join(str(x) for x in r))' "$1" "$COLS"
}
check sqlite "$T/h.db" dump_sqlite "$T/h.db"

if pg_cluster_find; then
	pg_cluster_start "$T/pg" || exit 1
	check postgresql "$PG_URI" $PG_RUNAS "$PGBIN/psql" -h "$PG_DIR" -p "$PG_PORT" \
	    -U postgres -d dmarc -At -F "$(printf '\t')" -c "SELECT $COLS FROM dmarc_records"
	# the day's report read the day's index (the server's statistics;
	# flushed when the report's connections closed, so retried briefly)
	i=0 scans=0
	while [ $i -lt 10 ]; do
		scans=$($PG_RUNAS "$PGBIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres \
		    -d dmarc -At -c "SELECT idx_scan FROM pg_stat_user_indexes WHERE
		    indexrelname = 'dmarc_records_day_group'")
		[ "${scans:-0}" -gt 0 ] && break
		i=$((i + 1)); sleep 1
	done
	if [ "${scans:-0}" -gt 0 ]; then
		echo "report_scale: postgresql: the day's report walked dmarc_records_day_group"
	else
		echo "FAIL: postgresql: dmarc_records_day_group not used (idx_scan '${scans}')"
		fail=1
	fi
else
	echo "report_scale: no PostgreSQL server, SQLite only"
fi
[ $fail = 0 ] && echo "report_scale: all checks passed"
exit $fail
