#!/usr/bin/python3
"""contrib/milterbench/coldreport.py - the cold-DNS benchmark's table, targets and analysis.

    /usr/bin/python3 contrib/milterbench/coldreport.py --corpus DIR --run DIR \
        --delays "20 80" --concurrency 16

Reads gencold.py's bound.tsv (each message's lower bound in round trips) and,
per delay D and subject S in {authmilter, pair}, cold.sh's S-D.jsonl
(milterbench -o: eom_us per message), S-D.count (dnsdelay's query count) and
S-D.qlog (dnsdelay -L: when each query left the resolver). Prints:
  - the table: end-of-message latency p50/p99, the bound's p50 (ms), p50 over
    the bound's p50, the median of each message's latency/bound, DNS queries
    per message (at dnsdelay), errors;
  - latency minus bound x RTT (p50) per bound: a fixed cost or one per step;
  - the resolver floor (floor-D.out, ubreplay: libunbound alone replaying
    authmilter's query log): one lookup's p50, and authmilter's p50 over the
    bound counted in those steps instead of round trips;
  - the issue's targets judged from the same run: authmilter p50 <= 1.3x the
    bound, <= 0.3x the pair's p50;
  - for the largest delay, "where it waits": each message's queries (known
    by its domain's name) cut into waves of round trips; per message the
    waves against the bound; per kind of lookup (SPF record, include or
    redirect target, a/mx, HELO, DKIM key, DMARC walk level) the wave of its
    first query; per SPF shape the waves its queries spanned against the
    chain (bound) and a serial evaluator's lookup count; the DMARC walk's
    spread.
"""
import argparse
import json
import os
import re
import statistics

DOMAIN = re.compile(r"(c\d{5})\.cold\.$")


def pct(v, p):
    v = sorted(v)
    return v[int(p * (len(v) - 1) + 0.5)] if v else 0.0


def load_bounds(corpus):
    b = {}
    with open(os.path.join(corpus, "bound.tsv")) as f:
        for line in f:
            if line.startswith("#"):
                continue
            i, from_dom, bound, chain, serial, helo, walk = line.split()
            b[i] = {"from": from_dom, "bound": int(bound), "spf": int(chain),
                    "spf_serial": int(serial), "helo": int(helo), "walk": int(walk),
                    "dom": DOMAIN.search(from_dom + ".").group(1)}
    return b


def load_run(run, subject, delay):
    base = os.path.join(run, "%s-%s" % (subject, delay))
    eom, errors = {}, 0
    with open(base + ".jsonl") as f:
        for line in f:
            r = json.loads(line)
            if r["action"] == "error":
                errors += 1
            eom[r["id"]] = r["eom_us"] / 1000.0
    with open(base + ".count") as f:
        m = re.search(r"queries=(\d+)", f.read())
    return eom, errors, int(m.group(1)) if m else -1


def kind_of(qname, qtype, dom):
    """Which lookup of the message a query is (by the generator's naming)."""
    rel = qname[:-len(dom + ".cold.")] if qname.endswith(dom + ".cold.") else None
    if qtype in (48, 43):
        return "dnssec"
    if rel is None:
        return "other"
    if "._domainkey." in "." + rel or rel.endswith("_domainkey."):
        return "dkim key"
    if rel.startswith("_dmarc."):
        return "dmarc walk L%d" % rel.count(".")
    if rel.startswith("mta."):
        return "helo"
    if qtype == 16 and rel == "":
        return "spf record"
    if qtype == 16:
        return "spf include/redirect"
    if qtype in (1, 28, 15):
        return "spf a/mx"
    return "other"


