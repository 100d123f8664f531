/*
 * message/arc_msg.c - msgparse events feeding an ARC verifier
 * (dkim/arc.h): mp_init(&p, &arc_msg_events, v, DKIM_MSG_MAX_FIELD),
 * mp_push() per chunk, mp_finish(), then arc_eom(v).
 */
#include "message/message.h"

static int
on_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	return arc_header(arg, name, namelen, value, valuelen) < 0 ? -1 : 0;
}

static int
on_eoh(void *arg)
{
	return arc_eoh(arg) < 0 ? -1 : 0;
}

static int
on_body(void *arg, const char *data, size_t len)
{
	return arc_body(arg, data, len) < 0 ? -1 : 0;
}

const msgparse_events arc_msg_events = { on_header, on_eoh, on_body };
