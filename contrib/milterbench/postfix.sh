#!/bin/sh
# contrib/milterbench/postfix.sh - CPU and throughput through a real Postfix
# (make bench runs it from tests/bench/run.sh; POSTFIX_BENCH=0 skips it).
# Root only (namespaces, apt, Postfix); figures, not pass/fail, except that
# every message must be accepted and delivered.
#
#   BUILD=build sh contrib/milterbench/postfix.sh
#
# Uses the kit's corpus ($BUILD/milterbench/corpus, run.sh's generator and
# seed) and, inside a private network and mount namespace, the kit's DNS
# set-up (unbound serving the corpus zone on 127.0.0.1:53, so opendkim and
# opendmarc see the same data authmilter reads with --dns-zone). A private
# Postfix instance (as tests/e2e/e2e_postfix.sh builds it: own config,
# queue and data directories, no chroot) relays to Postfix's smtp-sink;
# contrib/milterbench/smtpxc.py sends PF_MESSAGES corpus messages with
# PF_CLIENTS SMTP clients, one session per message, XCLIENT giving each its
# corpus client address and HELO. Three configurations in the same run,
# each on a freshly started Postfix after a 100-message warm-up:
#   postfix-alone       no milter
#   postfix+authmilter  authmilter (run -p, --dns-zone)
#   postfix+pair        opendkim then opendmarc
# Per configuration: messages/s (client side, until the queue is empty),
# CPU ms per message of the milter process(es) and of Postfix (master and
# every child: smtpd, cleanup, qmgr, smtp, trivial-rewrite...; utime+stime
# from /proc, exited children through the master's cutime+cstime). Then
# authmilter's per-message CPU in the kit (milterbench, PF_CLIENTS
# concurrency, same daemon, same corpus), and the target: authmilter
# through Postfix within 1.5x of that figure. Then, for the reading, the
# kit paced at the rate Postfix relayed with authmilter (milterbench -r):
# what the same daemon costs idle between messages, without Postfix.
#
# Environment: PF_MESSAGES (1000), PF_CLIENTS (8), MB_SEED (1); the corpus
# is run.sh's (MB_MESSAGES, default 2000, messages).
set -eu
BUILD=${BUILD:-build}
PF_MESSAGES=${PF_MESSAGES:-1000}
PF_CLIENTS=${PF_CLIENTS:-8}
MB_MESSAGES=${MB_MESSAGES:-2000}
MB_SEED=${MB_SEED:-1}
KIT=contrib/milterbench
WORK=$(pwd)/$BUILD/milterbench
CORPUS=$WORK/corpus
export BUILD PF_MESSAGES PF_CLIENTS MB_MESSAGES MB_SEED

die() { echo "postfix-bench: $*" >&2; exit 1; }

if [ "${1:-}" != --inner ]; then
	[ "$(id -u)" -eq 0 ] || { echo "postfix-bench: skipped (needs root)"; exit 0; }
	. "$(pwd)/$KIT/kitlib.sh"
	kit_prepare postfix-bench postfix opendkim opendmarc unbound iproute2 \
	    python3-dkim python3-nacl python3-cryptography publicsuffix
	kit_corpus postfix-bench "$CORPUS" \
	    "seed=$MB_SEED count=$MB_MESSAGES $(sha256sum $KIT/gencorpus.py | cut -c1-16)" \
	    gencorpus.py "$MB_MESSAGES" "$MB_SEED"
	[ -x "$BUILD/authmilter" ] || die "no $BUILD/authmilter (make first)"
	exec unshare --net --mount sh "$0" --inner
fi

