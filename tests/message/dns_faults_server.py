#!/usr/bin/python3
# tests/message/dns_faults_server.py - a misbehaving authoritative DNS
# server for tests/message/dns_faults.sh (run with /usr/bin/python3; needs
# python3-dnspython).
#
#   dns_faults_server.py DATA.json LOG PORTFILE [PORT]
#
# Serves UDP and TCP on 127.0.0.1:PORT (0 or absent: a free port, the same
# for both) and writes the port to PORTFILE once both listen. DATA.json is
#   {"txt": {"name": ["string", ...]}, "faults": {"name": "behaviour"}}
# Names in "txt" answer with one TXT record holding those character-strings
# (strings over 255 octets are cut into several); names above them exist
# (NODATA), other names are NXDOMAIN. A name in "faults" behaves instead:
#   timeout    never answered (UDP or TCP)
#   servfail   RCODE 2          refused   RCODE 5
#   tc-tcp     UDP: an empty answer with TC set; TCP: the record
#   tc-closed  UDP: TC set; TCP: the connection is closed unanswered
#   malformed  a TXT answer whose character-string length runs past rdlength
#   flood      UDP: TC set; TCP: a 65535 length prefix then 100 KB of junk
#   die        the server exits at once, unanswered ("killed mid-run")
# "delays": {"suffix": ms} (optional) answers every name equal to or under
# suffix (the longest match) after ms milliseconds, without holding up the
# answers to other queries: a slow but working server.
# Any answer too big for the client's UDP size (EDNS, else 512) goes out
# empty with TC set, as real servers do. Every query is logged to LOG as
# "udp|tcp NAME TYPE" (lowercase, no trailing dot) before it is answered.
import json
import os
import socket
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

FLOOD_BYTES = 100 * 1024
TTL = 300

data = json.load(open(sys.argv[1]))
TXT = {k.lower().rstrip("."): v for k, v in data.get("txt", {}).items()}
FAULTS = {k.lower().rstrip("."): v for k, v in data.get("faults", {}).items()}
DELAYS = {k.lower().rstrip("."): v for k, v in data.get("delays", {}).items()}
EXISTS = set()
for n in list(TXT) + list(FAULTS):
    labels = n.split(".")
    for i in range(len(labels)):
        EXISTS.add(".".join(labels[i:]))
log_lock = threading.Lock()
log = open(sys.argv[2], "a")


def note(proto, name, qtype):
    with log_lock:
        log.write("%s %s %s\n" % (proto, name, qtype))
        log.flush()


def chunks(s):
    b = s.encode()
    return [b[i:i + 255] for i in range(0, len(b), 255)] or [b""]


def soa(resp):
    rr = dns.rrset.from_text(".", TTL, "IN", "SOA",
                             "ns.invalid. hostmaster.invalid. 1 3600 600 86400 60")
    resp.authority.append(rr)


def delay_of(name):
    """Seconds to wait before answering name (0: at once)."""
    best, ms = -1, 0
    for suffix, d in DELAYS.items():
        if (name == suffix or name.endswith("." + suffix)) and len(suffix) > best:
            best, ms = len(suffix), d
    return ms / 1000.0


def answer(query, name, qtype, tcp):
    """The reply (bytes), or None to stay silent / close."""
    fault = FAULTS.get(name)
    if fault == "die":
        os._exit(0)
    if fault == "timeout":
        return None
    resp = dns.message.make_response(query)
    resp.flags |= dns.flags.AA
    if fault == "servfail":
        resp.set_rcode(dns.rcode.SERVFAIL)
        return resp.to_wire()
    if fault == "refused":
        resp.flags &= ~dns.flags.AA
        resp.set_rcode(dns.rcode.REFUSED)
        return resp.to_wire()
    if fault in ("tc-tcp", "tc-closed", "flood") and not tcp:
        resp.flags |= dns.flags.TC
        return resp.to_wire()
    if fault in ("tc-closed", "flood") and tcp:
        return fault
    if fault == "malformed":
        wire = bytearray(resp.to_wire())
        wire[6:8] = struct.pack("!H", 1)  # ANCOUNT 1
        rdata = bytes([200]) + b"v=spf1 -a"  # length 200 > 9 octets left
        wire += struct.pack("!HHHIH", 0xC00C, 16, 1, TTL, len(rdata)) + rdata
        return bytes(wire)
    if name in TXT and qtype == dns.rdatatype.TXT:
        strings = []
        for s in TXT[name]:
            strings.extend(chunks(s))
        rd = dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, dns.rdatatype.TXT,
                                     strings)
        rrset = dns.rrset.RRset(query.question[0].name, dns.rdataclass.IN,
                                dns.rdatatype.TXT)
        rrset.add(rd, TTL)
        resp.answer.append(rrset)
    elif name in EXISTS or name in TXT:
        soa(resp)
    else:
        resp.set_rcode(dns.rcode.NXDOMAIN)
        soa(resp)
    wire = resp.to_wire(max_size=65535)
    limit = max(512, query.payload if query.edns >= 0 else 512)
    if not tcp and len(wire) > limit:
        resp.answer = []
        resp.authority = []
        resp.flags |= dns.flags.TC
        wire = resp.to_wire()
    return wire


def parse(wire, proto):
    try:
        q = dns.message.from_wire(wire)
        qn = q.question[0]
    except Exception:
        return None, None, None
    name = qn.name.to_text(omit_final_dot=True).lower()
    note(proto, name, dns.rdatatype.to_text(qn.rdtype))
    return q, name, qn.rdtype


def udp_loop(s):
    while True:
        wire, peer = s.recvfrom(65535)
        q, name, qtype = parse(wire, "udp")
        if q is None:
            continue
        try:
            out = answer(q, name, qtype, False)
            if isinstance(out, bytes):
                d = delay_of(name)
                if d > 0:
                    threading.Timer(d, s.sendto, (out, peer)).start()
                else:
                    s.sendto(out, peer)
        except Exception as e:  # keep serving; the test sees the error
            print("udp %s: %r" % (name, e), file=sys.stderr, flush=True)


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        part = c.recv(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def tcp_conn(c):
    held = False
    try:
        while True:
            hdr = recv_exact(c, 2)
            if hdr is None:
                return
            wire = recv_exact(c, struct.unpack("!H", hdr)[0])
            if wire is None:
                return
            q, name, qtype = parse(wire, "tcp")
            if q is None:
                return
            out = answer(q, name, qtype, True)
            if delay_of(name) > 0:
                time.sleep(delay_of(name))
            if out is None:
                held = True  # timeout: keep the connection, say nothing
                continue
            if out == "tc-closed":
                return
            if out == "flood":
                junk = b"\xff" * FLOOD_BYTES
                c.sendall(struct.pack("!H", 65535) + junk)
                return
            c.sendall(struct.pack("!H", len(out)) + out)
    except Exception as e:
        print("tcp: %r" % e, file=sys.stderr, flush=True)
        return
    finally:
        if not held:
            c.close()


def tcp_loop(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()


def listen(port):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind(("127.0.0.1", port))
    port = u.getsockname()[1]
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", port))
    t.listen(64)
    return u, t, port


def main():
    want = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    for _ in range(20):
        try:
            u, t, port = listen(want)
            break
        except OSError:
            if want:
                raise
    else:
        sys.exit("no port free for both UDP and TCP")
    threading.Thread(target=udp_loop, args=(u,), daemon=True).start()
    threading.Thread(target=tcp_loop, args=(t,), daemon=True).start()
    with open(sys.argv[3] + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    threading.Event().wait()


main()
