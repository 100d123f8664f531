/*
 * cli/cli_feed.c - a raw message on a stream through the message
 * splitter (message/message.h) into any msgparse events: `authmilter
 * dkim` and `authmilter arc` (contract in cli.h); and the printing of
 * new header fields before a message (`sign`, `arc --seal`).
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

void
cli_print_fields(const strbuf *fields, int crlf)
{
	size_t i;

	for (i = 0; i < fields->len; i++) {
		if (!crlf && fields->s[i] == '\r' && i + 1 < fields->len &&
		    fields->s[i + 1] == '\n')
			continue;
		putchar(fields->s[i]);
	}
}
