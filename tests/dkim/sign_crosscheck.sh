#!/bin/sh
# tests/dkim/sign_crosscheck.sh - `authmilter sign` checked by three
# verifiers: dkimpy (python3-dkim, key via its dnsfunc hook), Mail::DKIM
# (libmail-dkim-perl, key via a Mail::DKIM::DNS::query override; RSA
# only, Debian 12's version has no Ed25519) and our own
# (`authmilter dkim --dns-zone`).
#  1. RSA-2048 (PKCS#8 and traditional PEM), Ed25519 (PKCS#8 and a raw
#     base64 seed) and dual RSA + Ed25519 signatures (one selector each), relaxed/relaxed,
#     simple/simple and relaxed/simple, over odd bodies (empty, no final
#     line break, trailing whitespace, 8-bit, LF input) pass in all three;
#  2. a 50 MB body passes in all three;
#  3. a To, Cc or Subject added after signing (over-signed names), and a
#     changed body, fail in all three;
#  4. our bh= equals dkimpy's for every input and canonicalization;
#  5. output keeps the input's line endings; a message with two From
#     fields or none is refused (exit 1, nothing on stdout).
set -eu
: "${AUTHMILTER:?}"
PY=/usr/bin/python3
$PY -c 'import dkim' 2>/dev/null || { echo "sign_crosscheck: skipped (python3-dkim not installed)"; exit 77; }
perl -MMail::DKIM::Verifier -e1 2>/dev/null || { echo "sign_crosscheck: skipped (libmail-dkim-perl not installed)"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "sign_crosscheck: skipped (no openssl)"; exit 77; }
. "$(pwd)/tests/lib/keyzone.sh"	# kz_rsa, kz_ed, kz_zone
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T"

RSAP=$(kz_rsa rsa.pem)
openssl pkey -in rsa.pem -traditional -out rsatrad.pem 2>/dev/null
EDP=$(kz_ed ed.pem)
# the raw 32-octet seed: the last 32 octets of the PKCS#8 DER
openssl pkey -in ed.pem -outform DER | tail -c 32 | base64 > ed.seed
chmod 600 rsatrad.pem ed.seed
kz_zone "rsa._domainkey.example.com=v=DKIM1; k=rsa; p=$RSAP" \
    "ed._domainkey.example.com=v=DKIM1; k=ed25519; p=$EDP"

# Verifiers: exit 0 when every signature passes, 1 when none does, 2 else
# (Mail::DKIM: 3 when it has no RSA signature to check).
cat > pyverify.py <<'PYEOF'
import json, sys, dkim
recs = json.load(open("recs.json"))
def dnsfunc(name, timeout=5):
    return recs.get(name.decode().rstrip("."), "").encode()
m = open(sys.argv[1], "rb").read()
d = dkim.DKIM(m)
n = sum(1 for h in d.headers if h[0].lower() == b"dkim-signature")
def one(i):
    try:
        return bool(d.verify(idx=i, dnsfunc=dnsfunc))
    except dkim.DKIMException:
        return False
ok = [one(i) for i in range(n)]
sys.exit(0 if n and all(ok) else 1 if not any(ok) else 2)
PYEOF
cat > plverify.pl <<'PLEOF'
use strict; use warnings;
use Mail::DKIM::Verifier; use Net::DNS; use JSON::PP;
open(my $j, '<', 'recs.json') or die; local $/; my %recs = %{decode_json(<$j>)}; close $j;
{ no warnings 'redefine';
  *Mail::DKIM::DNS::query = sub {
	my ($d, $t) = @_; $d =~ s/\.$//;
	return () unless exists $recs{$d};
	my $txt = $recs{$d};
	return (Net::DNS::RR->new(name => $d, type => 'TXT',
	    txtdata => [ unpack('(A250)*', $txt) ]));
  };
}
open(my $f, '<:raw', $ARGV[0]) or die; my $m = <$f>; close $f;
$m =~ s/\r?\n/\r\n/g;
my $v = Mail::DKIM::Verifier->new;
$v->PRINT($m); $v->CLOSE;
# Mail::DKIM 1.20230212 (Debian 12) does not implement RFC 8463: its
# Ed25519 results are "invalid (unsupported algorithm)"; only RSA counts
my @s = grep { $_->algorithm eq 'rsa-sha256' } $v->signatures;
exit 3 unless @s;
my $pass = grep { $_->result eq 'pass' } @s;
exit(@s && $pass == @s ? 0 : $pass == 0 ? 1 : 2);
PLEOF

