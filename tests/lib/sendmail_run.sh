#!/bin/sh
# tests/lib/sendmail_run.sh - the body of tests/e2e/e2e_sendmail.sh,
# run by it inside new network, mount, UTS and PID namespaces (this shell
# is PID 1: when it exits every process it started ends). Nothing mounted
# here outlives the namespace. Environment: SRC (the tree), ROOT (the
# Sendmail chroot, not written to), T (a temp dir), AUTHMILTER, ASID,
# SLOW_EXPECT_FAIL (see e2e_sendmail.sh).
set -u
PY=/usr/bin/python3
SEND="$PY $SRC/tests/e2e/smtp_send.py"
. "$SRC/tests/lib/sendmail_chroot.sh"
. "$SRC/tests/lib/common.sh"  # tail_logs, silent_udp, wait_tcp, hwm
. "$SRC/tests/lib/e2e.sh"     # e2e_zone, msg, big_body

fail() {
	echo "FAIL: $*"
	tail_logs 15 am1.log am2.log am3.log am4.log maillog
	exit 1
}

# --- the network: loopback and the client addresses -------------------------
hostname mx.test.example
ip link set lo up || fail "ip link set lo up"
for a in 192.0.2.10 192.0.2.200 203.0.113.5 198.51.100.7 100.64.0.5; do
	ip addr add "$a/32" dev lo || fail "ip addr add $a"
done

# --- the chroot's mounts: its own /proc and /dev, the test's files ----------
smc_mounts "$ROOT" || fail "mounting /proc and /dev in the chroot"
# copies of what the test changes, bind-mounted over the chroot's
mkdir -p "$T/etc-mail" "$T/mqueue" "$T/spool-mail" "$T/run" "$T/etc"
cp -a "$ROOT/etc/mail/." "$T/etc-mail/"
for f in passwd group hosts; do
	cp -a "$ROOT/etc/$f" "$T/etc/$f"
done
echo "bob:x:1001:1001:Bob:/nonexistent:/usr/sbin/nologin" >> "$T/etc/passwd"
echo "bob:x:1001:" >> "$T/etc/group"
printf '127.0.0.1\tmx.test.example mx localhost\n' > "$T/etc/hosts"
chown --reference="$ROOT/var/spool/mqueue" "$T/mqueue"
chmod --reference="$ROOT/var/spool/mqueue" "$T/mqueue"
chown --reference="$ROOT/var/mail" "$T/spool-mail"
chmod --reference="$ROOT/var/mail" "$T/spool-mail"
mount --bind "$T/etc-mail" "$ROOT/etc/mail" &&
mount --bind "$T/mqueue" "$ROOT/var/spool/mqueue" &&
mount --bind "$T/spool-mail" "$ROOT/var/mail" &&
mount -t tmpfs -o mode=755,size=8m tmpfs "$ROOT/run" &&
for f in passwd group hosts; do
	mount --bind "$T/etc/$f" "$ROOT/etc/$f" || exit 1
done || fail "bind mounts in the chroot"

# Sendmail logs to syslog only: a /dev/log listener writing $T/maillog
$PY -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "ab", buffering=0)
while True:
    out.write(s.recv(65536).rstrip(b"\n") + b"\n")' "$ROOT/dev/log" "$T/maillog" &
for i in $(seq 1 50); do
	[ -S "$ROOT/dev/log" ] && break
	sleep 0.1
done
[ -S "$ROOT/dev/log" ] || fail "no /dev/log listener"

# --- DNS: the fixture zone and a resolver that never answers ----------------
e2e_zone
silent_udp 3600
# unknown-server-time-limit: libunbound's first wait for the silent server
# (376 ms by default, doubled at each retry) gives up after about 11.6 s,
# too close to Sendmail's 10 s; from 1128 ms it outlasts dns_timeout, which
# then decides how long authmilter waits
cat > "$T/unbound.conf" <<EOF
server:
    do-not-query-localhost: no
    module-config: "iterator"
    unknown-server-time-limit: 1128
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$SILENT
EOF

