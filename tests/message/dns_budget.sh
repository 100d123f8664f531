#!/bin/sh
# tests/message/dns_budget.sh - one DNS deadline and one DNS query budget
# per message (message_dns_timeout, message_dns_queries), end to end with
# real libunbound: `authmilter check --json` and running daemons
# (miltertest, dns_faults.lua).
#
# Deadline: dns_faults_server.py answers every name under slow.example
# after 1 s (the DKIM key after 2.5 s; dns_budget_gen.py), each well
# within the 4 s dns_timeout. slow.eml's SPF records (MAIL FROM and HELO)
# are chains of 9 includes: the old code, with a fresh 20 s for each
# identity and a fresh timeout for each lookup, took 16.4 s for this
# message and said pass (23 queries). With message_dns_timeout = 1500 the
# whole message must be done within 1500 ms + $MARGIN, with spf, dkim and
# dmarc temperror naming the deadline; no lookup is sent after it (the server never sees the
# rest of either chain); tempfail -> 451 4.7.24, accept -> the header says
# temperror.
# np: a sender whose own DNS (black.example) holds SPF until the deadline
# cannot have the np existence test of a forged author (ghost.np.example,
# p=none np=reject) refused: DMARC's lookups at end of message get a
# stage of their own, np=reject applies (it was p=none and accepted).
# Budget: budget.zone (--dns-zone) where each SPF record has 9 mx terms of
# 10 hosts (100 lookups per identity, within RFC 7208 4.6.4) and many.eml
# 8 DKIM signatures with distinct selectors. With the default budget (128)
# SPF stops with temperror naming the budget while the DKIM keys and the
# DMARC policy (the reserve) are still looked up; with a budget of 8 the
# keys and the DMARC lookups run out too; never more lookups than the
# budget plus the HELO check's own allowance (24; HELO then stops naming
# it). forged.eml (From victim.example, p=reject) with the same
# expensive envelope and a signature claiming the victim's domain is still
# rejected under dmarc_enforce with on_dns_temperror = accept: the budget
# cannot be used to turn a DMARC fail into an accepted temperror.
# multi.eml: a From naming a passing domain of the sender's (a0.example),
# six that take 8 lookups each, then victim.example (p=reject): with a
# budget of 40 the victim's policy lookups are refused; its temperror is
# the message's DMARC result (on_dns_temperror decides), never the other
# author's pass (dmarc=pass, accepted whatever on_dns_temperror said).
set -u
. "$(pwd)/tests/lib/common.sh"    # need_tools, stop_pids, tail_logs, now_ms, ok
. "$(pwd)/tests/lib/dnsfault.sh"  # dnsfault_need_py, dnsfault_start, milter_run
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
TIMEOUT=4000        # --dns-timeout: every slow answer comes well within it
DEADLINE=1500       # message_dns_timeout of the deadline part
MARGIN=3000         # ms allowed above it (a loaded 2-core machine)
BUDGET=128          # message_dns_queries default
# the HELO check of a non-null sender runs beside MAIL FROM's in an
# allowance of its own (MSG_SPF_HELO_LOOKUPS), counted in dns.queries but
# not in the budget
HELO_ALLOWANCE=24
SMALL=8             # less than the 8 keys + 2 _dmarc names alone

need_tools "apt-get install miltertest opendkim-tools" miltertest opendkim-genkey
dnsfault_need_py

T=$(mktemp -d /tmp/dns-budget.XXXXXX)
SRV_PID=
AM_T=
AM_A=
AM_Z=
cleanup() {
	stop_pids $SRV_PID $AM_T $AM_A $AM_Z
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	tail_logs 5 am-tempfail.log am-accept.log am-zone.log
	exit 1
}

(cd "$T" && opendkim-genkey -b 1024 -s sel -d example) >/dev/null 2>&1 ||
    fail "opendkim-genkey"
$PY "$SRC/tests/message/dns_budget_gen.py" "$T" || fail "generating the data"

# --- the slow server ----------------------------------------------------------
dnsfault_start
# libunbound drops a reply that comes after its retransmission timeout:
# keep that timeout at least the slowest answer (2.5 s), so that every
# lookup is answered once, after its delay, as by a slow but working server
cat > "$T/unbound.conf" <<EOF
server:
    module-config: "iterator"
    qname-minimisation: no
    infra-cache-min-rtt: 2500
    infra-cache-max-rtt: 8000
    unknown-server-time-limit: 2500
stub-zone:
    name: "example."
    stub-addr: 127.0.0.1@$PORT
EOF

