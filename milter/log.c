/*
 * milter/log.c - syslog and stderr logging with the queue id first
 * (contract in log.h).
 */
#include "milter/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static int log_stderr = 1;
static int log_syslog;
static int log_debug;
static const char *log_ident = "authmilter";
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_open(const char *ident, int to_stderr, int to_syslog)
{
	log_ident = ident;
	log_stderr = to_stderr;
	log_syslog = to_syslog;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
}

void
log_set_debug(int on)
{
	log_debug = on;
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG: case LOG_ALERT: case LOG_CRIT: return "fatal";
	case LOG_ERR: return "error";
	case LOG_WARNING: return "warning";
	case LOG_NOTICE: return "notice";
	case LOG_INFO: return "info";
	default: return "debug";
	}
}

void
log_msg(int prio, const char *qid, const char *fmt, ...)
{
	char text[2048];
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (log_syslog) {
		if (qid != NULL && *qid != '\0')
			syslog(prio, "%s: %s", qid, text);
		else
			syslog(prio, "%s", text);
	}
	if (log_stderr) {
		pthread_mutex_lock(&log_lock);
		fprintf(stderr, "%s: %s: %s%s%s\n", log_ident, prio_name(prio),
		    qid != NULL && *qid ? qid : "", qid != NULL && *qid ? ": " : "",
		    text);
		pthread_mutex_unlock(&log_lock);
	}
}