# ---- inside the namespace ----
. "$(pwd)/$KIT/kitlib.sh"
. "$(pwd)/tests/lib/e2e.sh"	# e2e_postfix_conf (uses $T)
# a directory the postfix user can reach (the build tree may not be)
T=$(mktemp -d /tmp/mb-postfix.XXXXXX)
chmod 755 "$T"
ip link set lo up
echo "nameserver 127.0.0.1" > "$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf
PIDS=""
cleanup() {
	# (set -e: the last command of an && list must not fail here)
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	if [ -s "$T/data/master.lock" ]; then
		postfix -c "$T/etc" stop >/dev/null 2>&1 || true
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

kit_unbound_conf "$T" "$CORPUS/bench.zone"
unbound -d -c "$T/unbound.conf" & PIDS="$PIDS $!"
i=0
until getent ahosts mx.d01.example >/dev/null 2>&1; do
	i=$((i + 1)); [ $i -lt 50 ] || die "unbound did not come up"
	sleep 0.1
done

pair_conf "$T"
opendkim -f -x "$T/opendkim.conf" & PIDS="$PIDS $!"
DKIM_PID=$!
opendmarc -f -c "$T/opendmarc.conf" & PIDS="$PIDS $!"
DMARC_PID=$!
printf 'user = ""\npidfile = ""\nauthserv_id = "bench.test"\nsocket_mode = 0666\n' \
    > "$T/authmilter.conf"
"$(pwd)/$BUILD/authmilter" run -f -c "$T/authmilter.conf" \
    -p "unix:$T/authmilter.sock" --dns-zone "$CORPUS/bench.zone" \
    2> "$T/authmilter.log" & PIDS="$PIDS $!"
AM_PID=$!
for s in opendkim opendmarc authmilter; do
	i=0
	until [ -S "$T/$s.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || die "$s did not create its socket"
		sleep 0.1
	done
done
chmod 666 "$T"/*.sock

freeport() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}
SMTP_PORT=$(freeport)
SINK_PORT=$(freeport)
[ "$SMTP_PORT" != "$SINK_PORT" ] || SINK_PORT=$(freeport)
smtp-sink -u postfix "127.0.0.1:$SINK_PORT" 256 > "$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
mkdir -p "$T/etc" "$T/queue" "$T/data"
chown postfix "$T/data"
echo "127.0.0.1/32 DISABLE" > "$T/milter_maps"

HZ=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Postfix's CPU in ticks: the master with its reaped children, and every
# live child
pf_cpu() {
	m=$(tr -d ' ' < "$T/data/master.lock")
	t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$m/stat")
	for s in /proc/[0-9]*/stat; do
		awk -v m="$m" '$4 == m {print $14 + $15}' "$s" 2>/dev/null || true
	done | awk -v t="$t" '{t += $1} END {print t}'
}
queued() {
	find "$T/queue/incoming" "$T/queue/active" "$T/queue/maildrop" \
	    "$T/queue/deferred" -type f 2>/dev/null | wc -l
}
drain() {
	i=0
	while [ "$(queued)" -gt 0 ]; do
		i=$((i + 1)); [ $i -lt 600 ] || die "queue did not drain ($(queued) left)"
		sleep 0.1
	done
}
send() {
	/usr/bin/python3 "$KIT/smtpxc.py" --port "$SMTP_PORT" --dir "$CORPUS" "$@"
}

pf_start() {
	e2e_postfix_conf "$SMTP_PORT" "$SINK_PORT" mx.bench.test \
	    inbound.example "$1"
	postfix -c "$T/etc" start > "$T/start.log" 2>&1 ||
	    { cat "$T/start.log"; die "postfix start"; }
	i=0
	until /usr/bin/python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
	    "$SMTP_PORT" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 50 ] || die "postfix does not listen"
		sleep 0.1
	done
}
pf_stop() {
	postfix -c "$T/etc" stop >/dev/null 2>&1 || true
	i=0
	while [ -s "$T/data/master.lock" ] &&
	    kill -0 "$(tr -d ' ' < "$T/data/master.lock")" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || break
		sleep 0.1
	done
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=$T/rows
: > "$ROWS"
# measure LABEL "MILTER-PIDS" SMTPD_MILTERS
measure() {
	pf_start "$3"
	send -n 100 -c "$PF_CLIENTS" --skip "$PF_MESSAGES" > /dev/null
	drain
	mb=""; for p in $2; do mb="$mb $(cpu "$p")"; done
	pb=$(pf_cpu)
	out=$(send -n "$PF_MESSAGES" -c "$PF_CLIENTS")
	drain
	ma=""; for p in $2; do ma="$ma $(cpu "$p")"; done
	pa=$(pf_cpu)
	pf_stop
	rate=$(echo "$out" | sed -n 's/.*msgs_per_s=\([0-9.]*\).*/\1/p')
	errs=$(echo "$out" | sed -n 's/.*errors=\([0-9]*\).*/\1/p')
	milt=$(echo "$mb | $ma" | awk -v n="$PF_MESSAGES" -v hz="$HZ" '{
		split($0, h, "|"); k = split(h[1], b, " "); split(h[2], a, " ");
		s = ""; t = 0;
		for (i = 1; i <= k; i++) { u = (a[i] - b[i]) * 1000 / hz / n; t += u;
			s = s sprintf("%s%.2f", i > 1 ? "+" : "", u) }
		if (k == 0) printf "0 -"; else printf "%.2f %s", t, s }')
	pfms=$(awk -v a="$pa" -v b="$pb" -v n="$PF_MESSAGES" -v hz="$HZ" \
	    'BEGIN {printf "%.2f", (a - b) * 1000 / hz / n}')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$rate" "$errs" "$milt" "$pfms" >> "$ROWS"
}
measure postfix-alone "" ""
measure postfix+authmilter "$AM_PID" "unix:$T/authmilter.sock"
measure postfix+pair "$DKIM_PID $DMARC_PID" \
    "unix:$T/opendkim.sock, unix:$T/opendmarc.sock"

# the kit's figure for the same daemon, corpus and concurrency
b=$(cpu "$AM_PID")
"$WORK/milterbench" -s "unix:$T/authmilter.sock" -d "$CORPUS" \
    -n "$PF_MESSAGES" -c "$PF_CLIENTS" > /dev/null || die "milterbench failed"
a=$(cpu "$AM_PID")
KIT_MS=$(awk -v a="$a" -v b="$b" -v n="$PF_MESSAGES" -v hz="$HZ" \
    'BEGIN {printf "%.3f", (a - b) * 1000 / hz / n}')
# and at the rate Postfix relayed with authmilter (milterbench -r): the
# same protocol, idle between messages as through Postfix
PACE=$(awk -F '\t' '$1 == "postfix+authmilter" {printf "%d", $2 + 0.5}' "$ROWS")
[ "${PACE:-0}" -gt 0 ] || PACE=100
b=$(cpu "$AM_PID")
"$WORK/milterbench" -s "unix:$T/authmilter.sock" -d "$CORPUS" \
    -n "$PF_MESSAGES" -c "$PF_CLIENTS" -r "$PACE" > /dev/null ||
    die "milterbench -r failed"
a=$(cpu "$AM_PID")
PACE_MS=$(awk -v a="$a" -v b="$b" -v n="$PF_MESSAGES" -v hz="$HZ" \
    'BEGIN {printf "%.3f", (a - b) * 1000 / hz / n}')

echo
echo "through Postfix $(postconf -d mail_version 2>/dev/null | sed 's/.*= //'):" \
    "$PF_MESSAGES corpus messages, $PF_CLIENTS SMTP clients (XCLIENT)," \
    "smtp-sink next hop; load average before: $LOAD0"
printf '%-19s %8s %6s %12s %-13s %12s\n' configuration msgs/s errors \
    milter_ms "(per proc)" postfix_ms
awk -F '\t' '{ split($4, m, " ");
	printf "%-19s %8s %6s %12s %-13s %12s\n", $1, $2, $3, m[1],
	    "(" m[2] ")", $5 }' "$ROWS"
