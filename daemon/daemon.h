/*
 * daemon/daemon.h - the daemon as the command line starts it (the public
 * header of daemon/): `authmilter run` and the one piece of the daemon
 * that `authmilter check --record` shares.
 *
 * SYNOPSIS
 *   int  cmd_run(int argc, char **argv);
 *   int  history_record_from_verdict(const msg_verdict *v,
 *            const am_config *cfg, const char *ip, const char *mail_from,
 *            const char *rcpt, int64_t now, report_record *out);
 *
 * DESCRIPTION
 *   cmd_run() is `authmilter run` (and `authmilter [options]`): it parses
 *   the daemon's flags, reads the configuration and serves until
 *   SIGTERM (daemon.c has the start-up sequence); it returns the exit
 *   code (cli/cli.h CLI_EXIT_*).
 *
 *   history_record_from_verdict() builds what the milter records for one
 *   message (the same for the daemon and `authmilter check --record`):
 *   returns -1 when there is nothing to report (message not checked, no
 *   DMARC policy record). A bad From (v->bad_from) with a policy record
 *   for one of its readable author domains is recorded with
 *   dmarc_result permerror, DKIM and SPF not aligned, the disposition
 *   done (reject, quarantine, else none) and reason other (local_policy
 *   for an exempt network): doc/REPORTS.md.
 */
#ifndef AUTHMILTER_DAEMON_H
#define AUTHMILTER_DAEMON_H

#include <stdint.h>

#include "config/config.h"
#include "message/message.h"
#include "report/report.h"

int cmd_run(int argc, char **argv);

int history_record_from_verdict(const msg_verdict *v, const am_config *cfg,
    const char *ip, const char *mail_from, const char *rcpt, int64_t now,
    report_record *out);

#endif
