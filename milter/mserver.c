/*
 * milter/mserver.c - accept thread, connection thread pool and the
 * per-connection read/decode/reply loop (contract in milter.h).
 *
 * Threads: a pool in which up to MSERVER_ACCEPTORS idle threads block in
 * accept() on the listener itself and serve what they accept (no accept
 * thread, no hand-over of the connection). The other idle threads wait
 * on a stack, most recently idle on top; a thread that accepts and
 * leaves none in accept() promotes the top one. Measured: with every
 * idle thread in accept(), the kernel woke the one that waited longest,
 * so at an MTA's pace (Postfix: a connection per SMTP session, a few
 * hundred a second) each message ran on the coldest thread of the pool
 * (its stack, malloc arena and caches): through Postfix 0.50 ms of CPU
 * per message, 0.37 with the stack, which keeps the work on the threads
 * that just ran and lets the others idle out (doc/BENCHMARKS.md).
 * Shared state (the connection list, counters) is under srv->lock. The
 * list lets mserver_stop() shut down a connection's socket; a thread
 * takes its connection off the list before close(), so stop never
 * touches a descriptor number that was reused. One more
 * thread, the ticker, sends SMFIR_PROGRESS to connections whose end of
 * message runs long (under srv->lock, then the connection's wlock, which
 * its serving thread takes around end of message).
 */
#include "milter/milter.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include "milter/msession_int.h"
#include "milter/msocket_int.h"

typedef struct mconn {
	int fd;
	atomic_int busy;		/* a message in flight */
	/* progress (the ticker) against the final reply: under wlock */
	pthread_mutex_t wlock;
	int64_t eom_since;		/* ms; 0: not in end of message */
	int64_t progress_at;		/* ms: eom start or the last progress */
	struct mconn *prev, *next;
} mconn;

/* Idle threads in accept() at most; more wait on the idle stack. Two:
 * the next connection finds a thread in accept() even while the one that
 * took the last is still on its way there, with no wake-up to hand over
 * (with one, a thread had to be woken per connection, and under CPU
 * pressure the pool grew while they waited for a CPU). */
#define MSERVER_ACCEPTORS	2

/* An idle thread waiting for its turn to accept (the idle stack). */
typedef struct mwaiter {
	pthread_cond_t cv;
	int promoted;			/* its turn to accept */
	struct mwaiter *next;
} mwaiter;

struct mserver {
	const mhandler *h;
	void *hctx;
	msocket_addr addr;
	int lfd;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t gone;		/* a pool thread exited */
	pthread_cond_t tick;		/* wakes the ticker to stop */
	pthread_t ticker;		/* sends SMFIR_PROGRESS */
	int ticker_started, ticker_stop;
	unsigned max_conns;		/* mserver_set_max_conns() */
	unsigned progress_ms;		/* mserver_set_progress() */
	unsigned nthreads;		/* pool threads */
	unsigned naccepting;		/* of them, in accept() */
	unsigned nconns;		/* connections being served */
	unsigned long created;		/* threads ever started */
	time_t accept_err_logged;
	int at_cap_logged;
	int stopping;
	mconn *conns;			/* being served */
	mwaiter *idle;			/* idle threads, most recent first */
	pthread_condattr_t mono;	/* condition variables' clock */
	mserver_log_fn *log;		/* mserver_set_log(); NULL: none */
	void *log_ctx;
};

mserver *
mserver_new(const mhandler *h, void *hctx)
{
	mserver *srv = calloc(1, sizeof(*srv));
	pthread_condattr_t ca;

	if (srv == NULL)
		return NULL;
	srv->h = h;
	srv->hctx = hctx;
	srv->lfd = -1;
	srv->max_conns = MSERVER_MAX_CONNS;
	srv->progress_ms = MSERVER_PROGRESS_MS;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->gone, NULL);
	/* the ticker's waits: on the monotonic clock, so a step back of the
	 * wall clock cannot hold progress back */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&srv->tick, &ca);
	pthread_condattr_destroy(&ca);
	pthread_condattr_init(&srv->mono);
	pthread_condattr_setclock(&srv->mono, CLOCK_MONOTONIC);
	return srv;
}

void
mserver_set_max_conns(mserver *srv, unsigned n)
{
	pthread_mutex_lock(&srv->lock);
	srv->max_conns = n > 0 ? n : 1;
	pthread_mutex_unlock(&srv->lock);
}

