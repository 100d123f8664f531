/*
 * report/failure_send.c - sending the DMARC failure reports (RFC 9991)
 * the daemon queued in the history store: each ruf= destination checked
 * as for aggregate reports, rate-limited per reported domain and per
 * destination, sent once, the stored text erased when done. Never
 * prints: every outcome goes to job->said. Contract in report_send.h.
 */
#include "report/report_send.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clean.h"
#include "util/domain.h"

/* Local limit: failure reports one run takes from the store (the next
 * run takes the rest; the daemon's failure_report_rate bounds the flow). */
#define FAILURE_SEND_MAX 1000
#define FAILURE_HOUR 3600

typedef struct pending {
	failrep_row *rows;
	char **texts;
	size_t n, cap;
} pending;

static int
on_pending(void *arg, const failrep_row *r)
{
	pending *p = arg;

	if (p->n == p->cap)
		return -1;
	p->rows[p->n] = *r;
	p->texts[p->n] = strdup(r->report);
	if (p->texts[p->n] == NULL)
		return -1;
	p->rows[p->n].report = p->texts[p->n];
	p->n++;
	return 0;
}

/* "failure.ID.N@DOMAIN": ID reduced to dot-atom octets (RFC 5322 3.6.4),
 * N the destination's place in the ruf= list. */
static void
message_id(char *out, size_t len, const char *id, unsigned n,
    const char *sender)
{
	const char *at = strrchr(sender, '@');
	char clean[sizeof(((failrep_row *)0)->id)];
	size_t i;

	snprintf(clean, sizeof(clean), "%s", id);
	for (i = 0; clean[i] != '\0'; i++)
		if (!clean_is(clean[i], CLEAN_ATEXT))
			clean[i] = '-';
	snprintf(out, len, "failure.%s.%u@%s", clean, n,
	    at != NULL && at[1] != '\0' ? at + 1 : "localhost");
}

/* 1 when per_hour reports went out in the last hour for the domain (dest
 * NULL) or to dest; -1 store error. */
static int
over_rate(const report_send_job *job, const char *domain, const char *dest,
    unsigned per_hour, int64_t now, char *why, size_t whylen)
{
	uint64_t n;

	if (per_hour == 0)
		return 0;
	if (history_failure_count(job->h, domain, dest, now - FAILURE_HOUR, &n,
	    why, whylen) < 0)
		return -1;
	if (n < per_hour)
		return 0;
	snprintf(why, whylen, "%" PRIu64 " sent in the last hour %s %s "
	    "(failure_report_rate %u)", n, dest != NULL ? "to" : "for",
	    dest != NULL ? dest : domain, per_hour);
	return 1;
}

/* One destination of one report; *retry set when a later run should try
 * again. Returns 1 when the outcome makes the run fail. */
static unsigned
send_one(const report_send_job *job, const failrep_row *r, const char *uri,
    unsigned nth, unsigned per_hour, int64_t now, int *retry)
{
	char shown[DMARC_MAX_URI_LEN + 32], why[512], mid[256];
	report_send_outcome o;
	dmarc_uri u;
	dmarc_mailbox mb;
	strbuf msg;
	unsigned failed;
	int v;

	memset(&o, 0, sizeof(o));
	report_clean(shown, sizeof(shown), uri, 1);
	o.uri = shown;
	if (dmarc_uri_parse(uri, strlen(uri), &u, why, sizeof(why)) < 0)
		return report_send_tell(job, r->domain, &o, REPORT_SEND_REFUSED,
		    why);
	if (!u.mailto)
		return report_send_tell(job, r->domain, &o,
		    REPORT_SEND_NOT_MAILTO, NULL);
	if (dmarc_mailto_parse(u.uri, strlen(u.uri), &mb, why,
	    sizeof(why)) < 0)
		return report_send_tell(job, r->domain, &o,
		    REPORT_SEND_REFUSED, why);
	/* RFC 9991 (failure reports' destinations are checked as RFC 9990 4
	 * says for aggregate ones) */
	if (job->verify_external && !domain_within(mb.domain,
	    r->org_domain[0] ? r->org_domain : r->domain, 0)) {
		v = report_verify_external(job, r->domain, mb.domain, &mb, why,
		    sizeof(why));
		if (v <= 0) {
			*retry |= v < 0;
			return report_send_tell(job, r->domain, &o, v < 0 ?
			    REPORT_SEND_UNCONFIRMED_TEMP :
			    REPORT_SEND_UNCONFIRMED, why);
		}
	}
	o.mailbox = mb.addr;
	v = history_failure_sent(job->h, r->id, mb.addr, why, sizeof(why));
	if (v != 0) {
		*retry |= v < 0;
		return report_send_tell(job, r->domain, &o, v < 0 ?
		    REPORT_SEND_STORE_ERROR : REPORT_SEND_ALREADY_SENT,
		    v < 0 ? why : NULL);
	}
	if ((v = over_rate(job, r->domain, NULL, per_hour, now, why,
	    sizeof(why))) == 0)
		v = over_rate(job, r->domain, mb.addr, per_hour, now, why,
		    sizeof(why));
	if (v != 0) {
		*retry |= v < 0;
		return report_send_tell(job, r->domain, &o, v < 0 ?
		    REPORT_SEND_STORE_ERROR : REPORT_SEND_RATE_LIMITED, why);
	}
	message_id(mid, sizeof(mid), r->id, nth, job->sender->sender);
	sb_init(&msg);
	if (failrep_address(&msg, mb.addr, mid, r->report, r->report_len) < 0) {
		sb_free(&msg);
		return report_send_tell(job, r->domain, &o,
		    REPORT_SEND_BUILD_ERROR, "out of memory");
	}
	o.octets = msg.len;
	if (u.max_size != 0 && msg.len > u.max_size) {
		o.limit = u.max_size;
		failed = report_send_tell(job, r->domain, &o,
		    REPORT_SEND_TOO_BIG, NULL);
	} else if (job->dry_run) {
		*retry = 1;	/* a dry run changes nothing */
		failed = report_send_tell(job, r->domain, &o,
		    REPORT_SEND_DRY_RUN, NULL);
	} else if (report_sendmail_run(job->sender, mb.addr, msg.s, msg.len,
	    why, sizeof(why)) < 0) {
		*retry = 1;
		failed = report_send_tell(job, r->domain, &o,
		    REPORT_SEND_FAILED, why);
	} else if (history_failure_mark_sent(job->h, r->id, mb.addr,
	    r->domain, now, why, sizeof(why)) < 0) {
		failed = report_send_tell(job, r->domain, &o,
		    REPORT_SEND_NOT_RECORDED, why);
	} else {
		failed = report_send_tell(job, r->domain, &o, REPORT_SEND_SENT,
		    NULL);
	}
	sb_free(&msg);
	return failed;
}

