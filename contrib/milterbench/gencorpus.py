#!/usr/bin/python3
"""contrib/milterbench/gencorpus.py - deterministic benchmark corpus for milterbench.

    /usr/bin/python3 contrib/milterbench/gencorpus.py -o DIR [-n 2000] [--seed 1]

Writes into DIR (same seed and count = same bytes):
  msg/NNNNN.eml     messages (CRLF), 2-200 KB, median ~10 KB, 1-2 DKIM signatures
  manifest.tsv      id file client_ip helo mail_from rcpts auth  (milterbench input)
  expect.tsv        id kind spf dkim dmarc policy from_domain sigs
  sigs.tsv          id alg header_bytes body_bytes  (one line per signature: crypto floor)
  bench.zone        RFC 1035 master file for "." holding every record used

Sender domains dNN.example publish SPF (ip4/ip6/a/mx, include chains through
provider domains, redirect), DKIM keys (RSA-2048, RSA-1024, Ed25519) and DMARC
(none/quarantine/reject, sp, strict alignment). Message kinds (about 15% each
failure kind): ok, badbody (body changed after signing), wrongkey (signed with
a key not in DNS), spffail (client IP outside SPF), misalign (From domain not
aligned with the DKIM d= and MAIL FROM of an email service provider).
Keys are derived from the seed (own RSA prime search), so no randomness leaks in.
Needs Debian's python3-dkim, python3-cryptography, python3-nacl.
"""
import argparse
import base64
import math
import os
import random

import dkim
import dkim.canonicalization
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

NDOMAINS = 24
NPROVIDERS = 3
KINDS = [("ok", 0.40), ("badbody", 0.15), ("wrongkey", 0.15),
         ("spffail", 0.15), ("misalign", 0.15)]
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"mime-version",
          b"content-type", b"reply-to"]
WORDS = ("the of and to in is that for it as was with be by on not he this are "
         "or his from at which but have an they you were her she there been one "
         "all we their has would when if so no will can more other what some "
         "invoice meeting report quarterly shipment account update review team "
         "project schedule deadline budget customer delivery release notes").split()
SMALL_PRIMES = [p for p in range(3, 2000) if all(p % q for q in range(2, int(p ** .5) + 1))]


