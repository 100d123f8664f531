#!/usr/bin/python3
# tests/message/dns_faults_gen.py - the data of tests/message/dns_faults.sh.
#
#   dns_faults_gen.py DIR
#
# Reads DIR/sel.private and DIR/sel.txt (opendkim-genkey -s sel) and writes:
#   DIR/data.json          records and faults for dns_faults_server.py
#   DIR/bogus.example.zone the zone nsd serves signed (then tampered)
#   DIR/msg/DOMAIN.eml     one message from alice@DOMAIN per domain, one
#                          header field a line (signatures unfolded: the
#                          relaxed header canonicalization ignores folding)
# Domains (see dns_faults.sh): okN.example (N < OK_DOMAINS), KIND-FAULT
# for KIND spf / dkim / dmarc and every fault, spf-die, down, backN (N < BACK_DOMAINS), bogus.
# The fault of KIND-FAULT sits on the SPF record (spf: the message is not
# signed), the DKIM key (dkim: SPF is "?all") or the DMARC record (dmarc).
# big and max are no fault: that record is padded to 8 KB or 60 KB with
# content its grammar ignores or that evaluates the same.
import json
import os
import re
import sys

import dkim

OK_DOMAINS = 60
BACK_DOMAINS = 80
TEMP_FAULTS = ["timeout", "servfail", "refused", "tc-closed", "malformed", "flood"]
PASS_FAULTS = ["tc-tcp", "big", "max"]
SIZES = {"big": 8 * 1024, "max": 60 * 1024}
SPF = "v=spf1 ip4:192.0.2.0/24 -all"
DMARC = "v=DMARC1; p=none"

d = sys.argv[1]
key_priv = open(os.path.join(d, "sel.private"), "rb").read()
key_txt = "".join(re.findall(r'"([^"]*)"', open(os.path.join(d, "sel.txt")).read()))
key_p = re.search(r"p=([A-Za-z0-9+/=]+)", key_txt).group(1)
DKIM = "v=DKIM1; k=rsa; p=" + key_p


def padded(kind, size):
    if kind == "spf":
        mechs, i = [], 0
        while len(" ".join(mechs)) < size - 40:
            mechs.append("ip4:198.51.%d.%d" % (i // 256 % 256, i % 256))
            i += 1
        return "v=spf1 " + " ".join(mechs) + " ip4:192.0.2.0/24 -all"
    if kind == "dkim":  # n= notes (RFC 6376 3.6.1): ignored by verifiers
        return "v=DKIM1; k=rsa; n=" + "x" * (size - len(DKIM)) + "; p=" + key_p
    # an unknown DMARC tag: ignored (RFC 9989 4.7)
    return DMARC + "; pad=" + "x" * (size - len(DMARC))


txt, faults, signed = {}, {}, {}


def domain(name, spf=SPF, sign=True):
    txt[name] = [spf]
    txt["sel._domainkey." + name] = [DKIM]
    txt["_dmarc." + name] = [DMARC]
    signed[name] = sign


for i in range(OK_DOMAINS):
    domain("ok%d.example" % i)
for f in TEMP_FAULTS + PASS_FAULTS:
    at = {"spf": "spf-%s.example" % f,
          "dkim": "sel._domainkey.dkim-%s.example" % f,
          "dmarc": "_dmarc.dmarc-%s.example" % f}
    domain("spf-%s.example" % f, sign=False)
    domain("dkim-%s.example" % f, spf="v=spf1 ?all")
    domain("dmarc-%s.example" % f)
    for kind, name in at.items():
        if f in SIZES:
            txt[name] = [padded(kind, SIZES[f])]
        else:
            faults[name] = f
domain("spf-die.example", sign=False)
faults["spf-die.example"] = "die"
domain("down.example")
for i in range(BACK_DOMAINS):
    domain("back%d.example" % i)
signed["bogus.example"] = True  # served by nsd

json.dump({"txt": txt, "faults": faults}, open(os.path.join(d, "data.json"), "w"))


def quoted(s):
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))


with open(os.path.join(d, "bogus.example.zone"), "w") as z:
    z.write("$ORIGIN bogus.example.\n$TTL 300\n"
            "@ IN SOA ns.bogus.example. hostmaster.bogus.example. 1 3600 600 86400 300\n"
            "@ IN NS ns.bogus.example.\nns IN A 127.0.0.1\n"
            "@ IN TXT %s\nsel._domainkey IN TXT %s\n"
            '_dmarc IN TXT "v=DMARC1; p=reject"\n' % (quoted(SPF), quoted(DKIM)))

os.makedirs(os.path.join(d, "msg"), exist_ok=True)
for name, sign in signed.items():
    m = ("From: Alice <alice@%s>\r\nTo: bob@example.org\r\n"
         "Subject: DNS fault %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
         "Message-ID: <%s@faults.test>\r\n\r\nHello.\r\n" % (name, name, name)).encode()
    if sign:
        sig = dkim.sign(m, b"sel", name.encode(), key_priv,
                        include_headers=[b"from", b"to", b"subject", b"date"])
        sig = re.sub(rb"\r\n(?=[ \t])", b"", sig)
        m = sig + m
    open(os.path.join(d, "msg", name + ".eml"), "wb").write(m)
