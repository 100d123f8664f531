-- tests/daemon/lua/logline.lua - one message through a running authmilter
-- for tests/daemon/msglog.sh (miltertest -s).
--
-- Globals given with -D: sock (milter socket), ip, client (the client's
-- host name), helo, from (envelope sender, as sent), file (the message:
-- one header field a line, unfolded, a blank line, the body); qid (the
-- {i} macro) unless "" (then none is sent). Prints "reply=R" (accept,
-- tempfail, reject, quarantine or replycode).

local function check(cond, what)
	if not cond then
		error("FAIL: " .. what)
	end
end

local conn = mt.connect(sock, 40, 0.25)
check(conn ~= nil, "cannot connect to " .. sock)
mt.set_timeout(60)
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
check(mt.conninfo(conn, client, ip) == nil, "conninfo")
check(mt.helo(conn, helo) == nil, "helo")
if qid ~= "" then
	check(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil, "macro")
end
check(mt.mailfrom(conn, from) == nil, "mailfrom")
check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcptto")

local f = io.open(file, "r")
check(f ~= nil, "cannot open " .. file)
local body = {}
local inbody = false
for line in f:lines() do
	line = string.gsub(line, "\r$", "")
	if inbody then
		table.insert(body, line .. "\r\n")
	elseif line == "" then
		inbody = true
	else
		local name, value = string.match(line, "^([^:]+):%s*(.*)$")
		check(name ~= nil, "bad header line: " .. line)
		check(mt.header(conn, name, value) == nil, "header " .. name)
	end
end
f:close()
check(mt.eoh(conn) == nil, "eoh")
check(mt.bodystring(conn, table.concat(body)) == nil, "body")
check(mt.eom(conn) == nil, "eom")

local reply = mt.getreply(conn)
local r = "other"
if reply == SMFIR_ACCEPT or reply == SMFIR_CONTINUE then
	r = "accept"
elseif reply == SMFIR_TEMPFAIL then
	r = "tempfail"
elseif reply == SMFIR_REJECT then
	r = "reject"
elseif reply == SMFIR_REPLYCODE then
	r = "replycode"
end
print("reply=" .. r)
mt.disconnect(conn)
