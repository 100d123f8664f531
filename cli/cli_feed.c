/*
 * cli/cli_feed.c - a raw message on a stream through the message
 * splitter (message/message.h) into any msgparse events: `authmilter
 * dkim` and `authmilter arc` (contract in cli.h), and their common run
 * of a verifier over stdin (cli_verify_stdin); and the printing of new
 * header fields before a message (`sign`, `arc --seal`).
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

int
cli_verify_stdin(const cli_verifier *cv, void *arg, const dns_config *cfg,
    int json)
{
	dns_resolver *r;
	void *v;
	int rc = CLI_EXIT_OK;

	if ((r = cli_dns_resolver(cfg)) == NULL)
		return CLI_EXIT_FAILURE;
	if ((v = cv->make(r, arg)) == NULL) {
		cli_err("out of memory\n");
		dns_resolver_free(r);
		return CLI_EXIT_FAILURE;
	}
	if (cli_feed_message(stdin, cv->events, v) < 0) {
		rc = CLI_EXIT_FAILURE;
	} else if (cv->eom(v) < 0) {
		cli_err("out of memory\n");
		rc = CLI_EXIT_FAILURE;
	}
	if (rc == CLI_EXIT_OK && cv->print(v, json) < 0)
		rc = CLI_EXIT_FAILURE;
	cv->release(v);
	dns_resolver_free(r);
	return rc;
}
