/*
 * daemon/log_int.h - the daemon's log: syslog, and stderr in the foreground.
 *
 * SYNOPSIS
 *   void log_open(const char *ident, int to_stderr, int to_syslog);
 *   void log_set_debug(int on);
 *   int  log_debug_on(void);
 *   int  log_facility_value(unsigned cfg_facility);
 *   void log_set_facility(int facility);
 *   void log_msg(int prio, const char *qid, const char *fmt, ...);
 *
 * DESCRIPTION
 *   log_msg() writes one line at a syslog priority (LOG_ERR, LOG_WARNING,
 *   LOG_NOTICE, LOG_INFO, LOG_DEBUG). When qid (the MTA queue id, milter
 *   macro {i}, or the daemon's own id of the message) is known the line starts with "QID: ", as Postfix's own lines
 *   do, so an operator can grep one message's story across both logs.
 *   LOG_DEBUG lines are dropped unless log_set_debug(1). Thread-safe.
 *
 *   log_open() sends lines to syslog (facility mail, or the one of
 *   log_set_facility() called before it: a LOG_* value, which
 *   log_facility_value() gives for the config's log_facility) and/or
 *   stderr. log_debug_on() says whether -d is on. When
 *   both are asked for and stderr is the systemd journal ($JOURNAL_STREAM),
 *   lines go to syslog only (the journal collects syslog too: no doubled
 *   lines). While no syslog socket exists, syslog is skipped (looked for
 *   again every few seconds) instead of failing a connect per line.
 */
#ifndef AUTHMILTER_LOG_INT_H
#define AUTHMILTER_LOG_INT_H

#include <syslog.h>

void log_open(const char *ident, int to_stderr, int to_syslog);
void log_set_debug(int on);
int log_debug_on(void);
int log_facility_value(unsigned cfg_facility);
void log_set_facility(int facility);
void log_msg(int prio, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
