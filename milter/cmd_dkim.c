/* milter/cmd_dkim.c - placeholder until the dkim subcommand lands (replaced wholesale). */
#include "milter/cli.h"

#include <stdio.h>

int
cmd_dkim(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter: dkim: not built yet\n");
	return CLI_EXIT_FAILURE;
}
