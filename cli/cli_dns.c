/*
 * cli/cli_dns.c - the DNS flags shared by every subcommand and the daemon
 * (see cli.h).
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
			cli_err("at most %d --dns-forward\n",
			    DNS_MAX_FORWARDERS);
			return -1;
		}
		cfg->forwarders[cfg->nforwarders++] = arg;
		return 0;
	case CLI_OPT_DNS_TIMEOUT:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v == 0 || v > 600000) {
			cli_err("--dns-timeout: '%s' is not "
			    "a number of milliseconds from 1 to 600000\n", arg);
			return -1;
		}
		cfg->timeout_ms = (unsigned)v;
		return 0;
	}
	return -1;
}

int
cli_dns_flag(void *cfg, int id, const char *arg)
{
	return cli_dns_option(id, arg, cfg) != 0 ? OPT_FAIL : OPT_OK;
}

dns_resolver *
cli_dns_resolver(const dns_config *cfg)
{
	char err[512];
	dns_resolver *r = dns_resolver_new(cfg, err, sizeof(err));

	if (r == NULL)
		cli_err("resolver: %s\n", err);
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

int
cli_override(cli_overrides *o, const char *key, const char *value)
{
	if (o->n >= CLI_MAX_OVERRIDES) {
		cli_err("too many options\n");
		return -1;
	}
	o->ov[o->n].key = key;
	o->ov[o->n].value = value;
	o->n++;
	return 0;
}

static int cli_override_set(cli_overrides *o, const char *key_eq_value);

/* The flags that set one config key each. */
static const struct {
	int id;
	const char *key;
} flag_keys[] = {
	{ CLI_OPT_HISTORY, "history" },
	{ CLI_OPT_AUTHSERV_ID, "authserv_id" },
	{ CLI_OPT_SOCKET, "socket" },
	{ CLI_OPT_USER, "user" },
	{ CLI_OPT_PIDFILE, "pidfile" },
	{ CLI_OPT_DNS_ZONE, "dns_zone" },
	{ CLI_OPT_DNS_CONF, "dns_conf" },
	{ CLI_OPT_DNS_TIMEOUT, "dns_timeout" },
	{ CLI_OPT_DNS_TRUST_ANCHOR, "dns_trust_anchor" },
};

int
cli_override_option(cli_overrides *o, int id, const char *arg)
{
	size_t i, flen;

	for (i = 0; i < sizeof(flag_keys) / sizeof(flag_keys[0]); i++)
		if (flag_keys[i].id == id)
			return cli_override(o, flag_keys[i].key, arg);
	switch (id) {
	case CLI_OPT_SET:
		return cli_override_set(o, arg);
	case CLI_OPT_DNS_FORWARD:
		flen = strlen(o->forwarders);
		if (flen + strlen(arg) + 2 > sizeof(o->forwarders)) {
			cli_err("--dns-forward: too many\n");
			return -1;
		}
		snprintf(o->forwarders + flen, sizeof(o->forwarders) - flen,
		    "%s%s", flen ? "," : "", arg);
		return 0;
	}
	return -1;
}

/* --set KEY=VALUE */
static int
cli_override_set(cli_overrides *o, const char *key_eq_value)
{
	const char *eq = strchr(key_eq_value, '=');
	char *copy;

	if (eq == NULL) {
		cli_err("--set: '%s' is not KEY=VALUE\n", key_eq_value);
		return -1;
	}
	if (o->nowned >= CLI_MAX_OVERRIDES ||
	    (copy = strdup(key_eq_value)) == NULL) {
		cli_err("too many --set\n");
		return -1;
	}
	o->owned[o->nowned++] = copy;
	copy[eq - key_eq_value] = '\0';
	return cli_override(o, copy, copy + (eq - key_eq_value) + 1);
}

int
cli_overrides_done(cli_overrides *o)
{
	if (o->forwarders[0] == '\0')
		return 0;
	return cli_override(o, "dns_forward", o->forwarders);
}

void
cli_overrides_free(cli_overrides *o)
{
	size_t i;

	for (i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	o->nowned = 0;
}
