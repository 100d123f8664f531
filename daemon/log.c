/*
 * daemon/log.c - syslog and stderr logging with the queue id first
 * (contract in log_int.h).
 *
 * Two details a mail administrator would otherwise meet as noise or cost:
 * under systemd (stderr is the journal: $JOURNAL_STREAM names its device
 * and inode) a foreground daemon logs to syslog only, or the journal would
 * hold every line twice; and when there is no syslog socket, glibc's
 * syslog() tries to connect again on every call (socket, connect, close:
 * per message), so syslog is skipped until the socket appears, looked for
 * at most every LOG_SYSLOG_RECHECK seconds.
 */
#include "daemon/log_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LOG_SYSLOG_SOCKET "/dev/log"   /* glibc's _PATH_LOG */
#define LOG_SYSLOG_RECHECK 10          /* seconds between looks for it */
#define LOG_PREFIX_MAX 160             /* ident, level and queue id */

static int log_stderr = 1;
static int log_syslog;
static int log_debug;
static int log_facility = LOG_MAIL;
static const char *log_ident = "authmilter";
static _Atomic long syslog_next_look;   /* 0: the socket was there */

/* Is stderr the systemd journal ($JOURNAL_STREAM is "DEVICE:INODE")? */
static int
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(2, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* May syslog() be called now? Not while the syslog socket is missing. */
static int
syslog_present(void)
{
	long next = atomic_load_explicit(&syslog_next_look,
	    memory_order_relaxed);
	struct stat st;
	time_t now;

	if (next == 0)
		return 1;
	now = time(NULL);
	if ((long)now < next)
		return 0;
	if (stat(LOG_SYSLOG_SOCKET, &st) == 0 && S_ISSOCK(st.st_mode)) {
		atomic_store(&syslog_next_look, 0);
		return 1;
	}
	atomic_store(&syslog_next_look, (long)now + LOG_SYSLOG_RECHECK);
	return 0;
}

void
log_open(const char *ident, int to_stderr, int to_syslog)
{
	log_ident = ident;
	if (to_stderr && to_syslog && stderr_is_journal())
		to_stderr = 0;  /* the journal gets the syslog lines anyway */
	log_stderr = to_stderr;
	log_syslog = to_syslog;
	if (to_syslog) {
		atomic_store(&syslog_next_look, 1); /* look at the next line */
		openlog(ident, LOG_PID | LOG_NDELAY, log_facility);
	}
}

void
log_set_debug(int on)
{
	log_debug = on;
}

int
log_debug_on(void)
{
	return log_debug;
}

int
log_facility_value(unsigned cfg_facility)
{
	static const int fac[] = { LOG_MAIL, LOG_DAEMON, LOG_LOCAL0,
	    LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5,
	    LOG_LOCAL6, LOG_LOCAL7 };

	return cfg_facility < sizeof(fac) / sizeof(fac[0]) ?
	    fac[cfg_facility] : LOG_MAIL;
}

void
log_set_facility(int facility)
{
	log_facility = facility;
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
	if (log_syslog && syslog_present()) {
		if (qid != NULL && *qid != '\0')
			syslog(prio, "%s: %s", qid, text);
		else
			syslog(prio, "%s", text);
	}
	if (log_stderr) {
		/* one write() per line, no lock and no stdio buffer: lines
		 * from many threads never interleave (a regular file's offset
		 * and a pipe write up to PIPE_BUF are updated atomically), and
		 * a thread preempted while logging holds nobody up */
		char line[sizeof(text) + LOG_PREFIX_MAX];
		int n = snprintf(line, sizeof(line), "%s: %s: %s%s%s\n",
		    log_ident, prio_name(prio), qid != NULL && *qid ? qid : "",
		    qid != NULL && *qid ? ": " : "", text);
		size_t len = n < 0 ? 0 : (size_t)n;
		ssize_t w;

		if (len >= sizeof(line)) {	/* cut: keep the newline */
			len = sizeof(line) - 1;
			line[len - 1] = '\n';
		}
		while (len > 0) {
			w = write(2, line, len);
			if (w < 0 && errno == EINTR)
				continue;
			break;	/* nowhere to report a failed log write */
		}
	}
}
