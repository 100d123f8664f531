#!/bin/sh
# tests/daemon/root_files.sh - the files authmilter creates as root (the
# pid file, the unix socket) cannot be turned against root by its run-as
# user (issue 11, 3), on the real binary started as root with user = amtest:
#   - a symlink planted by amtest where the pid file or the socket goes, in
#     a directory amtest owns: the start is refused and logged, root's file
#     (the link's target) keeps its content, owner and mode
#   - links in root's own directory (what O_EXCL|O_NOFOLLOW and the fstat
#     checks are for): a symlink or a hard link in place of the pid file, a
#     symlink in place of the socket, a FIFO as pid file: refused, root's
#     file untouched, no hang
#   - directories (at start, and by authmilter -n): group-writable,
#     world-writable sticky (/tmp-like), one (existing or missing)
#     inside a directory amtest owns, a path through a link amtest can
#     change: refused, naming the directory and who can write it, nothing
#     made; a missing one is made root-owned 0755 (whatever the starter's
#     umask)
#   - a restart replaces the stale pid file the previous run left (its
#     socket is removed at stop: socket_cleanup.sh) and a stale socket
#     (a crash); a second daemon on the same pid file is refused (flock)
#   - the socket gets socket_mode exactly (umask at bind) and its group:
#     socket_group = "" is the daemon's group (amtest's, or `group`), owner
#     root
# Needs root (it creates a user); skips (exit 77) with a message otherwise.
set -u
AUTHMILTER=${AUTHMILTER:-$(pwd)/build/authmilter}
SRC=$(pwd)
if [ "$(id -u)" != 0 ]; then
	echo "root_files: skipped (must run as root: it starts the daemon as root and creates a user)"
	exit 77
fi
command -v runuser >/dev/null 2>&1 || { echo "FAIL: runuser (util-linux) is missing"; exit 1; }

