-- tests/daemon/lua/sign_flow.lua - messages from a sign_networks client,
-- one connection each (tests/daemon/sign.sh: SIGHUP while they flow).
-- Globals from -D: sock, dir, n (messages), sel (the selector to count:
-- "selector SEL at FLOWi" is echoed for each signature made with it),
-- verify ("1": each must also carry a verifying Authentication-Results),
-- twofrom ("1": two From fields, so no message can be signed: each must
-- get the reply want, "accept" or "replycode", and no signature).
dofile(dir .. "/common.lua")
for i = 1, tonumber(n) do
	local q = "FLOW" .. i
	local conn = open("192.0.2.50", "internal.example.com")
	check(mt.macro(conn, SMFIC_MAIL, "i", q) == nil, "macro")
	check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
	check(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
	check(mt.header(conn, "From", "alice@example.com") == nil, "from")
	if twofrom == "1" then
		check(mt.header(conn, "From", "eve@example.com") == nil, "from 2")
	end
	check(mt.eoh(conn) == nil, "eoh")
	check(mt.bodystring(conn, "x\r\n") == nil, "body")
	check(mt.eom(conn) == nil, "eom")
	if twofrom == "1" then
		local r = mt.getreply(conn)
		check((want == "accept" and r == SMFIR_ACCEPT) or
		    (want == "replycode" and r == SMFIR_REPLYCODE),
		    q .. ": not " .. want)
		check(not mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"),
		    q .. ": signed with two From fields")
		mt.disconnect(conn)
		goto continue
	end
	check(mt.getreply(conn) == SMFIR_ACCEPT, q .. " not accepted")
	check(mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature"), q .. " not signed")
	local s = mt.getheader(conn, "DKIM-Signature", 0)
	if string.find(s, "s=" .. sel .. ";", 1, true) then
		mt.echo("selector " .. sel .. " at " .. q)
	end
	if verify == "1" then
		local ar = mt.getheader(conn, "Authentication-Results", 0)
		check(ar ~= nil and string.find(ar, "spf=", 1, true) ~= nil,
		    q .. " not verified")
	end
	mt.disconnect(conn)
	::continue::
end
