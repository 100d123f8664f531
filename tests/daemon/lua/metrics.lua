-- tests/daemon/lua/metrics.lua - a known mix of messages for
-- tests/daemon/metrics.sh, which checks the daemon's counters against it.
-- -D part=1: PASS messages that pass DMARC (accepted) and one from
-- 127.0.0.1 (trusted: skipped). -D part=2: REJECT messages failing DMARC
-- with p=reject (rejected), QUAR failing with p=quarantine (quarantined),
-- one without From (bad_from_action = tempfail). Counts from -D pass=N
-- reject=N quar=N.
dofile(dir .. "/common.lua")
if part == "1" then
	local conn = open("192.0.2.10")
	for i = 1, tonumber(pass) do
		local ar = accepted(conn, "PASS" .. i)
		check(string.find(ar, "dmarc=pass", 1, true), "PASS" .. i .. ": " .. ar)
	end
	mt.disconnect(conn)
	conn = open("127.0.0.1", "localhost")
	local reply = message(conn, "LOCAL1")
	check(reply == SMFIR_ACCEPT, "LOCAL1: not accepted")
	mt.disconnect(conn)
	mt.echo("metrics part 1: " .. pass .. " passing, 1 skipped")
else
	local conn = open("192.0.2.10")
	for i = 1, tonumber(reject) do
		local reply = message(conn, "REJECT" .. i,
		    { { "From", "x@example.com" } }, "<m@evil.example>")
		check(reply == SMFIR_REPLYCODE, "REJECT" .. i .. ": not rejected")
	end
	for i = 1, tonumber(quar) do
		local reply = message(conn, "QUAR" .. i,
		    { { "From", "x@q.example" } }, "<m@evil.example>")
		check(reply == SMFIR_ACCEPT, "QUAR" .. i .. ": not accepted")
		check(mt.eom_check(conn, MT_QUARANTINE), "QUAR" .. i ..
		    ": not quarantined")
	end
	local reply = message(conn, "NOFROM1", { { "Subject", "no From" } })
	check(reply == SMFIR_REPLYCODE, "NOFROM1: no tempfail")
	mt.disconnect(conn)
	mt.echo("metrics part 2: " .. reject .. " rejected, " .. quar ..
	    " quarantined, 1 tempfail")
end