T=$(mktemp -d /tmp/root-files.XXXXXX)
chmod 755 "$T"
errors=0
locked() { [ -f "$1" ] && ! flock -n "$1" true; }
# ours [TEXT]: pids of the daemons this test started (their command line
# names a config in $T; TEXT narrows it), found by id, not by name
ours() {
	for d in /proc/[0-9]*; do
		{ tr '\0' ' ' < "$d/cmdline"; } 2>/dev/null |
		    grep -qF -- "-c $T/${1:-}" && echo "${d#/proc/}"
	done
}
# kill_ours [TEXT]: TERM, then KILL what is left (a daemon stuck in open())
kill_ours() {
	pids=$(ours "${1:-}")
	[ -n "$pids" ] || return 0
	kill $pids 2>/dev/null
	sleep 0.5
	pids=$(ours "${1:-}")
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	return 0
}
cleanup() {
	kill_ours
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
bad() {
	echo "FAIL: $*"
	[ -f "$T/am.log" ] && sed 's/^/  /' "$T/am.log" | tail -5
	errors=$((errors + 1))
}

id amtest >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin amtest ||
    { echo "FAIL: useradd amtest"; exit 1; }
getent group amtestsock >/dev/null 2>&1 || groupadd --system amtestsock ||
    { echo "FAIL: groupadd amtestsock"; exit 1; }
cp "$SRC/tests/fixtures/milter/milter.zone" "$T/zone" && chmod 644 "$T/zone"
as_amtest() { runuser -u amtest -- "$@"; }

# root's file, the target of every planted link
ROOTFILE=$T/rootfile
printf 'root secret\n' > "$ROOTFILE"
chmod 600 "$ROOTFILE"
fingerprint() { printf '%s %s\n' "$(stat -c '%U:%G %a %h' "$ROOTFILE")" "$(cat "$ROOTFILE")"; }
GOOD=$(fingerprint)

# conf NAME SOCKET PIDFILE [more lines]: $T/NAME.conf, run as amtest
conf() {
	printf 'socket = unix:%s\nsocket_mode = 0660\nuser = amtest\npidfile = %s\nauthserv_id = root.test\ndns_zone = %s\n%s' \
	    "$2" "$3" "$T/zone" "${4:-}" > "$T/$1.conf"
	chmod 644 "$T/$1.conf"
}
# start NAME: the daemon (detached; exit 0 once it serves), log in am.log
start() {
	timeout 20 "$AUTHMILTER" -c "$T/$1.conf" > "$T/am.log" 2>&1
}
# stop PIDFILE: SIGTERM the daemon that holds it, wait until it is gone
stop() {
	p=$(cat "$1" 2>/dev/null)
	[ -n "$p" ] || { bad "stop: no pid in $1"; return; }
	kill -TERM "$p"
	for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
	bad "daemon $p still running 10 s after SIGTERM"
}
# refused WHAT NAME TEXT: the start fails (exit 1), the log says TEXT,
# root's file is untouched and no daemon holds a pid file
refused() {
	what=$1 name=$2 text=$3
	start "$name"
	st=$?
	if [ "$st" != 1 ]; then
		bad "$what: exit $st, want 1 (refused)"
		kill_ours "$name.conf"
	fi
	grep -qF -- "$text" "$T/am.log" || bad "$what: the log does not say '$text'"
	[ "$(fingerprint)" = "$GOOD" ] ||
	    bad "$what: root's file changed: '$(fingerprint)', was '$GOOD'"
	[ "$st" = 1 ] && echo "ok   $what: refused: $(grep -F -- "$text" "$T/am.log" | head -1 | sed 's/^authmilter: error: //')"
}
mkdir -m 755 "$T/ok"		# a good socket directory for the pid file cases
okdir() { rm -f "$T/ok/"*; }

# --- links planted by the run-as user, in a directory it owns ------------------
mkdir -m 755 "$T/userrun"
chown amtest:amtest "$T/userrun"
as_amtest ln -s "$ROOTFILE" "$T/userrun/am.pid"
conf userpid "$T/ok/am.sock" "$T/userrun/am.pid"
refused "pid file symlinked by amtest in its own directory" userpid \
    "directory $T/userrun is owned by amtest"
okdir
as_amtest rm -f "$T/userrun/am.pid"
as_amtest ln -s "$ROOTFILE" "$T/userrun/am.sock"
conf usersock "$T/userrun/am.sock" "$T/ok/am.pid"
refused "socket symlinked by amtest in its own directory" usersock \
    "directory $T/userrun is owned by amtest"
as_amtest rm -f "$T/userrun/am.sock"
okdir
conf usersock2 "$T/userrun/am.sock" ""
refused "socket in a directory amtest owns (no link yet: it could swap the socket)" usersock2 \
    "directory $T/userrun is owned by amtest"
[ -e "$T/userrun/am.sock" ] && bad "a socket was made in amtest's directory"

# --- links in root's own directory: never followed ------------------------------
mkdir -m 755 "$T/run"
ln -s "$ROOTFILE" "$T/run/am.pid"
conf rootpidlink "$T/ok/am.sock" "$T/run/am.pid"
refused "pid file as a symlink to root's file" rootpidlink \
    "$T/run/am.pid is a symbolic link (to $ROOTFILE): refusing to follow it"
okdir
rm -f "$T/run/am.pid"
# a hard link: root makes it here (fs.protected_hardlinks stops amtest from
# linking a file it does not own; a system without it would not)
ln "$ROOTFILE" "$T/run/am.pid"
GOOD=$(fingerprint)		# the link count is now 2
refused "pid file as a hard link to root's file" rootpidlink \
    "$T/run/am.pid has 2 hard links"
okdir
rm -f "$T/run/am.pid"
GOOD=$(fingerprint)
mkfifo "$T/run/am.pid"
refused "pid file as a FIFO" rootpidlink "$T/run/am.pid exists and is not a regular file"
okdir
rm -f "$T/run/am.pid"
ln -s "$ROOTFILE" "$T/run/am.sock"
conf rootsocklink "$T/run/am.sock" "$T/ok/am.pid"
refused "socket as a symlink to root's file" rootsocklink \
    "socket $T/run/am.sock: the name is a symbolic link: not followed"
rm -f "$T/run/am.sock"
okdir

# --- directories others can write ---------------------------------------------------
mkdir -m 775 "$T/grpw" && chgrp amtestsock "$T/grpw"
conf grpw "$T/grpw/am.sock" ""
refused "socket directory writable by a group" grpw \
    "directory $T/grpw is writable by group amtestsock (mode 0775)"
# authmilter -n checks the directories as the start does
if "$AUTHMILTER" -n -c "$T/grpw.conf" > "$T/n.log" 2>&1; then
	bad "-n calls a socket directory writable by a group OK"
fi
grep -qF "directory $T/grpw is writable by group amtestsock" "$T/n.log" ||
    bad "-n does not name the group-writable directory: $(cat "$T/n.log")"
echo "ok   -n: refuses the group-writable socket directory too"
mkdir -m 1777 "$T/tmpish"
conf tmpish "$T/ok/am.sock" "$T/tmpish/am.pid"
refused "pid file in a world-writable sticky directory" tmpish \
    "directory $T/tmpish is world-writable (mode 1777)"
okdir
mkdir -m 755 "$T/userparent"
mkdir -m 755 "$T/userparent/run"
chown amtest "$T/userparent"
conf inside "$T/userparent/run/am.sock" ""
refused "socket directory inside a directory amtest owns" inside \
    "directory $T/userparent/run is inside $T/userparent, which is owned by amtest"
rm -rf "$T/userparent/run"
# missing, inside a directory amtest owns: -n refuses it as the start does,
# and the start makes nothing there
conf insidenew "$T/userparent/new/am.sock" ""
if "$AUTHMILTER" -n -c "$T/insidenew.conf" > "$T/n.log" 2>&1; then
	bad "-n calls a missing socket directory inside amtest's directory OK"
fi
grep -qF "directory $T/userparent/new is inside $T/userparent, which is owned by amtest" "$T/n.log" ||
    bad "-n does not name amtest's directory: $(cat "$T/n.log")"
refused "missing socket directory inside a directory amtest owns" insidenew \
    "directory $T/userparent/new is inside $T/userparent, which is owned by amtest"
[ -e "$T/userparent/new" ] && bad "root made $T/userparent/new in amtest's directory"
as_amtest ln -s "$T/run" "$T/userparent/link"
conf vialink "$T/ok/am.sock" "$T/userparent/link/am.pid"
refused "pid file through a symlink amtest can change" vialink \
    "the symbolic link $T/userparent/link on the way could be changed by another user"
okdir

# --- a good start; a missing directory is made root 0755 ---------------------------
SOCK=$T/new/am.sock PID=$T/new/am.pid
conf good "$SOCK" "$PID" 'socket_group = ""
'
"$AUTHMILTER" -n -c "$T/good.conf" > "$T/n.log" 2>&1 ||
    bad "-n refuses a configuration whose directories do not exist yet: $(cat "$T/n.log")"
[ ! -e "$T/new" ] || bad "-n created $T/new"
(umask 077; start good) || bad "start in a new directory: exit $?: $(cat "$T/am.log")"
[ "$(stat -c '%U:%G %a' "$T/new")" = "root:root 755" ] ||
    bad "new directory: $(stat -c '%U:%G %a' "$T/new"), want root:root 755"
[ "$(stat -c '%U %a' "$PID")" = "root 644" ] || bad "pid file: $(stat -c '%U %a' "$PID"), want root 644"
locked "$PID" || bad "the daemon does not hold the pid file's lock"
P1=$(cat "$PID")
[ "$(awk '/^Uid:/ { print $2 }' "/proc/$P1/status")" = "$(id -u amtest)" ] || bad "the daemon is not amtest"
# socket_group = "": the daemon's group (amtest's primary group), not root
want="root:$(id -gn amtest) 660"
[ "$(stat -c '%U:%G %a' "$SOCK")" = "$want" ] ||
    bad "socket_group = \"\": socket $(stat -c '%U:%G %a' "$SOCK"), want $want (the daemon's group)"
echo "ok   new directory root:root 755 (umask 077), pid file root 644 locked, socket $(stat -c '%U:%G %a' "$SOCK")"
# a second daemon on the same pid file (another socket) is refused
conf second "$T/ok/am.sock" "$PID"
refused "a second daemon on a locked pid file" second \
    "pidfile $PID: locked by a running authmilter (pid $P1)"
[ "$(cat "$PID")" = "$P1" ] || bad "the refused daemon rewrote the pid file"
okdir

# --- restart: the stale pid file and socket are replaced ---------------------------
stop "$PID"
[ -f "$PID" ] && ! locked "$PID" || bad "after SIGTERM: the pid file should stay, unlocked"
# the socket is removed (a root helper: amtest cannot; socket_cleanup.sh)
for i in $(seq 1 50); do [ -e "$SOCK" ] || break; sleep 0.1; done
[ -e "$SOCK" ] && bad "after SIGTERM: the socket should be gone"
# a stale socket (left by a crash of daemon and helper alike): nothing
# listens on it, so a message below proves it was replaced
/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])' "$SOCK"
[ -S "$SOCK" ] || bad "no stale socket made at $SOCK"
start good || bad "restart over a stale pid file and socket: $(cat "$T/am.log")"
P2=$(cat "$PID")
[ "$P2" != "$P1" ] && locked "$PID" || bad "restart: pid file $P2 (was $P1), locked: $(locked "$PID" && echo yes)"
miltertest -D "sock=unix:$SOCK" -D "dir=$SRC/tests/daemon/lua" -D "asid=root.test" \
    -s "$SRC/tests/daemon/lua/one.lua" > "$T/mt.out" 2>&1 || bad "a message after the restart: $(cat "$T/mt.out")"
stop "$PID"
echo "ok   restart: stale pid file and socket replaced, the daemon serves"

# --- socket mode exactly, and the group = key ---------------------------------------
conf grp "$SOCK" "$PID" 'socket_mode = 0666
socket_group = ""
group = amtestsock
'
sed -i '/^socket_mode = 0660$/d' "$T/grp.conf"
(umask 077; start grp) || bad "start with group = amtestsock: $(cat "$T/am.log")"
got=$(stat -c '%U:%G %a' "$SOCK")
[ "$got" = "root:amtestsock 666" ] ||
    bad "socket with group = amtestsock, socket_mode 0666: $got, want root:amtestsock 666"
locked "$PID" && stop "$PID"
echo "ok   socket_mode 0666 under umask 077, socket_group \"\" with group = amtestsock: $got"

if [ "$errors" != 0 ]; then
	echo "FAIL: root_files: $errors check(s) failed"
	exit 1
fi
echo "PASS: root_files"
