/*
 * tests/conformance/conf_spf.c - the openspf/pyspf SPF suites over the real
 * evaluator and the real resolver (libunbound serving a zone file).
 *
 *   conf_spf CONFORMANCE_DIR
 *
 * For each scenario of $1/spf/{rfc7208-tests,rfc4408-tests,pyspf-test}
 * .resolved.json it writes the zone as an RFC 1035 master file (TXT
 * strings with \DDD escapes, split at 255 octets), builds a resolver in
 * zone-file mode, injects the suite's TIMEOUT entries as faults, and runs
 * every test through spf_check(). A test passes when the result is one of
 * the allowed ones and, when the test names an explanation, ours is the
 * same ("DEFAULT" = none applied). Prints "SUITE: N passed, N failed" and
 * each failure. Exit status: non-zero when an rfc7208 test fails, or an
 * rfc4408/pyspf test fails that is not in the table of known RFC 4408 vs
 * 7208 (or pyspf-only) differences below. The tests in the table of
 * case-folded explanations compare theirs ignoring ASCII case (and only
 * case): the suites print %{i} of an IPv6 client in upper case as RFC
 * 4408 8.1 did; RFC 7208 7.4 prints it in lower case, as authmilter does.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/dns.h"
#include "spf/spf.h"
#include "tests/lib/test_exit.h"

/* Failures that are not ours to fix, each with the reason. */
static const struct known {
	const char *suite, *test, *why;
} known[] = {
	{ "pyspf", "default-modifier", "pyspf-only: honours the obsolete "
	  "default= modifier; RFC 7208 6 says unknown modifiers are ignored" },
	{ "pyspf", "default-modifier-harsh", "pyspf-only 'ambiguous' result "
	  "(harsh mode) for the obsolete default= modifier" },
	{ NULL, NULL, NULL },
};

/* Explanations compared ignoring ASCII case, each with the reason. */
static const struct known exp_case[] = {
	{ "rfc7208", "v-macro-ip6", "%{ir} of an IPv6 client: RFC 7208 7.4 "
	  "gives lower-case nibbles, the suite upper case (RFC 4408 8.1)" },
	{ "rfc4408", "v-macro-ip6", "%{ir} of an IPv6 client: RFC 7208 7.4 "
	  "gives lower-case nibbles, the suite upper case (RFC 4408 8.1)" },
	{ NULL, NULL, NULL },
};

static const char *
table_reason(const struct known *t, const char *suite, const char *test)
{
	size_t i;

	for (i = 0; t[i].suite != NULL; i++)
		if (strcmp(t[i].suite, suite) == 0 &&
		    strcmp(t[i].test, test) == 0)
			return t[i].why;
	return NULL;
}

static const char *
known_reason(const char *suite, const char *test)
{
	return table_reason(known, suite, test);
}

/* A master-file owner name or domain: every octet outside LDH and _ as \DDD. */
static void
put_name(FILE *fp, const char *s)
{
	size_t n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0) {
		fputc('.', fp);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')
			fputc(c, fp);
		else
			fprintf(fp, "\\%03u", c);
	}
	fputc('.', fp);
}

/* Could a master file hold this name? (labels 1..63, total <= 253) */
static int
name_ok(const char *s)
{
	size_t n = strlen(s), lab = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (lab == 0 || lab > 63)
				return 0;
			lab = 0;
		} else {
			lab++;
		}
	}
	return 1;
}

static void
put_txt_string(FILE *fp, const char *s, size_t len)
{
	size_t off = 0;

	do {
		size_t chunk = len - off > 255 ? 255 : len - off;

		fputs(" \"", fp);
		for (size_t i = 0; i < chunk; i++) {
			unsigned char c = (unsigned char)s[off + i];

			if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' ||
			    c == ';')
				fprintf(fp, "\\%03u", c);
			else
				fputc(c, fp);
		}
		fputc('"', fp);
		off += chunk;
	} while (off < len);
}

static int
type_of(const char *s, dns_type *t)
{
	return dns_type_from_name(s, t);
}

