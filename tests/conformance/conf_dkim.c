/*
 * tests/conformance/conf_dkim.c - runs the public DKIM suites in
 * $1/dkim/ (see /work/shared/conformance/README.md section 2) through
 * the verifier, with real libunbound serving a zone file built from each
 * suite's DNS data (TIMEOUT / SERVFAIL through dns_resolver_add_fault).
 *
 * Suites: RFC 8463 A.3 (both pass), RFC 6376 Appendix A (negative),
 * canonicalization vectors, OpenDKIM verify and sign vectors, dkimpy fixed
 * vectors, the Mail::DKIM corpus. Where a public expectation predates the
 * current RFCs the runner expects the RFC's answer: by rule (RFC 8301 for
 * rsa-sha1 and small keys under the default options, DomainKeys messages
 * are not DKIM) or by the table `deviations` below, each with its reason.
 * Prints "dkim/SUITE: N passed, N failed" per suite; exits 1 on any
 * failure, 0 with a skip line when $1/dkim is absent.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "dkim/dkim_sig_int.h"
#include "message/message.h"
#include "util/base64.h"
#include "util/strbuf.h"
#include "tests/lib/test_exit.h"
#include "tests/lib/testzone.h"

#include <openssl/evp.h>

/* Public expectations that differ from the current RFCs: what we expect. */
static const struct deviation {
	const char *suite, *id, *expect, *why;
} deviations[] = {
#define PRE_V1 "pre-RFC draft signature without v=1 (RFC 6376 3.5: v= REQUIRED, \"1\")"
	{ "mail-dkim", "good_ietf00_1", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf00_2", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf00_3", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf00_4", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf00_5", "invalid", PRE_V1 },
	{ "mail-dkim", "mine_ietf01_1", "invalid", PRE_V1 },
	{ "mail-dkim", "mine_ietf01_2", "invalid", PRE_V1 },
	{ "mail-dkim", "mine_ietf01_3", "invalid", PRE_V1 },
	{ "mail-dkim", "mine_ietf01_4", "invalid", PRE_V1 },
	{ "mail-dkim", "mine_ietf05_1", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf01_1", "invalid", PRE_V1 },
	{ "mail-dkim", "good_ietf01_2", "invalid", PRE_V1 },
	{ "mail-dkim", "multiple_1", "invalid", PRE_V1 },
	{ "mail-dkim", "bad_ietf01_1", "invalid", PRE_V1 },
	{ "mail-dkim", "bad_ietf01_2", "invalid", PRE_V1 },
	{ "mail-dkim", "bad_ietf01_3", "invalid", PRE_V1 },
	{ "mail-dkim", "bad_1", "invalid", PRE_V1 },
	{ "mail-dkim", "no_body_1", "invalid", PRE_V1 },
	{ "mail-dkim", "no_body_2", "invalid", PRE_V1 },
	{ "mail-dkim", "no_body_3", "invalid", PRE_V1 },
#define G_TAG "key g= is ignored since RFC 6376 (3.6.1 lists no g=; unknown tags MUST be ignored) and the signature verifies"
	{ "mail-dkim", "badkey_8", "pass", G_TAG },
	{ "mail-dkim", "badkey_9", "pass", G_TAG },
	{ "mail-dkim", "badkey_12", "pass", G_TAG },
	{ "mail-dkim", "badkey_13", "pass", G_TAG },
	{ "opendkim", "t-test76", "invalid", "a malformed signature is a PERMFAIL (RFC 6376 6.1.1; RFC 8601 permerror), not \"no signature\"" },
	{ "opendkim", "t-test81", "invalid", "key t=s and i=@sub.example.com: i= domain MUST equal d= (RFC 6376 3.6.1 t=s)" },
	{ "opendkim", "t-test90", "fail", "signed with OpenDKIM's FIXCRLF (lone CR/LF as CRLF); as transmitted the lone CR is body content (RFC 6376 3.4.3/3.4.4), so the body hash differs" },
	{ "opendkim", "t-test91", "fail", "signed with OpenDKIM's FIXCRLF (lone CR/LF as CRLF); as transmitted the lone CR is body content (RFC 6376 3.4.3/3.4.4), so the body hash differs" },
	{ NULL, NULL, NULL, NULL },
};

static const char *base;      /* $1/dkim */
static int total_failed;

typedef struct suite {
	const char *name;
	int passed, failed;
} suite;

static void
outcome(suite *s, int ok, const char *id, const char *fmt, const char *got,
    const char *want)
{
	if (ok) {
		s->passed++;
		return;
	}
	s->failed++;
	printf("  FAIL %s %s: got %s, want %s%s\n", s->name, id, got, want,
	    fmt ? fmt : "");
}

static void
suite_end(suite *s)
{
	printf("dkim/%s: %d passed, %d failed\n", s->name, s->passed, s->failed);
	total_failed += s->failed;
}

static char *
path_of(const char *rel)
{
	strbuf sb;

	sb_init(&sb);
	sb_printf(&sb, "%s/%s", base, rel);
	return sb_steal(&sb);
}

static int
read_file(const char *path, strbuf *out)
{
	FILE *fp = fopen(path, "rb");
	char buf[65536];
	size_t n;

	if (fp == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_append(out, buf, n);
	fclose(fp);
	return out->failed ? -1 : 0;
}

/* ---- zone files ---- */

typedef struct fault {
	char name[300];
	dns_status st;
} fault;

/*
 * Writes a zone file from {name: [record...]} where a record is
 * {"TXT": "s"} or {"TXT": ["s1", ...]} or "TIMEOUT" / "SERVFAIL".
 */
static dns_resolver *
make_resolver(json_t *zone, char *zpath, size_t zlen)
{
	const char *name;
	json_t *recs, *rec;
	size_t k, nf = 0;
	fault faults[64];
	FILE *fp;
	int fd;
	dns_config cfg;
	dns_resolver *r;
	char err[512];

	snprintf(zpath, zlen, "/tmp/conf_dkim_zone_XXXXXX");
	if ((fd = mkstemp(zpath)) < 0 || (fp = fdopen(fd, "w")) == NULL)
		return NULL;
	fprintf(fp, ". 3600 IN SOA ns.invalid. hostmaster.invalid. 1 3600 600 "
	    "86400 300\n. 3600 IN NS ns.invalid.\n");
	json_object_foreach(zone, name, recs) {
		if (!json_is_array(recs))
			continue;
		json_array_foreach(recs, k, rec) {
			json_t *t = json_object_get(rec, "TXT");

			if (json_is_string(rec) && nf < 64) {
				snprintf(faults[nf].name, sizeof(faults[nf].name),
				    "%s", name);
				faults[nf++].st = DNS_TEMPFAIL;
			} else if (json_is_string(t)) {
				testzone_txt(fp, name, json_string_value(t),
				    json_string_length(t));
			} else if (json_is_array(t)) {
				strbuf sb;
				size_t j;
				json_t *part;

				sb_init(&sb);
				json_array_foreach(t, j, part)
					sb_append(&sb, json_string_value(part),
					    json_string_length(part));
				testzone_txt(fp, name, sb.s, sb.len);
				sb_free(&sb);
			}
		}
	}
	fclose(fp);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = zpath;
	cfg.trust_anchor_file = "";
	cfg.timeout_ms = 2000;
	r = dns_resolver_new(&cfg, err, sizeof(err));
	if (r == NULL) {
		printf("  resolver: %s\n", err);
		return NULL;
	}
	for (k = 0; k < nf; k++)
		dns_resolver_add_fault(r, faults[k].name, DNS_T_TXT, faults[k].st);
	return r;
}

/* ---- running the verifier ---- */

typedef struct run {
	size_t n;
	dkim_result res[16];
	char reason[16][DKIM_MAX_REASON];
} run;

/*
 * One key cache for the whole run: each suite runs twice (two option
 * sets) over one zone, so the second pass verifies with cached keys and
 * must give the same answers.
 */
static dkim_keycache *keycache;

static int
verify_message(dns_resolver *r, const dkim_options *o, const char *raw,
    size_t len, run *out)
{
	dkim_verifier *v;
	dkim_options oc = *o;
	size_t k;
	char err[128];

	memset(out, 0, sizeof(*out));
	oc.keycache = keycache;
	if ((v = dkim_verifier_new(r, &oc)) == NULL)
		return -1;
	if (dkim_msg_verify(v, raw, len, err, sizeof(err)) < 0) {
		dkim_verifier_free(v);
		return -1;
	}
	for (k = 0; k < dkim_count(v) && k < 16; k++) {
		const dkim_sigresult *sr = dkim_result_at(v, k);

		out->res[k] = sr->result;
		snprintf(out->reason[k], sizeof(out->reason[k]), "%s", sr->reason);
	}
	out->n = k;
	dkim_verifier_free(v);
	return 0;
}

/* Mail::DKIM words: pass / fail / invalid / none. */
static const char *
word(dkim_result r)
{
	return r == DKIM_PASS ? "pass" : r == DKIM_FAIL ? "fail" : "invalid";
}

static const char *
overall(const run *ru)
{
	size_t k;
	int fail = 0;

	if (ru->n == 0)
		return "none";
	for (k = 0; k < ru->n; k++) {
		if (ru->res[k] == DKIM_PASS)
			return "pass";
		fail |= ru->res[k] == DKIM_FAIL;
	}
	return fail ? "fail" : "invalid";
}

static const struct deviation *
deviation(const char *suitename, const char *id)
{
	const struct deviation *d;

	for (d = deviations; d->suite != NULL; d++)
		if (strcmp(d->suite, suitename) == 0 && strcmp(d->id, id) == 0)
			return d;
	return NULL;
}

static void
describe(const run *ru, char *buf, size_t len)
{
	size_t k, o = 0;

	buf[0] = '\0';
	for (k = 0; k < ru->n && o < len; k++) {
		int w = snprintf(buf + o, len - o, " [%s: %s]",
		    dkim_result_name(ru->res[k]), ru->reason[k]);

		if (w < 0)
			break;
		o += (size_t)w;
	}
}

/* ---- Mail::DKIM corpus ---- */

static int
legacy_only(json_t *sigs)
{
	size_t k, legacy = 0;
	json_t *s;

	json_array_foreach(sigs, k, s) {
		const char *a = json_string_value(json_object_get(s, "a"));
		json_int_t bits = json_integer_value(json_object_get(s, "key_bits"));

		if ((a != NULL && strcasecmp(a, "rsa-sha1") == 0) ||
		    (bits > 0 && bits < 1024 && a != NULL &&
		    strncasecmp(a, "rsa", 3) == 0))
			legacy++;
	}
	if (legacy == 0)
		return 0;
	return legacy == json_array_size(sigs) ? 1 : -1;  /* -1: mixed */
}

static void
run_maildkim(json_t *corpus, dns_resolver *r, int strict)
{
	suite s = { strict ? "mail-dkim (RFC 8301 defaults)" :
	    "mail-dkim (allow_sha1, min_rsa_bits 512)", 0, 0 };
	dkim_options o;
	json_t *msgs = json_object_get(corpus, "messages"), *m;
	size_t k;

	dkim_options_init(&o);
	if (!strict) {
		o.allow_sha1 = 1;
		o.min_rsa_bits = 512;
	}
	json_array_foreach(msgs, k, m) {
		const char *file = json_string_value(json_object_get(m, "file"));
		const char *kind = json_string_value(json_object_get(m, "signature_kind"));
		const char *want = json_string_value(json_object_get(m, "expected"));
		json_t *per = json_object_get(m, "per_signature_expected");
		char id[128], *p, detail[1024];
		const struct deviation *d;
		strbuf raw;
		run ru;
		const char *got;
		int ok;

		if (file == NULL || want == NULL)
			continue;
		snprintf(id, sizeof(id), "%s", strrchr(file, '/') ?
		    strrchr(file, '/') + 1 : file);
		if ((p = strstr(id, ".txt")) != NULL)
			*p = '\0';
		if (kind != NULL && strncmp(kind, "DomainKeys", 10) == 0) {
			want = "none";  /* RFC 4870 DomainKey-Signature: not DKIM */
			per = NULL;
		} else if ((d = deviation("mail-dkim", id)) != NULL) {
			want = d->expect;
			per = NULL;
		}
		if (strict && strcmp(want, "none") != 0) {
			int lg = legacy_only(json_object_get(m, "signatures"));

			if (lg < 0)
				continue;  /* mixed: no single RFC 8301 answer */
			if (lg == 1) {
				want = "invalid";  /* RFC 8301 3.1 / 3.2 */
				per = NULL;
			}
		}
		sb_init(&raw);
		p = path_of("mail-dkim");
		{
			char *fp = NULL;
			strbuf pb;

			sb_init(&pb);
			sb_printf(&pb, "%s/%s", p, file);
			fp = sb_steal(&pb);
			read_file(fp, &raw);
			free(fp);
		}
		free(p);
		verify_message(r, &o, raw.s, raw.len, &ru);
		sb_free(&raw);
		got = overall(&ru);
		ok = strcmp(got, want) == 0;
		if (ok && json_is_array(per)) {
			size_t j;
			json_t *e;

			json_array_foreach(per, j, e) {
				json_int_t idx = json_integer_value(json_object_get(e, "index"));
				const char *w = json_string_value(json_object_get(e, "result"));

				if (idx < 0 || (size_t)idx >= ru.n || w == NULL ||
				    strcmp(word(ru.res[idx]), w) != 0)
					ok = 0;
			}
		}
		describe(&ru, detail, sizeof(detail));
		outcome(&s, ok, id, detail, got, want);
	}
	suite_end(&s);
}

/* ---- OpenDKIM ---- */

static const char *
opendkim_want(const char *status)
{
	if (strcmp(status, "DKIM_STAT_OK") == 0)
		return "pass";
	if (strcmp(status, "DKIM_STAT_BADSIG") == 0)
		return "fail";
	if (strcmp(status, "DKIM_STAT_NOSIG") == 0)
		return "none";
	return "not pass";  /* NOKEY, REVOKED, CANTVRFY, INVALID, SYNTAX */
}

static void
run_opendkim(json_t *vec, dns_resolver *r, int strict)
{
	suite s = { strict ? "opendkim (RFC 8301 defaults)" :
	    "opendkim (allow_sha1)", 0, 0 };
	dkim_options o;
	json_t *v;
	size_t k;

	dkim_options_init(&o);
	o.allow_sha1 = !strict;
	json_array_foreach(json_object_get(vec, "vectors"), k, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *mode = json_string_value(json_object_get(v, "mode"));
		const char *want = opendkim_want(json_string_value(
		    json_object_get(v, "expected_eom_status")));
		json_t *msgj = json_object_get(v, "message");
		strbuf mail;
		run ru;
		const char *got;
		char detail[1024];
		int ok;

		sb_init(&mail);
		if (strcmp(mode, "sign") == 0) {
			sb_puts(&mail, "DKIM-Signature: ");
			sb_puts(&mail, json_string_value(json_object_get(v,
			    "expected_signature_header_value")));
			sb_puts(&mail, "\r\n");
		}
		sb_append(&mail, json_string_value(msgj), json_string_length(msgj));
		/* sign vectors were made at a fixed time (t=, x= relative to it) */
		o.now = strcmp(mode, "sign") == 0 ? 1172620939 : 0;
		{
			const struct deviation *d = deviation("opendkim", id);

			if (d != NULL)
				want = d->expect;
		}
		if (strict && strcmp(want, "none") != 0 &&
		    strstr(mail.s, "a=rsa-sha1") != NULL &&
		    strstr(mail.s, "a=rsa-sha256") == NULL)
			want = "invalid";  /* RFC 8301 3.1 */
		verify_message(r, &o, mail.s, mail.len, &ru);
		sb_free(&mail);
		got = overall(&ru);
		if (strcmp(want, "not pass") == 0)
			ok = strcmp(got, "pass") != 0 && strcmp(got, "none") != 0;
		else
			ok = strcmp(got, want) == 0;
		describe(&ru, detail, sizeof(detail));
		outcome(&s, ok, id, detail, got, want);
	}
	suite_end(&s);
}

/* ---- dkimpy fixed vectors ---- */

static void
run_dkimpy(json_t *exp)
{
	suite s = { "dkimpy", 0, 0 };
	dkim_options o;
	json_t *v;
	size_t k;

	dkim_options_init(&o);
	json_array_foreach(json_object_get(exp, "fixed_verification_vectors"), k, v) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *file = json_string_value(json_object_get(v, "message"));
		const char *dnsname = json_string_value(json_object_get(v, "dns"));
		const char *want = json_string_value(json_object_get(v, "expected"));
		json_t *zone = json_object_get(json_object_get(json_object_get(exp,
		    "dns_maps"), dnsname), "zone");
		char zpath[64], detail[1024], *p;
		dns_resolver *r;
		strbuf raw, pb;
		run ru;
		const char *got;
		int ok;

		if ((r = make_resolver(zone, zpath, sizeof(zpath))) == NULL) {
			outcome(&s, 0, id, " (resolver)", "-", want);
			continue;
		}
		sb_init(&raw);
		sb_init(&pb);
		sb_printf(&pb, "%s/dkimpy/%s", base, file);
		p = sb_steal(&pb);
		read_file(p, &raw);
		free(p);
		verify_message(r, &o, raw.s, raw.len, &ru);
		sb_free(&raw);
		dns_resolver_free(r);
		unlink(zpath);
		/* dkimpy checks the first signature only */
		got = ru.n == 0 ? "none" : dkim_result_name(ru.res[0]);
		if (strncmp(want, "no signature", 12) == 0)
			ok = ru.n == 0;
		else if (strcmp(want, "not pass") == 0)
			ok = ru.n > 0 && ru.res[0] != DKIM_PASS;
		else
			ok = strcmp(got, want) == 0;
		describe(&ru, detail, sizeof(detail));
		outcome(&s, ok, id, detail, got, want);
	}
	suite_end(&s);
}

/* ---- RFC vectors ---- */

static void
run_rfc(void)
{
	suite s = { "rfc", 0, 0 };
	static const struct {
		const char *dir, *file;
		int want_pass;   /* 1: every signature passes; 0: none does */
		size_t nsig;
	} cases[] = {
		{ "rfc8463", "appendix-a3-signed.eml", 1, 2 },
		{ "rfc6376", "appendix-a2-signed.eml", 0, 1 },
		{ "rfc6376", "appendix-a3-after-verification.eml", 0, 1 },
	};
	size_t k, j;
	dkim_options o;

	dkim_options_init(&o);
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char zpath[64], detail[1024], *p;
		strbuf pb, raw;
		json_t *zj;
		dns_resolver *r;
		run ru;
		int ok;

		sb_init(&pb);
		sb_printf(&pb, "%s/rfc/%s/zone.json", base, cases[k].dir);
		p = sb_steal(&pb);
		zj = json_load_file(p, 0, NULL);
		free(p);
		r = make_resolver(json_object_get(zj, "zone"), zpath, sizeof(zpath));
		json_decref(zj);
		if (r == NULL) {
			outcome(&s, 0, cases[k].file, " (resolver)", "-", "-");
			continue;
		}
		sb_init(&raw);
		sb_printf(&pb, "%s/rfc/%s/%s", base, cases[k].dir, cases[k].file);
		p = sb_steal(&pb);
		read_file(p, &raw);
		free(p);
		verify_message(r, &o, raw.s, raw.len, &ru);
		sb_free(&raw);
		dns_resolver_free(r);
		unlink(zpath);
		ok = ru.n == cases[k].nsig;
		for (j = 0; j < ru.n; j++)
			if ((ru.res[j] == DKIM_PASS) != cases[k].want_pass)
				ok = 0;
		describe(&ru, detail, sizeof(detail));
		outcome(&s, ok, cases[k].file, detail, overall(&ru),
		    cases[k].want_pass ? "all pass" : "none pass");
	}
	suite_end(&s);
}

