/*
 * cli/cmd_arc.c - `authmilter arc`: validate the ARC chain (RFC 8617) of
 * a raw message read from stdin, streamed through the message splitter
 * into dkim/arc.h.
 *
 *   authmilter arc [--json] [--now EPOCH] [DNS flags] < message.eml
 *
 * Prints one line in Authentication-Results style: "arc=pass
 * header.oldest-pass=N (sealers: d1, d2; reason)", "arc=fail (reason)" or
 * "arc=none"; --json one object {result, sets, oldest_pass, sealers,
 * reason}. Exit 0 when validation completed (whatever the result), 1 on
 * an operational failure (resolver, input), 2 on bad usage.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/json_out_int.h"
#include "dkim/arc.h"
#include "message/message.h"

enum { O_NOW = 1 };

typedef struct arc_cli {
	dns_config cfg;
	dkim_options opt;
} arc_cli;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter arc [--json] [--now EPOCH] [DNS options]"
	    "\n           < message\n\n"
	    "  --json            the chain result as one JSON object\n"
	    "  --now EPOCH       validate as of this Unix time\n"
	    "  -h, --help        this text\n\n%s",
	    cli_dns_usage());
}

static void
print_text(const arc_chain *c)
{
	unsigned k;

	printf("arc=%s", arc_result_name(c->result));
	if (c->result == ARC_PASS)
		printf(" header.oldest-pass=%u", c->oldest_pass);
	printf(" (");
	if (c->nsets > 0) {
		printf("sealers:");
		for (k = 0; k < c->nsets; k++)
			printf("%s %s", k ? "," : "", c->sealer[k][0] ?
			    c->sealer[k] : "?");
		printf("; ");
	}
	printf("%s)\n", c->reason);
}

static int
print_json(const arc_chain *c)
{
	json_t *o = json_arc(c);
	char *text;

	if (o == NULL)
		return -1;
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return -1;
	printf("%s\n", text);
	free(text);
	return 0;
}

static int
arc_option(void *arg, int id, const char *val)
{
	arc_cli *a = arg;

	if (id == O_NOW)
		return cli_now(val, &a->opt.now) < 0 ? OPT_FAIL : OPT_OK;
	return cli_dns_flag(&a->cfg, id, val);
}

int
cmd_arc(int argc, char **argv)
{
	arc_cli a;
	int first, json = 0, rc;
	const opt_spec spec[] = {
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		{ "now", 0, OPT_ARG, O_NOW, NULL, NULL },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };
	dns_resolver *r;
	arc_verifier *v;

	memset(&a.cfg, 0, sizeof(a.cfg));
	dkim_options_init(&a.opt);
	rc = cli_options(argc, argv, spec, arc_option, &a, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	rc = CLI_EXIT_OK;
	if (first != argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if ((r = cli_dns_resolver(&a.cfg)) == NULL)
		return CLI_EXIT_FAILURE;
	if ((v = arc_verifier_new(r, &a.opt)) == NULL) {
		cli_err("out of memory\n");
		dns_resolver_free(r);
		return CLI_EXIT_FAILURE;
	}
	if (cli_feed_message(stdin, &arc_msg_events, v) < 0)
		rc = CLI_EXIT_FAILURE;
	(void)arc_eom(v);
	if (rc == CLI_EXIT_OK) {
		if (json) {
			if (print_json(arc_chain_result(v)) < 0)
				rc = CLI_EXIT_FAILURE;
		} else {
			print_text(arc_chain_result(v));
		}
	}
	arc_verifier_free(v);
	dns_resolver_free(r);
	return rc;
}
