/*
 * milter/msession_int.h - one milter connection's protocol state machine,
 * filter side (private to milter/ and its tests): it calls the handler
 * (the interface a filter sees is in milter.h). Pure: packets in, reply
 * bytes out, no I/O and no threads, so a whole dialogue is unit-tested
 * and fuzzed without a socket.
 *
 * SYNOPSIS
 *	#include "milter/msession_int.h"
 *
 *	void	msession_init(msession *s, const mhandler *h, void *hctx);
 *	int	msession_packet(msession *s, const mproto_pkt *pkt,
 *		    const char **why);
 *	void	msession_end(msession *s);
 *	void	msession_free(msession *s);
 *	int	msession_in_message(const msession *s);
 *	mproto_buf *msession_out(msession *s);
 *	uint32_t msession_version(const msession *s);
 *	int	msession_oversized(msession *s, const mproto_skip *k,
 *		    const char **why);
 *	const char *msession_warning(msession *s);
 *
 * DESCRIPTION
 *	The handler's callbacks, the verdicts they return and what they may
 *	call are described in milter.h. msession_max_data() (milter.h) is
 *	the packet data bound the caller frames with (mproto_frame_max).
 *	msession_version() is the version agreed (0 before negotiation).
 *
 *	Macros: each SMFIC_MACRO packet replaces the macros of its stage
 *	(connect, HELO, MAIL, RCPT, DATA, end of header, end of message;
 *	others are ignored); each command drops the macros of the stages
 *	after its own, as libmilter does; msession_getsymval() looks in the
 *	current stage and then the earlier ones (smfi_getsymval(3)). The
 *	macros of all stages together hold at most MSESSION_MACROS_MAX bytes
 *	(buffers counted): a stage whose macros would pass it gets none, and
 *	msession_warning() says so once.
 *
 *	A header packet over the bound (MPROTO_FRAME_BIG) after negotiation
 *	is skipped by the caller (mproto_skip) and then given to
 *	msession_oversized(); any other is a protocol error. A header field
 *	(SMFIC_HEADER) is answered as any header: header_skipped() gets its
 *	name (from the bytes kept, cut at MPROTO_SKIP_KEEP) and its size;
 *	without that callback the message gets TEMPFAIL (a header the filter
 *	never saw must not pass as checked). A field with an empty name, or
 *	any other command over the bound, is a protocol error (MSESSION_ERROR
 *	with *why, as msession_packet()).
 *
 *	msession_packet() handles one packet (mproto_frame) and appends the
 *	replies due to msession_out(), which the caller writes and empties.
 *	It returns MSESSION_OK, MSESSION_QUIT (SMFIC_QUIT: close after
 *	writing what is pending) or MSESSION_ERROR with *why (a malformed
 *	packet, a command before option negotiation, an unknown command, an
 *	MTA protocol version below 2, out of memory): the caller logs it and
 *	closes the connection, as libmilter does. msession_end() ends the
 *	connection's session (abort() when in a message, then close());
 *	msession_free() calls it and frees the buffers; msession_init() may
 *	be called again after it. msession_in_message() says whether a
 *	message is between MAIL and its end (for a graceful stop).
 *
 *	msession_warning() returns a note for the log once (a static string,
 *	or NULL): something dropped without failing the dialogue.
 */
#ifndef AUTHMILTER_MSESSION_INT_H
#define AUTHMILTER_MSESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "milter/milter.h"
#include "milter/mproto_int.h"

/* Argument strings kept from MAIL and RCPT (the address and ESMTP
 * parameters); more are ignored. Postfix sends a handful. */
#define MSESSION_ARGV_MAX	64
/* The macros of all stages of a connection, in bytes (local limit:
 * Postfix and Sendmail send a few hundred bytes per stage; without it 7
 * stages of up to 1 MB each could be held). */
#define MSESSION_MACROS_MAX	(64 * 1024)
/* A stage's emptied buffer up to this size is kept for the next message;
 * a larger one is freed. */
#define MSESSION_MACRO_KEEP	1024

enum { MSESSION_OK = 0, MSESSION_QUIT = 1, MSESSION_ERROR = -1 };

/* Macro stages, in protocol order. */
enum {
	MS_STAGE_CONNECT, MS_STAGE_HELO, MS_STAGE_MAIL, MS_STAGE_RCPT,
	MS_STAGE_DATA, MS_STAGE_EOH, MS_STAGE_EOM, MS_STAGE_COUNT
};

typedef struct ms_macros {
	char *buf;		/* name\0value\0... as received */
	size_t len;
	size_t cap;
} ms_macros;

/* A verdict: the reply letter (0: none) and, for SMFIR_REPLYCODE, its line. */
typedef struct ms_verdict {
	int cmd;
	char line[MPROTO_REPLY_MAX + 1];
} ms_verdict;

struct msession {
	const mhandler *h;
	void *hctx;		/* the handler's, shared by its sessions */
	void *priv;		/* the handler's, per session */
	mproto_buf out;
	int negotiated;
	uint32_t version;	/* the protocol version agreed */
	size_t max_data;	/* packet data bound (mproto_frame_max) */
	const char *warning;	/* msession_warning() */
	int macros_warned;
	uint32_t actions;	/* negotiated SMFIF_* */
	uint32_t protocol;	/* negotiated SMFIP_* */
	int opened;		/* close() is due */
	int connected;		/* CONNECT seen in this session */
	int msg_open;		/* envfrom() called, no eom() or abort() yet */
	int in_eom;		/* modifications allowed */
	ms_verdict conn_v;	/* ended the SMTP session's filtering */
	ms_verdict msg_v;	/* ended the message's filtering */
	char reply[MPROTO_REPLY_MAX + 1];	/* msession_setreply(); "" none */
	ms_macros mac[MS_STAGE_COUNT];
};

void msession_init(msession *s, const mhandler *h, void *hctx);
int msession_packet(msession *s, const mproto_pkt *pkt, const char **why);
void msession_end(msession *s);
void msession_free(msession *s);
int msession_in_message(const msession *s);
mproto_buf *msession_out(msession *s);
uint32_t msession_version(const msession *s);
int msession_oversized(msession *s, const mproto_skip *k, const char **why);
const char *msession_warning(msession *s);

#endif
