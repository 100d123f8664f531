/*
 * message/message_feed.c - drive a msg from a whole message: the msgparse
 * events (message/message.h) mapped onto msg_header/msg_eoh/msg_body, in
 * the order and shape the milter callbacks use. `authmilter check`, the
 * conformance runners and the tests feed messages through it. Also what
 * such a front end reads or sets beyond the milter's calls (the
 * configuration, the clock, the envelope as kept).
 */
#include "message/message.h"
#include "message/message_int.h"

#include <string.h>

#include "util/strcopy.h"

/* RFC 5322 2.1.1: a line, and so a field name, is at most 998 octets. */
#define FEED_NAME_MAX 998

static int
feed_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	char nm[FEED_NAME_MAX + 1];

	strcopy_n(nm, sizeof(nm), name, namelen);
	(void)msg_header(arg, nm, value, valuelen);
	return 0;
}

static int
feed_eoh(void *arg)
{
	(void)msg_eoh(arg);
	return 0;
}

static int
feed_body(void *arg, const char *data, size_t len)
{
	(void)msg_body(arg, data, len);
	return 0;
}

const msgparse_events msg_parse_events = { feed_header, feed_eoh, feed_body };

const am_config *
msg_env_config(const msg_env *env)
{
	return env->cfg;
}

void
msg_env_set_now(msg_env *env, int64_t now)
{
	env->now = now;
}

const char *
msg_mail_from_addr(const msg *m)
{
	return m->mail_from;
}

const char *
msg_helo_name(const msg *m)
{
	return m->helo;
}