# check MSG WANT OUT [ARGS...]: `authmilter check --json` of $T/msg/MSG.eml
# into $T/OUT.json; its time in MS. WANT: the action ("accept", "reject
# CODE XCODE" or "tempfail CODE XCODE").
check() {
	msg=$1 want=$2 out=$3
	shift 3
	t0=$(now_ms)
	"$AUTHMILTER" check --json --ip 192.0.2.10 --authserv-id budget.test \
	    "$@" < "$T/msg/$msg.eml" > "$T/$out.json" ||
	    fail "$out: authmilter check exit $?"
	MS=$(($(now_ms) - t0))
	got=$($PY -c 'import json, sys
a = json.load(open(sys.argv[1]))["action"]
print(" ".join([a["action"]] + ([a["smtp_code"], a["smtp_xcode"]]
      if "smtp_code" in a else [])))' "$T/$out.json") ||
	    fail "$out: no JSON"
	[ "$got" = "$want" ] || fail "$out: action $got, want $want"
}

# expect OUT PYTHON-ASSERTIONS: each line of the second argument is a
# Python expression over j (the JSON of OUT), ar (its header, unfolded,
# with spaces around), spf, helo, dkim (list), dmarc, dns; all must hold.
expect() {
	$PY - "$T/$1.json" "$2" <<'EOF' || fail "$1: $(cat "$T/why")"
import json, re, sys
j = json.load(open(sys.argv[1]))
ar = " " + re.sub(r"\s+", " ", j["authentication_results"] or "") + " "
spf, helo, dkim, dmarc, dns = (j["spf"], j["spf"]["helo"], j["dkim"],
                                j["dmarc"], j["dns"])
for line in sys.argv[2].strip().splitlines():
    if not eval(line.strip()):
        open(sys.argv[1].rsplit("/", 1)[0] + "/why", "w").write(
            "%s does not hold; spf %r; helo %r; dkim %r; dmarc %r; dns %r"
            % (line.strip(), spf["reason"], helo["reason"],
               [(d["selector"], d["result"], d["reason"]) for d in dkim],
               dmarc["reason"], dns))
        sys.exit(1)
EOF
}

# --- 1. the deadline, `authmilter check` ------------------------------------
SLOW="--helo hello.slow.example --mail-from alice@slow.example
    --dns-conf $T/unbound.conf --dns-timeout $TIMEOUT"
: > "$T/queries.log"
# shellcheck disable=SC2086
check slow "tempfail 451 4.7.24" slow $SLOW \
    --set message_dns_timeout=$DEADLINE --set on_dns_temperror=tempfail
[ "$MS" -le $((DEADLINE + MARGIN)) ] ||
    fail "slow: check took $MS ms (deadline $DEADLINE ms + $MARGIN)"
expect slow "
spf['result'] == 'temperror' and helo['result'] == 'temperror'
'message DNS deadline of $DEADLINE ms reached' in spf['reason']
'message DNS deadline of $DEADLINE ms reached' in helo['reason']
[d['result'] for d in dkim] == ['temperror']
'message DNS deadline of $DEADLINE ms reached' in dkim[0]['reason']
dmarc['result'] == 'temperror'
dns['limit'] == 'message DNS deadline of $DEADLINE ms reached'
dns['refused'] == 0 and 1 <= dns['queries'] <= 8
'deadline of $DEADLINE ms' in j['action']['reason']
"
# nothing is sent after the deadline: the chains stop where it fell. The
# HELO check runs beside MAIL FROM's (message/spf_pool.c), so each chain's
# first include (i1, h1) is asked at 1 s, within the deadline, and the
# second (i2, h2), due at 2 s, never (h1 was never asked while HELO waited
# for MAIL FROM's check to end at the deadline)
for n in i2.slow.example h2.slow.example; do
	grep -q " $n TXT" "$T/queries.log" &&
	    fail "slow: $n was queried after the deadline"
done
ok "slow: 451 4.7.24 in $MS ms (deadline $DEADLINE ms; the old code: 16.4 s, pass), spf, dkim, dmarc temperror naming the deadline, $(wc -l < "$T/queries.log") queries"

# np decided after a sender's SPF held the end of message to the deadline
# shellcheck disable=SC2086
check np "reject 550 5.7.1" np --helo black.example \
    --mail-from x@black.example --dns-conf "$T/unbound.conf" \
    --dns-timeout $TIMEOUT --set message_dns_timeout=$DEADLINE \
    --set dmarc_enforce=yes
[ "$MS" -le $((2 * DEADLINE + MARGIN)) ] ||
    fail "np: check took $MS ms (two stages of $DEADLINE ms + $MARGIN)"
expect np "
spf['result'] == 'temperror'
'message DNS deadline of $DEADLINE ms reached' in spf['reason']
dmarc['result'] == 'fail' and dmarc['policy_tag'] == 'np'
dmarc['disposition'] == 'reject'
'author domain does not exist' in dmarc['reason']
"
ok "np: 550 5.7.1 (np=reject) in $MS ms though SPF held the end of message to the deadline"

# --- 2. the deadline in running daemons ---------------------------------------
# start_daemon NAME ON_DNS_TEMPERROR DNS-FLAGS...: socket $T/NAME.sock,
# log $T/am-NAME.log; $EXTRA (a config line) is added when set
start_daemon() {
	name=$1
	printf 'on_dns_temperror = %s\nmessage_dns_timeout = %s\n%s\n' "$2" \
	    "$DEADLINE" "${EXTRA:-}" > "$T/$name.conf"
	shift 2
	"$AUTHMILTER" run -f -u "" --pidfile "" -c "$T/$name.conf" \
	    -p "unix:$T/$name.sock" --authserv-id budget.test "$@" \
	    > "$T/am-$name.log" 2>&1 &
}
start_daemon tempfail tempfail --dns-conf "$T/unbound.conf" \
    --dns-timeout "$TIMEOUT"
AM_T=$!
start_daemon accept accept --dns-conf "$T/unbound.conf" \
    --dns-timeout "$TIMEOUT"
AM_A=$!
EXTRA="dmarc_enforce = yes" start_daemon zone accept --dns-zone "$T/budget.zone"
AM_Z=$!

# milter NAME QID HELO FROM MSG: one message through daemon NAME
# (milter_run); AR with a space at each end
milter() {
	milter_run "$@"
	AR=" $AR "
}
text() {
	$PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["action"]["smtp_text"])' "$T/$1.json"
}

