/*
 * milter/mproto_int.h - the milter protocol (versions 2 to 6, as Postfix
 * and Sendmail speak it), filter side: framing, command decoding, reply
 * encoding (private to milter/ and its tests; the flags and the connect
 * packet a filter sees are in milter.h). Pure: no I/O, no threads, no
 * logging, so every function is unit-tested byte for byte
 * (tests/milter/check_mproto.c) and fuzzed (tests/fuzz/fuzz_mproto.c).
 *
 * SYNOPSIS
 *	#include "milter/mproto_int.h"
 *
 *	int	mproto_frame(const unsigned char *buf, size_t len,
 *		    mproto_pkt *pkt, size_t *used, const char **why);
 *	int	mproto_frame_max(const unsigned char *buf, size_t len,
 *		    size_t max, mproto_pkt *pkt, size_t *used,
 *		    const char **why);
 *	void	mproto_skip_start(mproto_skip *k, const mproto_pkt *pkt);
 *	size_t	mproto_skip_feed(mproto_skip *k, const unsigned char *buf,
 *		    size_t len);
 *	int	mproto_dec_optneg(const mproto_pkt *p, mproto_optneg *o,
 *		    const char **why);
 *	int	mproto_dec_macro(const mproto_pkt *p, int *stage,
 *		    const char **pairs, size_t *plen, const char **why);
 *	const char *mproto_macro_get(const char *pairs, size_t plen,
 *		    const char *name);
 *	int	mproto_dec_connect(const mproto_pkt *p, mproto_connect *c,
 *		    const char **why);
 *	int	mproto_dec_str(const mproto_pkt *p, const char **s,
 *		    const char **why);
 *	int	mproto_dec_argv(const mproto_pkt *p, const char **argv,
 *		    size_t max, size_t *argc, const char **why);
 *	int	mproto_dec_header(const mproto_pkt *p, const char **name,
 *		    const char **value, size_t *vlen, const char **why);
 *
 *	void	mproto_buf_init(mproto_buf *b);
 *	void	mproto_buf_free(mproto_buf *b);
 *	int	mproto_enc_optneg(mproto_buf *b, uint32_t version,
 *		    uint32_t actions, uint32_t protocol);
 *	int	mproto_enc_reply(mproto_buf *b, int cmd);
 *	int	mproto_enc_replycode(mproto_buf *b, const char *rcode,
 *		    const char *xcode, const char *text);
 *	int	mproto_fmt_reply(char *out, size_t outlen, const char *rcode,
 *		    const char *xcode, const char *text);
 *	int	mproto_enc_replyline(mproto_buf *b, const char *line);
 *	int	mproto_enc_addheader(mproto_buf *b, const char *name,
 *		    const char *value);
 *	int	mproto_enc_insheader(mproto_buf *b, uint32_t index,
 *		    const char *name, const char *value);
 *	int	mproto_enc_chgheader(mproto_buf *b, uint32_t index,
 *		    const char *name, const char *value);
 *	int	mproto_enc_quarantine(mproto_buf *b, const char *reason);
 *
 * DESCRIPTION
 *	A packet is a 4-byte big-endian length counting the command byte and
 *	the data, the command byte, then the data (libmilter's mfdef.h).
 *	The letters and bit values below (and in milter.h) are those of
 *	libmilter's mfdef.h and mfapi.h; the names are ours, so nothing here
 *	needs libmilter.
 *
 *	mproto_frame() looks at the start of buf: it returns 1 with one
 *	packet in *pkt (data points into buf) and *used its whole size;
 *	0 when more bytes are needed (*used: the bytes the packet needs in
 *	all once its head is known, else MPROTO_HDR_LEN); -1 with *why when
 *	the length is 0 (no command byte) or the data is longer than
 *	MPROTO_DATA_MAX (pkt->cmd and pkt->len then hold the command and the
 *	declared data length, for the log line).
 *
 *	mproto_frame_max() is the same with the data bound max (at most
 *	MPROTO_DATA_MAX; what the MTA negotiated), except that a packet
 *	longer than max is not an error: as soon as its head is there it
 *	returns MPROTO_FRAME_BIG with pkt->cmd and pkt->len (the declared
 *	data length) and *used = MPROTO_HDR_LEN (the head only; data NULL),
 *	so the caller can skip it without holding it: mproto_skip_start()
 *	then mproto_skip_feed() with the bytes that follow, which consumes
 *	(returns) at most what is left of the packet's data, keeps its first
 *	MPROTO_SKIP_KEEP bytes in k->keep (k->kept of them) and sets k->done
 *	once all k->size bytes went by. Memory: the skip state, whatever the
 *	declared length (up to 4 GB).
 *
 *	The decoders check one packet's data and return 0, or -1 with *why
 *	(a field not NUL-terminated, too short, an unknown family, an
 *	address that does not parse). Strings point into the packet data.
 *	mproto_dec_optneg(): 12 bytes (version, actions, protocol); more
 *	bytes are ignored; actions 0 and protocol 0 mean the version-1 sets,
 *	as in libmilter. mproto_dec_macro(): the stage byte (the command the
 *	macros are for), then NUL-terminated name/value strings in *pairs
 *	(*plen bytes, 0 or ending with NUL); mproto_macro_get() finds a name
 *	there as smfi_getsymval(3) does ("{x}" also matches "x" and the
 *	other way round), NULL when absent; a name without a value is never
 *	found. mproto_dec_connect(): host\0, family '4' '6' 'L' 'U', then
 *	(not for 'U') port (u16 big-endian) and address\0. An IPv4 or IPv6
 *	address is parsed and written back in c->ip in canonical form; an
 *	IPv6 zone id ("fe80::1%eth0") and an "IPv6:" prefix are dropped
 *	(libmilter drops the connection on a zone id). For 'L' c->ip is
 *	empty and c->path is the socket path; for 'U' both are empty.
 *	mproto_dec_str(): HELO and UNKNOWN: the first string, which must be
 *	NUL-terminated (bytes after it are ignored). mproto_dec_argv(): MAIL
 *	and RCPT: one or more strings filling the data (last byte NUL); at
 *	most max are kept (the rest are ignored), argv[*argc] = NULL, so
 *	argv has room for max + 1. mproto_dec_header(): exactly name\0value\0
 *	with a non-empty name; *vlen = strlen(value).
 *
 *	The encoders append one reply packet to b (grown as needed) and
 *	return 0, or -1 (b unchanged) when memory runs out or a field is
 *	refused: data over MPROTO_DATA_MAX; an empty header name or one with
 *	a byte outside RFC 5322 ftext (printable US-ASCII but ':'); an empty
 *	quarantine reason. mproto_enc_reply() sends a data-less reply
 *	(continue, accept, reject, tempfail, discard, progress, skip).
 *	mproto_enc_replycode() sends "RCODE XCODE TEXT\0" as smfi_setreply(3)
 *	builds it: rcode three digits starting 4 or 5; xcode NULL (then
 *	"4.0.0" or "5.0.0") or "C.S.D" with C the rcode's class; text NULL or
 *	free of CR and LF, its '%' doubled (the MTA formats the text); the
 *	whole line at most MPROTO_REPLY_MAX bytes. mproto_fmt_reply() only
 *	formats that line into out (returns its length, or -1 as above or
 *	when it does not fit); mproto_enc_replyline() sends a line made so.
 *	mproto_enc_chgheader()
 *	with value NULL or "" deletes the index-th field of that name (1 is
 *	the first); mproto_enc_insheader() index 0 is the top of the header.
 */
