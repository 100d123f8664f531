/*
 * tests/conformance/conf_authheaders.c - whole messages of the
 * authheaders (ValiMail authentication-headers) suite through the
 * milter's evaluation (message/message.c, as `authmilter check` runs it),
 * with the suite's DNS map written out as a zone file for the real
 * resolver.
 *
 *   conf_authheaders SHARED/conformance
 *
 * Results are compared per method, not byte for byte (authheaders'
 * comments and policy.dmarc details differ): dkim result and header.d of
 * each signature, dmarc result and header.from. Cases whose DKIM results
 * come from a previous Authentication-Results header
 * (prev_authentication_results: authheaders reuses them instead of
 * verifying) compare only DMARC, since authmilter always verifies the
 * signatures itself. Cases that disagree with RFC 9989 are listed below
 * with the section. Prints "authheaders-ar: N passed, N failed".
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "message/ar_parse_int.h"
#include "config/config.h"
#include "message/message_int.h"
#include "message/message.h"
#include "tests/lib/test_exit.h"

static const struct deviation {
	const char *id, *rfc, *why;
} deviations[] = {
	{ "test_authenticate_dmarc_bad", "RFC 9989 4.7",
	    "\"v=DMARC1; p=none; reject\": a term that is not tag=value is "
	    "ignored, the record is p=none (authheaders: permerror)" },
};

/* Cases written for RFC 7489 behaviour that RFC 9989 changed: run in the
 * RFC 7489 mode (dmarc_mode=rfc7489). */
static const struct {
	const char *id, *why;
} rfc7489_cases[] = {
	{ "test_authenticate_dmarc_no_p", "a record without p= has no "
	    "policy in RFC 7489 6.6.3 (dmarc=none); RFC 9989 4.7 reads it "
	    "as p=none (dmarc=fail)" },
};

static int passed, failed, listed, unlisted;
static const char *dir;

static void
result(int ok, const char *id, const char *what)
{
	size_t i;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	for (i = 0; i < sizeof(deviations) / sizeof(deviations[0]); i++) {
		if (strcmp(deviations[i].id, id) == 0) {
			listed++;
			printf("  deviation %s [%s]: %s\n", id, deviations[i].rfc,
			    deviations[i].why);
			return;
		}
	}
	unlisted++;
	printf("  FAIL %s: %s\n", id, what);
}

/* The DNS map as a master file: a string is a TXT record (long ones
 * split in 255-octet strings), "" and null are no record; a name whose
 * value is a host name (sub2.example.biz) exists: an A record. */
static int
write_zone(json_t *dns, char *path, size_t pathlen)
{
	const char *name;
	json_t *v;
	FILE *fp;
	int fd;

	snprintf(path, pathlen, "/tmp/conf_authheaders.XXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		return -1;
	fprintf(fp, "$TTL 300\n");
	json_object_foreach(dns, name, v) {
		const char *t = json_is_object(v) ?
		    json_string_value(json_object_get(v, "value")) :
		    json_string_value(v);
		size_t n, off;
		char owner[300];

		if (t == NULL || *t == '\0')
			continue;
		snprintf(owner, sizeof(owner), "%s%s", name,
		    name[strlen(name) - 1] == '.' ? "" : ".");
		if (strncmp(name, "_dmarc.", 7) != 0 &&
		    strstr(name, "._domainkey.") == NULL) {
			fprintf(fp, "%s A 192.0.2.99\n", owner);
			continue;
		}
		fprintf(fp, "%s TXT", owner);
		n = strlen(t);
		for (off = 0; off < n; off += 255)
			fprintf(fp, " \"%.*s\"", (int)(n - off > 255 ? 255 :
			    n - off), t + off);
		fprintf(fp, "\n");
	}
	fclose(fp);
	return 0;
}




static const char *
prop(const ar_resinfo *r, const char *ptype, const char *name)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcasecmp(r->props[i].ptype, ptype) == 0 &&
		    strcasecmp(r->props[i].property, name) == 0)
			return r->props[i].value;
	return "";
}

/* Compare method by method; what differs goes to why. */
static int
compare(const ar_header *want, const ar_header *got, int dkim, int dmarc,
    char *why, size_t whylen)
{
	size_t i, wd = 0, gd = 0;

	why[0] = '\0';
	for (i = 0; i < want->nres; i++) {
		const ar_resinfo *w = &want->res[i];
		size_t j;
		int found = 0;

		if (strcasecmp(w->method, "dkim") == 0 && dkim) {
			wd++;
			for (j = 0; j < got->nres; j++)
				if (strcasecmp(got->res[j].method, "dkim") == 0 &&
				    strcasecmp(got->res[j].result, w->result) == 0 &&
				    strcasecmp(prop(&got->res[j], "header", "d"),
				    prop(w, "header", "d")) == 0)
					found = 1;
		} else if (strcasecmp(w->method, "dmarc") == 0 && dmarc) {
			const char *wf = prop(w, "header", "from");

			for (j = 0; j < got->nres; j++) {
				const char *gf = prop(&got->res[j], "header", "from");

				if (strcasecmp(got->res[j].method, "dmarc") == 0 &&
				    strcasecmp(got->res[j].result, w->result) == 0 &&
				    (strcasecmp(gf, wf) == 0 || (*gf == '\0' &&
				    strcasecmp(wf, "none") == 0) || *wf == '\0'))
					found = 1;
			}
		} else {
			continue;
		}
		if (!found) {
			snprintf(why, whylen, "no %s=%s as expected", w->method,
			    w->result);
			return 0;
		}
	}
	for (i = 0; dkim && i < got->nres; i++)
		gd += strcasecmp(got->res[i].method, "dkim") == 0 &&
		    strcasecmp(got->res[i].result, "none") != 0;
	if (dkim && wd != gd) {
		snprintf(why, whylen, "%zu dkim results, expected %zu", gd, wd);
		return 0;
	}
	return 1;
}

