#!/usr/bin/python3
"""tests/fuzz/gen_milter_corpus.py - writes the zone and the seed dialogues
of tests/fuzz/fuzz_milter.c.

    /usr/bin/python3 tests/fuzz/gen_milter_corpus.py

Makes a fresh RSA-2048 and Ed25519 DKIM key pair, publishes the public
halves in tests/fixtures/fuzz/milter.zone (with SPF and DMARC records for
a few domains), signs the seed messages with the private halves
(python3-dkim; Ed25519 needs python3-nacl) and throws the private halves
away. Then writes the seeds, named seed-*, into tests/fuzz/corpus/
fuzz_milter/ in the target's input format (see fuzz_milter.c), replacing
the old seeds (files the fuzzer added, not named seed-*, are kept: they
stay valid only as long as the zone's keys do not matter to them). Run it
again only when the format or the zone changes: the keys change with it.
"""
import base64
import os
import struct
import sys
import zlib

import dkim
from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ZONE = os.path.join(ROOT, "tests/fixtures/fuzz/milter.zone")
CORPUS = os.path.join(ROOT, "tests/fuzz/corpus/fuzz_milter")

# ---- keys ----
rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rsa_pem = rsa_key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL,
                                ser.NoEncryption())
rsa_pub = base64.b64encode(rsa_key.public_key().public_bytes(
    ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)).decode()
ed_key = ed25519.Ed25519PrivateKey.generate()
ed_seed = base64.b64encode(ed_key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw,
                                                ser.NoEncryption()))
ed_pub = base64.b64encode(ed_key.public_key().public_bytes(
    ser.Encoding.Raw, ser.PublicFormat.Raw)).decode()


def txt(s):
    parts = [s[i:i + 200] for i in range(0, len(s), 200)] or [""]
    return " ".join('"%s"' % p for p in parts)


