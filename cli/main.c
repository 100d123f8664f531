/*
 * cli/main.c - the authmilter program: picks the subcommand.
 *
 * `authmilter SUBCOMMAND [options]`, `authmilter help [SUBCOMMAND]` (the
 * list, or SUBCOMMAND --help); each subcommand lives in its own
 * cli/cmd_*.c and is a thin front over the spf/ dkim/ dmarc/ dns/
 * libraries (see cli.h for the shared flags and exit codes).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "run", cmd_run, "run the milter daemon (the default without a subcommand)" },
	{ "spf", cmd_spf, "evaluate SPF (RFC 7208) for an IP, HELO and MAIL FROM" },
	{ "dkim", cmd_dkim, "verify the DKIM signatures of a message on stdin" },
	{ "arc", cmd_arc, "validate the ARC chain (RFC 8617) of a message on stdin" },
	{ "sign", cmd_sign, "DKIM-sign a message on stdin (RSA, Ed25519)" },
	{ "keygen", cmd_keygen, "a new DKIM key and its DNS TXT record" },
	{ "testkey", cmd_testkey, "is a DKIM key published? record, DNSSEC, match" },
	{ "check", cmd_check, "the milter's whole verdict for a message on stdin" },
	{ "domain", cmd_domain, "is a domain ready to send? SPF, DKIM, DMARC, MX audit" },
	{ "dns", cmd_dns, "look a name up through authmilter's resolver" },
	{ "report", cmd_report, "DMARC aggregate reports from the history store (write, send)" },
	{ "config", cmd_config, "print the configuration with every key documented" },
	{ "stats", cmd_stats, "print the running daemon's metrics (metrics =)" },
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
	fprintf(fp, "  %-8s %s\n", "help", "list the subcommands; "
	    "`help SUBCOMMAND` describes one");
	fprintf(fp, "  %-8s %s\n", "version", "print the version");
	fprintf(fp, "\n`authmilter help SUBCOMMAND` or `authmilter SUBCOMMAND "
	    "--help` describes each.\n");
}

static const struct subcommand *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(name, subcommands[i].name) == 0)
			return &subcommands[i];
	return NULL;
}

/* `authmilter help [SUBCOMMAND]`: the list, or SUBCOMMAND --help. */
static int
help(int argc, char **argv)
{
	const struct subcommand *sc;
	char *hargv[3];

	if (argc < 3 || strcmp(argv[2], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	cli_set_command("help");
	if (argc > 3) {
		cli_err("one SUBCOMMAND at most, not '%s'\n", argv[3]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[2], "version") == 0) {
		printf("usage: authmilter version\n\nPrints the version.\n");
		return CLI_EXIT_OK;
	}
	sc = find(argv[2]);
	if (sc == NULL) {
		cli_err("unknown subcommand '%s'\n", argv[2]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	cli_set_command(sc->name);
	hargv[0] = argv[2];
	hargv[1] = (char *)"--help";
	hargv[2] = NULL;
	return sc->run(2, hargv);
}

int
main(int argc, char **argv)
{
	const char *w = argc >= 2 ? argv[1] : "";
	const struct subcommand *sc;

	/* The exact words only: anything else starting with '-' is the
	 * daemon's (`authmilter [options]`), which reads it with the table
	 * parser (cli_options) like every subcommand. */
	if (strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (strcmp(w, "help") == 0)
		return help(argc, argv);
	if (strcmp(w, "version") == 0 || strcmp(w, "--version") == 0) {
		printf("authmilter %s\n", AUTHMILTER_VERSION);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || w[0] == '-')
		return cmd_run(argc, argv);
	sc = find(w);
	if (sc != NULL) {
		cli_set_command(sc->name);
		return sc->run(argc - 1, argv + 1);
	}
	cli_err("unknown subcommand '%s'\n", w);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
