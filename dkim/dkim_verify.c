/*
 * dkim/dkim_verify.c - the streaming verifier: header store, signature
 * set-up at end of headers, shared body hashes, key lookups and results
 * (see dkim.h for the contract).
 *
 * Flow: dkim_header() stores fields (bounded); dkim_eoh() parses the
 * DKIM-Signature fields (the first max_signatures; the rest are `policy`),
 * hashes each signature's canonical header data, starts every key lookup,
 * and creates one body hasher per distinct (body canon, hash, l=);
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

dkim_verifier *
dkim_verifier_new(dns_resolver *r, const dkim_options *o)
{
	dkim_verifier *v = calloc(1, sizeof(*v));

	if (v == NULL)
		return NULL;
	if (o != NULL)
		v->opt = *o;
	else
		dkim_options_init(&v->opt);
	if (v->opt.max_signatures == 0)
		v->opt.max_signatures = DKIM_DEFAULT_MAX_SIGNATURES;
	if (v->opt.max_signatures > DKIM_MAX_EVALUATED)
		v->opt.max_signatures = DKIM_MAX_EVALUATED;
	v->r = r;
	sb_init_max(&v->arena, DKIM_MAX_HEADER_BYTES);
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
	free(v->sigs);
	free(v->results);
	free(v->hdrs);
	sb_free(&v->arena);
	free(v);
}

static int
name_is(const char *n, size_t len, const char *lit)
{
	while (len > 0 && (n[len - 1] == ' ' || n[len - 1] == '\t'))
		len--;
	return strlen(lit) == len && strncasecmp(n, lit, len) == 0;
}

int
dkim_header(dkim_verifier *v, const char *name, size_t namelen,
    const char *value, size_t valuelen)
{
	dkim_hdr *h;
	size_t k, before = v->arena.len;

	if (v->state != DKIM_ST_HEADERS)
		return -1;
	if (v->overflow)
		return 0;
	if (v->nhdrs >= DKIM_MAX_HEADER_FIELDS) {
		v->overflow = 1;
		return 0;
	}
	if (v->nhdrs == v->hcap) {
		size_t ncap = v->hcap ? v->hcap * 2 : 32;
		dkim_hdr *nh = realloc(v->hdrs, ncap * sizeof(*nh));

		if (nh == NULL)
			return v->oom = 1, -1;
		v->hdrs = nh;
		v->hcap = ncap;
	}
	h = &v->hdrs[v->nhdrs];
	h->noff = v->arena.len;
	h->nlen = namelen;
	sb_append(&v->arena, name, namelen);
	h->voff = v->arena.len;
	/* line breaks to CRLF: bare LF gets a CR (copied in runs) */
	for (k = 0; k < valuelen;) {
		const char *lf = memchr(value + k, '\n', valuelen - k);
		size_t e = lf != NULL ? (size_t)(lf - value) : valuelen;

		sb_append(&v->arena, value + k, e - k);
		if (lf == NULL)
			break;
		if (e == 0 || value[e - 1] != '\r')
			sb_putc(&v->arena, '\r');
		sb_putc(&v->arena, '\n');
		k = e + 1;
	}
	h->vlen = v->arena.len - h->voff;
	if (v->arena.failed) {
		sb_truncate(&v->arena, before);
		v->arena.failed = 0;
		v->overflow = 1;
		return 0;
	}
	h->is_sig = name_is(name, namelen, "DKIM-Signature");
	v->nhdrs++;
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

/*
 * 3.7: hash of the selected header fields (bottom-up for repeated names,
 * absent ones contribute nothing) then the signature field itself with
 * b= emptied and no trailing CRLF.
 */