fail=0; n=0; npy=0; npl=0; nam=0; nskip=0
# verify FILE want(pass|fail) [skip-mail-dkim]: all three verifiers
verify() {
	out=$("$AUTHMILTER" dkim --dns-zone zone < "$1")
	nl=$(printf '%s\n' "$out" | wc -l)
	np=$(printf '%s\n' "$out" | grep -c '^dkim=pass' || true)
	if [ "$2" = pass ]; then
		[ "$np" = "$nl" ] || { echo "FAIL authmilter $1 (want pass): $out"; fail=1; }
		$PY pyverify.py "$1" || { echo "FAIL dkimpy $1 (want pass)"; fail=1; }
		rc=0; [ -n "${3:-}" ] || perl plverify.pl "$1" || rc=$?
		if [ -n "${3:-}" ] || [ $rc = 3 ]; then
			nskip=$((nskip + 1)); npl=$((npl - 1))
		elif [ $rc != 0 ]; then
			echo "FAIL Mail::DKIM $1 (want pass): $rc"; fail=1
		fi
	else
		[ "$np" = 0 ] || { echo "FAIL authmilter $1 (want fail): $out"; fail=1; }
		rc=0; $PY pyverify.py "$1" || rc=$?
		[ $rc = 1 ] || { echo "FAIL dkimpy $1 (want fail): $rc"; fail=1; }
		rc=0; perl plverify.pl "$1" || rc=$?
		if [ $rc = 3 ]; then
			nskip=$((nskip + 1)); npl=$((npl - 1))
		elif [ $rc != 1 ]; then
			echo "FAIL Mail::DKIM $1 (want fail): $rc"; fail=1
		fi
	fi
	n=$((n + 1)); nam=$((nam + 1)); npy=$((npy + 1)); npl=$((npl + 1))
}

crlf() { sed 's/$/\r/'; }
HDR='From: Alice <alice@example.com>
To: Bob <bob@example.net>
Subject: sign   cross-check
Date: Mon, 1 Jan 2024 00:00:00 +0000
Message-ID: <s1@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit'
{ printf '%s\n\nHello Bob,\n\tfolded  spacing\n\n\n' "$HDR"; } | crlf > plain.eml
{ printf '%s\n\n' "$HDR"; } | crlf > empty.eml
{ printf '%s\n' "$HDR" | crlf; printf '\r\nno final line break'; } > nofinal.eml
{ printf '%s\n\ntrailing \t \nspaces   \n \n\t\n' "$HDR"; } | crlf > trailing.eml
{ printf '%s\n\nGr\303\274\303\237e, \377\376 caf\351\n' "$HDR"; } | crlf > eightbit.eml
{ printf '%s\n\nan LF message  \n\n' "$HDR"; } > lf.eml

for canon in relaxed/relaxed simple/simple relaxed/simple; do
	for keys in "rsa:rsa.pem" "rsa:rsatrad.pem" "ed:ed.pem" "ed:ed.seed"; do
		sel=${keys%%:*}; key=${keys#*:}
		for m in plain empty nofinal trailing eightbit lf; do
			o=$m-$sel-$(basename "$key")-$(echo "$canon" | tr / _).eml
			"$AUTHMILTER" sign --domain example.com --selector "$sel" \
			    --key "$key" --canon "$canon" < "$m.eml" > "$o"
			# Mail::DKIM 1.20230212 (Canonicalization/simple.pm) adds
			# no CRLF to a body without a final line break, against
			# RFC 6376 3.4.3 (dkimpy and ours add it); SMTP always
			# ends the body with one, so only `sign` meets this
			skip=
			case "$m-$canon" in nofinal-*/simple) skip=1;; esac
			verify "$o" pass $skip
		done
	done
done
# known answers from another implementation: dkimpy's body hash (bh=,
# independent of the tag layout) of each input under each canonicalization
# equals ours (b= differs by design: dkimpy always writes i= and q= and
# separates h= names with " : ", so the signed field text is not the same)
$PY - <<'PYEOF' || { echo "FAIL bh= differs from dkimpy's"; fail=1; }
import glob, re, sys, dkim
key = open("rsa.pem", "rb").read()
bad = n = 0
for f in sorted(glob.glob("*-rsa-rsa.pem-*.eml")):
    m, _, _, c = re.match(r"(\w+)-(rsa)-(rsa\.pem)-(\w+)\.eml", f).groups()
    ours = open(f, "rb").read()
    bh = re.search(rb"bh=([^;]+);", ours).group(1)
    src = open(m + ".eml", "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    sig = dkim.sign(src, b"rsa", b"example.com", key,
                    canonicalize=tuple(x.encode() for x in c.split("_")),
                    include_headers=[b"from"])
    theirs = re.search(rb"bh=([^;]+);", sig).group(1)
    if re.sub(rb"\s", b"", theirs) != re.sub(rb"\s", b"", bh):
        print("bh differs for", f, bh, theirs); bad = 1
    n += 1
