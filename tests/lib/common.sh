# tests/lib/common.sh - small helpers of the script tests (dns_budget.sh,
# dns_faults.sh, dkim_dnssec.sh, e2e_postfix.sh, tests/lib/sendmail_run.sh).
# Sourced, not run (tests/lib/ is not searched for tests). The caller sets
# T (its temp dir) and defines fail() where a helper below says so.
#
#   need_tools HINT TOOL...
#       for the first TOOL not in PATH prints "FAIL: TOOL is missing
#       (HINT)" and exits 1.
#
#   stop_pids PID...
#       kills every PID, then waits for each (a cleanup trap's work).
#
#   tail_logs LINES FILE...
#       the last LINES lines of each $T/FILE that exists, each line
#       prefixed with "  FILE: " (".log" dropped): for fail().
#
#   now_ms
#       prints the time in milliseconds.
#
#   ok TEXT...
#       one check passed: counts it in $checks, prints "ok   TEXT".
#
#   hwm PID
#       prints the peak RSS (VmHWM) of PID in kB.
#
#   silent_udp SECONDS
#       a UDP socket on a free port of 127.0.0.1 that nobody reads (a DNS
#       server that never answers) for SECONDS, in the background
#       (SILENT_PID); sets SILENT to its port once it is bound (5 s at
#       most, fail() otherwise).
#
#   wait_tcp TRIES PORT...
#       waits until every PORT of 127.0.0.1 takes a connection, trying
#       TRIES times 0.1 s apart; returns 1 when they never all did.

need_tools() {
	_hint=$1
	shift
	for _t; do
		command -v "$_t" >/dev/null 2>&1 ||
		    { echo "FAIL: $_t is missing ($_hint)"; exit 1; }
	done
}

stop_pids() {
	for _p; do
		kill "$_p" 2>/dev/null
	done
	for _p; do
		wait "$_p" 2>/dev/null
	done
}

tail_logs() {
	_n=$1
	shift
	for _l; do
		[ -f "$T/$_l" ] && tail -"$_n" "$T/$_l" | sed "s/^/  ${_l%.log}: /"
	done
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

checks=0
ok() {
	checks=$((checks + 1))
	echo "ok   $*"
}

hwm() {
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

silent_udp() {
	/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(float(sys.argv[1]))' "$1" > "$T/silent.port" &
	SILENT_PID=$!
	_i=0
	until [ -s "$T/silent.port" ]; do
		_i=$((_i + 1))
		[ $_i -gt 50 ] && fail "the silent UDP socket did not come up"
		sleep 0.1
	done
	SILENT=$(cat "$T/silent.port")
}

wait_tcp() {
	_n=$1
	shift
	_i=0
	until /usr/bin/python3 -c 'import socket, sys
for p in sys.argv[1:]:
    socket.create_connection(("127.0.0.1", int(p)), 1).close()' "$@" \
	    2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -ge "$_n" ] && return 1
		sleep 0.1
	done
	return 0
}
