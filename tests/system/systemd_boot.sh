#!/bin/sh
# tests/system/systemd_boot.sh - the package's units under a real systemd:
# a fresh Debian 12 chroot (tests/lib/deb_chroot.sh) with systemd and the
# package of `make deb` installed is booted with systemd-nspawn (this
# machine's PID 1 is not systemd, so systemd-run cannot be used), and a
# oneshot unit in it drives the checks while the host talks to the milter:
#   - `systemctl start authmilter` returns with the unit active (Type=notify:
#     READY=1 arrived) and STATUS= "ready: serving milter connections"
#   - the daemon runs as authmilter (every uid), with no_new_privs, a
#     seccomp filter (SystemCallFilter=), no effective capabilities and the
#     bounding set CAP_SETUID + CAP_SETGID; / read-only in its mount
#     namespace (ProtectSystem=strict), /var/lib/authmilter and
#     /run/authmilter writable
#   - one milter conversation from the host (miltertest, inet socket on
#     127.0.0.1): accepted with Authentication-Results; the message is
#     recorded in the history store /var/lib/authmilter/history/history.db,
#     which the daemon created as authmilter under StateDirectory=
#   - `systemctl reload`: STATUS= "ready: configuration reloaded"
#   - authmilter-report.service (report --yesterday --send as authmilter)
#     succeeds on that store; the timer has a next elapse
#   - `systemctl stop`: drained, unit inactive, result success
# Skips (exit 77) as deb.sh does, and without systemd-nspawn
# (systemd-container) or miltertest.
set -u
SRC=$(pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
skip() { echo "systemd_boot: skipped: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -f "$R/amtest.out" ] && sed 's/^/  out: /' "$R/amtest.out" | tail -40
	[ -f "$T/nspawn.log" ] && tail -5 "$T/nspawn.log" | sed 's/^/  nspawn: /'
	exit 1
}
mkdir -p "$BUILD"
T=$(mktemp -d "$BUILD/systemd-boot.XXXXXX")
MACHINE=amtest$$
NSPAWN=
cleanup() {
	if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
		kill "$NSPAWN" 2>/dev/null	# nspawn powers the container off
		sleep 3
		kill -9 "$NSPAWN" 2>/dev/null
	fi
	rm -rf "$T" "/run/systemd/nspawn/propagate/$MACHINE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
. "$SRC/tests/lib/deb_chroot.sh"	# dch_need, dch_deb, dch_root, dch_run, dch_install; R
dch_need systemd-nspawn miltertest

dch_deb
dch_root
dch_install systemd "$DEB" || fail "apt-get install systemd ./$(basename "$DEB") in the chroot: $(tail -5 "$T/log")"
rm -f "$R/usr/sbin/policy-rc.d"
PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cp tests/fixtures/milter/milter.zone "$R/etc/authmilter-test.zone"
chmod 644 "$R/etc/authmilter-test.zone"
cat > "$R/etc/authmilter.conf" <<CONF
socket = "inet:$PORT@127.0.0.1"
authserv_id = boot.test
dns_zone = /etc/authmilter-test.zone
history = /var/lib/authmilter/history/history.db
report_email = dmarc@boot.test
CONF
cat > "$R/etc/systemd/system/amtest.service" <<'UNIT'
[Unit]
Description=authmilter test driver
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=file:/amtest.out
StandardError=inherit
ExecStart=/bin/sh /amtest.sh
ExecStopPost=/bin/systemctl --no-block poweroff
[Install]
WantedBy=multi-user.target
UNIT
ln -s /etc/systemd/system/amtest.service "$R/etc/systemd/system/multi-user.target.wants/amtest.service"
cat > "$R/amtest.sh" <<'DRIVER'
st() { systemctl show -p "$1" --value "$2"; }
systemctl start authmilter && echo "start: ok"
echo "active: $(st ActiveState authmilter)"
echo "status: $(st StatusText authmilter)"
pid=$(st MainPID authmilter)
echo "authmilter-uid: $(id -u authmilter)"
grep -E '^(Uid|NoNewPrivs|Seccomp|CapEff|CapBnd):' "/proc/$pid/status"
# mount options of /, /var/lib/authmilter, /run/authmilter as the daemon sees them
awk '$5 == "/" || $5 == "/var/lib/authmilter" || $5 == "/run/authmilter" { print "mount:", $5, $6 }' "/proc/$pid/mountinfo"
touch /host-go
for i in $(seq 1 600); do [ -e /host-done ] && break; sleep 0.1; done
echo "history: $(stat -c '%U %a' /var/lib/authmilter/history/history.db 2>&1)"
systemctl reload authmilter && echo "reload: ok"
for i in $(seq 1 50); do st StatusText authmilter | grep -q reloaded && break; sleep 0.1; done
echo "status after reload: $(st StatusText authmilter)"
systemctl start authmilter-report; echo "report: $(st Result authmilter-report)"
journalctl -u authmilter-report --no-pager -o cat | sed 's/^/report-log: /'
systemctl start authmilter-report.timer
echo "timer next: $(st NextElapseUSecRealtime authmilter-report.timer)"
systemctl stop authmilter
echo "stopped: $(st ActiveState authmilter) $(st Result authmilter)"
journalctl -u authmilter --no-pager -o cat | sed 's/^/log: /'
echo "driver: done"
DRIVER

t0=$(date +%s)
systemd-nspawn -q -D "$R" -b --register=no --keep-unit --machine="$MACHINE" \
    > "$T/nspawn.log" 2>&1 &
NSPAWN=$!
for i in $(seq 1 1200); do [ -e "$R/host-go" ] && break; kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.1; done
[ -e "$R/host-go" ] || fail "the container did not boot and start authmilter within 120 s"
miltertest -D "sock=inet:$PORT@127.0.0.1" -D "dir=$SRC/tests/daemon/lua" -D asid=boot.test \
    -D qid=BOOT1 -s "$SRC/tests/daemon/lua/one.lua" > "$T/mt.out" 2>&1
mt=$?
touch "$R/host-done"
for i in $(seq 1 1200); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.1; done
kill -0 "$NSPAWN" 2>/dev/null && fail "the container did not power off within 120 s"
wait "$NSPAWN"
NSPAWN=
O=$R/amtest.out
grep -qx 'driver: done' "$O" || fail "the driver did not finish"
grep -qx 'start: ok' "$O" && grep -qx 'active: active' "$O" || fail "systemctl start authmilter failed"
grep -qx 'status: ready: serving milter connections' "$O" || fail "no READY status: $(grep '^status' "$O")"
echo "ok   systemctl start authmilter (Type=notify): active, STATUS=$(sed -n 's/^status: //p' "$O")"
u=$(sed -n 's/^authmilter-uid: //p' "$O")
grep -q "^Uid:[[:space:]]*$u[[:space:]]*$u[[:space:]]*$u[[:space:]]*$u\$" "$O" || fail "not running as authmilter ($u): $(grep ^Uid "$O")"
grep -q '^NoNewPrivs:[[:space:]]*1$' "$O" || fail "no no_new_privs"
grep -q '^Seccomp:[[:space:]]*2$' "$O" || fail "no seccomp filter: $(grep ^Seccomp "$O")"
grep -q '^CapEff:[[:space:]]*0*$' "$O" || fail "capabilities left: $(grep ^CapEff "$O")"
grep -q '^CapBnd:[[:space:]]*0*c0$' "$O" || fail "bounding set is not CAP_SETUID+CAP_SETGID: $(grep ^CapBnd "$O")"
grep -q '^mount: / ro' "$O" || fail "/ is not read-only for the daemon: $(grep '^mount: / ' "$O")"
grep -q '^mount: /var/lib/authmilter rw' "$O" && grep -q '^mount: /run/authmilter rw' "$O" ||
    fail "state or runtime directory not writable: $(grep '^mount' "$O")"
echo "ok   the daemon runs as authmilter (uid $u), no_new_privs, seccomp, no capabilities (bounding set setuid+setgid), / read-only"
[ "$mt" = 0 ] && grep -q '^one: *boot\.test;' "$T/mt.out" || fail "milter conversation: $(cat "$T/mt.out")"
grep -qx 'history: authmilter 600' "$O" || fail "history store: $(grep '^history' "$O")"
echo "ok   a message over inet:$PORT@127.0.0.1 accepted with AR; history.db created by authmilter (0600, UMask=0077)"
grep -qx 'reload: ok' "$O" && grep -qx 'status after reload: ready: configuration reloaded' "$O" ||
    fail "systemctl reload: $(grep '^reload\|^status after' "$O"; grep '^log: ' "$O" | tail -5)"
echo "ok   systemctl reload: RELOADING/READY, STATUS=ready: configuration reloaded"
grep -qx 'report: success' "$O" || fail "authmilter-report.service: $(grep '^report' "$O")"
grep -q '^timer next: [A-Z]' "$O" || fail "authmilter-report.timer has no next elapse: $(grep '^timer' "$O")"
echo "ok   authmilter-report.service succeeded as authmilter ($(grep '^report-log: ' "$O" | tail -1 | cut -c13-80)); timer next: $(sed -n 's/^timer next: //p' "$O")"
grep -qx 'stopped: inactive success' "$O" || fail "systemctl stop: $(grep '^stopped' "$O")"
grep -q '^log: stopping on SIGTERM' "$O" && grep -q '^log: stopped$' "$O" || fail "no drain in the log"
echo "ok   systemctl stop: drained, inactive, success ($(($(date +%s) - t0)) s booted)"
echo "systemd_boot: all checks passed"