def analyse(run, subject, delay, bounds):
    """Each message's queries (by its domain's name) cut into waves: a query
    leaving at least 3/4 of a round trip after the current wave began starts
    the next one (it could have waited for an answer; queries of one wave
    could not). Waves are the round trips the message actually chained."""
    by_dom = {}
    with open(os.path.join(run, "%s-%s.qlog" % (subject, delay))) as f:
        for line in f:
            t, _, qname, qtype = line.split()
            m = DOMAIN.search(qname.lower())
            if m:
                by_dom.setdefault(m.group(1), []).append((int(t), qname.lower(), int(qtype)))
    first, msgs, spf_by_shape, walk, gaps = {}, [], {}, {}, []
    for b in bounds.values():
        qs = sorted(by_dom.get(b["dom"], []))
        if not qs:
            continue
        wave, start, kinds = -1, None, {}
        for t, qname, qtype in qs:
            if start is None or t - start >= 0.75 * delay:
                if start is not None:
                    gaps.append(t - start)
                wave, start = wave + 1, t
            k = kind_of(qname, qtype, b["dom"])
            kinds.setdefault(k, []).append(wave)
        for k, w in kinds.items():
            first.setdefault(k, []).append(min(w))
        spf = [w for k, ws in kinds.items() if k.startswith("spf") for w in ws]
        helo = kinds.get("helo", [])
        msgs.append((wave + 1, b["bound"]))
        if spf:
            key = (b["spf"], b["spf_serial"])
            spf_by_shape.setdefault(key, []).append(
                (max(spf) - min(spf) + 1, max(helo) + 1 if helo else 0))
        dm = [w for k, ws in kinds.items() if k.startswith("dmarc") for w in ws]
        if dm and b["walk"] > 1:
            walk.setdefault(b["walk"], []).append(max(dm) - min(dm) + 1)
    return first, msgs, spf_by_shape, walk, gaps


