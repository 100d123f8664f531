#!/usr/bin/python3
"""contrib/milterbench/compare.py - milter verdicts against the corpus expectations.

    /usr/bin/python3 contrib/milterbench/compare.py EXPECT.tsv RESULTS.jsonl \
        [--methods spf,dkim,dmarc] [--strict] [--show 5]

Reads the Authentication-Results headers the milters added (milterbench -o
output) and compares, per message, the spf=, dkim= (pass when any signature
passed; and each signature's result by header.d) and dmarc= results with
gencorpus.py's expectations. Prints one line per method:
    dkim: 1998/2000 agree
followed by up to --show disagreements. With --strict the exit status is 1
when any compared message disagrees, lacks a result or failed in transit.
"""
import argparse
import json
import re
import sys

RESULT = re.compile(r"(?:^|;)\s*(spf|dkim|dmarc)\s*=\s*([A-Za-z]+)([^;]*)")
HEADER_D = re.compile(r"header\.d\s*=\s*([^\s;]+)")


def load_expect(path):
    exp = {}
    with open(path) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            f_ = line.rstrip("\n").split("\t")
            exp[f_[0]] = {"kind": f_[1], "spf": f_[2], "dkim": f_[3], "dmarc": f_[4],
                          "sigs": sorted(s for s in f_[7].split(",") if s)}
    return exp


def strip_comments(v):
    """v without RFC 5322 comments, and without the inside of quoted strings
    (reason="...; ..." holds semicolons)."""
    out, depth, quoted = [], 0, False
    for ch in v:
        if quoted:
            quoted = ch != '"'
            continue
        if ch == '"' and not depth:
            quoted = True
        elif ch == "(":
            depth += 1
        elif ch == ")" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def verdicts(rec):
    """Method results from every Authentication-Results header added."""
    got = {"spf": [], "dkim": [], "dmarc": [], "sigs": []}
    for m in rec.get("milters", []):
        for mod in m.get("mods", []):
            if mod["name"].lower() != "authentication-results":
                continue
            value = strip_comments(mod["value"].replace("\n", " "))
            for method, result, rest in RESULT.findall(value):
                result = result.lower()
                if method == "spf" and "smtp.helo" in rest:
                    continue        # the HELO identity: not in the expectations
                got[method].append(result)
                if method == "dkim":
                    d = HEADER_D.search(rest)
                    if d:
                        got["sigs"].append("%s:%s" % (d.group(1).lower(), result))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("expect")
    ap.add_argument("results")
    ap.add_argument("--methods", default="spf,dkim,dmarc")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--show", type=int, default=5)
    a = ap.parse_args()
    exp = load_expect(a.expect)
    methods = [m for m in a.methods.split(",") if m]
    agree = {m: 0 for m in methods}
    total, errors, seen = 0, 0, set()
    bad = {m: [] for m in methods}
    with open(a.results) as f:
        for line in f:
            rec = json.loads(line)
            if rec["id"] in seen or rec["id"] not in exp:
                continue
            seen.add(rec["id"])
            total += 1
            if rec["action"] == "error":
                errors += 1
            e, got = exp[rec["id"]], verdicts(rec)
            for m in methods:
                if m == "dkim":
                    overall = "pass" if "pass" in got["dkim"] else \
                        ("fail" if got["dkim"] else "none")
                    ok = overall == e["dkim"] and sorted(got["sigs"]) == e["sigs"]
                    shown = "%s %s" % (overall, sorted(got["sigs"]))
                    want = "%s %s" % (e["dkim"], e["sigs"])
                else:
                    shown = ",".join(got[m]) or "none"
                    ok = got[m] == [e[m]]
                    want = e[m]
                if ok:
                    agree[m] += 1
                else:
                    bad[m].append("  %s (%s): want %s, got %s" % (rec["id"], e["kind"],
                                                                 want, shown))
    for m in methods:
        print("%s: %d/%d agree" % (m, agree[m], total))
        for b in bad[m][:a.show]:
            print(b)
    if errors:
        print("transport errors: %d" % errors)
    if a.strict and (errors or total == 0 or any(agree[m] != total for m in methods)):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
