/*
 * contrib/milterbench/dnsdelay.c - a delaying DNS forwarder for the cold-DNS
 * benchmark (cold.sh): the network distance to an authoritative server that
 * this kernel cannot give with tc netem.
 *
 *   dnsdelay -l LISTEN_PORT -u UPSTREAM_PORT -d RTT_MS [-L QUERY_LOG]
 *
 * Listens on 127.0.0.1:LISTEN_PORT (UDP and TCP) and forwards to
 * 127.0.0.1:UPSTREAM_PORT (nsd). Every datagram and every TCP chunk is held
 * RTT_MS/2 on its way up and RTT_MS/2 on its way back, so each query costs
 * one round trip of RTT_MS plus the server's own time. UDP queries go up
 * through one socket with their DNS ID replaced by the slot that remembers
 * the client (the original ID is restored on the answer); a TCP client gets
 * its own upstream connection, bytes relayed in order.
 *
 * Bounded memory: at most QUEUE_MAX chunks in flight (UDP beyond it is
 * dropped, as a congested path would: the resolver retries; TCP is not read
 * while the queue is full), SLOTS_MAX outstanding UDP queries (the oldest
 * slot is reused), CONN_MAX TCP connections (more are refused by close).
 * Single thread, poll(2).
 *
 * Counting: on SIGTERM/SIGINT it prints "dnsdelay: queries=N udp=N tcp=N
 * dropped=N late_ms_p50=X late_ms_p90=X late_ms_p99=X" on stdout and exits
 * 0 (late: how long after its due time each held chunk left, in 0.1 ms
 * steps: the forwarder's own share of a run's latency); SIGUSR1 prints the
 * same line and goes on. -L writes one line per query received: milliseconds since start,
 * "udp"/"tcp", QNAME, QTYPE (the benchmark's "who waits on what" trace).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUEUE_MAX	8192	/* chunks held at once (local limit: memory) */
#define SLOTS_MAX	4096	/* outstanding UDP queries (power of 2) */
#define CONN_MAX	64	/* TCP client connections (local limit) */
#define DGRAM_MAX	65535	/* RFC 1035 4.2: UDP payload ceiling */
#define CHUNK_MAX	16384	/* TCP bytes moved per read */
#define NAME_TEXT_MAX	1024	/* printed QNAME (RFC 1035 2.3.4: 255 octets) */

enum { UP_UDP, DOWN_UDP, UP_TCP, DOWN_TCP };

struct item {
	long long due_us;
	int kind, conn, gen;
	size_t len;
	unsigned char *data;
	struct sockaddr_in to;	/* DOWN_UDP: the client */
};

struct slot {
	struct sockaddr_in client;
	unsigned char id[2];
	int used;
};

struct conn {
	int cfd, ufd, gen;	/* client side, upstream side; -1 = free */
	unsigned char hdr[2];	/* TCP framing, to count queries */
	size_t hdrlen, need;
};

static struct item queue[QUEUE_MAX];
static size_t qhead, qlen;
static struct slot slots[SLOTS_MAX];
static unsigned next_slot;
static struct conn conns[CONN_MAX];
static long long half_us;
static long long t_start;
static unsigned long n_udp, n_tcp, n_dropped;
/* How late each held chunk left, in 0.1 ms steps (the last bucket: later). */
#define LATE_BUCKETS	1000
static unsigned long late_hist[LATE_BUCKETS + 1], n_late;
static FILE *qlog;
static volatile sig_atomic_t want_stats, want_exit;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

/* The lateness (ms) below which a fraction q of released chunks left. */
static double
late_quantile(double q)
{
	unsigned long want = (unsigned long)(q * (double)n_late), seen = 0;
	size_t b;

	for (b = 0; b <= LATE_BUCKETS; b++) {
		seen += late_hist[b];
		if (seen > want)
			break;
	}
	return (double)b / 10.0;
}

static void
print_stats(void)
{
	printf("dnsdelay: queries=%lu udp=%lu tcp=%lu dropped=%lu "
	    "late_ms_p50=%.1f late_ms_p90=%.1f late_ms_p99=%.1f\n",
	    n_udp + n_tcp, n_udp, n_tcp, n_dropped, late_quantile(0.5),
	    late_quantile(0.9), late_quantile(0.99));
	fflush(stdout);
}

