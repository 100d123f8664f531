/*
 * tests/message/check_ar_build.c - the Authentication-Results writer
 * (message/ar_build.c): folding under 78 columns, quoting of header.b and
 * other non-token values, comment escaping, hostile strings, RFC 8601 2.2
 * order (reasonspec before propspecs), Received-SPF; and the round-trip
 * property over 3000 generated inputs: every header ar_build() writes
 * parses with ar_parse() back to the same methods, results, reasons and
 * properties.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/ar_build_int.h"
#include "message/ar_parse_int.h"
#include "tests/lib/check_main.h"

static spf_result spf_mf, spf_he;
static dkim_sigresult dk[3];
static const dkim_sigresult *dkp[3] = { &dk[0], &dk[1], &dk[2] };
static dmarc_result dm;
static ar_input in;
static strbuf out;

static void
setup(void)
{
	memset(&spf_mf, 0, sizeof(spf_mf));
	memset(&spf_he, 0, sizeof(spf_he));
	memset(dk, 0, sizeof(dk));
	memset(&dm, 0, sizeof(dm));
	memset(&in, 0, sizeof(in));
	sb_init(&out);
	spf_mf.code = SPF_PASS;
	spf_mf.identity = SPF_ID_MAILFROM;
	snprintf(spf_mf.domain, sizeof(spf_mf.domain), "example.com");
	snprintf(spf_mf.reason, sizeof(spf_mf.reason), "matched ip4:192.0.2.0/24");
	spf_he = spf_mf;
	spf_he.identity = SPF_ID_HELO;
	snprintf(spf_he.domain, sizeof(spf_he.domain), "mail.example.com");
	dk[0].result = DKIM_PASS;
	snprintf(dk[0].d, sizeof(dk[0].d), "example.com");
	snprintf(dk[0].i, sizeof(dk[0].i), "@example.com");
	snprintf(dk[0].s, sizeof(dk[0].s), "sel");
	snprintf(dk[0].a, sizeof(dk[0].a), "rsa-sha256");
	snprintf(dk[0].b, sizeof(dk[0].b), "ab/+c=d=");
	dk[0].key_bits = 2048;
	dm.result = DMARC_RESULT_FAIL;
	dm.have_record = 1;
	dm.record.p = DMARC_P_REJECT;
	dm.policy = DMARC_P_REJECT;
	dm.disposition = DMARC_P_REJECT;
	snprintf(dm.from_domain, sizeof(dm.from_domain), "example.com");
	snprintf(dm.reason, sizeof(dm.reason), "no aligned SPF or DKIM pass");
	in.authserv_id = "mx.example.net";
	in.spf_mailfrom = &spf_mf;
	in.spf_helo = &spf_he;
	in.helo = "mail.example.com";
	in.dkim_evaluated = 1;
	in.dkim = dkp;
	in.ndkim = 1;
	in.dmarc = &dm;
}

static void
teardown(void)
{
	sb_free(&out);
}

/* Every physical line fits in AR_FOLD_COLUMN (the first counts the field
 * name), unless it holds one unbreakable word; only CRLF WSP breaks. */
static void
assert_folded(const char *s, const char *field)
{
	size_t col = strlen(field) + 1, words = 0;
	const char *p;
	int inword = 0;

	for (p = s; ; p++) {
		if (*p == '\0' || *p == '\r') {
			ck_assert_msg(col <= AR_FOLD_COLUMN || words <= 1,
			    "line of %zu columns in:\n%s", col, s);
			if (*p == '\0')
				break;
			ck_assert_msg(p[1] == '\n' && (p[2] == '\t' ||
			    p[2] == ' '), "bad fold in %s", s);
			p += 2;
			col = 1;
			words = 0;
			inword = 0;
			continue;
		}
		ck_assert_msg(*p != '\n', "bare LF in %s", s);
		ck_assert_msg((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f,
		    "control or 8-bit octet in %s", s);
		col++;
		if (*p == ' ')
			inword = 0;
		else if (!inword) {
			inword = 1;
			words++;
		}
	}
}

static ar_header *
build_parse(void)
{
	char err[256];
	ar_header *h;

	ck_assert_int_eq(ar_build(&in, &out), 0);
	assert_folded(out.s, "Authentication-Results:");
	h = ar_parse(out.s, out.len, err, sizeof(err));
	ck_assert_msg(h != NULL, "%s: %s", err, out.s);
	return h;
}

static const char *
propval(const ar_resinfo *r, const char *ptype, const char *prop)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcmp(r->props[i].ptype, ptype) == 0 &&
		    strcmp(r->props[i].property, prop) == 0)
			return r->props[i].value;
	return NULL;
}

