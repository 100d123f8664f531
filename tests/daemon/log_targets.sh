#!/bin/sh
# tests/daemon/log_targets.sh - where a foreground daemon's lines go:
# stderr (and syslog) normally; syslog only when stderr is the systemd
# journal ($JOURNAL_STREAM names stderr's device:inode), so the journal
# does not hold every line twice. The daemon is started for real.
set -eu
: "${AUTHMILTER:?}"
T=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$T"' EXIT
PID=""
fail() { echo "FAIL: $*"; exit 1; }
printf 'user = ""\npidfile = ""\n' > "$T/am.conf"

# start_daemon LOGFILE [JOURNAL_STREAM value]: run until its socket exists
start_daemon() {
	: > "$1"
	rm -f "$T/am.sock"
	if [ -n "${2:-}" ]; then
		JOURNAL_STREAM=$2 "$AUTHMILTER" run -f -c "$T/am.conf" \
		    -p "unix:$T/am.sock" --dns-zone tests/fixtures/dns/test.zone \
		    2>> "$1" &
	else
		"$AUTHMILTER" run -f -c "$T/am.conf" -p "unix:$T/am.sock" \
		    --dns-zone tests/fixtures/dns/test.zone 2>> "$1" &
	fi
	PID=$!
	i=0
	until [ -S "$T/am.sock" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || fail "daemon did not start"
		sleep 0.1
	done
	sleep 0.3
	kill -TERM $PID; wait $PID || true
	PID=""
}

start_daemon "$T/plain.log"
grep -q "notice: ready" "$T/plain.log" || fail "no 'ready' on stderr: $(cat "$T/plain.log")"
echo "ok   foreground: lines on stderr"

# stderr is a file whose device:inode JOURNAL_STREAM names
: > "$T/journal.log"
js=$(stat -c '%d:%i' "$T/journal.log")
start_daemon "$T/journal.log" "$js"
if grep -q "ready" "$T/journal.log"; then
	fail "stderr is the journal, yet lines went there too: $(cat "$T/journal.log")"
fi
echo "ok   stderr is the journal: syslog only"

# a JOURNAL_STREAM that names another file changes nothing
start_daemon "$T/other.log" "1:1"
grep -q "notice: ready" "$T/other.log" || fail "JOURNAL_STREAM of another file hid stderr"
echo "ok   JOURNAL_STREAM naming another file: stderr kept"
echo "PASS: log_targets"
