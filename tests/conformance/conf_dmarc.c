/*
 * tests/conformance/conf_dmarc.c - the dmarc/ library against the public
 * DMARC test data in $1/dmarc/ (see shared/conformance/README.md 3).
 *
 *   conf_dmarc SHARED/conformance
 *
 * Suites: the Public Suffix List tests (RFC 7489 org domain with the
 * shipped list); Mail::DMARC record parsing, From extraction, alignment,
 * org domain (tree walk over its mock zone; PSL) and evaluation;
 * OpenDMARC record parsing, From extraction, alignment and old-PSL org
 * domain; authheaders get_domain_part and record parsing. Cases written
 * for RFC 7489 behaviour that RFC 9989 changed run in RFC 7489 mode.
 * Cases whose expectation differs from the RFCs are listed in
 * `deviations` with the section; such a failure is reported but does not
 * fail the run. Prints "NAME: N passed, N failed" per suite; exits 1 on
 * an unlisted failure. The Mail::DMARC mock DNS is written out as a
 * master file and served by the real resolver in zone-file mode.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dmarc/dmarc.h"
#include "tests/lib/test_exit.h"

static const struct deviation {
	const char *suite, *key, *rfc, *why;
} deviations[] = {
	{ "mail-dmarc-tags", "v=dmarc1", "RFC 9989 4.7",
	    "the version is %s\"DMARC1\": case-sensitive" },
	{ "mail-dmarc-tags", "rua=ftp://example.com/pub", "RFC 9989 4.7",
	    "rua: any valid URI; unsupported schemes are ignored at use" },
	{ "mail-dmarc-tags", "rua=torrent://piratebay.net/dmarc", "RFC 9989 4.7",
	    "rua: any valid URI" },
	{ "mail-dmarc-tags", "ruf=mail:msimerson@cnap.org", "RFC 9989 4.7",
	    "ruf: any valid URI (scheme \"mail\" is syntactically valid)" },
	{ "mail-dmarc-validity", "v=DMARC1\\; p=reject\\;", "RFC 9989 4.7",
	    "'\\' is part of the value: \"DMARC1\\\" is not DMARC1" },
	{ "mail-dmarc-validity", "v=DMARC1; rua=ftp://www.example.com",
	    "RFC 7489 6.3 / RFC 9989 4.7", "ftp: is a syntactically valid URI" },
	{ "mail-dmarc-eval", "np-txtonly-np", "RFC 9989 3.2 (Non-existent Domains)",
	    "NODATA for A, AAAA and MX is a non-existent domain: np applies" },
	{ "opendmarc-record", "v=DMARC1; p=n;", "RFC 9989 4.8",
	    "dmarc-request is none/quarantine/reject; no prefix match" },
	{ "opendmarc-record", "v=DMARC1; p=none; adkim=bob;", "RFC 9989 4.7",
	    "invalid values are ignored, the record stays valid" },
	{ "opendmarc-record", "v=DMARC1; p=none; aspf=bob;", "RFC 9989 4.7",
	    "invalid values are ignored, the record stays valid" },
	{ "opendmarc-record", "v=DMARC1; p=none; rf=bob;", "RFC 7489 6.3",
	    "invalid values are discarded in favour of defaults" },
	{ "opendmarc-record", "v=DMARC1; p=none; ri=bob;", "RFC 7489 6.3",
	    "invalid values are discarded in favour of defaults" },
	{ "opendmarc-record", "v=DMARC1; p=none; pct=500;", "RFC 7489 6.3",
	    "invalid values are discarded in favour of defaults" },
	{ "opendmarc-record", "v=DMARC1; p=none; rf=000000000000000000000000000000000",
	    "RFC 7489 6.3", "invalid values are discarded in favour of defaults" },
	{ "opendmarc-from", "\"Johnson, Joe <joe@joe.com>\" joe@joe.com",
	    "RFC 5322 3.4", "a display name needs an angle-addr" },
	{ "opendmarc-from", "<<<><joe@joe.com>>>", "RFC 5322 3.4",
	    "not an address: refused rather than guessed" },
	{ "opendmarc-from", "Joe Johnson <joe@joe.com>, ace@ace.com",
	    "RFC 9989 5.3.1", "two author domains, not the first one "
	    "(CVE-2019-16378)" },
	{ "opendmarc-from", "joe@joe.com, ace@ace.com", "RFC 9989 5.3.1",
	    "two author domains, not the first one (CVE-2019-16378)" },
	{ "opendmarc-from", "Mail From:<joe@joe.com>", "RFC 5322 3.4 / RFC 6854",
	    "a group needs its closing ';'" },
	{ "opendmarc-from", "\"( bob@bob.com)\" joe@joe.com", "RFC 5322 3.4",
	    "a display name needs an angle-addr" },
	{ "opendmarc-align", ".mac.com.", "RFC 1035 2.3.1",
	    "not a domain name (empty label)" },
	{ "opendmarc-align", "....mac.com....", "RFC 1035 2.3.1",
	    "not a domain name (empty labels)" },
	{ "authheaders-record", "v=DMARC1;p=none;pct=100;rua=mailto:postmaster@somenet.org;mailto:postmaster@somenet.org;ri=3600;fo=1;",
	    "RFC 9989 4.7", "a syntax error in the rest of a record is ignored" },
};

static struct suite {
	const char *name;
	int passed, failed, listed;
} cur;
static int unlisted;
static const char *dir;

static void
begin(const char *name)
{
	memset(&cur, 0, sizeof(cur));
	cur.name = name;
}

static void
end(void)
{
	printf("%s: %d passed, %d failed", cur.name, cur.passed, cur.failed);
	if (cur.listed)
		printf(" (%d listed deviations)", cur.listed);
	printf("\n");
}

static void
check(int ok, const char *key, const char *what)
{
	size_t i;

	if (ok) {
		cur.passed++;
		return;
	}
	cur.failed++;
	for (i = 0; i < sizeof(deviations) / sizeof(deviations[0]); i++) {
		if (strcmp(deviations[i].suite, cur.name) == 0 &&
		    strcmp(deviations[i].key, key) == 0) {
			cur.listed++;
			printf("  deviation %s [%s]: %s\n", key,
			    deviations[i].rfc, deviations[i].why);
			return;
		}
	}
	unlisted++;
	printf("  FAIL %s: %s\n", key, what);
}

static json_t *
load(const char *rel)
{
	char path[1024];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/dmarc/%s", dir, rel);
	if ((j = json_load_file(path, 0, &err)) == NULL) {
		printf("  cannot load %s: %s\n", path, err.text);
		unlisted++;
	}
	return j;
}

static const char *
jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static char why[256];

static dmarc_record_status
parse(const char *s, dmarc_mode mode, dmarc_record *r)
{
	return dmarc_record_parse(s, s ? strlen(s) : 0, mode, r, why, sizeof(why));
}

/* One From value, with an optional leading "From:" field name. */
static dmarc_from_status
from1(const char *raw, dmarc_from *out)
{
	const char *vals[1] = { raw };

	if (strncasecmp(raw, "From:", 5) == 0)
		vals[0] = raw + 5;
	return dmarc_from_parse(vals, NULL, 1, out, why, sizeof(why));
}

