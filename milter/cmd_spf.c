/* milter/cmd_spf.c - placeholder until the spf subcommand lands (replaced wholesale). */
#include "milter/cli.h"

#include <stdio.h>

int
cmd_spf(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter: spf: not built yet\n");
	return CLI_EXIT_FAILURE;
}
