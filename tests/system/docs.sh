#!/bin/sh
# tests/system/docs.sh - the documentation agrees with the program:
#   - the KEYS section of doc/authmilter.conf.5 (between the GENERATED
#     markers) is exactly `authmilter config --man` (the config table), and
#     contrib/authmilter.conf is exactly `authmilter config --defaults`:
#     adding a key without `sh doc/gen-man.sh` fails here;
#   - every config key appears in the example config and the man page;
#   - the OpenDKIM / OpenDMARC keys of authmilter.conf(5) (MIGRATING) are
#     those of `authmilter config --migration`, each with the same key;
#   - doc/authmilter.8 names every subcommand of `authmilter --help` and
#     every daemon flag of `authmilter run --help`;
#   - both man pages render without groff warnings;
#   - `make install DESTDIR=...` installs the binary and both man pages.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/docs-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bad() { echo "FAIL: $*"; rc=1; }

"$AUTHMILTER" config --man > "$T/keys.man" || bad "config --man failed"
awk '/^\.\\" BEGIN GENERATED/ { on = 1; next } /^\.\\" END GENERATED/ { on = 0 } on' \
    doc/authmilter.conf.5 > "$T/keys.committed"
[ -s "$T/keys.committed" ] || bad "doc/authmilter.conf.5 has no GENERATED section"
if ! cmp -s "$T/keys.man" "$T/keys.committed"; then
	diff -u "$T/keys.committed" "$T/keys.man" | head -20
	bad "doc/authmilter.conf.5 is out of date: run sh doc/gen-man.sh"
fi
"$AUTHMILTER" config --defaults > "$T/example.conf" || bad "config --defaults failed"
if ! cmp -s "$T/example.conf" contrib/authmilter.conf; then
	diff -u contrib/authmilter.conf "$T/example.conf" | head -20
	bad "contrib/authmilter.conf is out of date: run sh doc/gen-man.sh"
fi
# the example parses, and sets every key
"$AUTHMILTER" config -c contrib/authmilter.conf > /dev/null || bad "the example config does not parse"
for k in $("$AUTHMILTER" config --keys); do
	grep -q "^$k = " contrib/authmilter.conf || bad "key $k missing from contrib/authmilter.conf"
	grep -q "^\.B $k\$" doc/authmilter.conf.5 || bad "key $k missing from authmilter.conf(5)"
done

# MIGRATING FROM OPENDKIM AND OPENDMARC names the keys of the code's table
# (config --migration, the "did you mean" of an unknown key), each with the
# same authmilter key, and no other: "NAME KEY" lines from both sides
"$AUTHMILTER" config --migration | awk '{ print $1, $3 }' | sort > "$T/mig.code"
[ "$(wc -l < "$T/mig.code")" -gt 40 ] || bad "config --migration lists $(wc -l < "$T/mig.code") keys"
awk '/^\.SH MIGRATING/ { on = 1; next } /^\.SH/ { on = 0 }
    on && /^\.TP/ { tp = 1; next }
    on && tp && /^\.B / { name = $2; tp = 0; getline d
	if (d ~ /\) no equivalent:/) k = "none"
	else if (match(d, /\\fB[^\\]*\\fR/)) k = substr(d, RSTART + 3, RLENGTH - 6)
	else k = "?"
	gsub(/\\/, "", name); gsub(/\\/, "", k); print name, k }' \
    doc/authmilter.conf.5 | sort > "$T/mig.man"
if ! cmp -s "$T/mig.code" "$T/mig.man"; then
	diff "$T/mig.code" "$T/mig.man" | head -20
	bad "authmilter.conf(5) MIGRATING and config --migration differ (< code, > man page)"
fi
for k in $(awk '$2 != "none" { print $2 }' "$T/mig.code" | sort -u); do
	"$AUTHMILTER" config --keys | grep -qx "$k" || bad "config --migration names $k, not a key"
done

man8=$(groff -man -Tascii -P-c -P-b -P-u doc/authmilter.8 2>/dev/null)
[ -n "$man8" ] || bad "authmilter.8 does not render"
for sub in $("$AUTHMILTER" --help | awk '/^subcommands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }'); do
	echo "$man8" | grep -q "authmilter $sub\|^       $sub\b\|^   $sub\b" || bad "authmilter.8: no subcommand $sub"
done
for fl in $("$AUTHMILTER" run --help 2>&1 | grep -o -- ' -[a-z]\b\| --[a-z-]*' | sort -u); do
	echo "$man8" | grep -q -- "$fl" || bad "authmilter.8: no daemon flag $fl"
done
for p in doc/authmilter.8 doc/authmilter.conf.5; do
	w=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
	[ -z "$w" ] || bad "$p: groff warnings: $w"
done

make -s install BUILD="$BUILD" DESTDIR="$T/dest" PREFIX=/usr > "$T/install.log" 2>&1 ||
    { cat "$T/install.log"; bad "make install failed"; }
for f in sbin/authmilter share/man/man8/authmilter.8 share/man/man5/authmilter.conf.5; do
	[ -s "$T/dest/usr/$f" ] || bad "make install: no $f"
done
[ "$rc" = 0 ] && echo "PASS: docs (man pages and example config match the config table; install ok)"
exit "$rc"
