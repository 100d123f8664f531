/*
 * cli/cli_options.c - how every subcommand and the daemon read their
 * options (cli.h): the table goes to util/options.h; --help, a bad option
 * and a refused value end the same way everywhere, in the words GNU
 * getopt_long() used (the parser they had before); the values several
 * subcommands read alike (cli_now).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct cli_fn {
	opt_fn fn;
	void *ctx;
} cli_fn;

static int
on_option(void *arg, int id, const char *val)
{
	const cli_fn *f = arg;

	if (id == CLI_OPT_HELP)
		return OPT_STOP;
	return f->fn != NULL ? f->fn(f->ctx, id, val) : OPT_OK;
}

int
cli_options(int argc, char **argv, const opt_spec *spec, opt_fn fn,
    void *ctx, const cli_usage *u, int *first)
{
	cli_fn f = { fn, ctx };
	opt_result r;
	int rc = CLI_EXIT_USAGE;

	switch (opt_parse(argc, argv, spec, on_option, &f, &r)) {
	case OPT_DONE:
		*first = r.first;
		rc = CLI_PARSED;
		break;
	case OPT_STOPPED:	/* --help */
		u->usage(stdout);
		rc = CLI_EXIT_OK;
		break;
	case OPT_BAD:
		if (u->unknown != NULL)
			fprintf(stderr, "authmilter: %s: unknown or incomplete "
			    "option '%s'\n", u->unknown, r.word);
		else
			fprintf(stderr, "%s: %s\n", argv[0], r.why.s);
		u->usage(stderr);
		break;
	case OPT_FAILED:	/* fn said why */
		break;
	}
	opt_result_free(&r);
	return rc;
}

int
cli_now(const char *who, const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		fprintf(stderr, "%s: --now: '%s' is not a Unix time\n", who, s);
		return -1;
	}
	*out = v;
	return 0;
}