START_TEST(basic_shape)
{
	ar_header *h = build_parse();

	ck_assert_str_eq(h->authserv_id, "mx.example.net");
	ck_assert_uint_eq(h->nres, 4);
	ck_assert_str_eq(h->res[0].method, "spf");
	ck_assert_str_eq(propval(&h->res[0], "smtp", "mailfrom"), "example.com");
	ck_assert_str_eq(h->res[1].method, "spf");
	ck_assert_str_eq(propval(&h->res[1], "smtp", "helo"), "mail.example.com");
	ck_assert_str_eq(h->res[2].method, "dkim");
	ck_assert_str_eq(propval(&h->res[2], "header", "b"), "ab/+c=d=");
	ck_assert_str_eq(h->res[3].method, "dmarc");
	ck_assert_str_eq(h->res[3].result, "fail");
	ck_assert_str_eq(h->res[3].reason, "no aligned SPF or DKIM pass");
	ck_assert_str_eq(propval(&h->res[3], "policy", "dmarc"), "reject");
	/* header.b holds '/' '+' '=': a quoted-string (RFC 8601 2.2 pvalue) */
	ck_assert_msg(strstr(out.s, "header.b=\"ab/+c=d=\"") != NULL, "%s", out.s);
	/* comment with the published policy */
	ck_assert(strstr(out.s, "(p=reject dis=reject)") != NULL);
	ar_header_free(h);
}
END_TEST

/* RFC 8601 2.2: resinfo = methodspec [ reasonspec ] *propspec */
START_TEST(reason_before_props)
{
	const char *r, *p;

	ck_assert_int_eq(ar_build(&in, &out), 0);
	r = strstr(out.s, "reason=");
	p = strstr(out.s, "header.from=");
	ck_assert(r != NULL && p != NULL && r < p);
}
END_TEST

START_TEST(hostile_strings)
{
	ar_header *h;

	snprintf(dk[0].d, sizeof(dk[0].d), "ex\r\nX-Evil: 1;ample.com");
	snprintf(dk[0].s, sizeof(dk[0].s), "a\"b\\c;d");
	dk[0].result = DKIM_FAIL;
	snprintf(dk[0].reason, sizeof(dk[0].reason),
	    "bad (comment) \"quote\" \\slash\r\nX-Inject: yes");
	snprintf(dm.reason, sizeof(dm.reason), "%s", ")))(((; dmarc=pass");
	in.helo = "helo\r\n\tFrom: evil";
	h = build_parse();
	ck_assert(strstr(out.s, "\r\nX-") == NULL);
	ck_assert_uint_eq(h->nres, 4);      /* no result was injected */
	ck_assert_str_eq(h->res[2].result, "fail");
	ck_assert_str_eq(propval(&h->res[2], "header", "s"), "a\"b\\c;d");
	ck_assert_str_eq(propval(&h->res[2], "header", "d"),
	    "ex??X-Evil: 1;ample.com");
	ck_assert_str_eq(h->res[3].reason, ")))(((; dmarc=pass");
	ar_header_free(h);
}
END_TEST

/* arc: the sealers come from the sender: cleaned, escaped, bounded (50
 * long ones are 4 in the comment and a count), never a resinfo of their
 * own; pass has oldest-pass and the client IP, fail the reason */