RECORDS = [
    "; example.com: p=reject; mail from 192.0.2.1 (mail.example.com); RSA and",
    "; Ed25519 keys whose private halves signed the seeds",
    ("example.com.", "TXT", txt("v=spf1 a:mail.example.com mx include:_spf.example.com -all")),
    ("example.com.", "MX", "10 mx.example.com."),
    ("mx.example.com.", "A", "192.0.2.25"),
    ("mail.example.com.", "A", "192.0.2.1"),
    ("mail.example.com.", "AAAA", "2001:db8::25"),
    ("mail.example.com.", "TXT", txt("v=spf1 a -all")),
    ("1.2.0.192.in-addr.arpa.", "PTR", "mail.example.com."),
    ("_spf.example.com.", "TXT", txt("v=spf1 ip6:2001:db8::/48 exists:%{i}._ip.%{d} ~all")),
    ("_dmarc.example.com.", "TXT", txt("v=DMARC1; p=reject; sp=quarantine; np=reject; "
                                      "rua=mailto:dmarc@example.com; fo=1")),
    ("rsa._domainkey.example.com.", "TXT", txt("v=DKIM1; k=rsa; p=" + rsa_pub)),
    ("ed._domainkey.example.com.", "TXT", txt("v=DKIM1; k=ed25519; p=" + ed_pub)),
    ("sha1._domainkey.example.com.", "TXT", txt("v=DKIM1; h=sha1; k=rsa; p=" + rsa_pub)),
    ("revoked._domainkey.example.com.", "TXT", txt("v=DKIM1; p=")),
    ("short._domainkey.example.com.", "TXT", txt("v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSwAw")),
    ("test._domainkey.example.com.", "TXT", txt("v=DKIM1; t=y:s; k=rsa; p=" + rsa_pub)),
    "; sub.example.com: the org domain's sp=quarantine, SPF by redirect",
    ("sub.example.com.", "TXT", txt("v=spf1 redirect=example.com")),
    ("sub.example.com.", "A", "192.0.2.30"),
    ("rsa._domainkey.sub.example.com.", "TXT", txt("v=DKIM1; k=rsa; p=" + rsa_pub)),
    "; example.org: p=quarantine, strict alignment, SPF through include and macros",
    ("example.org.", "TXT", txt("v=spf1 include:_spf.example.org "
                                "exists:%{ir}.%{l1r+-}._spf.%{d} ptr:example.com ~all")),
    ("_spf.example.org.", "TXT", txt("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8:1::/48 -all")),
    ("_dmarc.example.org.", "TXT", txt("v=DMARC1; p=quarantine; adkim=s; aspf=s; pct=50; "
                                      "rua=mailto:r@reports.example")),
    ("example.org._report._dmarc.reports.example.", "TXT", txt("v=DMARC1")),
    ("rsa._domainkey.example.org.", "TXT", txt("v=DKIM1; k=rsa; p=" + rsa_pub)),
    "; example.net: p=none, rua to a domain that did not agree to receive",
    ("example.net.", "TXT", txt("v=spf1 ?all")),
    ("_dmarc.example.net.", "TXT", txt("v=DMARC1; p=none; rua=mailto:x@elsewhere.example,"
                                      "mailto:y@example.net!10m")),
    "; RFC 9989 tree walk: a PSD policy and a deep subdomain",
    ("_dmarc.psd.", "TXT", txt("v=DMARC1; p=reject; psd=y")),
    ("a.b.c.d.e.psd.", "TXT", txt("v=spf1 -all")),
    ("_dmarc.c.d.e.psd.", "TXT", txt("v=DMARC1; p=quarantine; psd=n")),
    "; SPF mechanisms and macros, an explanation, the limits",
    ("spf.example.", "TXT", txt("v=spf1 a/24 mx/24//64 ptr:example.com ip4:203.0.113.0/28 "
                                "exists:%{ir}.%{v}.%{h}._e.spf.example include:inc.spf.example "
                                "-all exp=exp.spf.example")),
    ("spf.example.", "MX", "10 mail.example.com."),
    ("spf.example.", "MX", "20 mx.example.com."),
    ("spf.example.", "A", "198.51.100.10"),
    ("exp.spf.example.", "TXT", txt("%{s} may not send for %{d} from %{i} (%{c} %{r} %{t} %{p})")),
    ("inc.spf.example.", "TXT", txt("v=spf1 ip6:2001:db8:2::/48 ?all")),
    ("*.x.spf.example._e.spf.example.", "A", "127.0.0.2"),
    ("spfperm.example.", "TXT", txt("v=spf1 include:nothing.example -all")),
    ("spfvoid.example.", "TXT", txt("v=spf1 a:v1.example a:v2.example a:v3.example mx:v4.example -all")),
    ("spfloop.example.", "TXT", txt("v=spf1 redirect=spfloop.example")),
    ("spfmany.example.", "TXT", txt("v=spf1 " + " ".join("a:h%d.example" % i for i in range(12))
                                    + " -all")),
    ("_dmarc.spf.example.", "TXT", txt("v=DMARC1; p=reject; aspf=r; adkim=r; ri=3600")),
    "; DKIM key records with the less common tags",
    ("email._domainkey.example.com.", "TXT", txt("v=DKIM1; k=rsa; h=sha256; s=email; t=s; "
                                                  "n=notes; p=" + rsa_pub)),
    ("other._domainkey.example.com.", "TXT", txt("v=DKIM2; k=foo; p=" + rsa_pub)),
    ("multi._domainkey.example.com.", "TXT", txt("v=DKIM1; p=" + rsa_pub)),
    ("multi._domainkey.example.com.", "TXT", txt("v=DKIM1; k=ed25519; p=" + ed_pub)),
    ("broken._domainkey.example.com.", "TXT", txt("v=DKIM1; k=rsa; p=%%%invalid base64")),
    "; broken records: permerror paths",
    ("bad.example.", "TXT", txt("v=spf1 ip4:300.1.1.1 -all")),
    ("bad.example.", "TXT", txt("v=spf1 -all")),
    ("_dmarc.bad.example.", "TXT", txt("v=DMARC1; p=bogus; sp=reject")),
    ("loop.example.", "TXT", txt("v=spf1 include:loop.example -all")),
    ("nodmarc.example.", "TXT", txt("v=spf1 +all")),
    ("cname.example.", "CNAME", "example.com."),
    ("_dmarc.cname.example.", "CNAME", "_dmarc.example.com."),
    "; tempfail.example: its TXT and _dmarc TXT time out (injected by fuzz_milter.c)",
    "; reject.example: p=reject for it and every subdomain (sp, np), SPF -all and no",
    "; DKIM key, so no message from it can pass DMARC: fuzz_milter.c never lets",
    "; one be accepted (tests/fuzz/milter_oracle.h)",
    ("reject.example.", "TXT", txt("v=spf1 -all")),
    ("reject.example.", "A", "192.0.2.200"),
    ("www.reject.example.", "A", "192.0.2.201"),
    ("_dmarc.reject.example.", "TXT", txt("v=DMARC1; p=reject; sp=reject; np=reject; "
                                        "adkim=r; aspf=r")),
]


