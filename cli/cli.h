/*
 * cli/cli.h - what the authmilter subcommands share (the public header of
 * cli/: the daemon's flags go through the same overrides).
 *
 * SYNOPSIS
 *   int cmd_spf(int argc, char **argv);    authmilter spf ...
 *   int cmd_dkim(int argc, char **argv);
int cmd_arc(int argc, char **argv);   authmilter dkim ...
 *   int cmd_arc(int argc, char **argv);    authmilter arc ...
 *   int cmd_sign(int argc, char **argv);   authmilter sign ...
 *   int cmd_dns(int argc, char **argv);    authmilter dns ...
 *   int cmd_config(int argc, char **argv); authmilter config ...
 *   int cmd_check(int argc, char **argv);  authmilter check ...
 *   int cmd_report(int argc, char **argv); authmilter report ...
 *   int cmd_stats(int argc, char **argv);  authmilter stats ...
 *   int cmd_domain(int argc, char **argv); authmilter domain ...
 *   int cmd_keygen(int argc, char **argv); authmilter keygen ...
 *   int cmd_testkey(int argc, char **argv); authmilter testkey ...
 *   int cmd_run(int argc, char **argv);    authmilter [run]: the daemon's
 *                                          flags, then daemon_main()
 *
 *   int cli_options(int argc, char **argv, const opt_spec *spec, opt_fn fn,
 *       void *ctx, const cli_usage *u, int *first);
 *   int cli_now(const char *s, int64_t *out);
 *   void cli_set_command(const char *name);
 *   void cli_err(const char *fmt, ...);
 *   CLI_DNS_OPTS                           option rows of the DNS flags
 *   int cli_dns_option(int id, const char *arg, dns_config *cfg);
 *   int cli_dns_flag(void *cfg, int id, const char *arg);
 *   dns_resolver *cli_dns_resolver(const dns_config *cfg);
 *   const char *cli_dns_usage(void);
 *   int cli_feed_message(FILE *fp, const struct msgparse_events *ev,
 *       void *arg);
 *   void cli_print_fields(const strbuf *fields, int crlf);
 *   int cli_verify_stdin(const cli_verifier *cv, void *arg,
 *       const dns_config *cfg, int json);
 *
 * DESCRIPTION
 *   Every subcommand and the daemon read their options with cli_options():
 *   a table of util/options.h rows, fn called for the rows that neither
 *   store nor set a flag. A row with id CLI_OPT_HELP (--help, -h) prints
 *   u->usage on stdout; a word that is not a valid option is said in GNU
 *   getopt_long()'s words ("authmilter CMD: unrecognized option '--x'"),
 *   followed by u->usage on stderr. It returns CLI_PARSED with *first the index of the
 *   first operand in argv (operands are moved after the options), else
 *   the exit code: CLI_EXIT_OK after --help, CLI_EXIT_USAGE after a bad
 *   option or when fn returned OPT_FAIL (fn said why). cli_now() reads
 *   --now, a time in Unix seconds: 0, or -1 after saying "--now: 'S' is
 *   not a Unix time" when s is not a positive decimal number that fits.
 *
 *   Every error of the command line goes through cli_err(): printf words
 *   on stderr after "authmilter CMD: " (CMD the subcommand main.c named
 *   with cli_set_command(); "authmilter: " for the daemon started without
 *   one). A value refused names its flag and the value ("--FLAG: 'VALUE'
 *   is not ...").
 *
 *   Every subcommand and the daemon take the same DNS flags
 *   (--dns-zone FILE, --dns-forward ADDR[@PORT] (repeatable), --dns-conf FILE,
 *   --dns-timeout MS, --dns-trust-anchor FILE): CLI_DNS_OPTS in the table,
 *   every option id >= CLI_DNS_OPT_BASE handed to cli_dns_option(), which
 *   returns 0 when it consumed the option and -1 (after printing why) on a
 *   bad value (cli_dns_flag() is the same as an opt_fn, cfg a dns_config),
 *   or, where flags override config keys, to cli_override_option(). cli_dns_resolver() builds the resolver or prints
 *   the error and returns NULL.
 *
 *   cli_feed_message() streams the raw message on fp (LF or CRLF line
 *   ends) through the message splitter into ev: 0, or -1 after saying why
 *   (a read error, a malformed message). cli_print_fields() writes header
 *   fields made with CRLF line breaks on stdout, with LF ones unless crlf
 *   (the input's line endings).
 *
 *   cli_verify_stdin() is `authmilter dkim` and `authmilter arc`: the
 *   resolver of cfg (the DNS flags), cv->make(r, arg) a verifier, the
 *   message on stdin fed to it through cv->events, cv->eom(v) (-1: out of
 *   memory), then cv->print(v, json) (-1: it could not print); the
 *   verifier (cv->release) and the resolver freed. Returns the exit code:
 *   CLI_EXIT_OK, or CLI_EXIT_FAILURE after saying why.
 *
 *   Exit codes, for every subcommand: 0 an evaluation completed (whatever
 *   its result), 1 an operational failure (resolver, I/O), 2 bad usage
 *   (`domain`: 1 also when it found an error, 3 a DNS temporary failure).
 */
