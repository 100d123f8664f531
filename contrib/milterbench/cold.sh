#!/bin/sh
# contrib/milterbench/cold.sh - the cold-DNS benchmark (make bench runs it
# from tests/bench/run.sh; COLD=0 skips it). Root only (namespaces, apt).
#
#   BUILD=build sh contrib/milterbench/cold.sh
#
# Every message comes from a sender domain no resolver has seen (gencold.py:
# one domain per message under the zone "cold.", SPF include/a/mx chains,
# RSA and Ed25519 DKIM keys, DMARC records at several levels), served by nsd
# from the zone signed here (ldns-signzone; its DS is the trust anchor, so
# validation is on), reached through dnsdelay, which holds each packet
# RTT/2 each way. For each delay (COLD_DELAYS, ms of round trip) and each
# subject the resolvers start with an empty cache and a fresh dnsdelay
# (whose count is the subject's DNS queries):
#   - authmilter: its libunbound gets dns_conf with a stub-zone "cold." at
#     dnsdelay and the zone's trust anchor;
#   - opendkim + opendmarc (chained as Postfix does): a Debian unbound daemon
#     on the namespace's 127.0.0.1:53 with the same stub and anchor, cache
#     empty (restarted per run); opendmarc and its SPF (libspf2) reach it
#     through resolv.conf, opendkim's libunbound with Nameservers 127.0.0.1.
# Both subjects so pay the same delay for each name they ask once; root and
# TLD servers are not in play (the stub points straight at the zone's
# server, and every other name gets an empty answer at once: local-zone "." static),
# nor are delegations: the domains live in the one zone "cold.", so QNAME
# minimisation is off in both (else each new name costs extra A queries
# probing for zone cuts that do not exist: 1,592 of 2,165 queries in a
# 100-message trial; the bound counts one query per name).
# After authmilter's run, ubreplay replays its query log (same questions at
# the same moments) through libunbound alone with a fresh cache: the
# resolver floor, the cost of one dependent lookup on this machine with
# nothing of authmilter in the way (coldreport.py prints it beside the table).
# milterbench sends the corpus at COLD_CONCURRENCY sessions; coldreport.py
# prints the table (end-of-message latency p50/p99, median of latency over
# each message's bound, queries per message) and judges the targets; the
# query logs (dnsdelay -L) give the "which lookups wait for which" analysis.
# authmilter's verdicts must match the corpus expectations (exit 1 if not).
#
# Environment: COLD_MESSAGES (1000), COLD_SEED (1), COLD_DELAYS ("20 80"),
# COLD_CONCURRENCY (16); for studying one subject: COLD_SUBJECTS ("pair
# authmilter"), COLD_SEND (messages sent, default all), COLD_TRACE=1 (runs
# authmilter with -d: each message's DNS questions and answers in
# $BUILD/milterbench/cold-run/authmilter-DELAY.log).
set -eu
BUILD=${BUILD:-build}
COLD_MESSAGES=${COLD_MESSAGES:-1000}
COLD_SEED=${COLD_SEED:-1}
COLD_DELAYS=${COLD_DELAYS:-"20 80"}
COLD_CONCURRENCY=${COLD_CONCURRENCY:-16}
COLD_SUBJECTS=${COLD_SUBJECTS:-"pair authmilter"}
COLD_SEND=${COLD_SEND:-$COLD_MESSAGES}
COLD_TRACE=${COLD_TRACE:-0}
KIT=contrib/milterbench
WORK=$(pwd)/$BUILD/milterbench
CORPUS=$WORK/cold
export BUILD COLD_MESSAGES COLD_SEED COLD_DELAYS COLD_CONCURRENCY COLD_SUBJECTS \
    COLD_SEND COLD_TRACE

die() { echo "cold: $*" >&2; exit 1; }
fail() { die "$@"; }	# for tests/lib/nsd.sh

