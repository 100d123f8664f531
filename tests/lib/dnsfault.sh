# tests/lib/dnsfault.sh - the misbehaving DNS server and the miltertest
# driver of dns_faults.sh and dns_budget.sh. Sourced, not run; uses $T,
# $SRC, $PY and the caller's fail().
#
#   dnsfault_need_py
#       exits 1 ("FAIL: ...") when $PY lacks dnspython or dkim (the server
#       and the data generators need them).
#
#   dnsfault_start [PORT]
#       starts tests/message/dns_faults_server.py serving $T/data.json on
#       127.0.0.1:PORT (default: a free port), queries logged to
#       $T/queries.log, its errors to $T/server.err, in the background
#       (SRV_PID); sets PORT once it listens (5 s at most, fail()
#       otherwise).
#
#   milter_run DAEMON QID HELO FROM MSG
#       one message, $T/msg/MSG.eml, through the daemon on
#       unix:$T/DAEMON.sock (miltertest -s tests/message/dns_faults.lua):
#       client 192.0.2.10, HELO, MAIL FROM, queue id QID; $PAUSE
#       (optional): seconds between RCPT TO and the header. An SMTP reply
#       is recognised as "$CODE $XCODE" when it is $CODE $XCODE $TEXT.
#       Sets REPLY, AR (our header, whitespace runs as one space; "" when
#       none) and MS (elapsed ms). fail() when miltertest fails.

dnsfault_need_py() {
	$PY -c 'import dns.message, dkim' 2>/dev/null || {
		echo "FAIL: $PY lacks dnspython or dkim (apt-get install python3-dnspython python3-dkim)"
		exit 1
	}
}

dnsfault_start() {
	rm -f "$T/port"
	$PY "$SRC/tests/message/dns_faults_server.py" "$T/data.json" \
	    "$T/queries.log" "$T/port" ${1:-} 2>>"$T/server.err" &
	SRV_PID=$!
	_i=0
	until [ -s "$T/port" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "the DNS server did not start: $(cat "$T/server.err")"
		kill -0 "$SRV_PID" 2>/dev/null || fail "the DNS server exited: $(cat "$T/server.err")"
		sleep 0.05
	done
	PORT=$(cat "$T/port")
}

milter_run() {
	_t0=$(now_ms)
	_out=$(miltertest -D "sock=unix:$T/$1.sock" -D "ip=192.0.2.10" \
	    -D "helo=$3" -D "from=$4" -D "qid=$2" -D "file=$T/msg/$5.eml" \
	    -D "pause=${PAUSE:-}" \
	    -D "code=$CODE" -D "xcode=$XCODE" -D "text=$TEXT" \
	    -s "$SRC/tests/message/dns_faults.lua" 2>&1) ||
	    fail "$2 ($1): miltertest: $_out"
	MS=$(($(now_ms) - _t0))
	REPLY=$(echo "$_out" | sed -n 's/^reply=//p')
	AR=$(echo "$_out" | sed -n 's/^ar=//p')
}
