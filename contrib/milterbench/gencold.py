#!/usr/bin/python3
"""contrib/milterbench/gencold.py - the cold-DNS corpus: one new sender domain per message.

    /usr/bin/python3 contrib/milterbench/gencold.py -o DIR [-n 1000] [--seed 1]

Writes into DIR (same seed and count = same domains, records and messages; only
the signatures differ, by their t= tag):
  msg/NNNNN.eml   messages (CRLF), DKIM-signed (RSA-2048, RSA-1024, Ed25519)
  manifest.tsv    milterbench input (as gencorpus.py)
  expect.tsv      expected verdicts (as gencorpus.py; compare.py reads it)
  sigs.tsv        id alg header_bytes body_bytes (cryptofloor input)
  bound.tsv       id from_domain bound spf_chain spf_serial helo_chain
                  dmarc_levels: the per-message lower bound in round trips
  cold.zone       the zone "cold." (nsd master file, unsigned: cold.sh signs it)

Message i comes from its own domain cNNNNN.cold: every name a message needs is
new to any resolver (the key material is shared between domains, the DNS names
are not). Per domain (shape = i % 5) the SPF record is flat ip4, "a mx",
nested includes, mx + include of a:, or redirect -> include -> mx; the HELO
name mta.D has "v=spf1 a -all"; DKIM keys at sN._domainkey.D (and edN for
dual-signed domains); DMARC at D, and some From domains sit 1-3 labels below
(news.D, x.y.D with a record at y.D, a.b.c.D) so the RFC 9989 tree walk
queries several levels; some domains publish no DMARC record (the walk goes
down to _dmarc.cold).

The bound: every lookup whose name is known once its parent record is parsed
can start then, so a chain is the depth of the dependency tree, not the count
of lookups. SPF: 1 (the record) + the deepest mechanism evaluated up to the
match (ip4 0, a 1, mx 2: MX then the hosts' A, include/redirect: the target's
own chain); the DMARC walk's levels and the organizational-domain walk are
all known from the From domain: 1; each DKIM key: 1; the HELO check: 2.
bound = max of these, in round trips (cold.sh multiplies by the delay).
spf_serial counts the lookups of an evaluator that starts none before it
reaches it (for the "what is serialized" analysis). Needs python3-dkim.
"""
import ipaddress
import math
import os
import random
import sys

import dkim
import dkim.canonicalization

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gencorpus import Key, SIGNED, corpus_args, make_body  # noqa: E402

ZONE = "cold"
KINDS = [("ok", 0.55), ("spffail", 0.2), ("badbody", 0.15), ("bothfail", 0.1)]


class World:
    """The zone's records, and an SPF evaluator over them that measures chains."""

    def __init__(self):
        self.lines = ["$ORIGIN %s." % ZONE, "$TTL 3600",
                      "@ IN SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300" % (ZONE, ZONE),
                      "@ IN NS ns.%s." % ZONE, "ns IN A 127.0.0.1"]
        self.txt, self.a, self.mx = {}, {}, {}

    def add(self, name, rtype, data):
        if rtype == "TXT":
            self.txt[name] = data
            chunks = [data[i:i + 250] for i in range(0, len(data), 250)]
            data = " ".join('"%s"' % c for c in chunks)
        elif rtype == "A":
            self.a.setdefault(name, []).append(data)
        elif rtype == "MX":
            self.mx.setdefault(name, []).append(data.split()[1].rstrip("."))
        self.lines.append("%s. IN %s %s" % (name, rtype, data))

    def spf(self, name, ip):
        """(result, chain depth, serial lookups) of check_host(ip, name)."""
        rec = self.txt.get(name, "")
        if not rec.startswith("v=spf1"):
            return "none", 1, 1
        addr = ipaddress.ip_address(ip)
        deepest, serial, redirect = 0, 1, None
        for term in rec.split()[1:]:
            if term.startswith("redirect="):
                redirect = term[9:]
                continue
            q = term[0] if term[0] in "+-~?" else "+"
            mech = term.lstrip("+-~?")
            kind, _, arg = mech.partition(":")
            if kind == "ip4":
                depth, lookups, hit = 0, 0, addr in ipaddress.ip_network(arg)
            elif kind == "a":
                depth, lookups = 1, 1
                hit = ip in self.a.get(arg or name, [])
            elif kind == "mx":
                hosts = self.mx.get(arg or name, [])
                depth, lookups = 2, 1 + len(hosts)
                hit = any(ip in self.a.get(h, []) for h in hosts)
            elif kind == "include":
                r, depth, lookups = self.spf(arg, ip)
                hit = r == "pass"
            elif kind == "all":
                depth, lookups, hit = 0, 0, True
            else:
                raise ValueError(term)
            deepest, serial = max(deepest, depth), serial + lookups
            if hit:
                return ({"+": "pass", "-": "fail", "~": "softfail", "?": "neutral"}[q],
                        1 + deepest, serial)
        if redirect:
            r, depth, lookups = self.spf(redirect, ip)
            return r, 1 + max(deepest, depth), serial + lookups
        return "neutral", 1 + deepest, serial


