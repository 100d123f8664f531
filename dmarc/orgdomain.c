/*
 * dmarc/orgdomain.c - Organizational Domains: the RFC 9989 4.10 DNS tree
 * walk as a state machine without I/O, and the RFC 7489 3.2 Public
 * Suffix List lookup over libpsl.
 *
 * Contract (see dmarc.h): a dmarc_walk holds the names to query (at most
 * DMARC_WALK_MAX) and what each query found; the caller fetches
 * dmarc_walk_next() and feeds the outcome. A dmarc_psl is an immutable
 * handle; several threads may share one.
 */
#include "dmarc/dmarc.h"

#include <libpsl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dmarc_psl {
	psl_ctx_t *ctx;
};

static size_t
count_labels(const char *d)
{
	size_t n = 1;

	if (*d == '\0')
		return 0;
	for (; *d != '\0'; d++)
		if (*d == '.')
			n++;
	return n;
}

/* The suffix of d made of its last `keep` labels. */
static const char *
last_labels(const char *d, size_t keep)
{
	size_t have = count_labels(d);

	while (have > keep) {
		d = strchr(d, '.') + 1;
		have--;
	}
	return d;
}

size_t
dmarc_walk_init(dmarc_walk *w, const char *domain)
{
	size_t len, x, i;
	const char *cur;

	memset(w, 0, sizeof(*w));
	len = domain != NULL ? strlen(domain) : 0;
	if (len > 0 && domain[len - 1] == '.')
		len--;
	if (len == 0 || len > DMARC_DOMAIN_MAX) {
		w->done = 1;
		return 0;
	}
	for (i = 0; i < len; i++) {
		char c = domain[i];
		w->names[0][i] = (char)(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
	}
	w->names[0][len] = '\0';
	w->nnames = 1;
	cur = w->names[0];
	x = count_labels(cur);
	/* RFC 9989 4.10 steps 3-4 and 7: from 8 labels up, jump to 7;
	 * then one label at a time, down to a single label. */
	if (x >= DMARC_WALK_CUT_LABELS)
		x = DMARC_WALK_CUT_LABELS - 1;
	else
		x--;
	while (x >= 1 && w->nnames < DMARC_WALK_MAX) {
		const char *s = last_labels(w->names[0], x);
		size_t n = strlen(s);
		memcpy(w->names[w->nnames], s, n + 1);
		w->nnames++;
		x--;
	}
	return w->nnames;
}

const char *
dmarc_walk_next(const dmarc_walk *w)
{
	if (w->done || w->next >= w->nnames)
		return NULL;
	return w->names[w->next];
}

void
dmarc_walk_feed(dmarc_walk *w, const dmarc_fetch *f)
{
	size_t i = w->next;

	if (w->done || i >= w->nnames)
		return;
	w->st[i] = f->status;
	w->psd[i] = f->status == DMARC_FETCH_ONE ? f->rec.psd : DMARC_PSD_U;
	w->next++;
	if (f->status == DMARC_FETCH_TEMPFAIL)
		w->tempfail = 1;
	/* RFC 9989 4.10 steps 2 and 6: a single record with psd=y|n stops. */
	if (f->status == DMARC_FETCH_TEMPFAIL || w->next >= w->nnames ||
	    (f->status == DMARC_FETCH_ONE && w->psd[i] != DMARC_PSD_U))
		w->done = 1;
}

static int
put(char *out, size_t outlen, const char *s)
{
	size_t n = strlen(s);

	if (n >= outlen)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

/* RFC 9989 4.10.2 selection, longest name to shortest. */
int
dmarc_walk_orgdomain(const dmarc_walk *w, char *out, size_t outlen)
{
	size_t i;
	const char *fewest = NULL;

	if (w->nnames == 0 || w->tempfail || !w->done)
		return -1; /* unknown (failed, or not walked to the end yet) */
	for (i = 0; i < w->next; i++) {
		if (w->st[i] != DMARC_FETCH_ONE)
			continue;
		if (w->psd[i] == DMARC_PSD_N)
			return put(out, outlen, w->names[i]);
		if (w->psd[i] == DMARC_PSD_Y && i > 0)
			return put(out, outlen, last_labels(w->names[0],
			    count_labels(w->names[i]) + 1));
		fewest = w->names[i];
	}
	return put(out, outlen, fewest != NULL ? fewest : w->names[0]);
}

dmarc_psl *
dmarc_psl_load(const char *path, char *why, size_t whylen)
{
	dmarc_psl *psl;

	if (path == NULL)
		path = DMARC_PSL_DEFAULT;
	if ((psl = calloc(1, sizeof(*psl))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if ((psl->ctx = psl_load_file(path)) == NULL) {
		snprintf(why, whylen, "cannot load public suffix list %s", path);
		free(psl);
		return NULL;
	}
	return psl;
}

void
dmarc_psl_free(dmarc_psl *psl)
{
	if (psl == NULL)
		return;
	psl_free(psl->ctx);
	free(psl);
}

/* RFC 7489 3.2: the registrable domain (public suffix + one label).
 * 0: out holds it; 1: domain is itself a public suffix (out = domain);
 * -1: invalid input or out too small. */
int
dmarc_psl_orgdomain(const dmarc_psl *psl, const char *domain,
    char *out, size_t outlen)
{
	char *lower = NULL;
	const char *reg;
	int rc;

	if (psl == NULL || domain == NULL || *domain == '\0' ||
	    *domain == '.')
		return -1;
	if (psl_str_to_utf8lower(domain, "utf-8", NULL, &lower) != PSL_SUCCESS)
		return -1;
	reg = psl_registrable_domain(psl->ctx, lower);
	if (reg == NULL)
		rc = put(out, outlen, lower) < 0 ? -1 : 1;
	else
		rc = put(out, outlen, reg);
	psl_free_string(lower);
	return rc;
}
