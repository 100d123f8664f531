/*
 * tests/milter/check_mserver.c - the milter server's thread pool on a real
 * unix socket: connections are served by reused threads (no thread per
 * connection), concurrent connections each get a thread, and stop ends
 * idle connections and every thread within its bounds; replies to good
 * packets go out before a protocol error closes the connection; an end of
 * message that takes long gets SMFIR_PROGRESS (never after its reply); a
 * header field over the negotiated packet bound is skipped and the
 * connection kept, other oversized packets close it; past max_conns new
 * connections wait; one connection after another is served by the
 * threads that just ran (the idle stack), not rotated through the pool.
 * The client side is raw sockets.
 */
#include <check.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log_int.h"
#include "milter/milter.h"
#include "tests/lib/check_main.h"

/* The thread that negotiated last, and connections closed (handler). */
static pthread_t seen_thread;
static atomic_uint seen_closes;

static mstat
t_negotiate(msession *s, uint32_t f0, uint32_t f1, uint32_t *pf0,
    uint32_t *pf1)
{
	(void)s;
	seen_thread = pthread_self();
	*pf0 = f0 & MPF_ADDHDRS;
	*pf1 = f1 & MPP_NOUNKNOWN;
	return MS_CONTINUE;
}

/* What the handler saw (one connection at a time in these tests). */
static unsigned eom_sleep_ms;
static char seen_skipped[64];
static size_t seen_skipped_size, seen_header_len;

static mstat
t_header(msession *s, const char *name, const char *value, size_t vlen)
{
	(void)s;
	(void)name;
	(void)value;
	seen_header_len = vlen;
	return MS_CONTINUE;
}

static mstat
t_header_skipped(msession *s, const char *name, size_t size)
{
	(void)s;
	snprintf(seen_skipped, sizeof(seen_skipped), "%s", name);
	seen_skipped_size = size;
	return MS_CONTINUE;
}

static mstat
t_eom(msession *s)
{
	(void)s;
	if (eom_sleep_ms > 0)
		usleep(eom_sleep_ms * 1000);
	return MS_ACCEPT;
}

static void
t_close(msession *s)
{
	(void)s;
	atomic_fetch_add(&seen_closes, 1);
}

static const mhandler t_handler = {
	.negotiate = t_negotiate,
	.close = t_close,
	.header = t_header,
	.eom = t_eom,
	.header_skipped = t_header_skipped,
};

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
	/* one thread serves while up to two wait in accept() (the rest on
	 * the idle stack): a new thread only when none is left accepting or
	 * idle (threads still closing the last connections when the next
	 * arrive may make it 5 to 9 on a loaded 2-core machine), never one
	 * per connection: the bound is well under the 200 connections */
	ck_assert_uint_le(created, 16);
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

/*
 * After 8 connections at once the pool has 8 idle threads or more; then
 * 12 connections one after another (each served to its close first) go
 * to the two threads left in accept() (MSERVER_ACCEPTORS), not round the
 * pool: with every idle thread in
 * accept() the kernel woke the one that waited longest, the coldest.
 */
