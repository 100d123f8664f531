#!/usr/bin/python3
# tests/lib/arc_verify.py ZONEFILE MESSAGE [NOW] - dkimpy's ARC validation
# (dkim.arc_verify) of MESSAGE with the TXT records of ZONEFILE (a zone
# as tests/lib/arc_fixtures.py writes it: one record a line, its
# character-strings joined) as DNS, as of the Unix time NOW (default:
# the clock; the fixtures are dated 1800000000). Prints "cv=RESULT sets=N" and exits 0
# when the chain passes, 1 otherwise.
import re
import sys

import dkim

if len(sys.argv) > 3:
    import time
    _now = float(sys.argv[3])
    time.time = lambda: _now

txt = {}
for line in open(sys.argv[1]):
    m = re.match(r'^(\S+)\s+(?:\d+\s+)?(?:IN\s+)?TXT\s+(.*)$', line)
    if m:
        name = m.group(1).rstrip(".").lower() + "."
        txt[name] = "".join(re.findall(r'"([^"]*)"', m.group(2))).encode()


def dnsfunc(name, timeout=5):
    n = name.decode() if isinstance(name, bytes) else name
    n = n.rstrip(".").lower() + "."
    return txt.get(n)


msg = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n").replace(
    b"\n", b"\r\n")
cv, results, reason = dkim.arc_verify(msg, dnsfunc=dnsfunc)
cv = cv.decode() if isinstance(cv, bytes) else cv
print("cv=%s sets=%d %s" % (cv, len(results), reason))
sys.exit(0 if cv == "pass" else 1)
