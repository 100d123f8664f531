/*
 * milter/msession.h - one milter connection's protocol state machine,
 * filter side, and the handler interface between it and the filter (our
 * own smfiDesc). Pure: packets in, reply bytes out, no I/O and no threads,
 * so a whole dialogue is unit-tested and fuzzed without a socket.
 *
 * SYNOPSIS
 *	#include "milter/msession.h"
 *
 *	void	msession_init(msession *s, const mhandler *h, void *hctx);
 *	int	msession_packet(msession *s, const mproto_pkt *pkt,
 *		    const char **why);
 *	void	msession_end(msession *s);
 *	void	msession_free(msession *s);
 *	int	msession_in_message(const msession *s);
 *	mproto_buf *msession_out(msession *s);
 *	size_t	msession_max_data(const msession *s);
 *	uint32_t msession_version(const msession *s);
 *	int	msession_oversized(msession *s, const mproto_skip *k,
 *		    const char **why);
 *	const char *msession_warning(msession *s);
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
 *
 * DESCRIPTION
 *	A handler (mhandler) is a table of callbacks, each optional (NULL:
 *	continue). They return an mstat; the session turns it into the reply
 *	the MTA expects, or none where the MTA negotiated "no reply" for that
 *	step (SMFIP_NR_*): the handler never needs to know. negotiate() gets
 *	the MTA's offered actions and protocol flags and says what it wants;
 *	the session keeps only what was offered and adds SMFIP_MDS_1M when
 *	the MTA offers it, else SMFIP_MDS_256K when offered (as libmilter
 *	built with _FFR_MDS_NEGOTIATE does); msession_max_data() is then the
 *	packet data bound the caller frames with (mproto_frame_max): 256 KB
 *	with SMFIP_MDS_256K, else 1 MB (Postfix negotiates no size and sends
 *	a header field up to its header_size_limit in one packet; so does
 *	every MTA before negotiation). msession_version() is the version
 *	agreed (0 before negotiation). connect() gets
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
 *	During eom() only: msession_addheader/insheader/chgheader/quarantine
 *	append modifications (sent before the final reply, in one write);
 *	values are given as they follow the colon, with their leading space
 *	(as with SMFIP_HDR_LEADSPC); when the MTA did not agree to take them
 *	verbatim (it adds a space itself: Sendmail 8.13, Postfix with
 *	milter_protocol 4 or less) one leading space is dropped (not from a
 *	change to " ", which would become a deletion). They
 *	return -1 when the action was not negotiated (SMFIF_ADDHDRS,
 *	SMFIF_CHGHDRS, SMFIF_QUARANTINE), a field is refused (mproto.h) or
 *	memory runs out. msession_setreply() returns -1 on a reply mproto.h
 *	refuses (the reply then stays unset).
 *
 *	msession_warning() returns a note for the log once (a static string,
 *	or NULL): something dropped without failing the dialogue.
 */
#ifndef AUTHMILTER_MSESSION_H
#define AUTHMILTER_MSESSION_H

#include <stddef.h>
#include <stdint.h>

#include "milter/mproto.h"

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

typedef enum mstat {
	MS_CONTINUE = 0,
	MS_ACCEPT,
	MS_REJECT,
	MS_TEMPFAIL,
	MS_DISCARD
} mstat;

enum { MSESSION_OK = 0, MSESSION_QUIT = 1, MSESSION_ERROR = -1 };

/* Macro stages, in protocol order. */
enum {
	MS_STAGE_CONNECT, MS_STAGE_HELO, MS_STAGE_MAIL, MS_STAGE_RCPT,
	MS_STAGE_DATA, MS_STAGE_EOH, MS_STAGE_EOM, MS_STAGE_COUNT
};

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
size_t msession_max_data(const msession *s);
uint32_t msession_version(const msession *s);
int msession_oversized(msession *s, const mproto_skip *k, const char **why);
const char *msession_warning(msession *s);

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

#endif