/* -L: "ms proto qname qtype" for the query in msg (a DNS message). */
static void
log_query(const unsigned char *msg, size_t len, const char *proto)
{
	char name[NAME_TEXT_MAX];
	size_t off = 12, n = 0;

	if (qlog == NULL || len < 12)
		return;
	while (off < len && msg[off] != 0 && msg[off] < 64 &&
	    off + 1 + msg[off] <= len && n + msg[off] + 2 < sizeof(name)) {
		memcpy(name + n, msg + off + 1, msg[off]);
		n += msg[off];
		name[n++] = '.';
		off += 1 + (size_t)msg[off];
	}
	name[n] = '\0';
	fprintf(qlog, "%lld %s %s %d\n", (now_us() - t_start) / 1000, proto,
	    n ? name : ".", off + 3 <= len ? msg[off + 1] << 8 | msg[off + 2] : -1);
}

static void
enqueue(int kind, int conn, const unsigned char *data, size_t len,
    const struct sockaddr_in *to)
{
	struct item *it;

	if (qlen == QUEUE_MAX || (it = &queue[(qhead + qlen) % QUEUE_MAX],
	    (it->data = malloc(len ? len : 1)) == NULL)) {
		n_dropped++;
		return;
	}
	memcpy(it->data, data, len);
	it->len = len;
	it->kind = kind;
	it->conn = conn;
	it->gen = conn >= 0 ? conns[conn].gen : 0;
	it->due_us = now_us() + half_us;
	if (to != NULL)
		it->to = *to;
	qlen++;
}

static void
conn_close(int i)
{
	if (conns[i].cfd >= 0)
		close(conns[i].cfd);
	if (conns[i].ufd >= 0)
		close(conns[i].ufd);
	conns[i].cfd = conns[i].ufd = -1;
	conns[i].gen++;
}

/* Blocking write of a whole chunk (loopback; chunks are small). */
static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Count the DNS messages in a client's TCP bytes (2-octet length framing). */
static void
count_tcp(struct conn *c, const unsigned char *p, size_t len)
{
	while (len > 0) {
		if (c->need == 0) {
			c->hdr[c->hdrlen++] = *p++;
			len--;
			if (c->hdrlen == 2) {
				c->need = (size_t)(c->hdr[0] << 8 | c->hdr[1]);
				c->hdrlen = 0;
				n_tcp++;
				if (qlog != NULL && len >= c->need)
					log_query(p, c->need, "tcp");
			}
			continue;
		}
		size_t k = len < c->need ? len : c->need;

		p += k;
		len -= k;
		c->need -= k;
	}
}

static int lu, uu;	/* UDP: the clients' socket, the one towards nsd */

static void
release(struct item *it)
{
	struct conn *c = it->conn >= 0 ? &conns[it->conn] : NULL;

	if (c != NULL && c->gen != it->gen)
		return;			/* that connection is gone */
	switch (it->kind) {
	case UP_UDP:
		send(uu, it->data, it->len, 0);
		break;
	case DOWN_UDP:
		sendto(lu, it->data, it->len, 0,
		    (struct sockaddr *)&it->to, sizeof(it->to));
		break;
	case UP_TCP:
		if (write_all(c->ufd, it->data, it->len) < 0)
			conn_close(it->conn);
		break;
	case DOWN_TCP:
		if (write_all(c->cfd, it->data, it->len) < 0)
			conn_close(it->conn);
		break;
	}
}

static int
bound_socket(int type, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, one = 1;

	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type, 0)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, CONN_MAX) < 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
