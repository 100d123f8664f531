#!/bin/sh
# tests/message/dns_faults.sh - DNS faults end to end: what the running
# milter (driven by miltertest) and `authmilter check --json` do when the
# SPF record, the DKIM key or the DMARC record of a message meets a broken
# DNS, and that the daemon stays up through all of it.
#
# DNS: dns_faults_server.py, a misbehaving authoritative server on
# 127.0.0.1:<free port> (UDP and TCP), stub for "example." in a libunbound
# config (every name the test queries is under it);
# nsd serving a signed zone whose DMARC record was altered after signing
# (stub + trust anchor, as in dnssec.sh). Domains are KIND-FAULT.example:
# the fault hits the SPF record (KIND spf: the message is unsigned, so SPF
# decides), the DKIM key (dkim: SPF is ?all) or the DMARC record (dmarc:
# SPF and DKIM pass). Faults giving temperror: timeout, servfail, refused,
# tc-closed (TC over UDP, TCP closed), malformed (TXT rdata overrun),
# flood (TC, then 100 KB down TCP). Faults that must still pass: tc-tcp
# (TC, then the record over TCP), big (an 8 KB record, TCP), max (a
# 60 KB record, the most a DNS message holds). The last two are the
# "oversized TXT" cases: a 100 KB record cannot exist, flood sends 100 KB.
#
# Two daemons: on_dns_temperror=tempfail (must answer 451 4.7.x) and
# accept (accepted, AR says temperror). Every reply must come within
# $TIMEOUT ms plus slack, and a fresh normal message must pass after every
# fault. Then the DNS server is made to exit mid-query (die.example):
# that message is temperror, so is one while it is down; after a restart
# on the same port mail passes again once the hold on the dead server has
# ended (see server_back). Both daemons must still be alive at the end,
# with a bounded peak RSS. Missing tools fail the test.
# DNS_FAULTS_PAUSE_MS (default 0): a pause before each fault check, to
# replay the timing of a loaded machine (the checks then outlast the hold).
set -u
. "$(pwd)/tests/lib/common.sh"    # need_tools, stop_pids, tail_logs, now_ms, ok, hwm
. "$(pwd)/tests/lib/dnsfault.sh"  # dnsfault_need_py, dnsfault_start, milter_run
. "$(pwd)/tests/lib/nsd.sh"       # nsd_serve
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
TIMEOUT=1000                    # --dns-timeout, ms
SLACK=1500                      # ms allowed above it for the whole dialogue
MAX_RSS_KB=98304                # peak RSS of each daemon (~19 MB; ~44 MB under ASan)
HOLD_S=10                       # infra-host-ttl of the restart daemon
PAUSE_MS=${DNS_FAULTS_PAUSE_MS:-0}

need_tools "apt-get install miltertest nsd ldnsutils opendkim-tools" \
    miltertest nsd ldns-keygen ldns-signzone drill opendkim-genkey
dnsfault_need_py

T=$(mktemp -d /tmp/dns-faults.XXXXXX)
SRV_PID=
NSD_PID=
AM_T=
AM_A=
AM_R=
cleanup() {
	stop_pids $SRV_PID $NSD_PID $AM_T $AM_A $AM_R
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	tail_logs 5 am-tempfail.log am-accept.log am-restart.log nsd.log
	exit 1
}

# --- keys, records, messages --------------------------------------------
(cd "$T" && opendkim-genkey -b 1024 -s sel -d example) >/dev/null 2>&1 ||
    fail "opendkim-genkey"
$PY "$SRC/tests/message/dns_faults_gen.py" "$T" || fail "generating the data"

# --- the misbehaving server ----------------------------------------------
dnsfault_start

# --- nsd with the signed, tampered zone -----------------------------------
NSD_PORT=$(free_udp_port) || fail "no free port"
nsd_sign "$T" bogus.example
# the signed DMARC record says p=reject; make it say p=none, keeping its RRSIG
sed 's/"v=DMARC1; p=reject"/"v=DMARC1; p=none"/' "$T/bogus.example.zone.signed" > "$T/z" &&
    mv "$T/z" "$T/bogus.example.zone.signed"
grep -q '"v=DMARC1; p=none"' "$T/bogus.example.zone.signed" ||
    fail "could not tamper with the signed DMARC record"
