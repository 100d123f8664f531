-- tests/daemon/lua/one.lua - one message; its AR header must carry the
-- authserv-id given as -D asid=... (the daemon test's reload checks).
dofile(dir .. "/common.lua")
local conn = open("192.0.2.10")
local ar = accepted(conn, qid or "ONE")
mt.disconnect(conn)
mt.echo("one: " .. ar)
