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
 *	int	mserver_start(mserver *srv, char *err, size_t errlen);
 *	void	mserver_stop(mserver *srv, int grace_seconds);
 *	void	mserver_free(mserver *srv);
 *	unsigned mserver_threads(mserver *srv, unsigned long *created);
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
 *	MSERVER_RBUF bytes (grown for a larger packet up to the packet limit,
 *	then shrunk back), every complete packet in it handled, then the
 *	replies written with one send(). The socket's receive timeout is
 *	MSERVER_IDLE_SECONDS (libmilter's default), so read() blocks without
 *	a poll() before it. A packet over the limit (MPROTO_DATA_MAX) or a
 *	protocol error is logged (a warning naming it) and the connection
 *	closed without a reply, as libmilter does: the MTA then applies its
 *	milter_default_action. Idle pool threads wait in accept() (the kernel
 *	gives a new connection to one of them); a thread that accepts while
 *	no other is left in accept() starts one more, up to
 *	MSERVER_MAX_CONNS threads (then it logs once, and new connections
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
 *	frees. Logs through log.h; knows nothing of what the handler does.
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
/* Connections served at once. Postfix opens one per SMTP session with
 * the milter (smtpd's default process limit is 100 per service). */
#define MSERVER_MAX_CONNS		512
/* At stop, how long connection threads get to finish after shutdown. */
#define MSERVER_JOIN_SECONDS		5

typedef struct mserver mserver;

mserver *mserver_new(const mhandler *h, void *hctx);
int mserver_listen(mserver *srv, const char *spec, char *err,
    size_t errlen);
const char *mserver_unix_path(const mserver *srv);
int mserver_start(mserver *srv, char *err, size_t errlen);
void mserver_stop(mserver *srv, int grace_seconds);
void mserver_free(mserver *srv);
unsigned mserver_threads(mserver *srv, unsigned long *created);

#endif
