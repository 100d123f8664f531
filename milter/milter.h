/*
 * milter/milter.h - the milter protocol engine (Sendmail's milter
 * protocol, versions 2 to 6, filter side), as a filter uses it: the
 * server (mserver: the listening socket and a pool of reusable threads
 * that accept connections themselves and serve one at a time), the
 * handler interface (mhandler: our own smfiDesc, and what its callbacks
 * may call) and the protocol's action and step flags. It knows nothing
 * of mail authentication: it could serve any milter. The public header
 * of milter/; mproto_int.h (the wire format), msession_int.h (one
 * connection's state machine) and msocket_int.h (the socket) are its
 * insides, private to milter/ and its tests.
 *
 * SYNOPSIS
 *	#include "milter/milter.h"
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
 *	int	mserver_socket_path(const char *spec, char *path,
 *		    size_t pathlen, char *err, size_t errlen);
 *	int	mserver_tcp_addr(const char *spec,
 *		    struct sockaddr_storage *sa, socklen_t *salen,
 *		    char *err, size_t errlen);
 *	int	mserver_tcp_listen(const char *spec, char *err, size_t errlen);
 *
 *	Inside handler callbacks:
 *	void	*msession_priv(const msession *s);
 *	void	msession_set_priv(msession *s, void *priv);
 *	void	*msession_hctx(const msession *s);
 *	const char *msession_getsymval(const msession *s, const char *name);
 *	int	msession_setreply(msession *s, const char *rcode,
 *		    const char *xcode, const char *text);
 *	int	msession_addheader(msession *s, const char *name,
 *		    const char *value);
 *	int	msession_insheader(msession *s, uint32_t index,
 *		    const char *name, const char *value);
 *	int	msession_chgheader(msession *s, uint32_t index,
 *		    const char *name, const char *value);
 *	int	msession_quarantine(msession *s, const char *reason);
 *	size_t	msession_max_data(const msession *s);
 *
 * DESCRIPTION
 *	The flags (MPF_*: SMFIF_*, MPP_*: SMFIP_*) and connection families
 *	(MPA_*: SMFIA_*) have the bit values of libmilter's mfdef.h and
 *	mfapi.h; the names are ours, so nothing here needs libmilter.
 *
 *	A handler (mhandler) is a table of callbacks, each optional (NULL:
 *	continue). They return an mstat; the session turns it into the reply
 *	the MTA expects, or none where the MTA negotiated "no reply" for that
 *	step (SMFIP_NR_*): the handler never needs to know. negotiate() gets
 *	the MTA's offered actions and protocol flags and says what it wants;
 *	the session keeps only what was offered and adds SMFIP_MDS_1M when
 *	the MTA offers it, else SMFIP_MDS_256K when offered (as libmilter
 *	built with _FFR_MDS_NEGOTIATE does); msession_max_data() is then the
 *	largest packet data the MTA may send: 256 KB with SMFIP_MDS_256K,
 *	else 1 MB (Postfix negotiates no size and sends a header field up to
 *	its header_size_limit in one packet; so does every MTA before
 *	negotiation). connect() gets
 *	the decoded connect packet (mproto_connect). abort() is called when
 *	the MTA aborts a message (SMFIC_ABORT) and at the end of a connection
 *	in the middle of one; close() when a session ends (QUIT, QUIT_NC, a
 *	new CONNECT on the same connection, the connection's end), once per
 *	session that saw OPTNEG or CONNECT.
 *
 *	Verdicts: ACCEPT, REJECT, TEMPFAIL or DISCARD from connect() (or
 *	ACCEPT from helo()) end the filtering of the SMTP session; from
 *	envfrom(), data(), header(), eoh(), body() and eom() (and ACCEPT or
 *	DISCARD from envrcpt()) they end the message's. REJECT or TEMPFAIL
 *	from helo() and envrcpt() answer that command only. A REJECT or
 *	TEMPFAIL goes out as SMFIR_REPLYCODE when msession_setreply() set a
 *	text of the same class during that callback (as libmilter does).
 *	Once a verdict ended the session or the message, later commands of
 *	it reach no callback, and each that expects a reply gets the same
 *	verdict again (an MTA that follows the protocol sends none). A
 *	verdict returned for a step the MTA expects no reply to is kept and
 *	sent as the reply to the next command that expects one. MAIL starts
 *	a new message; SMFIC_ABORT ends one; QUIT_NC starts a new session
 *	with the negotiated options kept.
 *
 *	msession_getsymval() gives a macro the MTA sent, looking in the
 *	current stage and then the earlier ones (smfi_getsymval(3)); NULL
 *	when absent (how macros are kept and bounded: msession_int.h). A
 *	header field over the packet bound is never handed to header(): its
 *	name (its first bytes) and size go to header_skipped(); without that
 *	callback the message gets TEMPFAIL (a header the filter never saw
 *	must not pass as checked). msession_priv()/msession_set_priv() hold
 *	the handler's pointer for one session; msession_hctx() is the one
 *	given to mserver_new(), shared by all sessions.
 *
 *	During eom() only: msession_addheader/insheader/chgheader/quarantine
 *	append modifications (sent before the final reply, in one write);
 *	values are given as they follow the colon, with their leading space
 *	(as with SMFIP_HDR_LEADSPC); when the MTA did not agree to take them
 *	verbatim (it adds a space itself: Sendmail 8.13, Postfix with
 *	milter_protocol 4 or less) one leading space is dropped (not from a
 *	change to " ", which would become a deletion). They
 *	return -1 when the action was not negotiated (SMFIF_ADDHDRS,
 *	SMFIF_CHGHDRS, SMFIF_QUARANTINE), a field is refused (mproto_int.h) or
 *	memory runs out. msession_setreply() returns -1 on a reply mproto_int.h
 *	refuses (the reply then stays unset).
 *
 *	mserver_listen() parses spec and binds the socket: call it before
 *	privileges are dropped and before a fork (the descriptor is kept).
 *	spec is what libmilter's smfi_setconn(3) took: "unix:/path",
 *	"local:/path" or a bare "/path" (a unix socket); "inet:PORT@HOST",
 *	"inet:PORT" (any address), "inet6:PORT@HOST", "inet6:PORT"
 *	(msocket_int.h has the details). mserver_unix_path() is the unix
 *	socket's path (to set its mode and owner), NULL for TCP.
 *	mserver_start() starts the pool's first thread (all signals blocked
 *	in the pool threads, so they reach the caller's threads only).
 *
 *	mserver_socket_path() parses spec as mserver_listen() does, without
 *	binding: 1 for a unix socket, its path copied into path (pathlen:
 *	MPROTO_PATH_MAX is always enough), 0 for TCP (path ""), -1 with a
 *	message naming the specification and what is wrong.
 *
 *	mserver_tcp_addr() parses an "inet:PORT@HOST", "inet:PORT",
 *	"inet6:PORT@HOST" or "inet6:PORT" spec with the same rules for
 *	another TCP service of the daemon (the metrics endpoint, and the
 *	client that reads it): the address into sa (salen its length),
 *	0; -1 with a message for a unix socket or a bad spec.
 *	mserver_tcp_listen() does that and binds a listening socket
 *	(SO_REUSEADDR, close-on-exec; before privileges are dropped): its
 *	descriptor, or -1 with a message.
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
 *	Up to two idle pool threads wait in accept() (the kernel gives a
 *	new connection to one of them), the other idle threads on a stack,
 *	most recently idle first (so connections go to the threads that ran
 *	last, whose caches are warm); a thread that accepts while no other
 *	is left in accept() wakes the top of the stack, else starts one
 *	more, up to max_conns threads (mserver_set_max_conns(), before or
 *	after mserver_start(); default MSERVER_MAX_CONNS; then it logs
 *	once, and new connections wait in the listen queue until a thread
 *	is free). A thread idle for MSERVER_THREAD_IDLE_SECONDS (in
 *	accept() or on the stack) exits, unless it is the last one in
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
#ifndef AUTHMILTER_MILTER_H
#define AUTHMILTER_MILTER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* smfi_setreply(3): libmilter's MAXREPLYLEN for "rcode xcode text". */
#define MPROTO_REPLY_MAX	980
/* Addresses as text: INET6_ADDRSTRLEN (46) and room; a unix path: sun_path. */
#define MPROTO_IP_MAX		64
#define MPROTO_PATH_MAX		108

