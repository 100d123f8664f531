#!/bin/sh
# tests/system/deb.sh - `make deb` builds a package that installs, runs and
# goes away cleanly on a fresh Debian 12: the .deb is installed with
# `apt-get install ./authmilter_*.deb` into a debootstrap'd minbase
# bookworm chroot (dependencies from the mirror), then
#   - the package: Depends from dpkg-shlibdeps, /etc/authmilter.conf a
#     conffile (the example), the binary stripped, units and man pages there
#   - postinst: system user and group authmilter (nologin), state
#     directory /var/lib/authmilter (root's) with history/ (authmilter's);
#     the service not enabled
#   - `authmilter -n` passes on the installed configuration
#   - the daemon started in the chroot (no systemd: directly, daemon
#     mode) binds /run/authmilter/authmilter.sock, drops to authmilter and
#     answers one milter conversation (miltertest from the host: a message
#     accepted with its Authentication-Results), then stops at SIGTERM
#   - `dpkg --remove` keeps the (edited) conffile and the state directory,
#     `dpkg --purge` removes both and every file; the user stays (Debian
#     practice)
# The chroot is built once and cached as a tarball (with its apt lists) in
# $BUILD/deb-chroot/, the downloaded packages in $BUILD/deb-chroot/archives
# (tests/lib/deb_chroot.sh): a warm run needs no network and takes well
# under a minute. Skips (exit 77, saying why) when not root, without
# debootstrap, unshare, chroot or dpkg-dev, or with no network to the
# mirror for a cold cache.
set -u
SRC=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
skip() { echo "deb: skipped: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -f "$T/log" ] && tail -15 "$T/log" | sed 's/^/  /'
	exit 1
}
mkdir -p "$BUILD"
T=$(mktemp -d "$BUILD/deb-test.XXXXXX")
AMPID=
cleanup() {
	[ -n "$AMPID" ] && kill "$AMPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
. "$SRC/tests/lib/deb_chroot.sh"	# dch_need, dch_deb, dch_root, dch_run, dch_install; R
dch_need

# --- the package --------------------------------------------------------------
dch_deb
dpkg-deb -f "$DEB" Depends > "$T/depends"
for d in libc6 libunbound8 libssl3 libsystemd0 adduser dns-root-data; do
	grep -q "\(^\|, \)$d\( \|,\|$\)" "$T/depends" || fail "Depends lacks $d: $(cat "$T/depends")"
done
dpkg-deb --ctrl-tarfile "$DEB" | tar -xOf - ./conffiles | grep -qx /etc/authmilter.conf ||
    fail "/etc/authmilter.conf is not a conffile"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' > "$T/files"
for f in /usr/sbin/authmilter /etc/authmilter.conf /usr/lib/systemd/system/authmilter.service \
    /usr/lib/systemd/system/authmilter-report.service /usr/lib/systemd/system/authmilter-report.timer \
    /usr/share/man/man8/authmilter.8.gz /usr/share/man/man5/authmilter.conf.5.gz \
    /usr/share/doc/authmilter/README.md /usr/share/doc/authmilter/examples/authmilter-report.cron; do
	grep -qx "$f" "$T/files" || fail "$f is not in the package"
done
mkdir "$T/x" && dpkg-deb -x "$DEB" "$T/x"
file_out=$(file "$T/x/usr/sbin/authmilter" 2>/dev/null || true)
case $file_out in *"not stripped"*) fail "the binary is not stripped" ;; esac
grep -q '^ExecStart=/usr/sbin/authmilter ' "$T/x/usr/lib/systemd/system/authmilter.service" ||
    fail "the unit does not run /usr/sbin/authmilter"
cmp -s "$T/x/etc/authmilter.conf" contrib/authmilter.conf || fail "/etc/authmilter.conf is not the example"
echo "ok   make deb: $(basename "$DEB"), Depends $(cat "$T/depends")"

# --- a fresh Debian 12 (cached) -----------------------------------------------
dch_root
: > "$T/log"
dch_run 'getent passwd authmilter; getent group authmilter; test -e /etc/authmilter.conf && echo conf; true' &&
    ! grep -q 'authmilter\|^conf$' "$T/log" || fail "the chroot is not fresh: $(cat "$T/log")"

# --- install ------------------------------------------------------------------
cp tests/fixtures/milter/milter.zone "$R/tmp/milter.zone"
t0=$(date +%s)
dch_install "$DEB" || fail "apt-get install ./$(basename "$DEB") in the chroot"
echo "ok   apt-get install ./$(basename "$DEB") in a fresh bookworm chroot ($(($(date +%s) - t0)) s)"

