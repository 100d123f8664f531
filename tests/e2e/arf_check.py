#!/usr/bin/python3
# tests/e2e/arf_check.py - checks one DMARC failure report (RFC 9991) as
# delivered (an smtp-sink file): parsed with Python's email package (not
# our code), it is a multipart/report; report-type=feedback-report whose
# parts are text/plain, message/feedback-report and text/rfc822-headers
# (RFC 5965 2), with the RFC 5965 3.1 required fields and the RFC 6591
# auth-failure ones; the original's body is not there. With DKIM-DOMAIN
# (a report of a DKIM failure), DKIM-Domain, DKIM-Identity and
# DKIM-Selector are those given (RFC 6591 3.1); without, none is there.
# usage: arf_check.py FILE DOMAIN SOURCE-IP DELIVERY BODY-TEXT MAIL-FROM MTA
#            [DKIM-DOMAIN DKIM-IDENTITY DKIM-SELECTOR]
# prints the feedback fields; exit 1 with the reason on a mismatch.
import email
import email.policy
import sys

path, domain, ip, delivery, body_text, mail_from, reporting_mta = sys.argv[1:8]
dkim = sys.argv[8:11]
raw = open(path, "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.compat32)


def die(why):
    print("arf_check: " + why)
    sys.exit(1)


if msg.get_content_type() != "multipart/report":
    die("not multipart/report: " + msg.get_content_type())
if msg.get_param("report-type") != "feedback-report":
    die("report-type is %r" % msg.get_param("report-type"))
parts = msg.get_payload()
types = [p.get_content_type() for p in parts]
if types != ["text/plain", "message/feedback-report", "text/rfc822-headers"]:
    die("parts: %r" % types)
fb = parts[1].get_payload()
if isinstance(fb, list):  # the email package reads it as a message
    fb = fb[0].as_string()
fields = {}
for line in fb.replace("\r\n", "\n").split("\n"):
    if ":" in line and not line[0].isspace():
        k, v = line.split(":", 1)
        fields.setdefault(k.strip().lower(), []).append(v.strip())
want = {
    "feedback-type": "auth-failure",
    "version": "1",
    "auth-failure": "dmarc",
    "reported-domain": domain,
    "source-ip": ip,
    "delivery-result": delivery,
    "identity-alignment": "none",
    "original-mail-from": "<%s>" % mail_from,
    "reporting-mta": "dns; " + reporting_mta,
}
for k, v in want.items():
    if fields.get(k) != [v]:
        die("%s: %r, want [%r]" % (k, fields.get(k), v))
for k, v in zip(("dkim-domain", "dkim-identity", "dkim-selector"),
                dkim or (None, None, None)):
    if fields.get(k) != ([v] if v is not None else None):
        die("%s: %r, want %r" % (k, fields.get(k), v))
for k in ("user-agent", "authentication-results", "arrival-date"):
    if len(fields.get(k, [])) != 1:
        die("%s: %r, want one" % (k, fields.get(k)))
if "dmarc=fail" not in fields["authentication-results"][0]:
    die("authentication-results: no dmarc=fail: %r"
        % fields["authentication-results"])
ar = fields["authentication-results"][0]
if "?" in ar or "  " in ar:  # a fold or a control left in it
    die("authentication-results not unfolded: %r" % ar)
orig = parts[2].get_payload()
if "From: " + "" not in orig or "From:  " in orig:
    die("the original header fields not as sent: %r" % orig[:200])
if "Message-ID:" not in orig or "From:" not in orig:
    die("the original header fields are missing: %r" % orig[:200])
if body_text.encode() in raw:
    die("the original body is in the report")
for k in sorted(fields):
    print("%s: %s" % (k, fields[k][0]))
