/*
 * contrib/milterbench/nativenull.c - the floor of authmilter's own milter
 * engine (milter/milter.h): a handler that does no
 * work. It negotiates what authmilter negotiates (header values with their
 * leading space, no reply for any step before end of message), ignores
 * every step, and at end of message inserts one short
 * Authentication-Results field and accepts, as authmilter's last step
 * does - the same work as nullmilter.c, which measures libmilter. What the
 * benchmark measures for it (row "native-null") is the engine's cost.
 * Linked with the engine from libauthmilter.a alone (it needs nothing else
 * of authmilter); not part of the authmilter binary.
 *
 *   nativenull SOCKET        (unix:PATH or inet:PORT@HOST; SIGTERM stops it)
 */
#include <signal.h>
#include <stdio.h>
#include <syslog.h>

#include "milter/milter.h"

#define NR_STAGES (MPP_NR_CONN | MPP_NR_HELO | MPP_NR_MAIL | MPP_NR_RCPT | \
    MPP_NR_HDR | MPP_NR_EOH | MPP_NR_BODY)

static mstat
nn_negotiate(msession *s, uint32_t f0, uint32_t f1, uint32_t *pf0,
    uint32_t *pf1)
{
	(void)s;
	(void)f0;
	(void)f1;
	*pf0 = MPF_ADDHDRS | MPF_CHGHDRS | MPF_QUARANTINE;
	*pf1 = MPP_HDR_LEADSPC | MPP_NOUNKNOWN | MPP_NODATA | NR_STAGES;
	return MS_CONTINUE;
}

static mstat
nn_eom(msession *s)
{
	(void)msession_insheader(s, 0, "Authentication-Results",
	    " null.test; none");
	return MS_ACCEPT;
}

/* The engine's log lines (it never logs itself): stderr, debug left out. */
static void
nn_log(void *ctx, int prio, const char *line)
{
	(void)ctx;
	if (prio != LOG_DEBUG)
		fprintf(stderr, "nativenull: %s\n", line);
}

static const mhandler nn_handler = {
	.negotiate = nn_negotiate,
	.eom = nn_eom,
};

int
main(int argc, char **argv)
{
	mserver *srv;
	sigset_t set;
	char err[512];
	int sig;

	if (argc != 2) {
		fprintf(stderr, "usage: nativenull SOCKET\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((srv = mserver_new(&nn_handler, NULL)) != NULL)
		mserver_set_log(srv, nn_log, NULL);
	if (srv == NULL ||
	    mserver_listen(srv, argv[1], err, sizeof(err)) < 0 ||
	    mserver_start(srv, err, sizeof(err)) < 0) {
		fprintf(stderr, "nativenull: %s\n", srv ? err : "out of memory");
		return 1;
	}
	(void)sigwait(&set, &sig);
	mserver_stop(srv, 1);
	mserver_free(srv);
	return 0;
}