#ifndef AUTHMILTER_MPROTO_INT_H
#define AUTHMILTER_MPROTO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "milter/milter.h"

#define MPROTO_LEN_BYTES	4	/* packet length field (mfdef.h) */
#define MPROTO_HDR_LEN		5	/* length + command byte */
#define MPROTO_OPTLEN		12	/* version, actions, protocol (mfdef.h) */
#define MPROTO_VERSION		6	/* SMFI_PROT_VERSION: Postfix 2.6+, Sendmail 8.14+ */
#define MPROTO_VERSION_MIN	2	/* the oldest version still spoken */
/*
 * Largest packet data accepted: MILTER_MDS_1M, what authmilter always asked
 * libmilter for (smfi_setmaxdatasize). Postfix sends a header field in one
 * packet up to header_size_limit (100 KB by default, and an administrator
 * may raise it); body chunks are at most MILTER_CHUNK_SIZE (64 KB - 1).
 */
#define MPROTO_DATA_MAX		(1024 * 1024 - 1)
/* The sizes an MTA may offer (SMFIP_MDS_*, mfdef.h MILTER_MDS_*). */
#define MPROTO_MDS_256K		(256 * 1024 - 1)
#define MPROTO_MDS_1M		(1024 * 1024 - 1)
/* Bytes kept of a packet skipped for its size (mproto_skip): a header
 * field's name and NUL (RFC 5322 2.1.1 bounds a line to 998 octets). */