CODE=451 XCODE=4.7.24 TEXT=$(text slow)
milter tempfail D1 hello.slow.example alice@slow.example slow
[ "$REPLY" = "451 4.7.24" ] || fail "slow (tempfail daemon): reply $REPLY"
[ "$MS" -le $((DEADLINE + MARGIN)) ] ||
    fail "slow (tempfail daemon): reply after $MS ms"
ok "slow, tempfail daemon: 451 4.7.24 in $MS ms"
milter accept D2 hello.slow.example alice@slow.example slow
[ "$REPLY" = accept ] || fail "slow (accept daemon): reply $REPLY"
[ "$MS" -le $((DEADLINE + MARGIN)) ] ||
    fail "slow (accept daemon): reply after $MS ms"
for r in "spf=temperror" "dkim=temperror" "dmarc=temperror" \
    "deadline of $DEADLINE ms reached"; do
	case $AR in
	*"$r"*) ;;
	*) fail "slow (accept daemon): the header lacks $r: $AR" ;;
	esac
done
# (arc=none: the message has no ARC fields, which needs no lookup)
case $(echo "$AR" | sed 's/arc=none //') in
*=pass* | *=none* | *=fail*) fail "slow (accept daemon): a result that reads as checked: $AR" ;;
esac
ok "slow, accept daemon: accepted in $MS ms, the header says temperror"

# --- 3. the query budget ------------------------------------------------------
MANY="--helo helo.budget.example --mail-from alice@mf.budget.example
    --dns-zone $T/budget.zone"
# shellcheck disable=SC2086
check many "tempfail 451 4.7.24" many $MANY --set on_dns_temperror=tempfail
expect many "
spf['result'] == 'temperror' and helo['result'] == 'temperror'
'message DNS query budget of $BUDGET exhausted' in spf['reason']
'SPF HELO DNS query allowance of $HELO_ALLOWANCE exhausted' in helo['reason']
[d['result'] for d in dkim] == ['pass'] * 8
dmarc['result'] == 'temperror' and dmarc['policy']['p'] == 'reject'
dns['limit'] == 'message DNS query budget of $BUDGET exhausted'
dns['refused'] >= 1 and 10 <= dns['queries'] <= $BUDGET + $HELO_ALLOWANCE
' spf=temperror ' in ar and ' dmarc=temperror ' in ar
"
ok "many: 451 4.7.24; SPF stopped by the budget of $BUDGET, 8 DKIM keys and the DMARC policy still looked up; $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["dns"])' "$T/many.json")"

