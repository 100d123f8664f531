-- tests/daemon/lua/family.lua - client address families: IPv6 (SPF ip6:
-- mechanism matches) and an unknown family ("unspec", as an MTA reports a
-- client it has no address for): a defined verdict, never a crash.
dofile(dir .. "/common.lua")
local conn = open("2001:db8::25")
local ar = accepted(conn, "V6")
check(string.find(ar, "spf=pass", 1, true), "IPv6: " .. ar)
check(string.find(ar, "ip6:2001:db8::/32", 1, true), "IPv6: " .. ar)
mt.disconnect(conn)
conn = open("unspec", "localhost")
ar = accepted(conn, "UNSPEC")
check(not string.find(ar, "spf=pass", 1, true), "unspec: " .. ar)
mt.disconnect(conn)
mt.echo("family: IPv6 and unspec")