def write_zone():
    os.makedirs(os.path.dirname(ZONE), exist_ok=True)
    with open(ZONE, "w") as z:
        z.write("; tests/fixtures/fuzz/milter.zone - served as the root zone by\n"
                "; tests/fuzz/fuzz_milter.c (the whole-dialogue fuzz target).\n"
                "; Written by tests/fuzz/gen_milter_corpus.py: do not edit, run it.\n"
                "; The DKIM keys signed the seeds of tests/fuzz/corpus/fuzz_milter/\n"
                "; (their private halves were thrown away).\n$TTL 300\n")
        for r in RECORDS:
            if isinstance(r, str):
                z.write(r + "\n")
            else:
                z.write("%-40s IN %-5s %s\n" % r)


# ---- messages ----
def crlf(s):
    return s.replace("\r\n", "\n").replace("\n", "\r\n").encode()


def sign(msg, sel, domain, alg=b"rsa-sha256", canon=(b"relaxed", b"simple"), length=False,
         headers=(b"from", b"to", b"subject", b"date", b"message-id")):
    key = ed_seed if alg == b"ed25519-sha256" else rsa_pem
    sig = dkim.sign(msg, sel, domain, key, canonicalize=canon, signature_algorithm=alg,
                    include_headers=list(headers), length=length)
    return sig + msg


def message(frm, subject="fuzz seed", extra="", body="Hello.\n", to="bob@example.net"):
    return crlf("%sFrom: %s\nTo: %s\nSubject: %s\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
                "Message-ID: <%s@seed.test>\n\n%s" % (extra, frm, to, subject,
                                                     zlib.crc32(subject.encode()), body))


# ---- the target's input format ----
VARIANT = {"default": 0, "rfc7489": 1, "lenient": 2, "accept": 3}
MTA = {"postfix": 0, "sendmail": 1, "v2": 2, "nolead": 3}


def setup(variant="default", mta="postfix", raw=False, chunk=2):
    return bytes([VARIANT[variant] | MTA[mta] << 2 | (0x10 if raw else 0) | chunk << 5])


def s(x):
    return (x.encode() if isinstance(x, str) else x) + b"\0"


def op_macro(stage, pairs):
    out = b"D" + stage.encode()
    for k, v in pairs:
        out += s(k) + s(v)
    return out + b"\0"


def connect(host="mail.example.com", ip="192.0.2.1", helo=None, qid="4ZfuzzQ1"):
    return (op_macro("C", [("j", "mx.fuzz.test"), ("{daemon_name}", "smtpd"),
                           ("v", "Postfix 3.7.11"), ("_", "%s [%s]" % (host, ip))])
            + b"C" + s(host) + s(ip) + b"H" + s(helo or host))


def mail(frm, rcpt="<bob@example.net>", qid="4ZfuzzQ1", auth=None, args="SIZE=1000 BODY=8BITMIME"):
    pairs = [("{i}", qid), ("{mail_addr}", frm.strip("<>"))]
    if auth:
        pairs += [("{auth_type}", "PLAIN"), ("{auth_authen}", auth)]
    return (op_macro("M", pairs) + b"M" + s(frm) + s(args)
            + op_macro("R", [("{rcpt_addr}", rcpt.strip("<>"))]) + b"R" + s(rcpt))


def text(msg):
    return b"T" + s(msg) + b"E"


def grow(name, n, head, piece, tail=""):
    """G op: one header field, head + piece * (64 * n + 1) + tail."""
    return b"G" + bytes([n]) + s(name) + s(head) + s(piece) + s(tail)


def fields_of(msg):
    """A message's header fields as (name, value) and its body."""
    head, _, body = msg.partition(b"\r\n\r\n")
    out = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] = (out[-1][0], out[-1][1] + b"\r\n" + line)
        else:
            n, _, v = line.partition(b":")
            out.append((n, v))
    return out, body


