/*
 * contrib/milterbench/milterproto.c - milter protocol v6 packet encoding and
 * reply decoding for the MTA side (contract in milterproto.h). No I/O, no
 * output: errors come back as a reason string.
 */
#include "contrib/milterbench/milterproto.h"

#include <stdlib.h>
#include <string.h>

void
mp_buf_init(mp_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = MP_DATA_MAX;
}

void
mp_buf_free(mp_buf *b)
{
	free(b->data);
	mp_buf_init(b);
}

int
mp_buf_set_max(mp_buf *b, size_t max)
{
	if (max == 0 || max > MP_DATA_ABS_MAX)
		return -1;
	b->max = max;
	return 0;
}

static int
buf_reserve(mp_buf *b, size_t more)
{
	size_t cap;
	unsigned char *p;

	if (more > SIZE_MAX / 2 - b->len)
		return -1;
	if (b->len + more <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/*
 * Packets are built in place: reserve the head, append fields, then patch
 * the length. pkt_begin returns the offset of the head.
 */
static int
pkt_begin(mp_buf *b, int cmd, size_t *off)
{
	if (buf_reserve(b, MP_HDR_LEN) < 0)
		return -1;
	*off = b->len;
	b->data[b->len + 4] = (unsigned char)cmd;
	b->len += MP_HDR_LEN;
	return 0;
}

static int
pkt_add(mp_buf *b, const void *data, size_t len)
{
	if (buf_reserve(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static int
pkt_addstr(mp_buf *b, const char *s)
{
	return pkt_add(b, s, strlen(s) + 1);
}

static int
pkt_end(mp_buf *b, size_t off)
{
	size_t n = b->len - off - 4;	/* command byte + data */

	if (n - 1 > b->max) {
		b->len = off;
		return -1;
	}
	put32(b->data + off, (uint32_t)n);
	return 0;
}

int
mp_enc_packet(mp_buf *b, int cmd, const void *data, size_t len)
{
	size_t off;

	if (len > b->max || pkt_begin(b, cmd, &off) < 0)
		return -1;
	if (pkt_add(b, data, len) < 0) {
		b->len = off;
		return -1;
	}
	return pkt_end(b, off);
}

int
mp_enc_optneg(mp_buf *b, uint32_t ver, uint32_t act, uint32_t prot)
{
	unsigned char d[MILTER_OPTLEN];

	put32(d, ver);
	put32(d + 4, act);
	put32(d + 8, prot);
	return mp_enc_packet(b, SMFIC_OPTNEG, d, sizeof(d));
}

int
mp_enc_macros(mp_buf *b, int for_cmd, const char *const *nv, size_t n)
{
	unsigned char c = (unsigned char)for_cmd;
	size_t off, i;

	if (pkt_begin(b, SMFIC_MACRO, &off) < 0)
		return -1;
	if (pkt_add(b, &c, 1) < 0)
		goto fail;
	for (i = 0; i < 2 * n; i++)
		if (pkt_addstr(b, nv[i]) < 0)
			goto fail;
	return pkt_end(b, off);
fail:
	b->len = off;
	return -1;
}

int
mp_enc_connect(mp_buf *b, const char *host, int family, unsigned port,
    const char *addr)
{
	unsigned char f = (unsigned char)family, p[2];
	size_t off;

	p[0] = (unsigned char)(port >> 8);
	p[1] = (unsigned char)port;
	if (pkt_begin(b, SMFIC_CONNECT, &off) < 0)
		return -1;
	if (pkt_addstr(b, host) < 0 || pkt_add(b, &f, 1) < 0)
		goto fail;
	/* SMFIA_UNKNOWN carries no port or address */
	if (family != SMFIA_UNKNOWN &&
	    (pkt_add(b, p, 2) < 0 || pkt_addstr(b, addr) < 0))
		goto fail;
	return pkt_end(b, off);
fail:
	b->len = off;
	return -1;
}

int
mp_enc_strings(mp_buf *b, int cmd, const char *const *s, size_t n)
{
	size_t off, i;

	if (pkt_begin(b, cmd, &off) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (pkt_addstr(b, s[i]) < 0) {
			b->len = off;
			return -1;
		}
	return pkt_end(b, off);
}

int
mp_enc_header(mp_buf *b, const char *name, const char *value)
{
	const char *nv[2];

	nv[0] = name;
	nv[1] = value;
	return mp_enc_strings(b, SMFIC_HEADER, nv, 2);
}

int
mp_parse_len(const unsigned char hdr[MP_HDR_LEN], uint32_t *len,
    const char **why)
{
	uint32_t n = get32(hdr);

	if (n == 0) {
		*why = "packet length 0 (no command byte)";
		return -1;
	}
	if (n - 1 > MP_REPLY_MAX) {
		*why = "packet longer than MP_REPLY_MAX (SMFIP_MDS_1M)";
		return -1;
	}
	*len = n - 1;
	return 0;
}

/* Take one NUL-terminated string at *pos; -1 when it runs past the end. */
static int
take_str(const unsigned char *d, size_t len, size_t *pos, const char **out)
{
	const unsigned char *nul;

	if (*pos >= len)
		return -1;
	nul = memchr(d + *pos, '\0', len - *pos);
	if (nul == NULL)
		return -1;
	*out = (const char *)d + *pos;
	*pos = (size_t)(nul - d) + 1;
	return 0;
}

/* Reply commands and the shape of their data. */
enum shape { NONE, OPTNEG, STR, STR_OPT2, NAMEVAL, IDX_NAMEVAL, RAW };

static const struct {
	int cmd;
	const char *name;
	enum shape shape;
} replies[] = {
	{ SMFIR_ACCEPT, "accept", NONE },
	{ SMFIR_CONTINUE, "continue", NONE },
	{ SMFIR_DISCARD, "discard", NONE },
	{ SMFIR_REJECT, "reject", NONE },
	{ SMFIR_TEMPFAIL, "tempfail", NONE },
	{ SMFIR_SKIP, "skip", NONE },
	{ SMFIR_PROGRESS, "progress", NONE },
	{ SMFIR_SHUTDOWN, "shutdown", NONE },
	{ SMFIR_CONN_FAIL, "connfail", NONE },
	{ SMFIR_REPLYCODE, "replycode", STR },
	{ SMFIR_QUARANTINE, "quarantine", STR },
	{ SMFIR_ADDRCPT, "addrcpt", STR },
	{ SMFIR_DELRCPT, "delrcpt", STR },
	{ SMFIR_ADDRCPT_PAR, "addrcpt_par", STR_OPT2 },
	{ SMFIR_CHGFROM, "chgfrom", STR_OPT2 },
	{ SMFIR_ADDHEADER, "addheader", NAMEVAL },
	{ SMFIR_INSHEADER, "insheader", IDX_NAMEVAL },
	{ SMFIR_CHGHEADER, "chgheader", IDX_NAMEVAL },
	{ SMFIR_REPLBODY, "replbody", RAW },
	{ SMFIC_OPTNEG, "optneg", OPTNEG },
};
#define NREPLIES (sizeof(replies) / sizeof(replies[0]))

const char *
mp_reply_name(int cmd)
{
	size_t i;

	for (i = 0; i < NREPLIES; i++)
		if (replies[i].cmd == cmd)
			return replies[i].name;
	return "unknown";
}

int
mp_decode_reply(int cmd, const unsigned char *d, size_t len, mp_reply *r,
    const char **why)
{
	size_t i, pos = 0;
	const char *dummy;

	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	for (i = 0; i < NREPLIES && replies[i].cmd != cmd; i++)
		;
	if (i == NREPLIES) {
		*why = "unknown reply command";
		return -1;
	}
	switch (replies[i].shape) {
	case NONE:
		/* libmilter sends these without data; tolerate none else */
		if (len != 0) {
			*why = "unexpected data after a data-less reply";
			return -1;
		}
		return 0;
	case RAW:
		return 0;
	case OPTNEG:
		if (len < MILTER_OPTLEN) {
			*why = "option negotiation reply shorter than 12 bytes";
			return -1;
		}
		r->version = get32(d);
		r->actions = get32(d + 4);
		r->protocol = get32(d + 8);
		/* optional SMFIR_SETSYMLIST lists follow; not used here */
		return 0;
	case STR:
		if (take_str(d, len, &pos, &r->text) < 0)
			goto unterminated;
		return 0;
	case STR_OPT2:
		if (take_str(d, len, &pos, &r->text) < 0)
			goto unterminated;
		if (pos < len && take_str(d, len, &pos, &dummy) < 0)
			goto unterminated;
		return 0;
	case IDX_NAMEVAL:
		if (len < 4) {
			*why = "header index shorter than 4 bytes";
			return -1;
		}
		r->index = get32(d);
		pos = 4;
		/* FALLTHROUGH */
	case NAMEVAL:
		if (take_str(d, len, &pos, &r->name) < 0 ||
		    take_str(d, len, &pos, &r->value) < 0)
			goto unterminated;
		if (r->name[0] == '\0') {
			*why = "empty header name";
			return -1;
		}
		return 0;
	}
unterminated:
	*why = "string field not NUL-terminated within the packet";
	return -1;
}
