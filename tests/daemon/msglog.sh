#!/bin/sh
# tests/daemon/msglog.sh - the per-message log line of a real daemon,
# driven by miltertest (tests/message/dns_faults.lua) over the verdict
# zone (tests/fixtures/verdict/verdict.zone):
#   - every field of the line of a DKIM-signed passing message and of a
#     rejected one (queue id, our id, client IP and name, HELO, MAIL FROM
#     and From domains, SPF, DKIM result:d=, DMARC with policy and
#     disposition, action and SMTP reply, times);
#   - without {i} the line carries our own id, the same as its -d lines;
#   - -d shows the message's DNS questions and answers, tagged with its id;
#   - a HELO, client name and MAIL FROM full of spaces, '=', quotes and a
#     newline cannot forge a field or a line;
#   - the failregex of authmilter(8) (fail2ban-regex, on the line as
#     syslog writes it) finds the real client IP, and nothing in the
#     forged line;
#   - log_success = no drops exactly the line of the passing message;
#   - log_format = json: one JSON object a line, the same fields;
#   - iprev = yes: the iprev field (after client) and the header's resinfo.
#   - arc (default yes): the arc field after dkim (none: no ARC fields).
set -u
: "${AUTHMILTER:?}"
SRC=$(pwd)
PY=/usr/bin/python3
. "$SRC/tests/lib/common.sh"
need_tools "apt-get install miltertest" miltertest
need_tools "apt-get install fail2ban" fail2ban-regex
T=$(mktemp -d /tmp/msglog.XXXXXX)
AM=
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null && wait "$AM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	tail -8 "$T/am.log" 2>/dev/null | sed 's/^/  /'
	exit 1
}
ZONE=$SRC/tests/fixtures/verdict/verdict.zone

# the signed message with its header fields unfolded (logline.lua sends
# one field a line), and an unsigned one
tr -d '\r' < "$SRC/tests/fixtures/verdict/dkim-example-com.eml" | awk '
	NR > 1 && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	{ if (NR > 1) printf "\n"; printf "%s", $0 }
	END { printf "\n" }' > "$T/signed.eml"
printf 'From: alice@example.com\nSubject: plain\n\nHello.\n' > "$T/plain.eml"

