/*
 * tests/dkim/check_arc_seal.c - the ARC sealer of dkim/arc.h (RFC 8617
 * 5.1): what it adds to a message without a chain (i=1 cv=none, AMS
 * relaxed/relaxed with From over-signed and DKIM-Signature but never
 * Authentication-Results signed), that the set validates (dkim/arc.c
 * over a zone file served by the real resolver) for RSA and Ed25519 and
 * that a seal over a passing chain validates (i=2 cv=pass); when it
 * must not seal (newest cv=fail, 50 sets: 0, nothing added); what it
 * refuses (a chain result that is not the message's, a bad AAR payload,
 * an ARC field in the header list, no From, calls out of order); the
 * list of arc_seal_headers (arc_seal_headers_parse()).
 * The signing suite's vectors are conf_arc_sign's; dkimpy's view is
 * arc_seal_crosscheck.sh's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim/arc.h"
#include "tests/lib/check_main.h"
#include "tests/lib/testzone.h"

#define MAXF (3 * (ARC_MAX_SETS + 1) + 16)

typedef struct msg {
	char name[MAXF][40];
	char value[MAXF][2048];
	size_t n;
} msg;

static const char body[] = "Hello list,\r\nthis  body\t has spaces \r\n\r\n";

static void
add(msg *m, const char *name, const char *value)
{
	ck_assert_uint_lt(m->n, MAXF);
	snprintf(m->name[m->n], sizeof(m->name[0]), "%s", name);
	snprintf(m->value[m->n++], sizeof(m->value[0]), "%s", value);
}

static void
base(msg *m)
{
	m->n = 0;
	add(m, "Authentication-Results", " list.example; spf=pass");
	add(m, "From", " Alice <alice@origin.example>");
	add(m, "To", " list@list.example");
	add(m, "Subject", " sealing");
	add(m, "DKIM-Signature", " v=1; a=rsa-sha256; d=origin.example; "
	    "s=x; h=from; bh=dGVzdA==; b=dGVzdA==");
}

/* The sealed fields put on top of m (they come AS, AMS, AAR). */
static void
prepend(msg *m, const strbuf *fields)
{
	msg tmp = *m;
	const char *p = fields->s, *e, *c;
	size_t k;

	m->n = 0;
	while (p < fields->s + fields->len) {
		for (e = p; e + 2 < fields->s + fields->len && !(e[0] == '\r' &&
		    e[1] == '\n' && e[2] != ' ' && e[2] != '\t'); e++)
			;
		c = memchr(p, ':', (size_t)(e - p));
		ck_assert_ptr_nonnull(c);
		snprintf(m->name[m->n], sizeof(m->name[0]), "%.*s",
		    (int)(c - p), p);
		snprintf(m->value[m->n++], sizeof(m->value[0]), "%.*s",
		    (int)(e - c - 1), c + 1);
		p = e + 2;
	}
	for (k = 0; k < tmp.n; k++)
		add(m, tmp.name[k], tmp.value[k]);
}

