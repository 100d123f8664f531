/*
 * contrib/milterbench/milterproto.h - milter protocol version 6, MTA side:
 * packet encoding and reply decoding, no I/O.
 *
 * SUMMARY
 *	Builds the packets an MTA (Postfix, Sendmail) sends to a milter and
 *	decodes the packets a milter sends back. Pure functions over memory,
 *	so they are unit-tested without a socket (tests/contrib/check_milterbench.c).
 *
 * SYNOPSIS
 *	#include "contrib/milterbench/milterproto.h"
 *
 *	void	mp_buf_init(mp_buf *b);
 *	void	mp_buf_free(mp_buf *b);
 *	int	mp_buf_set_max(mp_buf *b, size_t max);
 *	int	mp_enc_packet(mp_buf *b, int cmd, const void *data, size_t len);
 *	int	mp_enc_optneg(mp_buf *b, uint32_t ver, uint32_t act, uint32_t prot);
 *	int	mp_enc_macros(mp_buf *b, int for_cmd, const char *const *nv, size_t n);
 *	int	mp_enc_connect(mp_buf *b, const char *host, int family,
 *		    unsigned port, const char *addr);
 *	int	mp_enc_strings(mp_buf *b, int cmd, const char *const *s, size_t n);
 *	int	mp_enc_header(mp_buf *b, const char *name, const char *value);
 *	int	mp_parse_len(const unsigned char hdr[MP_HDR_LEN], uint32_t *len,
 *		    const char **why);
 *	int	mp_decode_reply(int cmd, const unsigned char *data, size_t len,
 *		    mp_reply *r, const char **why);
 *	const char *mp_reply_name(int cmd);
 *
 * DESCRIPTION
 *	A packet is a 4-byte big-endian length (command byte + data), the
 *	command byte, then the data (libmilter's mfdef.h, MILTER_LEN_BYTES).
 *
 *	mp_enc_*() append one packet to an mp_buf (growing it) and return 0,
 *	or -1 when memory runs out or a field cannot be encoded (a string
 *	with an embedded NUL cannot occur; data over the buffer's limit,
 *	MP_DATA_MAX unless raised, is refused and leaves no bytes).
 *
 *	mp_buf_set_max() sets the largest packet data the buffer encodes
 *	(the peer's limit, e.g. MP_MDS_1M for a milter that called
 *	smfi_setmaxdatasize; a soak test raises it past the peer's limit on
 *	purpose). It returns 0, or -1 when max is 0 or over MP_DATA_ABS_MAX.
 *	mp_buf_init() and mp_buf_free() reset it to MP_DATA_MAX.
 *	mp_enc_macros() takes n name/value pairs in nv[0..2n-1].
 *	mp_enc_strings() sends n NUL-terminated strings (HELO, MAIL, RCPT).
 *
 *	mp_parse_len() reads the 5-byte packet head's length field and checks
 *	it against 1..MP_REPLY_MAX; it returns 0 or -1 with *why set.
 *
 *	mp_decode_reply() checks one reply packet (command byte cmd, len bytes
 *	of data after it) and fills *r; string fields point into data, which
 *	must stay alive. It returns 0, or -1 with *why set when the packet is
 *	malformed (a string not NUL-terminated, a short integer, an unknown
 *	command). mp_reply_name() names a reply command for reports.
 */
#ifndef MILTERPROTO_H
#define MILTERPROTO_H

#include <stddef.h>
#include <stdint.h>

#include <libmilter/mfdef.h>

#define MP_HDR_LEN	5		/* length (4) + command (1), mfdef.h */
#define MP_VERSION	6		/* SMFI_PROT_VERSION spoken by Postfix 2.6+ */
#define MP_CHUNK_MAX	65535		/* MILTER_CHUNK_SIZE: body chunk limit */
#define MP_DATA_MAX	65535		/* MILTER_MAX_DATA_SIZE: default packet limit */
#define MP_REPLY_MAX	(1024 * 1024)	/* SMFIP_MDS_1M: largest reply we accept */
#define MP_MDS_1M	(1024 * 1024 - 1)	/* MILTER_MDS_1M, mfdef.h */
#define MP_DATA_ABS_MAX	(16 * 1024 * 1024)	/* mp_buf_set_max bound (ours) */

typedef struct mp_buf {
	unsigned char *data;
	size_t len;
	size_t cap;
	size_t max;		/* largest packet data encoded (mp_buf_set_max) */
} mp_buf;

typedef struct mp_reply {
	int cmd;			/* SMFIR_* */
	uint32_t version, actions, protocol;	/* SMFIC_OPTNEG reply */
	uint32_t index;			/* SMFIR_INSHEADER / SMFIR_CHGHEADER */
	const char *name;		/* header name (add/ins/chg) */
	const char *value;		/* header value; chgheader "" = delete */
	const char *text;		/* replycode text, quarantine reason */
} mp_reply;

void mp_buf_init(mp_buf *b);
void mp_buf_free(mp_buf *b);
int mp_buf_set_max(mp_buf *b, size_t max);
int mp_enc_packet(mp_buf *b, int cmd, const void *data, size_t len);
int mp_enc_optneg(mp_buf *b, uint32_t ver, uint32_t act, uint32_t prot);
int mp_enc_macros(mp_buf *b, int for_cmd, const char *const *nv, size_t n);
int mp_enc_connect(mp_buf *b, const char *host, int family, unsigned port,
    const char *addr);
int mp_enc_strings(mp_buf *b, int cmd, const char *const *s, size_t n);
int mp_enc_header(mp_buf *b, const char *name, const char *value);
int mp_parse_len(const unsigned char hdr[MP_HDR_LEN], uint32_t *len,
    const char **why);
int mp_decode_reply(int cmd, const unsigned char *data, size_t len,
    mp_reply *r, const char **why);
const char *mp_reply_name(int cmd);

#endif
