#!/bin/sh
# tests/report/report_period.sh - `authmilter report` with no period, and
# with --yesterday, reports the last complete UTC day [00:00Z yesterday,
# 00:00Z today): on a history with rows one second on each side of both
# midnights (and two days ago, and now), the report's date_range is
# exactly that day (end = begin + 86399, its last second, as for
# --from/--to) and it counts exactly the rows inside it. --yesterday with
# --from/--to is refused (exit 2, naming both); --prune-before alone still
# only prunes (no report).
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
PY=/usr/bin/python3
ZONE=$(pwd)/tests/fixtures/reports/reports.zone
T=$(mktemp -d /tmp/report-period.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
DB=$T/history.db
. "$(pwd)/tests/lib/reports.sh"  # report_record

# today's 00:00 UTC; run again if the day changes while the test runs
for attempt in 1 2; do
	now=$(date -u +%s)
	D=$((now - now % 86400))	# 00:00Z today
	Y=$((D - 86400))		# 00:00Z yesterday
	rm -f "$DB"; n=0
	send() { # ip now
		report_record "$1" mx.example.com a@example.com b@dest.example \
		    example.com "$2" || fail "check --record at $2"
	}
	send 192.0.2.9 $((Y - 86400))	# two days ago: out
	send 192.0.2.9 $((Y - 1))	# 23:59:59 the day before: out
	send 192.0.2.1 $Y		# 00:00:00 yesterday: in
	send 192.0.2.1 $((Y + 43200))	# noon yesterday: in
	send 192.0.2.1 $((D - 1))	# 23:59:59 yesterday: in
	send 192.0.2.9 $D		# 00:00:00 today: out
	send 192.0.2.9 "$now"		# now: out
	for how in default yesterday; do
		case $how in
		default) set -- ;;
		yesterday) set -- --yesterday ;;
		esac
		"$AUTHMILTER" report -c /dev/null --history "$DB" --format json "$@" \
		    >"$T/$how.json" 2>"$T/$how.err" ||
		    fail "report ($how): $(cat "$T/$how.err")"
	done
	[ "$(( $(date -u +%s) / 86400 ))" = "$((D / 86400))" ] && break
	[ "$attempt" = 2 ] && fail "the UTC day changed twice during the test"
done
for how in default yesterday; do
	$PY - "$T/$how.json" "$Y" <<'PYEOF' || fail "report ($how): $(cat "$T/$how.json")"
import json, sys
r = json.load(open(sys.argv[1]))   # one report: one policy domain
y = int(sys.argv[2])
m = r["report_metadata"]
assert m["date_range"] == {"begin": y, "end": y + 86399}, m["date_range"]
rows = [(x["row"]["source_ip"], x["row"]["count"]) for x in r["record"]]
assert rows == [("192.0.2.1", 3)], rows
PYEOF
	echo "ok   report ($how): [$Y, $((Y + 86399))], the 3 messages of yesterday, none of the 4 outside"
done
cmp -s "$T/default.json" "$T/yesterday.json" ||
    fail "no period and --yesterday differ: $(diff "$T/default.json" "$T/yesterday.json")"

"$AUTHMILTER" report -c /dev/null --history "$DB" --yesterday --from $Y --to $D \
    >"$T/out" 2>"$T/err"
rc=$?
[ "$rc" = 2 ] || fail "--yesterday with --from/--to: exit $rc, want 2"
grep -q -- "--yesterday is a period of its own" "$T/err" ||
    fail "--yesterday with --from/--to: $(cat "$T/err")"
"$AUTHMILTER" report -c /dev/null --history "$DB" --from $Y >"$T/out" 2>"$T/err"
[ $? = 2 ] || fail "--from without --to accepted"
echo "ok   --yesterday with --from/--to, --from alone: refused (exit 2)"

# --prune-before alone prunes and builds no report
"$AUTHMILTER" report -c /dev/null --history "$DB" --prune-before $Y \
    >"$T/prune" 2>"$T/err" || fail "--prune-before: $(cat "$T/err")"
grep -q '"report_metadata"\|<feedback' "$T/prune" && fail "--prune-before alone wrote a report"
"$AUTHMILTER" report -c /dev/null --history "$DB" --from $((Y - 86400)) --to $Y \
    --format json >"$T/old" 2>&1 || fail "report of the day before"
grep -q '"report_metadata"' "$T/old" && fail "--prune-before kept the rows before $Y: $(cat "$T/old")"
echo "ok   --prune-before alone: pruned, no report"
echo "report_period: all checks passed"
