/*
 * tests/unit/check_mserver.c - the milter server's thread pool on a real
 * unix socket: connections are served by reused threads (no thread per
 * connection), concurrent connections each get a thread, and stop ends
 * idle connections and every thread within its bounds; replies to good
 * packets go out before a protocol error closes the connection. The client side
 * is raw sockets: option negotiation, then QUIT or nothing.
 */
#include <check.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "milter/log.h"
#include "milter/mserver.h"

static mstat
t_negotiate(msession *s, uint32_t f0, uint32_t f1, uint32_t *pf0,
    uint32_t *pf1)
{
	(void)s;
	*pf0 = f0 & MPF_ADDHDRS;
	*pf1 = f1 & MPP_NOUNKNOWN;
	return MS_CONTINUE;
}

static const mhandler t_handler = { .negotiate = t_negotiate };

static char sockpath[108];

static mserver *
start(void)
{
	char spec[160], err[256];
	mserver *srv = mserver_new(&t_handler, NULL);

	snprintf(sockpath, sizeof(sockpath), "/tmp/check_mserver.%ld.sock",
	    (long)getpid());
	snprintf(spec, sizeof(spec), "unix:%s", sockpath);
	ck_assert_ptr_nonnull(srv);
	ck_assert_msg(mserver_listen(srv, spec, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(mserver_start(srv, err, sizeof(err)) == 0, "%s", err);
	return srv;
}

/* Connect and negotiate: the reply must be SMFIC_OPTNEG ('O'). */
static int
dial_negotiate(void)
{
	static const unsigned char optneg[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff, 0, 0x1f, 0xff, 0xff
	};
	struct sockaddr_un sun;
	struct timeval tv = { 5, 0 };
	unsigned char reply[64];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(write(fd, optneg, sizeof(optneg)), sizeof(optneg));
	n = read(fd, reply, sizeof(reply));
	ck_assert_int_ge(n, 5 + 12);
	ck_assert_int_eq(reply[4], 'O');
	return fd;
}

static void
quit(int fd)
{
	static const unsigned char q[] = { 0, 0, 0, 1, 'Q' };

	ck_assert_int_eq(write(fd, q, sizeof(q)), sizeof(q));
	close(fd);
}

START_TEST(threads_are_reused)
{
	mserver *srv = start();
	unsigned long created;
	int i;

	for (i = 0; i < 200; i++)
		quit(dial_negotiate());
	(void)mserver_threads(srv, &created);
	/* one thread serves while another waits in accept(): a new thread
	 * only when none is left accepting (a thread still closing the last
	 * connection when the next arrives may make it 3 or 4 under load),
	 * never one per connection */
	ck_assert_uint_le(created, 8);
	mserver_stop(srv, 1);
	ck_assert_uint_eq(mserver_threads(srv, NULL), 0);
	mserver_free(srv);
}
END_TEST

START_TEST(concurrent_connections)
{
	mserver *srv = start();
	int fds[24], i;
	unsigned long created;

	for (i = 0; i < 24; i++)
		fds[i] = dial_negotiate();   /* each answered while others stay */
	ck_assert_uint_ge(mserver_threads(srv, &created), 24);
	for (i = 0; i < 24; i++)
		quit(fds[i]);
	for (i = 0; i < 24; i++)
		quit(dial_negotiate());
	(void)mserver_threads(srv, &created);
	ck_assert_uint_le(created, 26);      /* the 24 were reused */
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

START_TEST(stop_ends_idle_connections)
{
	mserver *srv = start();
	struct timespec t0, t1;
	int fds[4], i;
	char c;

	for (i = 0; i < 4; i++)
		fds[i] = dial_negotiate();   /* open, between messages */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mserver_stop(srv, 2);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_uint_eq(mserver_threads(srv, NULL), 0);
	/* no message in flight: no grace needed */
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 2);
	for (i = 0; i < 4; i++) {
		ck_assert_int_eq(read(fds[i], &c, 1), 0);  /* closed by stop */
		close(fds[i]);
	}
	ck_assert_int_ne(access(sockpath, F_OK), 0);  /* socket removed */
	mserver_free(srv);
}
END_TEST

/* OPTNEG and a broken packet (zero length) in one write: the reply to
 * OPTNEG still comes, then the connection closes. */
START_TEST(replies_before_protocol_error)
{
	static const unsigned char pkts[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff, 0, 0x1f, 0xff, 0xff,
		0, 0, 0, 0
	};
	mserver *srv = start();
	struct sockaddr_un sun;
	struct timeval tv = { 5, 0 };
	unsigned char reply[64];
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(write(fd, pkts, sizeof(pkts)), sizeof(pkts));
	while ((n = read(fd, reply + got, sizeof(reply) - got)) > 0)
		got += (size_t)n;
	ck_assert_int_eq(n, 0);          /* closed after the error */
	ck_assert_uint_ge(got, 5 + 12);
	ck_assert_int_eq(reply[4], 'O');
	close(fd);
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mserver");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, threads_are_reused);
	tcase_add_test(tc, concurrent_connections);
	tcase_add_test(tc, stop_ends_idle_connections);
	tcase_add_test(tc, replies_before_protocol_error);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	log_open("check_mserver", 1, 0);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