def is_prime(n, rng):
    for p in SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(24):
        x = pow(rng.randrange(2, n - 2), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def rsa_key(rng, bits):
    """Deterministic RSA key from rng: (PKCS#1 PEM private, base64 SPKI public)."""
    e = 65537
    while True:
        p = q = 0
        while not p or (p - 1) % e == 0:
            c = rng.getrandbits(bits // 2) | (3 << (bits // 2 - 2)) | 1
            p = c if is_prime(c, rng) else 0
        while not q or q == p or (q - 1) % e == 0:
            c = rng.getrandbits(bits // 2) | (3 << (bits // 2 - 2)) | 1
            q = c if is_prime(c, rng) else 0
        n = p * q
        if n.bit_length() == bits:
            break
    d = pow(e, -1, (p - 1) * (q - 1))
    key = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                rsa.RSAPublicNumbers(e, n)).private_key()
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(spki).decode()


def ed_key(rng):
    seed = bytes(rng.getrandbits(8) for _ in range(32))
    pub = nacl.signing.SigningKey(seed).verify_key.encode()
    return base64.b64encode(seed), base64.b64encode(pub).decode()


class Key:
    def __init__(self, rng, alg, selector):
        self.alg, self.selector = alg, selector
        if alg == "ed25519":
            self.priv, self.pub = ed_key(rng)
        else:
            self.priv, self.pub = rsa_key(rng, 2048 if alg == "rsa2048" else 1024)

    def txt(self):
        k = "ed25519" if self.alg == "ed25519" else "rsa"
        return "v=DKIM1; k=%s; p=%s" % (k, self.pub)


class Zone:
    def __init__(self):
        self.lines = [
            "$TTL 3600",
            ". IN SOA ns.root. hostmaster.root. 1 3600 600 86400 300",
            ". IN NS ns.root.",
            "ns.root. IN A 127.0.0.1",
        ]

    def add(self, name, rtype, data):
        if rtype == "TXT":
            chunks = [data[i:i + 250] for i in range(0, len(data), 250)] or [""]
            data = " ".join('"%s"' % c.replace('\\', '\\\\').replace('"', '\\"')
                            for c in chunks)
        self.lines.append("%s. IN %s %s" % (name, rtype, data))

    def text(self):
        return "\n".join(self.lines) + "\n"


def build_world(rng, zone):
    """Providers and sender domains with their DNS; returns (domains, providers)."""
    providers = []
    for k in range(1, NPROVIDERS + 1):
        name = "esp%d.example" % k
        v4 = "203.0.113.%d" % (k * 16)
        v6 = "2001:db8:ff%02x::" % k
        zone.add("_netblocks." + name, "TXT",
                 "v=spf1 ip4:%s/28 ip6:%s/48 -all" % (v4, v6))
        zone.add("_spf." + name, "TXT", "v=spf1 include:_netblocks.%s ?all" % name)
        zone.add(name, "TXT", "v=spf1 include:_netblocks.%s -all" % name)
        zone.add("_dmarc." + name, "TXT", "v=DMARC1; p=none")
        key = Key(rng, "rsa2048", "esp")
        zone.add("esp._domainkey." + name, "TXT", key.txt())
        ips = ["203.0.113.%d" % (k * 16 + j) for j in range(1, 8)] + \
              ["2001:db8:ff%02x::%x" % (k, j) for j in range(1, 4)]
        providers.append({"name": name, "key": key, "ips": ips})
    dmarcs = ["v=DMARC1; p=none; rua=mailto:dmarc@%s",
              "v=DMARC1; p=quarantine; rua=mailto:dmarc@%s",
              "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@%s",
              "v=DMARC1; p=reject; adkim=s; aspf=s; rua=mailto:dmarc@%s",
              "v=DMARC1; p=quarantine; sp=none; adkim=s; rua=mailto:dmarc@%s",
              "v=DMARC1; p=reject; rua=mailto:dmarc@%s"]
    domains = []
    for i in range(1, NDOMAINS + 1):
        name = "d%02d.example" % i
        net4, net6 = "198.51.%d" % (100 + i), "2001:db8:%x" % (0x100 + i)
        kind = i % 4
        prov = providers[i % NPROVIDERS]
        zone.add(name, "A", net4 + ".10")
        zone.add(name, "MX", "10 mx.%s." % name)
        zone.add("mx." + name, "A", net4 + ".20")
        zone.add("mx." + name, "AAAA", net6 + "::20")
        if kind == 0:
            spf = "v=spf1 ip4:%s.0/24 ip6:%s::/48 -all" % (net4, net6)
            ips = [net4 + ".%d" % j for j in (11, 12, 13)] + [net6 + "::11"]
        elif kind == 1:
            spf = "v=spf1 a mx -all"
            ips = [net4 + ".10", net4 + ".20", net6 + "::20"]
        elif kind == 2:
            spf = "v=spf1 mx include:_spf.%s -all" % prov["name"]
            ips = [net4 + ".20"] + prov["ips"]
        else:
            spf = "v=spf1 redirect=_spf.%s" % name
            zone.add("_spf." + name, "TXT",
                     "v=spf1 ip4:%s.0/25 a:mx.%s ip6:%s::/64 -all" % (net4, name, net6))
            ips = [net4 + ".%d" % j for j in (30, 31)] + [net6 + "::31"]
        zone.add(name, "TXT", spf)
        zone.add("news." + name, "TXT", "v=spf1 redirect=%s" % name)
        dm = dmarcs[i % len(dmarcs)] % name
        zone.add("_dmarc." + name, "TXT", dm)
        tags = dict(t.strip().split("=", 1) for t in dm.split(";"))
        # about 1 in 3 domains also signs with Ed25519 (dual signatures)
        keys = [Key(rng, "rsa1024" if i % 5 == 0 else "rsa2048", "s%d" % i)]
        if i % 3 == 0:
            keys.append(Key(rng, "ed25519", "ed%d" % i))
        for key in keys:
            zone.add("%s._domainkey.%s" % (key.selector, name), "TXT", key.txt())
        domains.append({"name": name, "ips": ips, "keys": keys, "dmarc": tags,
                        "wrong": Key(rng, "rsa2048", "s%d" % i) if i % 4 == 1 else None})
    return domains, providers


def body_text(rng, size):
    lines, n = [], 0
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 13)))
        if rng.random() < 0.05:
            line = line + "  "            # trailing blanks: canonicalization matters
        lines.append(line)
        n += len(line) + 2
    return lines


