/*
 * cli/cli.h - what the authmilter subcommands share (the public header of
 * cli/: the daemon's flags go through the same overrides).
 *
 * SYNOPSIS
 *   int cmd_spf(int argc, char **argv);    authmilter spf ...
 *   int cmd_dkim(int argc, char **argv);   authmilter dkim ...
 *   int cmd_dns(int argc, char **argv);    authmilter dns ...
 *   int cmd_config(int argc, char **argv); authmilter config ...
 *   int cmd_check(int argc, char **argv);  authmilter check ...
 *   int cmd_report(int argc, char **argv); authmilter report ...
 *   (`authmilter run`, the daemon, is cmd_run(): daemon/daemon.h)
 *
 *   CLI_DNS_LONGOPTS                       getopt_long entries for the DNS flags
 *   int cli_dns_option(int id, const char *arg, dns_config *cfg);
 *   dns_resolver *cli_dns_resolver(const dns_config *cfg);
 *   const char *cli_dns_usage(void);
 *
 * DESCRIPTION
 *   Every subcommand and the daemon take the same DNS flags
 *   (--dns-zone FILE, --dns-forward ADDR[@PORT] (repeatable), --dns-conf FILE,
 *   --dns-timeout MS, --dns-trust-anchor FILE). A subcommand puts
 *   CLI_DNS_LONGOPTS in its getopt_long table and hands every option id
 *   >= CLI_DNS_OPT_BASE to cli_dns_option(), which returns 0 when it
 *   consumed the option and -1 (after printing why) on a bad value.
 *   cli_dns_resolver() builds the resolver or prints the error and returns
 *   NULL.
 *
 *   Exit codes, for every subcommand: 0 an evaluation completed (whatever
 *   its result), 1 an operational failure (resolver, I/O), 2 bad usage.
 */
#ifndef AUTHMILTER_CLI_H
#define AUTHMILTER_CLI_H

#include <stddef.h>

#include "dns/dns.h"
#include "config/config.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

enum {
	CLI_DNS_OPT_BASE = 1000,
	CLI_OPT_DNS_ZONE = CLI_DNS_OPT_BASE,
	CLI_OPT_DNS_FORWARD,
	CLI_OPT_DNS_CONF,
	CLI_OPT_DNS_TIMEOUT,
	CLI_OPT_DNS_TRUST_ANCHOR,
	CLI_DNS_OPT_END,
};

#define CLI_DNS_LONGOPTS \
	{ "dns-zone", required_argument, NULL, CLI_OPT_DNS_ZONE }, \
	{ "dns-forward", required_argument, NULL, CLI_OPT_DNS_FORWARD }, \
	{ "dns-conf", required_argument, NULL, CLI_OPT_DNS_CONF }, \
	{ "dns-timeout", required_argument, NULL, CLI_OPT_DNS_TIMEOUT }, \
	{ "dns-trust-anchor", required_argument, NULL, CLI_OPT_DNS_TRUST_ANCHOR }

/* The case labels of every DNS option, for a getopt switch that hands
 * them to cli_override_dns() or cli_dns_option(). */
#define CLI_DNS_OPTION_CASES \
	case CLI_OPT_DNS_ZONE: \
	case CLI_OPT_DNS_CONF: \
	case CLI_OPT_DNS_TIMEOUT: \
	case CLI_OPT_DNS_TRUST_ANCHOR: \
	case CLI_OPT_DNS_FORWARD

int cli_dns_option(int id, const char *arg, dns_config *cfg);

/* Config keys set by command-line flags, applied after the config file
 * (config_build). The daemon, `check` and `report` share it:
 * cli_override() adds KEY=VALUE (value borrowed from argv);
 * cli_override_dns() maps a DNS flag id (>= CLI_DNS_OPT_BASE) to its key,
 * repeated --dns-forward flags joining into one dns_forward list;
 * cli_override_set() takes "KEY=VALUE" (--set); cli_overrides_done()
 * must be called after the last flag. Each returns 0, or -1 after
 * printing why. */
#define CLI_MAX_OVERRIDES 64
typedef struct cli_overrides {
	config_override ov[CLI_MAX_OVERRIDES];
	size_t n;
	char forwarders[1024];
	char *owned[CLI_MAX_OVERRIDES];
	size_t nowned;
} cli_overrides;

int cli_override(cli_overrides *o, const char *key, const char *value);
int cli_override_dns(cli_overrides *o, int id, const char *arg);
int cli_override_set(cli_overrides *o, const char *key_eq_value);
int cli_overrides_done(cli_overrides *o);
void cli_overrides_free(cli_overrides *o);
dns_resolver *cli_dns_resolver(const dns_config *cfg);
const char *cli_dns_usage(void);

int cmd_spf(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
