/*
 * audit/audit_spf.c - the SPF checks of `authmilter domain` (RFC 7208):
 * one record (4.5), its syntax (the evaluator's parser), the DNS terms of
 * the worst case counted through includes and redirects against 10, void
 * lookups against 2 (4.6.4), the all / default result (5.1, 4.7), ptr
 * (5.5), the record's size (3.4).
 */
#include "audit/audit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spf/spf.h"
#include "util/domain.h"

/* RFC 7208 4.6.4 */
#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT 2
/* RFC 7208 3.4: keep the record small enough for a 512-octet UDP answer */
#define SPF_SIZE_COMFORT 450
/* includes and redirects nested (bounded by the walk's count anyway) */
#define SPF_PATH_MAX 16

typedef struct walk {
	unsigned lookups, voids;
	int stopped;                  /* AUDIT_SPF_WALK_MAX reached */
	int all_secure;               /* every answer of the walk validated */
	char voidnames[AUDIT_REASON_MAX / 2];
	const char *path[SPF_PATH_MAX];
	size_t depth;
} walk;

static void
note_void(walk *w, const char *what, const char *name)
{
	size_t off = strlen(w->voidnames);

	w->voids++;
	if (off + 8 < sizeof(w->voidnames))
		snprintf(w->voidnames + off, sizeof(w->voidnames) - off,
		    "%s%s:%s", off ? ", " : "", what, name);
}

static void
note_sec(walk *w, const dns_answer *a)
{
	if (a == NULL)
		return;
	if (a->sec != DNS_SEC_SECURE)
		w->all_secure = 0;
}

/* The one SPF record in a TXT answer: 1 (txt/len set), 0 none, n > 1. */
static int
select_spf(const dns_answer *a, const char **txt, size_t *len)
{
	size_t i;
	int n = 0;

	for (i = 0; a != NULL && a->status == DNS_RECORDS && i < a->count; i++) {
		const dns_record *r = &a->records[i];

		if (r->type == DNS_T_TXT &&
		    spf_is_record(r->u.txt.text, r->u.txt.len) && n++ == 0) {
			*txt = r->u.txt.text;
			*len = r->u.txt.len;
		}
	}
	return n;
}

static int
takes_lookup(spf_term_type t)
{
	return t == SPF_TERM_INCLUDE || t == SPF_TERM_A || t == SPF_TERM_MX ||
	    t == SPF_TERM_PTR || t == SPF_TERM_EXISTS ||
	    t == SPF_TERM_REDIRECT;
}

static void walk_record(audit_ctx *c, walk *w, const char *domain,
    const char *txt, size_t len, dns_sec sec, int chain, int *sends,
    int *has_all);

/* An include: or redirect= target's record: fetched, then walked. */
static void
follow(audit_ctx *c, walk *w, const spf_term_info *t, ax_q *q, int chain,
    int *sends, int *has_all)
{
	const dns_answer *a = ax_wait(c, q, AUDIT_SPF);
	const char *kind = t->type == SPF_TERM_INCLUDE ? "include" :
	    "redirect";
	const char *txt = NULL;
	size_t len = 0, i;
	int n;

	note_sec(w, a);
	if (!ax_known(a))
		return;
	if (ax_empty(a))
		note_void(w, kind, t->target);
	n = select_spf(a, &txt, &len);
	if (n == 0) {
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-target-none",
		    t->type == SPF_TERM_INCLUDE ? "RFC 7208 5.2" :
		    "RFC 7208 6.1", a->sec, "%s:%s has no SPF record: every "
		    "evaluation that reaches it is a permerror", kind,
		    t->target);
		return;
	}
	if (n > 1) {
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-multiple",
		    "RFC 7208 4.5", a->sec, "%s:%s has %d SPF records: "
		    "permerror", kind, t->target, n);
		return;
	}
	for (i = 0; i < w->depth; i++)
		if (domain_equal(w->path[i], t->target, 0)) {
			ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-loop",
			    "RFC 7208 4.6.4", a->sec, "%s:%s loops back to a "
			    "record that includes it: the lookup limit ends "
			    "every evaluation in permerror", kind, t->target);
			return;
		}
	if (w->depth >= SPF_PATH_MAX) {
		w->stopped = 1;
		return;
	}
	walk_record(c, w, t->target, txt, len, a->sec, chain, sends, has_all);
}

/*
 * Walks one record: counts its DNS terms (all of them: the worst case,
 * where nothing matches), tests a/mx/exists targets for void answers and
 * follows include/redirect. chain: the record is the top one or reached
 * by redirects only (its all decides the result); sec: the DNSSEC state
 * of its answer, for the findings about it; *sends: a mechanism
 * other than a -all may match; *has_all: an all ended the chain.
 */
