/*
 * dkim/dkim_verify.c - the streaming verifier: header store, signature
 * set-up at end of headers, shared body hashes, key lookups and results
 * (see dkim.h for the contract).
 *
 * Flow: dkim_header() stores fields (dkim_hdrs.c, bounded in bytes);
 * dkim_eoh() parses the DKIM-Signature fields (the first max_signatures;
 * the rest are `policy`), indexes the fields their h= lists name, hashes
 * each signature's canonical header data, starts every key lookup, and
 * creates one body hasher per distinct (body canon, hash, l=);
 * dkim_body() feeds the hashers; dkim_eom() finishes the body hashes,
 * waits for the keys and decides (dkim_result.c).
 */
#include "dkim/dkim_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* snprintf into a reason field; truncation is acceptable there. */
void
dkim_reason(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

void
dkim_options_init(dkim_options *o)
{
	memset(o, 0, sizeof(*o));
	o->max_signatures = DKIM_DEFAULT_MAX_SIGNATURES;
	o->min_rsa_bits = DKIM_DEFAULT_MIN_RSA_BITS;
	o->max_rsa_bits = DKIM_DEFAULT_MAX_RSA_BITS;
	o->clock_skew = DKIM_DEFAULT_CLOCK_SKEW;
}

const char *
dkim_result_name(dkim_result r)
{
	static const char *const names[] = {
		"pass", "fail", "neutral", "policy", "temperror", "permerror",
	};

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

/* The options (NULL: the defaults) with the bounds every verifier
 * applies (DKIM's and ARC's, dkim_int.h). */
void
dkim_options_copy(dkim_options *dst, const dkim_options *o)
{
	if (o != NULL)
		*dst = *o;
	else
		dkim_options_init(dst);
	if (dst->max_rsa_bits == 0)
		dst->max_rsa_bits = DKIM_DEFAULT_MAX_RSA_BITS;
	if (dst->max_rsa_bits > DKIM_MAX_RSA_BITS_LIMIT)
		dst->max_rsa_bits = DKIM_MAX_RSA_BITS_LIMIT;
	if (dst->max_header_bytes == 0)
		dst->max_header_bytes = DKIM_DEFAULT_MAX_HEADER_BYTES;
	if (dst->max_header_bytes > DKIM_MAX_HEADER_BYTES_LIMIT)
		dst->max_header_bytes = DKIM_MAX_HEADER_BYTES_LIMIT;
}

dkim_verifier *
dkim_verifier_new(dns_resolver *r, const dkim_options *o)
{
	dkim_verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	dkim_options_copy(&v->opt, o);
	if (v->opt.max_signatures == 0)
		v->opt.max_signatures = DKIM_DEFAULT_MAX_SIGNATURES;
	if (v->opt.max_signatures > DKIM_MAX_EVALUATED)
		v->opt.max_signatures = DKIM_MAX_EVALUATED;
	v->r = r;
	dkim_hs_init(&v->hs, v->opt.max_header_bytes);
	return v;
}

void
dkim_verifier_free(dkim_verifier *v)
{
	size_t k;

	if (v == NULL)
		return;
	for (k = 0; k < v->nsigs; k++)
		dns_query_free(v->sigs[k].q);
	for (k = 0; k < v->nbh; k++)
		EVP_MD_CTX_free(v->bh[k].md);
	free(v->bh);
	free(v->sigs);
	free(v->results);
	dkim_hs_free(&v->hs);
	free(v);
}

int
dkim_header(dkim_verifier *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	if (v->state != DKIM_ST_HEADERS)
		return -1;
	switch (dkim_hs_add(&v->hs, name, namelen, value, valuelen)) {
	case -1:
		return v->oom = 1, -1;
	case 1:  /* past the bound: only counted, to be reported */
		if (dkim_hs_name_is_sig(name, namelen))
			v->nsig_over++;
		break;
	}
	return 0;
}

static void
set_result(dkim_sigresult *r, dkim_result res, const char *reason)
{
	r->result = res;
	dkim_reason(r->reason, sizeof(r->reason), "%s", reason);
}

static void
copy_reporting(dkim_sigresult *r, const dkim_sig *sig)
{
	snprintf(r->d, sizeof(r->d), "%s", sig->d);
	snprintf(r->s, sizeof(r->s), "%s", sig->s);
	snprintf(r->a, sizeof(r->a), "%s", sig->a);
	snprintf(r->b, sizeof(r->b), "%s", sig->b_prefix);
	snprintf(r->c, sizeof(r->c), "%s", sig->c);
	snprintf(r->i, sizeof(r->i), "%s", sig->i);
}

/* The reporting fields (d=, s=, ...) of signature field k, which is not
 * evaluated: parsed only to say whose it was. */
static void
report_unevaluated(const dkim_verifier *v, size_t k, dkim_sigresult *r)
{
	dkim_sig tmp;
	char err[DKIM_MAX_REASON];
	size_t vl;
	const char *val = dkim_hs_value(&v->hs, k, &vl);

	(void)dkim_sig_parse(&tmp, val, vl, err, sizeof(err));
	copy_reporting(r, &tmp);
}

/*
 * 3.7: hash of the selected header fields (bottom-up for repeated names,
 * absent ones contribute nothing) then the signature field itself with
 * b= emptied and no trailing CRLF.
 */
static int
hash_headers(dkim_verifier *v, dkim_hsel *sel, dkim_sigstate *st)
{
	strbuf buf, stripped;
	const dkim_sig *sig = &st->sig;
	const char *sn, *sv;
	size_t j, k, snl, svl;
	int rc = -1;
	unsigned int dl = 0;
	EVP_MD_CTX *mc;

	/* each field is used once: at most the arena, plus ':' and CRLF each */
	sb_init_max(&buf, v->hs.arena.len * 2 + DKIM_MAX_SIGNED_HEADERS * 4);
	sb_init_max(&stripped, v->hs.arena.len);
	dkim_hsel_begin(sel);
	for (j = 0; j < sig->nh; j++) {
		size_t nl, vl;
		const char *n, *val;

		k = dkim_hsel_next(sel, sig->h[j].p, sig->h[j].n);
		if (k == DKIM_HSEL_NONE)
			continue;  /* absent (or used up): contributes nothing */
		n = dkim_hs_name(&v->hs, k, &nl);
		val = dkim_hs_value(&v->hs, k, &vl);
		dkim_canon_header(&buf, sig->hdr_relaxed, n, nl, val, vl, 1);
	}
	sn = dkim_hs_name(&v->hs, st->hdr, &snl);
	sv = dkim_hs_value(&v->hs, st->hdr, &svl);
	if (dkim_sig_strip_b(sv, svl, &stripped) < 0)
		goto out;
	dkim_canon_header(&buf, sig->hdr_relaxed, sn, snl, stripped.s,
	    stripped.len, 0);
	if (buf.failed)
		goto out;
	mc = EVP_MD_CTX_new();
	if (mc != NULL && EVP_DigestInit_ex(mc, dkim_alg_md(sig->alg), NULL) == 1 &&
	    EVP_DigestUpdate(mc, buf.s, buf.len) == 1 &&
	    EVP_DigestFinal_ex(mc, st->hhash, &dl) == 1) {
		st->hhlen = dl;
		rc = 0;
	}
	EVP_MD_CTX_free(mc);
out:
	sb_free(&buf);
	sb_free(&stripped);
	return rc;
}

static void
bh_out(void *arg, const void *p, size_t n)
{
	dkim_bodyhash *bh = arg;

	bh->total += n;
	if (bh->hashed < bh->limit) {
		uint64_t take = bh->limit - bh->hashed;

		if (take > n)
			take = n;
		if (EVP_DigestUpdate(bh->md, p, (size_t)take) != 1)
			bh->failed = 1;
		bh->hashed += take;
	}
}

/* The body hasher for this signature, shared when (canon, hash, l=) match. */
static int
body_hasher(dkim_verifier *v, const dkim_sig *sig)
{
	const EVP_MD *md = dkim_alg_md(sig->alg);
	uint64_t limit = sig->has_l ? sig->l : UINT64_MAX;
	size_t k;
	dkim_bodyhash *bh;

	for (k = 0; k < v->nbh; k++)
		if (v->bh[k].relaxed == sig->body_relaxed &&
		    v->bh[k].mdtype == md && v->bh[k].limit == limit)
			return (int)k;
	if (v->nbh >= v->bhcap)
		return -1;
	bh = &v->bh[v->nbh];
	memset(bh, 0, sizeof(*bh));
	bh->relaxed = sig->body_relaxed;
	bh->mdtype = md;
	bh->limit = limit;
	bh->md = EVP_MD_CTX_new();
	if (bh->md == NULL || EVP_DigestInit_ex(bh->md, md, NULL) != 1) {
		EVP_MD_CTX_free(bh->md);
		return -1;
	}
	dkim_bodycanon_init(&bh->canon, bh->relaxed, bh_out, bh);
	return (int)v->nbh++;
}

static int64_t
now_unix(const dkim_verifier *v)
{
	return v->opt.now != 0 ? v->opt.now : (int64_t)time(NULL);
}

/* RFC 6376 6.1.1 checks that need no key; 0 when the signature may go on. */
static int
precheck(dkim_verifier *v, dkim_sigstate *st, dkim_sigresult *r)
{
	const dkim_sig *sig = &st->sig;
	int64_t now = now_unix(v), skew = v->opt.clock_skew;
	char why[DKIM_MAX_REASON];

	if (sig->alg == DKIM_ALG_RSA_SHA1 && !v->opt.allow_sha1) {
		set_result(r, DKIM_PERMERROR, "rsa-sha1 not accepted (RFC 8301)");
		return -1;
	}
	if (sig->has_x && (int64_t)sig->x + skew < now) {
		int64_t ago = now - (int64_t)sig->x;

		if (ago >= 2 * 86400)
			dkim_reason(why, sizeof(why), "signature expired %lld days ago",
			    (long long)(ago / 86400));
		else if (ago >= 7200)
			dkim_reason(why, sizeof(why), "signature expired %lld hours ago",
			    (long long)(ago / 3600));
		else
			dkim_reason(why, sizeof(why), "signature expired %lld seconds ago",
			    (long long)ago);
		set_result(r, DKIM_PERMERROR, why);
		return -1;
	}
	if (sig->has_t && sig->t <= (uint64_t)INT64_MAX &&
	    (int64_t)sig->t > now + skew) {
		dkim_reason(why, sizeof(why), "signature timestamp t= is %lld seconds "
		    "in the future", (long long)((int64_t)sig->t - now));
		set_result(r, DKIM_PERMERROR, why);
		return -1;
	}
	return 0;
}

/* Parse and the checks that need no key; 0 when the signature goes on. */
static int
parse_signature(dkim_verifier *v, size_t hdr, dkim_sigstate *st,
    dkim_sigresult *r)
{
	char err[DKIM_MAX_REASON];
	const char *val;
	size_t vl;

	st->hdr = hdr;
	st->bh = -1;
	st->done = 1;
	val = dkim_hs_value(&v->hs, hdr, &vl);
	if (dkim_sig_parse(&st->sig, val, vl, err, sizeof(err)) < 0) {
		copy_reporting(r, &st->sig);
		set_result(r, DKIM_PERMERROR, err);
		return -1;
	}
	copy_reporting(r, &st->sig);
	if (precheck(v, st, r) < 0)
		return -1;
	st->done = 0;
	return 0;
}

/* Header hash, body hasher and key lookup of a parsed signature. */
static void
start_signature(dkim_verifier *v, dkim_hsel *sel, dkim_sigstate *st,
    dkim_sigresult *r)
{
	char name[DKIM_MAX_DOMAIN * 2 + 16];
	int n;

	st->done = 1;
	if (sel == NULL || hash_headers(v, sel, st) < 0 ||
	    (st->bh = body_hasher(v, &st->sig)) < 0) {
		set_result(r, DKIM_TEMPERROR, "out of memory");
		return;
	}
	if (v->r == NULL) {
		set_result(r, DKIM_TEMPERROR, "no resolver for the key lookup");
		return;
	}
	n = snprintf(name, sizeof(name), "%s._domainkey.%s", st->sig.s,
	    st->sig.d);
	if (n < 0 || (size_t)n >= sizeof(name) || (size_t)n > DNS_MAX_NAME_LEN) {
		set_result(r, DKIM_PERMERROR, "key name is longer than 255 octets");
		return;
	}
	st->q = dns_query_start_in(v->r, v->opt.budget, v->opt.budget_flags,
	    name, DNS_T_TXT);
	st->done = 0;
}

/* Hash headers and start lookups for every signature that parsed: the
 * fields their h= lists name are indexed once for all of them. */
static void
start_signatures(dkim_verifier *v)
{
	dkim_hsel sel, *selp = NULL;
	size_t k, j, nnames = 0;

	for (k = 0; k < v->nsigs; k++)
		if (!v->sigs[k].done)
			nnames += v->sigs[k].sig.nh;
	if (nnames == 0)
		return;
	if (dkim_hsel_init(&sel, nnames) == 0) {
		selp = &sel;
		for (k = 0; k < v->nsigs && selp != NULL; k++)
			for (j = 0; !v->sigs[k].done && j < v->sigs[k].sig.nh; j++)
				if (dkim_hsel_add(&sel, v->sigs[k].sig.h[j].p,
				    v->sigs[k].sig.h[j].n) < 0)
					selp = NULL;
		if (selp != NULL && dkim_hsel_scan(&sel, &v->hs) < 0)
			selp = NULL;
	}
	for (k = 0; k < v->nsigs; k++)
		if (!v->sigs[k].done)
			start_signature(v, selp, &v->sigs[k],
			    &v->results[v->sigs[k].result]);
	dkim_hsel_free(&sel);
}

int
dkim_header_skipped(dkim_verifier *v, const char *name, size_t namelen)
{
	if (v->state != DKIM_ST_HEADERS)
		return -1;
	v->hs.overflow = 1;	/* every later field refused, as past the bound */
	v->skipped = 1;
	if (dkim_hs_name_is_sig(name, namelen))
		v->nsig_over++;
	return 0;
}

int
dkim_header_over(const dkim_verifier *v)
{
	return v->hs.overflow != 0;
}

int
dkim_eoh(dkim_verifier *v)
{
	size_t k, nsig = 0, ev = 0, listed;

	if (v->state != DKIM_ST_HEADERS)
		return -1;
	v->state = DKIM_ST_BODY;
	for (k = 0; k < v->hs.n; k++)
		nsig += dkim_hs_is_sig(&v->hs, k);
	nsig += v->nsig_over;
	if (nsig == 0)
		return 0;
	listed = nsig < DKIM_MAX_LISTED ? nsig : DKIM_MAX_LISTED;
	v->results = calloc(listed, sizeof(*v->results));
	v->bhcap = listed < v->opt.max_signatures ? listed :
	    v->opt.max_signatures;
	v->sigs = calloc(v->bhcap, sizeof(*v->sigs));
	v->bh = calloc(v->bhcap, sizeof(*v->bh));
	if (v->results == NULL || v->sigs == NULL || v->bh == NULL) {
		v->oom = 1;
		return -1;
	}
	v->nresults = listed;
	if (v->opt.deadline_ms != 0)
		v->deadline = v->opt.deadline_ms;
	else
		v->deadline = dns_now_ms() + (v->opt.key_timeout_ms != 0 ?
		    v->opt.key_timeout_ms : (v->r != NULL ?
		    dns_resolver_timeout_ms(v->r) : 0));
	for (k = 0, nsig = 0; k < v->hs.n + v->nsig_over && nsig < listed; k++) {
		dkim_sigresult *r;

		if (k < v->hs.n && !dkim_hs_is_sig(&v->hs, k))
			continue;
		r = &v->results[nsig++];
		r->key_sec = DNS_SEC_INSECURE;
		if (v->hs.overflow) {
			if (k < v->hs.n)
				report_unevaluated(v, k, r);
			if (v->skipped)
				dkim_reason(r->reason, sizeof(r->reason), "a "
				    "header field too big to be read: not "
				    "evaluated");
			else
				dkim_reason(r->reason, sizeof(r->reason),
				    "header block over %zu bytes: not "
				    "evaluated", v->hs.max);
			r->result = DKIM_POLICY;
			continue;
		}
		if (ev >= v->opt.max_signatures) {
			report_unevaluated(v, k, r);
			dkim_reason(r->reason, sizeof(r->reason), "more than %u "
			    "signatures: not evaluated", v->opt.max_signatures);
			r->result = DKIM_POLICY;
			continue;
		}
		v->sigs[ev].result = nsig - 1;
		(void)parse_signature(v, k, &v->sigs[ev], r);
		ev++;
	}
	v->nsigs = ev;
	start_signatures(v);
	return 0;
}

int
dkim_body(dkim_verifier *v, const void *p, size_t n)
{
	size_t k;

	if (v->state != DKIM_ST_BODY)
		return -1;
	for (k = 0; k < v->nbh; k++)
		dkim_bodycanon_update(&v->bh[k].canon, p, n);
	return 0;
}

int
dkim_eom(dkim_verifier *v)
{
	size_t k;
	int rc = 0;

	if (v->state == DKIM_ST_HEADERS)
		rc = dkim_eoh(v);
	if (v->state != DKIM_ST_BODY)
		return -1;
	v->state = DKIM_ST_DONE;
	for (k = 0; k < v->nbh; k++) {
		dkim_bodyhash *bh = &v->bh[k];
		unsigned int dl = 0;

		dkim_bodycanon_final(&bh->canon);
		if (EVP_DigestFinal_ex(bh->md, bh->digest, &dl) != 1)
			bh->failed = 1;
		bh->dlen = dl;
	}
	for (k = 0; k < v->nsigs; k++)
		if (!v->sigs[k].done)
			dkim_decide(v, &v->sigs[k], &v->results[v->sigs[k].result]);
	return rc < 0 || v->oom ? -1 : 0;
}

size_t
dkim_count(const dkim_verifier *v)
{
	return v->state == DKIM_ST_DONE ? v->nresults : 0;
}

const dkim_sigresult *
dkim_result_at(const dkim_verifier *v, size_t i)
{
	return v->state == DKIM_ST_DONE && i < v->nresults ? &v->results[i] : NULL;
}
