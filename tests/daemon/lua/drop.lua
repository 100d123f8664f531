-- tests/daemon/lua/drop.lua - connections dropped mid-header and mid-body
-- (no QUIT, no abort); the milter keeps serving new connections.
dofile(dir .. "/common.lua")
for i = 1, 5 do
	local conn = open("192.0.2.10")
	envelope(conn, "DROP" .. i)
	check(mt.header(conn, "From", "alice@example.com") == nil, "header")
	if i % 2 == 0 then
		check(mt.eoh(conn) == nil, "eoh")
		check(mt.bodystring(conn, string.rep("x", 5000) .. "\r\n") == nil, "body")
	end
	mt.disconnect(conn, false)
end
local conn = open("192.0.2.10")
accepted(conn, "DROP-AFTER")
mt.disconnect(conn)
mt.echo("drop: dropped connections, then a normal message")
