-- tests/message/dns_faults.lua - one message through a running authmilter,
-- for tests/message/dns_faults.sh (miltertest -s).
--
-- Globals given with -D: sock (milter socket), ip, helo, from (envelope
-- sender), qid (queue id macro), file (the message: one header field a
-- line, unfolded, a blank line, the body), and code, xcode, text: the
-- SMTP reply expected if the milter asks for one ("" when none is).
-- Optional: pause, seconds to wait after RCPT TO (the work started at MAIL
-- FROM runs meanwhile, as while an SMTP client sends DATA); client, the
-- client's host name (default: helo); qid "" sends no queue id; without
-- code an SMTP reply is "replycode" (tests/daemon/msglog.sh).
-- Prints "reply=R" (accept, tempfail, reject, or the SMTP reply requested,
-- as "451 4.7.0" when it is code, xcode and text), then "ar=" and our
-- Authentication-Results value ("" when none was inserted). Errors in the dialogue are Lua errors
-- (miltertest exits non-zero).

local function check(cond, what)
	if not cond then
		error("FAIL: " .. what)
	end
end

local conn = mt.connect(sock, 40, 0.25)
check(conn ~= nil, "cannot connect to " .. sock)
mt.set_timeout(60)
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate")
check(mt.conninfo(conn, client or helo, ip) == nil, "conninfo")
check(mt.helo(conn, helo) == nil, "helo")
if qid ~= "" then
	check(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil, "macro")
end
check(mt.mailfrom(conn, "<" .. from .. ">") == nil, "mailfrom")
check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcptto")
if pause ~= nil and pause ~= "" then
	mt.sleep(tonumber(pause))
end

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
elseif reply == SMFIR_REPLYCODE and code == nil then
	r = "replycode"
elseif reply == SMFIR_REPLYCODE then
	-- miltertest only compares a whole reply: code, xcode and text
	r = "another SMTP reply than " .. code .. " " .. xcode .. " " .. text
	if code ~= "" and mt.eom_check(conn, MT_SMTPREPLY, code, xcode, text) then
		r = code .. " " .. xcode
	end
end
local ar = ""
if mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
	ar = mt.getheader(conn, "Authentication-Results", 0)
end
print("reply=" .. r)
print("ar=" .. string.gsub(ar, "%s+", " "))
mt.disconnect(conn)
