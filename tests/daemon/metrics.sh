#!/bin/sh
# tests/daemon/metrics.sh - the Prometheus endpoint (metrics =) of a real
# daemon, driven by miltertest (tests/daemon/lua/metrics.lua): a known mix
# of messages (passing, skipped, DMARC p=reject rejected, p=quarantine
# quarantined, one bad From tempfailed), scraped in the middle of the run
# and after it; every counter must equal what was sent. Also: the history
# rows written, connections back to 0, a reload counted, `authmilter stats`
# printing the same text, its errors (metrics off, nothing answering), the
# endpoint's 404 and content type, and an out-of-range or unix metrics
# address refused by -n and at start.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
. "$SRC/tests/lib/common.sh"    # need_tools, stop_pids, tail_logs
need_tools "apt-get install miltertest" miltertest

T=$(mktemp -d /tmp/metrics.XXXXXX)
AM=
trap 'stop_pids $AM; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	tail_logs 20 am.log
	exit 1
}
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# scrape FILE [PATH]: GET http://127.0.0.1:$PORT/PATH into FILE, the
# Content-Type into FILE.type; exit status 1 on an HTTP error
scrape() {
	"$PY" - "http://127.0.0.1:$PORT${2:-/metrics}" "$1" <<'PYEOF'
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=10)
except urllib.error.HTTPError as e:
    open(sys.argv[2] + ".type", "w").write(str(e.code))
    sys.exit(1)
open(sys.argv[2], "wb").write(r.read())
open(sys.argv[2] + ".type", "w").write(r.headers["Content-Type"])
PYEOF
}
# val FILE SERIES: the value of the sample written exactly as SERIES
val() {
	awk -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "missing" }' "$1"
}
# want FILE SERIES VALUE
want() {
	got=$(val "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 is $got, want $3 ($1)"
}

NPASS=5 NREJECT=3 NQUAR=2
PORT=$(free_port)
cp "$SRC/tests/fixtures/milter/milter.zone" "$T/zone"
printf '_dmarc.q.example. TXT "v=DMARC1; p=quarantine"\n' >> "$T/zone"
conf() {
	printf 'socket = unix:%s/am.sock\nuser =\npidfile =\nauthserv_id = mt.test\n' "$T"
	printf 'dns_zone = %s/zone\ndmarc_enforce = yes\nbad_from_action = tempfail\n' "$T"
	printf 'history = %s/history.db\n' "$T"
}
conf > "$T/off.conf"
{ conf; printf 'metrics = inet:%s@127.0.0.1\n' "$PORT"; } > "$T/am.conf"

# refused addresses: -n and a start both fail, naming the value
for bad in 0 65536 99999 unix:/tmp/x.sock; do
	case $bad in unix:*) spec=$bad ;; *) spec="inet:$bad@127.0.0.1" ;; esac
	{ conf; printf 'metrics = %s\n' "$spec"; } > "$T/bad.conf"
	"$AUTHMILTER" -n -c "$T/bad.conf" > "$T/bad.out" 2>&1 &&
	    fail "-n accepted metrics = $spec"
	grep -q "metrics .*$bad" "$T/bad.out" ||
	    fail "-n on metrics = $spec: $(cat "$T/bad.out")"
	"$AUTHMILTER" -f -c "$T/bad.conf" > "$T/bad.out" 2>&1 &&
	    fail "the daemon started with metrics = $spec"
	grep -q "metrics .*$bad" "$T/bad.out" ||
	    fail "start with metrics = $spec: $(cat "$T/bad.out")"
done
echo "ok   metrics ports 0, 65536, 99999 and a unix socket refused (-n and start)"

# stats: metrics off, and nothing answering
"$AUTHMILTER" stats -c "$T/off.conf" > "$T/st.out" 2>&1 && fail "stats with metrics off"
grep -q "metrics is off" "$T/st.out" || fail "stats, metrics off: $(cat "$T/st.out")"
"$AUTHMILTER" stats -c "$T/am.conf" > "$T/st.out" 2>&1 && fail "stats with no daemon"
grep -q "metrics inet:$PORT@127.0.0.1: the daemon does not answer" "$T/st.out" ||
    fail "stats, no daemon: $(cat "$T/st.out")"
echo "ok   stats: metrics off, and no daemon, each said with the address"

"$AUTHMILTER" -f -c "$T/am.conf" > "$T/am.log" 2>&1 &
AM=$!
i=0
until grep -q "notice: ready" "$T/am.log"; do
	i=$((i + 1))
	[ $i -lt 100 ] && kill -0 "$AM" 2>/dev/null || fail "the daemon did not start"
	sleep 0.1
done
lua() {
	miltertest -D "sock=unix:$T/am.sock" -D "dir=$SRC/tests/daemon/lua" \
	    -D asid=mt.test -D "part=$1" -D "pass=$NPASS" -D "reject=$NREJECT" \
	    -D "quar=$NQUAR" -s "$SRC/tests/daemon/lua/metrics.lua" > "$T/lua$1.out" 2>&1 ||
	    fail "miltertest part $1: $(cat "$T/lua$1.out")"
}

scrape "$T/m0" || fail "scrape before the run"
grep -q "^text/plain; version=0.0.4" "$T/m0.type" || fail "Content-Type $(cat "$T/m0.type")"
want "$T/m0" 'authmilter_messages_total{action="accept"}' 0
want "$T/m0" "authmilter_build_info{version=\"$("$AUTHMILTER" version | cut -d' ' -f2)\"}" 1