def make_body(rng, size):
    """(content-type header value, body bytes) of about size bytes."""
    if size < 30000:
        return "text/plain; charset=utf-8", ("\r\n".join(body_text(rng, size)) + "\r\n").encode()
    b = "b%016x" % rng.getrandbits(64)
    text = body_text(rng, 3000)
    blob = bytes(rng.getrandbits(8) for _ in range(int((size - 3500) * 3 / 4)))
    enc = base64.b64encode(blob).decode()
    parts = ["--" + b, "Content-Type: text/plain; charset=utf-8", ""] + text + \
            ["--" + b, "Content-Type: application/pdf; name=\"report.pdf\"",
             "Content-Transfer-Encoding: base64",
             "Content-Disposition: attachment; filename=\"report.pdf\"", ""] + \
            [enc[i:i + 76] for i in range(0, len(enc), 76)] + ["--" + b + "--", ""]
    return 'multipart/mixed; boundary="%s"' % b, "\r\n".join(parts).encode()


def org(domain):
    return ".".join(domain.split(".")[-2:])


def aligned(a, b, mode):
    return a == b if mode == "s" else org(a) == org(b)


def gen_message(rng, seq, domains, providers):
    kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    dom = rng.choice(domains)
    if kind == "wrongkey" and dom["wrong"] is None:
        dom = rng.choice([d for d in domains if d["wrong"] is not None])
    from_dom = dom["name"]
    if dom["dmarc"].get("adkim") != "s" and rng.random() < 0.2:
        from_dom = "news." + dom["name"]          # relaxed alignment, sp applies
    mail_dom, ips = from_dom, dom["ips"]
    signers = [(dom["name"], k) for k in dom["keys"]]
    if kind == "misalign":
        prov = rng.choice(providers)
        mail_dom, ips, signers = prov["name"], prov["ips"], [(prov["name"], prov["key"])]
    elif kind == "wrongkey":
        signers = [(dom["name"], dom["wrong"])]
    ip = rng.choice(ips)
    if kind == "spffail":
        ip = "192.0.2.%d" % rng.randint(1, 250) if rng.random() < 0.8 else \
            "2001:db8:bad::%x" % rng.randint(1, 999)
    size = int(min(200000, max(2000, rng.lognormvariate(math.log(9000), 0.9))))
    ctype, body = make_body(rng, size)
    user = rng.choice(["alice", "bob", "billing", "noreply", "carol", "news"])
    mid = "<%016x.%d@%s>" % (rng.getrandbits(64), seq, from_dom)
    hops = rng.randint(1, 3)
    hdrs = []
    for h in range(hops):
        hdrs.append("Received: from relay%d.%s (relay%d.%s [%s])\r\n\tby mx%d.%s "
                    "with ESMTPS id %X;\r\n\tMon, 3 Jun 2024 10:%02d:%02d +0000"
                    % (h, mail_dom, h, mail_dom, ip, h, mail_dom, rng.getrandbits(40),
                       seq % 60, h))
    hdrs += ["From: \"%s at %s\" <%s@%s>" % (user.title(), from_dom, user, from_dom),
             "To: <rcpt%d@inbound.example>" % (seq % 50),
             "Subject: %s" % " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))),
             "Date: Mon, 3 Jun 2024 10:%02d:%02d +0000" % (seq % 60, seq % 59),
             "Message-ID: " + mid, "MIME-Version: 1.0", "Content-Type: " + ctype]
    if rng.random() < 0.3:
        hdrs.append("Reply-To: <support@%s>" % from_dom)
    if rng.random() < 0.4:
        hdrs.append("List-Unsubscribe: <mailto:unsub-%d@%s>" % (seq, mail_dom))
    if rng.random() < 0.5:
        hdrs.append("X-Mailer: bench-mailer %d.%d" % (rng.randint(1, 9), rng.randint(0, 20)))
    msg = ("\r\n".join(hdrs) + "\r\n\r\n").encode() + body
    sigs = []
    for d, key in signers:
        algo = b"ed25519-sha256" if key.alg == "ed25519" else b"rsa-sha256"
        sig = dkim.sign(msg, key.selector.encode(), d.encode(), key.priv,
                        canonicalize=(b"relaxed", b"relaxed"), signature_algorithm=algo,
                        include_headers=[h for h in SIGNED if h.decode() + ":" in
                                         msg.split(b"\r\n\r\n")[0].decode().lower()])
        sigs.append((d, key.alg, sig))
    for _, _, sig in sigs:
        msg = sig + msg
    if kind == "badbody":
        at = msg.index(b"\r\n\r\n") + 4 + len(body) // 2
        while not msg[at:at + 1].isalnum():
            at += 1
        msg = msg[:at] + b"X" + msg[at:]      # one more letter: body hash changes
    # expectations
    dkim_res = ["%s:%s" % (d, "fail" if kind in ("badbody", "wrongkey") else "pass")
                for d, _, _ in sigs]
    dkim_ok = [d for d, _, _ in sigs if kind not in ("badbody", "wrongkey")]
    spf = "fail" if kind == "spffail" else "pass"
    tags = dom["dmarc"]
    dmarc_pass = any(aligned(d, from_dom, tags.get("adkim", "r")) for d in dkim_ok) or \
        (spf == "pass" and aligned(mail_dom, from_dom, tags.get("aspf", "r")))
    policy = tags["p"] if from_dom == dom["name"] else tags.get("sp", tags["p"])
    hdr_part, body_part = msg.split(b"\r\n\r\n", 1)
    cbody = dkim.canonicalization.Relaxed.canonicalize_body(body_part)
    floor = [(alg, len(sig) + sum(len(h) for h in hdrs[hops:]), len(cbody))
             for _, alg, sig in sigs]
    env = (ip, "relay0." + mail_dom, "bounce-%d@%s" % (seq, mail_dom),
           "rcpt%d@inbound.example" % (seq % 50))
    exp = (kind, spf, "pass" if dkim_ok else "fail",
           "pass" if dmarc_pass else "fail", policy, from_dom, ",".join(dkim_res))
    return msg, env, exp, floor


