/* milter/cmd_dns.c - placeholder until the dns subcommand lands (replaced wholesale). */
#include "milter/cli.h"

#include <stdio.h>

int
cmd_dns(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "authmilter: dns: not built yet\n");
	return CLI_EXIT_FAILURE;
}
