/*
 * cli/cmd_sign.c - `authmilter sign`: DKIM-sign a raw message read from
 * stdin and print it with its DKIM-Signature field(s) first, by the
 * signer the milter uses (dkim/dkim_sign.h), streamed through the
 * message splitter (message/message.h).
 *
 *   authmilter sign --domain D --selector S --key FILE [[--selector S2]
 *                   --key FILE2 ...]
 *                   [--canon H/B] [--headers LIST] [--oversign LIST]
 *                   [--identity I]
 *                   [--expire SECONDS] [--now EPOCH] < message.eml
 *
 * The input is copied to a temporary file as it is hashed (the fields
 * are known only at its end) and printed after them unchanged; the
 * fields get the input's line endings (CRLF when its first line ends in
 * CRLF, else LF). Exit 0 when signed, 1 when the message or a key cannot
 * be signed with (the reason on stderr, nothing on stdout), 2 on bad usage.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_sign.h"
#include "message/message.h"

enum { O_NOW = 1, O_KEY, O_CANON, O_HEADERS, O_EXPIRE, O_SELECTOR,
	O_OVERSIGN };

typedef struct sign_cli {
	dkim_sign_options opt;
	dkim_sign_headers hl, ol;
	const char *keyfile[DKIM_SIGN_MAX_KEYS];
	size_t nkeys;
	const char *selector[DKIM_SIGN_MAX_KEYS];
	size_t nsel;
} sign_cli;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter sign --domain D --selector S --key FILE\n"
	    "           [[--selector S2] --key FILE2 ...]\n"
	    "           [--canon H/B] [--headers LIST] [--oversign LIST]\n"
	    "           [--identity I] [--expire SECONDS] [--now EPOCH] < message\n\n"
	    "  -d, --domain D    the signing domain (d=)\n"
	    "  -s, --selector S  the selector (s=); give one per --key, in\n"
	    "                    the same order, for keys under different ones\n"
	    "  -k, --key FILE    a PEM private key (RSA >= %d bits or Ed25519),\n"
	    "                    or the base64 of an Ed25519 seed; repeat for\n"
	    "                    one signature per key (at most %d)\n"
	    "  --canon H/B       relaxed or simple for header/body (default "
	    "relaxed/relaxed)\n"
	    "  --headers LIST    the fields to sign, ':'-separated (default "
	    "the usual\n"
	    "                    ones; From, To, Cc, Subject, Date, Reply-To,\n"
	    "                    Message-ID and the MIME fields over-signed)\n"
	    "  --oversign LIST   the fields over-signed, ':'-separated (signed\n"
	    "                    too; From always; none: no over-signing)\n"
	    "  -i, --identity I  the i= tag (an address at D or below)\n"
	    "  --expire SECONDS  add x= that many seconds after t=\n"
	    "  --now EPOCH       sign as of this Unix time (t=)\n"
	    "  -h, --help        this text\n\n"
	    "Prints the message with its DKIM-Signature field(s) first.\n",
	    DKIM_SIGN_MIN_RSA_BITS, DKIM_SIGN_MAX_KEYS);
}

static int
canon_word(const char *w, size_t n, int *relaxed)
{
	if (n == 7 && strncmp(w, "relaxed", 7) == 0)
		*relaxed = 1;
	else if (n == 6 && strncmp(w, "simple", 6) == 0)
		*relaxed = 0;
	else
		return -1;
	return 0;
}

static int
sign_option(void *arg, int id, const char *val)
{
	sign_cli *c = arg;
	char err[160], *end;
	const char *sl;
	unsigned long v;

	switch (id) {
	case O_NOW:
		return cli_now(val, &c->opt.now) < 0 ? OPT_FAIL : OPT_OK;
	case O_SELECTOR:
		if (c->nsel == DKIM_SIGN_MAX_KEYS) {
			cli_err("--selector: at most %d\n", DKIM_SIGN_MAX_KEYS);
			return OPT_FAIL;
		}
		c->selector[c->nsel++] = val;
		return OPT_OK;
	case O_KEY:
		if (c->nkeys == DKIM_SIGN_MAX_KEYS) {
			cli_err("--key: at most %d keys\n", DKIM_SIGN_MAX_KEYS);
			return OPT_FAIL;
		}
		c->keyfile[c->nkeys++] = val;
		return OPT_OK;
	case O_CANON:
		sl = strchr(val, '/');
		if (canon_word(val, sl ? (size_t)(sl - val) : strlen(val),
		    &c->opt.hdr_relaxed) < 0 || (sl != NULL &&
		    canon_word(sl + 1, strlen(sl + 1), &c->opt.body_relaxed) < 0)) {
			cli_err("--canon: '%s' is not relaxed or simple, "
			    "[header]/[body]\n", val);
			return OPT_FAIL;
		}
		if (sl == NULL)
			c->opt.body_relaxed = 0;  /* RFC 6376 3.5 c=: body simple */
		return OPT_OK;
	case O_HEADERS:
		if (dkim_sign_headers_parse(val, &c->hl, err, sizeof(err)) < 0) {
			cli_err("--headers: %s\n", err);
			return OPT_FAIL;
		}
		c->opt.headers = &c->hl;
		return OPT_OK;
	case O_OVERSIGN:
		if (dkim_sign_oversign_parse(val, &c->ol, err, sizeof(err)) < 0) {
			cli_err("--oversign: %s\n", err);
			return OPT_FAIL;
		}
		c->opt.oversign = &c->ol;
		return OPT_OK;
	case O_EXPIRE:
		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || end == val || *end || v == 0 ||
		    v > DKIM_SIGN_MAX_EXPIRE || val[0] == '-') {
			cli_err("--expire: '%s' is not a number of seconds from "
			    "1 to %d\n", val, DKIM_SIGN_MAX_EXPIRE);
			return OPT_FAIL;
		}
		c->opt.expire = (uint32_t)v;
		return OPT_OK;
	}
	return OPT_FAIL;
}