START_TEST(arc_resinfo)
{
	static arc_chain c;
	ar_header *h;
	unsigned i;

	memset(&c, 0, sizeof(c));
	c.result = ARC_PASS;
	c.nsets = ARC_MAX_SETS;
	c.oldest_pass = 3;
	for (i = 0; i < ARC_MAX_SETS; i++)
		snprintf(c.sealer[i], sizeof(c.sealer[i]), "s%u-%0200u.example",
		    i, 0);
	snprintf(c.sealer[ARC_MAX_SETS - 1], sizeof(c.sealer[0]),
	    "x); dmarc=pass (\r\nX-Evil: 1");
	snprintf(c.sealer[0], sizeof(c.sealer[0]), "S48-%0200u.EXAMPLE", 0);
	in.arc = &c;
	in.remote_ip = "2001:db8::1";
	h = build_parse();
	ck_assert(strstr(out.s, "\r\nX-") == NULL);
	ck_assert_uint_eq(h->nres, 5);      /* spf, spf, dkim, arc, dmarc */
	ck_assert_str_eq(h->res[3].method, "arc");
	ck_assert_str_eq(h->res[3].result, "pass");
	ck_assert_str_eq(propval(&h->res[3], "header", "oldest-pass"), "3");
	ck_assert_str_eq(propval(&h->res[3], "smtp", "remote-ip"),
	    "2001:db8::1");
	ck_assert_str_eq(h->res[4].method, "dmarc");
	/* newest first, each once (S48 is s48 twice), 4 then a count */
	ck_assert_msg(strstr(out.s, "and 45 more") != NULL, "%s", out.s);
	ck_assert(out.len < 2048);
	ar_header_free(h);
	sb_reset(&out);
	c.result = ARC_FAIL;
	snprintf(c.reason, sizeof(c.reason), "ARC-Seal i=2: \"bad\"");
	h = build_parse();
	ck_assert_str_eq(h->res[3].result, "fail");
	ck_assert_str_eq(h->res[3].reason, "ARC-Seal i=2: \"bad\"");
	ck_assert_ptr_null(propval(&h->res[3], "header", "oldest-pass"));
	ar_header_free(h);
}
END_TEST

START_TEST(long_values_fold)
{
	ar_header *h;
	size_t i;

	in.ndkim = 3;
	for (i = 0; i < 3; i++) {
		dk[i] = dk[0];
		snprintf(dk[i].d, sizeof(dk[i].d), "a-rather-long-sub%zu.of."
		    "a-long-organisation-name.example", i);
		dk[i].result = DKIM_FAIL;
		snprintf(dk[i].reason, sizeof(dk[i].reason), "signature did "
		    "not verify: the body hash  does not match (body was "
		    "changed in transit %zu)", i);
	}
	h = build_parse();
	ck_assert_uint_eq(h->nres, 6);
	ck_assert_str_eq(h->res[3].reason, "signature did not verify: the "
	    "body hash  does not match (body was changed in transit 1)");
	ar_header_free(h);
}
END_TEST

START_TEST(skipped_forms)
{
	ar_header *h;

	memset(&in, 0, sizeof(in));
	in.authserv_id = "mx.example.net";
	in.none = 1;
	h = build_parse();
	ck_assert_int_eq(h->none, 1);
	ar_header_free(h);
	in.none = 0;
	in.auth_user = "alice@example.com";
	h = build_parse();
	ck_assert_str_eq(h->res[0].method, "auth");
	ck_assert_str_eq(propval(&h->res[0], "smtp", "auth"), "alice@example.com");
	ar_header_free(h);
}
END_TEST

START_TEST(received_spf)
{
	spf_mf.code = SPF_FAIL;
	snprintf(spf_mf.sender, sizeof(spf_mf.sender), "a@example.com");
	snprintf(spf_mf.mechanism, sizeof(spf_mf.mechanism), "-all");
	ck_assert_int_eq(received_spf_build(&spf_mf, "192.0.2.9",
	    "h\r\nX: y", "mx.example.net", &out), 0);
	assert_folded(out.s, "Received-SPF:");
	ck_assert(strncmp(out.s, " fail (mx.example.net: ", 23) == 0);
	ck_assert(strstr(out.s, "client-ip=192.0.2.9;") != NULL);
	ck_assert(strstr(out.s, "envelope-from=a@example.com;") != NULL);
	ck_assert(strstr(out.s, "identity=mailfrom") != NULL);
	ck_assert(strstr(out.s, "\r\nX") == NULL);
	ck_assert(out.s[out.len - 1] != ';');
}
END_TEST

/* ---- the round-trip property ---- */

static uint32_t rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

/* Printable strings biased to the characters that need care. */
static void
rstr(char *buf, size_t size, int allow_empty)
{
	static const char hard[] = " ;()\"\\=/+@.-_<>,:[]?";
	size_t n = rnd((uint32_t)(size > 40 ? 40 : size - 1)), i;

	if (n == 0 && !allow_empty)
		n = 1;
	for (i = 0; i < n; i++)
		buf[i] = rnd(3) == 0 ? hard[rnd(sizeof(hard) - 1)] :
		    (char)('a' + rnd(26));
	buf[n] = '\0';
}