/* Connection families (SMFIA_*). */
#define MPA_UNKNOWN	'U'
#define MPA_UNIX	'L'
#define MPA_INET	'4'
#define MPA_INET6	'6'

/* Actions the filter may take (SMFIF_*). */
#define MPF_ADDHDRS	0x00000001u
#define MPF_CHGBODY	0x00000002u
#define MPF_ADDRCPT	0x00000004u
#define MPF_DELRCPT	0x00000008u
#define MPF_CHGHDRS	0x00000010u
#define MPF_QUARANTINE	0x00000020u
#define MPF_CHGFROM	0x00000040u
#define MPF_ADDRCPT_PAR	0x00000080u
#define MPF_SETSYMLIST	0x00000100u
#define MPF_V1_ACTS	0x0000000Fu	/* SMFI_V1_ACTS: what actions 0 means */

/* Protocol steps and flags (SMFIP_*). */
#define MPP_NOCONNECT	0x00000001u
#define MPP_NOHELO	0x00000002u
#define MPP_NOMAIL	0x00000004u
#define MPP_NORCPT	0x00000008u
#define MPP_NOBODY	0x00000010u
#define MPP_NOHDRS	0x00000020u
#define MPP_NOEOH	0x00000040u
#define MPP_NR_HDR	0x00000080u
#define MPP_NOUNKNOWN	0x00000100u
#define MPP_NODATA	0x00000200u
#define MPP_SKIP	0x00000400u
#define MPP_RCPT_REJ	0x00000800u
#define MPP_NR_CONN	0x00001000u
#define MPP_NR_HELO	0x00002000u
#define MPP_NR_MAIL	0x00004000u
#define MPP_NR_RCPT	0x00008000u
#define MPP_NR_DATA	0x00010000u
#define MPP_NR_UNKN	0x00020000u
#define MPP_NR_EOH	0x00040000u
#define MPP_NR_BODY	0x00080000u
#define MPP_HDR_LEADSPC	0x00100000u
#define MPP_MDS_256K	0x10000000u
#define MPP_MDS_1M	0x20000000u
#define MPP_V1_PROT	0x0000003Fu	/* SMFI_V1_PROT: what protocol 0 means */

