/*
 * milter/mserver.h - the milter server: the listening socket and a pool
 * of reusable threads that accept connections themselves and serve one
 * at a time, each running the protocol (msession.h) for a handler.
 *
 * SYNOPSIS
 *	#include "milter/mserver.h"
 *
 *	mserver	*mserver_new(const mhandler *h, void *hctx);
 *	int	mserver_listen(mserver *srv, const char *spec, char *err,
 *		    size_t errlen);
 *	const char *mserver_unix_path(const mserver *srv);
 *	void	mserver_set_max_conns(mserver *srv, unsigned n);
 *	void	mserver_set_progress(mserver *srv, unsigned ms);
 *	int	mserver_start(mserver *srv, char *err, size_t errlen);
 *	void	mserver_stop(mserver *srv, int grace_seconds);
 *	void	mserver_free(mserver *srv);
 *	unsigned mserver_threads(mserver *srv, unsigned long *created);
 *	void	mserver_set_log(mserver *srv, mserver_log_fn *fn, void *ctx);
 *
 * DESCRIPTION
 *	mserver_listen() parses spec (msocket.h) and binds the socket: call
 *	it before privileges are dropped and before a fork (the descriptor
 *	is kept). mserver_unix_path() is the unix socket's path (to set its
 *	mode and owner), NULL for TCP. mserver_start() starts the pool's
 *	first thread (all signals blocked in the pool threads, so they reach
 *	the caller's threads only).
 *
 *	Each connection is served by one thread: read() into a buffer of
 *	MSERVER_RBUF bytes (grown for a larger packet up to the packet bound
 *	the MTA negotiated, msession_max_data(): 1 MB, or 256 KB; then shrunk
 *	back), every complete packet in it handled, then the replies written
 *	with one send(). The socket's receive timeout is MSERVER_IDLE_SECONDS
 *	(libmilter's default), so read() blocks without a poll() before it.
 *	A header field over the bound is read and dropped as it arrives,
 *	keeping its first bytes (mproto_skip), and handed to
 *	msession_oversized(): the connection stays. Any other packet over
 *	the bound, or a protocol error, is logged (a warning naming it) and
 *	the connection closed without a reply, as libmilter does: the MTA
 *	then applies its milter_default_action. So a connection holds at
 *	most one read buffer of the bound + 5 bytes, the session's macros
 *	(MSESSION_MACROS_MAX) and its replies, plus what the handler keeps.
 *
 *	While the handler's eom() runs (protocol version 4 and later), a
 *	ticker thread sends SMFIR_PROGRESS every progress_ms (default
 *	MSERVER_PROGRESS_MS; mserver_set_progress(), 0: never, the ticker
 *	then sleeps), checking MSERVER_PROGRESS_STEPS times per interval (on
 *	the monotonic clock: one wake-up a second by default), so an MTA's
 *	read timeout
 *	at end of message (Sendmail: 10 s unless T=R: says otherwise) does
 *	not run out while the handler waits. Progress never follows the
 *	final reply and never overtakes a reply due before it.
 *
 *	Idle pool threads wait in accept() (the kernel
 *	gives a new connection to one of them); a thread that accepts while
 *	no other is left in accept() starts one more, up to max_conns
 *	threads (mserver_set_max_conns(), before or after mserver_start();
 *	default MSERVER_MAX_CONNS; then it logs once, and new connections
 *	wait in the listen queue until a thread is free). A thread idle for
 *	MSERVER_THREAD_IDLE_SECONDS exits, unless it is the last one in
 *	accept(). mserver_threads() says how many threads there are and
 *	how many were ever started (tests: threads are reused).
 *
 *	mserver_stop() stops accepting, closes the listener and removes the
 *	unix socket file; waits up to grace_seconds for the messages in
 *	flight (msession_in_message) to end; then shuts down the remaining
 *	connections (their handlers see the end: abort, close) and waits up
 *	to MSERVER_JOIN_SECONDS for their threads (a warning says how many
 *	are left otherwise). mserver_free() stops (grace 0) if needed and
 *	frees. Knows nothing of what the handler does.
 *
 *	The engine never logs: what it would say (a packet over the bound,
 *	a protocol error, the thread cap reached, ...) goes as one line at a
 *	syslog priority (LOG_ERR ... LOG_DEBUG) to the hook given with
 *	mserver_set_log(), before mserver_start() (none: nothing is said).
 */
#ifndef AUTHMILTER_MSERVER_H
#define AUTHMILTER_MSERVER_H

#include <stddef.h>

#include "milter/msession.h"

/* The read buffer: at least one 64 KB body chunk (MILTER_CHUNK_SIZE) and
 * the packets around it in one read. */
#define MSERVER_RBUF			(128 * 1024)
/* A connection with no packet for this long is closed: libmilter's default
 * timeout (smfi_settimeout(3), 7210 s). */
#define MSERVER_IDLE_SECONDS		7210
/* An idle pool thread waits this long in accept() before exiting (the
 * last one stays). */
#define MSERVER_THREAD_IDLE_SECONDS	60
/* Connections served at once, by default (the daemon's max_connections).
 * Postfix opens one per SMTP session with the milter (smtpd's default
 * process limit is 100 per service: 200 with submission). */
#define MSERVER_MAX_CONNS		256
/* SMFIR_PROGRESS while eom() runs this long: below Sendmail's default
 * read timeout at end of message (10 s). */
#define MSERVER_PROGRESS_MS		5000
#define MSERVER_PROGRESS_STEPS		5	/* checks per interval */
#define MSERVER_TICK_MIN_MS		20
/* SMFIR_PROGRESS came with Sendmail 8.13 (protocol version 4). */
#define MSERVER_PROGRESS_VERSION	4
/* At stop, how long connection threads get to finish after shutdown. */
#define MSERVER_JOIN_SECONDS		5

/* A log line from the engine, at most this long (cut there). */
#define MSERVER_LOG_LINE		1024

typedef struct mserver mserver;
typedef void mserver_log_fn(void *ctx, int prio, const char *line);

mserver *mserver_new(const mhandler *h, void *hctx);
int mserver_listen(mserver *srv, const char *spec, char *err,
    size_t errlen);
const char *mserver_unix_path(const mserver *srv);
void mserver_set_max_conns(mserver *srv, unsigned n);
void mserver_set_progress(mserver *srv, unsigned ms);
int mserver_start(mserver *srv, char *err, size_t errlen);
void mserver_stop(mserver *srv, int grace_seconds);
void mserver_free(mserver *srv);
unsigned mserver_threads(mserver *srv, unsigned long *created);
void mserver_set_log(mserver *srv, mserver_log_fn *fn, void *ctx);

#endif
