/*
 * cli/cmd_testkey.c - `authmilter testkey` (opendkim-testkey's job): the
 * key record at S._domainkey.D fetched through authmilter's resolver,
 * its DNSSEC state, parsed by the verifier's parser (dkim_key_inspect),
 * and, with --key, whether the private key is the published one
 * (dkim_privkey_match: decoded keys compared, not base64 text).
 *
 *   authmilter testkey --domain D --selector S [--key FILE] [--json]
 *                      [DNS flags]
 *
 * Exit 0 the record is usable (and matches the key when one is given;
 * warnings such as t=y do not change it), 1 no record, a record no
 * verifier can use, a revoked key, an RSA key under 1024 bits, a key
 * that does not match or cannot be read, 2 bad usage, 3 a DNS temporary
 * failure (bogus DNSSEC included), as `authmilter domain`.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"
#include "util/clean.h"

#define TESTKEY_EXIT_TEMPFAIL 3
/* Problems one run reports (local limit: each check adds at most one). */
#define TESTKEY_MAX_PROBLEMS 12
#define TESTKEY_REASON_MAX 300
/* The record as shown (local limit: a 16384-bit RSA key's is ~2.8 KB). */
#define TESTKEY_RECORD_SHOWN 4096

typedef struct tk_problem {
	const char *level;   /* "error" or "warning" */
	const char *code;
	char reason[TESTKEY_REASON_MAX];
} tk_problem;

typedef struct testkey {
	const char *domain, *selector, *keyfile;
	dns_config cfg;
	char name[DNS_MAX_NAME_LEN + 1];
	const dns_answer *a;
	const char *txt;       /* the first TXT record, NULL: none */
	size_t txtlen;
	int parsed;            /* dkim_key_inspect() succeeded */
	dkim_key_info info;
	const char *match;     /* "match", "mismatch", "error", NULL: no --key */
	const char *keyalg;
	unsigned keybits;
	tk_problem p[TESTKEY_MAX_PROBLEMS];
	size_t np, nerrors;
} testkey;

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter testkey --domain D --selector S "
	    "[--key FILE] [--json]\n"
	    "           [DNS options]\n\n"
	    "Fetches the DKIM key record at S._domainkey.D through "
	    "authmilter's resolver\nand shows its DNSSEC state, key type and "
	    "size, t= and h= flags and\nproblems (revoked key, RSA under %d "
	    "bits, t=y testing); with --key, whether\nthe private key is the "
	    "published one.\n\n"
	    "  --domain D       the signing domain (d=)\n"
	    "  --selector S     the selector (s=)\n"
	    "  --key FILE       the private key to compare with the record "
	    "(as sign_key)\n"
	    "  --json           print a JSON object instead of text\n"
	    "  -h, --help       this text\n\n"
	    "Exit status: 0 usable (and matching), 1 no record, a bad or "
	    "revoked record or\na key that does not match, 2 bad usage, 3 a "
	    "DNS temporary failure.\n\n%s", DKIM_SIGN_MIN_RSA_BITS,
	    cli_dns_usage());
}

