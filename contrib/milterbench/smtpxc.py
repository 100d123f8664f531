#!/usr/bin/python3
"""contrib/milterbench/smtpxc.py - sends the milterbench corpus through an
SMTP server with XCLIENT, N clients in parallel (postfix.sh runs it).

    smtpxc.py --port PORT --dir CORPUS -n COUNT -c CLIENTS [--skip K]

Each message gets its own SMTP session, as from a real MTA: EHLO, XCLIENT
ADDR=<corpus client IP> NAME=[UNAVAILABLE] HELO=<corpus HELO> [LOGIN=user],
EHLO again, MAIL FROM, RCPT TO, DATA, QUIT. Messages are taken from the
manifest (skipping K, cycling when COUNT exceeds it) by CLIENTS threads.
Prints one line "sent=N errors=E secs=S msgs_per_s=R"; an error is any
reply other than 2xx/3xx where one is expected. A Python client is fast
enough: Postfix relays a few hundred messages/s here, and the client's CPU
is not counted in any figure.
"""
import argparse
import smtplib
import threading
import time


def load(corpus, count, skip):
    rows = []
    with open(corpus + "/manifest.tsv") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            mid, path, ip, helo, mfrom, rcpts, auth = line.rstrip("\n").split("\t")
            with open(corpus + "/" + path, "rb") as m:
                data = m.read()
            rows.append((ip, helo, mfrom, rcpts.split(","), auth, data))
    return [rows[(skip + i) % len(rows)] for i in range(count)]


def send_one(port, row):
    ip, helo, mfrom, rcpts, auth, data = row
    addr = "IPV6:" + ip if ":" in ip else ip
    s = smtplib.SMTP("127.0.0.1", port, local_hostname="bench-client.test",
                     timeout=60)
    try:
        s.ehlo()
        cmd = "ADDR=%s NAME=[UNAVAILABLE] HELO=%s" % (addr, helo)
        if auth != "-":
            cmd += " LOGIN=" + auth
        code, msg = s.docmd("XCLIENT", cmd)
        if code != 220:
            raise smtplib.SMTPResponseException(code, msg)
        s.ehlo_resp = None
        s.esmtp_features = {}
        s.ehlo(helo)
        s.sendmail(mfrom, rcpts, data)
        s.quit()
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("-c", type=int, default=8)
    ap.add_argument("--skip", type=int, default=0)
    a = ap.parse_args()
    rows = load(a.dir, a.n, a.skip)
    lock = threading.Lock()
    state = {"next": 0, "errors": 0}

    def worker():
        while True:
            with lock:
                i = state["next"]
                state["next"] += 1
            if i >= len(rows):
                return
            try:
                send_one(a.port, rows[i])
            except (smtplib.SMTPException, OSError):
                with lock:
                    state["errors"] += 1

    t0 = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(a.c)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    secs = time.monotonic() - t0
    print("sent=%d errors=%d secs=%.2f msgs_per_s=%.1f"
          % (len(rows), state["errors"], secs, len(rows) / secs))


if __name__ == "__main__":
    main()
