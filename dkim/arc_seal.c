/*
 * dkim/arc_seal.c - the ARC sealer (RFC 8617 5.1): adds the ARC set of
 * instance i = existing sets + 1 (ARC-Authentication-Results,
 * ARC-Message-Signature, ARC-Seal) to a message whose chain the caller
 * validated (arc.c). Contract in dkim/arc.h.
 *
 * Shares with the DKIM signer (dkim_sign_int.h) the field selection,
 * the folding of tags and the signature primitive; with the validator
 * (arc_int.h) the reading of a field's kind and instance; with both the
 * header store, the canonicalizers and dkim_sig_strip_b(), so what is
 * hashed is what a verifier hashes. The body is hashed as it arrives
 * (relaxed, SHA-256). Each new field is laid out once with a b= of the
 * signature's exact length, so the layout is the same before and after
 * the signature is put in.
 */
#include "dkim/arc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "dkim/arc_int.h"
#include "dkim/dkim_int.h"
#include "dkim/dkim_sign_int.h"
#include "util/domain.h"
#include "util/strcopy.h"
#include "util/taglist.h"

#define SEAL_FOLD_WIDTH 78          /* RFC 5322 2.1.1: SHOULD <= 78 */
#define SEAL_ERRLEN 160
#define NO_SEAL ((size_t)-1)
#define SEAL_B64_MAX (4 * ((DKIM_MAX_RSA_BITS_LIMIT / 8 + 2) / 3))

enum { SL_HEADERS, SL_BODY, SL_DONE, SL_FAILED };

struct arc_sealer {
	int state;
	char domain[DKIM_MAX_DOMAIN + 1];
	char selector[DKIM_MAX_DOMAIN + 1];
	const dkim_privkey *key;
	dkim_sign_headers list;
	int oversign, fold;
	int64_t now;
	size_t max_header;    /* options' max_header_bytes */
	size_t nfields;
	dkim_hstore hs;
	dkim_signbody body;   /* relaxed, SHA-256 */
	char error[SEAL_ERRLEN];
};

/* The ARC fields of the message, by instance (RFC 8617 4.2.1). */
typedef struct seal_sets {
	size_t fld[ARC_MAX_SETS + 1][ARC_NKIND];
	unsigned count[ARC_MAX_SETS + 1][ARC_NKIND];
	unsigned maxi;            /* highest valid instance */
	unsigned nfields;         /* ARC fields, valid i= or not */
} seal_sets;

