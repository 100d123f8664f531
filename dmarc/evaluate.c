/*
 * dmarc/evaluate.c - DMARC evaluation of one message over a lookup
 * backend: policy discovery, alignment, np= existence test, disposition.
 *
 * Contract: dmarc_evaluate_with() (see dmarc.h). All _dmarc answers of a
 * message are cached by name, so the walks of the author domain and of
 * the identifiers share queries; at most DMARC_MAX_QUERIES are made.
 * Memory: the evaluator itself is a few hundred octets; a cache entry
 * (one parsed record, ~4.6 KB) is allocated only when its query starts,
 * and an identifier's walk (~2 KB) only when its alignment needs one, so
 * a typical message (author and org domain) holds about 10 KB while it
 * is evaluated and nothing afterwards. A fixed table for the worst case
 * (64 entries, 17 walks) was ~330 KB per message in flight.
 * Walks advance in rounds: every query one round needs is started before
 * any is waited for, so independent lookups overlap. Each round waits at
 * most the lookup timeout.
 */
#include "dmarc/policy_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/domain.h"
#include "util/zalloc.h"

typedef struct entry {
	char name[DMARC_DOMAIN_BUF];
	int done;
	void *q;
	dmarc_fetch f;
} entry;

typedef struct eval {
	const dmarc_lookup *lk;
	const dmarc_options *opt;
	size_t n;
	size_t queries;
	entry *cache[DMARC_MAX_QUERIES];       /* allocated on first use */
	dmarc_walk *iwalks[1 + DMARC_MAX_DKIM]; /* allocated on first use */
} eval;

static entry *
cache_find(eval *e, const char *name)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->cache[i]->name, name) == 0)
			return e->cache[i];
	return NULL;
}

static void
eval_free(eval *e)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (e->cache[i]->q != NULL)
			e->lk->release(e->lk->ctx, e->cache[i]->q);
		free(e->cache[i]);
	}
	for (i = 0; i < 1 + DMARC_MAX_DKIM; i++)
		free(e->iwalks[i]);
	free(e);
}

static int64_t
deadline(eval *e)
{
	unsigned t = e->opt->timeout_ms ? e->opt->timeout_ms :
	    e->lk->timeout_ms ? e->lk->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;

	return e->lk->now(e->lk->ctx) + (int64_t)t;
}

/* Start the _dmarc TXT query for name unless cached; a name too long for
 * the prefix gives a completed entry; a full cache (or no memory) NULL. */
static entry *
cache_start(eval *e, const char *name)
{
	char qname[DNS_MAX_NAME_LEN + 8];
	entry *en = cache_find(e, name);

	if (en != NULL)
		return en;
	if (e->n == DMARC_MAX_QUERIES ||
	    (en = zalloc(sizeof(*en))) == NULL)
		return NULL;
	e->cache[e->n++] = en;
	snprintf(en->name, sizeof(en->name), "%s", name);
	if (strlen(name) + 7 > DMARC_DOMAIN_MAX) {
		en->done = 1; /* _dmarc.<name> cannot exist */
		en->f.status = DMARC_FETCH_NONE;
		return en;
	}
	snprintf(qname, sizeof(qname), "_dmarc.%s", name);
	en->q = e->lk->start(e->lk->ctx, qname, DNS_T_TXT);
	e->queries++;
	return en;
}

static void
cache_wait_all(eval *e)
{
	int64_t dl = deadline(e);
	size_t i;

	for (i = 0; i < e->n; i++) {
		entry *en = e->cache[i];
		if (en->done)
			continue;
		dmarc_fetch_from_answer(e->lk->wait(e->lk->ctx, en->q, dl),
		    e->opt->mode, &en->f);
		e->lk->release(e->lk->ctx, en->q);
		en->q = NULL;
		en->done = 1;
	}
}

static const dmarc_fetch budget_fetch = {
	.status = DMARC_FETCH_TEMPFAIL,
	.why = "the DMARC evaluation's own query limit reached (or out of memory)",
};

