#!/bin/sh
# tests/system/readme.sh - what README.md tells a user to type or trust is
# true of this build:
#   - every flag of every `authmilter ...` / `./authmilter ...` it quotes
#     (code blocks and inline code) is in that subcommand's --help (the
#     daemon's: `authmilter run --help`), and every subcommand exists;
#   - every configuration key it quotes (`key = value`, the Configure
#     table) is a key; every default it states in bold (**`key = value`**)
#     and in the Configure table is the built-in default;
#   - the Postfix section's `sed` edit of the installed example config
#     changes exactly socket and socket_group, to what Postfix needs;
#   - every repository path it names exists.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/readme-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bad() { echo "FAIL: $*"; rc=1; }
[ -x "$PY" ] || { echo "skipped: no $PY"; exit 77; }

"$AUTHMILTER" config --keys > "$T/keys" || bad "config --keys"
"$AUTHMILTER" config --defaults > "$T/defaults" || bad "config --defaults"
# the subcommands as `authmilter help` lists them (one place to add one)
"$AUTHMILTER" help | awk '/^subcommands:/ {on = 1; next} on && /^  [a-z]/ {print $1}' \
    > "$T/subs"
[ -s "$T/subs" ] || bad "authmilter help lists no subcommands"
for sub in $(cat "$T/subs"); do
	"$AUTHMILTER" $sub --help > "$T/help.$sub" 2>&1
done

AUTHMILTER=$AUTHMILTER T=$T $PY - README.md <<'PYEOF' || rc=1
import os, re, sys, subprocess
T = os.environ["T"]
text = open(sys.argv[1]).read()
keys = set(open(T + "/keys").read().split())
defaults = {}
for line in open(T + "/defaults"):
    m = re.match(r"^(\w+) = (.*)$", line)
    if m:
        defaults[m.group(1)] = m.group(2).strip('"')
bad = []
subs = set(open(T + "/subs").read().split())

# code: indented blocks and inline spans (a span may not cross a blank line)
spans = re.findall(r"^(?:    |\t)(.*)$", re.sub(r"\\\n\s*", " ", text), re.M)
spans += re.findall(r"`([^`\n]+(?:\n[^`\n]+)*)`", text)
spans = [re.sub(r"\s+", " ", s) for s in spans]
# a shell comment is no command word
spans = [re.sub(r"(^| )#.*$", "", s) for s in spans]

# 1. commands and flags
ncmd = 0
for s in spans:
    for m in re.finditer(r"(?:^|[\s;&|(])(?:\./|sudo )?authmilter((?: [^;&|)]*)?)", s):
        words = m.group(1).split()
        sub = "run"
        if words and not words[0].startswith("-"):
            if words[0] in subs:
                sub = words.pop(0)
            elif words[0].isupper() or words[0].startswith("["):
                continue            # a synopsis: authmilter SUBCOMMAND, [run]
            else:
                bad.append("README: 'authmilter %s': no such subcommand" % words[0])
                continue
        ncmd += 1
        helptext = open(T + "/help." + sub).read()
        for w in words:
            f = re.match(r"\[?(--?[a-zA-Z][a-zA-Z0-9-]*)", w)
            if f is None:
                continue
            flag = f.group(1)
            if not re.search(r"(^|[\s\[,|])" + re.escape(flag) + r"(\b|$)", helptext, re.M):
                bad.append("README: 'authmilter %s ... %s': not in 'authmilter %s --help'"
                           % (sub, flag, sub))
if ncmd < 15:
    bad.append("README: only %d authmilter commands found (parser broken?)" % ncmd)

# 2. keys quoted as key = value, and the Configure table
for s in spans:
    for m in re.finditer(r"(?:^|[\s'(])([a-z][a-z0-9]*(?:_[a-z0-9]+)+) = ", s):
        if m.group(1) not in keys and m.group(1) not in (
                "smtpd_milters", "milter_protocol", "milter_default_action",
                "main_mailer_type"):
            bad.append("README: '%s = ...': no such key" % m.group(1))
ntable = 0
for row in re.findall(r"^\| (`[^|]*`) \| ([^|]*) \|", text, re.M):
    names = re.findall(r"`(\w+)`", row[0])
    vals = [v.strip().strip("`") for v in row[1].split(", ")] if len(names) > 1 else [row[1].strip().strip("`")]
    for n in names:
        if n not in keys:
            bad.append("README table: '%s' is no key" % n)
    if len(names) == 1 and names[0] in defaults:
        ntable += 1
        want = defaults[names[0]]
        got = vals[0]
        if got in ("none", "empty"):
            got = ""
        if names[0] != "authserv_id" and got != want:
            bad.append("README table: %s default '%s', the program says '%s'"
                       % (names[0], got, want))
if ntable < 3:
    bad.append("README: the Configure table has %d default rows (parser broken?)" % ntable)
nbold = 0
for k, v in re.findall(r"\*\*`(\w+) = ([^`]+)`\*\*", re.sub(r"\s+", " ", text)):
    nbold += 1
    if defaults.get(k) != v:
        bad.append("README: **%s = %s** but the default is '%s'" % (k, v, defaults.get(k)))
if nbold < 4:
    bad.append("README: %d bold defaults found (parser broken?)" % nbold)

# 3. paths
for p in set(re.findall(r"`((?:doc|contrib|tests|\.ci)/[A-Za-z0-9_./-]*)`", text)):
    if not os.path.exists(p):
        bad.append("README names %s, which does not exist" % p)

# 4. the Postfix sed line, on the example config
seds = [s for s in spans if s.startswith("sudo sed -i ") and "/etc/authmilter.conf" in s]
if len(seds) != 1:
    bad.append("README: %d 'sudo sed -i ... /etc/authmilter.conf' lines, want 1" % len(seds))
else:
    conf = T + "/authmilter.conf"
    open(conf, "w").write(open("contrib/authmilter.conf").read())
    cmd = seds[0][len("sudo "):].replace("/etc/authmilter.conf", conf)
    subprocess.run(cmd, shell=True, check=True)
    out = subprocess.run([os.environ["AUTHMILTER"], "config", "-c", conf],
                         capture_output=True, text=True)
    got = dict(re.findall(r"^(\w+) = (.*)$", out.stdout, re.M))
    want = dict(defaults)
    want = {k: '"%s"' % v if k not in got or got[k].startswith('"') else v
            for k, v in want.items()}
    changed = sorted(k for k in got if got[k] != want.get(k))
    if out.returncode != 0 or changed != ["socket", "socket_group"] or \
            got["socket"] != '"unix:/var/spool/postfix/authmilter/authmilter.sock"' or \
            got["socket_group"] != '"postfix"':
        bad.append("README's sed of the example config: exit %d, changed %s: %s %s"
                   % (out.returncode, changed, out.stderr, got.get("socket")))
for b in bad:
    print("FAIL: " + b)
print("README: %d commands, %d table defaults, %d bold defaults checked" % (ncmd, ntable, nbold))
sys.exit(1 if bad else 0)
PYEOF
[ "$rc" = 0 ] && echo "PASS: README commands, flags, keys, defaults and paths agree with the program"
exit "$rc"
