/*
 * tests/bench/bench_spf.c - SPF evaluations per second on a warm cache.
 *
 *   bench_spf [SECONDS]
 *
 * Writes a zone of realistic policies (include chains three deep, mx, a,
 * ip4/ip6 ranges, a redirect) to a temporary master file, builds a
 * zone-file resolver, warms the cache with one pass, then evaluates a
 * fixed mix of (ip, sender) pairs for SECONDS (default 3) and prints
 * "bench_spf: N evaluations/s (mix of M checks, K lookups/eval)". A
 * result that differs from the expected one aborts the run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "spf/spf.h"

static const char zone[] =
    ". 300 IN SOA ns.test. host.test. 1 3600 600 86400 300\n"
    ". 300 IN NS ns.test.\n"
    "corp.example. 300 IN TXT \"v=spf1 mx a:relay.corp.example "
    "include:_spf.mailhost.example ip6:2001:db8:10::/48 -all\"\n"
    "corp.example. 300 IN MX 10 mx1.corp.example.\n"
    "corp.example. 300 IN MX 20 mx2.corp.example.\n"
    "mx1.corp.example. 300 IN A 192.0.2.10\n"
    "mx1.corp.example. 300 IN AAAA 2001:db8:1::10\n"
    "mx2.corp.example. 300 IN A 192.0.2.11\n"
    "relay.corp.example. 300 IN A 192.0.2.20\n"
    "_spf.mailhost.example. 300 IN TXT \"v=spf1 include:_netblocks.mailhost.example "
    "include:_netblocks2.mailhost.example ~all\"\n"
    "_netblocks.mailhost.example. 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 "
    "ip4:203.0.113.0/25 include:_netblocks3.mailhost.example ~all\"\n"
    "_netblocks2.mailhost.example. 300 IN TXT \"v=spf1 ip6:2001:db8:ff::/48 "
    "ip4:100.64.0.0/16 ~all\"\n"
    "_netblocks3.mailhost.example. 300 IN TXT \"v=spf1 ip4:203.0.113.128/25 ~all\"\n"
    "shop.example. 300 IN TXT \"v=spf1 redirect=corp.example\"\n"
    "small.example. 300 IN TXT \"v=spf1 a ip4:192.0.2.128/26 -all\"\n"
    "small.example. 300 IN A 192.0.2.200\n"
    "nospf.example. 300 IN A 192.0.2.1\n";

static const struct mix {
	const char *ip, *from;
	spf_code want;
} mix[] = {
	{ "192.0.2.10", "a@corp.example", SPF_PASS },       /* mx */
	{ "192.0.2.20", "a@corp.example", SPF_PASS },       /* a: */
	{ "203.0.113.200", "a@corp.example", SPF_PASS },    /* include x3 */
	{ "2001:db8:ff::5", "a@corp.example", SPF_PASS },   /* include x2, ip6 */
	{ "192.0.2.99", "a@corp.example", SPF_FAIL },       /* everything */
	{ "198.51.100.7", "b@shop.example", SPF_PASS },     /* redirect */
	{ "192.0.2.130", "c@small.example", SPF_PASS },
	{ "192.0.2.99", "c@small.example", SPF_FAIL },
	{ "192.0.2.99", "d@nospf.example", SPF_NONE },
};
#define NMIX (sizeof(mix) / sizeof(mix[0]))

static int
one(dns_resolver *r, size_t i, unsigned *lookups)
{
	spf_request req;
	spf_result res;

	memset(&req, 0, sizeof(req));
	req.ip = mix[i].ip;
	req.helo = "mail.client.example";
	req.mail_from = mix[i].from;
	spf_check_mailfrom(r, &req, &res);
	*lookups += res.lookups;
	if (res.code != mix[i].want) {
		fprintf(stderr, "bench_spf: %s from %s: got %s, want %s (%s)\n",
		    mix[i].ip, mix[i].from, spf_code_name(res.code),
		    spf_code_name(mix[i].want), res.reason);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char path[] = "/tmp/bench_spf.XXXXXX", err[256];
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	dns_config cfg;
	dns_resolver *r;
	unsigned long n = 0;
	unsigned lookups = 0;
	int64_t start, end;
	int fd;
	size_t i;

	fd = mkstemp(path);
	if (fd < 0 || write(fd, zone, sizeof(zone) - 1) !=
	    (ssize_t)(sizeof(zone) - 1)) {
		perror("bench_spf: zone file");
		return 1;
	}
	close(fd);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	cfg.trust_anchor_file = "";
	r = dns_resolver_new(&cfg, err, sizeof(err));
	unlink(path);
	if (r == NULL) {
		fprintf(stderr, "bench_spf: resolver: %s\n", err);
		return 1;
	}
	for (i = 0; i < NMIX; i++)  /* warm the cache, check the answers */
		if (one(r, i, &lookups) != 0)
			return 1;
	lookups = 0;
	start = dns_now_ms();
	end = start + (int64_t)(seconds * 1000);
	while (dns_now_ms() < end) {
		for (i = 0; i < NMIX; i++)
			if (one(r, i, &lookups) != 0)
				return 1;
		n += NMIX;
	}
	end = dns_now_ms();
	printf("bench_spf: %.0f evaluations/s (mix of %zu checks, %.1f "
	    "DNS-querying terms/eval, warm cache, 1 thread)\n",
	    (double)n * 1000.0 / (double)(end - start), NMIX,
	    (double)lookups / (double)n);
	dns_resolver_free(r);
	return 0;
}
