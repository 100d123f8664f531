/*
 * daemon/metrics.c - the metrics registry: atomic counters bumped on the
 * message path (no lock), and their Prometheus text. Contract in
 * metrics_int.h; the HTTP endpoint that serves it is metrics_http.c.
 */
#include "daemon/metrics_int.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "daemon/daemon.h"
#include "daemon/runtime_int.h"
#include "dns/dns.h"

typedef atomic_uint_fast64_t counter;

static void
add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t
get(counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Histogram bounds in microseconds (local choice: a milter answer takes
 * about a millisecond from the cache and up to the DNS timeouts, 5 s per
 * lookup by default and message_dns_timeout in all). */
static const uint64_t hist_le_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000,
};
#define HIST_N (sizeof(hist_le_us) / sizeof(hist_le_us[0]))

typedef struct histogram {
	counter bucket[HIST_N + 1];  /* not cumulative; the last is +Inf */
	counter sum_us;
} histogram;

static void
observe(histogram *h, uint64_t us)
{
	size_t i = 0;

	while (i < HIST_N && us > hist_le_us[i])
		i++;
	add(&h->bucket[i], 1);
	add(&h->sum_us, us);
}

/* Label values, in the order of their counters. */
static const char *const action_names[] = {
	"accept", "quarantine", "reject", "tempfail", "skipped",
};
#define N_ACTION (sizeof(action_names) / sizeof(action_names[0]))
#define ACTION_SKIPPED (N_ACTION - 1)
#define N_SPF (SPF_PERMERROR + 1)        /* each spf_code (none first) */
#define N_DKIM (DKIM_PERMERROR + 2)      /* each dkim_result, then "none" */
#define N_DMARC (DMARC_RESULT_PERMERROR + 1)
#define N_POLICY (DMARC_P_REJECT + 1)
#define N_OVERRIDE (DMARC_OVERRIDE_OTHER + 1)

static struct {
	counter messages[N_ACTION];
	counter spf[N_SPF];
	counter dkim[N_DKIM];
	counter dmarc[N_DMARC];
	counter disposition[N_POLICY][2];   /* [disposition][applied] */
	counter overrides[N_OVERRIDE];
	histogram eom, dns_wait;
	counter conns;                      /* gauge */
	counter history_depth;              /* gauge */
	counter history_written, history_dropped, history_failed;
	counter failure_dropped;            /* failure reports (RFC 9991) */
	counter reloads[2];                 /* [ok] */
	counter signatures[3][3];           /* [sign_results][sign_algs] */
} reg;

/* authmilter_signatures_total{result,alg}: a signature made (ok), a
 * message that could not be signed (error, alg "none"), a message to
 * sign whose From domain has no key (nokey, alg "none"). */
static const char *const sign_results[] = { "ok", "error", "nokey" };
static const char *const sign_algs[] = { "rsa-sha256", "ed25519-sha256",
	"none" };

void
metrics_signature(const char *result, const char *alg)
{
	size_t r, a;

	for (r = 0; r < 3 && strcmp(result, sign_results[r]) != 0; r++)
		;
	for (a = 0; a < 2 && alg != NULL && strcmp(alg, sign_algs[a]) != 0;
	    a++)
		;
	if (alg == NULL)
		a = 2;
	if (r < 3)
		add(&reg.signatures[r][a], 1);
}

void
metrics_message(const msg_verdict *v, const char *sent, int applied,
    uint64_t eom_us)
{
	size_t i, a;
	unsigned d;

	observe(&reg.eom, eom_us);
	for (a = 0; a < ACTION_SKIPPED; a++)
		if (strcmp(sent, action_names[a]) == 0)
			break;
	if (a == ACTION_SKIPPED)
		a = N_ACTION;  /* a word we do not know: not counted */
	else if (v->skipped && a == 0)
		a = ACTION_SKIPPED;
	if (a < N_ACTION)
		add(&reg.messages[a], 1);
	if (v->skipped)
		return;
	add(&reg.spf[v->spf != NULL && (size_t)v->spf->code < N_SPF ?
	    (size_t)v->spf->code : (size_t)SPF_NONE], 1);
	if (v->ndkim == 0)
		add(&reg.dkim[N_DKIM - 1], 1);
	for (i = 0; i < v->ndkim; i++)
		if ((size_t)v->dkim[i]->result < N_DKIM - 1)
			add(&reg.dkim[v->dkim[i]->result], 1);
	if (v->dmarc != NULL && (size_t)v->dmarc->result < N_DMARC)
		add(&reg.dmarc[v->dmarc->result], 1);
	else
		add(&reg.dmarc[v->bad_from ? DMARC_RESULT_PERMERROR :
		    DMARC_RESULT_NONE], 1);
	if (v->dmarc == NULL || !v->dmarc->have_record)
		return;
	d = v->dmarc->disposition == DMARC_P_UNSET ? DMARC_P_NONE :
	    (unsigned)v->dmarc->disposition;
	if (d < N_POLICY)
		add(&reg.disposition[d][applied != 0], 1);
	if (v->dmarc->override != DMARC_OVERRIDE_NONE &&
	    (size_t)v->dmarc->override < N_OVERRIDE)
		add(&reg.overrides[v->dmarc->override], 1);
}

