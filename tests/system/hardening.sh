#!/bin/sh
# tests/system/hardening.sh - the daemon binary is built hardened (Makefile
# HARDEN_CFLAGS, HARDEN_LDFLAGS, FORTIFY), read from the ELF file itself
# with readelf:
#   - PIE: ELF type DYN with a program interpreter (a shared library has
#     none);
#   - full RELRO: a GNU_RELRO segment and immediate binding (DT_FLAGS
#     BIND_NOW or DT_FLAGS_1 NOW), so the GOT is read-only once started;
#   - a non-executable stack (GNU_STACK without E);
#   - -fstack-protector-strong: __stack_chk_fail imported;
#   - _FORTIFY_SOURCE: glibc's checked variants (__snprintf_chk, ...)
#     imported. Not required of an ASan build (make sanitize turns it off
#     on purpose, see the Makefile) nor of a gcc build without optimisation
#     (fortify needs it; the Makefile adds it only when OPT optimises).
# The same checks run on a stripped copy (strip(1), as distribution
# packages ship it): the properties live in the program headers and the
# dynamic symbol table, which stripping keeps. `make install` strips the
# binary it installs (tests/system/install.sh).
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
T=$(mktemp -d /tmp/hardening-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
rc=0
bin_ok=1
bad() { echo "FAIL: $*"; rc=1; bin_ok=0; }

command -v readelf >/dev/null 2>&1 || { echo "FAIL: readelf (binutils) missing"; exit 1; }
[ -x "$AUTHMILTER" ] || { echo "FAIL: no binary at $AUTHMILTER"; exit 1; }

check() {
	bin=$1 label=$2
	bin_ok=1
	readelf -hW "$bin" > "$T/h" 2>&1 || { bad "$label: not an ELF file"; return; }
	readelf -lW "$bin" > "$T/l" 2>&1
	readelf -dW "$bin" > "$T/d" 2>&1
	readelf --dyn-syms -W "$bin" > "$T/s" 2>&1
	grep -q 'Type:[[:space:]]*DYN' "$T/h" && grep -q '^[[:space:]]*INTERP' "$T/l" ||
	    bad "$label: not a position-independent executable (-pie)"
	grep -q '^[[:space:]]*GNU_RELRO' "$T/l" ||
	    bad "$label: no GNU_RELRO segment (-Wl,-z,relro)"
	grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*[[:space:]]NOW' "$T/d" ||
	    bad "$label: lazy binding (no BIND_NOW: -Wl,-z,now)"
	if grep -q '^[[:space:]]*GNU_STACK' "$T/l"; then
		grep '^[[:space:]]*GNU_STACK' "$T/l" | grep -q 'RWE' &&
		    bad "$label: executable stack"
	else
		bad "$label: no GNU_STACK header (the stack would be executable)"
	fi
	grep -q ' UND __stack_chk_fail' "$T/s" ||
	    bad "$label: __stack_chk_fail not imported (-fstack-protector-strong)"
	nchk=$(grep -Ec ' UND __[a-z_]+_chk(@|$)' "$T/s")
	if [ "$want_fortify" = yes ]; then
		[ "$nchk" -gt 0 ] ||
		    bad "$label: no fortified __*_chk function imported (-D_FORTIFY_SOURCE=2)"
	fi
	[ "$bin_ok" = 1 ] && echo "$label: PIE, RELRO, BIND_NOW, NX stack, stack protector, $nchk fortified functions"
}

want_fortify=yes
if readelf --dyn-syms -W "$AUTHMILTER" | grep -q ' UND __asan_init'; then
	want_fortify=no
	echo "note: an ASan build: _FORTIFY_SOURCE is off on purpose (Makefile FORTIFY), not checked"
elif readelf --debug-dump=info "$AUTHMILTER" 2>/dev/null |
    grep -m1 'DW_AT_producer' | grep 'GNU C' | grep -vq ' -O[1-3sgz]'; then
	want_fortify=no
	echo "note: built without optimisation: _FORTIFY_SOURCE cannot apply, not checked"
fi

check "$AUTHMILTER" "$(basename "$AUTHMILTER")"
if command -v strip >/dev/null 2>&1; then
	strip -o "$T/authmilter.stripped" "$AUTHMILTER" || bad "strip failed"
	check "$T/authmilter.stripped" "stripped copy"
fi
fort=", fortify"
[ "$want_fortify" = yes ] || fort=""
[ "$rc" = 0 ] && echo "PASS: hardening (PIE, full RELRO, NX stack, stack protector$fort)"
exit "$rc"
