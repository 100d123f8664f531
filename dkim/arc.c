/*
 * dkim/arc.c - ARC chain validation (RFC 8617 5.2): collects the ARC
 * sets by instance, checks their structure, verifies the newest
 * ARC-Message-Signature like a DKIM signature and every ARC-Seal over
 * the sets below it. Contract in dkim/arc.h. Reuses the DKIM header
 * store and selector, canonicalizers, tag parser (dkim_sig_parse_arc),
 * key records, key cache and RFC 8301 key limits.
 */
#include "dkim/arc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/arc_int.h"
#include "dkim/dkim_int.h"
#include "util/taglist.h"

enum { ST_HEADERS, ST_BODY, ST_DONE };
#define NO_FIELD ((size_t)-1)

typedef struct arc_bh {
	int used;
	EVP_MD_CTX *md;
	dkim_bodycanon canon;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
	int failed;
} arc_bh;

typedef struct arc_sigslot {
	dkim_sig sig;
	int ok;                   /* parsed */
	char err[DKIM_MAX_REASON];
	dns_query *q;
} arc_sigslot;

struct arc_verifier {
	dkim_options opt;
	dns_resolver *r;
	int state;
	int decided;              /* result final before the keys */
	dkim_hstore own;          /* the header block, unless shared */
	dkim_hstore *hs;          /* &own, or the DKIM verifier's */
	size_t fld[ARC_MAX_SETS + 1][ARC_NKIND];
	arc_sigslot *as, *ams;    /* [1..nsets] */
	arc_bh body[2];         /* simple, relaxed; SHA-256 */
	int64_t deadline;
	arc_chain res;
};

const char *const arc_kind_name[ARC_NKIND] = {
	"ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results",
};

const char *
arc_result_name(arc_result r)
{
	return r == ARC_PASS ? "pass" : r == ARC_FAIL ? "fail" : "none";
}

arc_verifier *
arc_verifier_new(dns_resolver *r, const dkim_options *o)
{
	arc_verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	dkim_options_copy(&v->opt, o);
	v->r = r;
	memset(v->fld, 0xff, sizeof(v->fld));
	dkim_hs_init(&v->own, v->opt.max_header_bytes);
	v->hs = &v->own;
	return v;
}

arc_verifier *
arc_verifier_new_shared(dns_resolver *r, const dkim_options *o,
    dkim_verifier *dv)
{
	arc_verifier *v = arc_verifier_new(r, o);

	if (v != NULL && dv != NULL)
		v->hs = &dv->hs;
	return v;
}

void
arc_verifier_free(arc_verifier *v)
{
	unsigned k;

	if (v == NULL)
		return;
	for (k = 1; k <= v->res.nsets && v->as != NULL; k++) {
		dns_query_free(v->as[k].q);
		dns_query_free(v->ams[k].q);
	}
	free(v->as);
	free(v->ams);
	for (k = 0; k < 2; k++)
		EVP_MD_CTX_free(v->body[k].md);
	dkim_hs_free(&v->own);
	free(v);
}

