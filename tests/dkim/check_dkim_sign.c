/*
 * tests/dkim/check_dkim_sign.c - the DKIM signer and its private keys
 * (dkim/dkim_sign.c, dkim/dkim_privkey.c):
 * - known answers from RFC 8463 Appendix A: its Ed25519 seed gives its
 *   published public key, its message gives its body hash, and the whole
 *   field signed at its t= is pinned (that text verified by dkimpy 1.1.4
 *   against the RFC's published key record when it was recorded;
 *   Ed25519 is deterministic);
 * - RSA (PKCS#8 and traditional PEM) and Ed25519 signatures, single and
 *   dual, relaxed and simple, pass our verifier over a zone with the
 *   keys' p= values; a To added after signing fails (over-signing);
 * - h=: one name per field present, over-signed names once more, existing
 *   DKIM-Signature and Authentication-Results never signed;
 * - refusals: no From, two From, too many fields, calls out of order,
 *   RSA under 1024 bits, garbage and encrypted keys; the group/world
 *   readable warning; the header list parser's rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "dkim/dkim.h"
#include "dkim/dkim_sign.h"
#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"

/* RFC 8463 Appendix A.2 and A.3 */
#define RFC_SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="
#define RFC_PUB "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RFC_BH "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"
#define RFC_T 1528637909
static const char rfc_msg[] =
    "From: Joe SixPack <joe@football.example.com>\r\n"
    "To: Suzie Q <suzie@shopping.example.net>\r\n"
    "Subject: Is dinner ready?\r\n"
    "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    "\r\n"
    "Hi.\r\n"
    "\r\n"
    "We lost the game.  Are you hungry yet?\r\n"
    "\r\n"
    "Joe.\r\n";
/* `authmilter sign -d football.example.com -s brisbane --now 1528637909`
 * with the RFC seed; dkimpy verified it with p=RFC_PUB. */
static const char rfc_field[] =
    "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    " d=football.example.com; s=brisbane; t=1528637909; h=from:from:to:to:cc:\r\n"
    " subject:subject:date:date:reply-to:message-id:message-id:mime-version:\r\n"
    " content-type:content-transfer-encoding;\r\n"
    " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    " b=JuFJdP2BBbbvOqabIrvcIuiiIFACqhE2cyVdVkSdH0H8ZLdrWT0ZBt0ZS2cuXZmUd8OkShZhrqe\r\n"
    " QCgbLKVteDA==\r\n";

static const char tmsg[] =
    "Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=other.example; s=x; h=from; bh=; b=\n"
    "Authentication-Results: mx.example.com; dkim=none\n"
    "From: Alice <alice@example.com>\n"
    "To: Bob <bob@example.net>\n"
    "To: Carol <carol@example.net>\n"
    "Subject: signed   by\n\tthe library\n"
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
    "\n"
    "Hello   Bob,  \n\n\n";

static char *
pem_of(EVP_PKEY *pk, int traditional)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	ck_assert_ptr_nonnull(b);
	if (traditional)
		ck_assert_int_eq(PEM_write_bio_PrivateKey_traditional(b, pk, NULL,
		    NULL, 0, NULL, NULL), 1);
	else
		ck_assert_int_eq(PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0,
		    NULL, NULL), 1);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return out;
}

static dkim_privkey *
key_from(EVP_PKEY *pk, int traditional)
{
	char err[256], *pem = pem_of(pk, traditional);
	dkim_privkey *k = dkim_privkey_parse(pem, strlen(pem), err, sizeof(err));

	ck_assert_msg(k != NULL, "%s", err);
	free(pem);
	return k;
}

static EVP_PKEY *rsa_pk, *ed_pk;

/* The fields unfolded (each "\r\n " made " "), in place. */
static void
unfold(strbuf *b)
{
	size_t i, j = 0;

	for (i = 0; i < b->len; i++) {
		if (b->s[i] == '\r' && i + 2 < b->len && b->s[i + 1] == '\n' &&
		    b->s[i + 2] == ' ') {
			i += 1;
			continue;
		}
		b->s[j++] = b->s[i];
	}
	sb_truncate(b, j);
}

/* The value of tag t ("h=") in the unfolded field f, whitespace removed. */
static void
tag_value(const char *f, const char *t, strbuf *v)
{
	const char *p = strstr(f, t), *e;

	ck_assert_ptr_nonnull(p);
	e = strchr(p, ';');
	ck_assert_ptr_nonnull(e);
	for (p += strlen(t); p < e; p++)
		if (*p != ' ')
			sb_putc(v, *p);
}

