/*
 * cli/cmd_spf.c - `authmilter spf`: evaluate SPF (RFC 7208) for one SMTP
 * transaction from the command line.
 *
 *   authmilter spf --ip IP --helo NAME --mail-from ADDR [--receiver NAME]
 *                  [--json] [DNS flags]
 *
 * Prints one result line (spf=RESULT smtp.mailfrom=DOMAIN (reason)) or,
 * with --json, an object with the deciding identity's result and a "helo"
 * object with the HELO identity's. The deciding identity is MAIL FROM,
 * unless the sender is null (then HELO). Exit codes as in cli.h: 0 an
 * evaluation completed (whatever its result), 1 the resolver could not be
 * built, 2 bad usage.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/json_out_int.h"
#include "spf/spf.h"
#include "util/clean.h"
#include "util/envaddr.h"
#include "util/ipaddr.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter spf --ip IP --helo NAME --mail-from ADDR "
	    "[--receiver NAME] [--json] [DNS options]\n"
	    "\n"
	    "Evaluates SPF (RFC 7208) for the MAIL FROM and HELO identities.\n"
	    "  --ip IP            the SMTP client address (IPv4 or IPv6)\n"
	    "  --helo NAME        the HELO/EHLO name\n"
	    "  --mail-from ADDR   the envelope sender, with or without <>; \"\" or\n"
	    "                     \"<>\" is the null sender\n"
	    "                     (then the HELO identity decides)\n"
	    "  --receiver NAME    this host's name, for %%{r} in explanations\n"
	    "  --json             print a JSON object instead of a result line\n"
	    "  -h, --help         this text\n"
	    "\n%s", cli_dns_usage());
}

static void
print_line(const spf_result *r)
{
	const char *prop = r->identity == SPF_ID_HELO ? "smtp.helo" :
	    "smtp.mailfrom";
	char d[sizeof(r->domain)], re[sizeof(r->reason)];
	char ex[sizeof(r->explanation)];

	/* printable ASCII: hostile names and records may hold any octet */
	printf("spf=%s %s=%s (%s; %u lookup%s%s%s)", spf_code_name(r->code),
	    prop, r->domain[0] ? clean_copy(d, sizeof(d), r->domain,
	    CLEAN_PRINT) : "(none)",
	    clean_copy(re, sizeof(re), r->reason, CLEAN_PRINT), r->lookups,
	    r->lookups == 1 ? "" : "s",
	    r->dnssec == DNS_SEC_INSECURE ? "" : "; dnssec ",
	    r->dnssec == DNS_SEC_INSECURE ? "" : dns_sec_name(r->dnssec));
	if (r->explanation[0])
		printf(" explanation=\"%s\"",
		    clean_copy(ex, sizeof(ex), r->explanation, CLEAN_PRINT));
	putchar('\n');
}

int
cmd_spf(int argc, char **argv)
{
	dns_config cfg;
	dns_resolver *res;
	spf_request req;
	spf_result mf, helo;
	const spf_result *main_r;
	ipaddr ip;
	char mfbox[SPF_SENDER_MAX];
	int first, rc, json = 0, have_mf = 0;
	const opt_spec spec[] = {
		{ "ip", 0, OPT_ARG, 0, &req.ip, NULL },
		{ "helo", 0, OPT_ARG, 0, &req.helo, NULL },
		{ "mail-from", 0, OPT_ARG, 0, &req.mail_from, &have_mf },
		{ "receiver", 0, OPT_ARG, 0, &req.receiver, NULL },
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&cfg, 0, sizeof(cfg));
	memset(&req, 0, sizeof(req));
	rc = cli_options(argc, argv, spec, cli_dns_flag, &cfg, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc || req.ip == NULL || req.helo == NULL || !have_mf) {
		if (first < argc)
			cli_err("unexpected argument '%s'\n", argv[first]);
		else
			cli_err("--ip, --helo and --mail-from are required\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (ipaddr_parse(req.ip, &ip) != 0) {
		cli_err("--ip: '%s' is not an IPv4 or IPv6 address\n",
		    req.ip);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	/* the same reading of "<a@b>", "a@b" and "<>" as check and the
	 * milter (util/envaddr.h) */
	if (envaddr_strip(req.mail_from, mfbox, sizeof(mfbox)) != 0) {
		cli_err("--mail-from: '%s' is longer than %d octets\n",
		    req.mail_from, SPF_SENDER_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	req.mail_from = mfbox;
	res = cli_dns_resolver(&cfg);
	if (res == NULL)
		return CLI_EXIT_FAILURE;
	main_r = spf_check(res, &req, &mf, &helo);
	dns_resolver_free(res);
	if (json) {
		json_t *o = json_spf(main_r), *h = json_spf(&helo);
		char *s;

		if (o == NULL || h == NULL || json_object_set_new(o, "helo", h)) {
			cli_err("out of memory\n");
			json_decref(o);
			return CLI_EXIT_FAILURE;
		}
		s = json_dumps(o, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(o);
		if (s == NULL)
			return CLI_EXIT_FAILURE;
		printf("%s\n", s);
		free(s);
	} else {
		print_line(main_r);
		if (main_r != &helo)
			print_line(&helo);
	}
	return CLI_EXIT_OK;
}
