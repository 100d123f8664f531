/*
 * cli/cli_feed.c - a raw message on a stream through the message
 * splitter (message/message.h) into any msgparse events: `authmilter
 * dkim` and `authmilter arc` (contract in cli.h).
 */
#include "cli/cli.h"

#include <errno.h>
#include <string.h>

#include "message/message.h"

int
cli_feed_message(FILE *fp, const struct msgparse_events *ev, void *arg)
{
	char buf[65536];
	size_t n;
	msgparse p;
	int rc = 0;

	mp_init(&p, ev, arg, DKIM_MSG_MAX_FIELD);
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), fp)) > 0)
		rc = mp_push(&p, buf, n);
	if (rc == 0 && ferror(fp)) {
		cli_err("cannot read the message: "
		    "%s\n", strerror(errno));
		mp_free(&p);
		return -1;
	}
	if (rc == 0)
		rc = mp_finish(&p);
	if (rc < 0)
		cli_err("message: %s\n", p.error);
	mp_free(&p);
	return rc;
}