/* Advance walks[i] until done or until it has made upto[i] steps. */
static void
run_walks(eval *e, dmarc_walk **walks, const size_t *upto, size_t n)
{
	for (;;) {
		size_t i, pending = 0;
		int progress = 1;

		while (progress) {
			progress = 0;
			for (i = 0; i < n; i++) {
				const char *name = dmarc_walk_next(walks[i]);
				entry *en;
				if (name == NULL || walks[i]->next >= upto[i])
					continue;
				en = cache_start(e, name);
				if (en == NULL) {
					dmarc_walk_feed(walks[i], &budget_fetch);
					progress = 1;
				} else if (en->done) {
					dmarc_walk_feed(walks[i], &en->f);
					progress = 1;
				} else {
					pending++;
				}
			}
		}
		if (pending == 0)
			return;
		cache_wait_all(e);
	}
}

/* The _dmarc fetch of a walked name (it is cached). */
static const dmarc_fetch *
fetched(eval *e, const char *name)
{
	entry *en = cache_find(e, name);

	return en != NULL && en->done ? &en->f : NULL;
}

/* Reasons are cut at the buffer's end; that is fine for a human line. */
static void __attribute__((format(printf, 2, 3)))
say(dmarc_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* Quick alignment answers that need no DNS: 1 aligned, 0 not, 2 needs
 * both Organizational Domains. */
static int
align_quick(eval *e, const char *author, const char *id,
    dmarc_alignment mode)
{
	char aorg[DMARC_DOMAIN_BUF], iorg[DMARC_DOMAIN_BUF];
	const char *adot, *idot;

	if (dmarc_aligned(author, NULL, id, NULL, DMARC_ALIGN_STRICT))
		return 1;
	if (mode == DMARC_ALIGN_STRICT)
		return 0;
	/* Different top-level labels can never share an org domain. */
	adot = strrchr(author, '.');
	idot = strrchr(id, '.');
	if (strcasecmp(adot ? adot + 1 : author, idot ? idot + 1 : id) != 0)
		return 0;
	if (e->opt->mode == DMARC_MODE_RFC7489) {
		if (dmarc_psl_orgdomain(e->opt->psl, author, aorg, sizeof(aorg)) < 0 ||
		    dmarc_psl_orgdomain(e->opt->psl, id, iorg, sizeof(iorg)) < 0)
			return 0;
		return dmarc_aligned(author, aorg, id, iorg, mode);
	}
	return 2;
}

/* Alignment of every identifier (ids[0] the SPF one or NULL, then the
 * DKIM ones): the tree walks of all identifiers that need one run
 * together with the author's. out[i]: 1 aligned, 0 not, -1 unknown. */
static void
align_all(eval *e, const char *author, dmarc_walk *aw, const char **ids,
    const dmarc_alignment *modes, size_t n, int *out, int *walked)
{
	dmarc_walk *walks[1 + 1 + DMARC_MAX_DKIM];
	size_t upto[1 + 1 + DMARC_MAX_DKIM];
	size_t i, nw = 0, k;
	char aorg[DMARC_DOMAIN_BUF], iorg[DMARC_DOMAIN_BUF];

	walks[nw] = aw;
	upto[nw++] = DMARC_WALK_MAX;
	for (i = 0; i < n; i++) {
		out[i] = ids[i] != NULL ? align_quick(e, author, ids[i],
		    modes[i]) : 0;
		walked[i] = out[i] == 2;
		if (out[i] == 2 && e->iwalks[i] == NULL &&
		    (e->iwalks[i] = malloc(sizeof(dmarc_walk))) == NULL)
			out[i] = -1; /* no memory: alignment unknown */
		if (out[i] == 2) {
			dmarc_walk_init(e->iwalks[i], ids[i]);
			walks[nw] = e->iwalks[i];
			upto[nw++] = DMARC_WALK_MAX;
		}
	}
	if (nw == 1)
		return;
	run_walks(e, walks, upto, nw);
	k = dmarc_walk_orgdomain(aw, aorg, sizeof(aorg)) < 0;
	for (i = 0; i < n; i++) {
		if (out[i] != 2)
			continue;
		if (k)
			out[i] = -1;
		else if (dmarc_walk_orgdomain(e->iwalks[i], iorg,
		    sizeof(iorg)) < 0)
			/* An Organizational Domain is its name or an ancestor:
			 * outside the author's one, an identifier cannot
			 * align, whatever its own (failed) lookups would have
			 * said - so a sender's broken DNS cannot turn a DMARC
			 * fail into a temperror. */
			out[i] = domain_within(ids[i], aorg, 0) ? -1 : 0;
		else
			out[i] = dmarc_aligned(author, aorg, ids[i], iorg,
			    modes[i]);
	}
}

/* RFC 9989 3.2 "Non-existent Domains": the author domain does not exist
 * when A, AAAA and MX all answer NXDOMAIN or NODATA (the three queries
 * run together). exists_start() starts them, exists_finish() waits and
 * gives 1 exists, 0 does not, -1 unknown (or only releases them, when
 * the answer is not needed: wanted 0). They are started before the
 * alignment walks, so that slow walks cannot use up a message's DNS
 * deadline (the lookup backend may have one) before them. */
static void
exists_start(eval *e, const char *author, void *q[3])
{
	static const dns_type types[3] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX };
	int i;

	for (i = 0; i < 3; i++) {
		q[i] = e->lk->start(e->lk->ctx, author, types[i]);
		e->queries++;
	}
}