static dmarc_psl *
psl_at(const char *rel)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/dmarc/%s", dir, rel);
	return dmarc_psl_load(path, why, sizeof(why));
}

static void
suite_psl(void)
{
	json_t *j = load("psl/test_psl.json"), *c;
	dmarc_psl *psl = psl_at("psl/public_suffix_list.dat");
	size_t i;
	char org[DMARC_DOMAIN_BUF];

	begin("psl");
	if (j == NULL || psl == NULL) {
		check(0, "load", why);
		goto out;
	}
	json_array_foreach(json_object_get(j, "cases"), i, c) {
		const char *in = jstr(c, "input"), *want = jstr(c, "expected");
		int rc = in != NULL ? dmarc_psl_orgdomain(psl, in, org,
		    sizeof(org)) : -1;
		int ok = want == NULL ? rc != 0 : rc == 0 && strcmp(org, want) == 0;
		check(ok, in ? in : "(null)", rc == 0 ? org : "no org domain");
	}
out:
	end();
	dmarc_psl_free(psl);
	json_decref(j);
}

/* Mail::DMARC t/01.Policy.t */
static void
suite_mail_dmarc_records(json_t *pr)
{
	json_t *c, *vals, *v;
	const char *tag;
	size_t i, k;
	dmarc_record r;
	char rec[512], key[256];

	begin("mail-dmarc-parse");
	json_array_foreach(json_object_get(pr, "parse"), i, c) {
		const char *s = jstr(c, "record");
		json_t *tags = json_object_get(c, "tags");
		int ok = parse(s, DMARC_MODE_RFC7489, &r) != DMARC_RECORD_NOT_DMARC;
		if (json_object_get(tags, "p"))
			ok &= strcmp(dmarc_policy_name(r.p), jstr(tags, "p")) == 0;
		if (json_object_get(tags, "pct"))
			ok &= (json_int_t)r.pct ==
			    json_integer_value(json_object_get(tags, "pct"));
		else
			ok &= r.pct == 100;
		if (jstr(tags, "rua"))
			ok &= r.nrua == 1 && strcmp(r.rua[0].uri, jstr(tags, "rua")) == 0;
		if (jstr(tags, "ruf"))
			ok &= r.nruf == 1 && strcmp(r.ruf[0].uri, jstr(tags, "ruf")) == 0;
		check(ok, s, "tags differ");
	}
	end();

	begin("mail-dmarc-tags");
	for (k = 0; k < 2; k++) {
		json_object_foreach(json_object_get(pr, k == 0 ?
		    "valid_tag_values" : "invalid_tag_values"), tag, vals) {
			json_array_foreach(vals, i, v) {
				const char *val = json_string_value(v);
				dmarc_mode mode = strcmp(tag, "pct") == 0 ||
				    strcmp(tag, "rf") == 0 || strcmp(tag, "ri") == 0 ?
				    DMARC_MODE_RFC7489 : DMARC_MODE_RFC9989;
				dmarc_record_status st;
				int valid;
				if (strcmp(tag, "v") == 0)
					snprintf(rec, sizeof(rec), "v=%s; p=none", val);
				else if (strcmp(tag, "p") == 0)
					snprintf(rec, sizeof(rec), "v=DMARC1; p=%s", val);
				else
					snprintf(rec, sizeof(rec), "v=DMARC1; p=none; %s=%s",
					    tag, val);
				st = parse(rec, mode, &r);
				if (strcmp(tag, "v") == 0)
					valid = st != DMARC_RECORD_NOT_DMARC;
				else
					valid = st != DMARC_RECORD_NOT_DMARC &&
					    !(r.invalid & ~(unsigned)(DMARC_TAG_UNKNOWN)) &&
					    r.p_implied == 0;
				snprintf(key, sizeof(key), "%s=%s", tag, val);
				check(valid == (k == 0), key, valid ? "accepted" :
				    "rejected");
			}
		}
	}
	end();

	begin("mail-dmarc-validity");
	json_array_foreach(json_object_get(pr, "validity"), i, c) {
		const char *s = jstr(c, "record");
		json_t *tags = json_object_get(c, "tags");
		int want = json_is_true(json_object_get(c, "valid"));
		dmarc_mode mode = DMARC_MODE_RFC9989;
		dmarc_record_status st;
		if (s == NULL && tags != NULL) {
			size_t n = 0;
			json_object_foreach(tags, tag, v)
				n += (size_t)snprintf(rec + n, sizeof(rec) - n,
				    "%s%s=%s", n ? "; " : "", tag,
				    json_string_value(v));
			s = rec;
		}
		/* 1.4.1 and the implicit p=none cases are RFC 7489 rules
		 * (RFC 9989 4.7 made p optional). */
		if (s != NULL && (strcmp(s, "v=DMARC1") == 0 ||
		    (strstr(s, "p=") == NULL && strstr(s, "rua=") != NULL)))
			mode = DMARC_MODE_RFC7489;
		st = parse(s, mode, &r);
		check((st == DMARC_RECORD_OK) == want, s ? s : "(null)", why);
	}
	end();

	begin("mail-dmarc-robustness");
	json_array_foreach(json_object_get(json_object_get(pr,
	    "robustness_corpus"), "records"), i, v) {
		const char *s = json_string_value(v);
		dmarc_record_status a = parse(s, DMARC_MODE_RFC9989, &r);
		dmarc_record_status b = parse(s, DMARC_MODE_RFC7489, &r);
		int is_v = strncmp(s, "v=DMARC1", 8) == 0;
		check((a != DMARC_RECORD_NOT_DMARC) == is_v &&
		    (b != DMARC_RECORD_NOT_DMARC) == is_v, s,
		    "version detection differs");
	}
	end();
}

