/*
 * message/arc_trust.c - trusted ARC sealers: does a validated chain carry
 * a trusted forwarder's word that the message passed DMARC when it got
 * there (contract in arc_trust_int.h). Everything read here was written
 * by the sender or a forwarder: any doubt is "no".
 */
#include "message/arc_trust_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dmarc/dmarc.h"
#include "message/ar_parse_int.h"
#include "util/strcopy.h"

/* The longest AAR read (local limit: an AR field of ours is far shorter;
 * a longer one is not trusted). */
#define ARC_TRUST_AAR_MAX 8192

/* Strictly aligned with the author domain (dmarc/'s rule: equal names). */
static int
strict(const char *author, const char *id)
{
	return id != NULL && *id != '\0' &&
	    dmarc_aligned(author, "", id, "", DMARC_ALIGN_STRICT) == 1;
}

/* Skip folding white space (and the CR LF of a fold). */
static size_t
fws(const char *s, size_t len, size_t p)
{
	while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' ||
	    s[p] == '\n'))
		p++;
	return p;
}

int
arc_trust_aar_says(const char *aar, size_t len, unsigned i,
    const char *from_domain, char *what, size_t whatlen)
{
	char err[128];
	ar_header *h;
	unsigned long n = 0;
	size_t p, k, digits = 0;
	int dmarc_pass = 0, spf = 0, dkim = 0, denied = 0;

	what[0] = '\0';
	if (aar == NULL || len > ARC_TRUST_AAR_MAX || from_domain == NULL ||
	    *from_domain == '\0')
		return 0;
	/* RFC 8617 4.1.1: "i=" instance ";" authres-payload */
	p = fws(aar, len, 0);
	if (p >= len || aar[p] != 'i')
		return 0;
	p = fws(aar, len, p + 1);
	if (p >= len || aar[p] != '=')
		return 0;
	p = fws(aar, len, p + 1);
	if (p < len && aar[p] == '0')
		return 0;  /* as dkim/arc.c reads i=: 1 to 50, no leading 0 */
	while (p < len && aar[p] >= '0' && aar[p] <= '9' && digits < 3) {
		n = n * 10 + (unsigned long)(aar[p++] - '0');
		digits++;
	}
	p = fws(aar, len, p);
	if (digits == 0 || n != i || p >= len || aar[p] != ';')
		return 0;
	p++;
	if ((h = ar_parse(aar + p, len - p, err, sizeof(err))) == NULL)
		return 0;
	for (k = 0; k < h->nres; k++) {
		const ar_resinfo *r = &h->res[k];
		const char *v;

		if (strcasecmp(r->method, "dmarc") == 0) {
			if (!strict(from_domain,
			    ar_prop_value(r, "header", "from")))
				continue;
			if (strcasecmp(r->result, "pass") == 0)
				dmarc_pass = 1;
			else
				denied = 1;  /* it says the author failed */
		} else if (strcasecmp(r->method, "spf") == 0 &&
		    strcasecmp(r->result, "pass") == 0 && !spf) {
			v = ar_prop_value(r, "smtp", "mailfrom");
			if (v != NULL && strrchr(v, '@') != NULL)
				v = strrchr(v, '@') + 1;
			spf = strict(from_domain, v);
		} else if (strcasecmp(r->method, "dkim") == 0 &&
		    strcasecmp(r->result, "pass") == 0 && !dkim) {
			dkim = strict(from_domain,
			    ar_prop_value(r, "header", "d"));
		}
	}
	ar_header_free(h);
	/* a dmarc result for the author is what counts, then aligned SPF,
	 * then aligned DKIM; one saying the author failed denies it all */
	if (denied)
		return 0;
	if (dmarc_pass)
		snprintf(what, whatlen, "dmarc=pass header.from=%s",
		    from_domain);
	else if (spf)
		snprintf(what, whatlen, "spf=pass smtp.mailfrom=%s",
		    from_domain);
	else if (dkim)
		snprintf(what, whatlen, "dkim=pass header.d=%s", from_domain);
	return dmarc_pass || spf || dkim;
}

int
arc_trust_find(const arc_verifier *v, const char *const *trusted,
    size_t ntrusted, const char *from_domain, arc_trust *out)
{
	const arc_chain *c = v != NULL ? arc_chain_result(v) : NULL;
	const char *aar;
	size_t len, t;
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (c == NULL || c->result != ARC_PASS) {
		snprintf(out->why, sizeof(out->why), "the ARC chain did not "
		    "pass");
		return 0;
	}
	for (i = c->nsets; i >= 1 && i <= ARC_MAX_SETS; i--) {
		for (t = 0; t < ntrusted; t++)
			if (trusted[t] != NULL && c->sealer[i - 1][0] != '\0' &&
			    strcasecmp(trusted[t], c->sealer[i - 1]) == 0)
				break;
		if (t < ntrusted)
			break;
	}
	if (i < 1 || i > ARC_MAX_SETS) {
		snprintf(out->why, sizeof(out->why), "no trusted sealer");
		return 0;
	}
	strcopy(out->sealer, sizeof(out->sealer), trusted[t]);
	out->instance = i;
	if (i < c->oldest_pass) {
		snprintf(out->why, sizeof(out->why), "the ARC-Message-Signature "
		    "of %s (i=%u) no longer verifies", trusted[t], i);
		return 0;
	}
	if ((aar = arc_aar(v, i, &len)) == NULL ||
	    !arc_trust_aar_says(aar, len, i, from_domain, out->what,
	    sizeof(out->what))) {
		snprintf(out->why, sizeof(out->why), "the ARC-Authentication-"
		    "Results of %s (i=%u) does not say %s passed", trusted[t],
		    i, from_domain);
		return 0;
	}
	return 1;
}
