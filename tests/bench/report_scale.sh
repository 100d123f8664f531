#!/bin/sh
# tests/bench/report_scale.sh - the report side at scale (make bench):
# history_gen fills a store with REPORT_SCALE records (default 1,000,000;
# REPORT_SCALE=10000000 for the README's figures) of one UTC day, then
# `authmilter report --out` builds that day's reports under /usr/bin/time:
# wall time, CPU and peak RSS, judged against the issue 16 targets (met /
# NOT met), and `report --send` of the largest domain's report to a
# sink (peak RSS). SQLite in a temp dir, then PostgreSQL on a
# throwaway cluster (tests/lib/pg_cluster.sh) when the server is there
# (twice: pg-loaded straight after the load, with how many rows autovacuum
# had not reached yet, then pg-vacuum after VACUUM),
# and 4 history writers (the daemon's, driven by history_gen -W: wait for
# room, so the figure is what the store sustains) writing
# REPORT_WRITER_RECORDS records each (default 250,000) at once to it.
# Figures, not pass/fail: the exit status is non-zero only when a step
# failed. The temp dir is REPORT_SCALE_DIR (default /tmp; 10M records take
# ~4 GB in SQLite and ~6 GB in PostgreSQL).
set -u
BUILD=${BUILD:-build}
N=${REPORT_SCALE:-1000000}
W=${REPORT_WRITER_RECORDS:-250000}
GEN=$BUILD/tests/history_gen
AM=$BUILD/authmilter
DAY=1793491200          # 2026-11-01T00:00:00Z, history_gen's default start
. "$(pwd)/tests/lib/pg_cluster.sh"
T=$(mktemp -d "${REPORT_SCALE_DIR:-/tmp}/report_scale.XXXXXX")
chmod 755 "$T"
cleanup() { pg_cluster_stop; rm -rf "$T"; }
trap cleanup EXIT
[ -x /usr/bin/time ] || { echo "report_scale: /usr/bin/time missing (apt-get install time)"; exit 1; }

# The issue 16 targets: one day of 10M records reported in under
# TARGET_S seconds, peak RSS under TARGET_MB whatever N.
TARGET_N=10000000
TARGET_S=60
TARGET_MB=100

# run_report LABEL STORE: one day's reports, time, CPU and peak RSS, and
# the targets judged from this run (the time one at N records scaled
# linearly to 10M when N is smaller, and said so)
run_report() {
	store=$2
	mkdir -p "$T/out-$1"
	/usr/bin/time -f "%e %M %U %S" -o "$T/time-$1" "$AM" report -c /dev/null \
	    --history "$2" --from $DAY --to $((DAY + 86400)) --out "$T/out-$1" \
	    >"$T/report-$1.log" 2>"$T/report-$1.err" ||
	    { tail -3 "$T/report-$1.err"; echo "report_scale: $1: report failed"; return 1; }
	set -- "$1" $(tail -1 "$T/time-$1")
	printf "report   %-10s %s records, 1 day -> %s XML reports (%s MB): %s s wall, %.1f s CPU, peak RSS %s MB\n" \
	    "$1" "$N" "$(wc -l <"$T/report-$1.log" | tr -d ' ')" \
	    "$(du -sm "$T/out-$1" | cut -f1)" "$2" \
	    "$(awk -v u="$4" -v s="$5" 'BEGIN { print u + s }')" $(($3 / 1024))
	awk -v n="$N" -v tn=$TARGET_N -v w="$2" -v ts=$TARGET_S -v rss="$3" \
	    -v tm=$TARGET_MB -v l="$1" 'BEGIN {
		t = w * tn / n
		how = n >= tn ? sprintf("%.0f s", t) : \
		    sprintf("%.0f s extrapolated linearly from %d records", t, n)
		printf "target   %-10s 10M records in < %d s: %s (%s); peak RSS < %d MB: %s (%d MB)\n", \
		    l, ts, t < ts ? "met" : "NOT met", how, tm, \
		    rss / 1024 < tm ? "met" : "NOT met", rss / 1024 }'
	rm -rf "$T/out-$1"
	# --send of the largest domain (history_gen's d0.example) to a sink:
	# the gzip'd document and its message are held in memory
	printf '#!/bin/sh\nwc -c >"%s/sent"\n' "$T" >"$T/sink"
	chmod +x "$T/sink"
	printf 'report_sendmail = %s/sink -oi\nreport_email = dmarc@mx.test\n' \
	    "$T" >"$T/send.conf"
	/usr/bin/time -f "%e %M" -o "$T/time-send-$1" "$AM" report -c "$T/send.conf" \
	    --history "$store" --from $DAY --to $((DAY + 86400)) --domain d0.example \
	    --send >/dev/null 2>"$T/send-$1.err" ||
	    { tail -3 "$T/send-$1.err"; echo "report_scale: $1: --send failed"; return 1; }
	set -- "$1" $(tail -1 "$T/time-send-$1")
	printf "send     %-10s the largest domain's report (%s octets of mail): %s s, peak RSS %s MB: %s\n" \
	    "$1" "$(cat "$T/sent")" "$2" $(($3 / 1024)) \
	    "$([ $(($3 / 1024)) -lt $TARGET_MB ] && echo met || echo NOT met)"
}