if [ "${1:-}" != --inner ]; then
	[ "$(id -u)" -eq 0 ] || { echo "cold: skipped (needs root for namespaces)"; exit 0; }
	[ -x "$BUILD/authmilter" ] || die "$BUILD/authmilter is missing (make first)"
	. "$(pwd)/$KIT/kitlib.sh"
	kit_prepare cold opendkim opendmarc unbound nsd ldnsutils iproute2 python3-dkim \
	    python3-nacl python3-cryptography publicsuffix
	kit_corpus cold "$CORPUS" "seed=$COLD_SEED count=$COLD_MESSAGES $(cat \
	    $KIT/gencold.py $KIT/gencorpus.py | sha256sum | cut -c1-16)" \
	    gencold.py "$COLD_MESSAGES" "$COLD_SEED"
	exec unshare --net --mount sh "$0" --inner
fi

# ---- inside the namespace ----
. "$(pwd)/tests/lib/nsd.sh"
. "$(pwd)/$KIT/kitlib.sh"
RUN=$WORK/cold-run
rm -rf "$RUN"
mkdir -p "$RUN/nsd"
chmod 755 "$RUN"
ip link set lo up
echo "nameserver 127.0.0.1" > "$RUN/resolv.conf"
mount --bind "$RUN/resolv.conf" /etc/resolv.conf
PIDS=""
NSD_PID=""
cleanup() { for p in $PIDS $NSD_PID; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

cp "$CORPUS/cold.zone" "$RUN/nsd/cold.zone"
nsd_sign "$RUN/nsd" cold >/dev/null
NSD_PORT=5300 DELAY_PORT=5301
nsd_serve "$RUN/nsd" $NSD_PORT cold cold
ANCHOR=$RUN/nsd/cold.ds

# resolver_conf FILE: the libunbound/unbound settings both subjects share
resolver_conf() {
	cat > "$1" <<EOF
server:
    module-config: "validator iterator"
    trust-anchor-file: "$ANCHOR"
    do-not-query-localhost: no
    qname-minimisation: no
    local-zone: "." static
    local-zone: "cold." transparent
    use-syslog: no
    verbosity: 0
stub-zone:
    name: "cold."
    stub-addr: 127.0.0.1@$DELAY_PORT
EOF
}

MB=$WORK/milterbench
AUTHMILTER=$(pwd)/$BUILD/authmilter
# wait_sock NAME...: until $RUN/NAME.sock exists
wait_sock() {
	for s in "$@"; do
		i=0
		until [ -S "$RUN/$s.sock" ]; do
			i=$((i + 1)); [ $i -lt 100 ] || die "$s did not create its socket"
			sleep 0.1
		done
	done
}
# stop PID...: SIGTERM and wait
stop() { for p in "$@"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }

# run_pair DELAY / run_authmilter DELAY: one cold run, results in $RUN/*-DELAY.*
run_pair() {
	d=$1
	dd_start pair "$d"
	resolver_conf "$RUN/unbound.conf"
	sed -i "s|^server:|server:\n    interface: 127.0.0.1\n    port: 53\n    username: \"\"\n    chroot: \"\"\n    directory: \"$RUN\"\n    pidfile: \"$RUN/unbound.pid\"\n    logfile: \"$RUN/unbound.log\"\n    num-threads: 1\n    access-control: 127.0.0.0/8 allow|" \
	    "$RUN/unbound.conf"
	unbound -d -c "$RUN/unbound.conf" & UB=$!
	i=0
	until drill @127.0.0.1 ns.cold A 2>/dev/null | grep -q 'rcode: NOERROR'; do
		i=$((i + 1)); [ $i -lt 50 ] || die "unbound did not come up ($RUN/unbound.log)"
		sleep 0.1
	done
	pair_conf "$RUN"
	rm -f "$RUN/opendkim.sock" "$RUN/opendmarc.sock"
	opendkim -f -x "$RUN/opendkim.conf" & OD=$!
	opendmarc -f -c "$RUN/opendmarc.conf" & OM=$!
	PIDS="$PIDS $UB $OD $OM"
	wait_sock opendkim opendmarc
	measure pair "$d" "-s unix:$RUN/opendkim.sock -s unix:$RUN/opendmarc.sock"
	stop $OD $OM $UB
	PIDS=""
}

run_authmilter() {
	d=$1
	dd_start authmilter "$d"
	resolver_conf "$RUN/authmilter-dns.conf"
	printf 'user = ""\npidfile = ""\nauthserv_id = "bench.test"\ndns_conf = "%s"\n' \
	    "$RUN/authmilter-dns.conf" > "$RUN/authmilter.conf"
	rm -f "$RUN/authmilter.sock"
	trace=""
	[ "$COLD_TRACE" = 1 ] && trace=-d
	"$AUTHMILTER" run -f $trace -c "$RUN/authmilter.conf" -p "unix:$RUN/authmilter.sock" \
	    2> "$RUN/authmilter-$d.log" & AM=$!
	PIDS="$PIDS $AM"
	wait_sock authmilter
	measure authmilter "$d" "-s unix:$RUN/authmilter.sock"
	stop $AM
	PIDS=""
	run_floor "$d"
}

# run_floor DELAY: libunbound alone (ubreplay) asks authmilter's questions at
# the moments its run asked them, with a fresh cache and dnsdelay: what one
# dependent lookup costs on this machine at this load, in $RUN/floor-DELAY.out
run_floor() {
	dd_start floor "$1"
	"$WORK/ubreplay" -c "$RUN/authmilter-dns.conf" -q "$RUN/authmilter-$1.qlog" \
	    > "$RUN/floor-$1.out"
	stop $DD
	PIDS=""
	echo "cold: libunbound alone at $1 ms: $(cat "$RUN/floor-$1.out") $(cat "$RUN/floor-$1.count")"
}

# dd_start LABEL DELAY: a fresh dnsdelay (its count and query log are the run's)
dd_start() {
	"$WORK/dnsdelay" -l $DELAY_PORT -u $NSD_PORT -d "$2" -L "$RUN/$1-$2.qlog" \
	    > "$RUN/$1-$2.count" & DD=$!
	PIDS="$PIDS $DD"
	sleep 0.1	# it binds at once; a probe query would be counted
	kill -0 $DD 2>/dev/null || die "dnsdelay did not start"
}
# measure LABEL DELAY SOCKETS: milterbench, then dnsdelay's count
measure() {
	$MB $3 -d "$CORPUS" -c "$COLD_CONCURRENCY" -n "$COLD_SEND" -t 30 \
	    -o "$RUN/$1-$2.jsonl" > "$RUN/$1-$2.out"
	stop $DD
	echo "cold: $1 at $2 ms: $(cat "$RUN/$1-$2.out") $(cat "$RUN/$1-$2.count")"
}

for d in $COLD_DELAYS; do
	for s in $COLD_SUBJECTS; do
		run_$s "$d"
	done
done

/usr/bin/python3 $KIT/coldreport.py --corpus "$CORPUS" --run "$RUN" \
    --delays "$COLD_DELAYS" --concurrency "$COLD_CONCURRENCY"
status=0
first=$(echo $COLD_DELAYS | cut -d' ' -f1)
if [ -f "$RUN/pair-$first.jsonl" ]; then
	echo "verdicts vs expectations (opendkim+opendmarc, informational):"
	/usr/bin/python3 $KIT/compare.py "$CORPUS/expect.tsv" "$RUN/pair-$first.jsonl" || true
fi
for d in $COLD_DELAYS; do
	[ -f "$RUN/authmilter-$d.jsonl" ] || continue
	echo "verdicts vs expectations (authmilter at $d ms, required):"
	/usr/bin/python3 $KIT/compare.py --strict "$CORPUS/expect.tsv" \
	    "$RUN/authmilter-$d.jsonl" || status=1
done
exit $status