def build_domain(w, i):
    """Records of domain i; returns (name, pass IPs, SPF fail result)."""
    d = "c%05d.%s" % (i, ZONE)
    net = "10.%d.%d" % (i >> 8 & 255, i & 255)
    shape = i % 5
    w.add("mta." + d, "A", net + ".5")
    w.add("mta." + d, "TXT", "v=spf1 a -all")
    if shape == 0:
        w.add(d, "TXT", "v=spf1 ip4:%s.0/24 -all" % net)
        ips = [net + ".11"]
    elif shape == 1:
        w.add(d, "TXT", "v=spf1 a mx -all")
        w.add(d, "A", net + ".10")
        w.add(d, "MX", "10 mx.%s." % d)
        w.add("mx." + d, "A", net + ".20")
        ips = [net + ".20"]
    elif shape == 2:
        w.add(d, "TXT", "v=spf1 include:_spf.%s -all" % d)
        w.add("_spf." + d, "TXT", "v=spf1 include:_a._spf.%s include:_b._spf.%s ~all"
              % (d, d))
        w.add("_a._spf." + d, "TXT", "v=spf1 ip4:%s.0/26 -all" % net)
        w.add("_b._spf." + d, "TXT", "v=spf1 ip4:%s.64/26 a:out.%s -all" % (net, d))
        w.add("out." + d, "A", net + ".199")
        ips = [net + ".70", net + ".199"]
    elif shape == 3:
        w.add(d, "TXT", "v=spf1 mx include:_spf.%s -all" % d)
        w.add(d, "MX", "10 mx.%s." % d)
        w.add("mx." + d, "A", net + ".20")
        w.add("_spf." + d, "TXT", "v=spf1 a:o1.%s a:o2.%s -all" % (d, d))
        w.add("o1." + d, "A", net + ".31")
        w.add("o2." + d, "A", net + ".32")
        ips = [net + ".32"]
    else:
        w.add(d, "TXT", "v=spf1 redirect=_spf.%s" % d)
        w.add("_spf." + d, "TXT", "v=spf1 include:_esp.%s ~all" % d)
        w.add("_esp." + d, "TXT", "v=spf1 mx:_esp.%s -all" % d)
        w.add("_esp." + d, "MX", "10 mx1._esp.%s." % d)
        w.add("mx1._esp." + d, "A", net + ".50")
        ips = [net + ".50"]
    return d, ips