# --- the three authmilters ----------------------------------------------------
cat > "$T/am1.conf" <<EOF
# authmilter #1: fixture zone, DMARC enforced
socket = inet:8891@127.0.0.1
user = ""
pidfile = ""
authserv_id = $ASID
dns_zone = $T/zone
dmarc_enforce = yes
trusted_networks = 127.0.0.0/8, 198.51.100.0/24
upstream_networks = 100.64.0.0/24
EOF
# silent_conf N DNS_TIMEOUT ON_DNS_TEMPERROR: authmilter #N on port 889N,
# DNS from the resolver that never answers
silent_conf() {
	cat > "$T/am$1.conf" <<EOF
socket = inet:889$1@127.0.0.1
user = ""
pidfile = ""
authserv_id = $ASID
dns_conf = $T/unbound.conf
dns_trust_anchor = ""
dns_timeout = $2
on_dns_temperror = $3
trusted_networks = 127.0.0.0/8
EOF
}
# #2: tempfail after 1.5 s
silent_conf 2 1500 tempfail
# #3: accept (temperror); libunbound gives up after about 17 s
silent_conf 3 14000 accept
# #4: ARC (a list's mail): arc_trusted_sealers and arc_seal, the fixtures
# of tests/lib/arc_fixtures.py, their seals dated a minute ago
mkdir -p "$T/arc"
(cd "$SRC" && $PY tests/lib/arc_fixtures.py "$T/arc" $(($(date +%s) - 60)) arcpass) ||
    fail "ARC fixtures"