def headers(pairs):
    return b"".join(b"L" + s(n) + s(v) for n, v in pairs)


SEEDS = {}


def seed(name, data):
    SEEDS["seed-" + name] = data


def raw_packet(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd.encode() + data


def raw_dialogue(msg, ip="192.0.2.1", host="mail.example.com", frm="<alice@example.com>"):
    """A whole Postfix-style session as the MTA's bytes (raw mode)."""
    out = raw_packet("D", b"C" + s("j") + s("mx.fuzz.test") + s("{daemon_name}") + s("smtpd"))
    out += raw_packet("C", s(host) + b"4" + struct.pack(">H", 25) + s(ip))
    out += raw_packet("H", s(host))
    out += raw_packet("D", b"M" + s("{i}") + s("4ZrawQ1"))
    out += raw_packet("M", s(frm) + s("BODY=8BITMIME"))
    out += raw_packet("R", s("<bob@example.net>"))
    head, _, body = msg.partition(b"\r\n\r\n")
    fields = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += b"\r\n" + line
        else:
            fields.append(line)
    for f in fields:
        n, _, v = f.partition(b":")
        out += raw_packet("L", s(n) + s(v))
    out += raw_packet("N")
    for i in range(0, len(body), 4096):
        out += raw_packet("B", body[i:i + 4096])
    out += raw_packet("E")
    out += raw_packet("Q")
    return out


def build_seeds():
    alice = "Alice <alice@example.com>"
    rsa_msg = sign(message(alice, "rsa pass"), b"rsa", b"example.com")
    ed_msg = sign(message(alice, "ed25519 pass", body="Ed25519 signed.\n\n\n"), b"ed",
                  b"example.com", alg=b"ed25519-sha256", canon=(b"relaxed", b"relaxed"))
    simple_msg = sign(message(alice, "simple/simple", body="Odd  spacing \t\nhere.\n"),
                      b"rsa", b"example.com", canon=(b"simple", b"simple"))
    both = sign(rsa_msg, b"ed", b"example.com", alg=b"ed25519-sha256")
    sub_msg = sign(message("Carol <carol@sub.example.com>", "sub"), b"rsa", b"sub.example.com")
    org_msg = sign(message("Dave <dave@example.org>", "org strict"), b"rsa", b"example.org")
    l_msg = sign(message(alice, "l= tag", body="Signed part.\n"), b"rsa", b"example.com",
                 length=True) + b"Appended after signing.\r\n"
    sha1_msg = sign(message(alice, "sha1"), b"sha1", b"example.com", alg=b"rsa-sha1")

    # DKIM and DMARC pass (RSA), the way Postfix 3 talks, then QUIT
    seed("pass-rsa", setup() + connect() + mail("<alice@example.com>") + text(rsa_msg) + b"Q")
    # Ed25519 + RSA on one message, RFC 7489 mode, Sendmail's offer
    seed("pass-ed25519-rfc7489", setup("rfc7489", "sendmail") + connect()
         + mail("<alice@example.com>") + text(both) + b"Q")
    seed("pass-ed25519-nolead", setup("default", "nolead", chunk=0) + connect()
         + mail("<alice@example.com>") + text(ed_msg) + b"Q")
    # simple/simple over an old MTA (milter protocol 2, leading space stripped)
    seed("simple-v2", setup("lenient", "v2") + connect() + mail("<alice@example.com>")
         + text(simple_msg) + b"Q")
    # SPF pass, no signature, IPv6 client, strict org policy
    seed("spf-ipv6-org", setup() + connect("mx1.example.org", "2001:db8:1::7", "mx1.example.org")
         + mail("<dave@example.org>") + text(message("Dave <dave@example.org>", "spf6")) + b"Q")
    # spoofed example.com from an unauthorised address: DMARC fail, reject
    seed("fail-spoof", setup() + connect("evil.example", "203.0.113.9")
         + mail("<x@evil.example>") + text(message(alice, "spoof")) + b"Q")
    # a signature broken in transit (body changed)
    seed("fail-body", setup("accept") + connect("relay.example", "198.51.100.20")
         + mail("<alice@example.com>") + text(rsa_msg.replace(b"Hello.", b"Hellp.")) + b"Q")
    # forged Authentication-Results claiming our authserv-id (RFC 8601 5), a
    # foreign one kept, and 41 more forged ones with the F op
    forged = message(alice, "forged AR", extra=(
        "Authentication-Results: mx.fuzz.test; dkim=pass header.d=example.com;\n"
        "\tdmarc=pass header.from=example.com\n"
        "Authentication-Results: other.example; spf=pass smtp.mailfrom=example.com\n"
        "Authentication-Results: (comment) \"mx.fuzz.test\" 1; none\n"))
    seed("forged-ar", setup() + connect("evil.example", "203.0.113.9") + mail("<x@evil.example>")
         + b"F\x05" + s("Authentication-Results") + s(" MX.FUZZ.TEST; dmarc=pass")
         + text(forged) + b"Q")
    # several From fields, and one From naming two domains
    seed("multi-from", setup("rfc7489") + connect() + mail("<alice@example.com>")
         + text(sign(message(alice, "two froms", extra="From: eve@evil.example\n"),
                     b"rsa", b"example.com")) + b"Q")
    seed("from-two-domains", setup() + connect("evil.example", "203.0.113.9")
         + mail("<x@evil.example>")
         + text(message("eve@evil.example, Alice <alice@example.com>", "group")) + b"Q")
    seed("from-odd", setup("lenient") + connect("evil.example", "203.0.113.9")
         + mail("<>")
         + text(message("\"a@example.net\" (c (nested) \\) x) <alice@[192.0.2.1]>, "
                        "group: m@example.com;", "odd from")) + b"Q")
    # a message aborted in the body, the next one on the same connection
    head, _, body = rsa_msg.partition(b"\r\n\r\n")
    fields = [(f.split(b":", 1)[0], b":".join(f.split(b":")[1:]))
              for f in head.replace(b"\r\n ", b"\x01").split(b"\r\n")]
    fields = [(n, v.replace(b"\x01", b"\r\n ")) for n, v in fields]
    seed("abort-then-next", setup() + connect() + mail("<alice@example.com>", qid="4ZA1")
         + headers(fields) + b"N" + b"B" + s(body[:3]) + b"A"
         + mail("<alice@example.com>", qid="4ZA2") + text(rsa_msg) + b"Q")
    # two messages, then QUIT_NC and a new SMTP session on the connection
    seed("multi-message", setup("rfc7489") + connect() + mail("<alice@example.com>", qid="4ZM1")
         + text(sub_msg) + mail("<dave@example.org>", "<x@example.com>", qid="4ZM2")
         + text(org_msg) + b"K" + connect("relay.example", "198.51.100.20", qid="4ZM3")
         + mail("<alice@example.com>", qid="4ZM3") + text(l_msg) + b"Q")
    # authenticated submission (skipped), trusted network (skipped)
    seed("auth-skip", setup() + connect("client.example", "203.0.113.50")
         + mail("<alice@example.com>", auth="alice") + text(message(alice, "submission")) + b"Q")
    seed("trusted-skip", setup("rfc7489") + connect("internal", "10.1.2.3")
         + mail("<alice@example.com>") + text(message(alice, "internal")) + b"Q")
    # DNS temporary failure, quarantine policy, exempt and PSD domains
    seed("tempfail", setup() + connect("tf.example", "192.0.2.77")
         + mail("<a@tempfail.example>") + text(message("a@tempfail.example", "tf")) + b"Q")
    seed("quarantine-header", setup("rfc7489") + connect("evil.example", "203.0.113.9")
         + mail("<x@evil.example>") + text(message("Dave <dave@example.org>", "q")) + b"Q")
    seed("psd-walk", setup() + connect("x.psd", "203.0.113.9")
         + mail("<z@a.b.c.d.e.psd>") + text(message("z@a.b.c.d.e.psd", "psd")) + b"Q")
    seed("sha1-lenient", setup("rfc7489", "postfix") + connect() + mail("<alice@example.com>")
         + text(sha1_msg) + b"Q")
    # null sender, HELO identity, permerror records
    seed("null-sender-bad", setup("accept") + connect("bad.example", "192.0.2.99")
         + mail("<>") + text(message("x@bad.example", "bad records",
                                     extra="DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
                                           "s=revoked; h=from; bh=AAAA; b=AAAA\n")) + b"Q")
    # the low-level commands: DATA, UNKNOWN, raw packets, header by header
    seed("low-level", setup("lenient", "sendmail") + connect("u.example", "/run/x.sock")
         + b"U" + s("XCLIENT foo") + mail("<a@example.net>") + b"S"
         + headers([(b"From", b" a@example.net"), (b"Subject", b" x")]) + b"N"
         + b"B" + s("line one\r\nline two\r\n") + b"X" + b"B" + b"\x00\x03" + b"\r\n."
         + b"E" + b"W\x00\x05" + raw_packet("Q"))
    # SPF: mechanisms, macros, explanation, void lookups, loops, the 10 limit
    for dom, ip in (("spf.example", "203.0.113.99"), ("spf.example", "198.51.100.10"),
                    ("spfperm.example", "192.0.2.9"), ("spfvoid.example", "192.0.2.9"),
                    ("spfloop.example", "192.0.2.9"), ("spfmany.example", "192.0.2.9")):
        seed("spf-%s-%s" % (dom.split(".")[0], ip.split(".")[-1]),
             setup("rfc7489" if ip.endswith("99") else "default")
             + connect("h.%s" % dom, ip, "x.%s" % dom if ip.endswith("10") else None)
             + mail("<u.ser+tag@%s>" % dom)
             + text(message("u@%s" % dom, "spf " + dom)) + b"Q")
    # DKIM: key records with odd tags, several keys, a broken one, a reload
    for sel in ("email", "other", "multi", "broken", "test", "short"):
        m = sign(message(alice, "key " + sel), sel.encode(), b"example.com")
        seed("dkim-key-%s" % sel, setup("accept") + connect() + mail("<alice@example.com>")
             + text(m) + b"Z\x01" + b"Q")
    more_seeds(alice, rsa_msg)
    # raw mode: the whole dialogue as bytes
    seed("raw-pass", setup(raw=True) + raw_dialogue(rsa_msg))
    seed("raw-nolead", setup("accept", "nolead", raw=True)
         + raw_dialogue(org_msg, ip="198.51.100.4", frm="<dave@example.org>"))


def more_seeds(alice, rsa_msg):
    """Seeds of the fail-closed properties (tests/fuzz/milter_oracle.h):
    forged and broken From fields naming p=reject domains, forged
    Authentication-Results fields in accepted messages."""
    evil = connect("evil.example", "203.0.113.9")
    # forged reject.example (no key, SPF -all: never accepted), three
    # configurations, a nonexistent subdomain (np=reject) among them
    seed("reject-forged", setup() + evil + mail("<x@evil.example>")
         + text(message("Rex <rex@reject.example>", "forged reject")) + b"Q")
    seed("reject-forged-accept", setup("accept") + evil + mail("<rex@reject.example>")
         + text(message("rex@reject.example, Nx <n@nx.reject.example>", "np")) + b"Q")
    seed("reject-forged-rfc7489", setup("rfc7489") + evil + mail("<>")
         + text(message("w@www.reject.example", "sp")) + b"Q")
    # forged example.com from an unauthorised address where a temporary
    # DNS failure would be accepted (on_dns_temperror default)
    seed("fail-spoof-accept", setup("accept") + evil + mail("<x@evil.example>")
         + text(message(alice, "spoof")) + b"Q")
    # ... with signatures whose key lookups cannot be made (a selector
    # with a 64-octet label, an empty one, one with a space)
    probe = message(alice, "dkim probes", extra="".join(
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=%s; h=from; "
        "bh=AAAA; b=AAAA\n" % sel for sel in ("a" * 64, "", "x y", "x..y")))
    seed("dkim-selector-probe", setup("accept") + evil + mail("<x@evil.example>")
         + text(probe) + b"Q")
    # ... SPF of the author domain with a HELO the exists: macro cannot
    # make a name of (a 70-octet label)
    seed("spf-helo-probe", setup("accept") + connect("h.spf.example", "203.0.113.99",
                                                     "x" * 70 + ".spf.example")
         + mail("<u@spf.example>") + text(message("u@spf.example", "spf probe")) + b"Q")
    # broken From fields naming example.com, the signature of example.com
    # passing: a bad From, rejected whatever DKIM says (RFC 9989 4.4)
    def bad(name, frm, variant="default", extra="", signed=True):
        m = message(frm, "bad from " + name, extra=extra)
        if signed:
            m = sign(m, b"rsa", b"example.com")
        seed("badfrom-" + name, setup(variant) + connect() + mail("<alice@example.com>")
             + text(m) + b"Q")
    bad("repeated-same", alice, extra="From: Alice <alice@example.com>\n")
    bad("repeated-evil", alice, "accept", extra="From: eve@evil.example\n")
    bad("nine-domains", ", ".join(["alice@example.com"] + ["u@d%d.example" % i
                                                           for i in range(8)]))
    bad("literal", "Alice <alice@[192.0.2.1]>")
    bad("literal-second", "alice@example.com, b@[192.0.2.1]", "accept")
    bad("unterminated-comment", "Alice <alice@example.com> (unterminated")
    bad("unterminated-quote", "\"Alice <alice@example.com>")
    bad("nested-33", "Alice " + "(" * 33 + "deep" + ")" * 33 + " <alice@example.com>")
    bad("over-16k", "Alice <alice@example.com> (" + "x" * 16500 + ")")
    nofrom = crlf("To: bob@example.net\nSubject: no From\n\nHello.\n")
    seed("badfrom-none", setup() + evil + mail("<x@evil.example>") + text(nofrom) + b"Q")
    # a From over 16 KB from a short input (G op), in header packets
    fields, body = fields_of(rsa_msg)
    seed("badfrom-over-16k-grow", setup("accept") + connect() + mail("<alice@example.com>")
         + headers([(n, v) for n, v in fields if n.lower() != b"from"])
         + grow("From", 4, " Alice <alice@example.com> (", "x" * 64, ")")
         + b"N" + b"B" + s(body) + b"E" + b"Q")
    # forged Authentication-Results in messages that are accepted: every
    # field naming our authserv-id goes (1,001 by the F op, others in
    # every form RFC 8601 2.2 allows), the others stay
    ar = "".join("Authentication-Results:%s\n" % v for v in (
        " mx.fuzz.test; dmarc=pass header.from=example.com",
        " other.example; spf=pass smtp.mailfrom=example.com",
        " (c (nested)) MX.Fuzz.Test (x); none",
        " \"mx.fuzz.test\"; spf=pass",
        " mx.fuzz.test.example; spf=pass",
        " mx.fuzz.testing; spf=pass",
        " mx.fuzz.test 1; none",
        "\n\tmx.fuzz.test;\n\tspf=pass",
        " x.mx.fuzz.test; none",
        " \"mx.fuzz.test \"; none",
        " ; none"))
    ar += "authentication-results: mx.fuzz.test; none\n"
    many = (b"F\x7d" + s("Authentication-Results") + s(" mx.fuzz.test; dmarc=pass")
            + b"F\x03" + s("Authentication-Results") + s(" other.example; none"))
    seed("forged-ar-trusted-1001", setup() + connect("internal", "10.1.2.3")
         + mail("<alice@example.com>") + many
         + text(message(alice, "trusted", extra=ar)) + b"Q")
    seed("forged-ar-pass", setup("accept") + connect() + mail("<alice@example.com>")
         + b"F\x05" + s("Authentication-Results") + s(" mx.fuzz.test; none")
         + text(sign(message(alice, "ar pass", extra=ar), b"rsa", b"example.com")) + b"Q")
    # past max_header_bytes (4096 in this configuration), a 20 KB field
    seed("forged-ar-late", setup("lenient") + connect("relay.example", "198.51.100.20")
         + mail("<a@example.net>") + b"F\x08" + s("Received") + s(" from x by y; " + "z" * 60)
         + grow("Authentication-Results", 5, " (" , "c" * 64, ") mx.fuzz.test; none")
         + grow("Authentication-Results", 5, " other.example (", "c" * 64, "); none")
         + text(message("a@example.net", "late ar", extra=ar)) + b"Q")


def main():
    write_zone()
    build_seeds()
    os.makedirs(CORPUS, exist_ok=True)
    for f in os.listdir(CORPUS):
        if f.startswith("seed-"):
            os.unlink(os.path.join(CORPUS, f))
    for name, data in sorted(SEEDS.items()):
        with open(os.path.join(CORPUS, name), "wb") as fp:
            fp.write(data)
    print("wrote %s and %d seeds in %s" % (os.path.relpath(ZONE, ROOT), len(SEEDS),
                                          os.path.relpath(CORPUS, ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