static void
suite_from(const char *name, json_t *cases, const char *rawkey)
{
	json_t *c;
	size_t i;
	dmarc_from f;

	begin(name);
	json_array_foreach(cases, i, c) {
		const char *raw = jstr(c, rawkey), *want = jstr(c, "domain");
		dmarc_from_status st = from1(raw, &f);
		int one = st == DMARC_FROM_OK && f.ndomains == 1;
		check(want == NULL ? !one : one && strcmp(f.domains[0], want) == 0,
		    raw, one ? f.domains[0] : dmarc_from_status_name(st));
	}
	end();
}

/* Alignment with RFC 7489 PSL org domains. */
static int
psl_aligned(const dmarc_psl *psl, const char *a, const char *b,
    dmarc_alignment mode)
{
	char ao[DMARC_DOMAIN_BUF], bo[DMARC_DOMAIN_BUF];

	if (dmarc_psl_orgdomain(psl, a, ao, sizeof(ao)) < 0 ||
	    dmarc_psl_orgdomain(psl, b, bo, sizeof(bo)) < 0)
		return dmarc_aligned(a, NULL, b, NULL, mode);
	return dmarc_aligned(a, ao, b, bo, mode);
}

static void
suite_mail_dmarc_align(json_t *cases, const dmarc_psl *psl)
{
	json_t *c, *d;
	size_t i, k;

	begin("mail-dmarc-align");
	json_array_foreach(cases, i, c) {
		const char *hf = jstr(c, "header_from");
		json_t *exp = json_object_get(c, "expected"), *spf;
		dmarc_alignment as = jstr(c, "aspf") && *jstr(c, "aspf") == 's' ?
		    DMARC_ALIGN_STRICT : DMARC_ALIGN_RELAXED;
		int ok = 1, got = 0;
		if ((spf = json_object_get(c, "spf")) != NULL) {
			got = strcmp(jstr(spf, "scope"), "mfrom") == 0 &&
			    strcmp(jstr(spf, "result"), "pass") == 0 &&
			    psl_aligned(psl, hf, jstr(spf, "domain"), as);
			ok &= got == json_is_true(json_object_get(exp, "spf_aligned"));
			if (got && jstr(exp, "spf_align"))
				ok &= (strcasecmp(hf, jstr(spf, "domain")) == 0) ==
				    (strcmp(jstr(exp, "spf_align"), "strict") == 0);
		}
		if (json_object_get(c, "dkim") != NULL) {
			got = 0;
			json_array_foreach(json_object_get(c, "dkim"), k, d)
				got |= strcmp(jstr(d, "result"), "pass") == 0 &&
				    psl_aligned(psl, hf, jstr(d, "domain"),
				    DMARC_ALIGN_RELAXED);
			ok &= got == json_is_true(json_object_get(exp, "dkim_aligned"));
		}
		check(ok, hf, "alignment differs");
	}
	end();
}