gen() { # LABEL STORE
	t0=$(date +%s.%N)
	"$GEN" "$2" "$N" 1 >/dev/null || { echo "report_scale: $1: history_gen failed"; return 1; }
	printf "generate %-10s %s records: %.0f s\n" "$1" "$N" \
	    "$(since "$t0")"
}

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }

fail=0
gen sqlite "$T/h.db" && run_report sqlite "$T/h.db" || fail=1
rm -f "$T"/h.db*

if ! pg_cluster_find; then
	echo "report_scale: no PostgreSQL server (apt-get install postgresql): SQLite only"
	exit $fail
fi
pg_cluster_start "$T/pg" >/dev/null || exit 1
# the day's report twice: straight after the load, as a report run soon
# after a burst of records meets it (rows autovacuum has not reached yet
# are read from the table too, not only from the index), then once
# VACUUM has marked every page all-visible; both figures printed
pgq() {
	$PG_RUNAS "$PGBIN/psql" -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" \
	    -U postgres -d dmarc -c "$1"
}
if gen postgresql "$PG_URI"; then
	printf "state    %-10s straight after the load: %s of %s rows not yet vacuumed (reloptions %s)\n" \
	    pg-loaded "$(pgq "SELECT n_ins_since_vacuum FROM pg_stat_user_tables WHERE relname = 'dmarc_records'")" \
	    "$N" "$(pgq "SELECT COALESCE(array_to_string(reloptions, ','), 'none') FROM pg_class WHERE relname = 'dmarc_records'")"
	run_report pg-loaded "$PG_URI" || fail=1
	pgq "VACUUM dmarc_records" || fail=1
	printf "state    %-10s after VACUUM dmarc_records: every page all-visible\n" pg-vacuum
	run_report pg-vacuum "$PG_URI" || fail=1
else
	fail=1
fi

# 4 writers at once into one (already large) PostgreSQL store
t0=$(date +%s.%N)
pids=
for i in 1 2 3 4; do
	"$GEN" -W -s $i "$PG_URI" "$W" 1 >"$T/w$i.out" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || fail=1; done
dt=$(since "$t0")
dropped=$(sed -n 's/.* dropped \([0-9]*\) .*/\1/p' "$T"/w?.out | awk '{ s += $1 } END { print s + 0 }')
printf "writers  postgresql 4 daemons' history writers x %s records: %.1f s, %.0f rows/s sustained, %s dropped\n" \
    "$W" "$dt" "$(awk -v n="$W" -v t="$dt" 'BEGIN { print 4 * n / t }')" "$dropped"
exit $fail