static void
run_case(json_t *c, json_t *dns)
{
	const char *id = json_string_value(json_object_get(c, "id"));
	const char *exp = json_string_value(json_object_get(c,
	    "expected_authentication_results"));
	json_t *opts = json_object_get(c, "options");
	int dkim = !json_is_false(json_object_get(opts, "dkim"));
	int dmarc = !json_is_false(json_object_get(opts, "dmarc"));
	const char *pv = json_string_value(json_object_get(c,
	    "prev_authentication_results"));
	int prev = pv != NULL && strstr(pv, "dkim=") != NULL;
	char zone[64], path[1024], err[512], why[256], *buf = NULL;
	config_override ov[4];
	size_t nov = 3, k;
	am_config cfg;
	dns_config dc;
	dns_resolver *r = NULL;
	msg_env *env = NULL;
	msg *m = NULL;
	msgparse p;
	const msg_verdict *v;
	ar_header *want = NULL, *got = NULL;
	FILE *fp;
	size_t n;

	if (prev)
		dkim = 0; /* authheaders reused the previous header's dkim */
	if (write_zone(dns, zone, sizeof(zone)) < 0) {
		result(0, id, "cannot write the zone");
		return;
	}
	ov[0].key = "dns_zone"; ov[0].value = zone;
	ov[1].key = "authserv_id";
	ov[1].value = json_string_value(json_object_get(c, "authserv_id"));
	ov[2].key = "trusted_networks"; ov[2].value = "10.255.255.255/32";
	for (k = 0; k < sizeof(rfc7489_cases) / sizeof(rfc7489_cases[0]); k++)
		if (strcmp(rfc7489_cases[k].id, id) == 0) {
			ov[nov].key = "dmarc_mode";
			ov[nov++].value = "rfc7489";
			printf("  %s: RFC 7489 mode (%s)\n", id,
			    rfc7489_cases[k].why);
		}
	if (config_build(&cfg, "/nonexistent", 0, ov, nov, err, sizeof(err)) < 0) {
		result(0, id, err);
		unlink(zone);
		return;
	}
	config_dns(&cfg, &dc);
	snprintf(path, sizeof(path), "%s/dmarc/authheaders/%s", dir,
	    json_string_value(json_object_get(c, "message")));
	if ((r = dns_resolver_new(&dc, err, sizeof(err))) == NULL ||
	    (env = msg_env_new(&cfg, r, err, sizeof(err))) == NULL ||
	    (m = msg_new(env)) == NULL || (fp = fopen(path, "rb")) == NULL ||
	    (buf = malloc(1 << 20)) == NULL) {
		result(0, id, err[0] ? err : "setup failed");
		goto out;
	}
	env->now = 0; /* the real clock: the signatures carry t= but no x= */
	n = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	msg_connect(m, "192.0.2.200", "client.invalid");
	msg_helo(m, "client.invalid");
	msg_mail_from(m, "<>");
	mp_init(&p, &msg_parse_events, m, cfg.max_header_bytes);
	(void)mp_push(&p, buf, n);
	(void)mp_finish(&p);
	mp_free(&p);
	v = msg_eom(m);
	if (strncasecmp(exp, "Authentication-Results:", 23) == 0)
		exp += 23;
	want = ar_parse(exp, strlen(exp), err, sizeof(err));
	got = v->auth_results != NULL ? ar_parse(v->auth_results,
	    strlen(v->auth_results), err, sizeof(err)) : NULL;
	if (want == NULL || got == NULL) {
		result(0, id, err);
		goto out;
	}
	if (!compare(want, got, dkim, dmarc, why, sizeof(why)))
		printf("  %s: got%s\n", id, v->auth_results);
	else if (prev)
		printf("  %s: DMARC compared; its DKIM results come from a "
		    "previous header\n", id);
	result(compare(want, got, dkim, dmarc, why, sizeof(why)), id, why);
out:
	ar_header_free(want);
	ar_header_free(got);
	free(buf);
	msg_free(m);
	msg_env_free(env);
	if (r != NULL)
		dns_resolver_free(r);
	config_free(&cfg);
	unlink(zone);
}

int
main(int argc, char **argv)
{
	char path[1024];
	json_error_t jerr;
	json_t *j, *c;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: conf_authheaders SHARED/conformance\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/dmarc/authheaders/cases.json", dir);
	if (access(path, R_OK) != 0) {
		printf("authheaders-ar: skipped (%s absent)\n", path);
		return TEST_EXIT_SKIP;
	}
	if ((j = json_load_file(path, 0, &jerr)) == NULL) {
		printf("authheaders-ar: cannot load %s: %s\n", path, jerr.text);
		return 1;
	}
	json_array_foreach(json_object_get(j, "cases"), i, c)
		run_case(c, json_object_get(j, "dns"));
	printf("authheaders-ar: %d passed, %d failed", passed, failed);
	if (listed)
		printf(" (%d listed deviations)", listed);
	printf("\n");
	json_decref(j);
	return unlisted == 0 ? 0 : 1;
}
