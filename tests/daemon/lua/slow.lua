-- tests/daemon/lua/slow.lua - one message that pauses 3 s before its end (the
-- daemon test sends SIGTERM meanwhile: the message must still get its
-- verdict).
dofile(dir .. "/common.lua")
mt.set_timeout(30)
local conn = open("192.0.2.10")
envelope(conn, "SLOW1")
check(mt.header(conn, "From", "alice@example.com") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.bodystring(conn, "slow body\r\n") == nil, "body")
-- tell the test the message is in flight (stderr is not buffered)
io.stderr:write("SLOW1 in flight\n")
mt.sleep(3)
check(mt.eom(conn) == nil, "eom")
check(mt.getreply(conn) == SMFIR_ACCEPT, "SLOW1: not accepted")
check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"), "SLOW1: no AR")
mt.disconnect(conn)
mt.echo("slow: the message in flight got its verdict")
