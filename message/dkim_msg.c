/*
 * message/dkim_msg.c - msgparse events feeding a DKIM verifier or
 * signer, and whole-message verification and signing (contract in
 * message.h).
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

static int
on_sign_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	return dkim_signer_header(arg, name, namelen, value, valuelen);
}

static int
on_sign_eoh(void *arg)
{
	return dkim_signer_eoh(arg);
}

static int
on_sign_body(void *arg, const char *data, size_t len)
{
	return dkim_signer_body(arg, data, len);
}

const msgparse_events dkim_sign_msg_events = { on_sign_header, on_sign_eoh,
	on_sign_body };

int
dkim_msg_sign(dkim_signer *sg, const char *text, size_t len, strbuf *out,
    char *err, size_t errlen)
{
	msgparse p;
	int rc = 0;

	mp_init(&p, &dkim_sign_msg_events, sg, DKIM_MSG_MAX_FIELD);
	if (mp_push(&p, text, len) < 0 || mp_finish(&p) < 0 ||
	    dkim_signer_finish(sg, out) < 0) {
		snprintf(err, errlen, "%s", dkim_signer_error(sg)[0] ?
		    dkim_signer_error(sg) : p.error);
		rc = -1;
	}
	mp_free(&p);
	return rc;
}