void
mserver_set_progress(mserver *srv, unsigned ms)
{
	pthread_mutex_lock(&srv->lock);
	srv->progress_ms = ms;
	pthread_cond_broadcast(&srv->tick);	/* the ticker takes it now */
	pthread_mutex_unlock(&srv->lock);
}

int
mserver_listen(mserver *srv, const char *spec, char *err, size_t errlen)
{
	if (msocket_parse(spec, &srv->addr, err, errlen) < 0)
		return -1;
	srv->lfd = msocket_listen(&srv->addr, err, errlen);
	return srv->lfd < 0 ? -1 : 0;
}

const char *
mserver_unix_path(const mserver *srv)
{
	return srv->addr.family == AF_UNIX ? srv->addr.path : NULL;
}

int
mserver_socket_path(const char *spec, char *path, size_t pathlen, char *err,
    size_t errlen)
{
	msocket_addr a;
	size_t n;

	if (msocket_parse(spec, &a, err, errlen) < 0)
		return -1;
	if (a.family != AF_UNIX) {
		if (pathlen > 0)
			path[0] = '\0';
		return 0;
	}
	n = strlen(a.path);
	if (n >= pathlen) {
		snprintf(err, errlen, "socket '%s': path too long", spec);
		return -1;
	}
	memcpy(path, a.path, n + 1);
	return 1;
}

static int
tcp_parse(const char *spec, msocket_addr *a, char *err, size_t errlen)
{
	if (msocket_parse(spec, a, err, errlen) < 0)
		return -1;
	if (a->family == AF_UNIX) {
		snprintf(err, errlen, "'%s': a TCP address is needed "
		    "(inet:PORT@HOST or inet6:PORT@HOST)", spec);
		return -1;
	}
	return 0;
}

int
mserver_tcp_addr(const char *spec, struct sockaddr_storage *sa,
    socklen_t *salen, char *err, size_t errlen)
{
	msocket_addr a;

	if (tcp_parse(spec, &a, err, errlen) < 0)
		return -1;
	*sa = a.sa;
	*salen = a.salen;
	return 0;
}

int
mserver_tcp_listen(const char *spec, char *err, size_t errlen)
{
	msocket_addr a;

	if (tcp_parse(spec, &a, err, errlen) < 0)
		return -1;
	return msocket_listen(&a, err, errlen);
}

/* ---- one connection ---- */