# In a daemon, with the SMTP client pausing before the header as a real
# one does: SPF has used its whole share before the DKIM keys and the
# DMARC policy are asked for, which the reserve still serves.
CODE= XCODE= TEXT=
PAUSE=2 milter zone Z1 helo.budget.example alice@mf.budget.example many1
[ "$REPLY" = accept ] || fail "many (zone daemon): reply $REPLY"
for r in "spf=temperror" "dkim=pass" "dmarc=temperror" \
    "query budget of $BUDGET exhausted"; do
	case $AR in
	*"$r"*) ;;
	*) fail "many (zone daemon): the header lacks $r: $AR" ;;
	esac
done
ok "many, accept daemon: accepted, the header says spf=temperror dkim=pass dmarc=temperror"

# shellcheck disable=SC2086
check many "tempfail 451 4.7.24" small $MANY --set on_dns_temperror=tempfail \
    --set message_dns_queries=$SMALL
# which of the keys and the _dmarc names got the budget first depends on
# when SPF ran; either way some of them cannot have
expect small "
spf['result'] == 'temperror' and helo['result'] == 'temperror'
'message DNS query budget of $SMALL exhausted' in spf['reason']
all(d['result'] in ('pass', 'temperror') for d in dkim)
all('query budget of $SMALL exhausted' in d['reason'] for d in dkim if d['result'] == 'temperror')
any(d['result'] == 'temperror' for d in dkim) or 'query budget of $SMALL exhausted' in dmarc['reason']
dmarc['result'] == 'temperror'
dns['queries'] <= $SMALL + $HELO_ALLOWANCE and dns['refused'] >= 3
"
ok "many, budget $SMALL: 451 4.7.24; SPF, DKIM keys and DMARC stopped by it; $($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["dns"])' "$T/small.json")"

# a forgery cannot spend the budget to turn its DMARC fail into temperror
FORGE="--helo helo.forge.example --mail-from alice@mf.forge.example
    --dns-zone $T/budget.zone"
# shellcheck disable=SC2086
check forged "reject 550 5.7.1" forged $FORGE --set dmarc_enforce=yes \
    --set on_dns_temperror=accept
expect forged "
spf['result'] == 'temperror'
dkim[0]['domain'] == 'victim.example' and dkim[0]['result'] == 'permerror'
'no key' in dkim[0]['reason']
dmarc['result'] == 'fail' and dmarc['disposition'] == 'reject'
"
ok "forged: still 550 5.7.1 (dmarc=fail, the victim's key looked up) with its SPF out of budget"
# the same in the daemon (dmarc_enforce, on_dns_temperror = accept), SPF
# first using up its share: without the reserve the victim's key would be
# refused, a temperror that aligns, and the forgery accepted
CODE=550 XCODE=5.7.1 TEXT=$(text forged)
PAUSE=2 milter zone Z2 helo.forge.example alice@mf.forge.example forged1
[ "$REPLY" = "550 5.7.1" ] || fail "forged (zone daemon): reply $REPLY"
grep -q "Z2: .* dkim=permerror:victim\.example[, ].*dmarc=fail.*no key" "$T/am-zone.log" ||
    fail "forged (zone daemon): $(grep Z2: "$T/am-zone.log")"
ok "forged, accept daemon: 550 5.7.1 after SPF spent its share"

# several authors: the victim's temperror is not hidden by another's pass
MULTI="--helo helo.a0.example --mail-from x@a0.example
    --dns-zone $T/budget.zone --set message_dns_queries=40"
# shellcheck disable=SC2086
check multi "reject 550 5.7.0" multi $MULTI --set on_dns_temperror=reject
expect multi "
dmarc['result'] == 'temperror' and dmarc['from_domain'] != 'a0.example'
'message DNS query budget of 40 exhausted' in dmarc['reason']
' dmarc=temperror ' in ar and ' dmarc=pass ' not in ar
[d['result'] for d in dkim] == ['pass']
"
# shellcheck disable=SC2086
check multi "accept" multi_accept $MULTI --set dmarc_enforce=yes
expect multi_accept "
dmarc['result'] == 'temperror' and ' dmarc=temperror ' in ar
' dmarc=pass ' not in ar
"
ok "multi: the forged author's temperror decides (on_dns_temperror), not another author's pass"

kill -0 "$AM_T" 2>/dev/null && kill -0 "$AM_A" 2>/dev/null &&
    kill -0 "$AM_Z" 2>/dev/null || fail "a daemon died"
grep -qi "assert\|sanitizer\|runtime error" "$T"/am-*.log &&
    fail "errors in the daemon logs"
[ -s "$T/server.err" ] && fail "the test DNS server failed: $(cat "$T/server.err")"
echo "dns_budget: $checks passed, 0 failed"
exit 0