if n != 18:  # 6 inputs x 3 canonicalizations
    print("compared", n, "body hashes, not 18"); bad = 1
sys.exit(bad)
PYEOF

# dual signing (RFC 8463): one call, an RSA and an Ed25519 key, each
# under its own selector (the nth --selector goes with the nth --key)
for canon in relaxed/relaxed simple/simple; do
	c=$(echo "$canon" | tr / _)
	for m in plain empty nofinal; do
		"$AUTHMILTER" sign -d example.com -s rsa -k rsa.pem -s ed -k ed.pem \
		    --canon "$canon" < $m.eml > dual-$m-$c.eml
		[ "$(grep -c '^DKIM-Signature:' dual-$m-$c.eml)" = 2 ] ||
		    { echo "FAIL two keys gave $(grep -c '^DKIM-Signature:' dual-$m-$c.eml) fields"; fail=1; }
		skip=
		case "$m-$canon" in nofinal-*/simple) skip=1;; esac
		verify dual-$m-$c.eml pass $skip
	done
done

# over-signing: a field of an over-signed name added after signing
for sel in rsa ed; do
	"$AUTHMILTER" sign -d example.com -s $sel -k $sel.pem < plain.eml > os-$sel.eml
	verify os-$sel.eml pass
	# added on top: without over-signing the signed (bottom-most) To or
	# Subject would still be the original one and the signature pass
	printf 'To: eve@example.org\r\n' | cat - os-$sel.eml > os-to-$sel.eml
	printf 'Subject: added\r\n' | cat - os-$sel.eml > os-subj-$sel.eml
	awk '/^Date:/ { print "Cc: eve@example.org\r" } { print }' os-$sel.eml > os-cc-$sel.eml
	printf 'Reply-To: eve@example.org\r\n' | cat - os-$sel.eml > os-rt-$sel.eml
	sed 's/^Hello Bob/Hello Eve/' os-$sel.eml > os-body-$sel.eml
	for f in os-to-$sel os-subj-$sel os-cc-$sel os-rt-$sel os-body-$sel; do
		verify $f.eml fail
	done
done

# 50 MB body (relaxed, then simple), both algorithms in one call each
$PY - <<'PYEOF'
import sys
with open("big.eml", "wb") as f:
    f.write(b"From: a@example.com\r\nTo: b@example.net\r\nSubject: big\r\n\r\n")
    line = b"0123456789 abcdefghij  ABCDEFGHIJ \t klmnopqrstuvwxyz 0123456789 ----\r\n"
    for _ in range(50 * 1024 * 1024 // len(line)):
        f.write(line)
PYEOF
for canon in relaxed/relaxed simple/simple; do
	"$AUTHMILTER" sign -d example.com -s rsa -k rsa.pem --canon "$canon" < big.eml > big-rsa.eml
	verify big-rsa.eml pass
done
"$AUTHMILTER" sign -d example.com -s ed -k ed.pem < big.eml > big-ed.eml
verify big-ed.eml pass

# line endings: LF in, LF out (no CR anywhere); CRLF in, CRLF out
"$AUTHMILTER" sign -d example.com -s ed -k ed.pem < lf.eml > lfout.eml
if grep -q "$(printf '\r')" lfout.eml; then echo "FAIL LF input gave CR in the output"; fail=1; fi
"$AUTHMILTER" sign -d example.com -s ed -k ed.pem < plain.eml > crlfout.eml
[ "$(grep -c "$(printf '\r')\$" crlfout.eml)" = "$(wc -l < crlfout.eml)" ] ||
    { echo "FAIL CRLF input gave lines without CR"; fail=1; }
# the message after the fields is the input, unchanged
sed '1,/^ b=/d' crlfout.eml | sed '/^ /d' | cmp -s - plain.eml ||
    { echo "FAIL the message body was changed"; fail=1; }

# refused: two From fields, none; nothing printed
printf 'From: a@example.com\r\nFrom: b@example.com\r\n\r\nx\r\n' > twofrom.eml
printf 'To: a@example.com\r\n\r\nx\r\n' > nofrom.eml
for f in twofrom nofrom; do
	rc=0
	"$AUTHMILTER" sign -d example.com -s rsa -k rsa.pem < $f.eml > $f.out 2> $f.err || rc=$?
	[ $rc = 1 ] && [ ! -s $f.out ] && grep -q From $f.err ||
	    { echo "FAIL $f: exit $rc, $(cat $f.err)"; fail=1; }
done

echo "sign_crosscheck: $n signed messages, each checked by authmilter ($nam), dkimpy ($npy), Mail::DKIM ($npl; $nskip Ed25519-only or no-final-CRLF simple, see above): $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