def print_analysis(name, delay, first, msgs, spf_by_shape, walk, gaps):
    print("where %s waits (%d ms; a message's queries cut into waves, a new wave when a "
          "query leaves >= 3/4 RTT after the last wave began):" % (name, delay))
    if not msgs:
        print("  (no queries logged)")
        return
    print("  waves per message: mean %.2f, p50 %d; the bound: mean %.2f, p50 %d; %d/%d "
          "messages chained more round trips than their bound" % (
              statistics.mean(w for w, _ in msgs), pct([w for w, _ in msgs], 0.5),
              statistics.mean(b for _, b in msgs), pct([b for _, b in msgs], 0.5),
              sum(1 for w, b in msgs if w > b), len(msgs)))
    print("  one dependent step (a wave's first query to the next's; the round trip is %d ms):"
          " p10 %d, p50 %d, p90 %d ms" % (delay, pct(gaps, 0.1), pct(gaps, 0.5), pct(gaps, 0.9)))
    print("  first query of each lookup, in wave (mean; 0 = with the message's first "
          "query): " + ", ".join("%s %.2f" % (k, statistics.mean(v))
                                  for k, v in sorted(first.items())))
    print("  SPF (MAIL FROM) by shape: chain (bound) / lookups of a serial evaluator -> "
          "waves the SPF queries spanned; last HELO wave:")
    for (chain, serial), v in sorted(spf_by_shape.items()):
        print("    chain %d / serial %d -> %.2f waves; HELO done in wave %.2f (%d msgs)" % (
            chain, serial, statistics.mean(x for x, _ in v),
            statistics.mean(h for _, h in v), len(v)))
    if walk:
        print("  DMARC tree walk: waves spanned by the _dmarc queries (1.00 = all levels at "
              "once): " + "; ".join("%d levels %.2f" % (lv, statistics.mean(v))
                                    for lv, v in sorted(walk.items())))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--delays", default="20 80")
    ap.add_argument("--concurrency", default="?")
    a = ap.parse_args()
    bounds = load_bounds(a.corpus)
    delays = [int(d) for d in a.delays.split()]
    n = len(bounds)
    hist = {}
    for b in bounds.values():
        hist[b["bound"]] = hist.get(b["bound"], 0) + 1
    print()
    print("cold DNS: corpus of %d messages, each from a new domain (validation on, stub "
          "to nsd via dnsdelay), concurrency %s" % (n, a.concurrency))
    print("bound (longest chain of dependent lookups, round trips): p50 %d, "
          "distribution %s" % (pct([b["bound"] for b in bounds.values()], 0.5),
                               " ".join("%d:%d" % kv for kv in sorted(hist.items()))))
    print("%-6s %-19s %9s %9s %9s %11s %12s %6s %6s" % (
        "rtt_ms", "subject", "eom_p50", "eom_p99", "bound_p50", "p50/bound", "med(lat/bd)",
        "q/msg", "errors"))
    res, excess = {}, {}
    for d in delays:
        for s in ("authmilter", "pair"):
            try:
                eom, errors, q = load_run(a.run, s, d)
            except OSError:
                continue
            lat = list(eom.values())
            bms = [bounds[i]["bound"] * d for i in eom if i in bounds]
            ratio = [eom[i] / (bounds[i]["bound"] * d) for i in eom if i in bounds]
            p50, p99, b50 = pct(lat, 0.5), pct(lat, 0.99), pct(bms, 0.5)
            res[(d, s)] = (p50, statistics.median(ratio) if ratio else 0, b50)
            by = excess.setdefault((d, s), {})
            for i in eom:
                if i in bounds:
                    by.setdefault(bounds[i]["bound"], []).append(
                        eom[i] - bounds[i]["bound"] * d)
            print("%-6d %-19s %9.1f %9.1f %9.1f %10.2fx %11.2fx %6.1f %6d" % (
                d, "authmilter" if s == "authmilter" else "opendkim+opendmarc", p50, p99,
                b50, p50 / b50 if b50 else 0, res[(d, s)][1], q / max(len(eom), 1), errors))
    print("latency minus bound x rtt, p50 ms by bound (round trips): flat = a fixed cost, "
          "growing = a cost per dependent step")
    for (d, s), by in sorted(excess.items()):
        print("  %d ms %-19s %s" % (d, "authmilter" if s == "authmilter" else
                                     "opendkim+opendmarc", "  ".join(
                                         "%d: %.0f" % (k, pct(v, 0.5))
                                         for k, v in sorted(by.items()))))
    floor_lines = []
    for d in delays:
        try:
            with open(os.path.join(a.run, "floor-%d.out" % d)) as f:
                m = re.search(r"p50_ms=([\d.]+) p90_ms=([\d.]+)", f.read())
        except OSError:
            continue
        if not m or (d, "authmilter") not in res:
            continue
        step = float(m.group(1))
        am = res[(d, "authmilter")]
        fb = am[2] / d * step
        floor_lines.append("  %d ms: one lookup p50 %.1f ms, p90 %.1f ms (the round trip + %.1f ms);"
                           " bound x that step %.1f ms; authmilter p50 %.2fx of it" % (
                               d, step, float(m.group(2)), step - d, fb,
                               am[0] / fb if fb else 0))
    if floor_lines:
        print("resolver floor (libunbound alone asking authmilter's questions at the moments "
              "its run asked them, fresh cache; not a target):")
        for line in floor_lines:
            print(line)
    print("targets (each from this run):")
    for d in delays:
        if (d, "authmilter") not in res or (d, "pair") not in res:
            continue
        am, pr = res[(d, "authmilter")], res[(d, "pair")]
        r1 = am[0] / am[2] if am[2] else 0
        r2 = am[0] / pr[0] if pr[0] else 0
        print("  %d ms: authmilter p50 <= 1.3x the bound: %.2fx %s (median per message %.2fx);"
              " <= 0.3x the pair's p50: %.2fx %s" % (
                  d, r1, "met" if r1 <= 1.3 else "NOT met", am[1], r2,
                  "met" if r2 <= 0.3 else "NOT met"))
    d = max(delays)
    for s in ("authmilter", "pair"):
        try:
            got = analyse(a.run, s, d, bounds)
        except OSError:
            continue
        print_analysis("authmilter" if s == "authmilter" else "opendkim+opendmarc", d, *got)


if __name__ == "__main__":
    main()
