/*
 * message/dkim_msg.c - msgparse events feeding a DKIM verifier, and
 * whole-message verification (contract in message.h).
 */
#include "message/message.h"

#include <stdio.h>

static int
on_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	return dkim_header(arg, name, namelen, value, valuelen) < 0 ? -1 : 0;
}

static int
on_eoh(void *arg)
{
	return dkim_eoh(arg) < 0 ? -1 : 0;
}

static int
on_body(void *arg, const char *data, size_t len)
{
	return dkim_body(arg, data, len) < 0 ? -1 : 0;
}

const msgparse_events dkim_msg_events = { on_header, on_eoh, on_body };

int
dkim_msg_verify(dkim_verifier *v, const char *text, size_t len, char *err,
    size_t errlen)
{
	msgparse p;
	int rc = 0;

	mp_init(&p, &dkim_msg_events, v, DKIM_MSG_MAX_FIELD);
	if (mp_push(&p, text, len) < 0 || mp_finish(&p) < 0) {
		snprintf(err, errlen, "%s", p.error);
		rc = -1;
	}
	mp_free(&p);
	if (dkim_eom(v) < 0 && rc == 0) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	return rc;
}