static void
problem(testkey *t, const char *level, const char *code, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

static void
problem(testkey *t, const char *level, const char *code, const char *fmt,
    ...)
{
	va_list ap;
	tk_problem *p;

	if (t->np == TESTKEY_MAX_PROBLEMS)
		return;
	p = &t->p[t->np++];
	p->level = level;
	p->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	if (strcmp(level, "error") == 0)
		t->nerrors++;
}

/* The record: found, usable, its flags. */
static void
check_record(testkey *t)
{
	const dns_answer *a = t->a;
	size_t i, n = 0;
	char err[160];

	for (i = 0; a->status == DNS_RECORDS && i < a->count; i++)
		if (a->records[i].type == DNS_T_TXT && n++ == 0) {
			t->txt = a->records[i].u.txt.text;
			t->txtlen = a->records[i].u.txt.len;
		}
	if (n == 0) {
		problem(t, "error", "no-record", "no key record at %s (%s): "
		    "signatures with s=%s fail (RFC 6376 6.1.2)", t->name,
		    dns_status_name(a->status), t->selector);
		return;
	}
	if (n > 1)
		problem(t, "warning", "multiple", "%zu TXT records at %s: "
		    "verifiers may pick any one (RFC 6376 3.6.2.2)", n, t->name);
	if (dkim_key_inspect(t->txt, t->txtlen, &t->info, err,
	    sizeof(err)) != 0) {
		problem(t, "error", "syntax", "the record cannot be used: %s "
		    "(RFC 6376 3.6.1)", err);
		return;
	}
	t->parsed = 1;
	if (t->info.revoked)
		problem(t, "error", "revoked", "the key is revoked (empty p=): "
		    "signatures with s=%s fail (RFC 6376 3.6.1)", t->selector);
	else if (!t->info.ed25519 && t->info.bits < DKIM_SIGN_MIN_RSA_BITS)
		problem(t, "error", "key-size", "RSA key of %u bits < %d: "
		    "verifiers refuse it (RFC 8301 3.2)", t->info.bits,
		    DKIM_SIGN_MIN_RSA_BITS);
	else if (!t->info.ed25519 &&
	    t->info.bits < DKIM_SIGN_RECOMMENDED_RSA_BITS)
		problem(t, "warning", "key-size", "RSA key of %u bits < %d: "
		    "signers SHOULD use %d (RFC 8301 3.2)", t->info.bits,
		    DKIM_SIGN_RECOMMENDED_RSA_BITS,
		    DKIM_SIGN_RECOMMENDED_RSA_BITS);
	if (!t->info.sha256)
		problem(t, "error", "hash", "h= does not allow sha256: no "
		    "valid signature can use this key (RFC 8301 3.1)");
	if (t->info.testing)
		problem(t, "warning", "testing", "t=y: the domain is testing "
		    "DKIM; verifiers may treat its signatures as unsigned "
		    "(RFC 6376 3.6.1)");
}

/* The private key against the record. */
static void
check_key(testkey *t)
{
	dkim_privkey *k;
	char err[300];
	int warn, rc;

	if ((k = dkim_privkey_load(t->keyfile, &warn, err, sizeof(err))) ==
	    NULL) {
		t->match = "error";
		problem(t, "error", "key-file", "%s", err);
		return;
	}
	t->keyalg = dkim_privkey_type(k) == DKIM_PRIVKEY_RSA ? "rsa" :
	    "ed25519";
	t->keybits = dkim_privkey_bits(k);
	if (warn)
		problem(t, "warning", "key-perms", "%s is readable by group or "
		    "others (chmod 600)", t->keyfile);
	if (t->txt == NULL || !t->parsed || t->info.revoked) {
		t->match = "error";
		dkim_privkey_free(k);
		return;
	}
	rc = dkim_privkey_match(k, t->txt, t->txtlen, err, sizeof(err));
	if (rc == 1)
		t->match = "match";
	else {
		t->match = rc == 0 ? "mismatch" : "error";
		problem(t, "error", "mismatch", "the private key %s (%s-%u) is "
		    "not the published one: %s", t->keyfile, t->keyalg,
		    t->keybits, err);
	}
	dkim_privkey_free(k);
}

static void
print_text(const testkey *t)
{
	char buf[DNS_MAX_NAME_LEN + TESTKEY_REASON_MAX];
	char rec[TESTKEY_RECORD_SHOWN];
	size_t i;

	printf("record   %s: %s, dnssec %s\n", t->name,
	    dns_status_name(t->a->status), dns_sec_name(t->a->sec));
	if (t->a->status == DNS_TEMPFAIL)
		printf("         %s\n", clean_copy(buf, sizeof(buf), t->a->why,
		    CLEAN_PRINT));
	if (t->txt != NULL)
		printf("         \"%s\"\n", clean_copy(rec, sizeof(rec), t->txt,
		    CLEAN_PRINT));
	if (t->parsed && !t->info.revoked)
		printf("key      %s, %u bits\n", t->info.ed25519 ? "ed25519" :
		    "rsa", t->info.bits);
	if (t->parsed) {
		printf("flags    t=y %s\n", t->info.testing ? "set: testing, "
		    "verifiers may treat signatures as unsigned" : "not set");
		printf("         t=s %s\n", t->info.strict ? "set: i= must be "
		    "in d= exactly, no subdomain" : "not set");
		printf("         h=  %s\n", t->info.sha256 && t->info.sha1 ?
		    "any hash (absent or sha1:sha256)" : t->info.sha256 ?
		    "sha256 only" : "sha256 not allowed");
		printf("         s=  email allowed (absent, * or email)\n");
	}
	if (t->keyfile != NULL)
		printf("private  %s%s%s%s: %s\n", t->keyfile,
		    t->keyalg ? " (" : "", t->keyalg ? t->keyalg : "",
		    t->keyalg ? ")" : "", t->match);
	for (i = 0; i < t->np; i++)
		printf("%-8s %s: %s\n", t->p[i].level, t->p[i].code,
		    clean_copy(buf, sizeof(buf), t->p[i].reason, CLEAN_PRINT));
	printf("result   %s\n", t->a->status == DNS_TEMPFAIL ? "temperror" :
	    t->nerrors ? "error" : "ok");
}

static int
put(json_t *o, const char *key, const char *value)
{
	char buf[DNS_MAX_NAME_LEN + TESTKEY_REASON_MAX];

	return json_object_set_new(o, key, json_string(clean_copy(buf,
	    sizeof(buf), value, CLEAN_PRINT)));
}

static json_t *
report_json(const testkey *t)
{
	json_t *o = json_object(), *ps = json_array(), *key = NULL;
	char rec[TESTKEY_RECORD_SHOWN];
	size_t i;
	int bad;

	bad = o == NULL || ps == NULL || put(o, "name", t->name) ||
	    put(o, "dns_status", dns_status_name(t->a->status)) ||
	    put(o, "dnssec", dns_sec_name(t->a->sec)) ||
	    put(o, "result", t->a->status == DNS_TEMPFAIL ? "temperror" :
	    t->nerrors ? "error" : "ok");
	if (!bad && t->txt != NULL)
		bad = json_object_set_new(o, "record", json_string(clean_copy(
		    rec, sizeof(rec), t->txt, CLEAN_PRINT)));
	if (!bad && t->parsed) {
		bad = (key = json_object()) == NULL ||
		    put(key, "type", t->info.ed25519 ? "ed25519" : "rsa") ||
		    json_object_set_new(key, "bits",
		    json_integer(t->info.bits)) ||
		    json_object_set_new(key, "revoked",
		    json_boolean(t->info.revoked)) ||
		    json_object_set_new(key, "testing",
		    json_boolean(t->info.testing)) ||
		    json_object_set_new(key, "strict",
		    json_boolean(t->info.strict)) ||
		    json_object_set_new(key, "sha256",
		    json_boolean(t->info.sha256)) ||
		    json_object_set_new(key, "sha1",
		    json_boolean(t->info.sha1)) ||
		    json_object_set(o, "key", key);
		json_decref(key);
	}
	if (!bad && t->keyfile != NULL)
		bad = put(o, "private_key", t->keyfile) ||
		    put(o, "match", t->match);
	for (i = 0; !bad && i < t->np; i++) {
		json_t *j = json_object();

		bad = j == NULL || json_array_append_new(ps, j) ||
		    put(j, "level", t->p[i].level) ||
		    put(j, "code", t->p[i].code) ||
		    put(j, "reason", t->p[i].reason);
	}
	if (!bad)
		bad = json_object_set(o, "problems", ps);
	json_decref(ps);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
cmd_testkey(int argc, char **argv)
{
	testkey t;
	dns_resolver *res;
	dns_answer *a;
	int first, rc, json = 0;
	const opt_spec spec[] = {
		{ "domain", 0, OPT_ARG, 0, &t.domain, NULL },
		{ "selector", 0, OPT_ARG, 0, &t.selector, NULL },
		{ "key", 0, OPT_ARG, 0, &t.keyfile, NULL },
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL },
		CLI_DNS_OPTS,
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&t, 0, sizeof(t));
	rc = cli_options(argc, argv, spec, cli_dns_flag, &t.cfg, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (cli_dkim_operands(first, argc, argv, t.domain, t.selector,
	    usage) < 0)
		return CLI_EXIT_USAGE;
	if ((size_t)snprintf(t.name, sizeof(t.name), "%s._domainkey.%s",
	    t.selector, t.domain) >= sizeof(t.name)) {
		cli_err("%s._domainkey.%s is longer than a DNS name\n",
		    t.selector, t.domain);
		return CLI_EXIT_USAGE;
	}
	if ((res = cli_dns_resolver(&t.cfg)) == NULL)
		return CLI_EXIT_FAILURE;
	a = dns_lookup(res, t.name, DNS_T_TXT);
	if (a == NULL) {
		dns_resolver_free(res);
		cli_err("out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	t.a = a;
	if (a->status == DNS_TEMPFAIL)
		problem(&t, "error", a->sec == DNS_SEC_BOGUS ? "dnssec-bogus" :
		    "dns-temperror", "%s TXT: %s%s: verifiers see a temporary "
		    "failure", t.name, a->sec == DNS_SEC_BOGUS ?
		    "DNSSEC validation failed: " : "temporary DNS failure: ",
		    a->why);
	else
		check_record(&t);
	if (t.keyfile != NULL)
		check_key(&t);
	if (json) {
		json_t *j = report_json(&t);
		char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) |
		    JSON_ENSURE_ASCII) : NULL;

		json_decref(j);
		if (s == NULL)
			cli_err("out of memory\n");
		else
			printf("%s\n", s);
		free(s);
	} else
		print_text(&t);
	rc = a->status == DNS_TEMPFAIL ? TESTKEY_EXIT_TEMPFAIL :
	    t.nerrors > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	dns_answer_free(a);
	dns_resolver_free(res);
	return rc;
}
