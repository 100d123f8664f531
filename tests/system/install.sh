#!/bin/sh
# tests/system/install.sh - make install / make uninstall into a DESTDIR
# (the Makefile's install and uninstall targets):
#   - every file where the Makefile says, with its mode: the binary 0755
#     and stripped (no .symtab), and it runs (--help); both man pages 0644;
#     each unit of contrib/systemd 0644 in lib/systemd/system, its
#     ExecStart naming the installed binary; /etc/authmilter.conf 0644,
#     the example (contrib/authmilter.conf); README.md and the report
#     cron example in share/doc/authmilter 0644; no /var/lib/authmilter
#     in a DESTDIR (the package's postinst makes it), and make install says
#     how to make it;
#   - STRIP= installs the binary with its symbols;
#   - a second install keeps an edited /etc/authmilter.conf and puts the
#     new example beside it (authmilter.conf.example);
#   - uninstall removes every file install put there but the edited
#     configuration, which stays as the admin left it; and an unedited
#     one is removed.
# Runs make from the source tree with -o for the binary: the test installs
# the binary of $BUILD as built, never rebuilds it; without the MAKEFLAGS
# of a make check around it (its variables, its jobserver).
set -u
BUILD=${BUILD:-build}
AUTHMILTER=${AUTHMILTER:-$(pwd)/$BUILD/authmilter}
T=$(mktemp -d /tmp/install-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bad() { echo "FAIL: $*"; rc=1; }

[ -x "$AUTHMILTER" ] || { echo "FAIL: no binary at $AUTHMILTER"; exit 1; }
command -v readelf >/dev/null 2>&1 || { echo "FAIL: readelf (binutils) missing"; exit 1; }
# the binary must come from $BUILD for make's -o to apply
[ "$(cd "$(dirname "$AUTHMILTER")" && pwd)" = "$(cd "$BUILD" && pwd)" ] ||
    { echo "FAIL: AUTHMILTER ($AUTHMILTER) is not $BUILD/authmilter"; exit 1; }

inst() {	# DESTDIR TARGET [VAR=...]: make quietly, output in $T/out
	d=$1 t=$2; shift 2
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s --no-print-directory -o "$BUILD/authmilter" BUILD="$BUILD" \
	    PREFIX=$P DESTDIR="$d" "$@" "$t" > "$T/out" 2>&1 ||
	    { bad "make $t DESTDIR=$d $*: $(cat "$T/out")"; return 1; }
}
mode() { stat -c %a "$1" 2>/dev/null; }
has() {		# FILE MODE: exists as a regular file with that mode
	if [ ! -f "$1" ] || [ -L "$1" ]; then bad "missing: ${1#$D}"
	elif [ "$(mode "$1")" != "$2" ]; then bad "${1#$D}: mode $(mode "$1"), want $2"
	fi
}
stripped() { ! readelf -SW "$1" | grep -q '[[:space:]]\.symtab[[:space:]]'; }

units=$(cd contrib/systemd && ls *.service *.timer *.socket 2>/dev/null)
[ -n "$units" ] || bad "no unit in contrib/systemd"
P=/usr/local

# 1. a first install into an empty DESTDIR
D=$T/root
inst "$D" install || exit 1
has "$D$P/sbin/authmilter" 755
has "$D$P/share/man/man8/authmilter.8" 644
has "$D$P/share/man/man5/authmilter.conf.5" 644
for u in $units; do
	has "$D$P/lib/systemd/system/$u" 644
done
has "$D/etc/authmilter.conf" 644
has "$D$P/share/doc/authmilter/README.md" 644
has "$D$P/share/doc/authmilter/examples/authmilter-report.cron" 644
cmp -s contrib/cron/authmilter-report "$D$P/share/doc/authmilter/examples/authmilter-report.cron" ||
    bad "examples/authmilter-report.cron is not contrib/cron/authmilter-report"
[ -e "$D/var/lib/authmilter" ] && bad "make install with DESTDIR made /var/lib/authmilter"
grep -q "install -d -o authmilter -g authmilter -m 0750 /var/lib/authmilter/history" "$T/out" ||
    bad "make install does not say how to make the state directory: $(cat "$T/out")"
cmp -s contrib/authmilter.conf "$D/etc/authmilter.conf" ||
    bad "/etc/authmilter.conf is not contrib/authmilter.conf"
[ -e "$D/etc/authmilter.conf.example" ] &&
    bad "first install left an authmilter.conf.example"
cmp -s doc/authmilter.8 "$D$P/share/man/man8/authmilter.8" ||
    bad "authmilter.8 is not doc/authmilter.8"
if [ -f "$D$P/lib/systemd/system/authmilter.service" ]; then
	grep -q "^ExecStart=$P/sbin/authmilter " "$D$P/lib/systemd/system/authmilter.service" ||
	    bad "authmilter.service: ExecStart does not run $P/sbin/authmilter"
fi
stripped "$D$P/sbin/authmilter" || bad "installed binary not stripped"
stripped "$AUTHMILTER" && bad "the build's binary has no symbols: the strip check proves nothing"
"$D$P/sbin/authmilter" --help > "$T/help" 2>&1 ||
    bad "installed binary: --help exit $?: $(head -3 "$T/help")"
grep -qi usage "$T/help" || bad "installed binary: --help prints no usage: $(head -3 "$T/help")"
# nothing else was installed
(cd "$D" && find . -type f | sort) > "$T/files"
n=$(wc -l < "$T/files")
want=$((6 + $(echo "$units" | wc -w)))
[ "$n" -eq "$want" ] || bad "install put $n files, want $want: $(tr '\n' ' ' < "$T/files")"

# 2. PREFIX=/usr: the unit runs /usr/sbin/authmilter
D2=$T/usr
inst "$D2" install PREFIX=/usr STRIP= && {
	has "$D2/usr/sbin/authmilter" 755
	grep -q "^ExecStart=/usr/sbin/authmilter " "$D2/usr/lib/systemd/system/authmilter.service" 2>/dev/null ||
	    bad "PREFIX=/usr: the unit does not run /usr/sbin/authmilter"
	stripped "$D2/usr/sbin/authmilter" && bad "STRIP= stripped the binary"
}

# 3. an edited configuration survives a second install
printf '# mine\nauthserv_id = mx.example.org\n' >> "$D/etc/authmilter.conf"
cp "$D/etc/authmilter.conf" "$T/mine"
inst "$D" install && {
	cmp -s "$T/mine" "$D/etc/authmilter.conf" ||
	    bad "second install changed the edited /etc/authmilter.conf"
	has "$D/etc/authmilter.conf.example" 644
	cmp -s contrib/authmilter.conf "$D/etc/authmilter.conf.example" ||
	    bad "authmilter.conf.example is not contrib/authmilter.conf"
	grep -q "authmilter.conf.example" "$T/out" ||
	    bad "second install does not say where the new example went: $(cat "$T/out")"
}

# 4. uninstall: all gone but the edited configuration
inst "$D" uninstall && {
	(cd "$D" && find . -type f) > "$T/left"
	[ "$(cat "$T/left")" = "./etc/authmilter.conf" ] ||
	    bad "uninstall left: $(tr '\n' ' ' < "$T/left")"
	cmp -s "$T/mine" "$D/etc/authmilter.conf" ||
	    bad "uninstall changed the edited /etc/authmilter.conf"
	grep -q "kept .*authmilter.conf" "$T/out" ||
	    bad "uninstall does not say it kept the edited config: $(cat "$T/out")"
}

# 5. uninstall after an install that changed nothing: no file left
inst "$D2" uninstall PREFIX=/usr && {
	(cd "$D2" && find . -type f) > "$T/left"
	[ -s "$T/left" ] && bad "uninstall (unedited config) left: $(tr '\n' ' ' < "$T/left")"
}

[ $rc -eq 0 ] && echo "ok: install, reinstall with an edited config, uninstall ($n files)"
exit $rc