echo "(CPU ms per message; clock ticks of 1/$HZ s, so +-$(awk -v h="$HZ" \
    -v n="$PF_MESSAGES" 'BEGIN {printf "%.3f", 1000 / h / n}') ms per process)"
AM_MS=$(awk -F '\t' '$1 == "postfix+authmilter" {split($4, m, " "); print m[1]}' "$ROWS")
echo "authmilter in the kit (milterbench, same daemon and corpus, c=$PF_CLIENTS):" \
    "$KIT_MS ms/msg; through Postfix: $AM_MS ms/msg"
echo "authmilter in the kit at Postfix's pace (milterbench -r $PACE):" \
    "$PACE_MS ms/msg; through Postfix / paced kit:" \
    "$(awk -v a="$AM_MS" -v k="$PACE_MS" 'BEGIN {printf "%.2fx", a / (k > 0 ? k : 0.001)}')"
awk -v a="$AM_MS" -v k="$KIT_MS" 'BEGIN { r = a / (k > 0 ? k : 0.001);
	printf "target: authmilter CPU/msg through Postfix <= 1.5x the kit'"'"'s: %.2fx %s\n",
	    r, r <= 1.5 ? "met" : "NOT met" }'
bad=$(awk -F '\t' '$3 != 0' "$ROWS" | wc -l)
[ "$bad" -eq 0 ] || die "$bad configuration(s) had SMTP errors ($T kept with KEEP=1)"
