/*
 * cli/cmd_arc.c - `authmilter arc`: validate the ARC chain (RFC 8617) of
 * a raw message read from stdin, streamed through the message splitter
 * into dkim/arc.h.
 *
 *   authmilter arc [--json] [--now EPOCH] [DNS flags] < message.eml
 *   authmilter arc --seal --domain D --selector S --key FILE
 *                  --authserv-id ID [--aar RESULTS] [--now EPOCH]
 *                  [DNS flags] < message.eml
 *
 * Prints one line in Authentication-Results style: "arc=pass
 * header.oldest-pass=N (sealers: d1, d2; reason)", "arc=fail (reason)" or
 * "arc=none"; --json one object {result, sets, oldest_pass, sealers,
 * reason}. Exit 0 when validation completed (whatever the result), 1 on
 * an operational failure (resolver, input), 2 on bad usage.
 *
 * --seal validates the chain and adds the next ARC set (RFC 8617 5.1) by
 * message/arc_msg.c's arc_msg_seal() and the sealer of dkim/arc.h (what
 * the milter uses): it prints the message with ARC-Seal,
 * ARC-Message-Signature and ARC-Authentication-Results first (the
 * input's line endings), or unchanged, "not sealed: why" on stderr, when
 * RFC 8617 says not to seal (the newest seal says cv=fail, 50 sets). The
 * AAR is "ID; RESULTS" with --aar, else the message's own
 * Authentication-Results claiming ID, merged (this command runs no SPF
 * or DKIM check: seal after the check that added them). Exit 1, nothing
 * on stdout, when it cannot seal (no such results, no From, a key).
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

/* Messages sealed from stdin are read whole (local limit: 64 MiB, over
 * any MTA's default message size). */
#define ARC_CLI_MAX_MESSAGE (64 * 1024 * 1024)

typedef struct arc_cli {
	dns_config cfg;
	dkim_options opt;
} arc_cli;

typedef struct seal_args {
	const char *domain, *selector, *keyfile, *authserv_id, *aar;
} seal_args;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter arc [--json] [--now EPOCH] [DNS options]"
	    "\n           < message\n\n"
	    "       authmilter arc --seal -d DOMAIN -s SELECTOR -k KEYFILE\n"
	    "           --authserv-id ID [--aar RESULTS] [--now EPOCH]\n"
	    "           [DNS options] < message\n\n"
	    "  --json            the chain result as one JSON object\n"
	    "  --now EPOCH       validate (and seal) as of this Unix time\n"
	    "  --seal            add the next ARC set, print the message\n"
	    "  -d, --domain D    the sealer's d=\n"
	    "  -s, --selector S  its s=\n"
	    "  -k, --key FILE    its private key (PEM, RSA or Ed25519)\n"
	    "  --authserv-id ID  the ARC-Authentication-Results authserv-id\n"
	    "  --aar RESULTS     its results (default: the message's own\n"
	    "                    Authentication-Results of ID)\n"
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

/* The whole of stdin into buf (at most ARC_CLI_MAX_MESSAGE); *crlf
 * tells the first line's ending. 0, or -1 after saying why. */
static int
read_message(strbuf *buf, int *crlf)
{
	char chunk[65536];
	size_t n;
	const char *lf;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		sb_append(buf, chunk, n);
	if (ferror(stdin)) {
		cli_err("cannot read the message\n");
		return -1;
	}
	if (buf->failed) {
		cli_err("the message is over %d octets (local limit)\n",
		    ARC_CLI_MAX_MESSAGE);
		return -1;
	}
	lf = buf->len ? memchr(buf->s, '\n', buf->len) : NULL;
	*crlf = lf != NULL && lf > buf->s && lf[-1] == '\r';
	return 0;
}