def corpus_args(doc, count):
    """-o DIR, -n COUNT, --seed N of a corpus generator (gencold.py too)."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("-n", "--count", type=int, default=count)
    ap.add_argument("--seed", type=int, default=1)
    return ap.parse_args()


def main():
    a = corpus_args(__doc__, 2000)
    rng = random.Random(a.seed)
    zone = Zone()
    domains, providers = build_world(rng, zone)
    os.makedirs(os.path.join(a.out, "msg"), exist_ok=True)
    with open(os.path.join(a.out, "manifest.tsv"), "w") as man, \
            open(os.path.join(a.out, "expect.tsv"), "w") as exp, \
            open(os.path.join(a.out, "sigs.tsv"), "w") as fl:
        man.write("# id\tfile\tclient_ip\thelo\tmail_from\trcpts\tauth\n")
        exp.write("# id\tkind\tspf\tdkim\tdmarc\tpolicy\tfrom_domain\tsignatures\n")
        fl.write("# id\talg\theader_bytes\tbody_bytes\n")
        for seq in range(a.count):
            msg, env, e, floor = gen_message(rng, seq, domains, providers)
            mid, fname = "m%05d" % seq, "msg/%05d.eml" % seq
            with open(os.path.join(a.out, fname), "wb") as f:
                f.write(msg)
            man.write("\t".join((mid, fname) + env + ("-",)) + "\n")
            exp.write("\t".join((mid,) + e) + "\n")
            for alg, hb, bb in floor:
                fl.write("%s\t%s\t%d\t%d\n" % (mid, alg, hb, bb))
    with open(os.path.join(a.out, "bench.zone"), "w") as f:
        f.write(zone.text())


if __name__ == "__main__":
    main()