upstream_socket(int type, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, type, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dnsdelay -l listen-port -u upstream-port "
	    "-d rtt-ms [-L query-log]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static unsigned char buf[DGRAM_MAX];
	struct pollfd pfd[3 + 2 * CONN_MAX];
	int pidx[3 + 2 * CONN_MAX];
	int lport = 0, uport = 0, ch, lt, i;
	long rtt = -1;
	struct sigaction sa;

	while ((ch = getopt(argc, argv, "l:u:d:L:")) != -1) {
		switch (ch) {
		case 'l': lport = atoi(optarg); break;
		case 'u': uport = atoi(optarg); break;
		case 'd': rtt = atol(optarg); break;
		case 'L':
			if ((qlog = fopen(optarg, "w")) == NULL) {
				perror(optarg);
				return 1;
			}
			break;
		default: usage();
		}
	}
	if (lport <= 0 || lport > 65535 || uport <= 0 || uport > 65535 ||
	    rtt < 0 || rtt > 10000 || optind != argc)
		usage();
	half_us = rtt * 1000 / 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < CONN_MAX; i++)
		conns[i].cfd = conns[i].ufd = -1;
	if ((lu = bound_socket(SOCK_DGRAM, lport)) < 0 ||
	    (lt = bound_socket(SOCK_STREAM, lport)) < 0 ||
	    (uu = upstream_socket(SOCK_DGRAM, uport)) < 0) {
		perror("dnsdelay: sockets");
		return 1;
	}
	t_start = now_us();
	while (!want_exit) {
		long long now = now_us();
		int np = 0, timeout = -1;
		ssize_t r;

		if (want_stats) {
			want_stats = 0;
			print_stats();
		}
		while (qlen > 0 && queue[qhead].due_us <= now) {
			struct item *it = &queue[qhead];
			long long late = (now - it->due_us) / 100;

			late_hist[late < LATE_BUCKETS ? late : LATE_BUCKETS]++;
			n_late++;
			release(it);
			free(it->data);
			qhead = (qhead + 1) % QUEUE_MAX;
			qlen--;
		}
		if (qlen > 0)
			timeout = (int)((queue[qhead].due_us - now + 999) / 1000);
		pfd[np].fd = lu; pfd[np].events = POLLIN; pidx[np++] = -1;
		pfd[np].fd = uu; pfd[np].events = POLLIN; pidx[np++] = -2;
		pfd[np].fd = lt; pfd[np].events = POLLIN; pidx[np++] = -3;
		for (i = 0; i < CONN_MAX && qlen < QUEUE_MAX; i++) {
			if (conns[i].cfd < 0)
				continue;
			pfd[np].fd = conns[i].cfd; pfd[np].events = POLLIN;
			pidx[np++] = 2 * i;
			pfd[np].fd = conns[i].ufd; pfd[np].events = POLLIN;
			pidx[np++] = 2 * i + 1;
		}
		if (qlen == QUEUE_MAX)
			np = 0;		/* full: wait for the head to leave */
		if (poll(pfd, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			perror("dnsdelay: poll");
			return 1;
		}
		for (i = 0; i < np; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pidx[i] == -1) {	/* a query from a client */
				struct sockaddr_in from;
				socklen_t fl = sizeof(from);
				struct slot *s;

				r = recvfrom(lu, buf, sizeof(buf), 0,
				    (struct sockaddr *)&from, &fl);
				if (r < 12)
					continue;
				n_udp++;
				log_query(buf, (size_t)r, "udp");
				s = &slots[next_slot];
				s->client = from;
				memcpy(s->id, buf, 2);
				s->used = 1;
				buf[0] = (unsigned char)(next_slot >> 8);
				buf[1] = (unsigned char)next_slot;
				next_slot = (next_slot + 1) % SLOTS_MAX;
				enqueue(UP_UDP, -1, buf, (size_t)r, NULL);
			} else if (pidx[i] == -2) {	/* nsd's answer */
				struct slot *s;

				r = recv(uu, buf, sizeof(buf), 0);
				if (r < 12)
					continue;
				s = &slots[(buf[0] << 8 | buf[1]) % SLOTS_MAX];
				if (!s->used)
					continue;
				s->used = 0;
				memcpy(buf, s->id, 2);
				enqueue(DOWN_UDP, -1, buf, (size_t)r, &s->client);
			} else if (pidx[i] == -3) {	/* a TCP client */
				int cfd = accept(lt, NULL, NULL), k;

				if (cfd < 0)
					continue;
				for (k = 0; k < CONN_MAX && conns[k].cfd >= 0; k++)
					;
				if (k == CONN_MAX ||
				    (conns[k].ufd = upstream_socket(SOCK_STREAM,
				    uport)) < 0) {
					close(cfd);
					continue;
				}
				conns[k].cfd = cfd;
				conns[k].hdrlen = conns[k].need = 0;
			} else {
				int k = pidx[i] / 2, up = pidx[i] % 2 == 0;
				struct conn *c = &conns[k];

				if (c->cfd < 0)
					continue;
				r = read(up ? c->cfd : c->ufd, buf, CHUNK_MAX);
				if (r <= 0) {
					conn_close(k);
					continue;
				}
				if (up)
					count_tcp(c, buf, (size_t)r);
				enqueue(up ? UP_TCP : DOWN_TCP, k, buf,
				    (size_t)r, NULL);
			}
		}
	}
	print_stats();
	if (qlog != NULL)
		fclose(qlog);
	return 0;
}