/* Write the zone; register TIMEOUT faults on r later (returns a list). */
static int
write_zone(const char *path, json_t *zone)
{
	FILE *fp = fopen(path, "w");
	const char *name;
	json_t *recs;

	if (fp == NULL)
		return -1;
	fputs(". 300 IN SOA ns.test. host.test. 1 3600 600 86400 300\n"
	    ". 300 IN NS ns.test.\n", fp);
	json_object_foreach(zone, name, recs) {
		size_t i;
		json_t *r;

		if (!name_ok(name))
			continue;  /* see main(): such names cannot be asked */
		json_array_foreach(recs, i, r) {
			const char *type = json_string_value(json_object_get(r,
			    "type"));
			json_t *data = json_object_get(r, "data");

			if (type == NULL || strcmp(type, "TIMEOUT") == 0 ||
			    strcmp(type, "SPF") == 0)
				continue;
			put_name(fp, name);
			fprintf(fp, " 300 IN %s", type);
			if (strcmp(type, "TXT") == 0) {
				size_t j;
				json_t *s;

				if (json_array_size(data) == 0)
					fputs(" \"\"", fp);
				json_array_foreach(data, j, s)
					put_txt_string(fp, json_string_value(s),
					    json_string_length(s));
			} else if (strcmp(type, "MX") == 0) {
				fprintf(fp, " %d ", (int)json_integer_value(
				    json_array_get(data, 0)));
				put_name(fp, json_string_value(
				    json_array_get(data, 1)));
			} else if (strcmp(type, "A") == 0 ||
			    strcmp(type, "AAAA") == 0) {
				fprintf(fp, " %s", json_string_value(data));
			} else {  /* PTR, CNAME */
				fputc(' ', fp);
				put_name(fp, json_string_value(data));
			}
			fputc('\n', fp);
		}
	}
	return fclose(fp) == 0 ? 0 : -1;
}

/* TIMEOUT: every type with no records listed before the marker times out. */
static void
add_faults(dns_resolver *r, json_t *zone)
{
	static const dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX,
	    DNS_T_TXT, DNS_T_PTR };
	const char *name;
	json_t *recs;

	json_object_foreach(zone, name, recs) {
		size_t i, k;
		json_t *rr;
		int seen[5] = { 0 }, timeout = 0;

		json_array_foreach(recs, i, rr) {
			const char *type = json_string_value(json_object_get(rr,
			    "type"));
			dns_type t;

			if (type == NULL)
				continue;
			if (strcmp(type, "TIMEOUT") == 0) {
				timeout = 1;
				break;
			}
			if (type_of(type, &t) == 0)
				for (k = 0; k < 5; k++)
					if (types[k] == t)
						seen[k] = 1;
		}
		if (!timeout)
			continue;
		for (k = 0; k < 5; k++)
			if (!seen[k])
				dns_resolver_add_fault(r, name, types[k],
				    DNS_TEMPFAIL);
	}
}

struct tally {
	int passed, failed, hard;
};

static int
allowed(json_t *results, spf_code got)
{
	size_t i;
	json_t *v;

	json_array_foreach(results, i, v) {
		spf_code c;

		if (spf_code_from_name(json_string_value(v), &c) == 0 && c == got)
			return 1;
	}
	return 0;
}

static void
run_test(const char *suite, const char *tname, json_t *t, dns_resolver *r,
    struct tally *tl)
{
	spf_request req;
	spf_result mf, helo;
	const spf_result *res;
	json_t *results = json_object_get(t, "result");
	const char *exp = json_string_value(json_object_get(t, "explanation"));
	const char *why = NULL, *known_why;
	char want[128] = "";
	size_t i;
	json_t *v;