START_TEST(round_trip_property)
{
	int iter;
	static const dkim_result dres[] = { DKIM_PASS, DKIM_FAIL,
	    DKIM_NEUTRAL, DKIM_POLICY, DKIM_TEMPERROR, DKIM_PERMERROR };
	static const spf_code scodes[] = { SPF_NONE, SPF_NEUTRAL, SPF_PASS,
	    SPF_FAIL, SPF_SOFTFAIL, SPF_TEMPERROR, SPF_PERMERROR };
	char helo[64];

	for (iter = 0; iter < 3000; iter++) {
		ar_header *h;
		size_t i, k = 0;
		char err[256];

		spf_mf.code = scodes[rnd(7)];
		rstr(spf_mf.domain, sizeof(spf_mf.domain), 0);
		rstr(spf_mf.reason, 60, 1);
		spf_he.code = scodes[rnd(7)];
		rstr(helo, sizeof(helo), 0);
		in.helo = helo;
		in.spf_mailfrom = rnd(4) ? &spf_mf : NULL;
		in.spf_helo = rnd(4) ? &spf_he : NULL;
		in.ndkim = rnd(4);
		for (i = 0; i < in.ndkim; i++) {
			dk[i].result = dres[rnd(6)];
			rstr(dk[i].d, 40, 0);
			rstr(dk[i].i, 40, 1);
			rstr(dk[i].s, 40, 1);
			rstr(dk[i].b, sizeof(dk[i].b), 1);
			rstr(dk[i].reason, 60, 1);
			dk[i].key_bits = rnd(2) ? 1024 : 0;
		}
		dm.result = (dmarc_result_code)rnd(5);
		rstr(dm.from_domain, 40, 1);
		rstr(dm.reason, 80, 1);
		in.dmarc = rnd(5) ? &dm : NULL;

		ck_assert_int_eq(ar_build(&in, &out), 0);
		assert_folded(out.s, "Authentication-Results:");
		h = ar_parse(out.s, out.len, err, sizeof(err));
		ck_assert_msg(h != NULL, "iteration %d: %s: %s", iter, err, out.s);
		if (in.spf_mailfrom != NULL) {
			ck_assert_str_eq(h->res[k].method, "spf");
			ck_assert_str_eq(h->res[k].result,
			    spf_code_name(spf_mf.code));
			ck_assert_str_eq(propval(&h->res[k], "smtp", "mailfrom"),
			    spf_mf.domain);
			k++;
		}
		if (in.spf_helo != NULL) {
			ck_assert_str_eq(h->res[k].method, "spf");
			ck_assert_str_eq(propval(&h->res[k], "smtp", "helo"), helo);
			k++;
		}
		if (in.ndkim == 0) {
			ck_assert_str_eq(h->res[k].method, "dkim");
			ck_assert_str_eq(h->res[k++].result, "none");
		}
		for (i = 0; i < in.ndkim; i++, k++) {
			const char *v;

			ck_assert_str_eq(h->res[k].method, "dkim");
			ck_assert_str_eq(h->res[k].result,
			    dkim_result_name(dk[i].result));
			if (dk[i].result != DKIM_PASS)
				ck_assert_str_eq(h->res[k].reason, dk[i].reason);
			ck_assert_str_eq(propval(&h->res[k], "header", "d"),
			    dk[i].d);
			v = propval(&h->res[k], "header", "b");
			if (dk[i].b[0] != '\0')
				ck_assert_msg(v != NULL && strcmp(v, dk[i].b) == 0,
				    "b=%s got %s in %s", dk[i].b, v, out.s);
			v = propval(&h->res[k], "header", "s");
			if (dk[i].s[0] != '\0')
				ck_assert_str_eq(v, dk[i].s);
		}
		if (in.dmarc != NULL) {
			ck_assert_str_eq(h->res[k].method, "dmarc");
			ck_assert_str_eq(h->res[k].result,
			    dmarc_result_name(dm.result));
			if (dm.result != DMARC_RESULT_PASS)
				ck_assert_str_eq(h->res[k].reason, dm.reason);
			if (dm.from_domain[0] != '\0')
				ck_assert_str_eq(propval(&h->res[k], "header",
				    "from"), dm.from_domain);
			k++;
		}
		ck_assert_uint_eq(h->nres, k);
		ar_header_free(h);
	}
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("ar_build");
	TCase *tc = tcase_create("ar_build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, basic_shape);
	tcase_add_test(tc, reason_before_props);
	tcase_add_test(tc, hostile_strings);
	tcase_add_test(tc, arc_resinfo);
	tcase_add_test(tc, long_values_fold);
	tcase_add_test(tc, skipped_forms);
	tcase_add_test(tc, received_spf);
	tcase_add_test(tc, round_trip_property);
	suite_add_tcase(s, tc);
	return s;
}
