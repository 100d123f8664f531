#!/bin/sh
# tests/dkim/arc_seal_crosscheck.sh - `authmilter arc --seal` (the ARC
# sealer of dkim/arc.h, RFC 8617 5.1) checked by three validators: dkimpy's
# arc_verify (python3-dkim, keys via its dnsfunc hook), Mail::DKIM's
# ARC::Verifier (libmail-dkim-perl, keys via a Mail::DKIM::DNS::query
# override; RSA only, as dkimpy) and our own (`authmilter arc --dns-zone`).
#  1. RSA-2048: a message without a chain sealed i=1 cv=none; a chain of
#     one set made by dkimpy (another sealer) sealed i=2 cv=pass; that
#     2-set chain sealed i=3 cv=pass: every result passes in both, with
#     our --aar and with the message's own Authentication-Results;
#  2. Ed25519: the same three steps pass in ours (dkimpy 1.1.4's ARC
#     knows only rsa-sha256: its answer is printed, not asserted);
#  3. the body changed after sealing: all fail (RSA), ours fails (Ed25519);
#  4. a chain broken before we seal is sealed cv=fail (ours and dkimpy say
#     fail), and that message is not sealed again (RFC 8617 5.1 step 1:
#     printed unchanged, "not sealed" on stderr);
#  5. LF input gives LF output; no Authentication-Results of the
#     authserv-id and no --aar: exit 1, nothing on stdout.
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
$PY -c 'import dkim, authres' 2>/dev/null || { echo "arc_seal_crosscheck: skipped (python3-dkim or its authres not installed)"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "arc_seal_crosscheck: skipped (no openssl)"; exit 77; }
. "$(pwd)/tests/lib/keyzone.sh"	# kz_rsa, kz_ed, kz_zone
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"
fail() { echo "FAIL: $*"; exit 1; }

RSAP=$(kz_rsa rsa.pem)
FWDP=$(kz_rsa fwd.pem)
EDP=$(kz_ed ed.pem)
kz_zone "rsa._domainkey.list.example=v=DKIM1; k=rsa; p=$RSAP" \
    "fwd._domainkey.fwd.example=v=DKIM1; k=rsa; p=$FWDP" \
    "ed._domainkey.list.example=v=DKIM1; k=ed25519; p=$EDP"

# dkimpy: prints pass/fail/none and the reason; exit 0 on pass
cat > pyverify.py <<'PYEOF'
import json, sys, dkim
recs = json.load(open("recs.json"))
def dnsfunc(name, timeout=5):
    return recs.get(name.decode().rstrip("."), "").encode()