static int
exists_finish(eval *e, void *q[3], int wanted)
{
	int64_t dl = deadline(e);
	int i, exists = 0, unknown = 0;

	for (i = 0; i < 3; i++) {
		if (q[i] == NULL) {
			unknown = 1;
			continue;
		}
		if (wanted) {
			const dns_answer *a = e->lk->wait(e->lk->ctx, q[i], dl);

			if (a == NULL || a->status == DNS_TEMPFAIL)
				unknown = 1;
			else if (a->status == DNS_RECORDS)
				exists = 1;
		}
		e->lk->release(e->lk->ctx, q[i]);
		q[i] = NULL;
	}
	return exists ? 1 : unknown ? -1 : 0;
}

static void
discover(eval *e, const char *author, dmarc_walk *aw, dmarc_result *res,
    const dmarc_fetch **pf, int *at_author)
{
	size_t one = 1, all = DMARC_WALK_MAX;
	const dmarc_fetch *f;
	size_t i;

	*pf = NULL;
	*at_author = 0;
	dmarc_walk_init(aw, author);
	run_walks(e, &aw, &one, 1);
	f = fetched(e, aw->names[0]);
	if (f != NULL && f->status == DMARC_FETCH_ONE) {
		*pf = f;
		*at_author = 1;
		res->discovery = DMARC_DISCOVERY_AUTHOR;
		snprintf(res->policy_domain, sizeof(res->policy_domain), "%s",
		    author);
		return;
	}
	if (f != NULL && f->status == DMARC_FETCH_TEMPFAIL) {
		*pf = f;
		return;
	}
	if (e->opt->mode == DMARC_MODE_RFC7489) {
		char org[DMARC_DOMAIN_BUF];
		dmarc_walk pw;
		dmarc_walk *pws = &pw;
		if (dmarc_psl_orgdomain(e->opt->psl, author, org, sizeof(org)) < 0 ||
		    strcmp(org, author) == 0)
			return;
		dmarc_walk_init(&pw, org);
		run_walks(e, &pws, &one, 1);
		f = fetched(e, pw.names[0]);
		snprintf(res->org_domain, sizeof(res->org_domain), "%s", org);
		if (f != NULL && (f->status == DMARC_FETCH_ONE ||
		    f->status == DMARC_FETCH_TEMPFAIL)) {
			*pf = f;
			res->discovery = DMARC_DISCOVERY_PSL;
			snprintf(res->policy_domain, sizeof(res->policy_domain),
			    "%s", org);
		}
		return;
	}
	/* RFC 9989 4.10.1: the org domain's record, else the PSD's. */
	run_walks(e, &aw, &all, 1);
	if (aw->tempfail) {
		*pf = &budget_fetch; /* any TEMPFAIL fetch will do */
		for (i = 0; i < aw->next; i++)
			if ((f = fetched(e, aw->names[i])) != NULL &&
			    f->status == DMARC_FETCH_TEMPFAIL)
				*pf = f;
		return;
	}
	if (dmarc_walk_orgdomain(aw, res->org_domain,
	    sizeof(res->org_domain)) < 0)
		return;
	f = fetched(e, res->org_domain);
	if (f != NULL && f->status == DMARC_FETCH_ONE) {
		*pf = f;
		res->discovery = DMARC_DISCOVERY_TREEWALK;
		snprintf(res->policy_domain, sizeof(res->policy_domain), "%s",
		    res->org_domain);
		return;
	}
	for (i = 1; i < aw->next; i++) {
		f = fetched(e, aw->names[i]);
		if (f != NULL && f->status == DMARC_FETCH_ONE &&
		    f->rec.psd == DMARC_PSD_Y) {
			*pf = f;
			res->discovery = DMARC_DISCOVERY_PSD;
			snprintf(res->policy_domain, sizeof(res->policy_domain),
			    "%s", aw->names[i]);
			return;
		}
	}
}