static void
walk_record(audit_ctx *c, walk *w, const char *domain, const char *txt,
    size_t len, dns_sec sec, int chain, int *sends, int *has_all)
{
	spf_record_info info;
	char err[256];
	ax_q *qs = NULL, *q6 = NULL;
	size_t i, k, nq = 0;
	int rc, all_seen = 0, ptr_seen = 0;

	rc = spf_record_inspect(txt, len, &info, err, sizeof(err));
	if (rc == -2) {
		c->rep->oom = 1;
		return;
	}
	if (rc != 0) {
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-syntax", "RFC 7208 4.6",
		    sec, "the SPF record of %s does not parse "
		    "(%s): permerror", domain, err);
		return;
	}
	w->path[w->depth++] = domain;
	for (i = 0; i < info.nterms; i++)
		if (info.terms[i].type == SPF_TERM_ALL)
			all_seen = 1;
	/* one slot per DNS term started: at most the walk's bound */
	qs = calloc(AUDIT_SPF_WALK_MAX, sizeof(*qs));
	q6 = calloc(AUDIT_SPF_WALK_MAX, sizeof(*q6));
	if (qs == NULL || q6 == NULL) {
		c->rep->oom = 1;
		goto out;
	}
	/* start the lookups of this record's terms at once */
	for (i = 0; i < info.nterms; i++) {
		const spf_term_info *t = &info.terms[i];
		const char *target = t->target[0] ? t->target : domain;

		if (!takes_lookup(t->type) ||
		    (t->type == SPF_TERM_REDIRECT && all_seen))
			continue;
		if (w->lookups + nq >= AUDIT_SPF_WALK_MAX)
			break;
		k = nq++;
		if (t->macro)
			continue;
		switch (t->type) {
		case SPF_TERM_INCLUDE:
		case SPF_TERM_REDIRECT:
			ax_start(c, &qs[k], target, DNS_T_TXT);
			break;
		case SPF_TERM_A:
		case SPF_TERM_EXISTS:
			ax_start(c, &qs[k], target, DNS_T_A);
			if (t->type == SPF_TERM_A)
				ax_start(c, &q6[k], target, DNS_T_AAAA);
			break;
		case SPF_TERM_MX:
			ax_start(c, &qs[k], target, DNS_T_MX);
			break;
		default:
			break;
		}
	}
	for (i = 0, k = 0; i < info.nterms; i++) {
		const spf_term_info *t = &info.terms[i];
		const char *target = t->target[0] ? t->target : domain;
		const dns_answer *a, *b;

		if (t->type == SPF_TERM_ALL && chain) {
			*has_all = 1;
			if (t->qualifier != '-')
				*sends = 1;
			if (t->qualifier == '+')
				ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-all-pass",
				    "RFC 7208 5.1", sec,
				    "%s ends in +all: every host on the "
				    "Internet passes SPF for it", domain);
			else if (t->qualifier == '?')
				ax_add(c, AUDIT_SPF, AUDIT_WARNING,
				    "spf-all-neutral", "RFC 7208 5.1",
				    sec, "%s ends in ?all: other "
				    "hosts get neutral, which protects nothing",
				    domain);
			else
				ax_add(c, AUDIT_SPF, AUDIT_OK, "spf-all",
				    "RFC 7208 5.1", sec,
				    "%s ends in %call", domain, t->qualifier);
		} else if (t->type == SPF_TERM_ALL && t->qualifier == '+')
			ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-all-pass",
			    "RFC 7208 5.2", sec, "%s (included) "
			    "has +all: the include matches every host",
			    domain);
		if (t->type != SPF_TERM_ALL && t->type != SPF_TERM_REDIRECT &&
		    t->type != SPF_TERM_EXP && t->type != SPF_TERM_OTHER &&
		    t->qualifier != '-')
			*sends = 1;
		if (t->type == SPF_TERM_PTR && !ptr_seen) {
			ptr_seen = 1;
			ax_add(c, AUDIT_SPF, AUDIT_WARNING, "spf-ptr",
			    "RFC 7208 5.5", sec, "%s uses ptr, "
			    "which SHOULD NOT be used: slow, unreliable, and "
			    "some receivers ignore it", domain);
		}
		if (!takes_lookup(t->type))
			continue;
		if (t->type == SPF_TERM_REDIRECT && all_seen) {
			ax_add(c, AUDIT_SPF, AUDIT_WARNING,
			    "spf-redirect-ignored", "RFC 7208 6.1",
			    sec, "%s has both all and redirect=: "
			    "the redirect is never used", domain);
			continue;
		}
		/* the same terms, in the same order, as the first loop: the
		 * k-th lookup term has slot k (the includes' own terms may
		 * reach the bound first) */
		if (w->lookups >= AUDIT_SPF_WALK_MAX || k >= nq) {
			w->stopped = 1;
			break;
		}
		w->lookups++;
		k++;
		if (t->macro) {
			ax_add(c, AUDIT_SPF, AUDIT_WARNING, "spf-macro",
			    "RFC 7208 7", sec, "%s: %s depends "
			    "on the message (macro): counted as one lookup, "
			    "not followed", domain, t->target);
			continue;
		}
		switch (t->type) {
		case SPF_TERM_INCLUDE:
		case SPF_TERM_REDIRECT:
			follow(c, w, t, &qs[k - 1], chain &&
			    t->type == SPF_TERM_REDIRECT, sends, has_all);
			break;
		case SPF_TERM_A:
			a = ax_wait(c, &qs[k - 1], AUDIT_SPF);
			b = ax_wait(c, &q6[k - 1], AUDIT_SPF);
			note_sec(w, a);
			note_sec(w, b);
			if (ax_empty(a) && ax_empty(b))
				note_void(w, "a", target);
			break;
		case SPF_TERM_MX:
		case SPF_TERM_EXISTS:
			a = ax_wait(c, &qs[k - 1], AUDIT_SPF);
			note_sec(w, a);
			if (ax_empty(a))
				note_void(w, t->type == SPF_TERM_MX ? "mx" :
				    "exists", target);
			break;
		default:
			break;
		}
	}