	memset(&req, 0, sizeof(req));
	req.ip = json_string_value(json_object_get(t, "host"));
	req.helo = json_string_value(json_object_get(t, "helo"));
	req.mail_from = json_string_value(json_object_get(t, "mailfrom"));
	req.receiver = json_string_value(json_object_get(t, "receiver"));
	req.deadline_ms = dns_now_ms() + 10000;
	res = spf_check(r, &req, &mf, &helo);
	if (!allowed(results, res->code))
		why = "result";
	else if (exp != NULL && res->code == SPF_FAIL &&
	    (strcmp(exp, "DEFAULT") == 0 ? res->explanation[0] != '\0' :
	    table_reason(exp_case, suite, tname) != NULL ?
	    strcasecmp(exp, res->explanation) != 0 :
	    strcmp(exp, res->explanation) != 0))
		why = "explanation";
	if (why == NULL) {
		tl->passed++;
		return;
	}
	tl->failed++;
	json_array_foreach(results, i, v) {
		size_t l = strlen(want);

		snprintf(want + l, sizeof(want) - l, "%s%s", i ? "|" : "",
		    json_string_value(v));
	}
	known_why = strcmp(suite, "rfc7208") == 0 ? NULL :
	    known_reason(suite, tname);
	if (known_why == NULL)
		tl->hard++;
	printf("  %s %s: expected %s%s%s%s, got %s%s%s%s (%s)%s%s\n",
	    known_why ? "known" : "FAIL", tname, want,
	    exp ? " exp=\"" : "", exp ? exp : "", exp ? "\"" : "",
	    spf_code_name(res->code),
	    res->explanation[0] ? " exp=\"" : "", res->explanation,
	    res->explanation[0] ? "\"" : "", res->reason,
	    known_why ? ": " : "", known_why ? known_why : "");
}

static int
run_suite(const char *dir, const char *file, const char *suite,
    const char *tmpdir, int *hard)
{
	char path[4096], zpath[4096], err[512];
	json_error_t jerr;
	json_t *root, *scen, *sc;
	struct tally tl = { 0, 0, 0 };
	size_t i;

	snprintf(path, sizeof(path), "%s/spf/%s", dir, file);
	root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	if (root == NULL) {
		printf("%s: cannot load %s: %s\n", suite, path, jerr.text);
		return -1;
	}
	snprintf(zpath, sizeof(zpath), "%s/zone", tmpdir);
	scen = json_object_get(root, "scenarios");
	json_array_foreach(scen, i, sc) {
		json_t *zone = json_object_get(sc, "zone"), *tests, *t;
		dns_config cfg;
		dns_resolver *r;
		const char *tname;

		if (write_zone(zpath, zone) != 0) {
			printf("%s: cannot write %s\n", suite, zpath);
			json_decref(root);
			return -1;
		}
		memset(&cfg, 0, sizeof(cfg));
		cfg.zone_file = zpath;
		cfg.trust_anchor_file = "";
		cfg.timeout_ms = 3000;
		r = dns_resolver_new(&cfg, err, sizeof(err));
		if (r == NULL) {
			printf("%s: scenario %zu: resolver: %s\n", suite, i, err);
			json_decref(root);
			return -1;
		}
		add_faults(r, zone);
		tests = json_object_get(sc, "tests");
		json_object_foreach(tests, tname, t)
			run_test(suite, tname, t, r, &tl);
		dns_resolver_free(r);
	}
	unlink(zpath);
	json_decref(root);
	printf("%s: %d passed, %d failed\n", suite, tl.passed, tl.failed);
	*hard += tl.hard;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct { const char *file, *suite; } suites[] = {
		{ "rfc7208-tests.resolved.json", "rfc7208" },
		{ "rfc4408-tests.resolved.json", "rfc4408" },
		{ "pyspf-test.resolved.json", "pyspf" },
	};
	char dir[4096], tmpl[] = "/tmp/conf_spf.XXXXXX";
	struct stat st;
	int hard = 0, broken = 0;
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: conf_spf CONFORMANCE_DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/spf", argv[1]);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("spf: skipped (no %s)\n", dir);
		return TEST_EXIT_SKIP;
	}
	if (mkdtemp(tmpl) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (run_suite(argv[1], suites[i].file, suites[i].suite, tmpl,
		    &hard) != 0)
			broken = 1;
	rmdir(tmpl);
	return hard == 0 && !broken ? 0 : 1;
}