static int
hash_headers(dkim_verifier *v, dkim_sigstate *st)
{
	strbuf buf, stripped;
	unsigned char used[DKIM_MAX_HEADER_FIELDS];
	const dkim_sig *sig = &st->sig;
	const dkim_hdr *sh = &v->hdrs[st->hdr];
	const char *a = v->arena.s;
	size_t j, k;
	int rc = -1;
	unsigned int dl = 0;
	EVP_MD_CTX *mc;

	memset(used, 0, v->nhdrs);
	sb_init_max(&buf, DKIM_MAX_HEADER_BYTES * 2);
	sb_init_max(&stripped, DKIM_MAX_HEADER_BYTES);
	for (j = 0; j < sig->nh; j++) {
		for (k = v->nhdrs; k > 0; k--) {
			const dkim_hdr *h = &v->hdrs[k - 1];
			size_t nl = h->nlen;

			while (nl > 0 && (a[h->noff + nl - 1] == ' ' ||
			    a[h->noff + nl - 1] == '\t'))
				nl--;
			if (!used[k - 1] && nl == sig->h[j].n &&
			    strncasecmp(a + h->noff, sig->h[j].p, nl) == 0) {
				used[k - 1] = 1;
				dkim_canon_header(&buf, sig->hdr_relaxed, a + h->noff,
				    h->nlen, a + h->voff, h->vlen, 1);
				break;
			}
		}
	}
	if (dkim_sig_strip_b(a + sh->voff, sh->vlen, &stripped) < 0)
		goto out;
	dkim_canon_header(&buf, sig->hdr_relaxed, a + sh->noff, sh->nlen,
	    stripped.s, stripped.len, 0);
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
	if (v->nbh >= DKIM_MAX_EVALUATED)
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

static void
setup_signature(dkim_verifier *v, size_t hdr, dkim_sigstate *st,
    dkim_sigresult *r)
{
	const dkim_hdr *h = &v->hdrs[hdr];
	char err[DKIM_MAX_REASON], name[DKIM_MAX_DOMAIN * 2 + 16];
	int n;

	st->hdr = hdr;
	st->bh = -1;
	st->done = 1;
	if (dkim_sig_parse(&st->sig, v->arena.s + h->voff, h->vlen, err,
	    sizeof(err)) < 0) {
		copy_reporting(r, &st->sig);
		set_result(r, DKIM_PERMERROR, err);
		return;
	}
	copy_reporting(r, &st->sig);
	if (precheck(v, st, r) < 0)
		return;
	if (hash_headers(v, st) < 0 || (st->bh = body_hasher(v, &st->sig)) < 0) {
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
	st->q = dns_query_start(v->r, name, DNS_T_TXT);
	st->done = 0;
}

int
dkim_eoh(dkim_verifier *v)
{
	size_t k, nsig = 0, ev = 0;

	if (v->state != DKIM_ST_HEADERS)
		return -1;
	v->state = DKIM_ST_BODY;
	for (k = 0; k < v->nhdrs; k++)
		nsig += v->hdrs[k].is_sig;
	if (nsig == 0)
		return 0;
	v->results = calloc(nsig, sizeof(*v->results));
	v->sigs = calloc(nsig < v->opt.max_signatures ? nsig :
	    v->opt.max_signatures, sizeof(*v->sigs));
	if (v->results == NULL || v->sigs == NULL) {
		v->oom = 1;
		return -1;
	}
	v->nresults = nsig;
	if (v->opt.deadline_ms != 0)
		v->deadline = v->opt.deadline_ms;
	else
		v->deadline = dns_now_ms() + (v->opt.key_timeout_ms != 0 ?
		    v->opt.key_timeout_ms : (v->r != NULL ?
		    dns_resolver_timeout_ms(v->r) : 0));
	for (k = 0, nsig = 0; k < v->nhdrs; k++) {
		dkim_sigresult *r;

		if (!v->hdrs[k].is_sig)
			continue;
		r = &v->results[nsig++];
		r->key_sec = DNS_SEC_INSECURE;
		if (v->overflow) {
			set_result(r, DKIM_POLICY, "header block over the size "
			    "limit: not evaluated");
			continue;
		}
		if (ev >= v->opt.max_signatures) {
			dkim_sig tmp;
			char err[DKIM_MAX_REASON];
			const dkim_hdr *h = &v->hdrs[k];

			(void)dkim_sig_parse(&tmp, v->arena.s + h->voff, h->vlen,
			    err, sizeof(err));
			copy_reporting(r, &tmp);
			dkim_reason(r->reason, sizeof(r->reason), "more than %u "
			    "signatures: not evaluated", v->opt.max_signatures);
			r->result = DKIM_POLICY;
			continue;
		}
		v->sigs[ev].result = nsig - 1;
		setup_signature(v, k, &v->sigs[ev], r);
		ev++;
	}
	v->nsigs = ev;
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
