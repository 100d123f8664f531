#!/bin/sh
# tests/daemon/config_test.sh - `authmilter -n` changes nothing and checks
# what the start would trip on, as the run-as user (nobody) where it
# matters; on the real binary, as root:
#   - a history store that does not exist yet is not made (it was made
#     by root, which the daemon then could not open), and -n passes when
#     nobody can write its directory
#   - a history directory (root 0700) or file (root 0644) the user cannot
#     write, a config file (root 0600) the user cannot read: exit 1 naming
#     the path and the user
#   - a user, group or socket_group that does not exist: exit 1
#   - a --dns-conf whose auth-zone does not parse: exit 1 (it failed every
#     lookup after passing -n)
#   - at start, a history store the user cannot write: the error names the
#     path and the user
# Needs root.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
[ "$(id -u)" = 0 ] || { echo "FAIL: config_test.sh must run as root (CI does)"; exit 1; }
id nobody >/dev/null 2>&1 || { echo "FAIL: no user nobody"; exit 1; }
ZONE=$SRC/tests/fixtures/milter/milter.zone

T=$(mktemp -d /tmp/config-test.XXXXXX)
chmod 755 "$T"
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() {
	echo "FAIL: $*"
	exit 1
}
# n WANT_EXIT [flags]: authmilter -n as root, run-as user nobody
n() {
	want=$1
	shift
	"$AUTHMILTER" -n -u nobody --pidfile "" -p "unix:$T/run/am.sock" \
	    --dns-zone "$ZONE" "$@" > "$T/out" 2>&1
	st=$?
	[ "$st" = "$want" ] || fail "-n $*: exit $st, want $want: $(cat "$T/out")"
}
has() { grep -qF -- "$1" "$T/out" || fail "no '$1' in: $(cat "$T/out")"; }

# --- nothing made --------------------------------------------------------------
mkdir -m 755 "$T/hist" && chown nobody "$T/hist"
n 0 --history "$T/hist/h.db"
has "defaults are OK"
[ -e "$T/hist/h.db" ] && fail "-n made the history store $T/hist/h.db"
[ -e "$T/run" ] && fail "-n made the socket directory $T/run"
echo "ok   -n makes no history store (nor any directory) and passes when nobody can write"

# --- the history store as the user -----------------------------------------------
mkdir -m 700 "$T/rootdir"
n 1 --history "$T/rootdir/h.db"
has "history directory $T/rootdir: user nobody cannot write it (owner root, mode 0700)"
[ -e "$T/rootdir/h.db" ] && fail "-n made $T/rootdir/h.db"
/usr/bin/python3 -c 'import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("create table t(a)")' \
    "$T/hist/old.db"
chmod 644 "$T/hist/old.db"
n 1 --history "$T/hist/old.db"
has "history $T/hist/old.db: user nobody cannot write it (owner root, mode 0644)"
echo "ok   -n: a history directory or file nobody cannot write: exit 1 naming path and user"

# --- the config file as the user ---------------------------------------------------
printf 'authserv_id = cfg.test\n' > "$T/am.conf"
chmod 600 "$T/am.conf"
n 1 -c "$T/am.conf"
has "config $T/am.conf: user nobody cannot read it"
chmod 644 "$T/am.conf"
n 0 -c "$T/am.conf"
echo "ok   -n: a config file nobody cannot read: exit 1"

# --- users and groups ----------------------------------------------------------------
"$AUTHMILTER" -n -u no-such-user-13 --pidfile "" -p "unix:$T/run/am.sock" \
    --dns-zone "$ZONE" > "$T/out" 2>&1 && fail "-n -u no-such-user-13 passed"
has "user 'no-such-user-13': no such user"
printf 'group = no-such-group-13\n' > "$T/g.conf"
n 1 -c "$T/g.conf"
has "group 'no-such-group-13': no such group"
printf 'socket_group = no-such-group-13\n' > "$T/sg.conf"
n 1 -c "$T/sg.conf"
has "socket group 'no-such-group-13': no such group"
echo "ok   -n: a missing user, group or socket_group: exit 1"

# --- a --dns-conf whose auth-zone does not parse ---------------------------------------
printf 'x.example. 300 IN A 192.0.2.1\ny.example. 300 IN A 1.2.3\n' > "$T/bad.zone"
printf 'server:\n    module-config: "iterator"\n    use-syslog: no\nauth-zone:\n    name: "example."\n    zonefile: "%s"\n    for-upstream: yes\n    fallback-enabled: no\n' \
    "$T/bad.zone" > "$T/unbound.conf"
"$AUTHMILTER" -n -u nobody --pidfile "" -p "unix:$T/run/am.sock" \
    --dns-conf "$T/unbound.conf" > "$T/out" 2>&1 && fail "-n with a broken auth-zone passed: $(cat "$T/out")"
has "$T/bad.zone"
has "the resolver cannot start"
echo "ok   -n: a --dns-conf whose auth-zone does not parse: exit 1 naming the zone file"

# --- at start: the history store's error names the path and the user ---------------------
timeout 20 "$AUTHMILTER" -f -u nobody --pidfile "" -p "unix:$T/run/am.sock" \
    --dns-zone "$ZONE" --history "$T/hist/old.db" > "$T/out" 2>&1 &&
    fail "started with a history store nobody cannot write"
has "history $T/hist/old.db:"
has "user nobody"
echo "ok   start: a history store nobody cannot write: the error names path and user"
