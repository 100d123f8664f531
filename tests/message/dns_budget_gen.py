#!/usr/bin/python3
# tests/message/dns_budget_gen.py - the data of tests/message/dns_budget.sh.
#
#   dns_budget_gen.py DIR
#
# Reads DIR/sel.private and DIR/sel.txt (opendkim-genkey -s sel) and writes:
#   DIR/data.json     records and delays for dns_faults_server.py: every
#                     name under slow.example is answered after 1 s (keys
#                     after 2.5 s), all well within a 4 s dns_timeout
#   DIR/budget.zone   a zone file (--dns-zone) with many distinct lookups
#   DIR/msg/NAME.eml  the messages (one header field a line)
#
# slow.eml: From and MAIL FROM alice@slow.example, HELO hello.slow.example.
#   Both SPF records are chains of 9 includes (10 lookups each, 1 s each),
#   the message has one DKIM signature (key at sel._domainkey.slow.example)
#   and _dmarc.slow.example says p=reject. Each lookup alone is fast enough;
#   the old per-identity deadlines let one message take about 20 s.
# np.eml: From x@ghost.np.example (no such name) and _dmarc.np.example
#   says p=none np=reject; MAIL FROM and HELO are under black.example,
#   whose answers come after 6 s, past any deadline of the test: SPF holds
#   the end of message until the deadline, and only then does DMARC ask
#   whether ghost.np.example exists.
# many.eml: From alice@budget.example, MAIL FROM alice@mf.budget.example,
#   HELO helo.budget.example. Each SPF record has 9 "mx" terms of 10 hosts
#   each (100 lookups per identity, within RFC 7208 4.6.4), the message 8
#   DKIM signatures of keys.example with distinct selectors s1..s8 (valid,
#   not aligned), _dmarc.budget.example says p=reject.
# forged.eml: From ceo@victim.example (p=reject) with an envelope as
#   expensive (MAIL FROM alice@mf.forge.example, HELO helo.forge.example),
#   7 of many.eml's signatures and an 8th claiming d=victim.example (no
#   key published: permerror).
# many1.eml, forged1.eml: the same with one signature of keys.example
#   (for miltertest, which overflows on very long headers).
# multi.eml: From x@a0.example (p=none, the message signed by a0.example:
#   DMARC passes for it), six authors of 8 labels that do not exist (8
#   lookups each to walk), then ceo@victim.example (p=reject), last.
import json
import os
import re
import sys

import dkim

HOSTS = 10        # addresses per MX set (RFC 7208 4.6.4 allows 10)
MX_TERMS = 9      # mx terms per record (10 DNS terms allowed)
CHAIN = 9         # includes in a chain
SELECTORS = 8     # DKIM signatures of many.eml (dkim_max_signatures)

d = sys.argv[1]
key_priv = open(os.path.join(d, "sel.private"), "rb").read()
key_txt = "".join(re.findall(r'"([^"]*)"', open(os.path.join(d, "sel.txt")).read()))
key_p = re.search(r"p=([A-Za-z0-9+/=]+)", key_txt).group(1)
DKIM = "v=DKIM1; k=rsa; p=" + key_p


def quoted(s):
    return " ".join('"%s"' % s[i:i + 250] for i in range(0, len(s), 250))


def message(frm, subject, sigs):
    m = ("From: %s\r\nTo: bob@example.org\r\nSubject: %s\r\n"
         "Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
         "Message-ID: <%s@budget.test>\r\n\r\nHello.\r\n" %
         (frm, subject, subject.replace(" ", "-"))).encode()
    out = b""
    for dom, sel in sigs:
        sig = dkim.sign(m, sel.encode(), dom.encode(), key_priv,
                        include_headers=[b"from", b"to", b"subject", b"date"])
        out += re.sub(rb"\r\n(?=[ \t])", b"", sig)
    return out + m


# --- the slow server ---------------------------------------------------------
txt = {}


