-- tests/daemon/lua/nofrom.lua - messages without a From field, or with an empty
-- or unparsable one: a defined dmarc=permerror in the header, accepted.
dofile(dir .. "/common.lua")
local conn = open("192.0.2.10")
local cases = {
	{ { "Subject", "no from at all" } },
	{ { "From", "" } },
	{ { "From", "<<<@@@>>>" } },
}
for i, hdrs in ipairs(cases) do
	local ar = accepted(conn, "NOFROM" .. i, hdrs)
	check(string.find(ar, "dmarc=permerror", 1, true), "NOFROM" .. i .. ": " .. ar)
end
mt.disconnect(conn)
mt.echo("nofrom: dmarc=permerror")
