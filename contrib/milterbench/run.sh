#!/bin/sh
# contrib/milterbench/run.sh - the milter benchmark (make bench runs it from
# tests/bench/run.sh). Root only (namespaces, apt); figures, not pass/fail,
# except that authmilter's verdicts must match the corpus expectations.
#
#   BUILD=build sh contrib/milterbench/run.sh
#
# Steps: installs missing benchmark-only Debian packages (opendkim opendmarc
# unbound iproute2; apt-get, as root), builds milterbench and cryptofloor,
# generates the corpus once per (seed, count, generator) in
# $BUILD/milterbench/corpus, then re-runs itself inside a private network
# and mount namespace (unshare --net --mount) where: unbound serves the
# corpus zone (auth-zone ".") on 127.0.0.1:53, /etc/resolv.conf is a
# bind-mounted "nameserver 127.0.0.1", opendkim (verify mode; its libunbound
# forwards to 127.0.0.1 via Nameservers) and opendmarc (SPFSelfValidate) listen on unix
# sockets, and milterbench sends the corpus through the chain
# opendkim -> opendmarc at each concurrency. authmilter (when $BUILD/authmilter
# has the "run" subcommand) is measured the same way, alone, and so are two
# do-nothing filters: null-milter (libmilter, nullmilter.c) and native-null
# (authmilter's own milter engine, nativenull.c), the protocol floors.
#
# Environment: MB_MESSAGES (2000), MB_SEED (1), MB_CONCURRENCY ("1 8 32"),
# MB_PER_CONN (cap on SMTP sessions per milter connection, 0 = none; a
# milter that ACCEPTs at end of message needs a new connection per session
# anyway, as with Postfix: see mb_client.h).
set -eu
BUILD=${BUILD:-build}
MB_MESSAGES=${MB_MESSAGES:-2000}
MB_SEED=${MB_SEED:-1}
MB_CONCURRENCY=${MB_CONCURRENCY:-"1 8 32"}
MB_PER_CONN=${MB_PER_CONN:-0}
KIT=contrib/milterbench
WORK=$(pwd)/$BUILD/milterbench
CORPUS=$WORK/corpus
export BUILD MB_MESSAGES MB_SEED MB_CONCURRENCY MB_PER_CONN

die() { echo "milterbench: $*" >&2; exit 1; }

if [ "${1:-}" != --inner ]; then
	[ "$(id -u)" -eq 0 ] || { echo "milterbench: skipped (needs root for namespaces)"; exit 0; }
	. "$(pwd)/$KIT/kitlib.sh"
	kit_prepare milterbench opendkim opendmarc unbound iproute2 python3-dkim \
	    python3-nacl python3-cryptography publicsuffix
	kit_corpus milterbench "$CORPUS" \
	    "seed=$MB_SEED count=$MB_MESSAGES $(sha256sum $KIT/gencorpus.py | cut -c1-16)" \
	    gencorpus.py "$MB_MESSAGES" "$MB_SEED"
	exec unshare --net --mount sh "$0" --inner
fi

# ---- inside the namespace ----
. "$(pwd)/$KIT/kitlib.sh"
RUN=$WORK/run
rm -rf "$RUN"
mkdir -p "$RUN"
chmod 755 "$RUN"
ip link set lo up
echo "nameserver 127.0.0.1" > "$RUN/resolv.conf"
mount --bind "$RUN/resolv.conf" /etc/resolv.conf
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

kit_unbound_conf "$RUN" "$CORPUS/bench.zone"
unbound -d -c "$RUN/unbound.conf" & PIDS="$PIDS $!"
UNBOUND_PID=$!

# wait until a corpus name resolves through the system resolver
i=0
until getent ahosts mx.d01.example >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 50 ] || die "unbound did not come up ($RUN/unbound.log)"
	sleep 0.1
done

pair_conf "$RUN"
opendkim -f -x "$RUN/opendkim.conf" & PIDS="$PIDS $!"
DKIM_PID=$!
opendmarc -f -c "$RUN/opendmarc.conf" & PIDS="$PIDS $!"
DMARC_PID=$!