static void
setup(void)
{
	rsa_pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ed_pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ck_assert_ptr_nonnull(rsa_pk);
	ck_assert_ptr_nonnull(ed_pk);
}

static void
teardown(void)
{
	EVP_PKEY_free(rsa_pk);
	EVP_PKEY_free(ed_pk);
}

/* Signs text with keys under selectors sel[]; 0 and the fields in out,
 * or -1 and the reason in err. */
static int
sign_with(const char *text, dkim_privkey **keys, const char **sel, size_t n,
    int hrel, int brel, strbuf *out, char *err, size_t errlen)
{
	dkim_sign_options o;
	dkim_sign_key sk[DKIM_SIGN_MAX_KEYS];
	dkim_signer *sg;
	size_t k;
	int rc;

	dkim_sign_options_init(&o);
	o.domain = "example.com";
	o.now = 1700000000;
	o.hdr_relaxed = hrel;
	o.body_relaxed = brel;
	for (k = 0; k < n; k++) {
		sk[k].key = keys[k];
		sk[k].selector = sel[k];
	}
	sg = dkim_signer_new(&o, sk, n, err, errlen);
	ck_assert_msg(sg != NULL, "%s", err);
	rc = dkim_msg_sign(sg, text, strlen(text), out, err, errlen);
	dkim_signer_free(sg);
	return rc;
}

START_TEST(rfc8463_known_answers)
{
	char err[256];
	dkim_privkey *k = dkim_privkey_parse(RFC_SEED "\n", strlen(RFC_SEED) + 1,
	    err, sizeof(err));
	dkim_sign_options o;
	dkim_sign_key sk;
	dkim_signer *sg;
	strbuf pub, out;

	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(dkim_privkey_type(k), DKIM_PRIVKEY_ED25519);
	ck_assert_str_eq(dkim_privkey_alg(k), "ed25519-sha256");
	sb_init(&pub);
	ck_assert_int_eq(dkim_privkey_pubvalue(k, &pub), 0);
	ck_assert_str_eq(pub.s, RFC_PUB);
	sb_free(&pub);

	dkim_sign_options_init(&o);
	o.domain = "football.example.com";
	o.selector = "brisbane";
	o.now = RFC_T;
	sk.key = k;
	sk.selector = NULL;
	sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err));
	ck_assert_msg(sg != NULL, "%s", err);
	sb_init(&out);
	ck_assert_int_eq(dkim_msg_sign(sg, rfc_msg, strlen(rfc_msg), &out, err,
	    sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(out.s, RFC_BH));
	ck_assert_str_eq(out.s, rfc_field);
	sb_free(&out);
	dkim_signer_free(sg);
	dkim_privkey_free(k);
}
END_TEST

