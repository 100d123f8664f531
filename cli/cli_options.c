/*
 * cli/cli_options.c - how every subcommand and the daemon read their
 * options (cli.h): the table goes to util/options.h; --help, a bad option
 * and a refused value end the same way everywhere, in the words GNU
 * getopt_long() used (the parser they had before), every error after
 * the same "authmilter CMD: " prefix (cli_err); the values several
 * subcommands read alike (cli_now).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The subcommand running (main.c sets it once); NULL: the daemon started
 * without one. The program is one command: no thread reads it. */
static const char *cli_command;

void
cli_set_command(const char *name)
{
	cli_command = name;
}

void
cli_err(const char *fmt, ...)
{
	va_list ap;

	if (cli_command != NULL)
		fprintf(stderr, "authmilter %s: ", cli_command);
	else
		fputs("authmilter: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

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
		cli_err("%s\n", r.why.s);
		u->usage(stderr);
		break;
	case OPT_FAILED:	/* fn said why */
		break;
	}
	opt_result_free(&r);
	return rc;
}

int
cli_now(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v <= 0) {
		cli_err("--now: '%s' is not a Unix time\n", s);
		return -1;
	}
	*out = v;
	return 0;
}