/* Keep the first DMARC_MAX_NOTES decisions with the org domain compared. */
static void
note_alignment(eval *e, dmarc_result *res, const char **ids,
    const dmarc_alignment *modes, size_t nid, const int *al,
    const int *walked)
{
	size_t i;

	for (i = 0; i < nid && res->nnotes < DMARC_MAX_NOTES; i++) {
		dmarc_align_note *n;

		if (ids[i] == NULL)
			continue;
		n = &res->notes[res->nnotes++];
		snprintf(n->id, sizeof(n->id), "%s", ids[i]);
		n->id_org[0] = '\0';
		n->spf = i == 0;
		n->mode = modes[i];
		n->aligned = al[i];
		if (walked[i]) {
			if (dmarc_walk_orgdomain(e->iwalks[i], n->id_org,
			    sizeof(n->id_org)) < 0)
				n->id_org[0] = '\0';
		} else if (e->opt->mode == DMARC_MODE_RFC7489 &&
		    modes[i] == DMARC_ALIGN_RELAXED && al[i] != 1) {
			if (dmarc_psl_orgdomain(e->opt->psl, ids[i], n->id_org,
			    sizeof(n->id_org)) < 0)
				n->id_org[0] = '\0';
		}
	}
}

static void
evaluate_author(eval *e, const char *author, const dmarc_input *in,
    dmarc_result *res)
{
	dmarc_walk aw;
	const dmarc_fetch *f;
	int at_author, unknown, temp_aligned = 0, al[1 + DMARC_MAX_DKIM];
	int walked[1 + DMARC_MAX_DKIM], is_temp[1 + DMARC_MAX_DKIM] = { 0 };
	size_t npass;
	const char *ids[1 + DMARC_MAX_DKIM] = { NULL };
	dmarc_alignment modes[1 + DMARC_MAX_DKIM];
	size_t i, nid = 1;
	unsigned sample = 0;
	void *xq[3] = { NULL, NULL, NULL };
	int np_test;

	memset(res, 0, sizeof(*res));
	res->author_exists = -1;
	snprintf(res->from_domain, sizeof(res->from_domain), "%s", author);
	discover(e, author, &aw, res, &f, &at_author);
	if (f == NULL) {
		res->result = DMARC_RESULT_NONE;
		say(res, "no DMARC policy record for %s", author);
		return;
	}
	res->sec = f->sec;
	if (f->status == DMARC_FETCH_TEMPFAIL) {
		res->result = DMARC_RESULT_TEMPERROR;
		say(res, "policy discovery for %s failed: %s", author, f->why);
		return;
	}
	res->have_record = 1;
	res->record = f->rec;
	if (f->rstatus == DMARC_RECORD_UNUSABLE) {
		res->result = DMARC_RESULT_NONE;
		say(res, "record at %s unusable: %s", res->policy_domain, f->why);
		return;
	}

	/* Alignment: only an SPF pass in the MAIL FROM scope counts. */
	if ((in->spf_pass || in->spf_temperror) &&
	    in->spf_scope == DMARC_SPF_MFROM &&
	    in->spf_domain != NULL && in->spf_domain[0] != '\0') {
		ids[0] = in->spf_domain;
		is_temp[0] = !in->spf_pass;
	}
	modes[0] = f->rec.aspf;
	for (i = 0; i < in->ndkim && nid < 1 + DMARC_MAX_DKIM; i++) {
		if (!in->dkim[i].pass || in->dkim[i].domain == NULL ||
		    in->dkim[i].domain[0] == '\0')
			continue;
		ids[nid] = in->dkim[i].domain;
		modes[nid++] = f->rec.adkim;
	}
	npass = nid;
	/* Identifiers whose check failed temporarily: if one of them
	 * aligns, a retry might pass, so the result is temperror, not fail
	 * (only when alignment is certain: see align_all). */
	for (i = 0; i < in->ndkim && nid < 1 + DMARC_MAX_DKIM; i++) {
		if (!in->dkim[i].temperror || in->dkim[i].domain == NULL ||
		    in->dkim[i].domain[0] == '\0')
			continue;
		ids[nid] = in->dkim[i].domain;
		is_temp[nid] = 1;
		modes[nid++] = f->rec.adkim;
	}
	/* np applies only to a record found above the author domain */
	np_test = !at_author && e->opt->mode == DMARC_MODE_RFC9989 &&
	    f->rec.np != DMARC_P_UNSET;
	if (np_test)
		exists_start(e, author, xq);
	align_all(e, author, &aw, ids, modes, nid, al, walked);
	/* an identifier whose check failed temporarily counts when it
	 * aligns or when its alignment is unknown (its walk failed too, e.g.
	 * at a message's DNS deadline): a retry might pass either way */
	res->spf_aligned = al[0] == 1 && !is_temp[0];
	unknown = al[0] < 0 && !is_temp[0];
	temp_aligned = al[0] != 0 && is_temp[0];
	for (i = 1; i < nid; i++) {
		if (is_temp[i]) {
			temp_aligned |= al[i] != 0;
			continue;
		}
		unknown |= al[i] < 0;
		if (al[i] == 1 && !res->dkim_aligned) {
			res->dkim_aligned = 1;
			snprintf(res->dkim_domain, sizeof(res->dkim_domain), "%s",
			    ids[i]);
		}
	}
	if (res->org_domain[0] == '\0') {
		if (e->opt->mode == DMARC_MODE_RFC7489)
			dmarc_psl_orgdomain(e->opt->psl, author, res->org_domain,
			    sizeof(res->org_domain));
		else if (dmarc_walk_orgdomain(&aw, res->org_domain,
		    sizeof(res->org_domain)) < 0)
			res->org_domain[0] = '\0';
	}

	note_alignment(e, res, ids, modes, npass, al, walked);
	if (!(res->spf_aligned || res->dkim_aligned) && !temp_aligned &&
	    !unknown && np_test)
		res->author_exists = exists_finish(e, xq, 1);
	else if (np_test)
		(void)exists_finish(e, xq, 0);
	if (res->spf_aligned || res->dkim_aligned) {
		res->result = DMARC_RESULT_PASS;
		res->disposition = DMARC_P_NONE;
		res->policy = dmarc_select_policy(&f->rec, at_author, 1,
		    &res->policy_tag);
		say(res, "aligned %s pass for %s", res->dkim_aligned ? "DKIM" :
		    "SPF", author);
		return;
	}
	if (temp_aligned) {
		res->result = DMARC_RESULT_TEMPERROR;
		say(res, "no aligned pass for %s, but an aligned %s check "
		    "failed temporarily", author, is_temp[0] && al[0] != 0 ?
		    "SPF" : "DKIM");
		return;
	}
	if (unknown) {
		res->result = DMARC_RESULT_TEMPERROR;
		say(res, "alignment for %s unknown: Organizational Domain "
		    "lookup failed", author);
		return;
	}
	res->result = DMARC_RESULT_FAIL;
	res->policy = dmarc_select_policy(&f->rec, at_author,
	    res->author_exists, &res->policy_tag);
	if (e->opt->mode == DMARC_MODE_RFC7489 && f->rec.pct < 100)
		sample = e->opt->sample != NULL ?
		    e->opt->sample(e->opt->sample_arg) % 100 :
		    (unsigned)(random() % 100);
	res->disposition = dmarc_disposition(&f->rec, res->policy,
	    e->opt->mode, sample, &res->override);
	say(res, "no aligned SPF or DKIM pass for %s; %s=%s at %s%s", author,
	    res->policy_tag, dmarc_policy_name(res->policy), res->policy_domain,
	    res->author_exists == 0 ? " (author domain does not exist)" :
	    res->author_exists < 0 && f->rec.np != DMARC_P_UNSET && !at_author ?
	    " (author domain existence unknown: np not applied)" : "");
}