def chain(top, prefix):
    names = [top] + ["%s%d.slow.example" % (prefix, i) for i in range(1, CHAIN + 1)]
    for a, b in zip(names, names[1:]):
        txt[a] = ["v=spf1 include:%s -all" % b]
    txt[names[-1]] = ["v=spf1 ip4:192.0.2.0/24 -all"]


chain("slow.example", "i")
chain("hello.slow.example", "h")
txt["sel._domainkey.slow.example"] = [DKIM]
txt["_dmarc.slow.example"] = ["v=DMARC1; p=reject"]
txt["_dmarc.np.example"] = ["v=DMARC1; p=none; np=reject"]
json.dump({"txt": txt, "faults": {},
           "delays": {"slow.example": 1000, "_domainkey.slow.example": 2500,
                      "black.example": 6000}},
          open(os.path.join(d, "data.json"), "w"))

# --- the zone of many lookups ----------------------------------------------
z = ["$TTL 300"]


def expensive(name, prefix, parent="budget.example"):
    terms = []
    for t in range(1, MX_TERMS + 1):
        mx = "%s%d.%s" % (prefix, t, parent)
        terms.append("mx:" + mx)
        for h in range(HOSTS):
            host = "h%d.%s" % (h, mx)
            z.append("%s. MX 10 %s." % (mx, host))
            z.append("%s. A 198.51.100.%d" % (host, t * 10 + h))
    z.append('%s. TXT "v=spf1 %s -all"' % (name, " ".join(terms)))


expensive("mf.budget.example", "m")
expensive("helo.budget.example", "n")
# the same for the forgeries, apart so that a daemon's cache of one
# message's answers does not serve the other's
expensive("mf.forge.example", "m", "forge.example")
expensive("helo.forge.example", "n", "forge.example")
for s in range(1, SELECTORS + 1):
    z.append("s%d._domainkey.keys.example. TXT %s" % (s, quoted(DKIM)))
z.append('_dmarc.budget.example. TXT "v=DMARC1; p=reject"')
z.append('_dmarc.victim.example. TXT "v=DMARC1; p=reject"')
z.append('victim.example. A 192.0.2.99')
z.append('_dmarc.a0.example. TXT "v=DMARC1; p=none"')
z.append("sel._domainkey.a0.example. TXT %s" % quoted(DKIM))
open(os.path.join(d, "budget.zone"), "w").write("\n".join(z) + "\n")

# --- the messages -------------------------------------------------------------
os.makedirs(os.path.join(d, "msg"), exist_ok=True)
open(os.path.join(d, "msg", "slow.eml"), "wb").write(
    message("Alice <alice@slow.example>", "slow", [("slow.example", "sel")]))
open(os.path.join(d, "msg", "np.eml"), "wb").write(
    message("X <x@ghost.np.example>", "np", []))
open(os.path.join(d, "msg", "multi.eml"), "wb").write(
    message(", ".join(["x@a0.example"] +
                      ["x@l1.l2.l3.l4.l5.l6.d%d.t%d" % (i, i) for i in range(6)] +
                      ["ceo@victim.example"]), "multi", [("a0.example", "sel")]))
keys = [("keys.example", "s%d" % s) for s in range(1, SELECTORS + 1)]
open(os.path.join(d, "msg", "many.eml"), "wb").write(
    message("Alice <alice@budget.example>", "many lookups", keys))
# one signature: for miltertest, which overflows on very long headers
open(os.path.join(d, "msg", "many1.eml"), "wb").write(
    message("Alice <alice@budget.example>", "many lookups 1", keys[:1]))


def forgery(name, nsigs):
    forged = message("CEO <ceo@victim.example>", name, keys[:nsigs])
    # one more signature claims the victim's domain; no key exists for it
    first = forged.split(b"\r\n", 1)[0]
    fake = first.replace(b"d=keys.example", b"d=victim.example").replace(
        b"i=@keys.example", b"i=@victim.example").replace(b"s=s1;", b"s=fake;")
    assert fake != first
    open(os.path.join(d, "msg", name + ".eml"), "wb").write(
        fake + b"\r\n" + forged)


forgery("forged", SELECTORS - 1)
forgery("forged1", 1)
