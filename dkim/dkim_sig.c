/*
 * dkim/dkim_sig.c - DKIM-Signature parsing, one function per tag
 * (RFC 6376 3.5; see dkim_sig_int.h).
 */
#include "dkim/dkim_key_int.h"
#include "dkim/dkim_sig_int.h"
#include "dkim/arc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/base64.h"
#include "util/domain.h"
#include "util/strcopy.h"
#include "util/taglist.h"

static int
is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
eq_ci(const char *v, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(v, lit, n) == 0;
}

/*
 * RFC 6376 3.5 domain-name = sub-domain 1*("." sub-domain) (RFC 5321):
 * labels of letters, digits and inner hyphens, at least two labels.
 * Selectors (3.1) may have one label and underscores.
 */
#define DKIM_DOMAIN (DOMAIN_LETDIG_ENDS | DOMAIN_FQDN)
#define DKIM_SELECTOR (DOMAIN_LETDIG_ENDS | DOMAIN_UNDERSCORE)

static int
parse_digits(const char *v, size_t n, size_t maxdigits, uint64_t *out)
{
	size_t k;
	uint64_t x = 0;

	if (n == 0 || n > maxdigits)
		return -1;
	for (k = 0; k < n; k++) {
		if (v[k] < '0' || v[k] > '9')
			return -1;
		if (x > (UINT64_MAX - 9) / 10)
			x = UINT64_MAX;  /* l= may have 76 digits: saturate */
		else
			x = x * 10 + (uint64_t)(v[k] - '0');
	}
	*out = x;
	return 0;
}