static int
run_seal(arc_cli *a, const seal_args *sa, dns_resolver *r)
{
	arc_seal_options so;
	dkim_privkey *key;
	arc_verifier *v = NULL;
	arc_sealer *s = NULL;
	strbuf text, fields, payload;
	char err[320];
	int warn, crlf = 0, rc = CLI_EXIT_FAILURE, sealed;

	sb_init_max(&text, ARC_CLI_MAX_MESSAGE);
	sb_init(&fields);
	sb_init(&payload);
	if ((key = dkim_privkey_load(sa->keyfile, &warn, err,
	    sizeof(err))) == NULL) {
		cli_err("--key: %s\n", err);
		goto out;
	}
	if (warn)
		fprintf(stderr, "authmilter arc: warning: %s is readable by "
		    "group or others\n", sa->keyfile);
	arc_seal_options_init(&so);
	so.domain = sa->domain;
	so.selector = sa->selector;
	so.key = key;
	so.now = a->opt.now;
	if ((s = arc_sealer_new(&so, err, sizeof(err))) == NULL) {
		cli_err("%s\n", err);
		goto out;
	}
	if ((v = arc_verifier_new(r, &a->opt)) == NULL) {
		cli_err("out of memory\n");
		goto out;
	}
	if (read_message(&text, &crlf) < 0)
		goto out;
	if (sa->aar != NULL) {
		sb_puts(&payload, sa->authserv_id);
		sb_puts(&payload, "; ");
		sb_puts(&payload, sa->aar);
	}
	sealed = arc_msg_seal(v, s, text.s ? text.s : "", text.len,
	    sa->authserv_id, sa->aar ? payload.s : NULL, &fields, err,
	    sizeof(err));
	if (sealed < 0) {
		cli_err("cannot seal: %s\n", err);
		goto out;
	}
	if (sealed == 0)
		fprintf(stderr, "authmilter arc: %s\n", err);
	cli_print_fields(&fields, crlf);
	if (text.len > 0 && fwrite(text.s, 1, text.len, stdout) != text.len)
		cli_err("cannot write the message\n");
	else if (fflush(stdout) == 0 && !ferror(stdout))
		rc = CLI_EXIT_OK;
out:
	arc_verifier_free(v);
	arc_sealer_free(s);
	dkim_privkey_free(key);
	sb_free(&text);
	sb_free(&fields);
	sb_free(&payload);
	return rc;
}

/* The verifier of cli_verify_stdin(); arc_eom() always gives a result
 * (fail when memory ran out). */
static void *
run_make(dns_resolver *r, void *opt)
{
	return arc_verifier_new(r, opt);
}

static int
run_eom(void *v)
{
	(void)arc_eom(v);
	return 0;
}

static int
run_print(void *v, int json)
{
	if (json)
		return print_json(arc_chain_result(v));
	print_text(arc_chain_result(v));
	return 0;
}

static void
run_release(void *v)
{
	arc_verifier_free(v);
}

static const cli_verifier arc_run = { &arc_msg_events, run_make, run_eom,
    run_print, run_release };

int
cmd_arc(int argc, char **argv)
{
	arc_cli a;
	seal_args sa = { NULL, NULL, NULL, NULL, NULL };
	int first, json = 0, seal = 0, rc;
	const opt_spec spec[] = {
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		{ "now", 0, OPT_ARG, O_NOW, NULL, NULL },
		{ "seal", 0, OPT_NOARG, 0, NULL, &seal },
		{ "domain", 'd', OPT_ARG, 0, &sa.domain, NULL },
		{ "selector", 's', OPT_ARG, 0, &sa.selector, NULL },
		{ "key", 'k', OPT_ARG, 0, &sa.keyfile, NULL },
		{ "authserv-id", 0, OPT_ARG, 0, &sa.authserv_id, NULL },
		{ "aar", 0, OPT_ARG, 0, &sa.aar, NULL },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };
	dns_resolver *r;

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
	if (seal && (json || sa.domain == NULL || sa.selector == NULL ||
	    sa.keyfile == NULL || sa.authserv_id == NULL)) {
		cli_err(json ? "--seal prints the message, not JSON\n" :
		    "--seal needs --domain, --selector, --key and "
		    "--authserv-id\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!seal && (sa.domain || sa.selector || sa.keyfile ||
	    sa.authserv_id || sa.aar)) {
		cli_err("--domain, --selector, --key, --authserv-id and --aar "
		    "go with --seal\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!seal)
		return cli_verify_stdin(&arc_run, &a.opt, &a.cfg, json);
	if ((r = cli_dns_resolver(&a.cfg)) == NULL)
		return CLI_EXIT_FAILURE;
	rc = run_seal(&a, &sa, r);
	dns_resolver_free(r);
	return rc;
}
