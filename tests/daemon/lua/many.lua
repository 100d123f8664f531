-- tests/daemon/lua/many.lua - 50 messages on one milter connection, each with
-- its own verdict (alternating pass / DMARC fail, reject is off here).
dofile(dir .. "/common.lua")
local conn = open("192.0.2.10")
for i = 1, 50 do
	local qid = "MANY" .. i
	if i % 2 == 0 then
		local ar = accepted(conn, qid)
		check(string.find(ar, "dmarc=pass", 1, true), qid .. ": " .. ar)
	else
		local ar = accepted(conn, qid,
		    { { "From", "x@example.com" } }, "<m@evil.example>")
		check(string.find(ar, "dmarc=fail", 1, true), qid .. ": " .. ar)
	end
end
mt.disconnect(conn)
mt.echo("many: 50 messages on one connection")