static arc_sealer *
sealer(const dkim_privkey *key, const char *sel)
{
	arc_seal_options o;
	char err[200];
	arc_sealer *s;

	arc_seal_options_init(&o);
	o.domain = "list.example";
	o.selector = sel;
	o.key = key;
	s = arc_sealer_new(&o, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	return s;
}

/* Feeds m (and body) to s and, if v, to v; the chain v found. */
static const arc_chain *
feed(const msg *m, arc_sealer *s, arc_verifier *v)
{
	size_t k;

	for (k = 0; k < m->n; k++) {
		if (s != NULL)
			ck_assert_int_eq(arc_sealer_header(s, m->name[k],
			    strlen(m->name[k]), m->value[k],
			    strlen(m->value[k])), 0);
		if (v != NULL)
			ck_assert_int_eq(arc_header(v, m->name[k],
			    strlen(m->name[k]), m->value[k],
			    strlen(m->value[k])), 0);
	}
	if (s != NULL) {
		ck_assert_int_eq(arc_sealer_eoh(s), 0);
		ck_assert_int_eq(arc_sealer_body(s, body, sizeof(body) - 1), 0);
	}
	if (v == NULL)
		return NULL;
	ck_assert_int_eq(arc_eoh(v), 0);
	ck_assert_int_eq(arc_body(v, body, sizeof(body) - 1), 0);
	ck_assert_int_eq(arc_eom(v), 0);
	return arc_chain_result(v);
}

static int
seal(const msg *m, const dkim_privkey *key, const arc_chain *c,
    const char *aar, strbuf *out, char *why, size_t wl)
{
	arc_sealer *s = sealer(key, "s");
	int rc;

	feed(m, s, NULL);
	rc = arc_sealer_finish(s, c, aar, strlen(aar), out);
	snprintf(why, wl, "%s", arc_sealer_error(s));
	arc_sealer_free(s);
	return rc;
}

static const arc_chain none_chain = { ARC_NONE, 0, 0, "", { "" } };

START_TEST(seal_without_chain)
{
	dkim_privkey *key;
	char err[200];
	msg m;
	strbuf out;

	key = dkim_privkey_generate(DKIM_PRIVKEY_ED25519, 0, err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	base(&m);
	sb_init(&out);
	ck_assert_int_eq(seal(&m, key, &none_chain, "list.example; spf=pass",
	    &out, err, sizeof(err)), 1);
	ck_assert_str_eq(err, "sealed i=1 cv=none");
	ck_assert_ptr_nonnull(strstr(out.s, "ARC-Seal: a=ed25519-sha256;\r\n b="));
	ck_assert_ptr_nonnull(strstr(out.s, "; cv=none; d=list.example; i=1; "
	    "s=s; t="));
	ck_assert_ptr_nonnull(strstr(out.s, "c=relaxed/relaxed; "));
	/* From over-signed, DKIM-Signature signed, never AR (4.1.2) */
	ck_assert_ptr_nonnull(strstr(out.s, "h=from:from:to:to:cc:subject:subject:"));
	ck_assert_ptr_nonnull(strstr(out.s, "dkim-signature;"));
	ck_assert_ptr_null(strstr(out.s, "authentication-results"));
	ck_assert_ptr_nonnull(strstr(out.s, "\r\nARC-Authentication-Results: "
	    "i=1; list.example; spf=pass\r\n"));
	ck_assert(strncmp(out.s, "ARC-Seal:", 9) == 0);
	sb_free(&out);
	dkim_privkey_free(key);
}
END_TEST

/* Seal (i=1), validate, seal again (i=2 cv=pass), validate: both pass,
 * and a changed body fails, over a zone with the key. */
static void
round_trip(int type)
{
	dkim_privkey *key;
	char err[200], zpath[256];
	strbuf rec, out;
	FILE *fp;
	dns_resolver *r;
	dkim_options o;
	arc_verifier *v;
	const arc_chain *c;
	arc_sealer *s;
	msg m;
	unsigned i;

	key = dkim_privkey_generate(type, 2048, err, sizeof(err));
	ck_assert_ptr_nonnull(key);
	sb_init(&rec);
	ck_assert_int_eq(dkim_privkey_record(key, &rec), 0);
	fp = testzone_create(zpath, sizeof(zpath), "check_arc_seal");
	ck_assert_ptr_nonnull(fp);
	testzone_txt(fp, "s._domainkey.list.example", rec.s, rec.len);
	fclose(fp);
	r = testzone_resolver(zpath, 2000, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	dkim_options_init(&o);
	base(&m);
	for (i = 1; i <= 2; i++) {
		sb_init(&out);
		v = arc_verifier_new(r, &o);
		s = sealer(key, "s");
		c = feed(&m, s, v);
		ck_assert_int_eq(c->result, i == 1 ? ARC_NONE : ARC_PASS);
		ck_assert_int_eq(arc_sealer_finish(s, c, "list.example; arc=x",
		    19, &out), 1);
		ck_assert_ptr_nonnull(strstr(out.s, i == 1 ? "cv=none" :
		    "cv=pass"));
		arc_sealer_free(s);
		arc_verifier_free(v);
		prepend(&m, &out);
		sb_free(&out);
		v = arc_verifier_new(r, &o);
		c = feed(&m, NULL, v);
		ck_assert_msg(c->result == ARC_PASS && c->nsets == i,
		    "i=%u: %s", i, c->reason);
		arc_verifier_free(v);
	}
	/* the body changed: the newest AMS fails */
	v = arc_verifier_new(r, &o);
	for (i = 0; i < m.n; i++)
		(void)arc_header(v, m.name[i], strlen(m.name[i]), m.value[i],
		    strlen(m.value[i]));
	(void)arc_eoh(v);
	(void)arc_body(v, "Hello LIST\r\n", 12);
	(void)arc_eom(v);
	ck_assert_int_eq(arc_chain_result(v)->result, ARC_FAIL);
	arc_verifier_free(v);
	dns_resolver_free(r);
	unlink(zpath);
	sb_free(&rec);
	dkim_privkey_free(key);
}

START_TEST(round_trip_rsa)
{
	round_trip(DKIM_PRIVKEY_RSA);
}
END_TEST

START_TEST(round_trip_ed25519)
{
	round_trip(DKIM_PRIVKEY_ED25519);
}
END_TEST

/* An ARC set of instance i with the given cv= (not signed: only the
 * sealer's own checks read it). */
static void
add_set(msg *m, unsigned i, const char *cv)
{
	char v[200];

	snprintf(v, sizeof(v), " i=%u; a.example; spf=pass", i);
	add(m, "ARC-Authentication-Results", v);
	snprintf(v, sizeof(v), " i=%u; a=rsa-sha256; d=a.example; s=s; "
	    "h=from; bh=dGVzdA==; b=dGVzdA==", i);
	add(m, "ARC-Message-Signature", v);
	snprintf(v, sizeof(v), " i=%u; a=rsa-sha256; cv=%s; d=a.example; "
	    "s=s; b=dGVzdA==", i, cv);
	add(m, "ARC-Seal", v);
}

START_TEST(not_sealed)
{
	dkim_privkey *key;
	char err[200];
	msg m;
	strbuf out;
	arc_chain fail = { ARC_FAIL, 2, 0, "x", { "" } };
	unsigned i;

	key = dkim_privkey_generate(DKIM_PRIVKEY_ED25519, 0, err, sizeof(err));
	base(&m);
	add_set(&m, 2, "fail");
	add_set(&m, 1, "none");
	sb_init(&out);
	ck_assert_int_eq(seal(&m, key, &fail, "list.example; arc=fail", &out,
	    err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "cv=fail (RFC 8617 5.1 step 1)"));
	ck_assert_uint_eq(out.len, 0);
	/* a failed chain whose newest seal does not say fail: sealed
	 * cv=fail as i=3 */
	base(&m);
	add_set(&m, 2, "pass");
	add_set(&m, 1, "none");
	ck_assert_int_eq(seal(&m, key, &fail, "list.example; arc=fail", &out,
	    err, sizeof(err)), 1);
	ck_assert_str_eq(err, "sealed i=3 cv=fail");
	sb_truncate(&out, 0);
	/* 50 sets: no 51st (RFC 8617 4.2.1) */
	base(&m);
	for (i = ARC_MAX_SETS; i >= 1; i--)
		add_set(&m, i, i == 1 ? "none" : "pass");
	fail.nsets = ARC_MAX_SETS;
	ck_assert_int_eq(seal(&m, key, &fail, "list.example; arc=fail", &out,
	    err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "already has 50 sets"));
	ck_assert_uint_eq(out.len, 0);
	sb_free(&out);
	dkim_privkey_free(key);
}
END_TEST

START_TEST(refused)
{
	dkim_privkey *key;
	char err[200], big[ARC_SEAL_MAX_AAR + 64];
	msg m;
	strbuf out;
	arc_chain pass = { ARC_PASS, 1, 1, "x", { "" } };
	arc_seal_options o;
	dkim_sign_headers h;
	arc_sealer *s;

	key = dkim_privkey_generate(DKIM_PRIVKEY_ED25519, 0, err, sizeof(err));
	sb_init(&out);
	/* a chain result that is not this message's */
	base(&m);
	ck_assert_int_eq(seal(&m, key, &pass, "list.example; arc=pass", &out,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not this message's"));
	add_set(&m, 1, "none");
	ck_assert_int_eq(seal(&m, key, &none_chain, "list.example; arc=none",
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "has ARC fields"));
	pass.nsets = 2;
	ck_assert_int_eq(seal(&m, key, &pass, "list.example; arc=pass", &out,
	    err, sizeof(err)), -1);
	/* AAR payloads */
	base(&m);
	ck_assert_int_eq(seal(&m, key, &none_chain, " \r\n", &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	ck_assert_int_eq(seal(&m, key, &none_chain, "a.example; spf=pass\r\n"
	    "X-Injected: yes", &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not followed by white space"));
	ck_assert_int_eq(seal(&m, key, &none_chain, "a.example; spf=pass\r"
	    "dkim=pass", &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "control character 0x0d"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(seal(&m, key, &none_chain, big, &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "local limit"));
	/* LF folding becomes CRLF */
	ck_assert_int_eq(seal(&m, key, &none_chain, "a.example; spf=pass;\n"
	    "\tdkim=pass\n", &out, err, sizeof(err)), 1);
	ck_assert_ptr_nonnull(strstr(out.s, "i=1; a.example; spf=pass;\r\n"
	    "\tdkim=pass\r\n"));
	sb_truncate(&out, 0);
	/* no From */
	m.n = 0;
	add(&m, "To", " x@y.example");
	ck_assert_int_eq(seal(&m, key, &none_chain, "a.example; spf=pass",
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no From"));
	ck_assert_uint_eq(out.len, 0);
	/* an ARC field or AR in the list; a bad domain */
	arc_seal_options_init(&o);
	o.domain = "list.example";
	o.selector = "s";
	o.key = key;
	ck_assert_int_eq(dkim_sign_headers_parse("from:arc-seal", &h, err,
	    sizeof(err)), 0);
	o.headers = &h;
	ck_assert_ptr_null(arc_sealer_new(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "arc-seal is never signed"));
	o.headers = NULL;
	o.domain = "bad domain";
	ck_assert_ptr_null(arc_sealer_new(&o, err, sizeof(err)));
	/* out of order */
	s = sealer(key, "s");
	ck_assert_int_eq(arc_sealer_body(s, "x", 1), -1);
	ck_assert_int_eq(arc_sealer_finish(s, &none_chain, "a; b=c", 6, &out),
	    -1);
	arc_sealer_free(s);
	sb_free(&out);
	dkim_privkey_free(key);
}
END_TEST

/* arc_seal_headers_parse(): the AMS list of the arc_seal_headers key -
 * read as a DKIM list (lowercased, duplicates dropped, From added) but
 * DKIM-Signature kept; the ARC fields and Authentication-Results, in any
 * case, refused; a bad name refused as the DKIM list refuses it. */
START_TEST(headers_parse)
{
	dkim_sign_headers h;
	char err[200], big[DKIM_SIGN_MAX_NAME + 8];

	ck_assert_int_eq(arc_seal_headers_parse("Subject, DKIM-Signature:"
	    "subject", &h, err, sizeof(err)), 0);
	ck_assert_uint_eq(h.n, 3);
	ck_assert_str_eq(h.name[0], "from");
	ck_assert_str_eq(h.name[1], "subject");
	ck_assert_str_eq(h.name[2], "dkim-signature");
	/* the DKIM signer's own list never takes it */
	ck_assert_int_eq(dkim_sign_headers_parse("DKIM-Signature", &h, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(arc_seal_headers_parse("from:ARC-Seal", &h, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "arc-seal is never signed by an "
	    "ARC-Message-Signature"));
	ck_assert_int_eq(arc_seal_headers_parse("arc-message-signature", &h,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(arc_seal_headers_parse("Arc-Authentication-Results",
	    &h, err, sizeof(err)), -1);
	ck_assert_int_eq(arc_seal_headers_parse("Authentication-Results", &h,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "authentication-results is never"));
	ck_assert_int_eq(arc_seal_headers_parse("from;to", &h, err,
	    sizeof(err)), -1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(arc_seal_headers_parse(big, &h, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "a name over"));
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("arc_seal");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, seal_without_chain);
	tcase_add_test(tc, round_trip_rsa);
	tcase_add_test(tc, round_trip_ed25519);
	tcase_add_test(tc, not_sealed);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, headers_parse);
	suite_add_tcase(s, tc);
	return s;
}
