#!/usr/bin/python3
"""tests/milter/milter_engine.py - the milter engine against a real
authmilter daemon, played from the MTA side over its unix socket (run by
milter_engine.sh; needs $AUTHMILTER). Each check says what it shows:

  mds        the packet size the MTA offers (SMFIP_MDS_256K / _1M) is
             echoed, as libmilter does
  leadspc    header values without their leading space for an MTA that
             adds one itself (no SMFIP_HDR_LEADSPC), with it otherwise
  oversized  a header field over the negotiated packet bound is skipped:
             the message gets a verdict (a From field: a bad From, rejected with bad_from_action = reject), the
             connection stays and the next message passes
  sent       the log line names the action the MTA was given (tempfail
             when the MTA refused our header), not the verdict's
  warn-once  negotiation warnings are logged once per process
  memory     16 connections each pushing what one may (macros at every
             stage, the header block with 1,000 signatures, a packet held
             half sent): the
             daemon's RSS stays within the bound it states at start-up
             (max_connections x per connection), and a message on another
             connection gets its verdict meanwhile
  progress   a slow DNS (a resolver that never answers) at end of message:
             SMFIR_PROGRESS comes before the MTA's read timeout (8 s per
             read here, as Sendmail's 10 s), then the verdict

Exit 0 when every check passed; each prints "ok" or "FAIL" and a reason.
"""
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

AUTHMILTER = os.environ.get("AUTHMILTER", os.path.abspath("build/authmilter"))
SRC = os.getcwd()
ZONE = os.path.join(SRC, "tests/fixtures/milter/milter.zone")
ASID = "eng.test"

# mfdef.h
SMFIP_HDR_LEADSPC = 0x00100000
SMFIP_MDS_256K = 0x10000000
SMFIP_MDS_1M = 0x20000000
SMFI_CURR_PROT = 0x001FFFFF
SMFI_CURR_ACTS = 0x000001FF
SMFIF_ADDHDRS = 0x01
NR = {b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000,
      b"L": 0x80, b"N": 0x40000, b"B": 0x80000}
FINAL = b"acrtyd"

failures = 0


def report(ok, name, why):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ": " + why, flush=True)
    if not ok:
        failures += 1


