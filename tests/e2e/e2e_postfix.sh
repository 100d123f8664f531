#!/bin/sh
# tests/e2e/e2e_postfix.sh - authmilter behind a real Postfix.
#
# Builds a private Postfix instance under a temp dir (own config, queue and
# data directories, no chroot, smtpd on 127.0.0.1:<free port>, relaying to
# Postfix's smtp-sink, which writes one file per delivered message), starts
# two authmilter daemons answering DNS from a fixture zone made here (SPF,
# DKIM key, DMARC p=reject) or from a silent resolver, and sends real SMTP
# with XCLIENT setting the client address and HELO of each message
# (tests/e2e/smtp_send.py). smtpd_milter_maps picks the milter per client:
#   127.0.0.1        no milter (the connection before XCLIENT)
#   203.0.113.0/24   authmilter #2: DNS to a silent UDP port, tempfail
#   anything else    authmilter #1: the fixture zone, dmarc_enforce = yes
# Asserts: a signed message from an authorized IP is delivered with
# spf/dkim/dmarc=pass and iprev=pass (iprev = yes: its PTR and A in the
# zone) in an AR header at the top; a DMARC p=reject failure
# is refused with 550 5.7.1; forged AR headers with our authserv-id are
# removed, others kept (also 1,000 of them); a repeated From is refused
# with 550 5.7.1 (bad From); a DNS timeout gives 451 4.7.x; a 20 MB message
# passes and authmilter's peak RSS grows far less than 20 MB; XCLIENT
# LOGIN= gives auth=pass smtp.auth=USER, and that authenticated
# submission leaves signed by authmilter (sign_key) and passes DKIM and
# DMARC at a receiving authmilter (`authmilter check`); a SIGHUP that
# changes the key while authenticated mail flows drops none and the next
# message carries the new selector; a trusted network gets "none";
# mail from a gateway in upstream_networks is judged on the client its
# Received field names (pass delivered, fail 550, no field 550: fail
# closed); ARC (authmilter #3, the list's client 198.51.100.7, the
# fixtures of tests/lib/arc_fixtures.py): a p=reject domain's message
# through a mailing list (footer: DKIM broken; the list's IP: SPF not
# aligned) sealed by a trusted sealer is delivered with override
# trusted_forwarder, by an untrusted one refused 550 5.7.1; arc_seal seals
# what it delivers (i=2 cv=pass, on top), and `authmilter arc` and dkimpy
# validate the delivered chain; a SIGHUP with a new arc_seal key seals the
# next message with it;
# a p=reject failure of a domain asking for failure reports (ruf= to an
# authorized external mailbox, fo=1) gets one (RFC 9991) through
# `authmilter report --failure --send` and this Postfix, once;
# the log lines carry Postfix's queue id.
# Runs as root (CI does); a missing postfix fails the test.
set -u
. "$(pwd)/tests/lib/common.sh"  # need_tools, stop_pids, tail_logs, silent_udp, wait_tcp, hwm
. "$(pwd)/tests/lib/e2e.sh"     # e2e_zone, msg, big_body, e2e_postfix_conf
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
PY=/usr/bin/python3
SRC=$(pwd)
SEND="$PY $SRC/tests/e2e/smtp_send.py"
ASID=mx.e2e.test

fail() {
	echo "FAIL: $*"
	tail_logs 15 am1.log am2.log am3.log postfix.log
	exit 1
}