cv, res, why = dkim.arc_verify(open(sys.argv[1], "rb").read(), dnsfunc=dnsfunc)
print((cv or b"fail").decode(), why)  # None: the newest seal says cv=fail
sys.exit(0 if cv == b"pass" else 1)
PYEOF
# Mail::DKIM's ARC validator: prints its result; exit 0 on pass
cat > plarc.pl <<'PLEOF'
use strict; use warnings;
use Mail::DKIM::ARC::Verifier; use Net::DNS; use JSON::PP;
open(my $j, '<', 'recs.json') or die; local $/; my %recs = %{decode_json(<$j>)}; close $j;
{ no warnings 'redefine';
  *Mail::DKIM::DNS::query = sub {
	my ($d, $t) = @_; $d =~ s/\.$//;
	return () unless exists $recs{$d};
	return (Net::DNS::RR->new(name => $d, type => 'TXT',
	    txtdata => [ unpack('(A250)*', $recs{$d}) ]));
  };
}
open(my $f, '<:raw', $ARGV[0]) or die; my $m = <$f>; close $f;
$m =~ s/\r?\n/\r\n/g;
my $v = Mail::DKIM::ARC::Verifier->new;
$v->PRINT($m); $v->CLOSE;
print $v->result, " ", ($v->result_detail // ''), "\n";
exit($v->result eq 'pass' ? 0 : 1);
PLEOF
HAVE_PL=0
perl -MMail::DKIM::ARC::Verifier -MNet::DNS -e1 2>/dev/null && HAVE_PL=1
[ $HAVE_PL = 1 ] || echo "arc_seal_crosscheck: Mail::DKIM ARC checks skipped (libmail-dkim-perl not installed)"

# dkimpy as the first sealer (fwd.example, RSA), on its own AR; made in
# CRLF (with linesep LF its AAR still ends in CRLF), printed with LF
cat > pyseal.py <<'PYEOF'
import sys, dkim
m = open(sys.argv[1], "rb").read().replace(b"\n", b"\r\n")
m = b"Authentication-Results: fwd.example; spf=pass smtp.mailfrom=a@origin.example\r\n" + m
sets = dkim.arc_sign(m, b"fwd", b"fwd.example", open("fwd.pem", "rb").read(),
    b"fwd.example", include_headers=[b"from", b"to", b"subject", b"date"])
assert sets, "dkimpy did not seal"
sys.stdout.buffer.write((b"".join(sets) + m).replace(b"\r\n", b"\n"))
PYEOF

printf 'From: Alice <alice@origin.example>\nTo: list@list.example\nSubject: ARC test\nDate: Mon, 7 Dec 2026 12:00:00 +0000\nMessage-ID: <arc-seal@origin.example>\n\nHello list,\nthis body  has  spaces \n\n' > msg

seal() { # KEY SELECTOR IN OUT [--aar TEXT]: exit status of the sealer
	k=$1 s=$2 in=$3 out=$4
	shift 4
	"$AUTHMILTER" arc --seal -d list.example -s "$s" -k "$k" \
	    --authserv-id list.example --dns-zone zone "$@" < "$in" > "$out" 2> "$out.err"
}
ours() { # FILE WANT (the first line of `authmilter arc`)
	"$AUTHMILTER" arc --dns-zone zone < "$1" > "$1.ours" ||
	    fail "authmilter arc $1: exit $?"
	grep -q "^$2" "$1.ours" || fail "ours on $1: $(cat "$1.ours"), want $2"
}
theirs() { # FILE pass|fail: dkimpy and Mail::DKIM
	if $PY pyverify.py "$1" > "$1.py"; then r=pass; else r=fail; fi
	[ "$r" = "$2" ] || fail "dkimpy on $1: $(cat "$1.py"), want $2"
	[ $HAVE_PL = 1 ] || return 0
	if perl plarc.pl "$1" > "$1.pl" 2>&1; then r=pass; else r=fail; fi
	[ "$r" = "$2" ] || fail "Mail::DKIM on $1: $(cat "$1.pl"), want $2"
}
field() { # FILE NAME: the first field of that name, unfolded
	awk -v n="$2:" 'on && /^[ \t]/ { printf "%s", $0; next }
	    on { exit } index($0, n) == 1 { on = 1; printf "%s", $0 }' "$1"
}

$PY pyseal.py msg > chain1 || fail "dkimpy could not seal"
ours chain1 'arc=pass header.oldest-pass=1'
theirs chain1 pass
echo "ok   dkimpy's own 1-set chain passes in ours, dkimpy and Mail::DKIM"

for alg in rsa ed; do
	seal $alg.pem $alg msg s0.$alg --aar "spf=pass smtp.mailfrom=alice@origin.example" ||
	    fail "$alg: seal (no chain): $(cat s0.$alg.err)"
	field s0.$alg ARC-Seal | grep -q 'cv=none; d=list.example; i=1;' ||
	    fail "$alg: i=1 seal: $(field s0.$alg ARC-Seal)"
	field s0.$alg ARC-Authentication-Results |
	    grep -q '^ARC-Authentication-Results: i=1; list.example; spf=pass smtp.mailfrom=alice@origin.example$' ||
	    fail "$alg: AAR: $(field s0.$alg ARC-Authentication-Results)"
	ours s0.$alg 'arc=pass header.oldest-pass=1 (sealers: list.example;'
	# the message's own Authentication-Results of list.example as the AAR
	{ printf 'Authentication-Results: list.example; arc=pass header.oldest-pass=1;\n\tdkim=none\n'; cat chain1; } > in1
	seal $alg.pem $alg in1 s1.$alg || fail "$alg: seal (1 set): $(cat s1.$alg.err)"
	field s1.$alg ARC-Seal | grep -q 'cv=pass; d=list.example; i=2;' ||
	    fail "$alg: i=2 seal: $(field s1.$alg ARC-Seal)"
	field s1.$alg ARC-Authentication-Results |
	    grep -q 'i=2; list.example; arc=pass header.oldest-pass=1;[[:space:]]*dkim=none$' ||
	    fail "$alg: merged AAR: $(field s1.$alg ARC-Authentication-Results)"
	ours s1.$alg 'arc=pass header.oldest-pass=1 (sealers: fwd.example, list.example;'
	seal $alg.pem $alg s1.$alg s2.$alg --aar "arc=pass" || fail "$alg: seal (2 sets): $(cat s2.$alg.err)"
	field s2.$alg ARC-Seal | grep -q 'cv=pass; d=list.example; i=3;' ||
	    fail "$alg: i=3 seal: $(field s2.$alg ARC-Seal)"
	ours s2.$alg 'arc=pass header.oldest-pass=1 (sealers: fwd.example, list.example, list.example;'
	# the body changed after sealing
	for f in s0 s1 s2; do
		sed 's/^Hello list,/Hello LIST,/' $f.$alg > $f.$alg.bad
		ours $f.$alg.bad 'arc=fail'
	done
	if [ $alg = rsa ]; then
		for f in s0 s1 s2; do
			theirs $f.rsa pass
			theirs $f.rsa.bad fail
		done
		echo "ok   rsa: i=1 cv=none, i=2 and i=3 cv=pass pass in dkimpy, Mail::DKIM and ours; a changed body fails in all"
	else
		$PY pyverify.py s0.ed > s0.ed.py || true
		echo "ok   ed25519: i=1, 2, 3 pass in ours, a changed body fails (dkimpy: $(cat s0.ed.py))"
	fi
done

# a chain broken before we seal: cv=fail over our set only, then no more
sed 's/^Hello list,/Hello LIST,/' chain1 > broken
{ printf 'Authentication-Results: list.example; arc=fail\n'; cat broken; } > in2
seal rsa.pem rsa in2 sf || fail "seal of a broken chain: $(cat sf.err)"
field sf ARC-Seal | grep -q 'cv=fail; d=list.example; i=2;' ||
    fail "broken chain: $(field sf ARC-Seal)"
ours sf 'arc=fail'
# (Mail::DKIM 1.20230212 also reports our i=2 seal itself as failing: it
# hashes every set, where RFC 8617 5.1.2 has a cv=fail seal cover only
# its own set; the chain fails either way, as cv=fail says)
theirs sf fail
seal rsa.pem rsa sf sf2 --aar "arc=fail" || fail "after cv=fail: exit $?"
cmp -s sf sf2 || fail "a message after cv=fail was changed"
grep -q 'not sealed: the newest ARC-Seal says cv=fail' sf2.err || fail "after cv=fail: $(cat sf2.err)"
echo "ok   a broken chain is sealed cv=fail (fail in all), then never sealed again"

# line endings, and no results to copy
sed 's/$/\r/' msg > msg.crlf
seal rsa.pem rsa msg.crlf sc --aar "spf=pass" || fail "CRLF: $(cat sc.err)"
head -1 sc | grep -q "$(printf '\r')\$" || fail "CRLF input, LF output"
head -1 s0.rsa | grep -q "$(printf '\r')\$" && fail "LF input, CRLF output"
ours sc 'arc=pass'
if seal rsa.pem rsa msg none; then fail "sealed without results to copy"; fi
[ ! -s none ] || fail "output without results to copy"
grep -q 'no Authentication-Results of list.example' none.err || fail "no results: $(cat none.err)"
echo "ok   line endings kept; no results to copy: exit 1, nothing printed"
