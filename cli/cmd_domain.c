/*
 * cli/cmd_domain.c - `authmilter domain D`: is this domain ready to send?
 * Prints the findings of audit/ (SPF, DKIM, DMARC, MX, the DNSSEC state
 * of each answer) grouped by area with a summary line, or with --json one
 * object. The checks live in audit/ (they never print); this file only
 * words them.
 *
 *   authmilter domain [--selector S]... [-c FILE] [--json] [DNS flags] DOMAIN
 *
 * Without --selector, the selectors are those of the config's sign_key
 * entries that sign for DOMAIN (-c FILE, or the default config when it
 * exists): what this host will sign with is what gets audited.
 *
 * Exit: 0 no error found, 1 an error found (or the resolver could not be
 * built), 2 bad usage, 3 a DNS lookup failed temporarily (the audit is
 * incomplete: run it again).
 */
#include "cli/cli.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "audit/audit.h"
#include "util/clean.h"

#define DOMAIN_EXIT_TEMPFAIL 3

typedef struct domain_opts {
	dns_config cfg;
	const char *selectors[AUDIT_MAX_SELECTORS];
	size_t nselectors;
	const char *config_path;
	int config_given;
	char conf_sel[AUDIT_MAX_SELECTORS][CONFIG_SIGN_SELECTOR];
} domain_opts;

enum { OPT_SELECTOR = 1 };

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter domain [--selector S]... [--json] [DNS options] "
	    "DOMAIN\n"
	    "\n"
	    "Is DOMAIN ready to send mail? Checks, through authmilter's resolver:\n"
	    "SPF (one record, syntax, DNS lookups through includes and redirects\n"
	    "against 10, void lookups against 2, +all/?all, ptr, size), DKIM (the\n"
	    "key of each selector: syntax, algorithm, RSA size, t=y, h=, revoked),\n"
	    "DMARC (the policy the RFC 9989 tree walk finds, p/sp/np, t, psd, rua\n"
	    "and ruf with the _report._dmarc authorization of external ones), MX\n"
	    "(MX, null MX, A/AAAA fallback) and the DNSSEC state of each answer.\n"
	    "Each finding: ok, warning or error, the reason and the RFC section.\n"
	    "  --selector S       a DKIM selector to check (repeatable, up to %d);\n"
	    "                     default: the selectors of the config's sign_key\n"
	    "                     entries that sign for DOMAIN\n"
	    "  -c FILE            the config file (default %s)\n"
	    "  --json             print a JSON object instead of text\n"
	    "  -h, --help         this text\n"
	    "Exit status: 0 no error, 1 errors found, 2 bad usage, 3 a DNS lookup\n"
	    "failed temporarily (the audit is incomplete).\n"
	    "\n%s", AUDIT_MAX_SELECTORS, CONFIG_DEFAULT_PATH, cli_dns_usage());
}

static int
domain_flag(void *ctx, int id, const char *arg)
{
	domain_opts *o = ctx;

	if (id == OPT_SELECTOR) {
		if (o->nselectors >= AUDIT_MAX_SELECTORS) {
			cli_err("at most %d --selector\n", AUDIT_MAX_SELECTORS);
			return OPT_FAIL;
		}
		if (arg[0] == '\0' || strchr(arg, ' ') != NULL) {
			cli_err("--selector: '%s' is not a selector\n", arg);
			return OPT_FAIL;
		}
		o->selectors[o->nselectors++] = arg;
		return OPT_OK;
	}
	return cli_dns_flag(&o->cfg, id, arg);
}

static void
count(const audit_report *rep, size_t n[3])
{
	size_t i;

	n[0] = n[1] = n[2] = 0;
	for (i = 0; i < rep->nfindings; i++)
		n[rep->findings[i].level]++;
}

