/*
 * milter/mserver.c - accept thread, connection thread pool and the
 * per-connection read/decode/reply loop (contract in mserver.h).
 *
 * Threads: a pool in which every idle thread blocks in accept() on the
 * listener itself and serves what it accepts (no accept thread, no
 * hand-over: measured, the hand-over cost a futex wake and a thread
 * switch per connection, and Postfix opens a connection per SMTP
 * session). Shared state (the connection list, counters) is under
 * srv->lock. The list lets mserver_stop() shut down a connection's
 * socket; a thread takes its connection off the list before close(), so
 * stop never touches a descriptor number that was reused.
 */
#include "milter/mserver.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "milter/log.h"
#include "milter/msocket.h"

typedef struct mconn {
	int fd;
	atomic_int busy;		/* a message in flight */
	struct mconn *prev, *next;
} mconn;

struct mserver {
	const mhandler *h;
	void *hctx;
	msocket_addr addr;
	int lfd;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t gone;		/* a pool thread exited */
	unsigned nthreads;		/* pool threads */
	unsigned naccepting;		/* of them, in accept() */
	unsigned nconns;		/* connections being served */
	unsigned long created;		/* threads ever started */
	time_t accept_err_logged;
	int at_cap_logged;
	int stopping;
	mconn *conns;			/* being served */
};

mserver *
mserver_new(const mhandler *h, void *hctx)
{
	mserver *srv = calloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->h = h;
	srv->hctx = hctx;
	srv->lfd = -1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->gone, NULL);
	return srv;
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

static void
log_packet_error(const mproto_pkt *pkt, const char *why)
{
	if (pkt->len > MPROTO_DATA_MAX)
		log_msg(LOG_WARNING, NULL, "milter packet '%c' of %zu bytes is "
		    "over the limit of %d bytes: closing the connection (the "
		    "MTA applies its milter_default_action)",
		    pkt->cmd > 32 && pkt->cmd < 127 ? pkt->cmd : '?', pkt->len,
		    MPROTO_DATA_MAX);
	else
		log_msg(LOG_WARNING, NULL, "milter protocol error: %s (command "
		    "'%c'): closing the connection", why,
		    pkt->cmd > 32 && pkt->cmd < 127 ? pkt->cmd : '?');
}

static void
serve(mserver *srv, mconn *c, rbuf *b)
{
	msession s;
	mproto_pkt pkt;
	size_t start = 0, end = 0, used;
	const char *why;
	ssize_t n;
	int rc;

	msession_init(&s, srv->h, srv->hctx);
	for (;;) {
		while ((rc = mproto_frame(b->p + start, end - start, &pkt,
		    &used, &why)) == 1) {
			start += used;
			rc = msession_packet(&s, &pkt, &why);
			if (rc == MSESSION_ERROR) {
				log_packet_error(&pkt, why);
				goto flush_done;
			}
			if (rc == MSESSION_QUIT) {
				(void)flush_out(c->fd, msession_out(&s));
				goto done;
			}
		}
		if (rc < 0) {
			log_packet_error(&pkt, why);
			goto flush_done;
		}
		if (msession_out(&s)->len > 0 &&
		    flush_out(c->fd, msession_out(&s)) < 0) {
			log_msg(LOG_DEBUG, NULL, "milter connection: write: %s",
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
		if (rbuf_fit(b, used) < 0) {
			log_msg(LOG_WARNING, NULL, "milter packet of %zu bytes: "
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
				log_msg(LOG_INFO, NULL, "milter connection idle "
				    "for %d s: closed", MSERVER_IDLE_SECONDS);
			else
				log_msg(LOG_DEBUG, NULL, "milter connection: "
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
		log_msg(LOG_ERR, NULL, "cannot start a milter connection "
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
 * A pool thread: accept a connection itself, serve it, accept the next
 * (leader/follower: the kernel wakes one of the threads blocked in
 * accept(), so a connection needs no hand-over between threads). Before
 * serving, a thread that leaves no other thread in accept() starts one,
 * up to MSERVER_MAX_CONNS. The listener's receive timeout
 * (MSERVER_THREAD_IDLE_SECONDS) ends accept() with EAGAIN: the thread
 * exits unless it is the last one accepting.
 */
static void *
worker(void *arg)
{
	mserver *srv = arg;
	struct timeval tv = { MSERVER_IDLE_SECONDS, 0 };
	rbuf b = { NULL, 0 };
	mconn c;
	int fd, err, grow, counted = 1;	/* counted as accepting already */

	atomic_init(&c.busy, 0);
	pthread_mutex_lock(&srv->lock);
	while (!srv->stopping) {
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
					log_msg(LOG_WARNING, NULL, "milter "
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
		if (srv->naccepting == 0) {
			if (srv->nthreads < MSERVER_MAX_CONNS) {
				reserve_thread(srv);
				grow = 1;
			} else if (!srv->at_cap_logged) {
				log_msg(LOG_WARNING, NULL, "%d milter "
				    "connections: the limit (MSERVER_MAX_CONNS); "
				    "new connections wait until one ends",
				    MSERVER_MAX_CONNS);
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
			log_msg(LOG_ERR, NULL, "milter connection: out of "
			    "memory; closed");
		pthread_mutex_lock(&srv->lock);
		list_del(srv, &c);
		close(fd);
		srv->nconns--;
		if (srv->nconns < MSERVER_MAX_CONNS / 2)
			srv->at_cap_logged = 0;
	}
	if (counted)
		srv->naccepting--;	/* stopped before its first accept() */
	srv->nthreads--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->lock);
	free(b.p);
	return NULL;
}

int
mserver_start(mserver *srv, char *err, size_t errlen)
{
	struct timeval idle = { MSERVER_THREAD_IDLE_SECONDS, 0 };
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
	int waited;

	pthread_mutex_lock(&srv->lock);
	if (srv->stopping) {
		pthread_mutex_unlock(&srv->lock);
		return;
	}
	srv->stopping = 1;
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
	for (c = srv->conns; c != NULL; c = c->next)
		(void)shutdown(c->fd, SHUT_RDWR);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MSERVER_JOIN_SECONDS;
	while (srv->nthreads > 0)
		if (pthread_cond_timedwait(&srv->gone, &srv->lock, &until) ==
		    ETIMEDOUT)
			break;
	if (srv->nthreads > 0)
		log_msg(LOG_WARNING, NULL, "%u milter connection thread(s) "
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
	free(srv);
}
