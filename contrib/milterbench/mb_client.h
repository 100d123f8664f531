/*
 * contrib/milterbench/mb_client.h - one MTA-side milter connection: connect,
 * negotiate protocol version 6, and run one message's dialogue as Postfix
 * does, collecting the milter's final action and modifications.
 *
 * SUMMARY
 *	Blocking I/O on one socket, meant for one thread. Packets that need no
 *	reply are batched and written together with the next one that does, so
 *	the client costs few system calls per message.
 *
 * SYNOPSIS
 *	#include "contrib/milterbench/mb_client.h"
 *
 *	int	mb_conn_open(mb_conn *c, const char *spec, int timeout_s,
 *		    char *err, size_t errlen);
 *	void	mb_conn_close(mb_conn *c);
 *	int	mb_conn_message(mb_conn *c, const mb_message *m, mb_hdrs *h,
 *		    mb_result *r);
 *	int	mb_conn_message_cut(mb_conn *c, const mb_message *m, mb_hdrs *h,
 *		    mb_result *r, const mb_cut *cut);
 *	void	mb_conn_drop(mb_conn *c);
 *	void	mb_result_reset(mb_result *r);
 *	void	mb_result_free(mb_result *r);
 *	long	mb_now_us(void);
 *
 * DESCRIPTION
 *	mb_conn_open() connects to spec ("unix:/path", "local:/path" or
 *	"inet:port@host", host a numeric IPv4/IPv6 address or a name) and
 *	negotiates options: version MP_VERSION, all SMFI_CURR_ACTS actions and
 *	all SMFI_CURR_PROT protocol steps offered, as Postfix does. Returns 0,
 *	or -1 with a reason in err.
 *
 *	mb_conn_message() runs one SMTP session for m over the connection:
 *	macros, CONNECT (family and port), HELO, MAIL ({i}, {mail_addr},
 *	{auth_authen} when m->auth is set), RCPT, DATA, one SMFIC_HEADER per
 *	header of h, EOH, BODY chunks of at most MP_CHUNK_MAX bytes, BODYEOB;
 *	steps the milter asked to skip (SMFIP_NO*) are not sent and replies
 *	it said it would not send (SMFIP_NR_*) are not awaited. Between
 *	messages it sends SMFIC_QUIT_NC so the next one starts a new session
 *	on the same connection; an early final reply is followed by ABORT.
 *	libmilter accepts QUIT_NC only after a CONTINUE at end of message
 *	(after ACCEPT or an early reply its state machine ignores QUIT_NC and
 *	CONNECT): c->reusable says whether that holds, and a caller must open a
 *	new connection otherwise (as Postfix does for every SMTP session).
 *	Header modifications are recorded in r and applied to h (so a next
 *	milter sees them). Returns 0 when the dialogue completed (r->action
 *	names the final reply), -1 on a protocol or I/O failure (r->error
 *	says why; the connection is then closed and must be reopened).
 *	Body packets are written whenever MB_FLUSH_BYTES are pending, so a
 *	huge message never sits in memory twice.
 *
 *	mb_conn_message_cut() is the same dialogue cut short as cut says
 *	(NULL = not cut): after cut->headers headers (SIZE_MAX = all), or
 *	else after cut->body bytes of the body (the chunk at the cut is
 *	shortened; >= the body length cuts just before end of message). Then
 *	MB_CUT_ABORT sends SMFIC_ABORT (an SMTP RSET: the connection stays
 *	open and the next message on it starts at MAIL, as Postfix does),
 *	MB_CUT_DROP closes the socket without a word (a crashed or cut-off
 *	MTA). It returns 1 when the cut happened (r->action stays 0), 0 when
 *	a final reply came before the cut point, -1 on failure as above.
 *	mb_conn_drop() closes the connection without SMFIC_QUIT.
 *	r->eom_us is the end-of-message latency: from queueing SMFIC_BODYEOB
 *	(the write of any body bytes still pending included) to the final
 *	reply. mb_now_us() is CLOCK_MONOTONIC in microseconds.
 */
#ifndef MB_CLIENT_H
#define MB_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "contrib/milterbench/mb_corpus.h"
#include "contrib/milterbench/milterproto.h"

#define MB_MODS_MAX	64	/* modifications kept per message (report) */
#define MB_FLUSH_BYTES	(1024 * 1024)	/* body bytes queued before a write */

enum { MB_CUT_ABORT = 1, MB_CUT_DROP = 2 };

typedef struct mb_cut {
	int kind;		/* MB_CUT_ABORT or MB_CUT_DROP */
	size_t headers;		/* headers sent before the cut; SIZE_MAX = all */
	size_t body;		/* else body bytes sent before the cut */
} mb_cut;

/* Replies are read in blocks of this size and decoded from the buffer: the
 * client shares the CPUs with the milter it measures, so it spends one
 * read per burst of reply packets, not two per packet. */
#define MB_READ_BUF 4096

typedef struct mb_conn {
	int fd;
	uint32_t prot;		/* negotiated SMFIP_* flags */
	uint32_t acts;		/* negotiated SMFIF_* actions */
	unsigned long sessions;	/* SMTP sessions run on this connection */
	int reusable;		/* libmilter state allows SMFIC_QUIT_NC now */
	int mid_session;	/* after an abort: next message starts at MAIL */
	mp_buf out;		/* pending packets */
	unsigned char *in;	/* last reply's data */
	size_t incap;
	unsigned char rbuf[MB_READ_BUF];	/* bytes read, not yet decoded */
	size_t roff, rlen;
} mb_conn;

typedef struct mb_mod {
	int op;			/* SMFIR_ADDHEADER / INSHEADER / CHGHEADER */
	uint32_t index;
	char *name;
	char *value;
} mb_mod;

typedef struct mb_result {
	int action;		/* final SMFIR_*; 0 = none (error) */
	char *text;		/* replycode text, or NULL */
	char *quarantine;	/* quarantine reason, or NULL */
	mb_mod mods[MB_MODS_MAX];
	size_t nmods;
	size_t nprogress;
	const char *error;	/* static reason when mb_conn_message failed */
	long eom_us;		/* end of message: BODYEOB sent -> final reply */
} mb_result;

int mb_conn_open(mb_conn *c, const char *spec, int timeout_s, char *err,
    size_t errlen);
void mb_conn_close(mb_conn *c);
int mb_conn_message(mb_conn *c, const mb_message *m, mb_hdrs *h,
    mb_result *r);
int mb_conn_message_cut(mb_conn *c, const mb_message *m, mb_hdrs *h,
    mb_result *r, const mb_cut *cut);
void mb_conn_drop(mb_conn *c);
void mb_result_reset(mb_result *r);
void mb_result_free(mb_result *r);
long mb_now_us(void);

#endif