#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* The signature kinds (all_tags, below), and the rows of a kind's
 * taglist table (all_tags' 16, and the end row). */
enum { K_DKIM = 1, K_AMS = 2, K_AS = 4 };
#define K_ALL (K_DKIM | K_AMS | K_AS)
#define K_SIG (K_DKIM | K_AMS)
#define DKIM_SIG_TABLE 17

static int
tag_v(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (n != 1 || v[0] != '1')
		return BAD("unsupported version v=%.*s", (int)(n > 16 ? 16 : n), v);
	sig->has_v = 1;
	return 0;
}

static int
tag_a(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	strcopy_n(sig->a, sizeof(sig->a), v, n);
	if (eq_ci(v, n, "rsa-sha256"))
		sig->alg = DKIM_ALG_RSA_SHA256;
	else if (eq_ci(v, n, "ed25519-sha256"))
		sig->alg = DKIM_ALG_ED25519_SHA256;
	else if (eq_ci(v, n, "rsa-sha1"))
		sig->alg = DKIM_ALG_RSA_SHA1;
	else
		return BAD("unsupported algorithm a=%s", sig->a);
	sig->has_alg = 1;
	return 0;
}

static int
tag_b(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;
	size_t k, o = 0;

	for (k = 0; k < n && o < 8; k++)
		if (!is_fws((unsigned char)v[k]))
			sig->b_prefix[o++] = v[k];
	sig->b_prefix[o] = '\0';
	if (base64_decode(v, n, sig->b, sizeof(sig->b), &sig->blen) < 0 ||
	    sig->blen == 0)
		return BAD("b= is not valid base64 (or longer than %d octets)",
		    DKIM_MAX_SIG_OCTETS);
	return 0;
}

static int
tag_bh(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (base64_decode(v, n, sig->bh, sizeof(sig->bh), &sig->bhlen) < 0 ||
	    sig->bhlen == 0)
		return BAD("bh= is not valid base64");
	return 0;
}

static int
tag_c(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;
	const char *slash = memchr(v, '/', n);
	size_t hn = slash ? (size_t)(slash - v) : n;
	const char *b = slash ? slash + 1 : NULL;
	size_t bn = slash ? n - hn - 1 : 0;

	if (eq_ci(v, hn, "relaxed"))
		sig->hdr_relaxed = 1;
	else if (!eq_ci(v, hn, "simple"))
		goto bad;
	if (b != NULL) {
		if (eq_ci(b, bn, "relaxed"))
			sig->body_relaxed = 1;
		else if (!eq_ci(b, bn, "simple"))
			goto bad;
	}
	return 0;
bad:
	return BAD("unsupported canonicalization c=%.*s", (int)(n > 32 ? 32 : n), v);
}

static int
tag_d(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	strcopy_n(sig->d, sizeof(sig->d), v, n);
	if (!domain_valid(v, n, DKIM_DOMAIN))
		return BAD("d= is not a domain name");
	return 0;
}

static int
tag_s(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	strcopy_n(sig->s, sizeof(sig->s), v, n);
	if (!domain_valid(v, n, DKIM_SELECTOR))
		return BAD("s= is not a selector");
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* i= is dkim-quoted-printable (3.5, 2.11): =XX escapes, FWS ignored. */
static int
tag_i(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;
	const char *at;
	size_t k, o = 0;

	for (k = 0; k < n; k++) {
		int c = (unsigned char)v[k];

		if (is_fws(c))
			continue;
		if (c == '=') {
			int h1 = k + 2 < n ? hexval((unsigned char)v[k + 1]) : -1;
			int h2 = k + 2 < n ? hexval((unsigned char)v[k + 2]) : -1;

			if (h1 < 0 || h2 < 0)
				return BAD("i= has a bad quoted-printable escape");
			c = h1 * 16 + h2;
			k += 2;
		}
		if (o + 1 >= sizeof(sig->i))
			return BAD("i= is too long");
		sig->i[o++] = (char)c;
	}
	sig->i[o] = '\0';
	at = strrchr(sig->i, '@');
	if (at == NULL)
		return BAD("i= is not an identity (no @)");
	if (!domain_valid(at + 1, strlen(at + 1), DKIM_DOMAIN))
		return BAD("i= domain is not a domain name");
	return 0;
}

static int
tag_h(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;
	size_t k = 0, from = 0;

	sig->nh = 0;
	while (k <= n) {
		size_t st, en;

		while (k < n && is_fws((unsigned char)v[k]))
			k++;
		st = k;
		while (k < n && v[k] != ':' && !is_fws((unsigned char)v[k])) {
			if ((unsigned char)v[k] < 33 || (unsigned char)v[k] > 126)
				return BAD("h= has an invalid field name");
			k++;
		}
		en = k;
		while (k < n && is_fws((unsigned char)v[k]))
			k++;
		if (en == st || (k < n && v[k] != ':'))
			return BAD("h= has an empty or invalid field name");
		if (sig->nh >= DKIM_MAX_SIGNED_HEADERS)
			return BAD("h= lists more than %d fields",
			    DKIM_MAX_SIGNED_HEADERS);
		sig->h[sig->nh].p = v + st;
		sig->h[sig->nh].n = en - st;
		if (eq_ci(v + st, en - st, "from"))
			from = 1;
		sig->nh++;
		k++;  /* past ':' (or the end) */
	}
	if (!from && !sig->arc)
		return BAD("h= does not include From (RFC 6376 5.4)");
	return 0;
}

static int
tag_l(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (parse_digits(v, n, 76, &sig->l) < 0)
		return BAD("l= is not a number");
	sig->has_l = 1;
	return 0;
}

static int
is_dns_txt(void *arg, const char *item, size_t len)
{
	(void)arg;
	return eq_ci(item, len, "dns/txt");
}

static int
tag_q(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	(void)ctx;
	if (dkim_each_item(v, n, is_dns_txt, NULL))
		return 0;
	return BAD("q= lists no supported query method (dns/txt)");
}

static int
tag_t(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (parse_digits(v, n, 12, &sig->t) < 0)
		return BAD("t= is not a timestamp");
	sig->has_t = 1;
	return 0;
}

static int
tag_x(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (parse_digits(v, n, 12, &sig->x) < 0)
		return BAD("x= is not a timestamp");
	sig->has_x = 1;
	return 0;
}

/* Order matters only for which error is reported first. */
static void kind_tags(unsigned kind, taglist_spec *out);

int
dkim_sig_parse(dkim_sig *sig, const char *value, size_t len, char *err,
    size_t errlen)
{
	taglist_tag tags[DKIM_MAX_SIG_TAGS];
	taglist_spec table[DKIM_SIG_TABLE];
	size_t ntags;
	const taglist_tag *t;

	memset(sig, 0, sizeof(*sig));
	if (taglist_parse(value, len, 0, tags, DKIM_MAX_SIG_TAGS, &ntags, err,
	    errlen) < 0)
		return -1;
	kind_tags(K_DKIM, table);
	/* fill the reporting fields first, whatever fails later */
	if ((t = taglist_find(tags, ntags, "d")) != NULL)
		strcopy_n(sig->d, sizeof(sig->d), t->value, t->value_len);
	if ((t = taglist_find(tags, ntags, "s")) != NULL)
		strcopy_n(sig->s, sizeof(sig->s), t->value, t->value_len);
	if ((t = taglist_find(tags, ntags, "a")) != NULL)
		strcopy_n(sig->a, sizeof(sig->a), t->value, t->value_len);
	if (taglist_apply(tags, ntags, table, sig, err, errlen) < 0)
		return -1;
	snprintf(sig->c, sizeof(sig->c), "%s/%s",
	    sig->hdr_relaxed ? "relaxed" : "simple",
	    sig->body_relaxed ? "relaxed" : "simple");
	if (sig->i[0] == '\0') {
		snprintf(sig->i, sizeof(sig->i), "@%s", sig->d);
	} else if (!domain_within(strrchr(sig->i, '@') + 1, sig->d, 0)) {
		return BAD("i= domain is not d= or a subdomain of it (RFC 6376 3.5)");
	}
	if (sig->has_t && sig->has_x && sig->x < sig->t)
		return BAD("x= is before t= (RFC 6376 3.5)");
	return 0;
}

int
dkim_sig_strip_b(const char *value, size_t len, strbuf *out)
{
	taglist_tag tags[DKIM_MAX_SIG_TAGS];
	size_t ntags;
	char err[128];
	const taglist_tag *b;

	if (taglist_parse(value, len, 0, tags, DKIM_MAX_SIG_TAGS, &ntags, err,
	    sizeof(err)) < 0 || (b = taglist_find(tags, ntags, "b")) == NULL)
		return -1;
	sb_append(out, value, b->value_start);
	sb_append(out, value + b->value_end, len - b->value_end);
	return out->failed ? -1 : 0;
}

/* ---- ARC (RFC 8617 4.1.2, 4.1.3) ---- */

static int
tag_arc_i(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;
	uint64_t x;

	/* 4.2.1: 1 to 50; "i=01" is not an instance number */
	if (parse_digits(v, n, 2, &x) < 0 || x < 1 || x > ARC_MAX_SETS || v[0] == '0')
		return BAD("i=%.*s is not an instance number 1..50 (RFC 8617 "
		    "4.2.1)", (int)(n > 16 ? 16 : n), v);
	sig->instance = (unsigned)x;
	return 0;
}

static int
tag_arc_cv(void *ctx, const char *v, size_t n, char *err, size_t errlen)
{
	dkim_sig *sig = ctx;

	if (!eq_ci(v, n, "none") && !eq_ci(v, n, "pass") && !eq_ci(v, n, "fail"))
		return BAD("cv=%.*s is not none, pass or fail (RFC 8617 4.1.3)",
		    (int)(n > 16 ? 16 : n), v);
	strcopy_n(sig->cv, sizeof(sig->cv), v, n);
	for (n = 0; sig->cv[n] != '\0'; n++)
		if (sig->cv[n] >= 'A' && sig->cv[n] <= 'Z')
			sig->cv[n] = (char)(sig->cv[n] - 'A' + 'a');
	return 0;
}


/*
 * The tags of the three signature kinds, one row per tag and parser: the
 * kinds it belongs to and those it is required in. Rows are applied in
 * this order. DKIM-Signature: RFC 6376 3.5; ARC-Message-Signature: the
 * same less v= (RFC 8617 4.1.2), i= the instance; ARC-Seal: RFC 8617
 * 4.1.3 (no h=, bh=, c=, l=, ...).
 */
static const struct sig_tag {
	const char *name;
	unsigned kinds, required;
	int (*parse)(void *ctx, const char *v, size_t n, char *err,
	    size_t errlen);
} all_tags[] = {
	{ "v", K_DKIM, K_DKIM, tag_v },
	{ "i", K_AMS | K_AS, K_AMS | K_AS, tag_arc_i },
	{ "cv", K_AS, K_AS, tag_arc_cv },
	{ "d", K_ALL, K_ALL, tag_d },
	{ "s", K_ALL, K_ALL, tag_s },
	{ "a", K_ALL, K_ALL, tag_a },
	{ "b", K_ALL, K_ALL, tag_b },
	{ "bh", K_SIG, K_SIG, tag_bh },
	{ "h", K_SIG, K_SIG, tag_h },
	{ "c", K_SIG, 0, tag_c },
	{ "i", K_DKIM, 0, tag_i },
	{ "l", K_SIG, 0, tag_l },
	{ "q", K_SIG, 0, tag_q },
	{ "t", K_ALL, 0, tag_t },
	{ "x", K_SIG, 0, tag_x },
	{ "z", K_DKIM, 0, NULL },
};

#define NSIG_TAGS (sizeof(all_tags) / sizeof(all_tags[0]))
_Static_assert(NSIG_TAGS < DKIM_SIG_TABLE, "DKIM_SIG_TABLE too small");

/* The taglist table of one kind, into out (NSIG_TAGS + 1 rows). */
static void
kind_tags(unsigned kind, taglist_spec *out)
{
	size_t k, n = 0;

	for (k = 0; k < NSIG_TAGS; k++)
		if (all_tags[k].kinds & kind) {
			out[n].name = all_tags[k].name;
			out[n].required = (all_tags[k].required & kind) != 0;
			out[n++].parse = all_tags[k].parse;
		}
	out[n].name = NULL;
	out[n].required = 0;
	out[n].parse = NULL;
}

int
dkim_sig_parse_arc(dkim_sig *sig, int seal, const char *value, size_t len,
    char *err, size_t errlen)
{
	taglist_tag tags[DKIM_MAX_SIG_TAGS];
	taglist_spec table[DKIM_SIG_TABLE];
	size_t ntags, k;
	const taglist_tag *t;

	memset(sig, 0, sizeof(*sig));
	sig->arc = seal ? 2 : 1;
	kind_tags(seal ? K_AS : K_AMS, table);
	if (taglist_parse(value, len, 0, tags, DKIM_MAX_SIG_TAGS, &ntags, err,
	    errlen) < 0)
		return -1;
	if ((t = taglist_find(tags, ntags, "d")) != NULL)
		strcopy_n(sig->d, sizeof(sig->d), t->value, t->value_len);
	if (seal && taglist_find(tags, ntags, "h") != NULL)
		return BAD("ARC-Seal has an h= tag (RFC 8617 4.1.3)");
	if (taglist_apply(tags, ntags, table, sig, err, errlen) < 0)
		return -1;
	if (sig->alg == DKIM_ALG_RSA_SHA1)
		return BAD("a=rsa-sha1 is not allowed in ARC (RFC 8617 4.1.2, "
		    "RFC 8301 3.1)");
	for (k = 0; k < sig->nh; k++)
		if (eq_ci(sig->h[k].p, sig->h[k].n, "arc-seal"))
			return BAD("h= lists ARC-Seal (RFC 8617 4.1.2)");
	snprintf(sig->c, sizeof(sig->c), "%s/%s",
	    sig->hdr_relaxed ? "relaxed" : "simple",
	    sig->body_relaxed ? "relaxed" : "simple");
	return 0;
}