def pkt(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def macros(stage, pairs):
    d = stage
    for n, v in pairs:
        d += n.encode() + b"\0" + v.encode() + b"\0"
    return pkt(b"D", d)


class Conn:
    """One MTA-side milter connection (blocking, per-read timeout)."""

    def __init__(self, path, timeout=10.0):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(timeout)
        self.s.connect(path)
        self.prot = 0

    def close(self):
        try:
            self.s.sendall(pkt(b"Q"))
        except OSError:
            pass
        self.s.close()

    def recv_exact(self, n):
        b = b""
        while len(b) < n:
            c = self.s.recv(n - len(b))
            if not c:
                raise EOFError("connection closed by the milter")
            b += c
        return b

    def reply(self):
        head = self.recv_exact(5)
        n = struct.unpack(">I", head[:4])[0] - 1
        return head[4:5], self.recv_exact(n) if n > 0 else b""

    def optneg(self, version=6, actions=SMFI_CURR_ACTS, prot=SMFI_CURR_PROT):
        self.s.sendall(pkt(b"O", struct.pack(">III", version, actions, prot)))
        cmd, data = self.reply()
        assert cmd == b"O", cmd
        v, a, p = struct.unpack(">III", data[:12])
        self.prot = p
        return v, a, p

    def replied(self, cmd):
        return (self.prot & NR.get(cmd, 0)) == 0

    def message(self, qid, headers, ip="192.0.2.10", mail="<alice@example.com>",
                connect=True):
        """Send a message; returns (final cmd, final data, mods, progress)."""
        out, want = b"", 0
        steps = []
        if connect:
            steps.append((b"C", b"mail.example.com\0" + b"4" +
                          struct.pack(">H", 25) + ip.encode() + b"\0"))
            steps.append((b"H", b"mail.example.com\0"))
        out += b"".join(pkt(c, d) for c, d in steps)
        want += sum(self.replied(c) for c, _ in steps)
        out += macros(b"M", [("i", qid)])
        steps = [(b"M", mail.encode() + b"\0"), (b"R", b"<bob@example.net>\0")]
        steps += [(b"L", n.encode() + b"\0" + v.encode() + b"\0")
                  for n, v in headers]
        steps += [(b"N", b""), (b"B", b"Hello.\r\n")]
        out += b"".join(pkt(c, d) for c, d in steps)
        want += sum(self.replied(c) for c, _ in steps)
        out += pkt(b"E")
        self.s.sendall(out)
        for _ in range(want):
            cmd, _ = self.reply()
            if cmd != b"c":
                return cmd, b"", [], 0
        return self.eom_replies()

    def eom_replies(self):
        mods, progress = [], 0
        while True:
            cmd, data = self.reply()
            if cmd == b"p":
                progress += 1
            elif cmd in FINAL:
                return cmd, data, mods, progress
            else:
                mods.append((cmd, data))


def ar_value(mods):
    for cmd, data in mods:
        if cmd == b"i":
            name, value = data[4:].split(b"\0")[:2]
            if name == b"Authentication-Results":
                return value.decode()
    return None


class Daemon:
    def __init__(self, tmp, name, conf, args=()):
        self.sock = os.path.join(tmp, name + ".sock")
        self.log = os.path.join(tmp, name + ".log")
        cpath = os.path.join(tmp, name + ".conf")
        with open(cpath, "w") as f:
            f.write('user = ""\npidfile = ""\nauthserv_id = "%s"\n' % ASID)
            f.write(conf)
        self.logf = open(self.log, "w")
        self.p = subprocess.Popen(
            [AUTHMILTER, "run", "-f", "-c", cpath, "-p", "unix:" + self.sock]
            + list(args), stdout=self.logf, stderr=subprocess.STDOUT)
        for _ in range(200):
            if os.path.exists(self.sock) or self.p.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(0.1)
        if self.p.poll() is not None:
            raise RuntimeError("authmilter did not start: " +
                               open(self.log).read())

    def text(self):
        self.logf.flush()
        return open(self.log, errors="replace").read()

    def rss_kb(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.logf.close()
        return self.p.returncode


def normal(conn, qid, **kw):
    return conn.message(qid, [("From", "alice@example.com"),
                              ("Subject", "hello")], **kw)


def check_mds(d):
    for offer, want in ((SMFIP_MDS_256K, SMFIP_MDS_256K),
                        (SMFIP_MDS_256K | SMFIP_MDS_1M, SMFIP_MDS_1M),
                        (0, 0)):
        c = Conn(d.sock)
        _, _, p = c.optneg(prot=SMFI_CURR_PROT | offer)
        c.close()
        got = p & (SMFIP_MDS_256K | SMFIP_MDS_1M)
        if got != want:
            report(False, "mds", "offered 0x%x, echoed 0x%x (want 0x%x)" %
                   (offer, got, want))
            return
    report(True, "mds", "256K, 1M and none echoed as offered")


def check_leadspc(d):
    for offer, lead in ((SMFI_CURR_PROT, " "),
                        (SMFI_CURR_PROT & ~SMFIP_HDR_LEADSPC, "")):
        c = Conn(d.sock)
        c.optneg(prot=offer)
        cmd, _, mods, _ = normal(c, "LEAD%d" % len(lead))
        c.close()
        ar = ar_value(mods)
        if cmd != b"a" or ar is None or not ar.startswith(lead + ASID + ";"):
            report(False, "leadspc", "offered 0x%x: reply %r, AR %r" %
                   (offer, cmd, ar))
            return
    report(True, "leadspc", "' %s;' verbatim, '%s;' for an MTA that adds "
           "the space" % (ASID, ASID))


def check_oversized(d):
    c = Conn(d.sock)
    c.optneg(prot=SMFI_CURR_PROT | SMFIP_MDS_256K)
    big = "x" * (300 * 1024)
    try:
        cmd, _, mods, _ = c.message("BIG1", [("From", "alice@example.com"),
                                             ("Subject", big)])
        ar = ar_value(mods)
        cmd2, data2, _, _ = c.message("BIG2", [("From", big)], connect=False)
        cmd3, _, mods3, _ = normal(c, "BIG3", connect=False)
    except (EOFError, OSError) as e:
        report(False, "oversized", "the connection was lost: %s" % e)
        return
    c.close()
    # no size negotiated (Postfix): the bound is 1 MB
    c = Conn(d.sock)
    c.optneg()
    try:
        cmd4, _, mods4, _ = c.message("BIG4", [
            ("From", "alice@example.com"), ("Subject", "y" * (1536 * 1024))])
        cmd5, _, _, _ = normal(c, "BIG5", connect=False)
    except (EOFError, OSError) as e:
        report(False, "oversized", "1.5 MB Subject: the connection was lost: "
               "%s" % e)
        return
    c.close()
    log = d.text()
    ok = (cmd == b"a" and ar is not None and cmd2 == b"y" and
          data2.startswith(b"550") and cmd3 == b"a" and
          ar_value(mods3) is not None and cmd4 == b"a" and
          ar_value(mods4) is not None and cmd5 == b"a" and
          re.search(r"BIG1: header field Subject of 307\d+ bytes is over",
                    log) is not None and
          re.search(r"BIG2: .*action=reject.*bad From", log) is not None)
    report(ok, "oversized", "with 256 KB packets: 300 KB Subject: %r, 300 KB "
           "From: %r %r, next message: %r; with 1 MB: 1.5 MB Subject: %r, "
           "next: %r; each on one connection" %
           (cmd, cmd2, data2[:9], cmd3, cmd4, cmd5))


def check_sent(d):
    c = Conn(d.sock)
    c.optneg(actions=SMFI_CURR_ACTS & ~SMFIF_ADDHDRS)
    cmd, data, _, _ = normal(c, "SENT1")
    c.close()
    line = [l for l in d.text().splitlines() if "SENT1: qid=SENT1 " in l]
    ok = (cmd == b"y" and data.startswith(b"451") and len(line) == 1 and
          " action=tempfail " in line[0] and " verdict=accept " in line[0]
          and "action=accept" not in line[0])
    report(ok, "sent", "MTA got %r %r; logged: %s" %
           (cmd, data[:9], line[0][-90:] if line else "nothing"))


def check_warn_once(d):
    for prot, acts in ((SMFI_CURR_PROT & ~SMFIP_HDR_LEADSPC, SMFI_CURR_ACTS),
                       (SMFI_CURR_PROT & ~SMFIP_HDR_LEADSPC, 0x0f),
                       (SMFI_CURR_PROT, 0x0f)):
        c = Conn(d.sock)
        c.optneg(actions=acts, prot=prot)
        c.close()
    time.sleep(0.2)
    log = d.text()
    a = log.count("does not offer every action")
    b = log.count("cannot pass header values with their leading space")
    report(a == 1 and b == 1, "warn-once", "actions warning %d time(s), "
           "leading-space warning %d time(s) over 4+ connections" % (a, b))


def attack(path, nmacro, hbytes):
    """One connection pushing what a client may: returns it, held."""
    c = Conn(path, timeout=30)
    c.optneg(prot=SMFI_CURR_PROT | SMFIP_MDS_1M)
    out = b""
    for stage in b"CHMRTNE":
        out += macros(bytes([stage]), [("{big}", "m" * nmacro)])
    out += pkt(b"C", b"h\0" + b"4" + struct.pack(">H", 25) +
               b"192.0.2.99\0")
    out += pkt(b"H", b"h\0") + pkt(b"M", b"<a@example.org>\0")
    out += pkt(b"R", b"<b@example.net>\0")
    # the header block: 1,000 signatures (each gets a result at end of
    # header), the rest in the smallest fields (1-byte name, no value)
    sig = pkt(b"L", b"DKIM-Signature\0v=1\0")
    out += sig * 1000
    one = pkt(b"L", b"a\0\0")
    out += one * ((hbytes - 1000 * 20) // 4)
    out += pkt(b"N")
    # a body packet at the bound, sent but for its last bytes
    n = 1024 * 1024 - 1
    out += struct.pack(">I", n + 1) + b"B" + b"v" * (n - 200)
    c.s.sendall(out)
    return c


def check_memory(d, nconn, max_header):
    c = Conn(d.sock)
    c.optneg()
    normal(c, "MEM0")
    c.close()
    time.sleep(0.3)
    base = d.rss_kb()
    m = re.search(r"each holding at most about ([0-9.]+) MB", d.text())
    per_kb = float(m.group(1)) * 1024 if m else 2458 + 3 * max_header / 1024
    bound = base + nconn * per_kb
    held = [attack(d.sock, 1000 * 1024, max_header) for _ in range(nconn)]
    peak = 0
    for _ in range(20):
        time.sleep(0.1)
        peak = max(peak, d.rss_kb())
    c = Conn(d.sock)
    c.optneg()
    t0 = time.time()
    try:
        cmd, _, mods, _ = normal(c, "MEM1")
    except (EOFError, OSError) as e:
        cmd, mods = repr(e), []
    took = time.time() - t0
    c.close()
    for _ in range(10):
        time.sleep(0.1)
        peak = max(peak, d.rss_kb())
    for h in held:
        h.s.close()
    # ASan keeps freed memory in quarantine and pads every block: RSS is
    # not judged in that build (make sanitize), the rest is
    asan = b"libasan" in subprocess.run(["ldd", AUTHMILTER],
                                        capture_output=True).stdout
    ok = (cmd == b"a" and ar_value(mods) is not None and
          (asan or peak <= bound))
    report(ok, "memory", "%d connections at the maximum: RSS %.1f MB -> "
           "%.1f MB, stated bound %.1f MB (%d x %.2f MB)%s; a message on "
           "another connection: %r in %.2f s" %
           (nconn, base / 1024, peak / 1024, bound / 1024, nconn,
            per_kb / 1024, " (not judged under ASan)" if asan else "",
            cmd, took))


def check_progress(tmp):
    hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hole.bind(("127.0.0.1", 0))          # a resolver that never answers
    port = hole.getsockname()[1]
    # The SPF checks of MAIL FROM and HELO run at once: their two queries'
    # timeouts back libunbound's estimate of the server off twice as fast,
    # so with authmilter's settings (outbound-msg-retry 2, a round trip
    # capped at half the deadline) the server is given up, SERVFAIL, after
    # about 2.3 s - too soon to hold end of message. Keep libunbound
    # asking until authmilter's own deadline (9 s per wait) instead.
    conf = os.path.join(tmp, "slow-unbound.conf")
    with open(conf, "w") as f:
        f.write('server:\n    module-config: "iterator"\n'
                '    infra-cache-max-rtt: 120000\n'
                '    outbound-msg-retry: 10\n'
                'forward-zone:\n    name: "."\n'
                '    forward-addr: 127.0.0.1@%d\n' % port)
    d = Daemon(tmp, "slow", 'dns_trust_anchor = ""\n',
               ["--dns-conf", conf, "--dns-timeout", "9000"])
    try:
        c = Conn(d.sock, timeout=8)     # Sendmail: a timeout per read
        c.optneg()
        t0 = time.time()
        try:
            cmd, _, mods, progress = normal(c, "SLOW1")
            ar = ar_value(mods)
        except (EOFError, OSError) as e:
            cmd, ar, progress = repr(e), None, 0
        took = time.time() - t0
        c.close()
        ok = (cmd == b"a" and progress >= 1 and ar is not None and
              "temperror" in ar)
        report(ok, "progress", "end of message after %.1f s: %d progress "
               "packet(s), then %r (%s)" %
               (took, progress, cmd, "temperror" if ar and "temperror" in ar
                else ar))
    finally:
        d.stop()
        hole.close()


def main():
    which = sys.argv[1:] or ["mds", "leadspc", "oversized", "sent",
                             "warn-once", "memory", "progress"]
    tmp = tempfile.mkdtemp(prefix="milter_engine.")
    nconn, max_header = 16, 256 * 1024
    d = Daemon(tmp, "am", "max_connections = %d\nmax_header_bytes = %d\n"
               "bad_from_action = reject\n"
               % (nconn + 8, max_header), ["--dns-zone", ZONE])
    try:
        for name, fn in (("mds", check_mds), ("leadspc", check_leadspc),
                         ("oversized", check_oversized),
                         ("sent", check_sent),
                         ("warn-once", check_warn_once)):
            if name in which:
                fn(d)
        if "memory" in which:
            check_memory(d, nconn, max_header)
    finally:
        rc = d.stop()
        log = open(d.log, errors="replace").read()
    if rc != 0:
        report(False, "daemon", "exit status %s after SIGTERM" % rc)
    if "progress" in which:
        check_progress(tmp)
    if failures:
        print("--- daemon log (last lines):")
        print("\n".join(log.splitlines()[-25:]))
    subprocess.call(["rm", "-rf", tmp])
    print("%s: milter_engine" % ("FAIL" if failures else "PASS"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
