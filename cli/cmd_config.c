/*
 * cli/cmd_config.c - `authmilter config`: print the configuration.
 *
 *   authmilter config [-c FILE] [--defaults] [--keys] [--man] [--migration]
 *
 * Prints every key with its effective value (defaults, then FILE) in the
 * config file's own syntax, each with its one-line documentation: a
 * starting point for /etc/authmilter.conf and a way to see what a running
 * daemon would use. --defaults ignores any file; --keys prints only the key
 * names, one per line; --man prints every key as roff, the generated part of
 * doc/authmilter.conf.5 (tests/system/docs.sh checks the committed page
 * and contrib/authmilter.conf against it); --migration prints each
 * OpenDKIM / OpenDMARC key with the authmilter key it becomes and how, or
 * "none" and why (the table behind "did you mean", config_migrate.c;
 * tests/system/docs.sh checks authmilter.conf(5) names the same). A file with an
 * error is reported with its file and line, exit 1.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter config [-c FILE] [--defaults] [--keys] "
	    "[--man]\n"
	    "                         [--migration]\n"
	    "\n"
	    "Prints every configuration key with its value and one line of\n"
	    "documentation, in the config file's own syntax.\n"
	    "  -c FILE      the defaults plus FILE (default "
	    CONFIG_DEFAULT_PATH " if present)\n"
	    "  --defaults   the defaults only\n"
	    "  --keys       the key names only\n"
	    "  --man        the key list of authmilter.conf(5) as roff\n"
	    "  --migration  each OpenDKIM / OpenDMARC key and the authmilter\n"
	    "               key it becomes (or none, and why)\n"
	    "  -h, --help   this text\n");
}

int
cmd_config(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	int first, rc, given = 0, defaults = 0, keys_only = 0, man = 0;
	int migration = 0;
	const opt_spec spec[] = {
		{ "defaults", 0, OPT_NOARG, 0, NULL, &defaults },
		{ "keys", 0, OPT_NOARG, 0, NULL, &keys_only },
		{ "man", 0, OPT_NOARG, 0, NULL, &man },
		{ "migration", 0, OPT_NOARG, 0, NULL, &migration },
		CLI_CONFIG_FILE_OPTS(&path, &given),
		OPT_END,
	};
	static const cli_usage u = { usage };
	am_config cfg;
	char err[512];

	rc = cli_options(argc, argv, spec, NULL, NULL, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc) {
		cli_err("unexpected argument '%s'\n",
		    argv[first]);
		return CLI_EXIT_USAGE;
	}
	if (man) {
		config_write_man(stdout);
		return CLI_EXIT_OK;
	}
	if (migration) {
		size_t i, n;
		const config_foreign_key *f = config_foreign_keys(&n);

		for (i = 0; i < n; i++)
			printf("%s -> %s (%s): %s\n", f[i].name,
			    f[i].key != NULL ? f[i].key : "none", f[i].source,
			    f[i].note);
		return CLI_EXIT_OK;
	}
	if (keys_only) {
		size_t i, n;
		const config_key *k = config_keys(&n);

		for (i = 0; i < n; i++)
			printf("%s\n", k[i].name);
		return CLI_EXIT_OK;
	}
	config_init(&cfg);
	if (!defaults && (given || access(path, F_OK) == 0)) {
		if (config_load(&cfg, path, err, sizeof(err)) < 0) {
			cli_err("%s\n", err);
			config_free(&cfg);
			return CLI_EXIT_FAILURE;
		}
		printf("# authmilter configuration: defaults + %s\n\n", path);
	} else {
		printf("# authmilter configuration: built-in defaults\n\n");
	}
	config_write(&cfg, stdout, 1);
	config_free(&cfg);
	return CLI_EXIT_OK;
}
