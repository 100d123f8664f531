-- tests/daemon/lua/sign.lua - signing in the milter (tests/daemon/sign.sh).
-- Globals from -D: sock, dir, asid, out (a directory for the messages
-- rebuilt with the inserted DKIM-Signature fields, which sign.sh verifies).
dofile(dir .. "/common.lua")

local body = "Hello,\r\n\r\nsigned by the milter.\r\n"

-- send(conn, qid, auth, headers): one message; returns the reply and
-- the DKIM-Signature values inserted (a list) and the AR value (or nil)
local function send(conn, qid, auth, headers)
	if auth then
		check(mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", auth) == nil,
		    "macro")
	else
		check(mt.macro(conn, SMFIC_MAIL, "i", qid) == nil, "macro")
	end
	check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
	check(mt.rcptto(conn, "<bob@example.net>") == nil, "rcptto")
	for _, h in ipairs(headers) do
		check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	check(mt.bodystring(conn, body) == nil, "body")
	check(mt.eom(conn) == nil, "eom")
	local sigs = {}
	if mt.eom_check(conn, MT_HDRINSERT, "DKIM-Signature") then
		for i = 0, 3 do
			local v = mt.getheader(conn, "DKIM-Signature", i)
			if v == nil then break end
			sigs[#sigs + 1] = v
		end
	end
	local ar = nil
	if mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") then
		ar = mt.getheader(conn, "Authentication-Results", 0)
	end
	return mt.getreply(conn), sigs, ar
end

-- the message as the MTA would pass it on: our fields on top
local function save(name, sigs, headers, ar)
	local f = assert(io.open(out .. "/" .. name, "w"))
	for _, s in ipairs(sigs) do
		f:write("DKIM-Signature:" .. s .. "\r\n")
	end
	if ar then
		f:write("Authentication-Results:" .. ar .. "\r\n")
	end
	for _, h in ipairs(headers) do
		f:write(h[1] .. ": " .. h[2] .. "\r\n")
	end
	f:write("\r\n" .. body)
	f:close()
end

local hdrs = {
	{ "From", "Alice <alice@example.com>" },
	{ "To", "bob@example.net" },
	{ "Subject", "signed" },
	{ "Date", "Mon, 07 Dec 2026 10:00:00 +0000" },
	{ "Message-ID", "<s1@example.com>" },
}

-- 1. an authenticated client: signed (RSA and Ed25519), not verified
local conn = open("198.51.100.7", "client.example.org")
local reply, sigs, ar = send(conn, "SIGN1", "alice", hdrs)
check(reply == SMFIR_ACCEPT, "SIGN1: not accepted")
check(#sigs == 2, "SIGN1: " .. #sigs .. " DKIM-Signature fields, want 2")
save("sign1.eml", sigs, hdrs, ar)

-- 2. a sub-domain's From, third-party signing domain of its entry
local sub = {
	{ "From", "carol@news.example.org" },
	{ "To", "bob@example.net" },
	{ "Subject", "sub-domain" },
}
reply, sigs, ar = send(conn, "SIGN2", "alice", sub)
check(reply == SMFIR_ACCEPT, "SIGN2: not accepted")
check(#sigs == 1, "SIGN2: " .. #sigs .. " DKIM-Signature fields, want 1")
check(string.find(sigs[1], "d=example.com;", 1, true) ~= nil,
    "SIGN2: not d=example.com: " .. sigs[1])
save("sign2.eml", sigs, sub, ar)

-- 3. two From fields: cannot be signed, tempfail (on_sign_error default)
local two = {
	{ "From", "alice@example.com" },
	{ "From", "mallory@example.com" },
	{ "Subject", "two" },
}
reply, sigs = send(conn, "SIGN3", "alice", two)
check(reply == SMFIR_REPLYCODE, "SIGN3: two From fields not tempfailed (451)")
check(#sigs == 0, "SIGN3: signed anyway")

-- 4. a From domain without a key: accepted unsigned
local other = { { "From", "dave@elsewhere.example" }, { "Subject", "x" } }
reply, sigs = send(conn, "SIGN4", "alice", other)
check(reply == SMFIR_ACCEPT, "SIGN4: not accepted")
check(#sigs == 0, "SIGN4: signed with no key for its domain")
mt.disconnect(conn)

-- 5. not authenticated, not in sign_networks: verified, not signed
conn = open("198.51.100.8", "other.example.org")
reply, sigs, ar = send(conn, "SIGN5", nil, hdrs)
check(reply == SMFIR_ACCEPT, "SIGN5: not accepted")
check(#sigs == 0, "SIGN5: inbound mail signed")
check(ar ~= nil and string.find(ar, "dkim=", 1, true) ~= nil,
    "SIGN5: inbound mail not verified")
mt.disconnect(conn)

-- 6. from sign_networks, no authentication: signed
conn = open("192.0.2.99", "internal.example.com")
reply, sigs, ar = send(conn, "SIGN6", nil, hdrs)
check(reply == SMFIR_ACCEPT, "SIGN6: not accepted")
check(#sigs == 2, "SIGN6: sign_networks client not signed")
mt.disconnect(conn)
mt.echo("sign: 6 messages as expected")