static int
fail(arc_verifier *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(arc_verifier *v, const char *fmt, ...)
{
	va_list ap;

	v->res.result = ARC_FAIL;
	v->res.oldest_pass = 0;
	va_start(ap, fmt);
	vsnprintf(v->res.reason, sizeof(v->res.reason), fmt, ap);
	va_end(ap);
	v->decided = 1;
	return -1;
}

int
arc_header(arc_verifier *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	if (v->state != ST_HEADERS)
		return -1;
	if (v->hs != &v->own)
		return 0;	/* the DKIM verifier keeps it */
	return dkim_hs_add(v->hs, name, namelen, value, valuelen) < 0 ? -1 : 0;
}

int
arc_header_skipped(arc_verifier *v)
{
	if (v->state != ST_HEADERS)
		return -1;
	if (v->hs == &v->own)	/* shared: dkim_header_skipped() marks it */
		v->hs->overflow = 1; /* the header block cannot be evaluated */
	return 0;
}

int
arc_field_kind(const char *name, size_t n)
{
	int k;

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	for (k = 0; k < ARC_NKIND; k++)
		if (strlen(arc_kind_name[k]) == n &&
		    strncasecmp(name, arc_kind_name[k], n) == 0)
			return k;
	return -1;
}

int
arc_field_name(const char *name, size_t namelen)
{
	return arc_field_kind(name, namelen) >= 0;
}

unsigned
arc_field_instance(int kind, const char *val, size_t len, char *sealer,
    size_t sl)
{
	taglist_tag tags[DKIM_MAX_SIG_TAGS];
	const taglist_tag *t, *d;
	size_t ntags, k = 0, st;
	const char *p;
	unsigned x = 0;
	char err[8];

	if (kind == ARC_AAR) {
		while (k < len && taglist_is_fws((unsigned char)val[k]))
			k++;
		if (k + 1 >= len || val[k] != 'i')
			return 0;
		for (k++; k < len && taglist_is_fws((unsigned char)val[k]); k++)
			;
		if (k >= len || val[k++] != '=')
			return 0;
		while (k < len && taglist_is_fws((unsigned char)val[k]))
			k++;
		p = val + k;
		for (st = k; k < len && val[k] >= '0' && val[k] <= '9'; k++)
			;
		len = k - st;
	} else {
		if (taglist_parse(val, len, 0, tags, DKIM_MAX_SIG_TAGS, &ntags,
		    err, sizeof(err)) < 0 ||
		    (t = taglist_find(tags, ntags, "i")) == NULL)
			return 0;
		if (kind == ARC_AS && (d = taglist_find(tags, ntags, "d")) !=
		    NULL && d->value_len < sl) {
			memcpy(sealer, d->value, d->value_len);
			sealer[d->value_len] = '\0';
		}
		p = t->value;
		len = t->value_len;
	}
	if (len == 0 || len > 2 || p[0] == '0')
		return 0;
	for (k = 0; k < len; k++) {
		if (p[k] < '0' || p[k] > '9')
			return 0;
		x = x * 10 + (unsigned)(p[k] - '0');
	}
	return x <= ARC_MAX_SETS ? x : 0;
}

static void
body_out(void *arg, const void *p, size_t n)
{
	arc_bh *b = arg;

	if (EVP_DigestUpdate(b->md, p, n) != 1)
		b->failed = 1;
}

static void
start_key(arc_verifier *v, arc_sigslot *s)
{
	char name[DKIM_MAX_DOMAIN * 2 + 16];
	int n;

	if (v->r == NULL)
		return;
	n = snprintf(name, sizeof(name), "%s._domainkey.%s", s->sig.s,
	    s->sig.d);
	if (n < 0 || (size_t)n >= sizeof(name) || (size_t)n > DNS_MAX_NAME_LEN)
		return;
	s->q = dns_query_start_in(v->r, v->opt.budget, v->opt.budget_flags,
	    name, DNS_T_TXT);
}

/* Collect the sets, check the structure (RFC 8617 5.2 steps 1-2), start
 * every key lookup. */
static int
collect(arc_verifier *v)
{
	size_t k, vl;
	unsigned i, n = 0, any = 0;
	const char *val;
	char sealer[DKIM_MAX_DOMAIN + 1];

	for (k = 0; k < v->hs->n; k++) {
		size_t nl;
		const char *nm = dkim_hs_name(v->hs, k, &nl);
		int kind = arc_field_kind(nm, nl);

		if (kind < 0)
			continue;
		any = 1;
		sealer[0] = '\0';
		val = dkim_hs_value(v->hs, k, &vl);
		if ((i = arc_field_instance(kind, val, vl, sealer,
		    sizeof(sealer))) == 0)
			return fail(v, "%s without a valid i= (RFC 8617 4.2.1)",
			    arc_kind_name[kind]);
		if (v->fld[i][kind] != NO_FIELD)
			return fail(v, "two %s with i=%u (RFC 8617 4.2.1)",
			    arc_kind_name[kind], i);
		v->fld[i][kind] = k;
		if (kind == ARC_AS)
			memcpy(v->res.sealer[i - 1], sealer, sizeof(sealer));
		if (i > n)
			n = i;
	}
	if (v->hs->overflow)
		return fail(v, "header block over %zu bytes: not evaluated",
		    v->hs->max);
	if (!any)
		return 1;
	v->res.nsets = n;
	for (i = 1; i <= n; i++)
		for (k = 0; k < ARC_NKIND; k++)
			if (v->fld[i][k] == NO_FIELD)
				return fail(v, "ARC set i=%u has no %s (RFC 8617 "
				    "5.1.1)", i, arc_kind_name[k]);
	v->as = calloc(n + 1, sizeof(*v->as));
	v->ams = calloc(n + 1, sizeof(*v->ams));
	if (v->as == NULL || v->ams == NULL)
		return fail(v, "out of memory");
	for (i = 1; i <= n; i++) {
		arc_sigslot *s = &v->as[i], *m = &v->ams[i];

		val = dkim_hs_value(v->hs, v->fld[i][ARC_AS], &vl);
		s->ok = dkim_sig_parse_arc(&s->sig, 1, val, vl, s->err,
		    sizeof(s->err)) == 0;
		val = dkim_hs_value(v->hs, v->fld[i][ARC_AMS], &vl);
		m->ok = dkim_sig_parse_arc(&m->sig, 0, val, vl, m->err,
		    sizeof(m->err)) == 0;
	}
	/* 5.2 step 2: the newest seal's cv= first, then every seal's */
	if (v->as[n].ok && strcmp(v->as[n].sig.cv, "fail") == 0)
		return fail(v, "ARC-Seal i=%u says cv=fail", n);
	for (i = 1; i <= n; i++) {
		const arc_sigslot *s = &v->as[i];

		if (!s->ok)
			return fail(v, "ARC-Seal i=%u: %s", i, s->err);
		if (strcmp(s->sig.cv, i == 1 ? "none" : "pass") != 0)
			return fail(v, "ARC-Seal i=%u has cv=%s, not %s (RFC "
			    "8617 5.2)", i, s->sig.cv, i == 1 ? "none" : "pass");
	}
	if (!v->ams[n].ok)
		return fail(v, "ARC-Message-Signature i=%u: %s", n,
		    v->ams[n].err);
	for (i = 1; i <= n; i++) {
		start_key(v, &v->as[i]);
		if (v->ams[i].ok) {
			arc_bh *b = &v->body[v->ams[i].sig.body_relaxed];

			start_key(v, &v->ams[i]);
			if (!b->used) {
				b->used = 1;
				b->md = EVP_MD_CTX_new();
				if (b->md == NULL || EVP_DigestInit_ex(b->md,
				    EVP_sha256(), NULL) != 1)
					return fail(v, "out of memory");
				dkim_bodycanon_init(&b->canon,
				    v->ams[i].sig.body_relaxed, body_out, b);
			}
		}
	}
	return 0;
}

int
arc_eoh(arc_verifier *v)
{
	if (v->state != ST_HEADERS)
		return -1;
	v->state = ST_BODY;
	v->deadline = v->opt.deadline_ms != 0 ? v->opt.deadline_ms :
	    dns_now_ms() + (v->opt.key_timeout_ms != 0 ? v->opt.key_timeout_ms :
	    (v->r != NULL ? dns_resolver_timeout_ms(v->r) : 0));
	if (collect(v) == 1) {
		v->res.result = ARC_NONE;
		snprintf(v->res.reason, sizeof(v->res.reason), "no ARC sets");
		v->decided = 1;
	}
	return 0;
}

int
arc_body(arc_verifier *v, const void *p, size_t n)
{
	int k;

	if (v->state != ST_BODY)
		return -1;
	for (k = 0; k < 2; k++)
		if (v->body[k].used && !v->decided)
			dkim_bodycanon_update(&v->body[k].canon, p, n);
	return 0;
}

/* The key of s and a verification of digest with it: 0, or -1 with
 * the reason in why (RFC 6376 6.1.2, RFC 8301 key rules). */
static int
check_key(arc_verifier *v, arc_sigslot *s, const unsigned char *digest,
    size_t dlen, char *why, size_t wl)
{
	const dns_answer *ans;
	size_t k, tried = 0;
	int rc = -1;

	if (s->q == NULL) {
		snprintf(why, wl, "no key lookup (no resolver or bad name)");
		return -1;
	}
	ans = dns_query_wait(s->q, v->deadline);
	if (ans->status != DNS_RECORDS) {
		snprintf(why, wl, "key %.60s._domainkey.%.60s: %s", s->sig.s,
		    s->sig.d, dns_status_name(ans->status));
		return -1;
	}
	snprintf(why, wl, "no usable key record");
	for (k = 0; k < ans->count && tried < DKIM_MAX_KEY_RECORDS && rc < 0;
	    k++) {
		const dns_record *rec = &ans->records[k];
		dkim_key key;
		char err[DKIM_MAX_REASON];

		if (rec->type != DNS_T_TXT)
			continue;
		tried++;
		if (memchr(rec->u.txt.text, '\0', rec->u.txt.len) != NULL)
			continue;
		if (!dkim_keycache_get(v->opt.keycache, rec->u.txt.text,
		    rec->u.txt.len, &key)) {
			if (dkim_key_parse(&key, rec->u.txt.text,
			    rec->u.txt.len, err, sizeof(err)) < 0) {
				snprintf(why, wl, "key record: %.120s", err);
				dkim_key_clear(&key);
				continue;
			}
			dkim_keycache_put(v->opt.keycache, rec->u.txt.text,
			    rec->u.txt.len, &key);
		}
		if (key.revoked)
			snprintf(why, wl, "key revoked");
		else if ((s->sig.alg == DKIM_ALG_ED25519_SHA256) !=
		    (key.type == DKIM_KEY_ED25519))
			snprintf(why, wl, "key type does not match a=%s",
			    s->sig.a);
		else if (key.hashes != 0 && !(key.hashes & DKIM_HASH_SHA256))
			snprintf(why, wl, "key h= does not allow sha256");
		else if (key.type == DKIM_KEY_RSA && (key.bits <
		    v->opt.min_rsa_bits || key.bits > v->opt.max_rsa_bits ||
		    key.e_bits > DKIM_MAX_RSA_EXP_BITS))
			snprintf(why, wl, "RSA key of %u bits outside %u..%u "
			    "(RFC 8301 3.2, local limit)", key.bits,
			    v->opt.min_rsa_bits, v->opt.max_rsa_bits);
		else if (!dkim_key_verify(&key, s->sig.alg, digest, dlen,
		    s->sig.b, s->sig.blen))
			snprintf(why, wl, "signature did not verify");
		else
			rc = 0;
		dkim_key_clear(&key);
	}
	return rc;
}

static int
digest_of(const strbuf *buf, unsigned char *out, size_t *olen)
{
	unsigned dl = 0;
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	int ok = mc != NULL && !buf->failed &&
	    EVP_DigestInit_ex(mc, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(mc, buf->s, buf->len) == 1 &&
	    EVP_DigestFinal_ex(mc, out, &dl) == 1;

	EVP_MD_CTX_free(mc);
	*olen = dl;
	return ok ? 0 : -1;
}

/* Appends field k, canonicalized, with b= emptied when `strip`. */
static void
canon_field(arc_verifier *v, strbuf *buf, size_t k, int relaxed, int strip,
    int crlf)
{
	size_t nl, vl;
	const char *nm = dkim_hs_name(v->hs, k, &nl);
	const char *val = dkim_hs_value(v->hs, k, &vl);
	strbuf st;

	if (!strip) {
		dkim_canon_header(buf, relaxed, nm, nl, val, vl, crlf);
		return;
	}
	sb_init_max(&st, vl + 1);
	if (dkim_sig_strip_b(val, vl, &st) < 0)
		buf->failed = 1;
	else
		dkim_canon_header(buf, relaxed, nm, nl, st.s, st.len, crlf);
	sb_free(&st);
}

/* An AMS as a DKIM signature (RFC 8617 5.2 step 3; RFC 6376 6.1.3). */
static int
verify_ams(arc_verifier *v, unsigned i, char *why, size_t wl)
{
	arc_sigslot *m = &v->ams[i];
	const dkim_sig *sig = &m->sig;
	const arc_bh *b = &v->body[sig->body_relaxed];
	dkim_hsel sel;
	strbuf buf;
	size_t j, k, dlen;
	unsigned char digest[EVP_MAX_MD_SIZE];
	int rc = -1;

	if (!m->ok) {
		snprintf(why, wl, "%s", m->err);
		return -1;
	}
	if (sig->has_l || b->failed || b->dlen != sig->bhlen ||
	    memcmp(b->digest, sig->bh, sig->bhlen) != 0) {
		snprintf(why, wl, "body hash did not verify");
		return -1;
	}
	if (dkim_hsel_init(&sel, sig->nh) < 0) {
		snprintf(why, wl, "out of memory");
		return -1;
	}
	sb_init_max(&buf, v->hs->arena.len * 2 + DKIM_MAX_SIGNED_HEADERS * 4);
	for (j = 0; j < sig->nh; j++)
		(void)dkim_hsel_add(&sel, sig->h[j].p, sig->h[j].n);
	if (dkim_hsel_scan(&sel, v->hs) < 0)
		buf.failed = 1;
	dkim_hsel_begin(&sel);
	for (j = 0; j < sig->nh && !buf.failed; j++) {
		k = dkim_hsel_next(&sel, sig->h[j].p, sig->h[j].n);
		if (k != DKIM_HSEL_NONE)
			canon_field(v, &buf, k, sig->hdr_relaxed, 0, 1);
	}
	canon_field(v, &buf, v->fld[i][ARC_AMS], sig->hdr_relaxed, 1, 0);
	if (digest_of(&buf, digest, &dlen) < 0)
		snprintf(why, wl, "out of memory");
	else
		rc = check_key(v, m, digest, dlen, why, wl);
	sb_free(&buf);
	dkim_hsel_free(&sel);
	return rc;
}

/* The seal of instance i over sets 1..i (RFC 8617 5.1.1): relaxed. */
static int
verify_seal(arc_verifier *v, unsigned i, char *why, size_t wl)
{
	strbuf buf;
	unsigned j;
	size_t dlen;
	unsigned char digest[EVP_MAX_MD_SIZE];
	int rc = -1;

	sb_init_max(&buf, v->hs->arena.len * 2 + ARC_MAX_SETS * 12);
	for (j = 1; j <= i; j++) {
		canon_field(v, &buf, v->fld[j][ARC_AAR], 1, 0, 1);
		canon_field(v, &buf, v->fld[j][ARC_AMS], 1, 0, 1);
		canon_field(v, &buf, v->fld[j][ARC_AS], 1, j == i, j != i);
	}
	if (digest_of(&buf, digest, &dlen) < 0)
		snprintf(why, wl, "out of memory");
	else
		rc = check_key(v, &v->as[i], digest, dlen, why, wl);
	sb_free(&buf);
	return rc;
}

int
arc_eom(arc_verifier *v)
{
	char why[DKIM_MAX_REASON];
	unsigned i, n;
	int k;

	if (v->state == ST_HEADERS)
		(void)arc_eoh(v);
	if (v->state != ST_BODY)
		return -1;
	v->state = ST_DONE;
	if (v->decided)
		return 0;
	for (k = 0; k < 2; k++) {
		arc_bh *b = &v->body[k];

		if (!b->used)
			continue;
		dkim_bodycanon_final(&b->canon);
		if (EVP_DigestFinal_ex(b->md, b->digest, &b->dlen) != 1)
			b->failed = 1;
	}
	n = v->res.nsets;
	if (verify_ams(v, n, why, sizeof(why)) < 0) {
		(void)fail(v, "ARC-Message-Signature i=%u: %s", n, why);
		return 0;
	}
	v->res.oldest_pass = n;
	for (i = n - 1; i >= 1 && verify_ams(v, i, why, sizeof(why)) == 0; i--)
		v->res.oldest_pass = i;
	for (i = n; i >= 1; i--)
		if (verify_seal(v, i, why, sizeof(why)) < 0) {
			(void)fail(v, "ARC-Seal i=%u: %s", i, why);
			return 0;
		}
	v->res.result = ARC_PASS;
	snprintf(v->res.reason, sizeof(v->res.reason), "%u ARC set%s verified",
	    n, n == 1 ? "" : "s");
	return 0;
}

const char *
arc_aar(const arc_verifier *v, unsigned i, size_t *len)
{
	if (v->state != ST_DONE || v->res.result != ARC_PASS || i < 1 ||
	    i > v->res.nsets || v->fld[i][ARC_AAR] == NO_FIELD)
		return NULL;
	return dkim_hs_value(v->hs, v->fld[i][ARC_AAR], len);
}

const arc_chain *
arc_chain_result(const arc_verifier *v)
{
	return v->state == ST_DONE ? &v->res : NULL;
}
