/* dns/dns_placeholder.c - lets the skeleton link; deleted when dns/ lands. */
#include "dns/dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

dns_resolver *
dns_resolver_new(const dns_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	snprintf(err, errlen, "resolver not built yet");
	return NULL;
}

/* Temporary (dkim branch): what dkim/ links against until dns/ lands. */
struct dns_query {
	dns_answer a;
};

unsigned
dns_resolver_timeout_ms(const dns_resolver *r)
{
	(void)r;
	return DNS_DEFAULT_TIMEOUT_MS;
}

dns_query *
dns_query_start(dns_resolver *r, const char *name, dns_type t)
{
	static dns_query q;

	(void)r;
	(void)name;
	(void)t;
	q.a.status = DNS_TEMPFAIL;
	snprintf(q.a.why, sizeof(q.a.why), "resolver not built yet");
	return &q;
}

const dns_answer *
dns_query_wait(dns_query *q, int64_t deadline_ms)
{
	(void)deadline_ms;
	return &q->a;
}

void
dns_query_free(dns_query *q)
{
	(void)q;
}

int64_t
dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
dns_status_name(dns_status s)
{
	(void)s;
	return "tempfail";
}

void
dns_resolver_free(dns_resolver *r)
{
	(void)r;
}

const char *
dns_sec_name(dns_sec s)
{
	return s == DNS_SEC_SECURE ? "secure" : s == DNS_SEC_BOGUS ? "bogus" :
	    "insecure";
}

int
dns_resolver_add_fault(dns_resolver *r, const char *name, dns_type type,
    dns_status status)
{
	(void)r;
	(void)name;
	(void)type;
	(void)status;
	return -1;
}
