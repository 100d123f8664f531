-- tests/daemon/lua/common.lua - helpers shared by the miltertest scripts.
-- Globals set by tests/daemon/miltertest.sh with -D: sock (the milter
-- socket), dir (this directory), asid (the authserv-id it runs with).

function check(cond, what)
	if not cond then
		error("FAIL: " .. what)
	end
end

-- open(ip, host): a negotiated connection with connect and HELO sent
function open(ip, host)
	local conn = mt.connect(sock, 40, 0.25)
	check(conn ~= nil, "cannot connect to " .. sock)
	check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
	check(mt.conninfo(conn, host or "mail.example.com", ip) == nil, "conninfo")
	check(mt.helo(conn, host or "mail.example.com") == nil, "helo")
	return conn
end

-- envelope(conn, qid, from): MAIL FROM (with the queue id macro) and RCPT
function envelope(conn, qid, from)
	check(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil, "macro")
	check(mt.mailfrom(conn, from or "<alice@example.com>") == nil, "mailfrom")
	check(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
end

-- message(conn, qid, headers): one whole message; returns the reply and
-- our Authentication-Results value (nil when none was inserted)
function message(conn, qid, headers, from)
	envelope(conn, qid, from)
	for _, h in ipairs(headers or { { "From", "alice@example.com" } }) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	check(mt.bodystring(conn, "Hello.\r\n") == nil, "body")
	check(mt.eom(conn) == nil, "eom")
	local ar = nil
	if mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
		ar = mt.getheader(conn, "Authentication-Results", 0)
	end
	return mt.getreply(conn), ar
end

-- accepted(conn, qid, ...): message() that must be accepted with an AR
-- header naming our authserv-id; returns the header value
function accepted(conn, qid, headers, from)
	local reply, ar = message(conn, qid, headers, from)
	check(reply == SMFIR_ACCEPT, qid .. ": not accepted")
	check(ar ~= nil, qid .. ": no Authentication-Results inserted")
	check(string.find(ar, asid .. ";", 1, true) ~= nil,
	    qid .. ": AR without our authserv-id: " .. ar)
	return ar
end