static void
print_text(const audit_report *rep)
{
	char buf[AUDIT_REASON_MAX + DNS_MAX_NAME_LEN];
	size_t i, n[3];
	int a;

	for (a = 0; a < AUDIT_NAREAS; a++) {
		printf("%s\n", audit_area_name((audit_area)a));
		for (i = 0; i < rep->nfindings; i++) {
			const audit_finding *f = &rep->findings[i];

			if ((int)f->area != a)
				continue;
			printf("  %-7s %s [%s; %s%s%s]\n",
			    audit_level_name(f->level),
			    clean_copy(buf, sizeof(buf), f->reason,
			    CLEAN_PRINT), f->code, f->rfc,
			    f->sec == DNS_SEC_INSECURE ? "" : "; dnssec ",
			    f->sec == DNS_SEC_INSECURE ? "" :
			    dns_sec_name(f->sec));
		}
	}
	printf("DNS answers\n");
	for (i = 0; i < rep->nanswers; i++) {
		const audit_answer *an = &rep->answers[i];

		printf("  %-5s %s: %s, %s\n", dns_type_name(an->type),
		    clean_copy(buf, sizeof(buf), an->name, CLEAN_PRINT),
		    dns_status_name(an->status), dns_sec_name(an->sec));
	}
	count(rep, n);
	printf("summary: %s: %zu error%s, %zu warning%s, %zu ok%s\n",
	    clean_copy(buf, sizeof(buf), rep->domain, CLEAN_PRINT),
	    n[AUDIT_ERROR], n[AUDIT_ERROR] == 1 ? "" : "s",
	    n[AUDIT_WARNING], n[AUDIT_WARNING] == 1 ? "" : "s", n[AUDIT_OK],
	    rep->tempfail ? " (incomplete: DNS temporary failure)" : "");
}

static int
put(json_t *o, const char *key, const char *value)
{
	char buf[AUDIT_REASON_MAX + DNS_MAX_NAME_LEN];

	return json_object_set_new(o, key, json_string(clean_copy(buf,
	    sizeof(buf), value, CLEAN_PRINT)));
}

