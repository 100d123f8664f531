#!/bin/sh
# tests/system/systemd_unit.sh - the systemd units of contrib/systemd:
#   - `systemd-analyze verify` on each (ExecStart= pointed at the built
#     binary, --man=no): no output at all (an unknown or misspelt key is
#     only a warning, exit 0: any line fails)
#   - authmilter.service: Type=notify, RuntimeDirectory= and
#     StateDirectory=authmilter, no User= (it binds as root, then drops),
#     no ExecStartPre= (-n as root), optional paths with "-"; its
#     `systemd-analyze security --offline=true` exposure below 2.0
#   - the report timer starts the report service, which runs `report
#     --yesterday --send` as the daemon's user
#   - the daemon works within the unit's capability bounding set and
#     no_new_privs (setpriv; systemd itself is not PID 1 here, so its
#     seccomp filter and namespaces are not applied): started as root with
#     only the unit's capabilities, a root-owned 0640 config, user nobody,
#     it binds, drops, answers on its socket, reloads at SIGHUP (the
#     config re-read as nobody) and stops at SIGTERM with exit 0
# Skips (exit 77) without systemd-analyze.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
PY=/usr/bin/python3
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "systemd_unit: skipped (no systemd-analyze: apt-get install systemd)"
	exit 77
fi
T=$(mktemp -d /tmp/systemd-unit.XXXXXX)
chmod 755 "$T"
AM=
cleanup() {
	[ -n "$AM" ] && kill "$AM" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "FAIL: $*"; exit 1; }
U=contrib/systemd
unit=$U/authmilter.service
# key NAME [FILE]: the values of NAME= in FILE (default the daemon's unit)
key() { sed -n "s/^$1=//p" "${2:-$unit}"; }

# --- verify -----------------------------------------------------------------
mkdir "$T/units"
for f in $U/*.service $U/*.timer; do
	sed "s|/usr/local/sbin/authmilter|$AUTHMILTER|g" "$f" > "$T/units/$(basename "$f")"
done
(cd "$T/units" && systemd-analyze verify --man=no ./*.service ./*.timer) \
    > "$T/verify" 2>&1 || fail "systemd-analyze verify: $(cat "$T/verify")"
[ -s "$T/verify" ] && fail "systemd-analyze verify says: $(cat "$T/verify")"
echo "ok   systemd-analyze verify: $(cd $U && ls *.service *.timer | tr '\n' ' ')no warnings"

# --- what the daemon's unit must say ----------------------------------------
[ "$(key Type)" = notify ] || fail "Type=$(key Type), want notify"
[ "$(key RuntimeDirectory)" = authmilter ] || fail "no RuntimeDirectory=authmilter"
[ "$(key StateDirectory)" = authmilter ] || fail "no StateDirectory=authmilter"
[ -z "$(key User)" ] || fail "User= set: authmilter binds as root, then drops"
[ -z "$(key ExecStartPre)" ] || fail "ExecStartPre= runs as root before the daemon"
for p in /usr/share/publicsuffix /usr/share/dns; do
	key ReadOnlyPaths | tr ' ' '\n' | grep -qx -- "-$p" ||
	    fail "$p is not optional (-$p) in ReadOnlyPaths="
done
grep -q '^\[Install\]' "$unit" && [ "$(key WantedBy)" = multi-user.target ] ||
    fail "no WantedBy=multi-user.target"
echo "ok   authmilter.service: Type=notify, Runtime/StateDirectory=authmilter, no User=, optional paths"
r=$U/authmilter-report.service
[ "$(key Unit $U/authmilter-report.timer)" = "" ] || fail "the timer names another unit"
key OnCalendar $U/authmilter-report.timer | grep -q 'UTC$' || fail "the timer's OnCalendar= is not in UTC"
[ "$(key Type "$r")" = oneshot ] || fail "report service: Type=$(key Type "$r")"
[ "$(key User "$r")" = authmilter ] || fail "report service: User=$(key User "$r")"
key ExecStart "$r" | grep -q ' report --yesterday --send ' ||
    fail "report service: ExecStart=$(key ExecStart "$r")"
echo "ok   authmilter-report.timer -> .service: daily in UTC, report --yesterday --send as authmilter"

# --- exposure score ---------------------------------------------------------
if systemd-analyze security --offline=true "$T/units/authmilter.service" \
    > "$T/security" 2>&1; then
	score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' "$T/security")
	[ -n "$score" ] || fail "no exposure level in: $(tail -3 "$T/security")"
	awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' ||
	    fail "exposure $score, want below 2.0: $(grep '✗' "$T/security")"
	echo "ok   systemd-analyze security --offline=true: exposure $score (< 2.0)"
else
	echo "skip exposure score: this systemd-analyze has no security --offline ($(systemd-analyze --version | head -1))"
fi

# --- the daemon within the unit's capabilities ------------------------------
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1 ||
    ! id nobody >/dev/null 2>&1; then
	echo "skip the daemon under the unit's capabilities: needs root, setpriv and user nobody"
	echo "systemd_unit: all checks passed"
	exit 0
fi
caps=$(key CapabilityBoundingSet | tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
[ -n "$caps" ] || fail "no CapabilityBoundingSet="
mkdir "$T/run"
printf 'socket = "unix:%s/run/am.sock"\nuser = nobody\npidfile = ""\nauthserv_id = unit.test\ndns_zone = %s\n' \
    "$T" "$SRC/tests/fixtures/milter/milter.zone" > "$T/am.conf"
chown root:"$(id -gn nobody)" "$T/am.conf"
chmod 0640 "$T/am.conf"
# as systemd would start it: bounding set, nothing inheritable or ambient,
# no_new_privs, the unit's umask
(umask "$(key UMask)" && exec setpriv --no-new-privs --bounding-set "-all,$caps" \
    --inh-caps -all --ambient-caps -all \
    "$AUTHMILTER" -f -c "$T/am.conf") > "$T/am.log" 2>&1 &
AM=$!
for i in $(seq 1 100); do grep -q "notice: ready" "$T/am.log" && break; sleep 0.1; done
grep -q "notice: ready" "$T/am.log" || fail "the daemon did not start with caps $caps: $(cat "$T/am.log")"
st=$(awk '/^Uid:/ { print $2 "/" $3 }' /proc/$AM/status)
[ "$st" = "$(id -u nobody)/$(id -u nobody)" ] || fail "not running as nobody (uid $st)"
grep -q '^CapEff:[[:space:]]*0*$' /proc/$AM/status || fail "capabilities left after the drop: $(grep Cap /proc/$AM/status)"
"$PY" -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' \
    "$T/run/am.sock" || fail "the milter socket does not answer"
kill -HUP "$AM"
for i in $(seq 1 50); do grep -q "configuration reloaded" "$T/am.log" && break; sleep 0.1; done
grep -q "configuration reloaded" "$T/am.log" || fail "no reload at SIGHUP: $(tail -3 "$T/am.log")"
kill -TERM "$AM"
for i in $(seq 1 150); do kill -0 "$AM" 2>/dev/null || break; sleep 0.1; done
wait "$AM"
rc=$?
AM=
[ "$rc" = 0 ] || fail "exit $rc at SIGTERM: $(tail -3 "$T/am.log")"
echo "ok   the daemon with only $caps, no_new_privs, umask $(key UMask): binds, runs as nobody with no capability left, reloads, stops (exit 0)"
echo "systemd_unit: all checks passed"
