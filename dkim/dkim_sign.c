/*
 * dkim/dkim_sign.c - the streaming DKIM signer (contract in dkim_sign.h).
 *
 * Flow: header fields are kept in the verifier's bounded store
 * (dkim_hdrs.c); at end of headers the From count is checked, h= is
 * built and the signed fields are canonicalized once (dkim_canon.c);
 * the body goes through one body canonicalizer and one SHA-256 for all
 * keys; at finish each key gets its DKIM-Signature: the field is folded,
 * hashed with b= empty (RFC 6376 3.7) and the digest signed (RSA
 * PKCS#1 v1.5, RFC 8301; Ed25519 over the SHA-256 digest, RFC 8463 3).
 */
#include "dkim/dkim_sign.h"
#include "dkim/dkim_sign_int.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "dkim/dkim.h"
#include "dkim/dkim_canon_int.h"
#include "dkim/dkim_hdrs_int.h"
#include "util/domain.h"
#include "util/strcopy.h"

#define SIGN_FOLD_WIDTH 78          /* RFC 5322 2.1.1: SHOULD <= 78 */
#define SIGN_FIELD "DKIM-Signature"
#define SIGN_ERRLEN 160

enum { SG_HEADERS, SG_BODY, SG_DONE, SG_FAILED };

struct dkim_signer {
	int state;
	char domain[DKIM_MAX_DOMAIN + 1];
	char selector[DKIM_SIGN_MAX_KEYS][DKIM_MAX_DOMAIN + 1];
	char identity[DKIM_MAX_IDENTITY + 1];
	int hdr_relaxed, body_relaxed;
	int64_t now;
	uint32_t expire;
	dkim_sign_headers list;
	dkim_sign_headers over;  /* over-signed (of list) */
	const dkim_privkey *keys[DKIM_SIGN_MAX_KEYS];
	size_t nkeys;
	size_t nfields;
	dkim_hstore hs;
	strbuf h;             /* the h= value */
	strbuf hcanon;        /* the signed fields, canonicalized */
	dkim_signbody body;
	char error[SIGN_ERRLEN];
};

