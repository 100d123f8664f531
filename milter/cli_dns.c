/*
 * milter/cli_dns.c - the DNS flags shared by every subcommand and the daemon
 * (see cli.h).
 */
#include "milter/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int
cli_dns_option(int id, const char *arg, dns_config *cfg)
{
	char *end;
	unsigned long v;

	switch (id) {
	case CLI_OPT_DNS_ZONE:
		cfg->zone_file = arg;
		return 0;
	case CLI_OPT_DNS_CONF:
		cfg->unbound_conf = arg;
		return 0;
	case CLI_OPT_DNS_TRUST_ANCHOR:
		cfg->trust_anchor_file = arg;
		return 0;
	case CLI_OPT_DNS_FORWARD:
		if (cfg->nforwarders >= DNS_MAX_FORWARDERS) {
			fprintf(stderr, "authmilter: at most %d --dns-forward\n",
			    DNS_MAX_FORWARDERS);
			return -1;
		}
		cfg->forwarders[cfg->nforwarders++] = arg;
		return 0;
	case CLI_OPT_DNS_TIMEOUT:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v == 0 || v > 600000) {
			fprintf(stderr, "authmilter: --dns-timeout: '%s' is not "
			    "a number of milliseconds from 1 to 600000\n", arg);
			return -1;
		}
		cfg->timeout_ms = (unsigned)v;
		return 0;
	}
	return -1;
}

dns_resolver *
cli_dns_resolver(const dns_config *cfg)
{
	char err[512];
	dns_resolver *r = dns_resolver_new(cfg, err, sizeof(err));

	if (r == NULL)
		fprintf(stderr, "authmilter: resolver: %s\n", err);
	return r;
}

const char *
cli_dns_usage(void)
{
	return
	    "DNS options (all subcommands):\n"
	    "  --dns-zone FILE         answer from this master file (served as the root zone)\n"
	    "  --dns-forward ADDR[@PORT]  forward to this resolver (repeatable; still validates)\n"
	    "  --dns-conf FILE         a libunbound config file (stubs, trust anchors, ...)\n"
	    "  --dns-trust-anchor FILE DNSSEC root trust anchor (default " DNS_DEFAULT_TRUST_ANCHOR ")\n"
	    "  --dns-timeout MS        per-lookup deadline (default 5000)\n";
}