# start CONFIG-LINES...: the daemon with -d on a fresh log
start() {
	printf 'user = ""\npidfile = ""\nauthserv_id = mx.test\ndmarc_enforce = yes\n' > "$T/am.conf"
	for l; do echo "$l" >> "$T/am.conf"; done
	rm -f "$T/am.sock"
	"$AUTHMILTER" run -f -d -c "$T/am.conf" -p "unix:$T/am.sock" \
	    --dns-zone "$ZONE" 2> "$T/am.log" &
	AM=$!
	i=0
	until grep -q "notice: ready" "$T/am.log"; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "the daemon did not start"
		sleep 0.1
	done
}
stop() {
	kill "$AM"; wait "$AM"; AM=
}
# send QID IP CLIENT HELO <MAILFROM> FILE EXPECTED-REPLY (QID "": no {i})
send() {
	_f=${5#<}
	out=$(miltertest -D "sock=unix:$T/am.sock" -D "qid=$1" -D "ip=$2" \
	    -D "client=$3" -D "helo=$4" -D "from=${_f%>}" -D "file=$T/$6" \
	    -s "$SRC/tests/message/dns_faults.lua" 2>&1) ||
	    fail "miltertest ($1): $out"
	[ "$(echo "$out" | sed -n 's/^reply=//p')" = "$7" ] ||
	    fail "$1: $out, expected reply=$7"
}

# parse.py MODE: the info lines of the log as JSON objects, one a line
# (text: the KEY=VALUE grammar of authmilter(8), LOGGING, read strictly)
cat > "$T/parse.py" <<'EOF'
import json, re, sys
mode = sys.argv[1]
tok = re.compile(r'([a-z_]+)=("(?:[^"\\]|\\["\\]|\\x[0-9A-F]{2})*"|[^\s"=\\]+)(?: |$)')
def unq(v):
    if v == '-':
        return None
    if v.startswith('"'):
        return re.sub(r'\\(x[0-9A-F]{2}|["\\])', lambda m: chr(int(m.group(1)[1:], 16))
                      if m.group(1)[0] == 'x' else m.group(1), v[1:-1])
    return int(v) if v.isdigit() else v
for line in open(sys.argv[2], errors='replace'):
    line = line.rstrip('\n')
    if not line.startswith('authmilter: info: '):
        continue
    rest = line[len('authmilter: info: '):]
    if mode == 'json':
        print(json.dumps(json.loads(rest)))
        continue
    tag, _, kv = rest.partition(': ')
    d, pos = {}, 0
    while pos < len(kv):
        m = tok.match(kv, pos)
        if m is None:
            sys.exit('unparsable at %d: %r' % (pos, kv[pos:pos + 40]))
        if m.group(1) in d:
            sys.exit('field %s twice' % m.group(1))
        d[m.group(1)] = unq(m.group(2))
        pos = m.end()
    d['_tag'] = tag
    print(json.dumps(d))
EOF
# expect QID CHECK...: each Python expression true of the line with qid
# QID (l: its fields; env: the environment)
expect() {
	q=$1
	shift
	printf '%s\n' "$@" > "$T/expect"
	$PY - "$T/lines" "$q" "$T/expect" <<'EOF' || fail "line of $q: see above"
import json, os, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
mine = [l for l in lines if l.get('qid') == sys.argv[2]]
if len(mine) != 1:
    sys.exit('%d lines with qid=%s in %r' % (len(mine), sys.argv[2], lines))
l = mine[0]
for e in open(sys.argv[3]).read().splitlines():
    if not eval(e, {}, {'l': l, 'env': os.environ}):
        print('  false: %s\n  line: %r' % (e, l))
        sys.exit(1)
EOF
}
FIELDS="qid id ip action code dsn verdict time_ms dns_wait_ms client helo mailfrom from spf dkim arc dmarc dmarc_policy dmarc_disposition dkim_sign sign_d sign_s sign_error reason ar"

# --- 1. text lines, -d ---------------------------------------------------------
start
send PASS1 192.0.2.1 mail.example.com mail.example.com "<alice@example.com>" signed.eml accept
send FAIL1 198.51.100.7 bad.example.net helo.example.net "<bob@example.com>" plain.eml replycode
send "" 192.0.2.1 mail.example.com mail.example.com "<carol@example.com>" signed.eml accept
FORGE_HELO='evil ip=203.0.113.66 action=reject "x\"=
authmilter: info: X: qid=FAKE ip=203.0.113.66 action=reject'
export FORGE_HELO
send FORGE1 198.51.100.8 "a b=c ip=203.0.113.67" "$FORGE_HELO" "<a@x ip=203.0.113.68 =\"y>" plain.eml replycode
stop
$PY "$T/parse.py" text "$T/am.log" > "$T/lines" || fail "the text lines do not parse"
[ "$(wc -l < "$T/lines")" = 4 ] || fail "$(wc -l < "$T/lines") info lines for 4 messages"
expect PASS1 "[k for k in l if k != '_tag'] == '$FIELDS'.split()" \
    "l['_tag'] == 'PASS1'" "l['id'].startswith('AM')" "l['ip'] == '192.0.2.1'" \
    "l['action'] == 'accept' and l['verdict'] == 'accept'" \
    "l['code'] is None and l['dsn'] is None" \
    "isinstance(l['time_ms'], int) and isinstance(l['dns_wait_ms'], int)" \
    "l['dns_wait_ms'] <= l['time_ms'] + 1" \
    "l['client'] == 'mail.example.com' and l['helo'] == 'mail.example.com'" \
    "l['mailfrom'] == 'example.com' and l['from'] == 'example.com'" \
    "l['spf'] == 'pass' and l['dkim'] == 'pass:example.com'" \
    "l['dmarc'] == 'pass' and l['dmarc_policy'] == 'reject'" \
    "l['dmarc_disposition'] == 'none'" \
    "l['ar'].startswith('mx.test; spf=pass')"
ok "text: every field of a passing signed message (qid PASS1)"
expect FAIL1 "l['ip'] == '198.51.100.7' and l['client'] == 'bad.example.net'" \
    "l['helo'] == 'helo.example.net' and l['mailfrom'] == 'example.com'" \
    "l['action'] == 'reject' and l['code'] == 550 and l['dsn'] == '5.7.1'" \
    "l['spf'] == 'fail' and l['dkim'] == 'none' and l['dmarc'] == 'fail'" \
    "l['dmarc_policy'] == 'reject' and l['dmarc_disposition'] == 'reject'" \
    "'example.com' in l['reason']"
ok "text: a rejected message: action=reject code=550 dsn=5.7.1, spf=fail dmarc=fail"
own=$($PY -c 'import json, sys
for l in open(sys.argv[1]):
    l = json.loads(l)
    if l["mailfrom"] == "example.com" and l["ip"] == "192.0.2.1" and l["qid"] != "PASS1":
        print(l["qid"], l["id"], l["_tag"])' "$T/lines")
set -- $own
[ $# = 3 ] && [ "$1" = "$2" ] && [ "$1" = "$3" ] && [ "$1" != "${1#AM}" ] ||
    fail "no {i}: the line's qid, id and tag should be our id: $own"
ok "no {i}: qid=id=$1, the line starts with it"
# -d: the DNS questions of that message, tagged with its id
for q in "q=example.com type=TXT status=records rcode=NOERROR sec=insecure ms=[0-9]* src=[a-z]* why=- n=1 answer=\"v=spf1 ip4:192.0.2.1 -all\"" \
    "q=sel._domainkey.example.com type=TXT status=records .*answer=\"v=DKIM1; k=rsa; p=MIIB" \
    "q=_dmarc.example.com type=TXT status=records .*answer=\"v=DMARC1; p=reject;"; do
	grep -q "^authmilter: debug: $1: dns: $q" "$T/am.log" ||
	    fail "-d: no line '$1: dns: $q'"
done
n=$(grep -c "^authmilter: debug: $1: dns: " "$T/am.log")
ok "-d: the message's $n DNS questions and answers (SPF, DKIM key, DMARC), tagged $1"
# forged fields: one line, the real IP, each hostile value whole
expect FORGE1 "l['ip'] == '198.51.100.8' and l['action'] == 'reject'" \
    "l['helo'] == env['FORGE_HELO']" \
    "l['client'] == 'a b=c ip=203.0.113.67'" \
    "l['mailfrom'] == 'x ip=203.0.113.68 =\"y'" \
    "[k for k in l if k != '_tag'] == '$FIELDS'.split()"
grep -q "qid=FAKE" "$T/am.log" || fail "the forged HELO is not in the log at all"
grep "qid=FAKE" "$T/am.log" | grep -qv "qid=FORGE1" &&
    fail "the HELO's newline started a line of its own"
ok "forged: HELO, client name and MAIL FROM with spaces, '=', quotes, a newline stay single values"

# fail2ban: the documented failregex, on the lines as syslog writes them
re=$(sed -n 's/^failregex = \(.*\)$/\1/p' doc/authmilter.8 | head -1 | sed 's/\\-/-/g; s/\\e/\\/g')
[ -n "$re" ] || fail "no failregex in doc/authmilter.8"
grep '^authmilter: info: ' "$T/am.log" |
    sed 's/^authmilter: info: /Dec  7 10:00:00 mx authmilter[4242]: /' > "$T/syslog"
cat > "$T/filter.conf" <<EOF
[INCLUDES]
before = common.conf
[Definition]
_daemon = authmilter
failregex = $re
EOF
cp /etc/fail2ban/filter.d/common.conf "$T/" 2>/dev/null ||
    fail "no /etc/fail2ban/filter.d/common.conf"
fail2ban-regex -o ip "$T/syslog" "$T/filter.conf" > "$T/f2b.out" 2>&1 ||
    fail "fail2ban-regex: $(tail -5 "$T/f2b.out")"
[ "$(sort "$T/f2b.out" | tr '\n' ' ')" = "198.51.100.7 198.51.100.8 " ] ||
    fail "fail2ban-regex found: $(cat "$T/f2b.out") (want 198.51.100.7 and .8, the rejects)"
ok "fail2ban-regex: the failregex finds 198.51.100.7 and .8 (the rejects), no forged address"

# --- 2. log_success = no --------------------------------------------------------
start "log_success = no"
send PASS2 192.0.2.1 mail.example.com mail.example.com "<alice@example.com>" signed.eml accept
send FAIL2 198.51.100.7 bad.example.net helo.example.net "<bob@example.com>" plain.eml replycode
send SOFT2 198.51.100.9 bad.example.net helo.example.net "<bob@example.com>" signed.eml accept
stop
grep -q "PASS2" "$T/am.log" && fail "log_success = no: a line for the passing PASS2"
$PY "$T/parse.py" text "$T/am.log" > "$T/lines" || fail "the text lines do not parse"
expect FAIL2 "l['action'] == 'reject'"
expect SOFT2 "l['action'] == 'accept' and l['spf'] == 'fail' and l['dmarc'] == 'pass'"
ok "log_success = no: no line for the passing PASS2; FAIL2 (reject) and SOFT2 (accepted, spf=fail) logged"

# --- 3. log_format = json -------------------------------------------------------
start "log_format = json"
send PASS3 192.0.2.1 mail.example.com mail.example.com "<alice@example.com>" signed.eml accept
send FORGE3 198.51.100.8 "a b=c" "$FORGE_HELO" "<a@x ip=203.0.113.68 =\"y>" plain.eml replycode
stop
$PY "$T/parse.py" json "$T/am.log" > "$T/lines" || fail "the JSON lines do not parse"
expect PASS3 "list(l) == '$FIELDS'.split()" "l['ip'] == '192.0.2.1'" \
    "l['arc'] == 'none'" \
    "l['spf'] == 'pass' and l['dkim'] == 'pass:example.com' and l['dmarc'] == 'pass'" \
    "l['code'] is None and isinstance(l['time_ms'], int)"
expect FORGE3 "l['helo'] == env['FORGE_HELO'].replace(chr(10), '?')" \
    "l['action'] == 'reject' and l['code'] == '550'"
ok "json: one object a line, the same fields (json.loads), the forged HELO one string"

# --- 4. iprev = yes: the iprev field after client, its resinfo in ar ---------------
start "iprev = yes"
send PASS4 192.0.2.1 mail.example.com mail.example.com "<alice@example.com>" signed.eml accept
send FAIL4 198.51.100.7 bad.example.net helo.example.net "<bob@example.com>" plain.eml replycode
stop
$PY "$T/parse.py" text "$T/am.log" > "$T/lines" || fail "the text lines do not parse"
IFIELDS=$(echo "$FIELDS" | sed 's/ client / client iprev /')
expect PASS4 "[k for k in l if k != '_tag'] == '$IFIELDS'.split()" \
    "l['iprev'] == 'pass'" \
    "'iprev=pass policy.iprev=192.0.2.1 (mail.example.com)' in l['ar']"
expect FAIL4 "l['iprev'] == 'fail' and l['action'] == 'reject'" \
    "'iprev=fail' in l['ar'] and 'policy.iprev=198.51.100.7' in l['ar']"
ok "iprev = yes: iprev=pass / iprev=fail after client=, and in the header"
echo "PASS: msglog ($checks checks)"