void
metrics_observe_dns_wait(unsigned ms)
{
	observe(&reg.dns_wait, (uint64_t)ms * 1000);
}

void
metrics_conn_open(void)
{
	add(&reg.conns, 1);
}

void
metrics_conn_close(void)
{
	atomic_fetch_sub_explicit(&reg.conns, 1, memory_order_relaxed);
}

void
metrics_history_queued(void)
{
	add(&reg.history_depth, 1);
}

void
metrics_history_taken(size_t n)
{
	atomic_fetch_sub_explicit(&reg.history_depth, n, memory_order_relaxed);
}

void
metrics_history_written(size_t n)
{
	add(&reg.history_written, n);
}

void
metrics_history_dropped(void)
{
	add(&reg.history_dropped, 1);
}

void
metrics_failure_report_dropped(void)
{
	add(&reg.failure_dropped, 1);
}

void
metrics_history_failed(size_t n)
{
	add(&reg.history_failed, n);
}

void
metrics_reload(int ok)
{
	add(&reg.reloads[ok != 0], 1);
}

uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- the text ---- */

static void
head(strbuf *out, const char *name, const char *type, const char *help)
{
	sb_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
one(strbuf *out, const char *name, const char *type, const char *help,
    uint64_t value)
{
	head(out, name, type, help);
	sb_printf(out, "%s %llu\n", name, (unsigned long long)value);
}

static void
labelled(strbuf *out, const char *name, const char *label,
    const char *value, uint64_t n)
{
	sb_printf(out, "%s{%s=\"%s\"} %llu\n", name, label, value,
	    (unsigned long long)n);
}

static void
render_hist(strbuf *out, const char *name, const char *help, histogram *h)
{
	uint64_t cum = 0;
	size_t i;

	head(out, name, "histogram", help);
	for (i = 0; i < HIST_N; i++) {
		cum += get(&h->bucket[i]);
		sb_printf(out, "%s_bucket{le=\"%g\"} %llu\n", name,
		    (double)hist_le_us[i] / 1e6, (unsigned long long)cum);
	}
	cum += get(&h->bucket[HIST_N]);
	sb_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n", name,
	    (unsigned long long)cum);
	sb_printf(out, "%s_sum %llu.%06llu\n%s_count %llu\n", name,
	    (unsigned long long)(get(&h->sum_us) / 1000000),
	    (unsigned long long)(get(&h->sum_us) % 1000000), name,
	    (unsigned long long)cum);
}

static void
render_results(strbuf *out)
{
	static const char name[] = "authmilter_auth_results_total";
	size_t i;

	head(out, name, "counter", "Results of checked messages by method "
	    "(SPF: the deciding identity; DKIM: each signature; DMARC).");
	for (i = 0; i < N_SPF; i++)
		sb_printf(out, "%s{method=\"spf\",result=\"%s\"} %llu\n", name,
		    spf_code_name((spf_code)i),
		    (unsigned long long)get(&reg.spf[i]));
	for (i = 0; i < N_DKIM; i++)
		sb_printf(out, "%s{method=\"dkim\",result=\"%s\"} %llu\n", name,
		    i < N_DKIM - 1 ? dkim_result_name((dkim_result)i) : "none",
		    (unsigned long long)get(&reg.dkim[i]));
	for (i = 0; i < N_DMARC; i++)
		sb_printf(out, "%s{method=\"dmarc\",result=\"%s\"} %llu\n",
		    name, dmarc_result_name((dmarc_result_code)i),
		    (unsigned long long)get(&reg.dmarc[i]));
}

