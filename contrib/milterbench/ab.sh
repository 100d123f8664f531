#!/bin/sh
# contrib/milterbench/ab.sh - CPU per message of two authmilter builds on
# the benchmark corpus, measured in the same session, side by side: the
# figure to quote for "this change costs (or saves) X".
#
#   sh contrib/milterbench/ab.sh OLD_AUTHMILTER NEW_AUTHMILTER
#
# Both daemons run at once (each with `--dns-zone` over the corpus zone,
# unix sockets in a scratch directory; no namespace, no root needed) and
# are loaded in turn, A B B A in each round, at each concurrency, so that
# drift of the machine (frequency, other load) falls on both alike. CPU is
# each daemon's utime+stime from /proc/PID/stat before and after a run
# (10 ms ticks: more messages, finer figures). Prints one line per round
# and concurrency and, per concurrency, the mean of each build and the
# mean of the paired differences (NEW - OLD) with twice its standard
# error: a difference within that is noise.
#
# Needs the corpus and the client of a `make bench` run first
# ($BUILD/milterbench/corpus, $BUILD/milterbench/milterbench).
# Environment: BUILD (build), AB_ROUNDS (10), MB_MESSAGES (2000, at most
# the corpus size), MB_CONCURRENCY ("1 8 32"), AB_RATE (unset: a flood;
# a number: each run paced at that many messages/s, `milterbench -r`, as
# an MTA's pace leaves the daemon idle between messages).
set -eu
[ $# -eq 2 ] || { echo "usage: ab.sh OLD_AUTHMILTER NEW_AUTHMILTER" >&2; exit 2; }
OLD=$1 NEW=$2
BUILD=${BUILD:-build}
AB_ROUNDS=${AB_ROUNDS:-10}
MB_MESSAGES=${MB_MESSAGES:-2000}
MB_CONCURRENCY=${MB_CONCURRENCY:-"1 8 32"}
AB_RATE=${AB_RATE:-}
WORK=$(pwd)/$BUILD/milterbench
CORPUS=$WORK/corpus
MB=$WORK/milterbench
die() { echo "ab: $*" >&2; exit 1; }
[ -x "$OLD" ] && [ -x "$NEW" ] || die "both binaries must exist"
[ -x "$MB" ] && [ -f "$CORPUS/bench.zone" ] ||
    die "no corpus or client in $WORK: run make bench first"

RUN=$(mktemp -d /tmp/ab.XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || :; done; wait 2>/dev/null || :; rm -rf "$RUN"; }
trap cleanup EXIT INT TERM
printf 'user = ""\npidfile = ""\nauthserv_id = "bench.test"\n' > "$RUN/am.conf"
start() {	# start NAME BINARY: prints the pid
	"$2" run -f -c "$RUN/am.conf" -p "unix:$RUN/$1.sock" \
	    --dns-zone "$CORPUS/bench.zone" > /dev/null 2> "$RUN/$1.log" &
	echo $!
}
A=$(start old "$OLD"); PIDS="$A"
B=$(start new "$NEW"); PIDS="$PIDS $B"
for s in old new; do
	i=0
	until [ -S "$RUN/$s.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || die "$s did not start: $(cat "$RUN/$s.log")"
		sleep 0.1
	done
done
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
# one run: prints CPU microseconds per message of the daemon PID
one() {	# one NAME PID CONC
	b=$(cpu "$2")
	"$MB" -s "unix:$RUN/$1.sock" -d "$CORPUS" -n "$MB_MESSAGES" -c "$3" \
	    ${AB_RATE:+-r "$AB_RATE"} -t 10 -o /dev/null > "$RUN/out" ||
	    die "milterbench failed on $1"
	grep -q ' errors=0' "$RUN/out" || die "$1: errors: $(cat "$RUN/out")"
	a=$(cpu "$2")
	echo "$b $a" | awk -v n="$MB_MESSAGES" -v hz="$HZ" \
	    '{ printf "%.1f", ($2 - $1) * 1e6 / hz / n }'
}
for s in old new; do	# warm-up: key and answer caches filled alike
	"$MB" -s "unix:$RUN/$s.sock" -d "$CORPUS" -n 200 -c 4 -o /dev/null >/dev/null
done
echo "ab: $AB_ROUNDS rounds of $MB_MESSAGES messages, A B B A, CPU us/msg${AB_RATE:+, paced at $AB_RATE msgs/s}"
echo "ab: old $OLD"
echo "ab: new $NEW"
: > "$RUN/pairs"
r=1
while [ $r -le "$AB_ROUNDS" ]; do
	for c in $MB_CONCURRENCY; do
		o1=$(one old "$A" "$c"); n1=$(one new "$B" "$c")
		n2=$(one new "$B" "$c"); o2=$(one old "$A" "$c")
		echo "$c $o1 $n1 $n2 $o2" >> "$RUN/pairs"
		echo "round $r c=$c: old $o1 $o2, new $n1 $n2"
	done
	r=$((r + 1))
done
for c in $MB_CONCURRENCY; do
	awk -v c="$c" '$1 == c {
		o = ($2 + $5) / 2; nw = ($3 + $4) / 2; d = nw - o;
		so += o; sn += nw; sd += d; sdd += d * d; k++ }
	END {
		m = sd / k; v = k > 1 ? (sdd - k * m * m) / (k - 1) : 0;
		if (v < 0) v = 0;
		printf "c=%s: old %.1f, new %.1f us/msg; new - old %+.1f +- %.1f us (%+.1f%%; %d rounds)\n",
		    c, so / k, sn / k, m, 2 * sqrt(v / k), 100 * m / (so / k), k }' "$RUN/pairs"
done
