-- tests/daemon/lua/abort.lua - a message aborted after its headers and part of
-- its body (RSET), then a whole message on the same connection.
dofile(dir .. "/common.lua")
local conn = open("192.0.2.10")
envelope(conn, "ABORT1")
check(mt.header(conn, "From", "alice@example.com") == nil, "header")
check(mt.header(conn, "DKIM-Signature",
    "v=1; a=rsa-sha256; d=example.com; s=x; h=from; bh=AAAA; b=AAAA") == nil, "header")
check(mt.eoh(conn) == nil, "eoh")
check(mt.bodystring(conn, "part of a body\r\n") == nil, "body")
check(mt.abort(conn) == nil, "abort")
-- again, aborted before the headers end
envelope(conn, "ABORT2")
check(mt.header(conn, "Subject", "half") == nil, "header")
check(mt.abort(conn) == nil, "abort")
local ar = accepted(conn, "ABORT3")
check(string.find(ar, "dmarc=pass", 1, true), "after abort: " .. ar)
check(not string.find(ar, "header.s=x", 1, true), "the aborted signature leaked: " .. ar)
mt.disconnect(conn)
mt.echo("abort: aborted messages leave no trace")