/* Writes the zone with each key's record at SEL._domainkey.example.com. */
static dns_resolver *
zone_for(char *zpath, size_t zsize, dkim_privkey **keys, const char **sel,
    size_t n)
{
	FILE *fp = testzone_create(zpath, zsize, "check_dkim_sign");
	char err[256];
	size_t k, i;
	dns_resolver *r;

	ck_assert_ptr_nonnull(fp);
	for (k = 0; k < n; k++) {
		strbuf p, rec;

		sb_init(&p);
		sb_init(&rec);
		ck_assert_int_eq(dkim_privkey_pubvalue(keys[k], &p), 0);
		sb_printf(&rec, "v=DKIM1; k=%s; p=%s",
		    dkim_privkey_type(keys[k]) == DKIM_PRIVKEY_RSA ? "rsa" :
		    "ed25519", p.s);
		fprintf(fp, "%s._domainkey.example.com. 300 IN TXT", sel[k]);
		for (i = 0; i < rec.len; i += 250)
			fprintf(fp, " \"%.*s\"", (int)(rec.len - i < 250 ?
			    rec.len - i : 250), rec.s + i);
		fprintf(fp, "\n");
		sb_free(&p);
		sb_free(&rec);
	}
	fclose(fp);
	r = testzone_resolver(zpath, 5000, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

/* Verifies fields + text; the number of passing signatures. */
static size_t
verify(dns_resolver *r, const strbuf *fields, const char *text, size_t *nsig)
{
	dkim_options o;
	dkim_verifier *v;
	strbuf m;
	char err[256];
	size_t k, pass = 0;

	dkim_options_init(&o);
	o.now = 1700000100;
	v = dkim_verifier_new(r, &o);
	ck_assert_ptr_nonnull(v);
	sb_init(&m);
	sb_append(&m, fields->s, fields->len);
	sb_puts(&m, text);
	ck_assert_int_eq(dkim_msg_verify(v, m.s, m.len, err, sizeof(err)), 0);
	*nsig = dkim_count(v);
	for (k = 0; k < *nsig; k++)
		if (dkim_result_at(v, k)->result == DKIM_PASS)
			pass++;
	dkim_verifier_free(v);
	sb_free(&m);
	return pass;
}

START_TEST(sign_then_verify)
{
	dkim_privkey *keys[3];
	const char *sel[3] = { "rsa", "ed", "trad" };
	char zpath[64], err[256];
	dns_resolver *r;
	strbuf out;
	size_t nsig, c;
	static const int canon[3][2] = { { 1, 1 }, { 0, 0 }, { 1, 0 } };

	keys[0] = key_from(rsa_pk, 0);
	keys[1] = key_from(ed_pk, 0);
	keys[2] = key_from(rsa_pk, 1);
	ck_assert_uint_eq(dkim_privkey_bits(keys[0]), 2048);
	ck_assert_uint_eq(dkim_privkey_bits(keys[2]), 2048);
	ck_assert_uint_eq(dkim_privkey_bits(keys[1]), 256);
	r = zone_for(zpath, sizeof(zpath), keys, sel, 3);
	for (c = 0; c < 3; c++) {
		/* one signature per key, all three in one signer */
		sb_init(&out);
		ck_assert_msg(sign_with(tmsg, keys, sel, 3, canon[c][0],
		    canon[c][1], &out, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(verify(r, &out, tmsg, &nsig), 3);
		ck_assert_uint_eq(nsig, 4);  /* and the message's own, failing */
		/* a To added after signing: over-signed, every one fails */
		{
			strbuf m;

			sb_init(&m);
			sb_puts(&m, "To: eve@example.org\n");
			sb_puts(&m, tmsg);
			ck_assert_uint_eq(verify(r, &out, m.s, &nsig), 0);
			sb_free(&m);
		}
		sb_free(&out);
	}
	dns_resolver_free(r);
	unlink(zpath);
	for (c = 0; c < 3; c++)
		dkim_privkey_free(keys[c]);
}
END_TEST

START_TEST(signed_fields)
{
	dkim_privkey *k = key_from(ed_pk, 0);
	const char *sel = "ed";
	char err[256];
	strbuf out, h;

	sb_init(&out);
	ck_assert_int_eq(sign_with(tmsg, &k, &sel, 1, 1, 1, &out, err,
	    sizeof(err)), 0);
	unfold(&out);
	sb_init(&h);
	tag_value(out.s, " h=", &h);
	ck_assert_str_eq(h.s, "from:from:to:to:to:cc:subject:subject:date:date:"
	    "reply-to:message-id:mime-version:content-type:"
	    "content-transfer-encoding");
	ck_assert_ptr_null(strstr(out.s, "l="));
	ck_assert_ptr_null(strstr(out.s, "x="));
	ck_assert_ptr_nonnull(strstr(out.s, " t=1700000000;"));
	sb_free(&h);
	sb_free(&out);
	dkim_privkey_free(k);
}
END_TEST

START_TEST(custom_headers_expire_identity)
{
	dkim_privkey *k = key_from(ed_pk, 0);
	dkim_sign_headers hl;
	dkim_sign_options o;
	dkim_sign_key sk = { k, "ed" };
	dkim_signer *sg;
	char err[256];
	strbuf out;

	ck_assert_int_eq(dkim_sign_headers_parse("Subject, received", &hl, err,
	    sizeof(err)), 0);
	dkim_sign_options_init(&o);
	o.domain = "example.com";
	o.now = 1700000000;
	o.expire = 3600;
	o.identity = "alice@mail.example.com";
	o.headers = &hl;
	sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err));
	ck_assert_msg(sg != NULL, "%s", err);
	sb_init(&out);
	ck_assert_int_eq(dkim_msg_sign(sg, tmsg, strlen(tmsg), &out, err,
	    sizeof(err)), 0);
	unfold(&out);
	{
		strbuf h;

		sb_init(&h);
		tag_value(out.s, " h=", &h);
		ck_assert_str_eq(h.s, "from:from:subject:subject:received");
		sb_free(&h);
	}
	ck_assert_ptr_nonnull(strstr(out.s, " x=1700003600;"));
	ck_assert_ptr_nonnull(strstr(out.s, " i=alice@mail.example.com;"));
	sb_free(&out);
	dkim_signer_free(sg);
	/* an identity outside d= is refused */
	o.identity = "alice@example.org";
	ck_assert_ptr_null(dkim_signer_new(&o, &sk, 1, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "identity"));
	o.identity = NULL;
	o.selector = "bad selector";
	sk.selector = NULL;
	ck_assert_ptr_null(dkim_signer_new(&o, &sk, 1, err, sizeof(err)));
	dkim_privkey_free(k);
}
END_TEST

/* sign_oversign_headers: an explicit list replaces the built-in one and
 * its names are signed even when absent from the list signed (h= names
 * List-Unsubscribe once though the message has none); "none": every name
 * once per field; a bad name is refused. */
START_TEST(oversign_lists)
{
	dkim_privkey *k = key_from(ed_pk, 0);
	dkim_sign_headers hl, ol;
	dkim_sign_options o;
	dkim_sign_key sk = { k, "ed" };
	dkim_signer *sg;
	char err[256];
	strbuf out, h;
	static const struct {
		const char *over, *sign, *want;
	} c[] = {
		{ "list-unsubscribe", "from:to:subject",
		  "from:from:to:to:subject:list-unsubscribe" },
		/* Cc, Reply-To, ... absent and no longer over-signed */
		{ "To, Subject", NULL, "from:from:to:to:to:subject:subject:"
		  "date" },
		{ "none", NULL, "from:to:to:subject:date" },
		{ "none", "from:x-new", "from" },  /* X-New absent: not named */
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		dkim_sign_options_init(&o);
		o.domain = "example.com";
		o.now = 1700000000;
		ck_assert_int_eq(dkim_sign_oversign_parse(c[i].over, &ol, err,
		    sizeof(err)), 0);
		o.oversign = &ol;
		if (c[i].sign != NULL) {
			ck_assert_int_eq(dkim_sign_headers_parse(c[i].sign, &hl,
			    err, sizeof(err)), 0);
			o.headers = &hl;
		}
		sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err));
		ck_assert_msg(sg != NULL, "%s", err);
		sb_init(&out);
		ck_assert_int_eq(dkim_msg_sign(sg, tmsg, strlen(tmsg), &out,
		    err, sizeof(err)), 0);
		unfold(&out);
		sb_init(&h);
		tag_value(out.s, " h=", &h);
		ck_assert_msg(strcmp(h.s, c[i].want) == 0, "%s: %s", c[i].over,
		    h.s);
		sb_free(&h);
		sb_free(&out);
		dkim_signer_free(sg);
	}
	ck_assert_int_eq(dkim_sign_oversign_parse("from:dkim-signature", &ol,
	    err, sizeof(err)), -1);
	dkim_privkey_free(k);
}
END_TEST