typedef struct mproto_connect {
	const char *host;		/* the client's name as the MTA has it */
	int family;			/* MPA_* */
	unsigned port;
	char ip[MPROTO_IP_MAX];		/* '4', '6': canonical text; else "" */
	const char *path;		/* 'L': the socket path; else "" */
} mproto_connect;

typedef enum mstat {
	MS_CONTINUE = 0,
	MS_ACCEPT,
	MS_REJECT,
	MS_TEMPFAIL,
	MS_DISCARD
} mstat;

typedef struct msession msession;

typedef struct mhandler {
	mstat (*negotiate)(msession *s, uint32_t mta_actions,
	    uint32_t mta_protocol, uint32_t *actions, uint32_t *protocol);
	mstat (*connect)(msession *s, const mproto_connect *c);
	mstat (*helo)(msession *s, const char *helo);
	mstat (*envfrom)(msession *s, const char **argv, size_t argc);
	mstat (*envrcpt)(msession *s, const char **argv, size_t argc);
	mstat (*data)(msession *s);
	mstat (*header)(msession *s, const char *name, const char *value,
	    size_t vlen);
	mstat (*eoh)(msession *s);
	mstat (*body)(msession *s, const unsigned char *data, size_t len);
	mstat (*eom)(msession *s);
	void (*abort)(msession *s);
	void (*close)(msession *s);
	mstat (*header_skipped)(msession *s, const char *name, size_t size);
} mhandler;

void *msession_priv(const msession *s);
void msession_set_priv(msession *s, void *priv);
void *msession_hctx(const msession *s);
const char *msession_getsymval(const msession *s, const char *name);
int msession_setreply(msession *s, const char *rcode, const char *xcode,
    const char *text);
int msession_addheader(msession *s, const char *name, const char *value);
int msession_insheader(msession *s, uint32_t index, const char *name,
    const char *value);
int msession_chgheader(msession *s, uint32_t index, const char *name,
    const char *value);
int msession_quarantine(msession *s, const char *reason);
size_t msession_max_data(const msession *s);

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
int mserver_socket_path(const char *spec, char *path, size_t pathlen,
    char *err, size_t errlen);
int mserver_tcp_addr(const char *spec, struct sockaddr_storage *sa,
    socklen_t *salen, char *err, size_t errlen);
int mserver_tcp_listen(const char *spec, char *err, size_t errlen);

#endif