AUTHMILTER=$(pwd)/$BUILD/authmilter
AM_PID=""
if [ -x "$AUTHMILTER" ] && "$AUTHMILTER" run --help >/dev/null 2>&1; then
	printf 'user = ""\npidfile = ""\nauthserv_id = "bench.test"\n' \
	    > "$RUN/authmilter.conf"
	"$AUTHMILTER" run -f -c "$RUN/authmilter.conf" \
	    -p "unix:$RUN/authmilter.sock" --dns-zone "$CORPUS/bench.zone" \
	    2> "$RUN/authmilter.log" & PIDS="$PIDS $!"
	AM_PID=$!
fi
# the libmilter floor: a filter that does no work (nullmilter.c)
"$WORK/nullmilter" "unix:$RUN/nullmilter.sock" & PIDS="$PIDS $!"
NULL_PID=$!
# the same do-nothing filter on authmilter's own milter engine (nativenull.c)
"$WORK/nativenull" "unix:$RUN/nativenull.sock" 2> "$RUN/nativenull.log" &
PIDS="$PIDS $!"
NATIVE_PID=$!
for s in opendkim opendmarc nullmilter nativenull ${AM_PID:+authmilter}; do
	i=0
	until [ -S "$RUN/$s.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || die "$s did not create its socket"
		sleep 0.1
	done
done

MB=$WORK/milterbench
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }	# utime+stime, ticks
hwm() { awk '/^VmHWM/ {print $2}' "/proc/$1/status"; }	# kB
HZ=$(getconf CLK_TCK)

# cryptofloor: per-message CPU of the DKIM crypto alone
FLOOR=$("$WORK/cryptofloor" "$CORPUS/sigs.tsv" | sed 's/.*floor_us_per_msg=//')

# warm-up: caches of every milter filled the same way
"$MB" -s "unix:$RUN/opendkim.sock" -s "unix:$RUN/opendmarc.sock" -d "$CORPUS" \
    -n 200 -c 4 >/dev/null
[ -n "$AM_PID" ] && "$MB" -s "unix:$RUN/authmilter.sock" -d "$CORPUS" -n 200 -c 4 >/dev/null
"$MB" -s "unix:$RUN/nullmilter.sock" -d "$CORPUS" -n 200 -c 4 >/dev/null
"$MB" -s "unix:$RUN/nativenull.sock" -d "$CORPUS" -n 200 -c 4 >/dev/null

