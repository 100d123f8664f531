#!/bin/sh
# tests/system/deps.sh - the two package lists say the truth (Makefile
# deps / test-deps; README "What a mail host needs, and what the tests
# need"):
#   - every package of .ci/packages and .ci/packages-test is installed here
#     (make test-deps ran), none is in both;
#   - every pkg-config module the Makefile's PKGS names, and each module
#     those require (Requires and Requires.private: pkg-config fails
#     without them), is owned by a package listed in .ci/packages; Check
#     (the tests' framework) is in .ci/packages-test, not .ci/packages;
#   - every header the daemon's sources read from the system (cc -M over
#     the source folders with the Makefile's flags) is owned by a package
#     that make deps installs: one of .ci/packages or what they depend on
#     (apt-cache depends --recurse, Depends and PreDepends only, as
#     --no-install-recommends installs);
#   - the DNSSEC root trust anchor and the public suffix list the daemon
#     reads come from listed packages;
#   - the test stack the issue found on mail hosts (postgresql, nsd,
#     postfix, clang, opendkim-tools, miltertest, debootstrap, check) is
#     not in .ci/packages.
# Needs dpkg and apt-cache with package lists (Debian); says skipped
# without them.
set -u
T=$(mktemp -d /tmp/deps-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bad() { echo "FAIL: $*"; rc=1; }

for c in dpkg dpkg-query apt-cache pkg-config cc; do
	command -v $c >/dev/null 2>&1 || { echo "skipped: no $c (not Debian?)"; exit 0; }
done
list() { sed 's/#.*//' "$1" | tr -s ' \t' '\n\n' | sed '/^$/d' | sort -u; }
list .ci/packages > "$T/run"
list .ci/packages-test > "$T/test"
[ -s "$T/run" ] && [ -s "$T/test" ] || { echo "FAIL: empty package list"; exit 1; }
owner() { dpkg -S "$1" 2>/dev/null | head -1 | cut -d: -f1 | sed 's/, .*//'; }
inlist() { grep -qx "$1" "$2"; }

# installed; in one list only
for p in $(cat "$T/run" "$T/test"); do
	[ "$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null)" = "install ok installed" ] ||
	    bad "$p (in .ci/packages*) is not installed: run make test-deps, or fix the name"
done
for p in $(comm -12 "$T/run" "$T/test"); do
	bad "$p is in both .ci/packages and .ci/packages-test"
done

# pkg-config modules: each .pc file owned by a package of .ci/packages
pkgs=$(sed -n 's/^PKGS[[:space:]]*:=[[:space:]]*//p' Makefile)
[ -n "$pkgs" ] || bad "no PKGS := line in the Makefile"
seen=" "
todo=$pkgs
while [ -n "$todo" ]; do
	set -- $todo
	[ $# -gt 0 ] || break  # only blanks left
	m=$1; shift; todo=$*
	case $seen in *" $m "*) continue ;; esac
	seen="$seen$m "
	pc=$(pkg-config --path "$m" 2>/dev/null)
	[ -n "$pc" ] || { bad "pkg-config module $m not found"; continue; }
	p=$(owner "$pc")
	inlist "$p" "$T/run" ||
	    bad "pkg-config module $m ($pc) comes from $p, which .ci/packages lacks"
	todo="$todo $(pkg-config --print-requires --print-requires-private "$m" |
	    awk '{print $1}' | tr '\n' ' ')"
done
pc=$(pkg-config --path check 2>/dev/null)
if [ -n "$pc" ]; then
	p=$(owner "$pc")
	inlist "$p" "$T/test" || bad "check ($p) is not in .ci/packages-test"
	inlist "$p" "$T/run" && bad "check ($p), a test framework, is in .ci/packages"
fi

# headers of the daemon's build, from what make deps installs
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $(cat "$T/run") 2>/dev/null |
    sed -n 's/^\([^ <][^ ]*\)$/\1/p; s/^ *\(Pre\)\{0,1\}Depends: \([^<][^ ]*\)$/\2/p' |
    sed 's/:[a-z0-9]*$//' | sort -u > "$T/closure"
[ "$(wc -l < "$T/closure")" -gt 50 ] ||
    bad "apt-cache depends gave $(wc -l < "$T/closure") packages: no package lists?"
flags=$(pkg-config --cflags $pkgs)
for f in $(ls util/*.c dns/*.c spf/*.c dkim/*.c dmarc/*.c milter/*.c \
    report/*.c config/*.c message/*.c daemon/*.c cli/*.c); do
	cc -M -I. -D_GNU_SOURCE -std=c11 $flags "$f" || bad "cc -M $f failed"
done 2>"$T/err" | tr ' \\' '\n\n' | grep '^/usr/' | sort -u > "$T/headers"
[ -s "$T/err" ] && bad "cc -M: $(head -3 "$T/err")"
[ -s "$T/headers" ] || bad "no system header found (cc -M)"
# one dpkg -S for all (one a header is slow); a header dpkg does not know
# by its path is looked up again by its target (a link, /usr merged)
dpkg -S $(cat "$T/headers") 2>/dev/null |
    sed -n 's/^\([^:,]*\)\(:[a-z0-9]*\)\{0,1\}\(, [^:]*\)\{0,1\}: \(.*\)$/\4 \1/p' |
    sort -u > "$T/owners"
for h in $(cat "$T/headers"); do
	p=$(awk -v h="$h" '$1 == h { print $2; exit }' "$T/owners")
	[ -n "$p" ] || p=$(owner "$(readlink -f "$h")")
	[ -n "$p" ] || { bad "$h: no package owns it"; continue; }
	grep -qx "$p" "$T/closure" ||
	    bad "$h comes from $p, which make deps does not install"
done

# data the daemon reads
for f in /usr/share/dns/root.key /usr/share/publicsuffix/public_suffix_list.dat; do
	p=$(owner "$f")
	inlist "$p" "$T/run" || bad "$f comes from '$p', which .ci/packages lacks"
done

# the test stack stays off the mail host
for p in postgresql nsd postfix clang opendkim-tools miltertest debootstrap \
    check python3-dkim; do
	inlist "$p" "$T/run" && bad "$p (tests only) is in .ci/packages"
done

[ $rc -eq 0 ] && echo "ok: $(wc -l < "$T/run") build/run packages cover $(echo $seen | wc -w) pkg-config modules and $(wc -l < "$T/headers") system headers; $(wc -l < "$T/test") test packages"
exit $rc