out:
	if (qs != NULL && q6 != NULL)
		for (i = 0; i < nq; i++) {
			ax_free(&qs[i]);
			ax_free(&q6[i]);
		}
	free(qs);
	free(q6);
	spf_record_info_free(&info);
	w->depth--;
}

void
audit_spf(audit_ctx *c, ax_q *q, int *sends, int *have)
{
	const dns_answer *a = ax_wait(c, q, AUDIT_SPF);
	const char *txt = NULL;
	size_t len = 0;
	int n, has_all = 0;
	walk w;

	*sends = 0;
	*have = 0;
	if (!ax_known(a))
		return;
	n = select_spf(a, &txt, &len);
	if (n == 0) {
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-none", "RFC 7208 4.5",
		    a->sec, "%s has no SPF record: receivers get SPF none "
		    "and cannot tell its mail from forgeries", c->domain);
		return;
	}
	*have = 1;
	if (n > 1) {
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-multiple",
		    "RFC 7208 4.5", a->sec, "%s has %d SPF records: every "
		    "evaluation is a permerror; merge them into one",
		    c->domain, n);
		*sends = 1;
		return;
	}
	ax_add(c, AUDIT_SPF, AUDIT_OK, "spf-record", "RFC 7208 4.5", a->sec,
	    "v=spf1 record found (%zu octets)", len);
	if (len > SPF_SIZE_COMFORT)
		ax_add(c, AUDIT_SPF, AUDIT_WARNING, "spf-size", "RFC 7208 3.4",
		    a->sec, "the record is %zu octets, over the %d that keep "
		    "the answer within a 512-octet UDP reply", len,
		    SPF_SIZE_COMFORT);
	memset(&w, 0, sizeof(w));
	w.all_secure = 1;
	walk_record(c, &w, c->domain, txt, len, a->sec, 1, sends, &has_all);
	if (w.stopped || w.lookups > SPF_LOOKUP_LIMIT)
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-lookups",
		    "RFC 7208 4.6.4", a->sec, "%s%u DNS lookups (include, a, "
		    "mx, ptr, exists, redirect, through every include) > %d: "
		    "receivers give permerror", w.stopped ? "at least " : "",
		    w.lookups, SPF_LOOKUP_LIMIT);
	else
		ax_add(c, AUDIT_SPF, AUDIT_OK, "spf-lookups", "RFC 7208 4.6.4",
		    a->sec, "%u DNS lookup%s at most (limit %d)", w.lookups,
		    w.lookups == 1 ? "" : "s", SPF_LOOKUP_LIMIT);
	if (w.voids > SPF_VOID_LIMIT)
		ax_add(c, AUDIT_SPF, AUDIT_ERROR, "spf-void", "RFC 7208 4.6.4",
		    a->sec, "%u void lookups (%s) > %d: receivers give "
		    "permerror", w.voids, w.voidnames, SPF_VOID_LIMIT);
	else if (w.voids > 0)
		ax_add(c, AUDIT_SPF, AUDIT_WARNING, "spf-void",
		    "RFC 7208 4.6.4", a->sec, "%u void lookup%s (%s), limit "
		    "%d: remove the names that do not exist", w.voids,
		    w.voids == 1 ? "" : "s", w.voidnames, SPF_VOID_LIMIT);
	if (!has_all && !w.stopped)
		ax_add(c, AUDIT_SPF, AUDIT_WARNING, "spf-no-all",
		    "RFC 7208 4.7", a->sec, "no all and no redirect=: hosts "
		    "not listed get neutral (the default); end with -all or "
		    "~all");
}