ROWS=$RUN/rows
: > "$ROWS"
# measure LABEL "PID ..." SOCKETS...: one row per concurrency
measure() {
	label=$1 pids=$2; shift 2
	socks=""
	for s in "$@"; do socks="$socks -s unix:$RUN/$s.sock"; done
	for c in $MB_CONCURRENCY; do
		before=""; for p in $pids; do before="$before $(cpu "$p")"; done
		out=$("$MB" $socks -d "$CORPUS" -n "$MB_MESSAGES" -c "$c" -t 10 \
		    -m "$MB_PER_CONN" -o "$RUN/$label-c$c.jsonl")
		after=""; for p in $pids; do after="$after $(cpu "$p")"; done
		cpus=$(echo "$before | $after" | awk -v n="$MB_MESSAGES" -v hz="$HZ" '{
			split($0, h, "|"); k = split(h[1], b, " "); split(h[2], a, " ");
			s = ""; t = 0;
			for (i = 1; i <= k; i++) { u = (a[i] - b[i]) * 1e6 / hz / n; t += u;
				s = s sprintf("%s%.0f", i > 1 ? "+" : "", u) }
			printf "%.0f %s", t, s }')
		rss=""; for p in $pids; do rss="$rss${rss:++}$(( $(hwm "$p") / 1024 ))"; done
		kv() { echo "$out" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		set -- $cpus
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$c" \
		    "$(kv msgs_per_s)" "$(kv p50_ms)" "$(kv p99_ms)" "$(kv errors)" \
		    "$1" "$2" "$rss" >> "$ROWS"
	done
}
measure opendkim+opendmarc "$DKIM_PID $DMARC_PID" opendkim opendmarc
measure null-milter "$NULL_PID" nullmilter
measure native-null "$NATIVE_PID" nativenull
[ -n "$AM_PID" ] && measure authmilter "$AM_PID" authmilter
SENT=$(( 200 + MB_MESSAGES * $(echo $MB_CONCURRENCY | wc -w) ))
DNS_CPU=$(( $(cpu "$UNBOUND_PID") * 1000000 / HZ / SENT ))

echo
echo "milterbench: $MB_MESSAGES messages per run, $(grep -vc '^#' "$CORPUS/sigs.tsv") \
signatures, session cap per milter connection: $MB_PER_CONN"
echo "crypto floor (OpenSSL EVP, 1 verify per signature + SHA-256 of the bytes): $FLOOR us/msg"
printf '%-19s %4s %8s %8s %8s %6s %8s %-11s %s\n' subject conc msgs/s p50_ms \
    p99_ms errors cpu_us "(per proc)" peak_rss_MB
awk -F '\t' -v floor="$FLOOR" '
	{ printf "%-19s %4s %8s %8s %8s %6s %8s %-11s %s\n", $1, $2, $3, $4, $5,
	    $6, $7, "(" $8 ")", $9 }
	$1 == "opendkim+opendmarc" { ref[$2] = $7; refrate[$2] = $3; ref99[$2] = $5
		split($9, r, "+"); refrss[$2] = r[1] }
	$1 == "null-milter" { nul[$2] = $7 }
	$1 == "native-null" { nat[$2] = $7; nat99[$2] = $5 }
	$1 == "authmilter" { am[$2] = $7; amrate[$2] = $3; am99[$2] = $5
		amrss[$2] = $9; n[++k] = $2 }
	function verdict(ok) { return ok ? "met" : "NOT met" }
	END { for (i = 1; i <= k; i++) { c = n[i]
		printf "authmilter c=%s: CPU/msg %.2fx opendkim+opendmarc, %.1fx the crypto floor; msgs/s %.2fx; %d us/msg above its engine floor (native-null %d us; libmilter floor, null-milter: %d us)\n",
		    c, am[c] / (ref[c] ? ref[c] : 1), am[c] / (floor ? floor : 1),
		    amrate[c] / (refrate[c] ? refrate[c] : 1), am[c] - nat[c],
		    nat[c], nul[c] }
	    print "targets (each from this run):"
	    for (i = 1; i <= k; i++) { c = n[i]
		cr = am[c] / (ref[c] ? ref[c] : 1); fr = am[c] / (floor ? floor : 1)
		printf "  c=%-2s CPU/msg <= 0.10x the pair: %.3fx %s; <= 3x the crypto floor: %.2fx %s; peak RSS below opendkim: %s vs %s MB %s\n",
		    c, cr, verdict(cr <= 0.10), fr, verdict(fr <= 3.0), amrss[c],
		    refrss[c], verdict(amrss[c] + 0 < refrss[c] + 0) }
	    for (i = 1; i <= k; i++) if (n[i] == 32) {
		pr = am99[32] / (ref99[32] ? ref99[32] : 1)
		printf "  c=32 p99 <= 0.10x the pair: %.3fx %s (%s vs %s ms; the engine floor native-null: %s ms = %.2fx)\n",
		    pr, verdict(pr <= 0.10), am99[32], ref99[32], nat99[32],
		    nat99[32] / (ref99[32] ? ref99[32] : 1) } }' "$ROWS"
echo "(unbound, the incumbents' DNS server, not counted above: $DNS_CPU us/msg of the $SENT sent)"

echo
echo "verdicts vs expectations (opendkim+opendmarc, informational):"
/usr/bin/python3 $KIT/compare.py "$CORPUS/expect.tsv" \
    "$RUN/opendkim+opendmarc-c1.jsonl" || true
status=0
if [ -n "$AM_PID" ]; then
	echo "verdicts vs expectations (authmilter, required):"
	for c in $MB_CONCURRENCY; do
		echo " concurrency $c:"
		/usr/bin/python3 $KIT/compare.py --strict "$CORPUS/expect.tsv" \
		    "$RUN/authmilter-c$c.jsonl" || status=1
	done
else
	echo "authmilter: not measured ($BUILD/authmilter has no 'run' subcommand yet)"
fi
exit $status