static void
render_dmarc(strbuf *out)
{
	static const char dname[] = "authmilter_dmarc_dispositions_total";
	static const char oname[] = "authmilter_dmarc_overrides_total";
	size_t i, ap;

	head(out, dname, "counter", "Messages with a DMARC policy record by "
	    "the disposition DMARC asked for and whether it was applied.");
	for (i = DMARC_P_NONE; i < N_POLICY; i++)
		for (ap = 0; ap < 2; ap++)
			sb_printf(out, "%s{disposition=\"%s\",applied=\"%s\"} "
			    "%llu\n", dname, dmarc_policy_name((dmarc_policy)i),
			    ap ? "yes" : "no",
			    (unsigned long long)get(&reg.disposition[i][ap]));
	head(out, oname, "counter", "DMARC policy overrides by reason (RFC "
	    "9990 PolicyOverrideType).");
	for (i = DMARC_OVERRIDE_NONE + 1; i < N_OVERRIDE; i++)
		labelled(out, oname, "reason",
		    dmarc_override_name((dmarc_override)i),
		    get(&reg.overrides[i]));
}

static void
render_dns(strbuf *out)
{
	dns_stats ds;

	dns_stats_read(&ds);
	one(out, "authmilter_dns_queries_total", "counter",
	    "DNS queries sent to the resolver (cache misses).", ds.queries);
	one(out, "authmilter_dns_cache_hits_total", "counter",
	    "DNS answers from the in-process cache.", ds.cache_hits);
	one(out, "authmilter_dns_timeouts_total", "counter",
	    "DNS queries that reached their deadline unanswered.",
	    ds.timeouts);
	one(out, "authmilter_dns_servfail_total", "counter",
	    "DNS answers with RCODE SERVFAIL.", ds.servfail);
	one(out, "authmilter_dns_bogus_total", "counter",
	    "DNS answers that failed DNSSEC validation (bogus).", ds.bogus);
}

int
metrics_render(strbuf *out)
{
	static const char mname[] = "authmilter_messages_total";
	static const char rname[] = "authmilter_reloads_total";
	size_t i;

	head(out, mname, "counter", "Messages at their end by the action "
	    "sent to the MTA (skipped: accepted unchecked).");
	for (i = 0; i < N_ACTION; i++)
		labelled(out, mname, "action", action_names[i],
		    get(&reg.messages[i]));
	render_results(out);
	render_dmarc(out);
	render_dns(out);
	render_hist(out, "authmilter_eom_duration_seconds", "Time from end "
	    "of message to the reply to the MTA.", &reg.eom);
	render_hist(out, "authmilter_dns_wait_seconds", "Time one message "
	    "waited on DNS.", &reg.dns_wait);
	one(out, "authmilter_connections_in_flight", "gauge",
	    "Milter connections open.", get(&reg.conns));
	one(out, "authmilter_messages_in_flight", "gauge",
	    "Messages between MAIL FROM and their end.",
	    runtime_active_messages());
	one(out, "authmilter_history_queue_depth", "gauge", "Report records "
	    "queued for the history store.", get(&reg.history_depth));
	one(out, "authmilter_history_dropped_total", "counter", "Report "
	    "records dropped because the queue was full.",
	    get(&reg.history_dropped));
	one(out, "authmilter_failure_reports_dropped_total", "counter",
	    "Failure reports (RFC 9991) not queued: the writer's queue full, "
	    "failure_report_rate reached or the store failing.",
	    get(&reg.failure_dropped));
	one(out, "authmilter_history_rows_written_total", "counter",
	    "Report records committed to the history store.",
	    get(&reg.history_written));
	one(out, "authmilter_history_failed_total", "counter", "Report "
	    "records lost in a failed transaction.",
	    get(&reg.history_failed));
	head(out, rname, "counter", "Configuration reloads (SIGHUP) by "
	    "result.");
	labelled(out, rname, "result", "ok", get(&reg.reloads[1]));
	labelled(out, rname, "result", "failed", get(&reg.reloads[0]));
	head(out, "authmilter_signatures_total", "counter", "DKIM signing "
	    "by result (ok: one signature made; error: a message that could "
	    "not be signed; nokey: no sign_key for its From domain) and "
	    "algorithm.");
	{
		size_t r, a;

		for (r = 0; r < 3; r++)
			for (a = 0; a < 3; a++)
				if ((r == 0) == (a < 2))
					sb_printf(out, "authmilter_signatures_"
					    "total{result=\"%s\",alg=\"%s\"} "
					    "%llu\n", sign_results[r],
					    sign_algs[a], (unsigned long long)
					    get(&reg.signatures[r][a]));
	}
	head(out, "authmilter_build_info", "gauge", "Always 1; the version "
	    "in a label.");
	sb_printf(out, "authmilter_build_info{version=\"%s\"} 1\n",
	    AUTHMILTER_VERSION);
	return out->failed ? -1 : 0;
}
