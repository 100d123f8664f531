/*
 * cli/cmd_stats.c - `authmilter stats`: the running daemon's metrics.
 *
 *   authmilter stats [-c FILE]
 *
 * Reads the config's `metrics` address (the defaults, then FILE), fetches
 * http://ADDRESS/metrics from the daemon and prints the Prometheus text
 * as served. Errors name the address: metrics off in the config, nothing
 * answering there, or an answer that is not the endpoint's; exit 1.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/http_client_int.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "util/strbuf.h"

#define STATS_TIMEOUT_MS 5000   /* connect, and each wait for data */

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: authmilter stats [-c FILE]\n"
	    "\n"
	    "Prints the running daemon's metrics (Prometheus text, as its\n"
	    "endpoint serves them): it reads the `metrics` address of the\n"
	    "configuration and fetches http://ADDRESS/metrics.\n"
	    "  -c FILE      the configuration (default " CONFIG_DEFAULT_PATH
	    ")\n"
	    "  -h, --help   this text\n"
	    "Exit status: 0 printed, 1 metrics off or the daemon does not "
	    "answer, 2 usage.\n");
}

static int
fetch(const char *spec, const char *path)
{
	struct sockaddr_storage sa;
	socklen_t salen;
	char err[512];
	strbuf resp;
	unsigned status;
	size_t off;
	int rc = CLI_EXIT_FAILURE;

	if (daemon_metrics_address(spec, &sa, &salen, err, sizeof(err)) < 0) {
		cli_err("%s: %s\n", path, err);
		return CLI_EXIT_FAILURE;
	}
	sb_init(&resp);
	if (http_get((struct sockaddr *)&sa, salen, "/metrics",
	    STATS_TIMEOUT_MS, &resp, err, sizeof(err)) < 0)
		cli_err("metrics %s: the daemon does not answer: %s (is it "
		    "running with this configuration?)\n", spec, err);
	else if (http_response_body(resp.s, resp.len, &status, &off) < 0)
		cli_err("metrics %s: the answer is not HTTP\n", spec);
	else if (status != 200)
		cli_err("metrics %s: HTTP status %u\n", spec, status);
	else {
		fwrite(resp.s + off, 1, resp.len - off, stdout);
		rc = fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
	}
	sb_free(&resp);
	return rc;
}

int
cmd_stats(int argc, char **argv)
{
	const char *path = CONFIG_DEFAULT_PATH;
	int first, rc, given = 0;
	const opt_spec spec[] = {
		CLI_CONFIG_FILE_OPTS(&path, &given),
		OPT_END,
	};
	static const cli_usage u = { usage };
	am_config cfg;
	char err[512];

	rc = cli_options(argc, argv, spec, NULL, NULL, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc) {
		cli_err("unexpected argument '%s'\n", argv[first]);
		return CLI_EXIT_USAGE;
	}
	if (config_build(&cfg, path, given, NULL, 0, err, sizeof(err)) < 0) {
		cli_err("%s\n", err);
		return CLI_EXIT_FAILURE;
	}
	if (cfg.metrics == NULL || cfg.metrics[0] == '\0') {
		cli_err("%s: metrics is off (set metrics = inet:PORT@127.0.0.1 "
		    "and restart the daemon)\n", path);
		rc = CLI_EXIT_FAILURE;
	} else
		rc = fetch(cfg.metrics, path);
	config_free(&cfg);
	return rc;
}