def main():
    a = corpus_args(__doc__, 1000)
    rng = random.Random(a.seed)
    # shared key material (DNS names are per domain): keygen is slow
    keys = {"rsa2048": Key(rng, "rsa2048", "k"), "rsa1024": Key(rng, "rsa1024", "k"),
            "ed25519": Key(rng, "ed25519", "k")}
    w = World()
    os.makedirs(os.path.join(a.out, "msg"), exist_ok=True)
    out = {n: open(os.path.join(a.out, n), "w") for n in
           ("manifest.tsv", "expect.tsv", "sigs.tsv", "bound.tsv")}
    out["manifest.tsv"].write("# id\tfile\tclient_ip\thelo\tmail_from\trcpts\tauth\n")
    out["expect.tsv"].write("# id\tkind\tspf\tdkim\tdmarc\tpolicy\tfrom_domain\tsignatures\n")
    out["sigs.tsv"].write("# id\talg\theader_bytes\tbody_bytes\n")
    out["bound.tsv"].write("# id\tfrom_domain\tbound\tspf_chain\tspf_serial\thelo_chain"
                           "\tdmarc_levels\n")
    for seq in range(a.count):
        d, ips = build_domain(w, seq + 1)
        kind = rng.choices([k for k, _ in KINDS], [p for _, p in KINDS])[0]
        level = seq % 7          # where From sits below the record
        has_dmarc = seq % 10 != 9
        policy = ("none", "quarantine", "reject")[seq % 3]
        if has_dmarc:
            w.add("_dmarc." + d, "TXT", "v=DMARC1; p=%s; rua=mailto:agg@%s" % (policy, d))
        if level in (0, 1, 2) or not has_dmarc:
            from_dom = d
        elif level in (3, 4):
            from_dom = "news." + d
        elif level == 5:
            from_dom = "x.y." + d
            w.add("_dmarc.y." + d, "TXT", "v=DMARC1; p=%s" % policy)
        else:
            from_dom = "a.b.c." + d
        walk = from_dom.count(".") + 1 if not has_dmarc else \
            2 if level == 5 else from_dom.count(".") - d.count(".") + 1
        alg = ("rsa2048", "rsa2048", "ed25519", "rsa1024")[seq % 4]
        signers = [("s%d" % seq, keys[alg])]
        if seq % 6 == 0 and alg != "ed25519":
            signers.append(("ed%d" % seq, keys["ed25519"]))
        for sel, key in signers:
            w.add("%s._domainkey.%s" % (sel, d), "TXT", key.txt())
        ip = rng.choice(ips)
        if kind in ("spffail", "bothfail"):
            ip = "192.0.2.%d" % rng.randint(1, 250)
        spf, spf_chain, spf_serial = w.spf(d, ip)
        helo_res, helo_chain, _ = w.spf("mta." + d, ip)
        size = int(min(60000, max(2000, rng.lognormvariate(math.log(6000), 0.7))))
        ctype, body = make_body(rng, size)
        hdrs = ["Received: from mta.%s (mta.%s [%s])\r\n\tby mx.inbound.example with ESMTPS"
                " id %X;\r\n\tMon, 7 Dec 2026 10:%02d:00 +0000"
                % (d, d, ip, rng.getrandbits(40), seq % 60),
                "From: <sender@%s>" % from_dom, "To: <rcpt@inbound.example>",
                "Subject: cold %d" % seq,
                "Date: Mon, 7 Dec 2026 10:%02d:%02d +0000" % (seq % 60, seq % 59),
                "Message-ID: <%016x.%d@%s>" % (rng.getrandbits(64), seq, from_dom),
                "MIME-Version: 1.0", "Content-Type: " + ctype]
        msg = ("\r\n".join(hdrs) + "\r\n\r\n").encode() + body
        signed = [h for h in SIGNED if h.decode() + ":" in
                  msg.split(b"\r\n\r\n")[0].decode().lower()]
        sigs = []
        for sel, key in signers:
            algo = b"ed25519-sha256" if key.alg == "ed25519" else b"rsa-sha256"
            sigs.append((key.alg, dkim.sign(msg, sel.encode(), d.encode(), key.priv,
                                            canonicalize=(b"relaxed", b"relaxed"),
                                            signature_algorithm=algo,
                                            include_headers=signed)))
        for _, sig in sigs:
            msg = sig + msg
        if kind in ("badbody", "bothfail"):
            at = msg.index(b"\r\n\r\n") + 4 + len(body) // 2
            while not msg[at:at + 1].isalnum():
                at += 1
            msg = msg[:at] + b"X" + msg[at:]
        dkim_ok = kind not in ("badbody", "bothfail")
        res = "pass" if dkim_ok else "fail"
        dmarc = "none" if not has_dmarc else \
            "pass" if dkim_ok or spf == "pass" else "fail"
        mid, fname = "m%05d" % seq, "msg/%05d.eml" % seq
        with open(os.path.join(a.out, fname), "wb") as f:
            f.write(msg)
        out["manifest.tsv"].write("\t".join((mid, fname, ip, "mta." + d, "bounce@" + d,
                                             "rcpt@inbound.example", "-")) + "\n")
        out["expect.tsv"].write("\t".join((mid, kind, spf, res, dmarc, policy, from_dom,
                                           ",".join("%s:%s" % (d, res) for _ in sigs)))
                                + "\n")
        cbody = dkim.canonicalization.Relaxed.canonicalize_body(msg.split(b"\r\n\r\n", 1)[1])
        for alg_, sig in sigs:
            out["sigs.tsv"].write("%s\t%s\t%d\t%d\n" % (mid, alg_, len(sig) + sum(
                len(h) for h in hdrs[1:]), len(cbody)))
        bound = max(spf_chain, helo_chain, 1)
        out["bound.tsv"].write("%s\t%s\t%d\t%d\t%d\t%d\t%d\n" % (
            mid, from_dom, bound, spf_chain, spf_serial, helo_chain, walk))
    for f in out.values():
        f.close()
    with open(os.path.join(a.out, "cold.zone"), "w") as f:
        f.write("\n".join(w.lines) + "\n")


if __name__ == "__main__":
    main()
