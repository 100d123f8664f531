#!/usr/bin/python3
# tests/lib/arc_fixtures.py OUTDIR [T [NAME...]] - the ARC fixtures of
# tests/message/arc_forward.sh, arc_seal_wire.sh and the Postfix e2e test,
# made at test time with dkimpy (dkim.sign, dkim.arc_sign) and fresh RSA
# keys: a zone (the verdict zone plus the keys and policies below) and the
# messages a mailing list delivers.
#
# orig.example (p=reject) signs a message; the list adds a footer (DKIM
# breaks) and sends it from its own address and IP (SPF is list.example's:
# not aligned), after writing "dmarc=pass header.from=orig.example" in its
# Authentication-Results and sealing (ARC set i=1) with its key:
#   trusted.eml     sealed by list.example
#   untrusted.eml   sealed by other.example (the same, another sealer)
#   forged_aar.eml  list.example's seal, its AAR edited afterwards
#                   (dmarc=fail -> dmarc=pass): the seal does not verify
#   forged_key.eml  d=list.example sealed with a key not in its DNS
#   aar_fail.eml    list.example's own AAR says dmarc=fail
#   aar_other.eml   list.example's AAR says spf, dkim and dmarc=pass, all
#                   for another domain
#   aar_aligned.eml list.example's AAR has no dmarc, but dkim=pass
#                   header.d=orig.example (aligned)
#   two_sets.eml    list.example (i=1) then other.example (i=2), which
#                   edits the Subject after list.example sealed (AMS i=1
#                   no longer verifies: oldest-pass is 2)
#   plain.eml       the same message without ARC
# and seal.pem, the key of our own sealer (arc_seal = mx.test seal
# OUTDIR/seal.pem; its record seal._domainkey.mx.test in the zone).
import os
import subprocess
import sys

import dkim

out = sys.argv[1]
# the seals' t= (default 1800000000: the tests' --now is a little later;
# a daemon, which has no --now, passes a time just past)
T = int(sys.argv[2]) if len(sys.argv) > 2 else 1800000000


def key(name):
    path = os.path.join(out, name + ".pem")
    subprocess.run(["openssl", "genrsa", "-out", path, "2048"], check=True,
                   stderr=subprocess.DEVNULL)
    der = subprocess.run(["openssl", "rsa", "-in", path, "-pubout", "-outform",
                          "DER"], check=True, capture_output=True).stdout
    import base64
    return open(path, "rb").read(), base64.b64encode(der).decode()


def txt(p64):
    # character-strings of at most 255 octets
    s = "v=DKIM1; k=rsa; p=" + p64
    return " ".join('"%s"' % s[i:i + 200] for i in range(0, len(s), 200))


korig, porig = key("orig")
klist, plist = key("list")
kother, pother = key("other")
krogue, _ = key("rogue")
_, pseal = key("seal")

zone = open("tests/fixtures/verdict/verdict.zone").read()
zone += """
orig.example.             TXT "v=spf1 ip4:192.0.2.50 -all"
_dmarc.orig.example.      TXT "v=DMARC1; p=reject"
s1._domainkey.orig.example. TXT %s
list.example.             TXT "v=spf1 ip4:198.51.100.7 -all"
arc._domainkey.list.example. TXT %s
other.example.            TXT "v=spf1 ip4:198.51.100.7 -all"
arc._domainkey.other.example. TXT %s
seal._domainkey.mx.test.  TXT %s
""" % (txt(porig), txt(plist), txt(pother), txt(pseal))
open(os.path.join(out, "zone"), "w").write(zone)



def listed_msg(msgid):
    """orig.example's signed message as the list sends it (footer added)"""
    orig = (b"From: Alice <alice@orig.example>\r\n"
            b"To: list@list.example\r\n"
            b"Subject: hello list\r\n"
            b"Message-ID: <" + msgid + b">\r\n"
            b"Date: Fri, 15 Jan 2027 08:00:00 +0000\r\n"
            b"\r\n"
            b"Hello everyone.\r\n")
    sig = dkim.sign(orig, b"s1", b"orig.example", korig,
                    include_headers=[b"from", b"to", b"subject",
                                     b"message-id", b"date"])
    # the list: its footer, its checks of what it received
    footer = (b"-- \r\nlist@list.example: unsubscribe at "
              b"https://list.example/\r\n")
    return sig + orig + footer


listed = listed_msg(b"1@orig.example")


def ar(srv, results):
    return ("Authentication-Results: %s; %s\r\n" % (srv, results)).encode()


GOOD = ("spf=pass smtp.mailfrom=orig.example; dkim=pass header.d=orig.example"
        "; dmarc=pass header.from=orig.example")


def seal(msg, domain, k, results):
    m = ar(domain, results) + msg
    hdrs = dkim.arc_sign(m, b"arc", domain.encode(), k, domain.encode(),
                         timestamp=T,
                         include_headers=[b"from", b"to", b"subject",
                                          b"message-id", b"date"])
    assert len(hdrs) == 3, hdrs
    return b"".join(hdrs) + msg


def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


write("plain.eml", listed)
write("trusted.eml", seal(listed, "list.example", klist, GOOD))
write("untrusted.eml", seal(listed, "other.example", kother, GOOD))
bad = seal(listed, "list.example", klist, GOOD.replace("dmarc=pass",
                                                        "dmarc=fail"))
assert b"dmarc=fail" in bad
write("forged_aar.eml", bad.replace(b"dmarc=fail", b"dmarc=pass", 1))
write("forged_key.eml", seal(listed, "list.example", krogue, GOOD))
write("aar_fail.eml", bad)
write("aar_other.eml", seal(listed, "list.example", klist,
                            GOOD.replace("orig.example", "evil.example")))
write("aar_aligned.eml", seal(listed, "list.example", klist,
                              "spf=fail smtp.mailfrom=x.example; "
                              "dkim=pass header.d=orig.example"))
one = seal(listed, "list.example", klist, GOOD)
# a later hop rewrites the Subject, then seals (i=2): the AMS of i=1 breaks
two = one.replace(b"Subject: hello list", b"Subject: [other] hello list")
write("two_sets.eml", seal(two, "other.example", kother,
                           "arc=pass; dmarc=fail header.from=orig.example"))
# NAME... after T: NAME.eml and NAME_untrusted.eml, trusted.eml and
# untrusted.eml with the Message-ID <NAME.1@e2e.test> (one per message
# the end-to-end tests follow through Postfix's log)
for name in sys.argv[3:]:
    m = listed_msg(("%s.1@e2e.test" % name).encode())
    write(name + ".eml", seal(m, "list.example", klist, GOOD))
    write(name + "_untrusted.eml", seal(m, "other.example", kother, GOOD))