need_tools "apt-get install postfix openssl" postfix postconf smtp-sink openssl
[ -x /usr/sbin/postfix ] || { echo "FAIL: postfix is missing"; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "FAIL: the Postfix end-to-end test must run as root (CI does)"
	exit 1
fi
id postfix >/dev/null 2>&1 || { echo "FAIL: no postfix user (install the postfix package)"; exit 1; }
$PY -c 'import dkim' 2>/dev/null || { echo "FAIL: python3-dkim is missing"; exit 1; }

T=$(mktemp -d /tmp/e2e-postfix.XXXXXX)
chmod 755 "$T"
PIDS=""
cleanup() {
	[ -f "$T/etc/main.cf" ] && postfix -c "$T/etc" stop >/dev/null 2>&1
	stop_pids $PIDS
	# a master that did not stop (postfix stop failed) is killed by pid
	if [ -f "$T/data/master.lock" ]; then
		mp=$(tr -d ' ' < "$T/data/master.lock")
		[ -n "$mp" ] && kill "$mp" 2>/dev/null
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

freeport() {
	$PY -c 'import socket, sys
s = socket.socket(socket.AF_INET, getattr(socket, sys.argv[1]))
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "$1"
}
SMTP_PORT=$(freeport SOCK_STREAM)
SINK_PORT=$(freeport SOCK_STREAM)
[ "$SMTP_PORT" != "$SINK_PORT" ] || SINK_PORT=$(freeport SOCK_STREAM)

# --- the DNS fixture: SPF, DKIM key, DMARC p=reject -------------------------
e2e_zone
# failure reports (RFC 9991): fr.example asks for them at example.net,
# which authorizes it (RFC 9990 4)
cat >> "$T/zone" <<EOF
_dmarc.fr.example.           TXT "v=DMARC1; p=reject; ruf=mailto:ruf@example.net; fo=1"
fr.example._report._dmarc.example.net. TXT "v=DMARC1"
sel._domainkey.fr.example.   TXT $_pubq
EOF

# --- the two milters ---------------------------------------------------------
cat > "$T/am1.conf" <<EOF
# authmilter #1: fixture zone, DMARC enforced
socket = unix:$T/am1.sock
socket_mode = 0660
socket_group = postfix
user = ""
pidfile = ""
authserv_id = $ASID
dns_zone = $T/zone
dmarc_enforce = yes
trusted_networks = 127.0.0.0/8, 198.51.100.0/24
skip_authenticated = yes
skipped_header = header
sign_key = example.com sel $T/dkim.pem
iprev = yes
upstream_networks = 100.64.0.0/24
history = $T/history.db
failure_reports = yes
report_email = dmarc@$ASID
report_sendmail = /usr/sbin/sendmail -C $T/etc -oi
EOF
chmod 600 "$T/dkim.pem"
# a UDP port that never answers: every lookup times out
silent_udp 3600
PIDS="$PIDS $SILENT_PID"
cat > "$T/unbound.conf" <<EOF
server:
    do-not-query-localhost: no
    module-config: "iterator"
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$SILENT
EOF
cat > "$T/am2.conf" <<EOF
# authmilter #2: a resolver that never answers
socket = unix:$T/am2.sock
socket_group = postfix
user = ""
pidfile = ""
authserv_id = $ASID
dns_conf = $T/unbound.conf
dns_trust_anchor = ""
dns_timeout = 1500
on_dns_temperror = tempfail
trusted_networks = 127.0.0.0/8
EOF
# authmilter #3: ARC (the list's mail), arc_trusted_sealers, arc_seal; the
# seals dated a minute ago (a daemon has no --now)
mkdir -p "$T/arc"
$PY "$SRC/tests/lib/arc_fixtures.py" "$T/arc" $(($(date +%s) - 60)) arcpass archup ||
    fail "ARC fixtures"
chmod 600 "$T"/arc/*.pem
cat > "$T/am3.conf" <<EOF
socket = unix:$T/am3.sock
socket_group = postfix
user = ""
pidfile = ""
authserv_id = $ASID
dns_zone = $T/arc/zone
dmarc_enforce = yes
arc_trusted_sealers = list.example
arc_seal = mx.test seal $T/arc/seal.pem
EOF
# ASan's quarantine would hold every freed body chunk: off for the VmHWM check
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0
export ASAN_OPTIONS
"$AUTHMILTER" -f -c "$T/am1.conf" > "$T/am1.log" 2>&1 &
AM1=$!
PIDS="$PIDS $AM1"
"$AUTHMILTER" -f -c "$T/am2.conf" > "$T/am2.log" 2>&1 &
PIDS="$PIDS $!"
"$AUTHMILTER" -f -c "$T/am3.conf" > "$T/am3.log" 2>&1 &
AM3=$!
PIDS="$PIDS $AM3"
for i in $(seq 1 50); do
	[ -S "$T/am1.sock" ] && [ -S "$T/am2.sock" ] && [ -S "$T/am3.sock" ] && break
	sleep 0.1
done
[ -S "$T/am1.sock" ] && [ -S "$T/am2.sock" ] && [ -S "$T/am3.sock" ] ||
    fail "authmilter did not open its sockets"
[ "$(stat -c '%a %G' "$T/am1.sock")" = "660 postfix" ] ||
    fail "socket mode/group: $(stat -c '%a %G' "$T/am1.sock"), want 660 postfix"

# --- the sink and the private Postfix ---------------------------------------
mkdir -p "$T/sink" "$T/etc" "$T/queue" "$T/data"
chown postfix "$T/sink" "$T/data"
smtp-sink -u postfix -d "$T/sink/m." "127.0.0.1:$SINK_PORT" 64 > "$T/sink.log" 2>&1 &
PIDS="$PIDS $!"
cat > "$T/milter_maps" <<EOF
127.0.0.1/32       DISABLE
203.0.113.0/24     unix:$T/am2.sock
198.51.100.7/32    unix:$T/am3.sock
EOF
e2e_postfix_conf "$SMTP_PORT" "$SINK_PORT" "$ASID" example.net \
    "unix:$T/am1.sock" "message_size_limit = 40000000
milter_content_timeout = 60s"
postfix -c "$T/etc" check > "$T/check.log" 2>&1 || { cat "$T/check.log"; fail "postfix check"; }
postfix -c "$T/etc" start > "$T/start.log" 2>&1 || { cat "$T/start.log"; fail "postfix start"; }
# (not listening after 5 s: the first message fails)
wait_tcp 50 "$SMTP_PORT"

# --- helpers (and msg, tests/lib/e2e.sh) -------------------------------------
# send NAME IP HELO MAILFROM [smtp_send options]: prints the final reply
send() {
	name=$1 ip=$2 helo=$3 from=$4
	shift 4
	$SEND --port "$SMTP_PORT" --ip "$ip" --helo "$helo" --from "$from" \
	    --to bob@example.net "$@" "$T/$name.eml" 2>>"$T/send.err"
}
# qid NAME: Postfix's queue id of message NAME (from its log)
qid() {
	awk -v id="message-id=<$1." 'index($0, id) { sub(":", "", $6); print $6; exit }' \
	    "$T/postfix.log"
}
# delivered NAME: the sink file of NAME, once Postfix logged status=sent
# (waits up to 30 s)
delivered() {
	for i in $(seq 1 150); do
		q=$(qid "$1")
		if [ -n "$q" ] && grep -q "$q: to=.*status=sent" "$T/postfix.log"; then
			grep -l "^Message-ID: <$1\." "$T"/sink/m.* 2>/dev/null | head -1
			return 0
		fi
		sleep 0.2
	done
	return 1
}
# headers FILE: the message's header block, folded lines joined
headers() {
	tr -d '\r' < "$1" | sed -n '/^Received: /,/^$/p' |
	    awk '/^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
		 { if (line != "") print line; line = $0 }
		 END { if (line != "") print line }'
}
# first_ar FILE: the first header field of the message as Postfix relayed it
# (the line after smtp-sink's own Received:)
first_ar() {
	headers "$1" | sed -n 2p
}

# --- 1. signed, SPF-authorized: delivered with pass results at the top ------
msg good alice@example.com
r=$(send good 192.0.2.10 mail.example.com alice@example.com \
    --sign "example.com:sel:$T/dkim.pem")
case $r in 250*) ;; *) fail "good: $r" ;; esac
f=$(delivered good) || fail "good: not delivered"
ar=$(first_ar "$f")
echo "good: $ar"
case $ar in "Authentication-Results: $ASID;"*) ;;
	*) fail "good: the first field is not our AR: $ar" ;; esac
e2e_want_pass good "$ar"
case $ar in *"iprev=pass policy.iprev=192.0.2.10 (mail.example.com)"*) ;;
	*) fail "good: no iprev=pass for 192.0.2.10 (PTR mail.example.com): $ar" ;; esac

# --- 2. DMARC p=reject failure with dmarc_enforce = yes: 550 5.7.1 ----------
msg forged alice@example.com
r=$(send forged 192.0.2.200 evil.example mallory@evil.example)
echo "forged: $r"
case $r in "550 5.7.1"*example.com*) ;; *) fail "p=reject: want 550 5.7.1 naming example.com, got: $r" ;; esac
sleep 1
grep -l "^Message-ID: <forged\." "$T"/sink/m.* >/dev/null 2>&1 && fail "p=reject: delivered anyway"

# --- 2b. a failure report (RFC 9991) for that kind of failure, sent once ------
# signed by fr.example (aligned) with a signature that does not verify:
# the report names it (RFC 6591 3.1 DKIM-Domain, -Identity, -Selector)
msg frfail alice@fr.example "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=fr.example; s=sel; i=news@fr.example; h=from:subject; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA"
r=$(send frfail 192.0.2.201 evil.example mallory@evil.example)
case $r in "550 5.7.1"*fr.example*) ;; *) fail "frfail: want 550 5.7.1, got: $r" ;; esac
# the history writer stores it (never the milter thread); then one run sends
for i in $(seq 1 50); do
	"$AUTHMILTER" report -c "$T/am1.conf" --failure --send > "$T/fr1.out" 2>&1 ||
	    { cat "$T/fr1.out"; fail "report --failure --send"; }
	grep -q . "$T/fr1.out" && break
	sleep 0.1
done
grep -q "^fr.example: sent to ruf@example.net" "$T/fr1.out" ||
    { cat "$T/fr1.out"; fail "frfail: the failure report was not sent"; }
"$AUTHMILTER" report -c "$T/am1.conf" --failure --send > "$T/fr2.out" 2>&1 ||
    { cat "$T/fr2.out"; fail "report --failure --send (second run)"; }
[ -s "$T/fr2.out" ] && { cat "$T/fr2.out"; fail "frfail: the second run did something"; }
f=""
for i in $(seq 1 150); do
	f=$(grep -l "^Reported-Domain: fr.example" "$T"/sink/m.* 2>/dev/null | head -1)
	[ -n "$f" ] && break
	sleep 0.2
done
[ -n "$f" ] || fail "frfail: no failure report reached the receiver"
$PY "$SRC/tests/e2e/arf_check.py" "$f" fr.example 192.0.2.201 reject \
    "Hello from the end-to-end test (frfail)" mallory@evil.example "$ASID" \
    fr.example news@fr.example sel > "$T/arf.out" ||
    { cat "$T/arf.out"; fail "frfail: the report as received"; }
sleep 1
n=$(grep -l "^Reported-Domain: fr.example" "$T"/sink/m.* | wc -l)
[ "$n" = 1 ] || fail "frfail: $n failure reports received, want 1"
grep -q "^To: <ruf@example.net>" "$f" || fail "frfail: not addressed to ruf@example.net"
echo "frfail: one failure report at ruf@example.net ($(grep -c . "$T/arf.out") feedback fields checked)"

# --- 3. forged AR headers: ours removed, others kept ---------------------------
e2e_forged_msg
r=$(send forgedar 192.0.2.10 mail.example.com carol@mail.example.com)
case $r in 250*) ;; *) fail "forgedar: $r" ;; esac
f=$(delivered forgedar) || fail "forgedar: not delivered"
e2e_forged_check "$(headers "$f")" "$(first_ar "$f")"

# --- 4. DNS timeout -> the configured tempfail (milter #2) -------------------
msg timeout alice@example.com
r=$(send timeout 203.0.113.5 mail.example.com alice@example.com)
echo "timeout: $r"
case $r in 451\ 4.7.*) ;; *) fail "DNS timeout: want 451 4.7.x, got: $r" ;; esac

# --- 5. authenticated submission (XCLIENT LOGIN=) ---------------------------
msg auth alice@example.com
r=$(send auth 192.0.2.77 laptop.example alice@example.com --login alice)
case $r in 250*) ;; *) fail "auth: $r" ;; esac
f=$(delivered auth) || fail "auth: not delivered"
ar=$(first_ar "$f")
echo "auth: $ar"
case $ar in "Authentication-Results: $ASID; auth=pass smtp.auth=alice"*) ;;
	*) fail "auth: want auth=pass smtp.auth=alice, got: $ar" ;; esac
case $ar in *dmarc=*|*spf=*) fail "auth: evaluated although skipped: $ar" ;; esac
# signed by authmilter on the way out; a receiving authmilter passes it
# received NAME FILE SEL: the message as delivered (from smtp-sink's
# Received: on) has one DKIM-Signature, and passes DKIM (s=SEL) and DMARC
received() {
	tr -d '\r' < "$2" | sed -n '/^Received: /,$p' > "$T/$1.rx"
	[ "$(headers "$2" | grep -c '^DKIM-Signature: ')" = 1 ] ||
	    fail "$1: not one DKIM-Signature: $(headers "$2" | grep -i dkim)"
	rx=$("$AUTHMILTER" check -c /dev/null --authserv-id rx.test \
	    --dns-zone "$T/zone" --ip 192.0.2.10 --helo mail.example.com \
	    --mail-from alice@example.com < "$T/$1.rx") || fail "$1: check: $rx"
	for _w in "dkim=pass" "header.d=example.com" "header.s=$3" "dmarc=pass"; do
		case $rx in *"$_w"*) ;; *) fail "$1 at the receiver: no '$_w' in: $rx" ;; esac
	done
}
received auth "$f" sel
grep -q "dkim_sign=ok sign_d=example.com sign_s=sel " "$T/am1.log" || fail "auth: no dkim_sign=ok log line"
echo "auth: signed by authmilter, passes at the receiver"

# --- 5b. SIGHUP with a new key while authenticated mail flows ----------------
openssl genrsa -out "$T/dkim2.pem" 2048 2>/dev/null || fail "openssl genrsa"
chmod 600 "$T/dkim2.pem"
_pub2=$(openssl rsa -in "$T/dkim2.pem" -pubout 2>/dev/null | grep -v '^-----' | tr -d '\n')
echo "sel2._domainkey.example.com. TXT $(echo "v=DKIM1; k=rsa; p=$_pub2" |
    fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')" >> "$T/zone"
sed -i "s|^sign_key = .*|sign_key = example.com sel2 $T/dkim2.pem|" "$T/am1.conf"
for i in 1 2 3 4 5 6; do
	msg "flow$i" alice@example.com
	[ "$i" = 3 ] && kill -HUP "$AM1"
	r=$(send "flow$i" 192.0.2.77 laptop.example alice@example.com --login alice)
	case $r in 250*) ;; *) fail "flow$i (SIGHUP while sending): $r" ;; esac
done
for i in $(seq 1 50); do grep -q "configuration reloaded" "$T/am1.log" && break; sleep 0.1; done
grep -q "configuration reloaded" "$T/am1.log" || fail "am1: no reload"
for i in 1 2 3 4 5 6; do
	f=$(delivered "flow$i") || fail "flow$i: not delivered"
	received "flow$i" "$f" sel   # sel or sel2: either key, verified
done
msg after alice@example.com
r=$(send after 192.0.2.77 laptop.example alice@example.com --login alice)
case $r in 250*) ;; *) fail "after reload: $r" ;; esac
f=$(delivered after) || fail "after reload: not delivered"
received after "$f" sel2
echo "SIGHUP: 6 authenticated messages around a key change all delivered signed; the next uses sel2"

# --- 6. trusted network: skipped, header says none --------------------------
msg trusted mallory@example.com
r=$(send trusted 198.51.100.9 relay.example mallory@example.com)
case $r in 250*) ;; *) fail "trusted: $r (a trusted client must not be rejected)" ;; esac
f=$(delivered trusted) || fail "trusted: not delivered"
ar=$(first_ar "$f")
echo "trusted: $ar"
[ "$ar" = "Authentication-Results: $ASID; none" ] ||
    fail "trusted: want '$ASID; none', got: $ar"

# --- 7. 20 MB message: passes, memory bounded ---------------------------------
before=$(hwm "$AM1")
msg big alice@example.com
big_body big 20
r=$(send big 192.0.2.10 mail.example.com alice@example.com \
    --sign "example.com:sel:$T/dkim.pem")
case $r in 250*) ;; *) fail "big: $r" ;; esac
f=$(delivered big) || fail "big: not delivered"
after=$(hwm "$AM1")
size=$(stat -c %s "$f")
ar=$(first_ar "$f")
echo "big: ${size} bytes delivered; authmilter VmHWM ${before} kB -> ${after} kB"
[ "$size" -gt 20000000 ] || fail "big: only $size bytes delivered"
case $ar in *dkim=pass*dmarc=pass*) ;; *) fail "big: $ar" ;; esac
[ $((after - before)) -lt 4096 ] ||
    fail "big: VmHWM grew by $((after - before)) kB for a 20 MB message"

# --- 7b. 1,000 forged AR headers: every one removed, ours at the top --------
# (the first 32 only, before). Postfix counts the n-th field of a name, so
# authmilter deletes from the highest index down; other.example's stay.
ars=$($PY -c 'import sys
for i in range(1, 1051):
    if i % 21 == 0:
        print("Authentication-Results: other.example; spf=pass (keep %d)" % i)
    else:
        print("Authentication-Results: %s; dmarc=pass header.from=example.com (%d)" % (sys.argv[1], i))' "$ASID")
msg ar1000 carol@mail.example.com "$ars"
r=$(send ar1000 192.0.2.10 mail.example.com carol@mail.example.com)
case $r in 250*) ;; *) fail "ar1000: $r" ;; esac
f=$(delivered ar1000) || fail "ar1000: not delivered"
h=$(headers "$f")
n=$(echo "$h" | grep -c "^Authentication-Results: $ASID;")
[ "$n" = 1 ] || fail "ar1000: $n AR fields with our authserv-id, want 1 (ours)"
k=$(echo "$h" | grep -c "^Authentication-Results: other.example; spf=pass (keep [0-9]*)$")
[ "$k" = 50 ] || fail "ar1000: $k of the 50 other.example AR fields kept"
[ "$(echo "$h" | grep "^Authentication-Results: other.example" |
    sed 's/.*(keep \([0-9]*\))$/\1/' | tr '\n' ' ')" = \
    "$($PY -c 'print(" ".join(str(i) for i in range(21, 1051, 21)) + " ")')" ] ||
    fail "ar1000: the kept AR fields are not the other.example ones in order"
case $(first_ar "$f") in "Authentication-Results: $ASID;"*dmarc=pass*) ;;
	*) fail "ar1000: ours is not first: $(first_ar "$f")" ;; esac
echo "ar1000: 1,000 forged AR fields removed, 50 others kept in order, ours first"

# --- 7c. a bad From (RFC 9989 4.4): refused with dmarc_enforce -------------
# a repeated From naming the authorised domain passed DMARC before
msg badfrom alice@example.com "From: alice@example.com"
r=$(send badfrom 192.0.2.10 mail.example.com alice@example.com)
echo "badfrom: $r"
case $r in "550 5.7.1"*"From header field not valid"*"2 From header fields"*) ;;
	*) fail "repeated From: want 550 5.7.1 naming the From problem, got: $r" ;; esac

# --- 7d. behind a gateway (upstream_networks): judged on the original client
# the gateway 100.64.0.5 (authorised nowhere) relays with its own Received
# field naming the original client; Postfix adds its own above it
msg gwgood alice@example.com "$(e2e_gw_rcvd 192.0.2.10)"
r=$(send gwgood 100.64.0.5 gw.example.net alice@example.com)
case $r in 250*) ;; *) fail "gwgood: a client authorised by SPF behind the gateway: $r" ;; esac
f=$(delivered gwgood) || fail "gwgood: not delivered"
ar=$(first_ar "$f")
echo "gwgood: $ar"
for _w in "spf=pass" "smtp.mailfrom=example.com" "dmarc=pass" \
    "policy.iprev=192.0.2.10"; do
	case $ar in *"$_w"*) ;; *) fail "gwgood: no '$_w' in: $ar" ;; esac
done
grep -q "upstream=.*client 192.0.2.10 (helo mail.example.com)" "$T/am1.log" ||
    fail "gwgood: no upstream= log field naming 192.0.2.10"
msg gwbad alice@example.com "$(e2e_gw_rcvd 203.0.113.99)"
r=$(send gwbad 100.64.0.5 gw.example.net alice@example.com)
echo "gwbad: $r"
case $r in "550 5.7.1"*example.com*) ;; *) fail "gwbad: want 550 5.7.1 (the original client fails SPF), got: $r" ;; esac
# fail closed: no Received field of the gateway's -> never judged as the
# gateway, SPF none, the p=reject domain refused, a clear log line
msg gwnone alice@example.com
r=$(send gwnone 100.64.0.5 gw.example.net alice@example.com)
echo "gwnone: $r"
case $r in "550 5.7.1"*) ;; *) fail "gwnone: want 550 5.7.1 (fail closed), got: $r" ;; esac
grep -q "upstream=.*no usable Received field from gateway 100.64.0.5" "$T/am1.log" ||
    fail "gwnone: no log line saying no usable Received field"
echo "gateway: judged on the Received field's client (pass, 550), none: 550 and logged"

# --- 7e. ARC: a list breaks DKIM and SPF; a trusted sealer's chain --------
# arcsend NAME: the list (198.51.100.7) sends arc/NAME.eml
arcsend() {
	cp "$T/arc/$1.eml" "$T/$1.eml"
	send "$1" 198.51.100.7 list.example bounce@list.example
}
# arcchain NAME FILE SEL: the delivered message has our ARC set on top
# (ARC-Seal s=SEL i=2 cv=pass, AMS, AAR, then our AR saying
# trusted_forwarder), and `authmilter arc` and dkimpy validate the chain
arcchain() {
	h=$(headers "$2")
	echo "$h" | sed -n 2p | grep -q "^ARC-Seal: .*cv=pass; d=mx.test; i=2; s=$3;" ||
	    fail "$1: the first field is not our ARC-Seal (s=$3): $(echo "$h" | sed -n 2p)"
	echo "$h" | sed -n 3p | grep -q "^ARC-Message-Signature: .*d=mx.test;.* i=2; s=$3;" ||
	    fail "$1: no AMS second: $(echo "$h" | sed -n 3p)"
	echo "$h" | sed -n 4p | grep -q "^ARC-Authentication-Results: i=2; $ASID; .*arc=pass.*override=trusted_forwarder" ||
	    fail "$1: no AAR third: $(echo "$h" | sed -n 4p)"
	echo "$h" | sed -n 5p | grep -q "^Authentication-Results: $ASID; .*dmarc=fail (p=reject dis=none override=trusted_forwarder arc.sealer=list.example)" ||
	    fail "$1: our AR (trusted_forwarder) not below the set: $(echo "$h" | sed -n 5p)"
	tr -d '\r' < "$2" | sed -n '/^Received: /,$p' > "$T/$1.rx"
	"$AUTHMILTER" arc --dns-zone "$T/arc/zone" --json < "$T/$1.rx" > "$T/$1.arc" ||
	    fail "$1: authmilter arc"
	$PY -c 'import json, sys
a = json.load(open(sys.argv[1]))
assert (a["result"], a["sets"], a["sealers"]) == ("pass", 2, ["list.example", "mx.test"]), a' \
	    "$T/$1.arc" || fail "$1: authmilter arc: $(cat "$T/$1.arc")"
	$PY "$SRC/tests/lib/arc_verify.py" "$T/arc/zone" "$T/$1.rx" > "$T/$1.dkimpy" ||
	    fail "$1: dkimpy arc_verify: $(cat "$T/$1.dkimpy")"
}
r=$(arcsend arcpass)
case $r in 250*) ;; *) fail "arcpass (trusted sealer): $r" ;; esac
f=$(delivered arcpass) || fail "arcpass: not delivered"
arcchain arcpass "$f" seal
grep -q 'arc_seal="sealed i=2 cv=pass"' "$T/am3.log" || fail "am3: no arc_seal= log field"
r=$(arcsend arcpass_untrusted)
echo "arcpass_untrusted: $r"
case $r in "550 5.7.1"*orig.example*) ;; *) fail "untrusted sealer: want 550 5.7.1, got: $r" ;; esac
echo "ARC: trusted sealer delivered (trusted_forwarder), sealed i=2 cv=pass on top, validated by authmilter arc and dkimpy; untrusted: 550 5.7.1"
# SIGHUP with a new arc_seal key: the next message is sealed with it
openssl genrsa -out "$T/arc/seal2.pem" 2048 2>/dev/null || fail "openssl genrsa"
chmod 600 "$T/arc/seal2.pem"
_pub3=$(openssl rsa -in "$T/arc/seal2.pem" -pubout 2>/dev/null | grep -v '^-----' | tr -d '\n')
echo "seal2._domainkey.mx.test. TXT $(echo "v=DKIM1; k=rsa; p=$_pub3" |
    fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')" >> "$T/arc/zone"
sed -i "s|^arc_seal = .*|arc_seal = mx.test seal2 $T/arc/seal2.pem|" "$T/am3.conf"
kill -HUP "$AM3"
for i in $(seq 1 50); do grep -q "configuration reloaded" "$T/am3.log" && break; sleep 0.1; done
grep -q "configuration reloaded" "$T/am3.log" || fail "am3: no reload"
r=$(arcsend archup)
case $r in 250*) ;; *) fail "archup (after SIGHUP): $r" ;; esac
f=$(delivered archup) || fail "archup: not delivered"
arcchain archup "$f" seal2
echo "ARC: after SIGHUP the new arc_seal key (s=seal2) seals, validated"

# --- 8. logs: one line per message with Postfix's queue id --------------------
qid=$(qid good)
[ -n "$qid" ] || fail "no queue id for 'good' in Postfix's log"
grep -q "info: $qid: qid=$qid .* dmarc=pass" "$T/am1.log" ||
    { grep "$qid" "$T/am1.log"; fail "no authmilter log line carrying queue id $qid"; }
echo "logs: authmilter's line for 'good' carries queue id $qid"
echo "PASS: e2e_postfix"