int
dmarc_evaluate_with(const dmarc_lookup *lk, const dmarc_input *in,
    const dmarc_options *opt, dmarc_result *res)
{
	eval *e;
	dmarc_result *one;
	size_t i, nauth;

	if (res == NULL)
		return -1;
	memset(res, 0, sizeof(*res));
	res->author_exists = -1;
	if (lk == NULL || in == NULL || opt == NULL || lk->start == NULL ||
	    lk->wait == NULL || lk->release == NULL || lk->now == NULL ||
	    (opt->mode == DMARC_MODE_RFC7489 && opt->psl == NULL)) {
		snprintf(res->reason, sizeof(res->reason), "bad arguments%s",
		    opt != NULL && opt->mode == DMARC_MODE_RFC7489 &&
		    opt->psl == NULL ? ": RFC 7489 mode needs a PSL" : "");
		res->result = DMARC_RESULT_PERMERROR;
		return -1;
	}
	if (in->from == NULL || in->from->ndomains == 0) {
		res->result = DMARC_RESULT_PERMERROR;
		snprintf(res->reason, sizeof(res->reason), "no author domain");
		return 0;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    (one = malloc(sizeof(*one))) == NULL) {
		free(e);
		res->result = DMARC_RESULT_TEMPERROR;
		snprintf(res->reason, sizeof(res->reason), "out of memory");
		return 0;
	}
	e->lk = lk;
	e->opt = opt;
	nauth = in->from->ndomains;
	for (i = 0; i < nauth; i++) {
		evaluate_author(e, in->from->domains[i], in, one);
		dmarc_apply_overrides(in, opt, one);
		if (i == 0 || dmarc_stricter(one, res))
			*res = *one;
	}
	res->nauthors = nauth;
	res->queries = e->queries;
	if (nauth > 1) {
		char first[sizeof(res->reason)];
		memcpy(first, res->reason, sizeof(first));
		if (opt->reject_multi_from) {
			res->disposition = DMARC_P_REJECT;
			res->override = DMARC_OVERRIDE_NONE;
		}
		say(res, "%s; %zu author domains: %s", first, nauth,
		    opt->reject_multi_from ? "rejected by local policy" :
		    "strictest result kept");
	}
	free(one);
	eval_free(e);
	return 0;
}
