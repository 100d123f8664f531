/*
 * dmarc/dnsops.c - dmarc_evaluate(): the evaluator over dns/dns.h.
 *
 * Contract: wraps a dns_resolver in a dmarc_lookup (start =
 * dns_query_start, wait = dns_query_wait, release = dns_query_free, the
 * dns_now_ms clock and the resolver's timeout) and runs
 * dmarc_evaluate_with(). Kept apart so the evaluator links without dns/.
 */
#include "dmarc/dmarc.h"

static void *
ops_start(void *ctx, const char *name, dns_type type)
{
	return dns_query_start(ctx, name, type);
}

static const dns_answer *
ops_wait(void *ctx, void *q, int64_t deadline_ms)
{
	(void)ctx;
	return dns_query_wait(q, deadline_ms);
}

static void
ops_release(void *ctx, void *q)
{
	(void)ctx;
	dns_query_free(q);
}

static int64_t
ops_now(void *ctx)
{
	(void)ctx;
	return dns_now_ms();
}

int
dmarc_evaluate(dns_resolver *r, const dmarc_input *in,
    const dmarc_options *opt, dmarc_result *res)
{
	dmarc_lookup lk = {
		.start = ops_start, .wait = ops_wait, .release = ops_release,
		.now = ops_now, .ctx = r,
		.timeout_ms = r != NULL ? dns_resolver_timeout_ms(r) : 0,
	};

	if (r == NULL) {
		lk.start = NULL; /* reported as a bad argument */
	}
	return dmarc_evaluate_with(&lk, in, opt, res);
}
