#!/usr/bin/python3
"""tests/e2e/smtp_send.py - send one message over real SMTP, for the
end-to-end tests (tests/e2e/e2e_postfix.sh, e2e_sendmail.sh).

    smtp_send.py --port P --ip ADDR --helo NAME --from ADDR --to ADDR
                 [--login USER] [--sign DOMAIN:SELECTOR:KEYFILE]
                 [--source] FILE

Connects to 127.0.0.1:P, uses XCLIENT to present the connection as coming
from ADDR with HELO NAME (and, with --login, as SMTP-authenticated USER),
optionally DKIM-signs FILE (Debian's python3-dkim), sends it, and prints
one line: "CODE TEXT" of the server's final answer (250 when queued, the
4xx/5xx reply otherwise). With --source (an MTA without XCLIENT, such as
Sendmail), the connection really comes from ADDR (a local address the
caller set up) and HELO NAME is said directly. Exit 0 whenever the dialogue completed (the
caller judges the code); 1 on a connection or protocol failure.
"""
import argparse
import smtplib
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ip", required=True)
    ap.add_argument("--helo", required=True)
    ap.add_argument("--from", dest="mfrom", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--login")
    ap.add_argument("--sign")
    ap.add_argument("--source", action="store_true")
    ap.add_argument("file")
    a = ap.parse_args()

    with open(a.file, "rb") as f:
        data = f.read()
    data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if a.sign:
        import dkim
        domain, selector, keyfile = a.sign.split(":", 2)
        with open(keyfile, "rb") as f:
            key = f.read()
        sig = dkim.sign(data, selector.encode(), domain.encode(), key,
                        include_headers=[b"from", b"to", b"subject",
                                         b"date", b"message-id"])
        data = sig.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n") + data

    ip = a.ip
    if ":" in ip:
        ip = "IPV6:" + ip
    if a.source:
        s = smtplib.SMTP("127.0.0.1", a.port, timeout=120,
                         source_address=(a.ip, 0))
    else:
        s = smtplib.SMTP("127.0.0.1", a.port, timeout=120)
    try:
        if not a.source:
            s.ehlo("client.test")
            args = "ADDR=%s NAME=[UNAVAILABLE] HELO=%s" % (ip, a.helo)
            if a.login:
                args += " LOGIN=%s" % a.login
            code, msg = s.docmd("XCLIENT", args)
            if code != 220:
                print("%d %s" % (code, msg.decode(errors="replace")))
                return 1
        s.ehlo(a.helo)
        try:
            s.sendmail(a.mfrom, [a.to], data)
            code, msg = 250, b"queued"
        except smtplib.SMTPDataError as e:
            code, msg = e.smtp_code, e.smtp_error
        except smtplib.SMTPRecipientsRefused as e:
            code, msg = list(e.recipients.values())[0]
        except smtplib.SMTPSenderRefused as e:
            code, msg = e.smtp_code, e.smtp_error
        print("%d %s" % (code, msg.decode(errors="replace")))
        try:
            s.quit()
        except smtplib.SMTPException:
            pass
    except (OSError, smtplib.SMTPException) as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