static json_t *
report_json(const audit_report *rep)
{
	json_t *o = json_object(), *fs = json_array(), *as = json_array();
	json_t *sum = json_object();
	size_t i, n[3];
	int bad = o == NULL || fs == NULL || as == NULL || sum == NULL;

	for (i = 0; !bad && i < rep->nfindings; i++) {
		const audit_finding *f = &rep->findings[i];
		json_t *j = json_object();

		bad = j == NULL || json_array_append_new(fs, j) ||
		    put(j, "area", audit_area_name(f->area)) ||
		    put(j, "level", audit_level_name(f->level)) ||
		    put(j, "code", f->code) || put(j, "reason", f->reason) ||
		    put(j, "rfc", f->rfc) ||
		    put(j, "dnssec", dns_sec_name(f->sec));
	}
	for (i = 0; !bad && i < rep->nanswers; i++) {
		const audit_answer *an = &rep->answers[i];
		json_t *j = json_object();

		bad = j == NULL || json_array_append_new(as, j) ||
		    put(j, "name", an->name) ||
		    put(j, "type", dns_type_name(an->type)) ||
		    put(j, "status", dns_status_name(an->status)) ||
		    put(j, "dnssec", dns_sec_name(an->sec));
	}
	count(rep, n);
	if (!bad)
		bad = put(o, "domain", rep->domain) ||
		    json_object_set_new(sum, "errors",
		    json_integer((json_int_t)n[AUDIT_ERROR])) ||
		    json_object_set_new(sum, "warnings",
		    json_integer((json_int_t)n[AUDIT_WARNING])) ||
		    json_object_set_new(sum, "ok",
		    json_integer((json_int_t)n[AUDIT_OK])) ||
		    json_object_set_new(sum, "dns_tempfail",
		    json_boolean(rep->tempfail)) ||
		    json_object_set(o, "summary", sum) ||
		    json_object_set(o, "findings", fs) ||
		    json_object_set(o, "answers", as);
	json_decref(sum);
	json_decref(fs);
	json_decref(as);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The selectors of the sign_key entries that sign for domain: those whose
 * signing domain is domain, and those without one that cover domain
 * (its own entry or a sub-domain one). A config given with -c that does
 * not load is an error; the default one is read only when it exists.
 */
static int
config_selectors(domain_opts *o, const char *domain)
{
	am_config cfg;
	char err[512], d[DNS_MAX_NAME_LEN + 1];
	size_t i, j, len;

	if (!o->config_given && access(o->config_path, F_OK) != 0)
		return 0;
	if (config_build(&cfg, o->config_path, 1, NULL, 0, err,
	    sizeof(err)) < 0) {
		cli_err("%s\n", err);
		return -1;
	}
	len = strlen(domain);
	if (len > 0 && domain[len - 1] == '.')
		len--;
	snprintf(d, sizeof(d), "%.*s", (int)len, domain);
	for (i = 0; i < cfg.nsign_key; i++) {
		config_sign_key k;
		int dup = 0;

		if (config_sign_key_parse(cfg.sign_key[i], &k, err,
		    sizeof(err)) < 0)
			continue;   /* config_build checked it */
		if (k.signing_domain[0] != '\0' ?
		    strcasecmp(k.signing_domain, d) != 0 :
		    config_sign_key_match(&k, d) == 0)
			continue;
		for (j = 0; j < o->nselectors; j++)
			if (strcmp(o->selectors[j], k.selector) == 0)
				dup = 1;
		if (dup)
			continue;
		if (o->nselectors >= AUDIT_MAX_SELECTORS)
			break;
		snprintf(o->conf_sel[o->nselectors], CONFIG_SIGN_SELECTOR, "%s",
		    k.selector);
		o->selectors[o->nselectors] = o->conf_sel[o->nselectors];
		o->nselectors++;
	}
	config_free(&cfg);
	return 0;
}

int
cmd_domain(int argc, char **argv)
{
	domain_opts o;
	dns_resolver *res;
	audit_request req;
	audit_report rep;
	int first, rc, json = 0;
	size_t n[3];
	const opt_spec spec[] = {
		{ "selector", 0, OPT_ARG, OPT_SELECTOR, NULL, NULL },
		{ "json", 0, OPT_NOARG, 0, NULL, &json },
		CLI_CONFIG_OPTS(&o.config_path, &o.config_given),
		OPT_END,
	};
	static const cli_usage u = { usage };

	memset(&o, 0, sizeof(o));
	o.config_path = CONFIG_DEFAULT_PATH;
	rc = cli_options(argc, argv, spec, domain_flag, &o, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first != argc - 1) {
		if (first < argc)
			cli_err("one DOMAIN, not '%s'\n", argv[first + 1]);
		else
			cli_err("which DOMAIN?\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (argv[first][0] == '\0' || strlen(argv[first]) > DNS_MAX_NAME_LEN) {
		cli_err("'%s' is not a domain name\n", argv[first]);
		return CLI_EXIT_USAGE;
	}
	if (o.nselectors == 0 && config_selectors(&o, argv[first]) < 0)
		return CLI_EXIT_FAILURE;
	res = cli_dns_resolver(&o.cfg);
	if (res == NULL)
		return CLI_EXIT_FAILURE;
	memset(&req, 0, sizeof(req));
	req.domain = argv[first];
	req.selectors = o.selectors;
	req.nselectors = o.nselectors;
	rc = audit_domain(res, &req, &rep);
	dns_resolver_free(res);
	if (rc != 0) {
		cli_err("out of memory\n");
		audit_report_free(&rep);
		return CLI_EXIT_FAILURE;
	}
	if (json) {
		json_t *j = report_json(&rep);
		char *s = j != NULL ? json_dumps(j, JSON_INDENT(2) |
		    JSON_ENSURE_ASCII) : NULL;

		json_decref(j);
		if (s == NULL) {
			cli_err("out of memory\n");
			audit_report_free(&rep);
			return CLI_EXIT_FAILURE;
		}
		printf("%s\n", s);
		free(s);
	} else
		print_text(&rep);
	count(&rep, n);
	rc = rep.tempfail ? DOMAIN_EXIT_TEMPFAIL :
	    n[AUDIT_ERROR] > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
	audit_report_free(&rep);
	return rc;
}
