/*
 * tests/lib/dnscheck.c - the real resolver in Check tests (see
 * dnscheck.h): nothing is made up here, every answer is dns/'s own.
 */
#include "tests/lib/dnscheck.h"

#include <check.h>
#include <string.h>

dns_resolver *
dnscheck_new(const dns_config *cfg)
{
	char err[512];
	dns_resolver *r = dns_resolver_new(cfg, err, sizeof(err));

	ck_assert_msg(r != NULL, "resolver: %s", err);
	return r;
}

dns_resolver *
dnscheck_resolver(const char *zone_file, int cache_entries)
{
	dns_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = zone_file;
	cfg.cache_entries = cache_entries;
	return dnscheck_new(&cfg);
}

dns_answer *
dnscheck_look(dns_resolver *r, const char *name, dns_type t, dns_status want)
{
	dns_answer *a = dns_lookup(r, name, t);

	ck_assert_msg(a->status == want, "%s %s: status %s (%s), want %s",
	    name, dns_type_name(t), dns_status_name(a->status), a->why,
	    dns_status_name(want));
	return a;
}
