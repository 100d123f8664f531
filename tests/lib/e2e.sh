# tests/lib/e2e.sh - the fixture and the messages of the end-to-end tests
# behind a real MTA (tests/e2e/e2e_postfix.sh,
# tests/lib/sendmail_run.sh), and the private Postfix instance they and
# contrib/milterbench/postfix.sh run. Sourced, not run; uses $T (the
# test's temp dir), $PY, $ASID (authmilter's authserv-id) and the caller's
# fail().
#
#   e2e_postfix_conf SMTP_PORT SINK_PORT HOSTNAME RELAY_DOMAINS MILTERS
#       [MAIN-CF-LINES]
#       writes $T/etc/main.cf and $T/etc/master.cf of a private Postfix
#       (postfix -c $T/etc): its own queue ($T/queue) and data ($T/data,
#       owned by postfix) directories, no chroot, log $T/postfix.log,
#       smtpd on 127.0.0.1:SMTP_PORT taking XCLIENT from 127.0.0.0/8,
#       relaying RELAY_DOMAINS (everything it relays goes to Postfix's
#       smtp-sink on 127.0.0.1:SINK_PORT), smtpd_milters MILTERS picked
#       per client by smtpd_milter_maps cidr:$T/milter_maps (the caller
#       writes it), milter protocol 6, tempfail when a milter fails;
#       MAIN-CF-LINES (newline-separated) are added to main.cf.
#
#   e2e_zone
#       a 2048-bit RSA key in $T/dkim.pem and the zone file $T/zone:
#       example.com and mail.example.com with SPF ip4:192.0.2.0/24 -all,
#       the key as sel._domainkey.example.com, _dmarc.example.com p=reject,
#       mail.example.com A 192.0.2.10.
#
#   e2e_gw_rcvd IP
#       prints the Received field a gateway (gw.example.net) writes for
#       mail from mail.example.com at IP, for a message's extra lines.
#
#   msg NAME FROM [EXTRA-HEADER-LINES]
#       writes $T/NAME.eml, From FROM to bob@example.net, with a unique
#       Message-ID <NAME.N@e2e.test> (N counts the messages).
#
#   big_body NAME MB
#       appends MB MiB of 66-byte lines to $T/NAME.eml.
#
#   e2e_want_pass NAME AR
#       fails ("NAME: no 'WANT' in: AR") unless the Authentication-Results
#       field AR says spf=pass for smtp.mailfrom=example.com, dkim=pass for
#       header.d=example.com and dmarc=pass for header.from=example.com.
#
#   e2e_forged_msg
#       msg forgedar from carol@mail.example.com, carrying two forged
#       Authentication-Results fields with our authserv-id (one folded)
#       and one of other.example.
#
#   e2e_forged_check HEADERS FIRST
#       the delivered header block HEADERS of that message holds exactly
#       one field with our authserv-id, other.example's is kept, and FIRST
#       (its first field after the MTA's own) is ours with spf=pass;
#       prints "forgedar: forged removed, other.example kept".

e2e_zone() {
	openssl genrsa -out "$T/dkim.pem" 2048 2>/dev/null || fail "openssl genrsa"
	_pub=$(openssl rsa -in "$T/dkim.pem" -pubout 2>/dev/null |
	    grep -v '^-----' | tr -d '\n')
	[ -n "$_pub" ] || fail "no DKIM public key"
	_pubq=$(echo "v=DKIM1; k=rsa; p=$_pub" | fold -w 200 |
	    sed 's/.*/"&"/' | tr '\n' ' ')
	cat > "$T/zone" <<EOF
\$TTL 300
example.com.                 TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.example.com.          TXT "v=DMARC1; p=reject"
sel._domainkey.example.com.  TXT $_pubq
mail.example.com.            TXT "v=spf1 ip4:192.0.2.0/24 -all"
mail.example.com.            A   192.0.2.10
10.2.0.192.in-addr.arpa.     PTR mail.example.com.
EOF
}

e2e_postfix_conf() {
	cat > "$T/etc/main.cf" <<EOF
compatibility_level = 3.6
config_directory = $T/etc
queue_directory = $T/queue
data_directory = $T/data
mail_owner = postfix
setgid_group = postdrop
myhostname = $3
mydestination =
inet_interfaces = loopback-only
inet_protocols = all
maillog_file = $T/postfix.log
maillog_file_prefixes = $T
relay_domains = $4
default_transport = smtp:[127.0.0.1]:$2
relay_transport = smtp:[127.0.0.1]:$2
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_authorized_xclient_hosts = 127.0.0.0/8
mynetworks = 127.0.0.0/8
smtpd_milters = $5
smtpd_milter_maps = cidr:$T/milter_maps
milter_protocol = 6
milter_default_action = tempfail
smtp_tls_security_level = none
smtpd_tls_security_level = none
alias_maps =
alias_database =
biff = no
EOF
	[ -z "${6:-}" ] || printf '%s\n' "$6" >> "$T/etc/main.cf"
	cat > "$T/etc/master.cf" <<EOF
127.0.0.1:$1 inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

e2e_gw_rcvd() {
	printf 'Received: from mail.example.com (mail.example.com [%s])\n\tby gw.example.net (Postfix) with ESMTP id GW%s;\n\tMon, 06 Jan 2025 10:00:00 +0000' "$1" "$N"
}

N=0
msg() {
	N=$((N + 1))
	{
		printf 'From: %s\n' "$2"
		printf 'To: bob@example.net\n'
		printf 'Subject: e2e %s\n' "$1"
		printf 'Date: Mon, 06 Jan 2025 10:00:00 +0000\n'
		printf 'Message-ID: <%s.%s@e2e.test>\n' "$1" "$N"
		[ -n "${3:-}" ] && printf '%s\n' "$3"
		printf '\nHello from the end-to-end test (%s).\n' "$1"
	} > "$T/$1.eml"
}

big_body() {
	$PY -c 'import sys
line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,-+\n"
with open(sys.argv[1], "ab") as f:
    n = 0
    while n < int(sys.argv[2]) * 1024 * 1024:
        f.write(line)
        n += len(line)' "$T/$1.eml" "$2"
}

e2e_want_pass() {
	for _want in "spf=pass" "smtp.mailfrom=example.com" "dkim=pass" \
	    "header.d=example.com" "dmarc=pass" "header.from=example.com"; do
		case $2 in *"$_want"*) ;; *) fail "$1: no '$_want' in: $2" ;; esac
	done
}

e2e_forged_msg() {
	msg forgedar carol@mail.example.com "Authentication-Results: $ASID; dkim=pass header.d=example.com
Authentication-Results: other.example; spf=pass smtp.mailfrom=x@other.example
Authentication-Results: $ASID;
	dmarc=pass header.from=example.com"
}

e2e_forged_check() {
	_n=$(echo "$1" | grep -c "^Authentication-Results: $ASID;")
	[ "$_n" = 1 ] || { echo "$1"; fail "forgedar: $_n AR fields with our authserv-id, want 1 (ours)"; }
	echo "$1" | grep -q "^Authentication-Results: other.example; spf=pass" ||
	    fail "forgedar: the other AR field was removed"
	case $2 in "Authentication-Results: $ASID;"*spf=pass*) ;;
		*) fail "forgedar: ours is not first: $2" ;; esac
	echo "forgedar: forged removed, other.example kept"
}