/* One TXT RR in master-file form: strings of at most 255 octets. */
static void
put_txt(FILE *fp, const char *name, const char *txt)
{
	size_t n = strlen(txt), i;

	fprintf(fp, "%s. 300 IN TXT", name);
	for (i = 0; i == 0 || i < n; i += 255) {
		size_t k, end = i + 255 < n ? i + 255 : n;
		fputs(" \"", fp);
		for (k = i; k < end; k++) {
			if (txt[k] == '"' || txt[k] == '\\')
				fputc('\\', fp);
			fputc(txt[k], fp);
		}
		fputc('"', fp);
	}
	fputc('\n', fp);
}

static void
put_rr(FILE *fp, const char *name, const char *type, json_t *v)
{
	if (strcmp(type, "TXT") == 0)
		put_txt(fp, name, json_string_value(v));
	else if (strcmp(type, "MX") == 0)
		fprintf(fp, "%s. 300 IN MX 10 mx.invalid.\n", name);
	else if (strcmp(type, "A") == 0)
		fprintf(fp, "%s. 300 IN A 192.0.2.1\n", name);
	else /* NS and others only make the name exist */
		fprintf(fp, "%s. 300 IN TXT \"exists\"\n", name);
}

/* A zone-file resolver over the Mail::DMARC mocks: zone is {name:
 * [{TYPE: value}]}, dns is {name: {TYPE: value or 1}}, plus one extra
 * TXT (name, txt). The file lives until the resolver is freed. */
