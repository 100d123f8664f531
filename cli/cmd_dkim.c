/*
 * cli/cmd_dkim.c - `authmilter dkim`: verify the DKIM signatures of a
 * raw message read from stdin (LF or CRLF line endings), streamed
 * through the message splitter (message/message.h) into the verifier.
 *
 *   authmilter dkim [--json] [--now EPOCH] [--allow-sha1] [--min-rsa-bits N]
 *                   [--max-rsa-bits N] [DNS flags] < message.eml
 *
 * Prints one line per signature in Authentication-Results style
 * ("dkim=pass header.d=... header.s=... header.a=... header.b=... (reason)"),
 * or "dkim=none" for an unsigned message; --json prints an array with one
 * object per signature. Exit 0 when verification completed, 1 on an
 * operational failure (resolver, input), 2 on bad usage.
 */
#include "cli/cli.h"
#include "cli/json_out_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dkim/dkim.h"
#include "message/message.h"

enum { O_NOW = 1, O_MINBITS, O_MAXBITS };

/* What the options set. */
typedef struct dkim_cli {
	dns_config cfg;
	dkim_options opt;
} dkim_cli;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter dkim [--json] [--now EPOCH] [--allow-sha1]\n"
	    "           [--min-rsa-bits N] [--max-rsa-bits N] [DNS options]\n"
	    "           < message\n\n"
	    "  --json            one JSON object per signature\n"
	    "  --now EPOCH       verify as of this Unix time (t=, x=)\n"
	    "  --allow-sha1      accept rsa-sha1 (RFC 8301 forbids it)\n"
	    "  --min-rsa-bits N  smallest RSA key accepted (default 1024)\n"
	    "  --max-rsa-bits N  largest RSA key used (default 4096)\n"
	    "  -h, --help        this text\n\n%s",
	    cli_dns_usage());
}

static void
print_text(const dkim_verifier *v)
{
	size_t k, n = dkim_count(v);

	if (n == 0) {
		printf("dkim=none (no signature)\n");
		return;
	}
	for (k = 0; k < n; k++) {
		const dkim_sigresult *r = dkim_result_at(v, k);

		printf("dkim=%s", dkim_result_name(r->result));
		if (r->d[0])
			printf(" header.d=%s", r->d);
		if (r->i[0])
			printf(" header.i=%s", r->i);
		if (r->s[0])
			printf(" header.s=%s", r->s);
		if (r->a[0])
			printf(" header.a=%s", r->a);
		if (r->b[0])
			printf(" header.b=%s", r->b);
		if (r->key_bits)
			printf(" (%u-bit key%s%s)", r->key_bits,
			    r->key_sec == DNS_SEC_SECURE ? ", DNSSEC" : "",
			    r->testing ? ", testing" : "");
		if (r->reason[0])
			printf(" (%s)", r->reason);
		printf("\n");
	}
}

static int
print_json(const dkim_verifier *v)
{
	json_t *arr = json_array();
	size_t k, n = dkim_count(v);
	char *s;

	for (k = 0; k < n; k++) {
		const dkim_sigresult *r = dkim_result_at(v, k);

		json_array_append_new(arr, json_dkim(r));
	}
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (s == NULL)
		return -1;
	printf("%s\n", s);
	free(s);
	return 0;
}

/* A key size from lo to hi, checked before it is narrowed to unsigned
 * (4294967296 is not 0). */
static int
rsa_bits(const char *s, unsigned long lo, unsigned long hi, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
dkim_option(void *arg, int id, const char *val)
{
	dkim_cli *d = arg;
	dkim_options *opt = &d->opt;

	switch (id) {
	case O_NOW:
		return cli_now(val, &opt->now) < 0 ?
		    OPT_FAIL : OPT_OK;
	case O_MINBITS:
		if (rsa_bits(val, 0, 16384, &opt->min_rsa_bits) < 0) {
			cli_err("--min-rsa-bits: "
			    "'%s' is not a number up to 16384\n", val);
			return OPT_FAIL;
		}
		return OPT_OK;
	case O_MAXBITS:
		if (rsa_bits(val, 1024, DKIM_MAX_RSA_BITS_LIMIT,
		    &opt->max_rsa_bits) < 0) {
			cli_err("--max-rsa-bits: "
			    "'%s' is not a number from 1024 to %d\n",
			    val, DKIM_MAX_RSA_BITS_LIMIT);
			return OPT_FAIL;
		}
		return OPT_OK;
	}
	return cli_dns_flag(&d->cfg, id, val);
}

/* The verifier of cli_verify_stdin(). */
static void *
run_make(dns_resolver *r, void *opt)
{
	return dkim_verifier_new(r, opt);
}

static int
run_eom(void *v)
{
	return dkim_eom(v);
}

static int
run_print(void *v, int json)
{
	if (json)
		return print_json(v);
	print_text(v);
	return 0;
}

static void
run_release(void *v)
{
	dkim_verifier_free(v);
}

static const cli_verifier dkim_run = { &dkim_msg_events, run_make, run_eom,
    run_print, run_release };

int
cmd_dkim(int argc, char **argv)
{
	dkim_cli d;
	int first, json = 0, rc = CLI_EXIT_OK;
	const opt_spec spec[] = {
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		{ "now", 0, OPT_ARG, O_NOW, NULL, NULL },
		{ "allow-sha1", 0, OPT_NOARG, 0, NULL, &d.opt.allow_sha1 },
		{ "min-rsa-bits", 0, OPT_ARG, O_MINBITS, NULL, NULL },
		{ "max-rsa-bits", 0, OPT_ARG, O_MAXBITS, NULL, NULL },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&d.cfg, 0, sizeof(d.cfg));
	dkim_options_init(&d.opt);
	rc = cli_options(argc, argv, spec, dkim_option, &d, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first != argc) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return cli_verify_stdin(&dkim_run, &d.opt, &d.cfg, json);
}