/* A report retried for REPORT_FAILURE_GIVE_UP: abandoned, told once. */
static unsigned
give_up(const report_send_job *job, const failrep_row *r, int64_t now)
{
	char id[sizeof(r->id)], why[512];
	report_send_outcome o;

	memset(&o, 0, sizeof(o));
	if (history_failure_abandon(job->h, r->id, why, sizeof(why)) < 0)
		return report_send_tell(job, r->domain, &o,
		    REPORT_SEND_STORE_ERROR, why);
	report_clean(id, sizeof(id), r->id, 1);
	snprintf(why, sizeof(why), "failure report %s queued %" PRId64
	    " hours ago, retried since, given up after %d days", id,
	    (now - r->t) / FAILURE_HOUR, REPORT_FAILURE_GIVE_UP / 86400);
	return report_send_tell(job, r->domain, &o, REPORT_SEND_ABANDONED,
	    why);
}

unsigned
report_failure_send(const report_send_job *job, unsigned per_hour,
    int64_t now, size_t max)
{
	pending p = { NULL, NULL, 0, 0 };
	report_send_outcome o;
	char why[512];
	unsigned failed = 0, nth;
	size_t i;

	p.cap = max != 0 && max < FAILURE_SEND_MAX ? max : FAILURE_SEND_MAX;
	p.rows = calloc(p.cap, sizeof(*p.rows));
	p.texts = calloc(p.cap, sizeof(*p.texts));
	memset(&o, 0, sizeof(o));
	if (p.rows == NULL || p.texts == NULL ||
	    history_failure_pending(job->h, p.cap, on_pending, &p, why,
	    sizeof(why)) < 0) {
		failed += report_send_tell(job, "", &o, REPORT_SEND_STORE_ERROR,
		    p.rows == NULL || p.texts == NULL ? "out of memory" : why);
		goto out;
	}
	for (i = 0; i < p.n; i++) {
		char list[REPORT_URIS_BUF], *uri, *save = NULL;
		int retry = 0;

		snprintf(list, sizeof(list), "%s", p.rows[i].ruf);
		nth = 0;
		for (uri = strtok_r(list, ",", &save); uri != NULL;
		    uri = strtok_r(NULL, ",", &save))
			failed += send_one(job, &p.rows[i], uri, ++nth, per_hour,
			    now, &retry);
		if (!retry && history_failure_done(job->h, p.rows[i].id, why,
		    sizeof(why)) < 0) {
			memset(&o, 0, sizeof(o));
			failed += report_send_tell(job, p.rows[i].domain, &o,
			    REPORT_SEND_STORE_ERROR, why);
		}
		if (retry && !job->dry_run &&
		    now - p.rows[i].t >= REPORT_FAILURE_GIVE_UP)
			failed += give_up(job, &p.rows[i], now);
	}
out:
	for (i = 0; i < p.n; i++)
		free(p.texts[i]);
	free(p.texts);
	free(p.rows);
	return failed;
}