#ifndef AUTHMILTER_CLI_H
#define AUTHMILTER_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dns/dns.h"
#include "config/config.h"
#include "util/options.h"
#include "util/strbuf.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2
#define CLI_PARSED (-1)         /* cli_options(): go on */

/* Option ids the subcommands share (their own start at 1). The ones from
 * CLI_OPT_HISTORY on set a config key (cli_override_option). */
enum {
	CLI_OPT_HELP = 900,
	CLI_OPT_HISTORY,
	CLI_OPT_AUTHSERV_ID,
	CLI_OPT_SET,
	CLI_OPT_SOCKET,
	CLI_OPT_USER,
	CLI_OPT_PIDFILE,
	CLI_DNS_OPT_BASE = 1000,
	CLI_OPT_DNS_ZONE = CLI_DNS_OPT_BASE,
	CLI_OPT_DNS_FORWARD,
	CLI_OPT_DNS_CONF,
	CLI_OPT_DNS_TIMEOUT,
	CLI_OPT_DNS_TRUST_ANCHOR,
	CLI_DNS_OPT_END,
};

/* The rows of the commands that read the config file, after their own:
 * --help and -c FILE (path, *given set); CLI_CONFIG_OPTS adds the DNS
 * flags for those that look things up (the daemon, check, report). */
#define CLI_CONFIG_FILE_OPTS(path, given) \
	{ "help", 'h', OPT_NOARG, CLI_OPT_HELP, NULL, NULL }, \
	{ NULL, 'c', OPT_ARG, 0, (path), (given) }

#define CLI_CONFIG_OPTS(path, given) \
	CLI_CONFIG_FILE_OPTS(path, given), \
	CLI_DNS_OPTS

#define CLI_DNS_OPTS \
	{ "dns-zone", 0, OPT_ARG, CLI_OPT_DNS_ZONE, NULL, NULL }, \
	{ "dns-forward", 0, OPT_ARG, CLI_OPT_DNS_FORWARD, NULL, NULL }, \
	{ "dns-conf", 0, OPT_ARG, CLI_OPT_DNS_CONF, NULL, NULL }, \
	{ "dns-timeout", 0, OPT_ARG, CLI_OPT_DNS_TIMEOUT, NULL, NULL }, \
	{ "dns-trust-anchor", 0, OPT_ARG, CLI_OPT_DNS_TRUST_ANCHOR, NULL, NULL }

/* The usage text of a subcommand. */
typedef struct cli_usage {
	void (*usage)(FILE *fp);
} cli_usage;

int cli_options(int argc, char **argv, const opt_spec *spec, opt_fn fn,
    void *ctx, const cli_usage *u, int *first);
int cli_now(const char *s, int64_t *out);
void cli_set_command(const char *name);
void cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_dns_option(int id, const char *arg, dns_config *cfg);
int cli_dns_flag(void *cfg, int id, const char *arg);

/* Config keys set by command-line flags, applied after the config file
 * (config_build). The daemon, `check` and `report` share it:
 * cli_override() adds KEY=VALUE (value borrowed from argv);
 * cli_override_option() maps a flag id (CLI_OPT_HISTORY and after, the
 * DNS flags) to its key, repeated --dns-forward flags joining into one
 * dns_forward list, --set KEY=VALUE (CLI_OPT_SET) any key;
 * cli_overrides_done() must be called after the last flag. Each returns
 * 0, or -1 after printing why. */
#define CLI_MAX_OVERRIDES 64
typedef struct cli_overrides {
	config_override ov[CLI_MAX_OVERRIDES];
	size_t n;
	char forwarders[1024];
	char *owned[CLI_MAX_OVERRIDES];
	size_t nowned;
} cli_overrides;

int cli_override(cli_overrides *o, const char *key, const char *value);
int cli_override_option(cli_overrides *o, int id, const char *arg);
int cli_overrides_done(cli_overrides *o);
void cli_overrides_free(cli_overrides *o);
dns_resolver *cli_dns_resolver(const dns_config *cfg);
const char *cli_dns_usage(void);
struct msgparse_events;   /* message/message.h */
int cli_feed_message(FILE *fp, const struct msgparse_events *ev, void *arg);
void cli_print_fields(const strbuf *fields, int crlf);
typedef struct cli_verifier {
	const struct msgparse_events *events;
	void *(*make)(dns_resolver *r, void *arg);
	int (*eom)(void *v);
	int (*print)(void *v, int json);
	void (*release)(void *v);
} cli_verifier;
int cli_verify_stdin(const cli_verifier *cv, void *arg,
    const dns_config *cfg, int json);

int cmd_run(int argc, char **argv);
int cmd_spf(int argc, char **argv);
int cmd_dkim(int argc, char **argv);
int cmd_arc(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_dns(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_domain(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_testkey(int argc, char **argv);
/* keygen/testkey (cmd_keygen.c): 0 when there is no operand and both
 * --domain and --selector are given as names (LDH labels and '_', also
 * safe in a file name), else -1 after saying why (and usage_fn(stderr)
 * when one is missing). */
int cli_dkim_operands(int first, int argc, char **argv, const char *domain,
    const char *selector, void (*usage_fn)(FILE *));

#endif