static dns_resolver *
mock_resolver(json_t *zone, json_t *dns, const char *xname,
    const char *xtxt, char *path, size_t pathlen)
{
	json_t *recs, *r, *v;
	const char *name, *type;
	size_t i;
	dns_config cfg;
	dns_resolver *res;
	FILE *fp;
	int fd;
	char err[512];

	snprintf(path, pathlen, "/tmp/conf_dmarc_zoneXXXXXX");
	if ((fd = mkstemp(path)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		return NULL;
	fputs("$TTL 300\n", fp);
	json_object_foreach(zone, name, recs)
		json_array_foreach(recs, i, r)
			json_object_foreach(r, type, v)
				put_rr(fp, name, type, v);
	json_object_foreach(dns, name, recs)
		json_object_foreach(recs, type, v)
			put_rr(fp, name, type, v);
	if (xname != NULL)
		put_txt(fp, xname, xtxt);
	fclose(fp);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	if ((res = dns_resolver_new(&cfg, err, sizeof(err))) == NULL) {
		printf("  resolver: %s\n", err);
		unlink(path);
	}
	return res;
}

static const dmarc_fetch *
walk_fetch(dns_resolver *r, const char *name, dmarc_fetch *f)
{
	char q[DMARC_DOMAIN_BUF + 8];
	dns_answer *a;

	snprintf(q, sizeof(q), "_dmarc.%s", name);
	a = dns_lookup(r, q, DNS_T_TXT);
	dmarc_fetch_from_answer(a, DMARC_MODE_RFC9989, f);
	dns_answer_free(a);
	return f;
}

static void
suite_mail_dmarc_org(json_t *od, json_t *zone, const dmarc_psl *psl)
{
	json_t *c, *rules, *r;
	size_t i;
	char org[DMARC_DOMAIN_BUF], tmp[] = "/tmp/conf_dmarc_pslXXXXXX";
	char zpath[64];
	dmarc_fetch f;
	dmarc_walk w;
	dmarc_psl *xpsl;
	dns_resolver *m = mock_resolver(zone, NULL, NULL, NULL, zpath,
	    sizeof(zpath));
	FILE *fp;
	int fd;

	begin("mail-dmarc-orgdomain");
	if (m == NULL) {
		check(0, "resolver", "cannot serve the mock zone");
		end();
		return;
	}
	json_array_foreach(json_object_get(json_object_get(od,
	    "rfc9989_tree_walk"), "cases"), i, c) {
		const char *next;
		dmarc_walk_init(&w, jstr(c, "domain"));
		while ((next = dmarc_walk_next(&w)) != NULL)
			dmarc_walk_feed(&w, walk_fetch(m, next, &f));
		check(dmarc_walk_orgdomain(&w, org, sizeof(org)) == 0 &&
		    strcmp(org, jstr(c, "org")) == 0, jstr(c, "domain"), org);
	}
	json_array_foreach(json_object_get(json_object_get(od, "rfc7489_psl"),
	    "cases"), i, c)
		check(dmarc_psl_orgdomain(psl, jstr(c, "domain"), org,
		    sizeof(org)) >= 0 && strcmp(org, jstr(c, "org")) == 0,
		    jstr(c, "domain"), org);
	/* PSL exception rules, from a list written for the case */
	rules = json_object_get(json_object_get(od, "psl_exception"), "psl_rules");
	if ((fd = mkstemp(tmp)) >= 0 && (fp = fdopen(fd, "w")) != NULL) {
		json_array_foreach(rules, i, r)
			fprintf(fp, "%s\n", json_string_value(r));
		fclose(fp);
		xpsl = dmarc_psl_load(tmp, why, sizeof(why));
		unlink(tmp);
		json_array_foreach(json_object_get(json_object_get(od,
		    "psl_exception"), "cases"), i, c)
			check(xpsl != NULL && dmarc_psl_orgdomain(xpsl,
			    jstr(c, "domain"), org, sizeof(org)) >= 0 &&
			    strcmp(org, jstr(c, "org")) == 0, jstr(c, "domain"), org);
		dmarc_psl_free(xpsl);
	}
	end();
	dns_resolver_free(m);
	unlink(zpath);
}

/* One Mail::DMARC evaluation case over a zone-file resolver built from
 * its mock DNS; spfent is the SPF result to pass (or NULL). */
static int
eval_case(json_t *c, json_t *zone, json_t *spfent, dmarc_result *res)
{
	dmarc_options opt = { .mode = DMARC_MODE_RFC9989 };
	dmarc_input in = { 0 };
	dmarc_from from = { .ndomains = 1 };
	dmarc_dkim_input dk[DMARC_MAX_DKIM];
	const char *exempt[1];
	char q[DMARC_DOMAIN_BUF + 8], zpath[64];
	dns_resolver *r;
	json_t *d;
	size_t i;

	memset(dk, 0, sizeof(dk));  /* every field, temperror included */

	snprintf(from.domains[0], sizeof(from.domains[0]), "%s",
	    jstr(c, "header_from"));
	snprintf(q, sizeof(q), "_dmarc.%s", from.domains[0]);
	r = mock_resolver(jstr(c, "zone") != NULL ? zone : NULL,
	    json_object_get(c, "dns"), jstr(c, "policy") ? q : NULL,
	    jstr(c, "policy"), zpath, sizeof(zpath));
	if (r == NULL)
		return -1;
	in.from = &from;
	if (spfent != NULL) {
		in.spf_pass = strcmp(jstr(spfent, "result"), "pass") == 0;
		in.spf_domain = jstr(spfent, "domain");
		in.spf_scope = strcmp(jstr(spfent, "scope"), "helo") == 0 ?
		    DMARC_SPF_HELO : DMARC_SPF_MFROM;
	}
	json_array_foreach(json_object_get(c, "dkim"), i, d) {
		if (i == DMARC_MAX_DKIM)
			break;
		dk[i].domain = jstr(d, "domain");
		dk[i].selector = jstr(d, "selector");
		dk[i].pass = strcmp(jstr(d, "result"), "pass") == 0;
		in.ndkim = i + 1;
	}
	in.dkim = dk;
	/* the harness's local whitelist: exempt the author domain */
	if (jstr(c, "local_whitelist") != NULL) {
		exempt[0] = from.domains[0];
		opt.exempt = exempt;
		opt.nexempt = 1;
	}
	dmarc_evaluate(r, &in, &opt, res);
	dns_resolver_free(r);
	unlink(zpath);
	return 0;
}

static void
suite_mail_dmarc_eval(json_t *cases, json_t *zone)
{
	json_t *c, *exp, *s, *spfs, *reason;
	size_t i, k;
	dmarc_result res;
	const char *key, *val;

	begin("mail-dmarc-eval");
	json_array_foreach(cases, i, c) {
		const char *id = jstr(c, "id");
		int ok = 1;
		exp = json_object_get(c, "expected");
		if (json_object_get(exp, "published_rua") != NULL) {
			printf("  skip %s: aggregate report destination "
			    "verification is reporting, not evaluation\n", id);
			continue;
		}
		spfs = json_object_get(c, "spf");
		if (json_array_size(spfs) == 0) {
			ok = eval_case(c, zone, NULL, &res) == 0;
		} else {
			/* several SPF results: any aligned pass counts */
			json_array_foreach(spfs, k, s) {
				ok = eval_case(c, zone, s, &res) == 0;
				if (!ok || res.spf_aligned)
					break;
			}
		}
		json_object_foreach(exp, key, s) {
			val = json_string_value(s);
			if (strcmp(key, "result") == 0)
				ok &= strcmp(dmarc_result_name(res.result), val) == 0;
			else if (strcmp(key, "disposition") == 0)
				ok &= strcmp(dmarc_policy_name(res.disposition), val) == 0;
			else if (strcmp(key, "spf") == 0)
				ok &= res.spf_aligned == (strcmp(val, "pass") == 0);
			else if (strcmp(key, "spf_aligned") == 0)
				ok &= res.spf_aligned == json_is_true(s);
			else if (strcmp(key, "dkim_aligned") == 0)
				ok &= res.dkim_aligned == json_is_true(s);
			else if (strcmp(key, "dkim_align") == 0)
				ok &= res.dkim_aligned && (strcmp(val, "strict") == 0) ==
				    (strcasecmp(res.dkim_domain, res.from_domain) == 0);
			else if (strcmp(key, "spf_align") == 0)
				ok &= res.spf_aligned;
			else if (strcmp(key, "published_p") == 0)
				ok &= res.have_record &&
				    strcmp(dmarc_policy_name(res.record.p), val) == 0;
			else if (strcmp(key, "reason") == 0) {
				reason = json_array_get(s, 0);
				ok &= strcmp(dmarc_override_name(res.override),
				    jstr(reason, "type")) == 0;
			} else {
				printf("  %s: unknown expectation %s\n", id, key);
				ok = 0;
			}
		}
		check(ok, id, res.reason);
	}
	end();
}

static void
suite_opendmarc(void)
{
	json_t *j = load("opendmarc/cases.json"), *c;
	dmarc_psl *psl = psl_at("opendmarc/effective_tld_names.dat");
	size_t i;
	dmarc_record r;
	char org[DMARC_DOMAIN_BUF];

	if (j == NULL)
		return;
	begin("opendmarc-record");
	json_array_foreach(json_object_get(json_object_get(j, "record_parse"),
	    "cases"), i, c) {
		const char *s = jstr(c, "record"), *want = jstr(c, "status");
		/* OpenDMARC is an RFC 7489 implementation (pct, rf, ri) */
		dmarc_record_status st = parse(s, DMARC_MODE_RFC7489, &r);
		int ok;
		if (strcmp(want, "DMARC_PARSE_OKAY") == 0)
			ok = st == DMARC_RECORD_OK;
		else if (strcmp(want, "DMARC_PARSE_ERROR_EMPTY") == 0 ||
		    strcmp(want, "DMARC_PARSE_ERROR_BAD_VERSION") == 0)
			ok = st == DMARC_RECORD_NOT_DMARC;
		else
			ok = st == DMARC_RECORD_UNUSABLE;
		check(ok, s, why);
	}
	end();
	suite_from("opendmarc-from", json_object_get(json_object_get(j,
	    "from_domain_extraction"), "cases"), "raw");
	begin("opendmarc-align");
	json_array_foreach(json_object_get(json_object_get(j, "alignment"),
	    "cases"), i, c) {
		dmarc_alignment mode = strcmp(jstr(c, "mode"), "strict") == 0 ?
		    DMARC_ALIGN_STRICT : DMARC_ALIGN_RELAXED;
		int got = psl != NULL && psl_aligned(psl, jstr(c, "domain"),
		    jstr(c, "other"), mode);
		check(got == json_is_true(json_object_get(c, "aligned")),
		    jstr(c, "domain"), got ? "aligned" : "not aligned");
	}
	end();
	begin("opendmarc-orgdomain-old-psl");
	json_array_foreach(json_object_get(json_object_get(j,
	    "org_domain_old_psl"), "cases"), i, c)
		check(psl != NULL && dmarc_psl_orgdomain(psl, jstr(c, "domain"),
		    org, sizeof(org)) >= 0 && strcmp(org, jstr(c, "org")) == 0,
		    jstr(c, "domain"), org);
	end();
	dmarc_psl_free(psl);
	json_decref(j);
}

/* TXT presentation form ("a" "b") to the joined text. */
static void
unpresent(const char *s, char *out, size_t outlen)
{
	size_t n = 0;
	int inq = 0;

	if (*s != '"') {
		snprintf(out, outlen, "%s", s);
		return;
	}
	for (; *s != '\0' && n + 1 < outlen; s++) {
		if (*s == '"')
			inq = !inq;
		else if (inq)
			out[n++] = *s;
	}
	out[n] = '\0';
}

static void
suite_authheaders(void)
{
	json_t *j = load("authheaders/cases.json"), *c, *v;
	size_t i;
	const char *tag;
	dmarc_record r;
	char txt[1024];

	if (j == NULL)
		return;
	suite_from("authheaders-domain", json_object_get(json_object_get(j,
	    "get_domain_part"), "cases"), "from");
	begin("authheaders-record");
	json_array_foreach(json_object_get(json_object_get(j,
	    "answer_to_dict_doctests"), "cases"), i, c) {
		const char *s = jstr(c, "record");
		json_t *tags = json_object_get(c, "tags");
		int ok;
		unpresent(s, txt, sizeof(txt));
		ok = parse(txt, DMARC_MODE_RFC9989, &r) == DMARC_RECORD_OK;
		if (tags == NULL) {
			/* expected: the record is rejected */
			check(!ok || r.invalid == 0, s, "accepted");
			continue;
		}
		json_object_foreach(tags, tag, v) {
			const char *val = json_string_value(v);
			if (strcmp(tag, "p") == 0)
				ok &= strcmp(dmarc_policy_name(r.p), val) == 0;
			else if (strcmp(tag, "sp") == 0)
				ok &= strcmp(dmarc_policy_name(r.sp), val) == 0;
			else if (strcmp(tag, "rua") == 0)
				ok &= r.nrua == 2 && strncmp(val, r.rua[0].uri,
				    strlen(r.rua[0].uri)) == 0;
			else if (strcmp(tag, "ruf") == 0)
				ok &= r.nruf == 2 && strstr(val, r.ruf[1].uri) != NULL;
			else if (strcmp(tag, "fo") == 0)
				ok &= r.fo == DMARC_FO_1;
		}
		check(ok, s, why);
	}
	end();
	/* the full-message cases run in conf_authheaders.c */
	json_decref(j);
}

int
main(int argc, char **argv)
{
	char path[1024];
	json_t *md, *pr;
	dmarc_psl *psl;

	if (argc < 2) {
		fprintf(stderr, "usage: conf_dmarc SHARED/conformance\n");
		return 2;
	}
	dir = argv[1];
	snprintf(path, sizeof(path), "%s/dmarc", dir);
	if (access(path, R_OK) != 0) {
		printf("dmarc: skipped (%s absent)\n", path);
		return TEST_EXIT_SKIP;
	}
	suite_psl();
	psl = psl_at("psl/public_suffix_list.dat");
	if ((md = load("mail-dmarc/cases.json")) != NULL) {
		pr = json_object_get(md, "policy_record_parsing");
		suite_mail_dmarc_records(pr);
		suite_from("mail-dmarc-from", json_object_get(json_object_get(md,
		    "from_domain_extraction"), "cases"), "from");
		if (psl != NULL)
			suite_mail_dmarc_align(json_object_get(json_object_get(md,
			    "alignment_cases"), "cases"), psl);
		suite_mail_dmarc_org(json_object_get(md, "organizational_domain"),
		    json_object_get(json_object_get(md, "zone_head"), "zone"), psl);
		suite_mail_dmarc_eval(json_object_get(md, "evaluation_cases"),
		    json_object_get(json_object_get(md, "zone_head"), "zone"));
		json_decref(md);
	}
	suite_opendmarc();
	suite_authheaders();
	dmarc_psl_free(psl);
	printf("dmarc: %d unlisted failure%s\n", unlisted, unlisted == 1 ? "" : "s");
	return unlisted == 0 ? 0 : 1;
}