#include "tests/conformance/conf_dkim_canon.h"

static json_t *
load(const char *rel)
{
	char *p = path_of(rel);
	json_error_t e;
	json_t *j = json_load_file(p, 0, &e);

	if (j == NULL)
		printf("  cannot load %s: %s\n", p, e.text);
	free(p);
	return j;
}

/* A suite whose cases need DNS: its zone served by a resolver of its
 * own, the cases run twice (permissive options, then RFC 8301 defaults). */
static void
run_dns_suite(const char *cases_file, const char *zone_file,
    void (*run_cases)(json_t *, dns_resolver *, int))
{
	json_t *j = load(cases_file), *z = NULL;
	dns_resolver *r;
	char zpath[256];

	if (j != NULL && (z = load(zone_file)) != NULL) {
		if ((r = make_resolver(json_object_get(z, "zone"), zpath,
		    sizeof(zpath))) != NULL) {
			run_cases(j, r, 0);
			run_cases(j, r, 1);
			dns_resolver_free(r);
			unlink(zpath);
		} else {
			total_failed++;
		}
	}
	json_decref(z);
	json_decref(j);
}

int
main(int argc, char **argv)
{
	strbuf b;
	json_t *j;
	const struct deviation *d;

	if (argc < 2) {
		fprintf(stderr, "usage: conf_dkim CONFORMANCE-DIR\n");
		return 2;
	}
	sb_init(&b);
	sb_printf(&b, "%s/dkim", argv[1]);
	base = b.s;
	if (access(base, R_OK) != 0) {
		printf("dkim: skipped (%s absent)\n", base);
		sb_free(&b);
		return TEST_EXIT_SKIP;
	}
	printf("dkim: %zu public expectations replaced by the RFC's answer:\n",
	    sizeof(deviations) / sizeof(deviations[0]) - 1);
	for (d = deviations; d->suite != NULL; d++)
		printf("  %s %s -> %s: %s\n", d->suite, d->id, d->expect, d->why);
	if ((keycache = dkim_keycache_new(0)) == NULL)
		return 1;
	if ((j = load("canonicalization/vectors.json")) != NULL)
		run_canon(j);
	json_decref(j);
	run_rfc();
	if ((j = load("dkimpy/expectations.json")) != NULL)
		run_dkimpy(j);
	json_decref(j);
	run_dns_suite("opendkim/vectors.json", "opendkim/keytable.json",
	    run_opendkim);
	run_dns_suite("mail-dkim/corpus.json", "mail-dkim/fake_dns.json",
	    run_maildkim);
	dkim_keycache_free(keycache);
	sb_free(&b);
	return total_failed ? 1 : 0;
}
