/*
 * cli/cmd_run.c - `authmilter [run]`: the daemon's command line. Reads
 * the flags (util/options.h through cli_options(), the same rules and
 * error words as every subcommand), turns them into a daemon_args and
 * calls daemon_main() (daemon/daemon.h), which does the rest: the
 * daemon knows nothing of the command line.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "config/config.h"
#include "daemon/daemon.h"

typedef struct run_opts {
	const char *config_path;
	int config_given;
	int foreground;
	int check_only;
	int debug;
	cli_overrides cov;
} run_opts;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter [run] [-c FILE] [-p SOCKET] [-u USER] [-f] [-n] [-d]\n"
	    "                  [--authserv-id ID] [--pidfile FILE] [--history DB]\n"
	    "                  [DNS options]\n"
	    "  -c FILE            config file (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -p SOCKET          milter socket: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST\n"
	    "  -u USER            user to run as after binding the socket\n"
	    "  -f                 stay in the foreground, log to stderr too\n"
	    "  -n                 check the configuration and exit\n"
	    "  -d                 debug logging\n"
	    "  --authserv-id ID   authserv-id of the Authentication-Results header\n"
	    "  --pidfile FILE     pid file (\"\": none)\n"
	    "  --history DB       DMARC history store (SQLite path or postgresql:// URI)\n"
	    "  -h, --help         this text\n\n%s",
	    cli_dns_usage());
}

static int
run_option(void *arg, int id, const char *val)
{
	run_opts *o = arg;

	return cli_override_option(&o->cov, id, val) < 0 ? OPT_FAIL : OPT_OK;
}

/* CLI_PARSED, or the exit code. */
static int
parse_args(int argc, char **argv, run_opts *o)
{
	const opt_spec spec[] = {
		{ "authserv-id", 0, OPT_ARG, CLI_OPT_AUTHSERV_ID, NULL, NULL },
		{ "pidfile", 0, OPT_ARG, CLI_OPT_PIDFILE, NULL, NULL },
		{ "history", 0, OPT_ARG, CLI_OPT_HISTORY, NULL, NULL },
		{ NULL, 'p', OPT_ARG, CLI_OPT_SOCKET, NULL, NULL },
		{ NULL, 'u', OPT_ARG, CLI_OPT_USER, NULL, NULL },
		{ NULL, 'f', OPT_NOARG, 0, NULL, &o->foreground },
		{ NULL, 'n', OPT_NOARG, 0, NULL, &o->check_only },
		{ NULL, 'd', OPT_NOARG, 0, NULL, &o->debug },
		CLI_CONFIG_OPTS(&o->config_path, &o->config_given),
		OPT_END,
	};
	static const cli_usage u = { usage };
	int first, rc;

	memset(o, 0, sizeof(*o));
	o->config_path = CONFIG_DEFAULT_PATH;
	rc = cli_options(argc, argv, spec, run_option, o, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc) {
		cli_err("unexpected argument '%s'\n", argv[first]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_overrides_done(&o->cov) < 0)
		return CLI_EXIT_USAGE;
	return CLI_PARSED;
}

int
cmd_run(int argc, char **argv)
{
	run_opts o;
	daemon_args a;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != CLI_PARSED)
		return rc;
	memset(&a, 0, sizeof(a));
	a.config_path = o.config_path;
	a.config_given = o.config_given;
	a.foreground = o.foreground;
	a.check_only = o.check_only;
	a.debug = o.debug;
	a.ov = o.cov.ov;
	a.nov = o.cov.n;
	rc = daemon_main(&a) == DAEMON_EXIT_OK ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
	cli_overrides_free(&o.cov);
	return rc;
}