lua 1
scrape "$T/m1" || fail "scrape during the run"
want "$T/m1" 'authmilter_messages_total{action="accept"}' $NPASS
want "$T/m1" 'authmilter_messages_total{action="skipped"}' 1
want "$T/m1" 'authmilter_messages_total{action="reject"}' 0
want "$T/m1" 'authmilter_auth_results_total{method="dmarc",result="pass"}' $NPASS
echo "ok   during the run: $NPASS accepted, 1 skipped"

lua 2
scrape "$T/m2" || fail "scrape after the run"
NCHECKED=$((NPASS + NREJECT + NQUAR + 1))
want "$T/m2" 'authmilter_messages_total{action="accept"}' $NPASS
want "$T/m2" 'authmilter_messages_total{action="skipped"}' 1
want "$T/m2" 'authmilter_messages_total{action="reject"}' $NREJECT
want "$T/m2" 'authmilter_messages_total{action="quarantine"}' $NQUAR
want "$T/m2" 'authmilter_messages_total{action="tempfail"}' 1
want "$T/m2" 'authmilter_auth_results_total{method="dmarc",result="pass"}' $NPASS
want "$T/m2" 'authmilter_auth_results_total{method="dmarc",result="fail"}' $((NREJECT + NQUAR))
want "$T/m2" 'authmilter_auth_results_total{method="dmarc",result="permerror"}' 1
want "$T/m2" 'authmilter_auth_results_total{method="spf",result="pass"}' $((NPASS + 1))
want "$T/m2" 'authmilter_auth_results_total{method="spf",result="none"}' $((NREJECT + NQUAR))
want "$T/m2" 'authmilter_auth_results_total{method="dkim",result="none"}' $NCHECKED
want "$T/m2" 'authmilter_dmarc_dispositions_total{disposition="reject",applied="yes"}' $NREJECT
want "$T/m2" 'authmilter_dmarc_dispositions_total{disposition="quarantine",applied="yes"}' $NQUAR
want "$T/m2" 'authmilter_dmarc_dispositions_total{disposition="none",applied="yes"}' $NPASS
want "$T/m2" 'authmilter_eom_duration_seconds_count' $((NCHECKED + 1))
want "$T/m2" 'authmilter_eom_duration_seconds_bucket{le="+Inf"}' $((NCHECKED + 1))
# one DNS wait per checked message (a skipped one waits on nothing)
want "$T/m2" 'authmilter_dns_wait_seconds_count' $NCHECKED
q=$(val "$T/m2" authmilter_dns_queries_total)
[ "$q" != missing ] && [ "$q" -gt 0 ] || fail "authmilter_dns_queries_total is $q"
echo "ok   after the run: every message counted by action and result ($q DNS queries)"

# the history writer and the connections settle
i=0
while :; do
	scrape "$T/m3" || fail "scrape"
	[ "$(val "$T/m3" authmilter_history_rows_written_total)" = $((NPASS + NREJECT + NQUAR)) ] &&
	    [ "$(val "$T/m3" authmilter_history_queue_depth)" = 0 ] &&
	    [ "$(val "$T/m3" authmilter_connections_in_flight)" = 0 ] && break
	i=$((i + 1))
	[ $i -lt 50 ] || fail "history rows $(val "$T/m3" authmilter_history_rows_written_total), queue $(val "$T/m3" authmilter_history_queue_depth), connections $(val "$T/m3" authmilter_connections_in_flight)"
	sleep 0.2
done
want "$T/m3" authmilter_history_dropped_total 0
echo "ok   history: $((NPASS + NREJECT + NQUAR)) rows written, queue 0; no connection left"

kill -HUP "$AM"
i=0
until scrape "$T/m4" && [ "$(val "$T/m4" 'authmilter_reloads_total{result="ok"}')" = 1 ]; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "reload not counted"
	sleep 0.2
done
want "$T/m4" 'authmilter_messages_total{action="accept"}' $NPASS
echo "ok   reload counted; counters kept across it"

# a reload that moves the endpoint: said, and the running one stays
cp "$T/am.conf" "$T/am.conf.orig"
{ conf; printf 'metrics = inet:%s@127.0.0.1\n' "$(free_port)"; } > "$T/am.conf"
kill -HUP "$AM"
i=0
until grep -q "reload: metrics changed from 'inet:$PORT@127.0.0.1'" "$T/am.log"; do
	i=$((i + 1))
	[ $i -lt 50 ] || fail "no warning for a changed metrics address"
	sleep 0.2
done
mv "$T/am.conf.orig" "$T/am.conf"
scrape "$T/m4b" || fail "the endpoint went away after a reload"
echo "ok   a changed metrics address at reload is said; the endpoint stays"

"$AUTHMILTER" stats -c "$T/am.conf" > "$T/stats.out" 2>&1 || fail "stats: $(cat "$T/stats.out")"
scrape "$T/m5" || fail "scrape"
grep -v "seconds\|_in_flight\|dns_" "$T/m5" > "$T/m5.cmp"
grep -v "seconds\|_in_flight\|dns_" "$T/stats.out" > "$T/stats.cmp"
cmp -s "$T/m5.cmp" "$T/stats.cmp" || fail "stats differs from the endpoint: $(diff "$T/m5.cmp" "$T/stats.cmp")"
grep -q '^# TYPE authmilter_messages_total counter$' "$T/stats.out" || fail "stats: no TYPE line"
echo "ok   authmilter stats prints the endpoint's text"

scrape "$T/nf" / && fail "GET / answered 200"
[ "$(cat "$T/nf.type")" = 404 ] || fail "GET /: $(cat "$T/nf.type")"

kill -TERM "$AM"
wait "$AM"
st=$?
AM=
[ "$st" = 0 ] || fail "exit status $st after SIGTERM"
grep -q "^authmilter: error:\|warning: metrics" "$T/am.log" && fail "errors in the log"
echo "PASS: metrics"