nsd_serve "$T" "$NSD_PORT" bogus.example bogus.example

cat > "$T/unbound.conf" <<EOF
server:
    module-config: "validator iterator"
    qname-minimisation: no
    trust-anchor-file: "$T/bogus.example.ds"
stub-zone:
    name: "example."
    stub-addr: 127.0.0.1@$PORT
stub-zone:
    name: "bogus.example."
    stub-addr: 127.0.0.1@$NSD_PORT
EOF

# --- the daemons ----------------------------------------------------------
# start_daemon NAME ON_DNS_TEMPERROR [DNS-CONF]: socket $T/NAME.sock, log
# $T/am-NAME.log
start_daemon() {
	printf 'on_dns_temperror = %s\n' "$2" > "$T/$1.conf"
	"$AUTHMILTER" run -f -u "" --pidfile "" -c "$T/$1.conf" \
	    -p "unix:$T/$1.sock" --authserv-id faults.test \
	    --dns-conf "$T/${3:-unbound.conf}" --dns-timeout "$TIMEOUT" \
	    > "$T/am-$1.log" 2>&1 &
}
start_daemon tempfail tempfail
AM_T=$!
start_daemon accept accept
AM_A=$!
# the restart daemon holds a dead server down for HOLD_S, not 60 s
sed "s/^server:\$/server:\\n    infra-host-ttl: $HOLD_S/" "$T/unbound.conf" > "$T/hold.conf"
grep -q "infra-host-ttl: $HOLD_S" "$T/hold.conf" || fail "cannot write hold.conf"
start_daemon restart accept hold.conf
AM_R=$!

alive() {
	kill -0 "$AM_T" 2>/dev/null || fail "the tempfail daemon died ($*)"
	kill -0 "$AM_A" 2>/dev/null || fail "the accept daemon died ($*)"
	kill -0 "$AM_R" 2>/dev/null || fail "the restart daemon died ($*)"
}

# milter MODE QID FROM-DOMAIN: the message from FROM-DOMAIN through daemon
# MODE (milter_run: sets REPLY, AR and MS). An SMTP reply is recognised
# when it is $CODE $XCODE $TEXT (from `authmilter check`).
CODE= XCODE= TEXT=
milter() {
	milter_run "$1" "$2" "mx.$3" "alice@$3" "$3"
}

# ar_has AR RESULTS...: every method=result is in AR
ar_has() {
	a=$1
	shift
	for want; do
		case " $a" in
		*[\ \;]$want\ * | *[\ \;]$want) ;;
		*) return 1 ;;
		esac
	done
	return 0
}

# cli DOMAIN WANT RESULTS...: `authmilter check --json` of the message from
# DOMAIN with on_dns_temperror=tempfail: the action must be WANT (accept,
# or "451 XCODE"), RESULTS (spf=temperror ...) in the header, within the
# time bound. Sets CODE, XCODE and TEXT to its SMTP reply ("" if none).
cli() {
	d=$1 want=$2
	shift 2
	t0=$(now_ms)
	"$AUTHMILTER" check --json --ip 192.0.2.10 --helo "mx.$d" \
	    --mail-from "alice@$d" --authserv-id faults.test \
	    --set on_dns_temperror=tempfail --dns-conf "$T/unbound.conf" \
	    --dns-timeout "$TIMEOUT" < "$T/msg/$d.eml" > "$T/check.json" ||
	    fail "$d: authmilter check exit $?"
	MS=$(($(now_ms) - t0))
	[ "$MS" -le $((TIMEOUT + SLACK)) ] || fail "$d: check took $MS ms"
	reply=$($PY - "$T/check.json" "$want" "$@" <<'EOF'
import json, re, sys
j = json.load(open(sys.argv[1]))
want, results = sys.argv[2], sys.argv[3:]
ar = " " + re.sub(r"[?\s]+", " ", j["authentication_results"]) + " "
act = j["action"]
got = act["action"]
if got == "tempfail":
    got = "%s %s" % (act.get("smtp_code"), act.get("smtp_xcode"))
bad = [r for r in results if not re.search(r"[ ;]%s[ ;]" % re.escape(r), ar)]
if got != want or bad:
    print("action %s (want %s), AR%slacks %s" % (got, want, ar, bad))
    sys.exit(1)
print("%s\t%s\t%s" % (act.get("smtp_code", ""), act.get("smtp_xcode", ""),
                      act.get("smtp_text", "")))
EOF
) || fail "$d: authmilter check: $reply"
	CODE=$(printf '%s' "$reply" | cut -f1)
	XCODE=$(printf '%s' "$reply" | cut -f2)
	TEXT=$(printf '%s' "$reply" | cut -f3)
	ok "$d check --json: $want in $MS ms: $*"
}

