/*
 * cli/main.c - the authmilter program: picks the subcommand.
 *
 * `authmilter SUBCOMMAND [options]`; each subcommand lives in its own
 * cli/cmd_*.c and is a thin front over the spf/ dkim/ dmarc/ dns/
 * libraries (see cli.h for the shared flags and exit codes).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#define AUTHMILTER_VERSION "0.1.0"

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run the milter daemon (the default without a subcommand)" },
	{ "spf", cmd_spf, "evaluate SPF (RFC 7208) for an IP, HELO and MAIL FROM" },
	{ "dkim", cmd_dkim, "verify the DKIM signatures of a message on stdin" },
	{ "check", cmd_check, "the milter's whole verdict for a message on stdin" },
	{ "dns", cmd_dns, "look a name up through authmilter's resolver" },
	{ "report", cmd_report, "DMARC aggregate reports from the history store (write, send)" },
	{ "config", cmd_config, "print the configuration with every key documented" },
};

static void
usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: authmilter [run] [daemon options]\n"
	    "       authmilter SUBCOMMAND [options]\n\nsubcommands:\n");
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(fp, "  %-8s %s\n", subcommands[i].name,
		    subcommands[i].summary);
	fprintf(fp, "  %-8s %s\n", "version", "print the version");
	fprintf(fp, "\n`authmilter SUBCOMMAND --help` describes each.\n");
}

int
main(int argc, char **argv)
{
	const char *w = argc >= 2 ? argv[1] : "";
	size_t i;

	/* The exact words only: anything else starting with '-' is the
	 * daemon's (`authmilter [options]`), which reads it with the table
	 * parser (cli_options) like every subcommand. */
	if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0 ||
	    strcmp(w, "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(w, "version") == 0 || strcmp(w, "--version") == 0) {
		printf("authmilter %s\n", AUTHMILTER_VERSION);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || w[0] == '-')
		return cmd_run(argc, argv);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(w, subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "authmilter: unknown subcommand '%s'\n", w);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