chmod 600 "$T"/arc/*.pem
cat > "$T/am4.conf" <<EOF
socket = inet:8894@127.0.0.1
user = ""
pidfile = ""
authserv_id = $ASID
dns_zone = $T/arc/zone
dmarc_enforce = yes
trusted_networks = 127.0.0.0/8
arc_trusted_sealers = list.example
arc_seal = mx.test seal $T/arc/seal.pem
EOF
# ASan's quarantine would hold every freed body chunk: off for the VmHWM check
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
for n in 1 2 3 4; do
	"$AUTHMILTER" -f -c "$T/am$n.conf" > "$T/am$n.log" 2>&1 &
	eval "AM$n=\$!"
done
# (not listening after 10 s: the messages to it fail)
wait_tcp 100 8891 8892 8893 8894

# --- Sendmail -----------------------------------------------------------------
cat > "$T/etc-mail/sendmail.mc" <<'EOF'
include(`/usr/share/sendmail/cf/m4/cf.m4')dnl
OSTYPE(`debian')dnl
DOMAIN(`debian-mta')dnl
FEATURE(`no_default_msa')dnl
define(`confDOMAIN_NAME', `mx.test.example')dnl
define(`confSERVICE_SWITCH_FILE', `/etc/mail/service.switch-nodns')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`nocanonify')dnl
LOCAL_DOMAIN(`example.net')dnl
define(`confLOG_LEVEL', `14')dnl
define(`confMILTER_LOG_LEVEL', `14')dnl
define(`confMILTER_MACROS_ENVFROM', confMILTER_MACROS_ENVFROM`, {auth_authen}')dnl
dnl #1 as contrib/sendmail/authmilter.mc defines it; #2 with short timeouts;
dnl #3 with none (Sendmail's defaults: R is 10 s)
MAIL_FILTER(`am1', `S=inet:8891@127.0.0.1, F=T, T=C:30s;S:1m;R:1m;E:5m')dnl
MAIL_FILTER(`am2', `S=inet:8892@127.0.0.1, F=T, T=C:30s;S:1m;R:1m;E:5m')dnl
MAIL_FILTER(`am3', `S=inet:8893@127.0.0.1, F=T')dnl
MAIL_FILTER(`am4', `S=inet:8894@127.0.0.1, F=T, T=C:30s;S:1m;R:1m;E:5m')dnl
define(`confINPUT_MAIL_FILTERS', `am1')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA-v4, Port=smtp, Addr=127.0.0.1, Listen=256, InputMailFilters=am1')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA-dnsfail, Port=2525, Addr=127.0.0.1, Listen=64, InputMailFilters=am2')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA-slowdns, Port=2526, Addr=127.0.0.1, Listen=64, InputMailFilters=am3')dnl
DAEMON_OPTIONS(`Family=inet, Name=MTA-arc, Port=2527, Addr=127.0.0.1, Listen=64, InputMailFilters=am4')dnl
FEATURE(`local_lmtp', `/usr/libexec/sendmail/mail.local')dnl
MAILER(`local')dnl
MAILER(`smtp')dnl
EOF
chroot "$ROOT" sh -c 'cd /etc/mail && m4 sendmail.mc > sendmail.cf' \
    > "$T/m4.log" 2>&1 || { cat "$T/m4.log"; fail "m4 sendmail.mc"; }
mkdir -p "$ROOT/run/sendmail/mta"
chroot "$ROOT" /usr/sbin/sendmail -bd -q30m > "$T/sendmail.out" 2>&1 ||
    { cat "$T/sendmail.out"; fail "sendmail -bd"; }
wait_tcp 100 25 2525 2526 2527 || fail "sendmail does not listen"

# --- helpers (and msg, tests/lib/e2e.sh) ---------------------------------------
SENT=0
OUTCOMES=""
# send NAME PORT IP HELO MAILFROM [smtp_send options]: prints the final reply
send() {
	name=$1 port=$2 ip=$3 helo=$4 from=$5
	shift 5
	$SEND --source --port "$port" --ip "$ip" --helo "$helo" --from "$from" \
	    --to bob@example.net "$@" "$T/$name.eml" 2>>"$T/send.err"
}
# outcome NAME TEXT: what happened to message NAME, for the summary
outcome() {
	SENT=$((SENT + 1))
	OUTCOMES="$OUTCOMES
  $1: $2"
}
# delivered NAME: the header block of message NAME in bob's mailbox, folded
# lines joined (waits up to 30 s for the delivery)
delivered() {
	for i in $(seq 1 150); do
		if [ -f "$T/spool-mail/bob" ] &&
		    grep -q "^Message-ID: <$1\." "$T/spool-mail/bob"; then
			$PY - "$T/spool-mail/bob" "$1" <<'EOF'
import sys
box, name = sys.argv[1], sys.argv[2]
msgs, cur = [], []
for line in open(box, encoding="utf-8", errors="replace"):
    if line.startswith("From ") and cur:
        msgs.append(cur)
        cur = []
    cur.append(line.rstrip("\n"))
msgs.append(cur)
for m in msgs:
    hdr = []
    for line in m[1:]:
        if line == "":
            break
        if line[:1] in (" ", "\t") and hdr:
            hdr[-1] += " " + line.strip()
        else:
            hdr.append(line)
    if any(h.startswith("Message-ID: <%s." % name) for h in hdr):
        print("\n".join(hdr))
EOF
			return 0
		fi
		sleep 0.2
	done
	return 1
}
# first_field HEADERS: the first header field (Sendmail's Return-Path and
# Received aside)
first_field() {
	echo "$1" | grep -v '^Return-Path:\|^Received:' | head -1
}

# --- 1. signed, SPF-authorized: delivered with pass results at the top ------
msg good alice@example.com
r=$(send good 25 192.0.2.10 mail.example.com alice@example.com \
    --sign "example.com:sel:$T/dkim.pem")
case $r in 250*) ;; *) fail "good: $r" ;; esac
h=$(delivered good) || fail "good: not delivered"
ar=$(echo "$h" | grep "^Authentication-Results: $ASID;" | head -1)
echo "good: $ar"
e2e_want_pass good "$ar"
case $(first_field "$h") in "Authentication-Results: $ASID;"*) ;;
	*) echo "$h"; fail "good: our AR is not the first field after Received" ;; esac
outcome good "250, delivered, spf/dkim/dmarc=pass"

# --- 2. DMARC p=reject failure with dmarc_enforce = yes: 550 5.7.1 ----------
msg forged alice@example.com
r=$(send forged 25 192.0.2.200 evil.example mallory@evil.example)
echo "forged: $r"
case $r in "550 5.7.1"*example.com*) ;; *) fail "p=reject: want 550 5.7.1 naming example.com, got: $r" ;; esac
sleep 1
grep -q "^Message-ID: <forged\." "$T/spool-mail/bob" 2>/dev/null &&
    fail "p=reject: delivered anyway"
outcome forged "$r (not delivered)"

# --- 3. forged AR headers: ours removed, others kept ---------------------------
e2e_forged_msg
r=$(send forgedar 25 192.0.2.10 mail.example.com carol@mail.example.com)
case $r in 250*) ;; *) fail "forgedar: $r" ;; esac
h=$(delivered forgedar) || fail "forgedar: not delivered"
e2e_forged_check "$h" "$(first_field "$h")"
outcome forgedar "250, delivered, 2 forged AR fields removed, 1 foreign kept"

# --- 4. DNS timeout -> the configured tempfail (milter #2) -------------------
msg timeout alice@example.com
r=$(send timeout 2525 203.0.113.5 mail.example.com alice@example.com)
echo "timeout: $r"
case $r in 451\ 4.7.*) ;; *) fail "DNS timeout: want 451 4.7.x, got: $r" ;; esac
outcome timeout "$r (on_dns_temperror = tempfail)"

# --- 5. trusted network: skipped, header says none --------------------------
msg trusted mallory@example.com
r=$(send trusted 25 198.51.100.7 relay.example mallory@example.com)
case $r in 250*) ;; *) fail "trusted: $r (a trusted client must not be rejected)" ;; esac
h=$(delivered trusted) || fail "trusted: not delivered"
ar=$(first_field "$h")
echo "trusted: $ar"
[ "$ar" = "Authentication-Results: $ASID; none" ] ||
    fail "trusted: want '$ASID; none', got: $ar"
outcome trusted "250, delivered, AR none (trusted network)"

# --- 6. 10 MB message: passes, memory bounded ---------------------------------
before=$(hwm "$AM1")
msg big alice@example.com
big_body big 10
r=$(send big 25 192.0.2.10 mail.example.com alice@example.com \
    --sign "example.com:sel:$T/dkim.pem")
case $r in 250*) ;; *) fail "big: $r" ;; esac
h=$(delivered big) || fail "big: not delivered"
after=$(hwm "$AM1")
ar=$(first_field "$h")
echo "big: delivered; authmilter VmHWM ${before} kB -> ${after} kB"
case $ar in *dkim=pass*dmarc=pass*) ;; *) fail "big: $ar" ;; esac
[ $((after - before)) -lt 4096 ] ||
    fail "big: VmHWM grew by $((after - before)) kB for a 10 MB message"
outcome big "250, delivered (10 MB), dkim=pass, VmHWM +$((after - before)) kB"

# --- 7. logs: one line per message with Sendmail's queue id -------------------
qid=$(sed -n 's/.*sendmail\[[0-9]*\]: \([A-Za-z0-9]*\): from=<alice@example\.com>.*msgid=<good\..*/\1/p' \
    "$T/maillog" | head -1)