static int
fail(dkim_signer *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(dkim_signer *s, const char *fmt, ...)
{
	va_list ap;

	if (s->state != SG_FAILED) {
		va_start(ap, fmt);
		vsnprintf(s->error, sizeof(s->error), fmt, ap);
		va_end(ap);
		s->state = SG_FAILED;
	}
	return -1;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Field name n[0..nl) (trailing WSP ignored) is `want` (lowercase). */
static int
name_is(const char *n, size_t nl, const char *want)
{
	size_t i, wl;

	/* most names differ in the first octet: no length work for those */
	if (nl == 0 || lower((unsigned char)n[0]) != want[0])
		return 0;
	wl = strlen(want);
	while (nl > 0 && (n[nl - 1] == ' ' || n[nl - 1] == '\t'))
		nl--;
	if (nl != wl)
		return 0;
	for (i = 0; i < nl; i++)
		if (lower((unsigned char)n[i]) != want[i])
			return 0;
	return 1;
}

/* `name` (lowercase) is one of h's names. */
static int
in_headers(const dkim_sign_headers *h, const char *name)
{
	size_t k;

	for (k = 0; h != NULL && k < h->n; k++)
		if (strcmp(h->name[k], name) == 0)
			return 1;
	return 0;
}

static int
ftext(int c)
{
	return c >= 33 && c <= 126 && c != ':';
}

int
dkim_sign_headers_parse(const char *list, dkim_sign_headers *h, char *err,
    size_t errlen)
{
	return dkim_sign_list_parse(list, h, 0, err, errlen);
}

int
dkim_sign_list_parse(const char *list, dkim_sign_headers *h, int ams,
    char *err, size_t errlen)
{
	const char *p = list;
	size_t i, n, k;
	char name[DKIM_SIGN_MAX_NAME + 1];
	int has_from = 0;

	h->n = 0;
	while (*p != '\0') {
		if (*p == ':' || *p == ',' || *p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		/* RFC 5322 ftext, less ',' (our separator) and ';' (it
		 * would end the h= tag, RFC 6376 3.2 VALCHAR) */
		for (n = 0; p[n] != '\0' && p[n] != ',' && p[n] != ';' &&
		    ftext((unsigned char)p[n]); n++)
			;
		if (n == 0) {
			snprintf(err, errlen, "header list: character 0x%02x "
			    "is not allowed in a field name",
			    (unsigned char)*p);
			return -1;
		}
		if (n > DKIM_SIGN_MAX_NAME) {
			snprintf(err, errlen, "header list: a name over %d "
			    "characters", DKIM_SIGN_MAX_NAME);
			return -1;
		}
		for (i = 0; i < n; i++)
			name[i] = (char)lower((unsigned char)p[i]);
		name[n] = '\0';
		p += n;
		if ((!ams && strcmp(name, "dkim-signature") == 0) ||
		    strcmp(name, "authentication-results") == 0) {
			snprintf(err, errlen, "header list: %s is never signed",
			    name);
			return -1;
		}
		for (k = 0; k < h->n && strcmp(h->name[k], name) != 0; k++)
			;
		if (k < h->n)
			continue;  /* a duplicate */
		if (h->n == DKIM_SIGN_MAX_NAMES) {
			snprintf(err, errlen, "header list: more than %d names",
			    DKIM_SIGN_MAX_NAMES);
			return -1;
		}
		memcpy(h->name[h->n++], name, n + 1);
		if (strcmp(name, "from") == 0)
			has_from = 1;
	}
	if (!has_from) {
		/* RFC 6376 5.4: From MUST be signed */
		if (h->n == DKIM_SIGN_MAX_NAMES) {
			snprintf(err, errlen, "header list: more than %d names",
			    DKIM_SIGN_MAX_NAMES);
			return -1;
		}
		memmove(h->name[1], h->name[0], h->n * sizeof(h->name[0]));
		strcopy(h->name[0], sizeof(h->name[0]), "from");
		h->n++;
	}
	return 0;
}

int
dkim_sign_oversign_parse(const char *list, dkim_sign_headers *h, char *err,
    size_t errlen)
{
	if (strcmp(list, "none") == 0) {
		h->n = 0;
		return 0;
	}
	return dkim_sign_headers_parse(list, h, err, errlen);
}

void
dkim_sign_options_init(dkim_sign_options *o)
{
	memset(o, 0, sizeof(*o));
	o->hdr_relaxed = 1;
	o->body_relaxed = 1;
}

static void
body_out(void *arg, const void *p, size_t n)
{
	dkim_signbody *b = arg;

	if (!b->failed && EVP_DigestUpdate(b->md, p, n) != 1)
		b->failed = 1;
}

int
dkim_signbody_init(dkim_signbody *b, int relaxed)
{
	memset(b, 0, sizeof(*b));
	b->md = EVP_MD_CTX_new();
	if (b->md == NULL || EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1)
		return -1;
	dkim_bodycanon_init(&b->canon, relaxed, body_out, b);
	return 0;
}

int
dkim_signbody_update(dkim_signbody *b, const void *p, size_t n)
{
	dkim_bodycanon_update(&b->canon, p, n);
	return b->failed ? -1 : 0;
}

int
dkim_signbody_b64(dkim_signbody *b, strbuf *out)
{
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;

	dkim_bodycanon_final(&b->canon);
	if (b->failed || EVP_DigestFinal_ex(b->md, dg, &dl) != 1)
		return -1;
	return dkim_b64_append(out, dg, dl);
}

void
dkim_signbody_free(dkim_signbody *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}

int
dkim_sign_keep(dkim_hstore *hs, size_t *nfields, const char *name,
    size_t namelen, const char *value, size_t valuelen, char *err,
    size_t errlen)
{
	int rc;

	if (++*nfields > DKIM_SIGN_MAX_FIELDS) {
		snprintf(err, errlen, "more than %d header fields (local "
		    "limit)", DKIM_SIGN_MAX_FIELDS);
		return -1;
	}
	rc = dkim_hs_add(hs, name, namelen, value, valuelen);
	if (rc != 0) {
		snprintf(err, errlen, rc < 0 ? "out of memory" : "header "
		    "block over %d bytes (local limit)",
		    DKIM_DEFAULT_MAX_HEADER_BYTES);
		return -1;
	}
	return 0;
}

/* DKIM_SIGN_DEFAULT_HEADERS and DKIM_SIGN_OVERSIGNED parsed once, not
 * per message. */
static dkim_sign_headers default_list, default_over;
static int default_ok;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void
parse_default_list(void)
{
	char err[SIGN_ERRLEN];

	default_ok = dkim_sign_headers_parse(DKIM_SIGN_DEFAULT_HEADERS,
	    &default_list, err, sizeof(err)) == 0 &&
	    dkim_sign_headers_parse(DKIM_SIGN_OVERSIGNED, &default_over, err,
	    sizeof(err)) == 0;
}

const dkim_sign_headers *
dkim_sign_default_oversign(void)
{
	if (pthread_once(&default_once, parse_default_list) != 0 ||
	    !default_ok)
		return NULL;
	return &default_over;
}

dkim_signer *
dkim_signer_new(const dkim_sign_options *o, const dkim_sign_key *keys,
    size_t nkeys, char *err, size_t errlen)
{
	dkim_signer *s;
	size_t k;

	if (o->domain == NULL || !domain_valid(o->domain, strlen(o->domain), 0)) {
		snprintf(err, errlen, "signing domain '%s' is not a domain name",
		    o->domain ? o->domain : "");
		return NULL;
	}
	if (o->identity != NULL && o->identity[0] != '\0') {
		const char *at = strrchr(o->identity, '@');
		size_t i;

		/* RFC 6376 3.5 i=: [local-part] "@" domain, d= or below */
		for (i = 0; o->identity[i] != '\0'; i++)
			if (!ftext((unsigned char)o->identity[i]) ||
			    o->identity[i] == ';')
				break;
		if (at == NULL || o->identity[i] != '\0' ||
		    strlen(o->identity) > DKIM_MAX_IDENTITY ||
		    !domain_within(at + 1, o->domain, 0)) {
			snprintf(err, errlen, "identity '%s' is not an address "
			    "at %s or a sub-domain", o->identity, o->domain);
			return NULL;
		}
	}
	if (nkeys == 0 || nkeys > DKIM_SIGN_MAX_KEYS) {
		snprintf(err, errlen, "1 to %d keys, not %zu",
		    DKIM_SIGN_MAX_KEYS, nkeys);
		return NULL;
	}
	for (k = 0; k < nkeys; k++) {
		const char *sel = keys[k].selector ? keys[k].selector :
		    o->selector;

		if (keys[k].key == NULL) {
			snprintf(err, errlen, "key %zu is missing", k + 1);
			return NULL;
		}
		if (sel == NULL || !domain_valid(sel, strlen(sel),
		    DOMAIN_UNDERSCORE)) {
			snprintf(err, errlen, "selector '%s' is not a DNS name",
			    sel ? sel : "");
			return NULL;
		}
	}
	if (o->expire > DKIM_SIGN_MAX_EXPIRE) {
		snprintf(err, errlen, "expiry over %d seconds",
		    DKIM_SIGN_MAX_EXPIRE);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	strcopy(s->domain, sizeof(s->domain), o->domain);
	if (o->identity != NULL)
		strcopy(s->identity, sizeof(s->identity), o->identity);
	s->hdr_relaxed = o->hdr_relaxed != 0;
	s->body_relaxed = o->body_relaxed != 0;
	s->now = o->now != 0 ? o->now : (int64_t)time(NULL);
	s->expire = o->expire;
	if (pthread_once(&default_once, parse_default_list) != 0 ||
	    !default_ok) {
		snprintf(err, errlen, "the default header list does not parse");
		free(s);
		return NULL;
	}
	s->list = o->headers != NULL ? *o->headers : default_list;
	s->over = o->oversign != NULL ? *o->oversign : default_over;
	/* an explicit over-signed name is signed too (as OpenDKIM's
	 * OversignHeaders): h= then names it even where the message has no
	 * such field, so none can be added after signing */
	for (k = 0; o->oversign != NULL && k < s->over.n; k++) {
		if (in_headers(&s->list, s->over.name[k]))
			continue;
		if (s->list.n == DKIM_SIGN_MAX_NAMES) {
			snprintf(err, errlen, "header list: more than %d names "
			    "with the over-signed ones", DKIM_SIGN_MAX_NAMES);
			free(s);
			return NULL;
		}
		strcopy(s->list.name[s->list.n++], sizeof(s->list.name[0]),
		    s->over.name[k]);
	}
	for (k = 0; k < nkeys; k++) {
		s->keys[k] = keys[k].key;
		strcopy(s->selector[k], sizeof(s->selector[k]),
		    keys[k].selector ? keys[k].selector : o->selector);
	}
	s->nkeys = nkeys;
	dkim_hs_init(&s->hs, DKIM_DEFAULT_MAX_HEADER_BYTES);
	sb_init(&s->h);
	sb_init_max(&s->hcanon, 2 * DKIM_DEFAULT_MAX_HEADER_BYTES);
	if (dkim_signbody_init(&s->body, s->body_relaxed) < 0) {
		snprintf(err, errlen, "cannot start SHA-256");
		dkim_signer_free(s);
		return NULL;
	}
	s->state = SG_HEADERS;
	return s;
}

int
dkim_signer_header(dkim_signer *s, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	char err[SIGN_ERRLEN];

	if (s->state != SG_HEADERS)
		return fail(s, "header field out of order");
	if (dkim_sign_keep(&s->hs, &s->nfields, name, namelen, value,
	    valuelen, err, sizeof(err)) < 0)
		return fail(s, "%s", err);
	return 0;
}

/* Builds h= and the canonical signed fields (RFC 6376 5.4.2: the
 * instances of a name are taken from the bottom up); shared with the ARC
 * sealer (dkim_sign_int.h). */
int
dkim_sign_select(const dkim_hstore *hs, const dkim_sign_headers *list,
    int relaxed, const dkim_sign_headers *over, strbuf *hcanon, strbuf *h,
    char *err, size_t errlen)
{
	size_t j, k, nl, vl, cnt, nfrom = 0;
	const char *n, *v;
	int first = 1;

	for (k = 0; k < hs->n; k++) {
		n = dkim_hs_name(hs, k, &nl);
		if (name_is(n, nl, "from"))
			nfrom++;
	}
	if (nfrom != 1) {
		if (nfrom == 0)
			snprintf(err, errlen, "no From field (RFC 6376 5.4: "
			    "From must be signed)");
		else
			snprintf(err, errlen, "%zu From fields (RFC 5322 3.6 "
			    "allows one)", nfrom);
		return -1;
	}
	for (j = 0; j < list->n; j++) {
		const char *want = list->name[j];
		int once_more = in_headers(over, want);

		cnt = 0;
		for (k = hs->n; k-- > 0;) {
			n = dkim_hs_name(hs, k, &nl);
			if (!name_is(n, nl, want))
				continue;
			if (++cnt > DKIM_SIGN_MAX_INSTANCES) {
				snprintf(err, errlen, "more than %d %s fields "
				    "(local limit)", DKIM_SIGN_MAX_INSTANCES,
				    want);
				return -1;
			}
			v = dkim_hs_value(hs, k, &vl);
			if (dkim_canon_header(hcanon, relaxed, n, nl, v, vl,
			    1) < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		for (cnt += (size_t)once_more; cnt > 0; cnt--) {
			if (!first)
				sb_putc(h, ':');
			sb_puts(h, want);
			first = 0;
		}
	}
	if (h->failed) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
dkim_signer_eoh(dkim_signer *s)
{
	char err[SIGN_ERRLEN];

	if (s->state != SG_HEADERS)
		return fail(s, "end of headers out of order");
	if (dkim_sign_select(&s->hs, &s->list, s->hdr_relaxed, &s->over,
	    &s->hcanon, &s->h, err, sizeof(err)) < 0)
		return fail(s, "%s", err);
	s->state = SG_BODY;
	return 0;
}

int
dkim_signer_body(dkim_signer *s, const void *p, size_t n)
{
	if (s->state != SG_BODY)
		return fail(s, "body out of order");
	return dkim_signbody_update(&s->body, p, n) < 0 ?
	    fail(s, "body hash failed") : 0;
}

/* Appends text as one token: on this line after a space when it fits
 * in width columns (0: no folding), else on a new folded line. */
void
dkim_fold_token(strbuf *f, size_t *col, size_t width, const char *t,
    size_t n)
{
	if (width != 0 && *col + 1 + n > width) {
		sb_append(f, "\r\n ", 3);
		*col = 1;
	} else {
		sb_putc(f, ' ');
		(*col)++;
	}
	sb_append(f, t, n);
	*col += n;
}

/* h= folded after a colon where a line would pass the width (0: never). */
void
dkim_fold_h(strbuf *f, size_t *col, size_t width, const char *h, size_t n)
{
	size_t i = 0, e;

	dkim_fold_token(f, col, width, "h=", 2);
	while (i < n) {
		for (e = i; e < n && h[e] != ':'; e++)
			;
		if (e < n)
			e++;  /* with its colon */
		if (width != 0 && *col + (e - i) + 1 > width && i > 0) {
			sb_append(f, "\r\n ", 3);
			*col = 1;
		}
		sb_append(f, h + i, e - i);
		*col += e - i;
		i = e;
	}
	sb_putc(f, ';');
	(*col)++;
}

/* "tag=" then base64 data broken across lines of width columns (RFC
 * 6376 3.5: FWS is allowed inside b= and bh=; width 0: one line); the
 * tag starts a line unless it fits. */
void
dkim_fold_b64(strbuf *f, size_t *col, size_t width, const char *tag,
    const char *d, size_t n, int semi)
{
	size_t tl = strlen(tag), room, i = 0;

	if (width == 0) {
		sb_putc(f, ' ');
		sb_append(f, tag, tl);
		sb_append(f, d, n);
		if (semi)
			sb_putc(f, ';');
		*col += 1 + tl + n + (size_t)semi;
		return;
	}
	if (*col + 1 + tl + n + (size_t)semi > width) {
		sb_append(f, "\r\n ", 3);
		*col = 1;
	} else {
		sb_putc(f, ' ');
		(*col)++;
	}
	sb_append(f, tag, tl);
	*col += tl;
	while (i < n) {
		room = *col < width ? width - *col : 0;
		if (room == 0) {
			sb_append(f, "\r\n ", 3);
			*col = 1;
			continue;
		}
		if (room > n - i)
			room = n - i;
		sb_append(f, d + i, room);
		*col += room;
		i += room;
	}
	if (semi) {
		sb_putc(f, ';');
		(*col)++;
	}
}

/* Signs the SHA-256 digest with k; the base64 signature appended to b
 * (shared with the ARC sealer). */
int
dkim_sign_digest(const dkim_privkey *k, const unsigned char *dg, size_t dl,
    strbuf *b)
{
	unsigned char sig[DKIM_MAX_RSA_BITS_LIMIT / 8];
	size_t sl = sizeof(sig);
	int ok = 0;

	if (k->type == DKIM_PRIVKEY_RSA) {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pkey, NULL);

		ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(pc, sig, &sl, dg, dl) == 1;
		EVP_PKEY_CTX_free(pc);
	} else {
		/* RFC 8463 3: Ed25519 (pure) over the SHA-256 digest */
		EVP_MD_CTX *mc = EVP_MD_CTX_new();

		ok = mc != NULL && EVP_DigestSignInit(mc, NULL, NULL, NULL,
		    k->pkey) == 1 && EVP_DigestSign(mc, sig, &sl, dg, dl) == 1;
		EVP_MD_CTX_free(mc);
	}
	if (!ok)
		return -1;
	return dkim_b64_append(b, sig, sl);
}

/* One DKIM-Signature field for key k, appended to out. */
static int
sign_one(dkim_signer *s, size_t ki, const char *bh, strbuf *out)
{
	const dkim_privkey *k = s->keys[ki];
	strbuf f, hb, b64;
	char tag[DKIM_MAX_IDENTITY + 32];
	size_t col = strlen(SIGN_FIELD) + 1, hashed;
	unsigned char dg[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	int rc = -1, n;
	EVP_MD_CTX *mc = NULL;

	sb_init(&f);
	sb_init(&hb);
	sb_init(&b64);
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, "v=1;", 4);
	n = snprintf(tag, sizeof(tag), "a=%s;", dkim_privkey_alg(k));
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	n = snprintf(tag, sizeof(tag), "c=%s/%s;",
	    s->hdr_relaxed ? "relaxed" : "simple",
	    s->body_relaxed ? "relaxed" : "simple");
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	n = snprintf(tag, sizeof(tag), "d=%s;", s->domain);
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	n = snprintf(tag, sizeof(tag), "s=%s;", s->selector[ki]);
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	n = snprintf(tag, sizeof(tag), "t=%lld;", (long long)s->now);
	dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	if (s->expire) {
		n = snprintf(tag, sizeof(tag), "x=%lld;",
		    (long long)(s->now + s->expire));
		dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	}
	if (s->identity[0]) {
		n = snprintf(tag, sizeof(tag), "i=%s;", s->identity);
		dkim_fold_token(&f, &col, SIGN_FOLD_WIDTH, tag, (size_t)n);
	}
	dkim_fold_h(&f, &col, SIGN_FOLD_WIDTH, s->h.s, s->h.len);
	dkim_fold_b64(&f, &col, SIGN_FOLD_WIDTH, "bh=", bh, strlen(bh), 1);
	/* b= starts a line of its own: the hashed value ends with "b=" */
	sb_append(&f, "\r\n b=", 5);
	col = 3;
	hashed = f.len;
	if (f.failed)
		goto out;
	sb_append(&hb, s->hcanon.s, s->hcanon.len);
	if (dkim_canon_header(&hb, s->hdr_relaxed, SIGN_FIELD,
	    strlen(SIGN_FIELD), f.s, hashed, 0) < 0)
		goto out;
	mc = EVP_MD_CTX_new();
	if (mc == NULL || EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, hb.s, hb.len) != 1 ||
	    EVP_DigestFinal_ex(mc, dg, &dl) != 1)
		goto out;
	if (dkim_sign_digest(k, dg, dl, &b64) < 0)
		goto out;
	/* the signature, folded, after "b=" */
	{
		size_t i = 0, room;

		while (i < b64.len) {
			room = SIGN_FOLD_WIDTH - col;
			if (room > b64.len - i)
				room = b64.len - i;
			sb_append(&f, b64.s + i, room);
			i += room;
			col += room;
			if (i < b64.len) {
				sb_append(&f, "\r\n ", 3);
				col = 1;
			}
		}
	}
	sb_puts(out, SIGN_FIELD ":");
	sb_append(out, f.s, f.len);
	sb_append(out, "\r\n", 2);
	rc = out->failed || f.failed ? -1 : 0;
out:
	EVP_MD_CTX_free(mc);
	sb_free(&f);
	sb_free(&hb);
	sb_free(&b64);
	return rc;
}

int
dkim_signer_finish(dkim_signer *s, strbuf *out)
{
	strbuf bh;
	size_t k, start = out->len;

	if (s->state == SG_HEADERS && dkim_signer_eoh(s) < 0)
		return -1;
	if (s->state != SG_BODY)
		return fail(s, "finish out of order");
	sb_init(&bh);
	if (dkim_signbody_b64(&s->body, &bh) < 0) {
		sb_free(&bh);
		return fail(s, "body hash failed");
	}
	for (k = 0; k < s->nkeys; k++)
		if (sign_one(s, k, bh.s, out) < 0) {
			sb_free(&bh);
			sb_truncate(out, start);
			return fail(s, "%s signing failed",
			    dkim_privkey_alg(s->keys[k]));
		}
	sb_free(&bh);
	s->state = SG_DONE;
	return 0;
}

const char *
dkim_signer_error(const dkim_signer *s)
{
	return s->error;
}

void
dkim_signer_free(dkim_signer *s)
{
	if (s == NULL)
		return;
	dkim_hs_free(&s->hs);
	sb_free(&s->h);
	sb_free(&s->hcanon);
	dkim_signbody_free(&s->body);
	free(s);
}