: > "$T/log"
dch_run '
set -e
getent passwd authmilter
getent group authmilter
stat -c "%U:%G %a %n" /var/lib/authmilter /var/lib/authmilter/history /etc/authmilter.conf
dpkg-query -W -f="\${Conffiles}\n" authmilter
ls /etc/systemd/system/multi-user.target.wants/ 2>/dev/null | sed "s/^/enabled: /"
authmilter -n
' || fail "checks in the chroot"
pw=$(grep '^authmilter:' "$T/log" | head -1)
uid=$(echo "$pw" | cut -d: -f3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ] || fail "no system user authmilter: $pw"
case $pw in *:/usr/sbin/nologin) ;; *) fail "authmilter has a login shell: $pw" ;; esac
grep -q '^authmilter:x:[0-9]*:$' "$T/log" || fail "no group authmilter"
grep -qx 'root:root 755 /var/lib/authmilter' "$T/log" || fail "/var/lib/authmilter: $(grep /var/lib/authmilter "$T/log")"
grep -qx 'authmilter:authmilter 750 /var/lib/authmilter/history' "$T/log" ||
    fail "/var/lib/authmilter/history: $(grep history "$T/log")"
grep -q '^ /etc/authmilter.conf [0-9a-f]\{32\}$' "$T/log" || fail "dpkg does not list /etc/authmilter.conf as a conffile"
grep -q '^enabled: authmilter' "$T/log" && fail "the service was enabled at install"
grep -q 'configuration OK' "$T/log" || fail "authmilter -n: $(tail -3 "$T/log")"
echo "ok   user and group authmilter (uid $uid, nologin), /var/lib/authmilter(/history), conffile, not enabled, authmilter -n OK"

# --- run it -------------------------------------------------------------------
: > "$T/log"
dch_run '/usr/sbin/authmilter -c /etc/authmilter.conf --dns-zone /tmp/milter.zone --authserv-id deb.test &&
    stat -c "%U:%G %a %F" /run/authmilter/authmilter.sock' || fail "the daemon did not start in the chroot"
AMPID=$(cat "$R/run/authmilter/authmilter.pid" 2>/dev/null)
[ -n "$AMPID" ] && kill -0 "$AMPID" 2>/dev/null || fail "no daemon running (pidfile: '$AMPID')"
grep -qx 'root:authmilter 660 socket' "$T/log" || fail "the socket: $(tail -1 "$T/log")"
[ "$(awk '/^Uid:/ { print $3 }' /proc/$AMPID/status)" = "$uid" ] || fail "the daemon did not drop to authmilter"
SOCK=$R/run/authmilter/authmilter.sock
if command -v miltertest >/dev/null 2>&1; then
	miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D asid=deb.test \
	    -D qid=DEB1 -s "$SRC/tests/daemon/lua/one.lua" > "$T/mt.out" 2>&1 ||
	    fail "milter conversation: $(cat "$T/mt.out")"
	grep -q '^one: *deb\.test;' "$T/mt.out" && grep -q 'spf=pass .*smtp\.mailfrom=example\.com' "$T/mt.out" &&
	    grep -q 'dmarc=pass ' "$T/mt.out" || fail "milter conversation: $(cat "$T/mt.out")"
	echo "ok   the daemon (uid $uid) accepted a message over $SOCK, AR: spf=pass, dmarc=pass"
else
	/usr/bin/python3 -c 'import socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall(struct.pack(">IcIII", 13, b"O", 6, 0x1ff, 0))
n = struct.unpack(">I", s.recv(4))[0]; assert s.recv(1) == b"O"' "$SOCK" ||
	    fail "the socket does not answer an option negotiation"
	echo "ok   the daemon (uid $uid) answers an option negotiation on $SOCK (no miltertest here)"
fi
kill -TERM "$AMPID"
for i in $(seq 1 150); do kill -0 "$AMPID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$AMPID" 2>/dev/null && fail "the daemon still runs 15 s after SIGTERM"
AMPID=
echo "ok   stopped at SIGTERM"

# --- remove, purge ------------------------------------------------------------
: > "$T/log"
dch_run '
set -e
echo "# edited" >> /etc/authmilter.conf
dpkg --remove authmilter
ls -d /etc/authmilter.conf /var/lib/authmilter/history
test ! -e /usr/sbin/authmilter && echo "binary removed"
dpkg --purge authmilter
for f in /etc/authmilter.conf /var/lib/authmilter /usr/sbin/authmilter /usr/lib/systemd/system/authmilter.service /usr/share/man/man8/authmilter.8.gz; do
	test -e "$f" && echo "left: $f"
done
dpkg -s authmilter >/dev/null 2>&1 && echo "still known to dpkg"
getent passwd authmilter >/dev/null && echo "user kept"
true
' || fail "dpkg --remove / --purge in the chroot"
grep -qx '/etc/authmilter.conf' "$T/log" && grep -qx '/var/lib/authmilter/history' "$T/log" ||
    fail "dpkg --remove did not keep the conffile and the state: $(cat "$T/log")"
grep -qx 'binary removed' "$T/log" || fail "dpkg --remove left the binary"
grep -q '^left: \|still known' "$T/log" && fail "dpkg --purge: $(grep '^left: \|still known' "$T/log")"
grep -qx 'user kept' "$T/log" || fail "the user authmilter was removed at purge"
echo "ok   dpkg --remove keeps the edited conffile and /var/lib/authmilter; --purge removes them and every file, the user stays"
echo "deb: all checks passed"