[ -n "$qid" ] || { tail -5 "$T/maillog"; fail "no queue id for 'good' in Sendmail's log"; }
grep -q "$qid" "$T/am1.log" ||
    { tail -3 "$T/am1.log"; fail "no authmilter log line carrying queue id $qid"; }
echo "logs: authmilter's line for 'good' carries Sendmail's queue id $qid"

# --- 8. slow DNS (14 s) with Sendmail's default milter timeouts (R: 10 s) -----
msg slowdns alice@example.com
s0=$(date +%s)
r=$(send slowdns 2526 192.0.2.10 mail.example.com alice@example.com)
took=$(($(date +%s) - s0))
echo "slowdns: $r (after $took s)"
case $r in
250*)
	h=$(delivered slowdns) || fail "slowdns: accepted but not delivered"
	ar=$(first_field "$h")
	case $ar in "Authentication-Results: $ASID;"*temperror*) ;;
		*) fail "slowdns: accepted without temperror in AR: $ar" ;; esac
	if [ "$SLOW_EXPECT_FAIL" = 1 ]; then
		fail "slowdns: passes now (accepted with temperror after $took s):" \
		    "set SLOW_DNS_EXPECTED_TO_FAIL_UNTIL_ENGINE_PROGRESS=0 in" \
		    "tests/e2e/e2e_sendmail.sh"
	fi
	outcome slowdns "250 after $took s, delivered, AR temperror"
	;;
451\ 4.3.2*)
	[ "$SLOW_EXPECT_FAIL" = 1 ] ||
	    fail "slowdns: Sendmail timed out the milter (want accept with temperror): $r"
	grep -q "timeout" "$T/maillog" ||
	    fail "slowdns: 451 4.3.2 but no milter timeout in Sendmail's log"
	echo "slowdns: EXPECTED FAILURE until the engine sends SMFIR_PROGRESS (fc-engine):" \
	    "Sendmail's 10 s read timeout, not the configured accept"
	outcome slowdns "$r after $took s (expected failure: no SMFIR_PROGRESS yet)"
	;;
*)
	fail "slowdns: want 250 (accept, temperror) or, until fc-engine, 451 4.3.2: $r"
	;;
esac

# --- 9. behind a gateway (upstream_networks): Sendmail's own Received field
# (if the milter is shown it) names the gateway and is skipped, the
# gateway's names the client
msg gwgood alice@example.com "$(e2e_gw_rcvd 192.0.2.10)"
r=$(send gwgood 25 100.64.0.5 gw.example.net alice@example.com)
case $r in 250*) ;; *) fail "gwgood: a client authorised by SPF behind the gateway: $r" ;; esac
h=$(delivered gwgood) || fail "gwgood: not delivered"
ar=$(echo "$h" | grep "^Authentication-Results: $ASID;" | head -1)
echo "gwgood: $ar"
for _w in "spf=pass" "smtp.mailfrom=example.com" "dmarc=pass" \
    "smtp.remote-ip=192.0.2.10"; do
	case $ar in *"$_w"*) ;; *) fail "gwgood: no '$_w' in: $ar" ;; esac