#define MPROTO_SKIP_KEEP	1024
/* mproto_frame_max(): a packet over the bound, to skip. */
#define MPROTO_FRAME_BIG	2

/* Commands, MTA to filter (SMFIC_*). */
#define MPC_ABORT	'A'
#define MPC_BODY	'B'
#define MPC_CONNECT	'C'
#define MPC_MACRO	'D'
#define MPC_BODYEOB	'E'
#define MPC_HELO	'H'
#define MPC_QUIT_NC	'K'
#define MPC_HEADER	'L'
#define MPC_MAIL	'M'
#define MPC_EOH		'N'
#define MPC_OPTNEG	'O'
#define MPC_QUIT	'Q'
#define MPC_RCPT	'R'
#define MPC_DATA	'T'
#define MPC_UNKNOWN	'U'

/* Replies, filter to MTA (SMFIR_*). */
#define MPR_ACCEPT	'a'
#define MPR_CONTINUE	'c'
#define MPR_DISCARD	'd'
#define MPR_ADDHEADER	'h'
#define MPR_INSHEADER	'i'
#define MPR_CHGHEADER	'm'
#define MPR_PROGRESS	'p'
#define MPR_QUARANTINE	'q'
#define MPR_REJECT	'r'
#define MPR_SKIP	's'
#define MPR_TEMPFAIL	't'
#define MPR_REPLYCODE	'y'

typedef struct mproto_pkt {
	int cmd;			/* command byte */
	const unsigned char *data;	/* len bytes after it */
	size_t len;
} mproto_pkt;

typedef struct mproto_optneg {
	uint32_t version;
	uint32_t actions;
	uint32_t protocol;
} mproto_optneg;

typedef struct mproto_skip {
	int cmd;			/* the skipped packet's command */
	size_t size;			/* its declared data length */
	size_t left;			/* data bytes still to come */
	size_t kept;			/* bytes in keep */
	int done;
	unsigned char keep[MPROTO_SKIP_KEEP];
} mproto_skip;

typedef struct mproto_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
} mproto_buf;

int mproto_frame(const unsigned char *buf, size_t len, mproto_pkt *pkt,
    size_t *used, const char **why);
int mproto_frame_max(const unsigned char *buf, size_t len, size_t max,
    mproto_pkt *pkt, size_t *used, const char **why);
void mproto_skip_start(mproto_skip *k, const mproto_pkt *pkt);
size_t mproto_skip_feed(mproto_skip *k, const unsigned char *buf, size_t len);
int mproto_dec_optneg(const mproto_pkt *p, mproto_optneg *o,
    const char **why);
int mproto_dec_macro(const mproto_pkt *p, int *stage, const char **pairs,
    size_t *plen, const char **why);
const char *mproto_macro_get(const char *pairs, size_t plen,
    const char *name);
int mproto_dec_connect(const mproto_pkt *p, mproto_connect *c,
    const char **why);
int mproto_dec_str(const mproto_pkt *p, const char **s, const char **why);
int mproto_dec_argv(const mproto_pkt *p, const char **argv, size_t max,
    size_t *argc, const char **why);
int mproto_dec_header(const mproto_pkt *p, const char **name,
    const char **value, size_t *vlen, const char **why);

void mproto_buf_init(mproto_buf *b);
void mproto_buf_free(mproto_buf *b);
int mproto_enc_optneg(mproto_buf *b, uint32_t version, uint32_t actions,
    uint32_t protocol);
int mproto_enc_reply(mproto_buf *b, int cmd);
int mproto_enc_replycode(mproto_buf *b, const char *rcode,
    const char *xcode, const char *text);
int mproto_fmt_reply(char *out, size_t outlen, const char *rcode,
    const char *xcode, const char *text);
int mproto_enc_replyline(mproto_buf *b, const char *line);
int mproto_enc_addheader(mproto_buf *b, const char *name, const char *value);
int mproto_enc_insheader(mproto_buf *b, uint32_t index, const char *name,
    const char *value);
int mproto_enc_chgheader(mproto_buf *b, uint32_t index, const char *name,
    const char *value);
int mproto_enc_quarantine(mproto_buf *b, const char *reason);

#endif