START_TEST(idle_threads_lifo)
{
	mserver *srv = start();
	pthread_t used[12];
	unsigned ndistinct = 0, closes;
	int fds[8], i, j, k;

	closes = atomic_load(&seen_closes);
	for (i = 0; i < 8; i++)
		fds[i] = dial_negotiate();
	for (i = 0; i < 8; i++)
		quit(fds[i]);
	ck_assert_uint_ge(mserver_threads(srv, NULL), 8);
	for (k = 0; k < 2000 && atomic_load(&seen_closes) < closes + 8; k++)
		usleep(1000);
	usleep(50000);	/* every thread idle again */
	for (i = 0; i < 12; i++) {
		closes = atomic_load(&seen_closes);
		quit(dial_negotiate());
		used[i] = seen_thread;
		/* served to its end, and its thread back among the idle */
		for (k = 0; k < 500 && atomic_load(&seen_closes) == closes; k++)
			usleep(1000);
		usleep(20000);
	}
	for (i = 0; i < 12; i++) {
		for (j = 0; j < i && !pthread_equal(used[j], used[i]); j++)
			;
		ndistinct += j == i;
	}
	/* 2 accepting; 3 when a thread was still on its way back under
	 * CPU pressure; round the pool, 8 or more */
	ck_assert_uint_le(ndistinct, 3);
	mserver_stop(srv, 1);
	ck_assert_uint_eq(mserver_threads(srv, NULL), 0);
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

/* ---- raw client helpers ---- */

static int
dial(void)
{
	struct sockaddr_un sun;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void
put_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, b, n);
		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

/* A packet's head: length (command + len bytes of data), command. */
static void
put_head(int fd, int cmd, size_t len)
{
	unsigned char h[5];
	uint32_t n = (uint32_t)len + 1;

	h[0] = (unsigned char)(n >> 24);
	h[1] = (unsigned char)(n >> 16);
	h[2] = (unsigned char)(n >> 8);
	h[3] = (unsigned char)n;
	h[4] = (unsigned char)cmd;
	put_all(fd, h, 5);
}

static void
put_optneg(int fd, uint32_t version, uint32_t prot)
{
	unsigned char d[12] = { 0, 0, 0, 0, 0, 0, 0x01, 0xff };

	d[3] = (unsigned char)version;
	d[8] = (unsigned char)(prot >> 24);
	d[9] = (unsigned char)(prot >> 16);
	d[10] = (unsigned char)(prot >> 8);
	d[11] = (unsigned char)prot;
	put_head(fd, 'O', 12);
	put_all(fd, d, 12);
}

/* A header packet of 'size' data bytes: name, NUL, value, NUL. */
static void
put_header(int fd, const char *name, size_t size)
{
	size_t nl = strlen(name) + 1, left = size - nl, n;
	char chunk[8192];

	memset(chunk, 'v', sizeof(chunk));
	put_head(fd, 'L', size);
	put_all(fd, name, nl);
	while (left > 1) {
		n = left - 1 < sizeof(chunk) ? left - 1 : sizeof(chunk);
		put_all(fd, chunk, n);
		left -= n;
	}
	put_all(fd, "", 1);
}

/* One reply packet's command (its data read and dropped); -1 on EOF or
 * timeout. */
static int
get_reply(int fd)
{
	unsigned char h[5], d[256];
	size_t got = 0, len;
	ssize_t n;

	while (got < 5) {
		n = read(fd, h + got, 5 - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	len = ((size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 |
	    h[3]) - 1;
	while (len > 0) {
		n = read(fd, d, len < sizeof(d) ? len : sizeof(d));
		if (n <= 0)
			return -1;
		len -= (size_t)n;
	}
	return h[4];
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* End of message taking 1.5 s with progress every 0.3 s: progress
 * packets come while it runs, then the verdict, then nothing more. An
 * MTA at protocol version 2 (before SMFIR_PROGRESS) gets none. */
START_TEST(progress_during_eom)
{
	mserver *srv = start();
	struct timespec t0;
	struct timeval tv = { 0, 700000 };
	int fd, r, progress = 0;
	double first = 0;
	char c;

	mserver_set_progress(srv, 300);
	eom_sleep_ms = 1500;
	fd = dial();
	put_optneg(fd, 6, 0x1fffff);
	ck_assert_int_eq(get_reply(fd), 'O');
	clock_gettime(CLOCK_MONOTONIC, &t0);
	put_head(fd, 'E', 0);
	while ((r = get_reply(fd)) == 'p') {
		if (progress++ == 0)
			first = since(&t0);
	}
	ck_assert_int_eq(r, 'a');
	ck_assert_int_ge(progress, 2);
	ck_assert(first >= 0.25 && first < 1.5);
	/* nothing after the verdict, even once the interval has passed */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(read(fd, &c, 1), -1);
	ck_assert_int_eq(errno, EAGAIN);
	quit(fd);

	fd = dial();
	put_optneg(fd, 2, 0x7f);
	ck_assert_int_eq(get_reply(fd), 'O');
	put_head(fd, 'E', 0);
	ck_assert_int_eq(get_reply(fd), 'a');	/* no 'p' first */
	quit(fd);
	eom_sleep_ms = 0;
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

/* Progress off (0): none, however long end of message runs; turned on
 * again, the ticker (asleep meanwhile) sends it. */
START_TEST(progress_off_and_on)
{
	mserver *srv = start();
	int fd, r, progress = 0;

	mserver_set_progress(srv, 0);
	eom_sleep_ms = 600;
	fd = dial();
	put_optneg(fd, 6, 0x1fffff);
	ck_assert_int_eq(get_reply(fd), 'O');
	put_head(fd, 'E', 0);
	ck_assert_int_eq(get_reply(fd), 'a');	/* no 'p' first */
	mserver_set_progress(srv, 100);
	eom_sleep_ms = 800;
	put_head(fd, 'E', 0);
	while ((r = get_reply(fd)) == 'p')
		progress++;
	ck_assert_int_eq(r, 'a');
	ck_assert_int_ge(progress, 2);
	quit(fd);
	eom_sleep_ms = 0;
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

/* Header fields over the packet bound are skipped (the connection stays
 * and the next message gets its verdict): 300 KB when the MTA negotiated
 * 256 KB packets, 1.5 MB when it negotiated none. Without a negotiated
 * size a 300 KB field is read whole (Postfix). A body chunk over the
 * bound still closes the connection. */
START_TEST(oversized_header_skipped)
{
	mserver *srv = start();
	int fd;
	char c;

	fd = dial();
	put_optneg(fd, 6, 0x1fffff | 0x10000000);	/* SMFIP_MDS_256K */
	ck_assert_int_eq(get_reply(fd), 'O');
	seen_skipped[0] = '\0';
	put_header(fd, "Subject", 300 * 1024);
	ck_assert_int_eq(get_reply(fd), 'c');
	ck_assert_str_eq(seen_skipped, "Subject");
	ck_assert_uint_eq(seen_skipped_size, 300 * 1024);
	put_head(fd, 'E', 0);
	ck_assert_int_eq(get_reply(fd), 'a');
	quit(fd);

	fd = dial();
	put_optneg(fd, 6, 0x1fffff);
	ck_assert_int_eq(get_reply(fd), 'O');
	seen_skipped[0] = '\0';
	put_header(fd, "Subject", 300 * 1024);
	ck_assert_int_eq(get_reply(fd), 'c');
	ck_assert_str_eq(seen_skipped, "");
	ck_assert_uint_eq(seen_header_len, 300 * 1024 - 8 - 1);
	put_header(fd, "From", 1536 * 1024);
	ck_assert_int_eq(get_reply(fd), 'c');
	ck_assert_str_eq(seen_skipped, "From");
	ck_assert_uint_eq(seen_skipped_size, 1536 * 1024);
	put_head(fd, 'E', 0);
	ck_assert_int_eq(get_reply(fd), 'a');
	/* a body chunk over the bound: closed without a reply */
	put_head(fd, 'B', 2 * 1024 * 1024);
	ck_assert_int_eq(read(fd, &c, 1), 0);
	close(fd);
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

/* With max_conns 2, a third connection waits in the listen queue until
 * one of the two ends. */
START_TEST(max_conns_wait)
{
	mserver *srv = start();
	struct timeval tv = { 0, 500000 };
	unsigned char r[32];
	int a, b, c;

	mserver_set_max_conns(srv, 2);
	a = dial_negotiate();
	b = dial_negotiate();
	usleep(100000);
	c = dial();
	put_optneg(c, 6, 0x1fffff);
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(read(c, r, sizeof(r)), -1);	/* not served yet */
	ck_assert_uint_le(mserver_threads(srv, NULL), 2);
	quit(a);
	tv.tv_sec = 5;
	setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ck_assert_int_eq(get_reply(c), 'O');
	quit(b);
	quit(c);
	mserver_stop(srv, 1);
	mserver_free(srv);
}
END_TEST

/* mserver_socket_path(): the spec parsed as mserver_listen() parses it,
 * nothing bound: a unix socket's path, TCP, errors. */
START_TEST(socket_path)
{
	char path[MPROTO_PATH_MAX], small[4], err[256];

	ck_assert_int_eq(mserver_socket_path("unix:/run/am/am.sock", path,
	    sizeof(path), err, sizeof(err)), 1);
	ck_assert_str_eq(path, "/run/am/am.sock");
	ck_assert_int_eq(mserver_socket_path("/tmp/x.sock", path,
	    sizeof(path), err, sizeof(err)), 1);
	ck_assert_str_eq(path, "/tmp/x.sock");
	ck_assert_int_eq(access("/tmp/x.sock", F_OK), -1);	/* not bound */
	ck_assert_int_eq(mserver_socket_path("inet:8891@127.0.0.1", path,
	    sizeof(path), err, sizeof(err)), 0);
	ck_assert_str_eq(path, "");
	ck_assert_int_eq(mserver_socket_path("unix:", path, sizeof(path), err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no path"));
	ck_assert_int_eq(mserver_socket_path("inet:", path, sizeof(path), err,
	    sizeof(err)), -1);
	ck_assert_int_eq(mserver_socket_path("unix:/tmp/x.sock", small,
	    sizeof(small), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

/* A port is 1-65535 or a service name: getaddrinfo() alone would take
 * 99999 as 99999 mod 65536 (34463), and "+25", " 25" or "-1" as numbers;
 * each is refused naming the specification and the accepted range. */
START_TEST(socket_port_range)
{
	static const char *const bad[] = { "inet:99999", "inet:65536",
	    "inet:0", "inet:00", "inet:-1", "inet:+25", "inet: 25",
	    "inet:25x", "inet:0x19", "inet:4294967321",
	    "inet:99999@127.0.0.1", "inet6:70000@[::1]", "inet:@127.0.0.1",
	    "inet:", "inet6:" };
	char path[MPROTO_PATH_MAX], err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(mserver_socket_path(bad[i], path, sizeof(path),
		    err, sizeof(err)) == -1, "%s accepted", bad[i]);
		ck_assert_msg(strstr(err, bad[i]) != NULL, "%s: %s", bad[i],
		    err);
		ck_assert_msg(strstr(err, "1-65535") != NULL, "%s: %s", bad[i],
		    err);
	}
	ck_assert_int_eq(mserver_socket_path("inet:65535@127.0.0.1", path,
	    sizeof(path), err, sizeof(err)), 0);
	ck_assert_int_eq(mserver_socket_path("inet:1", path, sizeof(path),
	    err, sizeof(err)), 0);
	ck_assert_int_eq(mserver_socket_path("inet6:8891@[::1]", path,
	    sizeof(path), err, sizeof(err)), 0);
	/* a service name, as libmilter took it (services(5)) */
	ck_assert_int_eq(mserver_socket_path("inet:smtp@127.0.0.1", path,
	    sizeof(path), err, sizeof(err)), 0);
	ck_assert_int_eq(mserver_socket_path("inet:no-such-service", path,
	    sizeof(path), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "no-such-service"));
}
END_TEST

/* mserver_tcp_addr / mserver_tcp_listen (the metrics endpoint): the
 * milter socket's rules, TCP only; the socket listens where it says. */
START_TEST(tcp_addr)
{
	static const char *const bad[] = { "inet:99999@127.0.0.1",
	    "inet:0@127.0.0.1", "unix:/tmp/x.sock", "/tmp/x.sock", "" };
	struct sockaddr_storage sa;
	struct sockaddr_in *in = (struct sockaddr_in *)&sa;
	socklen_t salen, len = sizeof(sa);
	char err[256], spec[64];
	size_t i;
	int fd, c;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(mserver_tcp_addr(bad[i], &sa, &salen, err,
		    sizeof(err)) == -1, "%s accepted", bad[i]);
		ck_assert_msg(err[0] != '\0', "%s: no message", bad[i]);
		ck_assert_int_eq(mserver_tcp_listen(bad[i], err, sizeof(err)),
		    -1);
	}
	ck_assert_int_eq(mserver_tcp_addr("unix:/tmp/x.sock", &sa, &salen, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "TCP"));
	ck_assert_int_eq(mserver_tcp_addr("inet:9177@127.0.0.1", &sa, &salen,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(sa.ss_family, AF_INET);
	ck_assert_int_eq(ntohs(in->sin_port), 9177);
	ck_assert_int_eq(mserver_tcp_addr("inet6:9177@[::1]", &sa, &salen,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(sa.ss_family, AF_INET6);
	/* a free port of the kernel's choosing is not a spec: bind one,
	 * read its number, then listen on it through the spec */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(*in)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "inet:%u@127.0.0.1",
	    (unsigned)ntohs(in->sin_port));
	fd = mserver_tcp_listen(spec, err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	c = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(c, (struct sockaddr *)&sa, sizeof(*in)), 0);
	close(c);
	close(fd);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("mserver");
	TCase *tc = tcase_create("core");

	log_open("check_mserver", 1, 0);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, threads_are_reused);
	tcase_add_test(tc, concurrent_connections);
	tcase_add_test(tc, idle_threads_lifo);
	tcase_add_test(tc, stop_ends_idle_connections);
	tcase_add_test(tc, replies_before_protocol_error);
	tcase_add_test(tc, progress_during_eom);
	tcase_add_test(tc, progress_off_and_on);
	tcase_add_test(tc, oversized_header_skipped);
	tcase_add_test(tc, max_conns_wait);
	tcase_add_test(tc, socket_path);
	tcase_add_test(tc, socket_port_range);
	tcase_add_test(tc, tcp_addr);
	suite_add_tcase(s, tc);
	return s;
}