done
grep -q "upstream=.*client 192.0.2.10 (helo mail.example.com) from Received field" "$T/am1.log" ||
    fail "gwgood: no upstream= log field naming 192.0.2.10"
msg gwbad alice@example.com "$(e2e_gw_rcvd 203.0.113.99)"
r=$(send gwbad 25 100.64.0.5 gw.example.net alice@example.com)
echo "gwbad: $r"
case $r in "550 5.7.1"*example.com*) ;; *) fail "gwbad: want 550 5.7.1 (the original client fails SPF), got: $r" ;; esac
msg gwnone alice@example.com
r=$(send gwnone 25 100.64.0.5 gw.example.net alice@example.com)
echo "gwnone: $r"
case $r in "550 5.7.1"*) ;; *) fail "gwnone: want 550 5.7.1 (fail closed), got: $r" ;; esac
outcome gateway "client behind the gateway judged: pass delivered, fail 550, no field 550"

# --- 10. ARC: a trusted list's chain, sealed by us (milter #4) ---------------
cp "$T/arc/arcpass.eml" "$T/arcpass.eml"
r=$(send arcpass 2527 198.51.100.7 list.example bounce@list.example)
case $r in 250*) ;; *) fail "arcpass (trusted sealer): $r" ;; esac
h=$(delivered arcpass) || fail "arcpass: not delivered"
echo "$h" | grep -q "^ARC-Seal: .*cv=pass; d=mx.test; i=2; s=seal;" ||
    { echo "$h"; fail "arcpass: no ARC-Seal i=2 cv=pass of ours"; }
echo "$h" | grep -q "^ARC-Authentication-Results: i=2; $ASID; .*override=trusted_forwarder" ||
    { echo "$h"; fail "arcpass: no AAR i=2 saying trusted_forwarder"; }
grep -q 'arc_seal="sealed i=2 cv=pass"' "$T/am4.log" || fail "am4: no arc_seal= log field"
# the message as delivered (mail.local's mbox, Return-Path aside): its
# chain validates in ours and in dkimpy
$PY - "$T/spool-mail/bob" > "$T/arcpass.rx" <<'EOF'
import sys
msgs, cur = [], []
for line in open(sys.argv[1], "rb"):
    if line.startswith(b"From ") and cur:
        msgs.append(cur)
        cur = []
    cur.append(line)
msgs.append(cur)
for m in msgs:
    if any(l.startswith(b"Message-ID: <arcpass.1@e2e.test>") for l in m):
        body = [l for l in m[1:] if not l.startswith(b"Return-Path:")]
        while body and body[-1].strip() == b"":
            body.pop()  # the mbox separator line
        sys.stdout.buffer.write(b"".join(body))
EOF
"$AUTHMILTER" arc --dns-zone "$T/arc/zone" --json < "$T/arcpass.rx" > "$T/arcpass.arc" ||
    fail "arcpass: authmilter arc"
$PY -c 'import json, sys
a = json.load(open(sys.argv[1]))
assert (a["result"], a["sets"], a["sealers"]) == ("pass", 2, ["list.example", "mx.test"]), a' \
    "$T/arcpass.arc" || fail "arcpass: authmilter arc: $(cat "$T/arcpass.arc")"
$PY "$SRC/tests/lib/arc_verify.py" "$T/arc/zone" "$T/arcpass.rx" > "$T/arcpass.dkimpy" ||
    fail "arcpass: dkimpy arc_verify: $(cat "$T/arcpass.dkimpy")"
cp "$T/arc/arcpass_untrusted.eml" "$T/arcpass_untrusted.eml"
r=$(send arcpass_untrusted 2527 198.51.100.7 list.example bounce@list.example)
echo "arcpass_untrusted: $r"
case $r in "550 5.7.1"*orig.example*) ;; *) fail "untrusted sealer: want 550 5.7.1, got: $r" ;; esac
outcome arc "trusted sealer delivered, sealed i=2 cv=pass (validated by ours and dkimpy); untrusted 550"

echo "messages sent: $SENT$OUTCOMES"
echo "PASS: e2e_sendmail"