/* Streams stdin into the signer and a copy into tmp; *crlf tells the
 * first line's ending. 0, or -1 with the reason printed. */
static int
feed(dkim_signer *sg, FILE *tmp, int *crlf)
{
	char buf[65536];
	size_t n;
	msgparse p;
	int rc = 0, seen_lf = 0;

	mp_init(&p, &dkim_sign_msg_events, sg, DKIM_MSG_MAX_FIELD);
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		if (!seen_lf) {
			char *lf = memchr(buf, '\n', n);

			if (lf != NULL) {
				seen_lf = 1;
				*crlf = lf > buf && lf[-1] == '\r';
			}
		}
		if (fwrite(buf, 1, n, tmp) != n) {
			cli_err("cannot write the temporary copy: %s\n",
			    strerror(errno));
			mp_free(&p);
			return -1;
		}
		rc = mp_push(&p, buf, n);
	}
	if (rc == 0 && ferror(stdin)) {
		cli_err("cannot read the message: %s\n", strerror(errno));
		mp_free(&p);
		return -1;
	}
	if (rc == 0)
		rc = mp_finish(&p);
	if (rc < 0)
		cli_err("cannot sign: %s\n", dkim_signer_error(sg)[0] ?
		    dkim_signer_error(sg) : p.error);
	mp_free(&p);
	return rc;
}

/* Prints the fields (CRLF line breaks) with the input's line endings,
 * then the message. */
static int
print_signed(const strbuf *fields, FILE *tmp, int crlf)
{
	char buf[65536];
	size_t n;

	cli_print_fields(fields, crlf);
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			break;
	if (ferror(tmp) || fflush(stdout) != 0 || ferror(stdout)) {
		cli_err("cannot write the message: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_sign(int argc, char **argv)
{
	sign_cli c;
	const char *domain = NULL, *identity = NULL;
	const opt_spec spec[] = {
		{ "domain", 'd', OPT_ARG, 0, &domain, NULL },
		{ "selector", 's', OPT_ARG, O_SELECTOR, NULL, NULL },
		{ "key", 'k', OPT_ARG, O_KEY, NULL, NULL },
		{ "canon", 0, OPT_ARG, O_CANON, NULL, NULL },
		{ "headers", 0, OPT_ARG, O_HEADERS, NULL, NULL },
		{ "oversign", 0, OPT_ARG, O_OVERSIGN, NULL, NULL },
		{ "identity", 'i', OPT_ARG, 0, &identity, NULL },
		{ "expire", 0, OPT_ARG, O_EXPIRE, NULL, NULL },
		{ "now", 0, OPT_ARG, O_NOW, NULL, NULL },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		OPT_END,
	};
	static const cli_usage u = { usage };
	dkim_privkey *keys[DKIM_SIGN_MAX_KEYS];
	dkim_sign_key sk[DKIM_SIGN_MAX_KEYS];
	dkim_signer *sg = NULL;
	char err[320];
	strbuf fields;
	FILE *tmp = NULL;
	size_t k, nk = 0;
	int first, rc, warn, crlf = 0;

	memset(&c, 0, sizeof(c));
	dkim_sign_options_init(&c.opt);
	rc = cli_options(argc, argv, spec, sign_option, &c, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first != argc || domain == NULL || c.nsel == 0 || c.nkeys == 0) {
		if (first == argc)
			cli_err("--domain, --selector and --key are needed\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (c.nsel != 1 && c.nsel != c.nkeys) {
		cli_err("--selector: one for all keys or one per --key "
		    "(%zu selectors, %zu keys)\n", c.nsel, c.nkeys);
		return CLI_EXIT_USAGE;
	}
	c.opt.domain = domain;
	c.opt.selector = c.selector[0];
	c.opt.identity = identity;
	rc = CLI_EXIT_FAILURE;
	sb_init(&fields);
	for (k = 0; k < c.nkeys; k++) {
		if ((keys[nk] = dkim_privkey_load(c.keyfile[k], &warn, err,
		    sizeof(err))) == NULL) {
			cli_err("--key: %s\n", err);
			goto out;
		}
		sk[nk].key = keys[nk];
		sk[nk].selector = c.selector[c.nsel == 1 ? 0 : nk];
		nk++;
		if (warn)
			fprintf(stderr, "authmilter sign: warning: %s is "
			    "readable by group or others\n", c.keyfile[k]);
	}
	if ((sg = dkim_signer_new(&c.opt, sk, nk, err, sizeof(err))) == NULL) {
		cli_err("%s\n", err);
		goto out;
	}
	if ((tmp = tmpfile()) == NULL) {
		cli_err("cannot make a temporary file: %s\n", strerror(errno));
		goto out;
	}
	if (feed(sg, tmp, &crlf) < 0)
		goto out;
	if (dkim_signer_finish(sg, &fields) < 0) {
		cli_err("cannot sign: %s\n", dkim_signer_error(sg));
		goto out;
	}
	if (print_signed(&fields, tmp, crlf) == 0)
		rc = CLI_EXIT_OK;
out:
	if (tmp != NULL)
		fclose(tmp);
	sb_free(&fields);
	dkim_signer_free(sg);
	for (k = 0; k < nk; k++)
		dkim_privkey_free(keys[k]);
	return rc;
}