# expect DOMAIN TEMP XCODE RESULTS...: the message from DOMAIN through
# `authmilter check` and both daemons. TEMP yes: the tempfail daemon (and
# check) answer "451 XCODE" (the same reply), the accept daemon accepts;
# no: all accept. RESULTS must be in every Authentication-Results. Then a
# fresh normal message must pass.
expect() {
	d=$1 temp=$2 xcode=$3
	shift 3
	if [ "$temp" = yes ]; then want_t="451 $xcode"; else want_t=accept; fi
	[ "$PAUSE_MS" -gt 0 ] && sleep "$((PAUSE_MS / 1000)).$(printf %03d $((PAUSE_MS % 1000)))"
	server_back
	cli "$d" "$want_t" "$@"
	n=$((n + 1))
	for mode in tempfail accept; do
		milter "$mode" "Q$n$mode" "$d"
		w=$want_t
		[ "$mode" = accept ] && w=accept
		[ "$REPLY" = "$w" ] || fail "$d ($mode daemon): reply $REPLY, want $w; AR: $AR"
		[ "$MS" -le $((TIMEOUT + SLACK)) ] ||
		    fail "$d ($mode daemon): reply after $MS ms (bound $((TIMEOUT + SLACK)))"
		if [ "$REPLY" = accept ]; then
			ar_has "$AR" "$@" || fail "$d ($mode daemon): AR lacks $*: $AR"
		fi
		alive "after $d"
		ok "$d $mode daemon: $REPLY in $MS ms: $*"
	done
	# the daemons still answer a fresh, normal message
	n=$((n + 1))
	milter tempfail "N$n" "ok$n.example"
	[ "$REPLY" = accept ] && ar_has "$AR" spf=pass dkim=pass dmarc=pass ||
	    fail "normal message after $d: $REPLY $AR"
}
n=0

# --- the server dies mid-query, stays down, comes back ----------------------
# Through the "restart" daemon only, first, so that the others never see
# the server gone: libunbound then holds it as down for infra-host-ttl
# (60 s as dns/dns_setup.c sets it; $HOLD_S s in this daemon's config, to
# keep the test short) and only that daemon waits it out, while the fault
# checks run through the others.
CODE= XCODE= TEXT=
milter restart R0 ok0.example
[ "$REPLY" = accept ] && ar_has "$AR" spf=pass dkim=pass dmarc=pass ||
    fail "restart daemon: $REPLY $AR"
milter restart R1 spf-die.example
[ "$REPLY" = accept ] && ar_has "$AR" spf=temperror ||
    fail "spf-die: $REPLY $AR"
[ "$MS" -le $((TIMEOUT + SLACK)) ] || fail "spf-die: reply after $MS ms"
wait "$SRV_PID" 2>/dev/null
SRV_PID=
ok "spf-die.example: the DNS server exits mid-query: accept, spf=temperror, in $MS ms"
cli down.example "451 4.7.24" spf=temperror dkim=temperror dmarc=temperror
for q in 1 2 3; do
	milter restart "R2$q" down.example
	[ "$REPLY" = accept ] &&
	    ar_has "$AR" spf=temperror dkim=temperror dmarc=temperror ||
	    fail "server down: $REPLY $AR"
	# SPF, the key and DMARC are waited for one after the other
	[ "$MS" -le $((3 * TIMEOUT + SLACK)) ] || fail "server down: reply after $MS ms"
	alive "with the DNS server down"
	ok "server down: restart daemon: accept, all temperror, in $MS ms"
done
dnsfault_start "$PORT"
back0=$(now_ms)
# libunbound counts the hold in whole seconds from its last try of the
# server, which was before the restart: by HOLD_END it has ended
HOLD_END=$((back0 + (HOLD_S + 1) * 1000))
BACK=