static int
fail(arc_sealer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(arc_sealer *s, const char *fmt, ...)
{
	va_list ap;

	if (s->state != SL_FAILED) {
		va_start(ap, fmt);
		vsnprintf(s->error, sizeof(s->error), fmt, ap);
		va_end(ap);
		s->state = SL_FAILED;
	}
	return -1;
}

void
arc_seal_options_init(arc_seal_options *o)
{
	memset(o, 0, sizeof(*o));
	o->oversign = 1;
	o->fold = 1;
}

/* Refuses a list naming an ARC field or Authentication-Results. */
static int
seal_list_check(const dkim_sign_headers *l, char *err, size_t errlen)
{
	size_t k;

	for (k = 0; k < l->n; k++)
		if (arc_field_kind(l->name[k], strlen(l->name[k])) >= 0 ||
		    strcmp(l->name[k], "authentication-results") == 0) {
			snprintf(err, errlen, "header list: %s is never "
			    "signed by an ARC-Message-Signature (RFC 8617 "
			    "4.1.2)", l->name[k]);
			return -1;
		}
	return 0;
}

int
arc_seal_headers_parse(const char *list, dkim_sign_headers *h, char *err,
    size_t errlen)
{
	if (dkim_sign_list_parse(list, h, 1, err, errlen) < 0)
		return -1;
	return seal_list_check(h, err, errlen);
}

/* The AMS header list (RFC 8617 4.1.2): the signing default plus the
 * DKIM-Signature fields, never an ARC field or Authentication-Results. */
static int
seal_list(const arc_seal_options *o, dkim_sign_headers *l, char *err,
    size_t errlen)
{
	if (o->headers != NULL) {
		*l = *o->headers;
		return seal_list_check(l, err, errlen);
	}
	if (dkim_sign_headers_parse(DKIM_SIGN_DEFAULT_HEADERS, l, err,
	    errlen) < 0)
		return -1;
	if (l->n == DKIM_SIGN_MAX_NAMES) {
		snprintf(err, errlen, "header list: more than %d names",
		    DKIM_SIGN_MAX_NAMES);
		return -1;
	}
	strcopy(l->name[l->n++], sizeof(l->name[0]), "dkim-signature");
	return 0;
}

arc_sealer *
arc_sealer_new(const arc_seal_options *o, char *err, size_t errlen)
{
	arc_sealer *s;

	if (o->domain == NULL || !domain_valid(o->domain, strlen(o->domain),
	    0)) {
		snprintf(err, errlen, "sealing domain '%s' is not a domain name",
		    o->domain ? o->domain : "");
		return NULL;
	}
	if (o->selector == NULL || !domain_valid(o->selector,
	    strlen(o->selector), DOMAIN_UNDERSCORE)) {
		snprintf(err, errlen, "selector '%s' is not a DNS name",
		    o->selector ? o->selector : "");
		return NULL;
	}
	if (o->key == NULL) {
		snprintf(err, errlen, "no key");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (seal_list(o, &s->list, err, errlen) < 0 ||
	    dkim_sign_default_oversign() == NULL) {
		if (dkim_sign_default_oversign() == NULL)
			snprintf(err, errlen, "the over-signed list does not "
			    "parse");
		free(s);
		return NULL;
	}
	strcopy(s->domain, sizeof(s->domain), o->domain);
	strcopy(s->selector, sizeof(s->selector), o->selector);
	s->key = o->key;
	s->oversign = o->oversign != 0;
	s->fold = o->fold != 0;
	s->now = o->now != 0 ? o->now : (int64_t)time(NULL);
	s->max_header = o->max_header_bytes != 0 ? o->max_header_bytes :
	    DKIM_DEFAULT_MAX_HEADER_BYTES;
	dkim_hs_init(&s->hs, s->max_header);
	if (dkim_signbody_init(&s->body, 1) < 0) {
		snprintf(err, errlen, "cannot start SHA-256");
		arc_sealer_free(s);
		return NULL;
	}
	s->state = SL_HEADERS;
	return s;
}

int
arc_sealer_header(arc_sealer *s, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	char err[SEAL_ERRLEN];

	if (s->state != SL_HEADERS)
		return fail(s, "header field out of order");
	if (dkim_sign_keep(&s->hs, &s->nfields, name, namelen, value,
	    valuelen, err, sizeof(err)) < 0)
		return fail(s, "%s", err);
	return 0;
}

int
arc_sealer_eoh(arc_sealer *s)
{
	if (s->state != SL_HEADERS)
		return fail(s, "end of headers out of order");
	s->state = SL_BODY;
	return 0;
}

int
arc_sealer_body(arc_sealer *s, const void *p, size_t n)
{
	if (s->state != SL_BODY)
		return fail(s, "body out of order");
	return dkim_signbody_update(&s->body, p, n) < 0 ?
	    fail(s, "body hash failed") : 0;
}

/* The ARC fields of the message by instance; 1 when the newest ARC-Seal
 * says cv=fail (RFC 8617 5.1 step 1), else 0. */
static int
scan_sets(const arc_sealer *s, seal_sets *ss)
{
	size_t k, nl, vl, ntags, newest = NO_SEAL;
	const char *nm, *val;
	unsigned i, as_max = 0;
	int kind;
	taglist_tag tags[DKIM_MAX_SIG_TAGS];
	const taglist_tag *cv;
	char err[8];

	memset(ss, 0, sizeof(*ss));
	for (k = 0; k < s->hs.n; k++) {
		nm = dkim_hs_name(&s->hs, k, &nl);
		if ((kind = arc_field_kind(nm, nl)) < 0)
			continue;
		ss->nfields++;
		val = dkim_hs_value(&s->hs, k, &vl);
		if ((i = arc_field_instance(kind, val, vl, NULL, 0)) == 0)
			continue;
		ss->fld[i][kind] = k;
		ss->count[i][kind]++;
		if (i > ss->maxi)
			ss->maxi = i;
		if (kind == ARC_AS && i > as_max) {
			as_max = i;
			newest = k;
		}
	}
	if (newest == NO_SEAL)
		return 0;
	val = dkim_hs_value(&s->hs, newest, &vl);
	return taglist_parse(val, vl, 0, tags, DKIM_MAX_SIG_TAGS, &ntags, err,
	    sizeof(err)) == 0 && (cv = taglist_find(tags, ntags, "cv")) !=
	    NULL && cv->value_len == 4 && memcmp(cv->value, "fail", 4) == 0;
}

/* A tag of a new field: name=value, laid out by kind. */
enum { TG_PLAIN, TG_B64, TG_H };
typedef struct seal_tag {
	const char *name;
	const char *value;
	int kind;
} seal_tag;

/* "Name:" then the tags, "; " between them (the last without ';'),
 * folded at SEAL_FOLD_WIDTH or on one line; CRLF at the end. */
static void
layout(const arc_sealer *s, strbuf *f, const char *name, const seal_tag *t,
    size_t nt)
{
	size_t k, col = strlen(name) + 1, width = s->fold ? SEAL_FOLD_WIDTH : 0;
	char tok[DKIM_MAX_DOMAIN + 32], tag[8];
	int n;

	sb_puts(f, name);
	sb_putc(f, ':');
	for (k = 0; k < nt; k++) {
		int semi = k + 1 < nt;

		if (t[k].kind == TG_B64) {
			snprintf(tag, sizeof(tag), "%s=", t[k].name);
			dkim_fold_b64(f, &col, width, tag, t[k].value,
			    strlen(t[k].value), semi);
		} else if (t[k].kind == TG_H) {
			dkim_fold_h(f, &col, width, t[k].value,
			    strlen(t[k].value));
		} else {
			n = snprintf(tok, sizeof(tok), "%s=%s%s", t[k].name,
			    t[k].value, semi ? ";" : "");
			if (n > 0 && (size_t)n < sizeof(tok))
				dkim_fold_token(f, &col, width, tok, (size_t)n);
			else
				f->failed = 1;
		}
	}
	sb_append(f, "\r\n", 2);
}

/* Appends field f (a whole "Name: value\r\n") canonicalized relaxed to
 * buf, b= emptied when strip, the CRLF kept when crlf. */
static int
canon_field(strbuf *buf, const char *f, size_t len, int strip, int crlf)
{
	const char *colon = memchr(f, ':', len);
	strbuf st;
	int rc;

	if (colon == NULL || len < 2)
		return -1;
	len -= 2;  /* the CRLF */
	if (!strip)
		return dkim_canon_header(buf, 1, f, (size_t)(colon - f),
		    colon + 1, len - (size_t)(colon + 1 - f), crlf);
	sb_init_max(&st, len + 1);
	rc = dkim_sig_strip_b(colon + 1, len - (size_t)(colon + 1 - f), &st);
	if (rc == 0)
		rc = dkim_canon_header(buf, 1, f, (size_t)(colon - f), st.s,
		    st.len, crlf);
	sb_free(&st);
	return rc < 0 ? -1 : 0;
}

static int
canon_stored(const arc_sealer *s, strbuf *buf, size_t k)
{
	size_t nl, vl;
	const char *nm = dkim_hs_name(&s->hs, k, &nl);
	const char *val = dkim_hs_value(&s->hs, k, &vl);

	return dkim_canon_header(buf, 1, nm, nl, val, vl, 1);
}

/* Lays out field `name` with tags t (t[bi] is b=), hashed after `pre`
 * (canonical fields, CRLF-ended) and signed: the field appended to out. */
static int
sign_field(arc_sealer *s, const char *name, seal_tag *t, size_t nt,
    size_t bi, const strbuf *pre, strbuf *out)
{
	char ph[SEAL_B64_MAX + 1];
	size_t blen, dl0;
	unsigned dl = 0;
	unsigned char dg[EVP_MAX_MD_SIZE];
	strbuf f, hb, b64;
	EVP_MD_CTX *mc = NULL;
	int rc = -1;

	/* the signature's base64 length: RSA a modulus, Ed25519 64 octets */
	dl0 = dkim_privkey_type(s->key) == DKIM_PRIVKEY_RSA ?
	    (dkim_privkey_bits(s->key) + 7) / 8 : 64;
	blen = 4 * ((dl0 + 2) / 3);
	if (blen > SEAL_B64_MAX)
		return -1;
	memset(ph, 'A', blen);
	ph[blen] = '\0';
	t[bi].value = ph;
	sb_init(&f);
	sb_init(&hb);
	sb_init(&b64);
	layout(s, &f, name, t, nt);
	if (f.failed || pre->failed)
		goto out;
	sb_append(&hb, pre->s, pre->len);
	if (canon_field(&hb, f.s, f.len, 1, 0) < 0 || hb.failed)
		goto out;
	mc = EVP_MD_CTX_new();
	if (mc == NULL || EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, hb.s, hb.len) != 1 ||
	    EVP_DigestFinal_ex(mc, dg, &dl) != 1)
		goto out;
	if (dkim_sign_digest(s->key, dg, dl, &b64) < 0 || b64.len != blen)
		goto out;
	t[bi].value = b64.s;
	sb_truncate(&f, 0);
	layout(s, &f, name, t, nt);
	sb_append(out, f.s, f.len);
	rc = f.failed || out->failed ? -1 : 0;
out:
	t[bi].value = "";
	EVP_MD_CTX_free(mc);
	sb_free(&f);
	sb_free(&hb);
	sb_free(&b64);
	return rc;
}

/* "ARC-Authentication-Results: i=N; " + the payload (line breaks made
 * CRLF, each followed by WSP; no other control character). */
static int
put_aar(arc_sealer *s, unsigned inst, const char *aar, size_t len,
    strbuf *f)
{
	size_t k;
	char pre[48];

	while (len > 0 && (aar[len - 1] == '\n' || aar[len - 1] == '\r' ||
	    aar[len - 1] == ' ' || aar[len - 1] == '\t'))
		len--;
	while (len > 0 && (aar[0] == ' ' || aar[0] == '\t'))
		aar++, len--;
	if (len == 0)
		return fail(s, "empty ARC-Authentication-Results payload");
	if (len > ARC_SEAL_MAX_AAR)
		return fail(s, "ARC-Authentication-Results payload over %d "
		    "octets (local limit)", ARC_SEAL_MAX_AAR);
	snprintf(pre, sizeof(pre), "ARC-Authentication-Results: i=%u; ", inst);
	sb_puts(f, pre);
	for (k = 0; k < len; k++) {
		unsigned char c = (unsigned char)aar[k];

		if (c == '\r' && k + 1 < len && aar[k + 1] == '\n')
			continue;
		if (c == '\n') {
			if (aar[k + 1] != ' ' && aar[k + 1] != '\t')
				return fail(s, "a line break in the "
				    "ARC-Authentication-Results payload not "
				    "followed by white space");
			sb_append(f, "\r\n", 2);
			continue;
		}
		if ((c < 32 && c != '\t') || c == 127)
			return fail(s, "control character 0x%02x in the "
			    "ARC-Authentication-Results payload", c);
		sb_putc(f, (char)c);
	}
	sb_append(f, "\r\n", 2);
	return f->failed ? fail(s, "out of memory") : 0;
}

int
arc_sealer_finish(arc_sealer *s, const arc_chain *c, const char *aar,
    size_t aarlen, strbuf *out)
{
	seal_sets ss;
	unsigned inst, j;
	const char *cv;
	char ibuf[8], tbuf[24], err[SEAL_ERRLEN];
	strbuf aarf, amsf, asf, hcanon, h, pre, bh;
	size_t start = out->len;
	int rc = -1;

	if (s->state == SL_HEADERS && arc_sealer_eoh(s) < 0)
		return -1;
	if (s->state != SL_BODY)
		return fail(s, "finish out of order");
	if (c == NULL || aar == NULL)
		return fail(s, "no chain validation result or no payload");
	if (scan_sets(s, &ss)) {
		s->state = SL_DONE;
		snprintf(s->error, sizeof(s->error), "not sealed: the newest "
		    "ARC-Seal says cv=fail (RFC 8617 5.1 step 1)");
		return 0;
	}
	switch (c->result) {
	case ARC_NONE:
		if (ss.nfields != 0)
			return fail(s, "the chain result (none) is not this "
			    "message's: it has ARC fields");
		cv = "none";
		inst = 1;
		break;
	case ARC_PASS:
		if (c->nsets != ss.maxi || c->nsets == 0)
			return fail(s, "the chain result (pass, %u sets) is not "
			    "this message's (%u sets)", c->nsets, ss.maxi);
		for (j = 1; j <= c->nsets; j++)
			if (ss.count[j][ARC_AS] != 1 || ss.count[j][ARC_AMS] !=
			    1 || ss.count[j][ARC_AAR] != 1)
				return fail(s, "the chain result (pass) is not "
				    "this message's: set %u is not whole", j);
		cv = "pass";
		inst = c->nsets + 1;
		break;
	default:
		/* RFC 8617 5.1.2: sealed cv=fail, over the new set only */
		cv = "fail";
		inst = (ss.maxi > c->nsets ? ss.maxi : c->nsets) + 1;
		break;
	}
	if (inst > ARC_MAX_SETS) {
		s->state = SL_DONE;
		snprintf(s->error, sizeof(s->error), "not sealed: the chain "
		    "already has %d sets (RFC 8617 4.2.1)", ARC_MAX_SETS);
		return 0;
	}
	sb_init(&aarf);
	sb_init(&amsf);
	sb_init(&asf);
	sb_init(&h);
	sb_init(&pre);
	sb_init(&bh);
	sb_init_max(&hcanon, 2 * s->max_header);
	if (dkim_signbody_b64(&s->body, &bh) < 0) {
		(void)fail(s, "body hash failed");
		goto out;
	}
	if (put_aar(s, inst, aar, aarlen, &aarf) < 0)
		goto out;
	if (dkim_sign_select(&s->hs, &s->list, 1, s->oversign ?
	    dkim_sign_default_oversign() : NULL, &hcanon, &h, err,
	    sizeof(err)) < 0) {
		(void)fail(s, "%s", err);
		goto out;
	}
	snprintf(ibuf, sizeof(ibuf), "%u", inst);
	snprintf(tbuf, sizeof(tbuf), "%lld", (long long)s->now);
	{
		/* RFC 8617 4.1.2: a DKIM-Signature without v=, with i= */
		seal_tag t[] = {
			{ "a", dkim_privkey_alg(s->key), TG_PLAIN },
			{ "b", "", TG_B64 },
			{ "bh", bh.s, TG_B64 },
			{ "c", "relaxed/relaxed", TG_PLAIN },
			{ "d", s->domain, TG_PLAIN },
			{ "h", h.s, TG_H },
			{ "i", ibuf, TG_PLAIN },
			{ "s", s->selector, TG_PLAIN },
			{ "t", tbuf, TG_PLAIN },
		};

		if (h.s == NULL || sign_field(s, "ARC-Message-Signature", t,
		    sizeof(t) / sizeof(t[0]), 1, &hcanon, &amsf) < 0) {
			(void)fail(s, "%s signing failed",
			    dkim_privkey_alg(s->key));
			goto out;
		}
	}
	/* RFC 8617 5.1.1: the sets in instance order, each AAR AMS AS; a
	 * failed chain: the new set only (5.1.2) */
	for (j = 1; c->result == ARC_PASS && j < inst; j++) {
		(void)canon_stored(s, &pre, ss.fld[j][ARC_AAR]);
		(void)canon_stored(s, &pre, ss.fld[j][ARC_AMS]);
		(void)canon_stored(s, &pre, ss.fld[j][ARC_AS]);
	}
	if (canon_field(&pre, aarf.s, aarf.len, 0, 1) < 0 ||
	    canon_field(&pre, amsf.s, amsf.len, 0, 1) < 0) {
		(void)fail(s, "out of memory");
		goto out;
	}
	{
		/* RFC 8617 4.1.3: no h=, no bh= */
		seal_tag t[] = {
			{ "a", dkim_privkey_alg(s->key), TG_PLAIN },
			{ "b", "", TG_B64 },
			{ "cv", cv, TG_PLAIN },
			{ "d", s->domain, TG_PLAIN },
			{ "i", ibuf, TG_PLAIN },
			{ "s", s->selector, TG_PLAIN },
			{ "t", tbuf, TG_PLAIN },
		};

		if (sign_field(s, "ARC-Seal", t, sizeof(t) / sizeof(t[0]), 1,
		    &pre, &asf) < 0) {
			(void)fail(s, "%s signing failed",
			    dkim_privkey_alg(s->key));
			goto out;
		}
	}
	sb_append(out, asf.s, asf.len);
	sb_append(out, amsf.s, amsf.len);
	sb_append(out, aarf.s, aarf.len);
	if (out->failed) {
		sb_truncate(out, start);
		(void)fail(s, "out of memory");
		goto out;
	}
	s->state = SL_DONE;
	snprintf(s->error, sizeof(s->error), "sealed i=%u cv=%s", inst, cv);
	rc = 1;
out:
	sb_free(&aarf);
	sb_free(&amsf);
	sb_free(&asf);
	sb_free(&h);
	sb_free(&pre);
	sb_free(&bh);
	sb_free(&hcanon);
	return rc;
}

const char *
arc_sealer_error(const arc_sealer *s)
{
	return s->error;
}

void
arc_sealer_free(arc_sealer *s)
{
	if (s == NULL)
		return;
	dkim_hs_free(&s->hs);
	dkim_signbody_free(&s->body);
	free(s);
}
