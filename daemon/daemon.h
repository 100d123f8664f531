/*
 * daemon/daemon.h - the daemon as the command line starts it (the public
 * header of daemon/): daemon_main(), which `authmilter run` calls with
 * its flags parsed (cli/cmd_run.c), and the one piece of the daemon that
 * `authmilter check --record` shares.
 *
 * SYNOPSIS
 *   int  daemon_main(const daemon_args *args);
 *   int  history_record_from_verdict(const msg_verdict *v,
 *            const am_config *cfg, const char *ip, const char *mail_from,
 *            const char *rcpt, int64_t now, report_record *out);
 *   int  daemon_metrics_address(const char *spec,
 *            struct sockaddr_storage *sa, socklen_t *salen, char *err,
 *            size_t errlen);
 *
 * DESCRIPTION
 *   daemon_main() reads the configuration (args->config_path, required
 *   when config_given, then the command line's overrides args->ov),
 *   with check_only checks it and stops, else serves until SIGTERM,
 *   SIGINT or SIGQUIT (daemon.c has the start-up sequence and every
 *   signal's effect); SIGHUP reads the same file and overrides again.
 *   A relative config path, and relative paths in the file and the
 *   overrides, are anchored to the directory it was started in
 *   (config_absolute_paths()), at start and at every reload. It
 *   returns DAEMON_EXIT_OK or DAEMON_EXIT_FAILURE (the process's exit
 *   code; the same values as the command line's). args and what it points to must stay valid
 *   until it returns.
 *
 *   history_record_from_verdict() builds what the milter records for one
 *   message (the same for the daemon and `authmilter check --record`):
 *   returns -1 when there is nothing to report (message not checked, no
 *   DMARC policy record). A bad From (v->bad_from) with a policy record
 *   for one of its readable author domains is recorded with
 *   dmarc_result permerror, DKIM and SPF not aligned, the disposition
 *   done (reject, quarantine, else none) and reason other (local_policy
 *   for an exempt network): doc/REPORTS.md.
 *
 *   daemon_metrics_address() is the address of a `metrics` value
 *   (inet:PORT@HOST, inet6:PORT@HOST; the milter socket's rules) for
 *   `authmilter stats`: 0, or -1 with a message starting "metrics ".
 */
#ifndef AUTHMILTER_DAEMON_H
#define AUTHMILTER_DAEMON_H

#include <stdint.h>
#include <sys/socket.h>

#include "config/config.h"
#include "message/message.h"
#include "report/report.h"

/* The release, in `authmilter --version` and authmilter_build_info. */
#define AUTHMILTER_VERSION "0.1.0"

/* Exit codes of daemon_main() (cli/cli.h CLI_EXIT_OK, CLI_EXIT_FAILURE). */
#define DAEMON_EXIT_OK		0
#define DAEMON_EXIT_FAILURE	1

typedef struct daemon_args {
	const char *config_path;	/* the config file */
	int config_given;		/* -c: a missing file is an error */
	int foreground;			/* -f */
	int check_only;			/* -n */
	int debug;			/* -d */
	const config_override *ov;	/* the flags' KEY=VALUE overrides */
	size_t nov;
} daemon_args;

int daemon_main(const daemon_args *args);

int history_record_from_verdict(const msg_verdict *v, const am_config *cfg,
    const char *ip, const char *mail_from, const char *rcpt, int64_t now,
    report_record *out);

int daemon_metrics_address(const char *spec, struct sockaddr_storage *sa,
    socklen_t *salen, char *err, size_t errlen);

#endif
