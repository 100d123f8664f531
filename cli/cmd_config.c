/*
 * cli/cmd_config.c - `authmilter config`: print the configuration.
 *
 *   authmilter config [-c FILE] [--defaults] [--keys] [--man]
 *
 * Prints every key with its effective value (defaults, then FILE) in the
 * config file's own syntax, each with its one-line documentation: a
 * starting point for /etc/authmilter.conf and a way to see what a running
 * daemon would use. --defaults ignores any file; --keys prints only the key
 * names, one per line; --man prints every key as roff, the generated part of
 * doc/authmilter.conf.5 (tests/system/docs.sh checks the committed page
 * and contrib/authmilter.conf against it). A file with an
 * error is reported with its file and line, exit 1.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"

int
cmd_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "defaults", no_argument, NULL, 'D' },
		{ "keys", no_argument, NULL, 'k' },
		{ "man", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	int ch, given = 0, defaults = 0, keys_only = 0, man = 0;
	am_config cfg;
	char err[512];

	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; given = 1; break;
		case 'D': defaults = 1; break;
		case 'k': keys_only = 1; break;
		case 'm': man = 1; break;
		case 'h':
			printf("usage: authmilter config [-c FILE] [--defaults] [--keys] [--man]\n");
			return CLI_EXIT_OK;
		default:
			fprintf(stderr, "usage: authmilter config [-c FILE] "
			    "[--defaults] [--keys] [--man]\n");
			return CLI_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "authmilter config: unexpected argument '%s'\n",
		    argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (man) {
		config_write_man(stdout);
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
			fprintf(stderr, "authmilter: %s\n", err);
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
