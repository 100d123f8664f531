# tests/lib/reports.sh - helpers of the report script tests (tests/report/
# reports.sh, report_hostile.sh). Sourced, not run (tests/lib/ is not
# searched for tests). The caller sets AUTHMILTER, T (its temp dir), DB
# (the history store), ZONE (the zone file) and XSD (the folder of the
# report XSDs).
#
#   report_record IP HELO MAIL-FROM RCPT FROM-DOMAIN NOW
#       counts one message in $n (from 0) and sends it through `authmilter
#       check --record` into $DB at time NOW (From: a@FROM-DOMAIN, To:
#       b@dest.example, Subject tN, Message-ID <N@t>; DNS from $ZONE, no
#       trust anchor); returns check's exit status.
#
#   report_xsd FORMAT
#       prints the XSD a report of FORMAT (xml: RFC 9990, xml7489: RFC 7489
#       corrected) validates against, in $XSD.
#
#   report_fake_sendmail
#       writes $T/sendmail, a sendmail that keeps each message in
#       $T/mail/N.eml and its argv, one word a line, in $T/mail/N.argv (N
#       from 0), and exits 75 without reading while $T/FAIL exists; makes
#       $T/mail.

n=0
report_record() {
	n=$((n + 1))
	printf 'From: a@%s\r\nTo: b@dest.example\r\nSubject: t%s\r\nMessage-ID: <%s@t>\r\n\r\nbody\r\n' \
	    "$5" "$n" "$n" | "$AUTHMILTER" check -c /dev/null --dns-zone "$ZONE" \
	    --dns-trust-anchor "" --ip "$1" --helo "$2" --mail-from "$3" \
	    --rcpt "$4" --history "$DB" --record --now "$6" >/dev/null
}

report_xsd() {
	if [ "$1" = xml7489 ]; then
		echo "$XSD/rfc7489-dmarc-corrected.xsd"
	else
		echo "$XSD/rfc9990-dmarc.xsd"
	fi
}

report_fake_sendmail() {
	cat >"$T/sendmail" <<FAKEEOF
#!/bin/sh
[ -e "$T/FAIL" ] && exit 75
n=\$(ls "$T/mail" | grep -c eml)
printf '%s\n' "\$@" >"$T/mail/\$n.argv"
cat >"$T/mail/\$n.eml"
FAKEEOF
	chmod +x "$T/sendmail"
	mkdir "$T/mail"
}