START_TEST(refusals)
{
	dkim_privkey *k = key_from(ed_pk, 0);
	const char *sel = "ed";
	char err[256];
	strbuf out, many;
	dkim_sign_options o;
	dkim_sign_key sk = { k, "ed" };
	dkim_signer *sg;
	int i;

	sb_init(&out);
	ck_assert_int_eq(sign_with("To: a@example.com\n\nx\n", &k, &sel, 1, 1, 1,
	    &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no From"));
	ck_assert_int_eq(sign_with("From: a@example.com\nfrom : b@example.com\n"
	    "\nx\n", &k, &sel, 1, 1, 1, &out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "2 From fields"));
	ck_assert_uint_eq(out.len, 0);
	sb_init(&many);
	sb_puts(&many, "From: a@example.com\n");
	for (i = 0; i < DKIM_SIGN_MAX_FIELDS; i++)
		sb_puts(&many, "X-A: b\n");
	sb_puts(&many, "\nx\n");
	ck_assert_int_eq(sign_with(many.s, &k, &sel, 1, 1, 1, &out, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 1000 header fields"));
	sb_free(&many);
	ck_assert_uint_eq(out.len, 0);
	/* out of order: body before end of headers; then stays failed */
	dkim_sign_options_init(&o);
	o.domain = "example.com";
	sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err));
	ck_assert_ptr_nonnull(sg);
	ck_assert_int_eq(dkim_signer_body(sg, "x\r\n", 3), -1);
	ck_assert_int_eq(dkim_signer_finish(sg, &out), -1);
	ck_assert_ptr_nonnull(strstr(dkim_signer_error(sg), "out of order"));
	dkim_signer_free(sg);
	ck_assert_uint_eq(out.len, 0);
	/* no keys, too many keys, a bad domain */
	ck_assert_ptr_null(dkim_signer_new(&o, &sk, 0, err, sizeof(err)));
	o.domain = "exa mple.com";
	ck_assert_ptr_null(dkim_signer_new(&o, &sk, 1, err, sizeof(err)));
	sb_free(&out);
	dkim_privkey_free(k);
}
END_TEST

START_TEST(private_keys)
{
	EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)768);
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	char err[256], path[] = "/tmp/check_dkim_sign.XXXXXX", *pem;
	dkim_privkey *k;
	int fd, warn = -1;
	BIO *b;
	const char *enc;
	long n;

	ck_assert_ptr_nonnull(small);
	pem = pem_of(small, 0);
	ck_assert_ptr_null(dkim_privkey_parse(pem, strlen(pem), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "768 bits < 1024"));
	free(pem);
	pem = pem_of(ec, 0);
	ck_assert_ptr_null(dkim_privkey_parse(pem, strlen(pem), err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "not RSA or Ed25519"));
	free(pem);
	ck_assert_ptr_null(dkim_privkey_parse("garbage", 7, err, sizeof(err)));
	ck_assert_ptr_null(dkim_privkey_parse("-----BEGIN PRIVATE KEY-----\n"
	    "AAAA\n-----END PRIVATE KEY-----\n", 56, err, sizeof(err)));
	/* a short seed */
	ck_assert_ptr_null(dkim_privkey_parse("AAAAAAAA", 8, err, sizeof(err)));
	/* encrypted: refused, never prompted for */
	b = BIO_new(BIO_s_mem());
	ck_assert_int_eq(PEM_write_bio_PKCS8PrivateKey(b, ed_pk,
	    EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"), 1);
	n = BIO_get_mem_data(b, (char **)&enc);
	ck_assert_ptr_null(dkim_privkey_parse(enc, (size_t)n, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "encrypted"));
	BIO_free(b);

	/* the file: 0600 no warning, 0640 a warning, missing an error */
	pem = pem_of(rsa_pk, 0);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq((int)write(fd, pem, strlen(pem)), (int)strlen(pem));
	close(fd);
	free(pem);
	ck_assert_int_eq(chmod(path, 0600), 0);
	k = dkim_privkey_load(path, &warn, err, sizeof(err));
	ck_assert_msg(k != NULL, "%s", err);
	ck_assert_int_eq(warn, 0);
	ck_assert_int_eq(dkim_privkey_type(k), DKIM_PRIVKEY_RSA);
	ck_assert_str_eq(dkim_privkey_alg(k), "rsa-sha256");
	dkim_privkey_free(k);
	ck_assert_int_eq(chmod(path, 0640), 0);
	k = dkim_privkey_load(path, &warn, err, sizeof(err));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(warn, DKIM_PRIVKEY_WARN_PERMS);
	dkim_privkey_free(k);
	unlink(path);
	ck_assert_ptr_null(dkim_privkey_load(path, &warn, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, path));
	EVP_PKEY_free(small);
	EVP_PKEY_free(ec);
}
END_TEST

START_TEST(header_lists)
{
	dkim_sign_headers h;
	char err[256], big[600];
	int i;

	ck_assert_int_eq(dkim_sign_headers_parse("to:Subject,,to : X-Y", &h, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(h.n, 4);
	ck_assert_str_eq(h.name[0], "from");   /* added first */
	ck_assert_str_eq(h.name[1], "to");
	ck_assert_str_eq(h.name[2], "subject");
	ck_assert_str_eq(h.name[3], "x-y");
	ck_assert_int_eq(dkim_sign_headers_parse("from:DKIM-Signature", &h, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "never signed"));
	ck_assert_int_eq(dkim_sign_headers_parse("authentication-results", &h,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(dkim_sign_headers_parse("from;to", &h, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(dkim_sign_headers_parse("fr\x01om", &h, err,
	    sizeof(err)), -1);
	memset(big, 'a', 100);
	big[100] = '\0';
	ck_assert_int_eq(dkim_sign_headers_parse(big, &h, err, sizeof(err)), -1);
	for (i = 0; i < 70; i++)
		snprintf(big + i * 7, sizeof(big) - (size_t)i * 7, "x-%04d:", i);
	ck_assert_int_eq(dkim_sign_headers_parse(big, &h, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "more than 64"));
	ck_assert_int_eq(dkim_sign_headers_parse(DKIM_SIGN_DEFAULT_HEADERS, &h,
	    err, sizeof(err)), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_sign");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, rfc8463_known_answers);
	tcase_add_test(tc, sign_then_verify);
	tcase_add_test(tc, signed_fields);
	tcase_add_test(tc, custom_headers_expire_identity);
	tcase_add_test(tc, oversign_lists);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, private_keys);
	tcase_add_test(tc, header_lists);
	suite_add_tcase(s, tc);
	return s;
}