/* Write everything pending in one send() (more only on a short write). */
static int
flush_out(int fd, mproto_buf *out)
{
	size_t off = 0;
	ssize_t n;

	while (off < out->len) {
		n = send(fd, out->data + off, out->len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	out->len = 0;
	return 0;
}

typedef struct rbuf {
	unsigned char *p;
	size_t cap;
} rbuf;

static int
rbuf_fit(rbuf *b, size_t need)
{
	unsigned char *p;

	if (need <= b->cap)
		return 0;
	if ((p = realloc(b->p, need)) == NULL)
		return -1;
	b->p = p;
	b->cap = need;
	return 0;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
mserver_set_log(mserver *srv, mserver_log_fn *fn, void *ctx)
{
	srv->log = fn;
	srv->log_ctx = ctx;
}

/* One line to the caller's log hook (the engine never logs itself). */
static void __attribute__((format(printf, 3, 4)))
slog(mserver *srv, int prio, const char *fmt, ...)
{
	char line[MSERVER_LOG_LINE];
	va_list ap;

	if (srv->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	srv->log(srv->log_ctx, prio, line);
}

static void
log_packet_error(mserver *srv, const mproto_pkt *pkt, size_t max,
    const char *why)
{
	if (pkt->len > max)
		slog(srv, LOG_WARNING, "milter packet '%c' of %zu bytes is "
		    "over the limit of %zu bytes: closing the connection (the "
		    "MTA applies its milter_default_action)",
		    pkt->cmd > 32 && pkt->cmd < 127 ? pkt->cmd : '?', pkt->len,
		    max);
	else
		slog(srv, LOG_WARNING, "milter protocol error: %s (command "
		    "'%c'): closing the connection", why,
		    pkt->cmd > 32 && pkt->cmd < 127 ? pkt->cmd : '?');
}

/*
 * End of message: the handler may wait (DNS) longer than the MTA's read
 * timeout (Sendmail: 10 s by default, restarted only by a reply), so the
 * ticker sends SMFIR_PROGRESS meanwhile. Replies still pending go out
 * first, so a progress packet never overtakes them; the ticker sends only
 * while eom_since is set, and it is cleared (under wlock) before the final
 * reply is written, so none follows that reply.
 */
static int
eom_packet(mconn *c, msession *s, const mproto_pkt *pkt, const char **why)
{
	int rc;

	if (msession_out(s)->len > 0 && flush_out(c->fd, msession_out(s)) < 0) {
		*why = NULL;
		return MSESSION_QUIT;	/* the MTA is gone: nothing to say */
	}
	if (msession_version(s) >= MSERVER_PROGRESS_VERSION) {
		pthread_mutex_lock(&c->wlock);
		c->eom_since = c->progress_at = now_ms();
		pthread_mutex_unlock(&c->wlock);
	}
	rc = msession_packet(s, pkt, why);
	pthread_mutex_lock(&c->wlock);
	c->eom_since = 0;
	pthread_mutex_unlock(&c->wlock);
	return rc;
}

static void
serve(mserver *srv, mconn *c, rbuf *b)
{
	msession s;
	mproto_pkt pkt;
	mproto_skip skip;
	size_t start = 0, end = 0, used = MPROTO_HDR_LEN, max = MPROTO_DATA_MAX;
	const char *why, *warn;
	ssize_t n;
	int rc, skipping = 0, skipped;

	msession_init(&s, srv->h, srv->hctx);
	for (;;) {
		/* every complete packet in the buffer; a packet over the
		 * negotiated bound is skipped as it arrives (mproto_skip) */
		for (;;) {
			skipped = skipping;
			if (skipping) {
				start += mproto_skip_feed(&skip, b->p + start,
				    end - start);
				if (!skip.done)
					break;
				skipping = 0;
				rc = msession_oversized(&s, &skip, &why);
			} else {
				max = msession_max_data(&s);
				rc = mproto_frame_max(b->p + start, end - start,
				    max, &pkt, &used, &why);
				if (rc == 0)
					break;
				if (rc == MPROTO_FRAME_BIG &&
				    pkt.cmd == MPC_HEADER &&
				    msession_version(&s) != 0) {
					start += used;
					mproto_skip_start(&skip, &pkt);
					skipping = 1;
					continue;
				}
				if (rc != 1) {
					log_packet_error(srv, &pkt, max, why);
					goto flush_done;
				}
				start += used;
				rc = pkt.cmd == MPC_BODYEOB ?
				    eom_packet(c, &s, &pkt, &why) :
				    msession_packet(&s, &pkt, &why);
			}
			if ((warn = msession_warning(&s)) != NULL)
				slog(srv, LOG_WARNING, "milter connection: "
				    "%s", warn);
			if (rc == MSESSION_ERROR) {
				if (skipped)
					slog(srv, LOG_WARNING, "milter packet "
					    "'%c' of %zu bytes, over the limit: %s; "
					    "closing the connection", skip.cmd > 32 &&
					    skip.cmd < 127 ? skip.cmd : '?',
					    skip.size, why);
				else
					log_packet_error(srv, &pkt, max, why);
				goto flush_done;
			}
			if (rc == MSESSION_QUIT) {
				(void)flush_out(c->fd, msession_out(&s));
				goto done;
			}
		}
		if (msession_out(&s)->len > 0 &&
		    flush_out(c->fd, msession_out(&s)) < 0) {
			slog(srv, LOG_DEBUG, "milter connection: write: %s",
			    strerror(errno));
			goto done;
		}
		atomic_store(&c->busy, msession_in_message(&s));
		/* keep the partial packet at the front, with room for it */
		if (start == end) {
			start = end = 0;
			if (b->cap > MSERVER_RBUF) {
				unsigned char *p = realloc(b->p, MSERVER_RBUF);

				if (p != NULL) {
					b->p = p;
					b->cap = MSERVER_RBUF;
				}
			}
		} else if (start > 0) {
			memmove(b->p, b->p + start, end - start);
			end -= start;
			start = 0;
		}
		if (!skipping && rbuf_fit(b, used) < 0) {
			slog(srv, LOG_WARNING, "milter packet of %zu bytes: "
			    "out of memory; closing the connection", used);
			goto done;
		}
		do
			n = read(c->fd, b->p + end, b->cap - end);
		while (n < 0 && errno == EINTR);
		if (n == 0)
			goto done;	/* the MTA closed it */
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				slog(srv, LOG_INFO, "milter connection idle "
				    "for %d s: closed", MSERVER_IDLE_SECONDS);
			else
				slog(srv, LOG_DEBUG, "milter connection: "
				    "read: %s", strerror(errno));
			goto done;
		}
		end += (size_t)n;
	}
flush_done:
	/* replies to the good packets before the bad one still go out, as
	 * libmilter sends them */
	(void)flush_out(c->fd, msession_out(&s));
done:
	msession_free(&s);
	atomic_store(&c->busy, 0);
}

/* ---- the pool ---- */

static void
list_add(mserver *srv, mconn *c)
{
	c->prev = NULL;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
}

static void
list_del(mserver *srv, mconn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

static void *worker(void *arg);

/*
 * One more thread in accept(). Called WITHOUT the lock: thread creation
 * (a stack to map) under it held up every other thread (measured: a
 * cluster of slow messages each time the pool grew). The caller has
 * already counted the thread (reserve_thread); on failure the counts are
 * taken back. 0, or -1 (logged).
 */
static int
spawn(mserver *srv)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);	/* signals: caller's threads */
	rc = pthread_create(&tid, &attr, worker, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		pthread_mutex_lock(&srv->lock);
		srv->nthreads--;
		srv->naccepting--;
		pthread_cond_broadcast(&srv->gone);
		slog(srv, LOG_ERR, "cannot start a milter connection "
		    "thread (%u running): %s", srv->nthreads, strerror(rc));
		pthread_mutex_unlock(&srv->lock);
		return -1;
	}
	return 0;
}

/* Count a thread about to be spawned (with the lock): it is on its way
 * to accept() from now on, so no other thread starts one for it. */
static void
reserve_thread(mserver *srv)
{
	srv->nthreads++;
	srv->created++;
	srv->naccepting++;
}

/*
 * Wait on the idle stack (with the lock) until a thread that accepted
 * promotes this one, the server stops or MSERVER_THREAD_IDLE_SECONDS pass. 1:
 * promoted (counted as accepting by the promoter), 0: not.
 */
static int
park(mserver *srv, mwaiter *w)
{
	struct timespec until;
	mwaiter **pp;

	w->promoted = 0;
	w->next = srv->idle;
	srv->idle = w;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += MSERVER_THREAD_IDLE_SECONDS;
	while (!w->promoted && !srv->stopping)
		if (pthread_cond_timedwait(&w->cv, &srv->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (w->promoted)
		return 1;
	for (pp = &srv->idle; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	return 0;
}

/* Make the most recently idle thread the next to accept (with the lock);
 * 0 when none waits. */
static int
promote(mserver *srv)
{
	mwaiter *w = srv->idle;

	if (w == NULL)
		return 0;
	srv->idle = w->next;
	w->promoted = 1;
	srv->naccepting++;
	pthread_cond_signal(&w->cv);
	return 1;
}

/*
 * A pool thread: accept a connection itself, serve it, accept the next
 * (leader/follower: a connection needs no hand-over between threads).
 * An idle thread waits on the idle stack while MSERVER_ACCEPTORS are in
 * accept(). Before serving, a thread that leaves no other thread in
 * accept() promotes the top of the idle stack, else starts a thread, up
 * to MSERVER_MAX_CONNS. The listener's receive timeout
 * (MSERVER_THREAD_IDLE_SECONDS) ends accept() with EAGAIN: the thread
 * exits unless it is the last one accepting; a thread idle on the stack
 * that long exits.
 */
static void *
worker(void *arg)
{
	mserver *srv = arg;
	struct timeval tv = { MSERVER_IDLE_SECONDS, 0 };
	rbuf b = { NULL, 0 };
	mconn c;
	mwaiter w;
	int fd, err, grow, counted = 1;	/* counted as accepting already */

	memset(&c, 0, sizeof(c));
	atomic_init(&c.busy, 0);
	pthread_mutex_init(&c.wlock, NULL);
	pthread_cond_init(&w.cv, &srv->mono);
	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
		if (!counted && srv->naccepting >= MSERVER_ACCEPTORS) {
			/* enough threads accept: wait for a turn */
			if (!park(srv, &w))
				break;	/* idle that long, or stopping */
			counted = 1;	/* by the promoter */
			continue;	/* (stopping is checked again) */
		}
		if (!counted)
			srv->naccepting++;
		counted = 0;
		pthread_mutex_unlock(&srv->lock);
		fd = accept4(srv->lfd, NULL, NULL, SOCK_CLOEXEC);
		err = errno;
		pthread_mutex_lock(&srv->lock);
		srv->naccepting--;
		if (srv->stopping) {
			if (fd >= 0)
				close(fd);
			break;
		}
		if (fd < 0) {
			if (err == EAGAIN || err == EWOULDBLOCK) {
				if (srv->naccepting > 0)
					break;	/* idle, and not the last */
				continue;
			}
			if (err != EINTR && err != ECONNABORTED) {
				/* EMFILE and the like: say so every 10 s */
				time_t now = time(NULL);

				if (now - srv->accept_err_logged >= 10) {
					slog(srv, LOG_WARNING, "milter "
					    "socket: accept: %s", strerror(err));
					srv->accept_err_logged = now;
				}
				pthread_mutex_unlock(&srv->lock);
				usleep(100000);
				pthread_mutex_lock(&srv->lock);
			}
			continue;
		}
		srv->nconns++;
		grow = 0;
		if (srv->naccepting == 0 && !promote(srv)) {
			if (srv->nthreads < srv->max_conns) {
				reserve_thread(srv);
				grow = 1;
			} else if (!srv->at_cap_logged) {
				slog(srv, LOG_WARNING, "%u milter "
				    "connections: the limit (max_connections); "
				    "new connections wait until one ends",
				    srv->max_conns);
				srv->at_cap_logged = 1;
			}
		}
		c.fd = fd;
		list_add(srv, &c);
		pthread_mutex_unlock(&srv->lock);
		if (grow)
			(void)spawn(srv);
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		if (b.p != NULL || rbuf_fit(&b, MSERVER_RBUF) == 0)
			serve(srv, &c, &b);
		else
			slog(srv, LOG_ERR, "milter connection: out of "
			    "memory; closed");
		pthread_mutex_lock(&srv->lock);
		list_del(srv, &c);
		close(fd);
		srv->nconns--;
		if (srv->nconns < srv->max_conns / 2)
			srv->at_cap_logged = 0;
	}
	if (counted)
		srv->naccepting--;	/* stopped before its first accept() */
	srv->nthreads--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->lock);
	pthread_mutex_destroy(&c.wlock);
	pthread_cond_destroy(&w.cv);
	free(b.p);
	return NULL;
}

/* Progress to every connection whose end of message has run for
 * progress_ms since it began or since the last progress (milter.h). */
static void
send_progress(mserver *srv)
{
	static const unsigned char p[MPROTO_HDR_LEN] = { 0, 0, 0, 1,
	    MPR_PROGRESS };
	int64_t now = now_ms();
	mconn *c;

	for (c = srv->conns; c != NULL; c = c->next) {
		pthread_mutex_lock(&c->wlock);
		if (c->eom_since != 0 &&
		    now - c->progress_at >= (int64_t)srv->progress_ms) {
			/* never blocks: a full socket buffer means the MTA
			 * is not reading, and then it needs no progress; a
			 * packet cut short would break the stream, so that
			 * connection ends (the MTA applies its default) */
			ssize_t n = send(c->fd, p, sizeof(p), MSG_NOSIGNAL |
			    MSG_DONTWAIT);

			if (n > 0 && n < (ssize_t)sizeof(p)) {
				slog(srv, LOG_WARNING, "milter progress: "
				    "short write; closing the connection");
				(void)shutdown(c->fd, SHUT_RDWR);
			} else if (n < 0) {
				slog(srv, LOG_DEBUG, "milter progress: %s",
				    strerror(errno));
			}
			c->progress_at = now;
		}
		pthread_mutex_unlock(&c->wlock);
	}
}

/* The ticker: looks for long ends of message a few times per interval. */
static void *
ticker(void *arg)
{
	mserver *srv = arg;
	struct timespec until;
	unsigned step;

	pthread_mutex_lock(&srv->lock);
	while (!srv->ticker_stop) {
		if (srv->progress_ms == 0) {
			/* no progress: asleep until mserver_set_progress()
			 * or stop, rather than awake every tick for nothing */
			(void)pthread_cond_wait(&srv->tick, &srv->lock);
			continue;
		}
		step = srv->progress_ms / MSERVER_PROGRESS_STEPS;
		if (step < MSERVER_TICK_MIN_MS)
			step = MSERVER_TICK_MIN_MS;
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_nsec += (long)(step % 1000) * 1000000L;
		until.tv_sec += step / 1000 + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		(void)pthread_cond_timedwait(&srv->tick, &srv->lock, &until);
		if (!srv->ticker_stop && srv->progress_ms > 0)
			send_progress(srv);
	}
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

int
mserver_start(mserver *srv, char *err, size_t errlen)
{
	struct timeval idle = { MSERVER_THREAD_IDLE_SECONDS, 0 };
	sigset_t all, old;
	int rc;

	if (srv->lfd < 0) {
		snprintf(err, errlen, "milter server: not listening");
		return -1;
	}
	/* accept() in a pool thread returns EAGAIN after this long idle */
	(void)setsockopt(srv->lfd, SOL_SOCKET, SO_RCVTIMEO, &idle,
	    sizeof(idle));
	pthread_mutex_lock(&srv->lock);
	reserve_thread(srv);
	pthread_mutex_unlock(&srv->lock);
	rc = spawn(srv);
	if (rc != 0) {
		snprintf(err, errlen, "cannot start the milter threads");
		return -1;
	}
	srv->started = 1;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);	/* signals: caller's threads */
	if (pthread_create(&srv->ticker, NULL, ticker, srv) == 0)
		srv->ticker_started = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!srv->ticker_started)
		slog(srv, LOG_ERR, "cannot start the milter progress "
		    "thread: no SMFIR_PROGRESS during long ends of message");
	return 0;
}

unsigned
mserver_threads(mserver *srv, unsigned long *created)
{
	unsigned n;

	pthread_mutex_lock(&srv->lock);
	n = srv->nthreads;
	if (created != NULL)
		*created = srv->created;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

static unsigned
busy_conns(mserver *srv)
{
	unsigned n = 0;
	mconn *c;

	pthread_mutex_lock(&srv->lock);
	for (c = srv->conns; c != NULL; c = c->next)
		n += atomic_load(&c->busy) != 0;
	pthread_mutex_unlock(&srv->lock);
	return n;
}

void
mserver_stop(mserver *srv, int grace_seconds)
{
	struct timespec until;
	mconn *c;
	mwaiter *w;
	int waited;

	pthread_mutex_lock(&srv->lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	srv->stopping = 1;
	for (w = srv->idle; w != NULL; w = w->next)
		pthread_cond_signal(&w->cv);	/* each leaves the stack */
	pthread_mutex_unlock(&srv->lock);
	if (srv->lfd >= 0) {
		/* wakes every thread in accept(); the descriptor is closed
		 * only once no thread can still be in accept() on it */
		(void)shutdown(srv->lfd, SHUT_RDWR);
		msocket_remove(&srv->addr);
	}
	for (waited = 0; waited < grace_seconds * 10 && busy_conns(srv) > 0;
	    waited++)
		usleep(100000);
	pthread_mutex_lock(&srv->lock);
	srv->ticker_stop = 1;
	pthread_cond_broadcast(&srv->tick);
	pthread_mutex_unlock(&srv->lock);
	if (srv->ticker_started) {
		pthread_join(srv->ticker, NULL);
		srv->ticker_started = 0;
	}
	pthread_mutex_lock(&srv->lock);
	for (c = srv->conns; c != NULL; c = c->next)
		(void)shutdown(c->fd, SHUT_RDWR);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MSERVER_JOIN_SECONDS;
	while (srv->nthreads > 0)
		if (pthread_cond_timedwait(&srv->gone, &srv->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (srv->nthreads > 0)
		slog(srv, LOG_WARNING, "%u milter connection thread(s) "
		    "still busy at exit", srv->nthreads);
	else if (srv->lfd >= 0) {
		close(srv->lfd);
		srv->lfd = -1;
	}
	pthread_mutex_unlock(&srv->lock);
}

void
mserver_free(mserver *srv)
{
	unsigned left;

	if (srv == NULL)
		return;
	mserver_stop(srv, 0);
	pthread_mutex_lock(&srv->lock);
	left = srv->nthreads;
	pthread_mutex_unlock(&srv->lock);
	if (left > 0)
		return;	/* threads still use it: left to the process exit */
	pthread_mutex_destroy(&srv->lock);
	pthread_cond_destroy(&srv->gone);
	pthread_cond_destroy(&srv->tick);
	pthread_condattr_destroy(&srv->mono);
	free(srv);
}