# server_back [wait]: once the hold has ended (before it: nothing, or with
# "wait" sleep until then), mail through the restart daemon passes again.
# libunbound sends the first lookup after the hold as the one probe of the
# server, and lookups made while that probe is out still fail at once
# (SERVFAIL: temperror), so the first message may carry temperrors (which
# lookups depends on thread timing); the second must pass. Called before
# every fault check and once at the end, so it runs within one check of
# HOLD_END however long the checks take: mail passes again at most HOLD_S
# + 1 s, one check and two messages after the server's return.
server_back() {
	[ -z "$BACK" ] || return 0
	bt=$(now_ms)
	if [ "$bt" -lt "$HOLD_END" ]; then
		[ "${1:-}" = wait ] || return 0
		bw=$((HOLD_END - bt))
		sleep "$((bw / 1000)).$(printf %03d $((bw % 1000)))"
		bt=$(now_ms)
	fi
	BACK=1
	CODE= XCODE= TEXT=
	bi=0 bfirst=
	while :; do
		milter restart "R3$bi" "back$bi.example"
		[ "$MS" -le $((TIMEOUT + SLACK)) ] || fail "server back: reply after $MS ms"
		[ "$REPLY" = accept ] || fail "server back: $REPLY $AR"
		ar_has "$AR" spf=pass dkim=pass dmarc=pass && break
		# the lookups that raced libunbound's probe: temperror, not a guess
		case $AR in
		*=temperror*) ;;
		*) fail "server back: neither pass nor temperror: $AR" ;;
		esac
		bfirst=$(echo "$AR" | grep -o '[a-z]*=temperror' | tr '\n' ' ')
		[ "$bi" -eq 0 ] || fail "server back: message $bi, $(($(now_ms) - back0)) ms after the restart ($(($(now_ms) - HOLD_END)) ms after the hold ended), still fails: $AR"
		bi=$((bi + 1))
		sleep 1
	done
	ok "server back: the restart daemon passes again $(($(now_ms) - back0)) ms after the restart (message $((bi + 1)), the first sent $((bt - HOLD_END)) ms after the hold ended${bfirst:+ had ${bfirst% }})"
}

# --- the faults -----------------------------------------------------------
expect ok0.example no - spf=pass dkim=pass dmarc=pass
for f in timeout servfail refused tc-closed malformed flood; do
	expect "spf-$f.example" yes 4.7.24 spf=temperror dkim=none
	expect "dkim-$f.example" yes 4.7.0 spf=neutral dkim=temperror
	expect "dmarc-$f.example" yes 4.7.0 spf=pass dkim=pass dmarc=temperror
done
for f in tc-tcp big max; do
	expect "spf-$f.example" no - spf=pass dkim=none dmarc=pass
	expect "dkim-$f.example" no - spf=neutral dkim=pass dmarc=pass
	expect "dmarc-$f.example" no - spf=pass dkim=pass dmarc=pass
	grep -q "^tcp spf-$f.example TXT" "$T/queries.log" &&
	    grep -q "^tcp sel._domainkey.dkim-$f.example TXT" "$T/queries.log" &&
	    grep -q "^tcp _dmarc.dmarc-$f.example TXT" "$T/queries.log" ||
	    fail "$f: the records were not fetched over TCP"
	ok "$f: the answers came over TCP"
done
# bogus DNSSEC: the altered DMARC record is never used (no pass, no fail)
expect bogus.example yes 4.7.0 spf=pass dkim=pass dmarc=temperror
grep -q "DNSSEC\|bogus" "$T/check.json" || fail "bogus: no DNSSEC reason in $(cat "$T/check.json")"

# --- the restarted server is used again ------------------------------------
# (if the fault checks took less than the hold)
server_back wait

# --- the daemons are still up, memory bounded --------------------------------
alive "at the end"
for p in $AM_T $AM_A $AM_R; do
	hwm=$(hwm "$p")
	[ -n "$hwm" ] && [ "$hwm" -le "$MAX_RSS_KB" ] ||
	    fail "daemon $p peak RSS ${hwm:-?} kB over $MAX_RSS_KB kB"
	ok "daemon $p alive, peak RSS $hwm kB"
done
grep -qi "assert\|sanitizer\|runtime error" "$T"/am-*.log &&
    fail "errors in the daemon logs"
[ -s "$T/server.err" ] && fail "the test DNS server failed: $(cat "$T/server.err")"
echo "dns_faults: $checks passed, 0 failed"
exit 0
