/*
 * milter/mproto.c - milter protocol framing, command decoding and reply
 * encoding, filter side (contract in mproto_int.h). No I/O, no logging:
 * errors come back as static reason strings.
 */
#include "milter/mproto_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

int
mproto_frame_max(const unsigned char *buf, size_t len, size_t max,
    mproto_pkt *pkt, size_t *used, const char **why)
{
	uint32_t n;

	pkt->cmd = 0;
	pkt->data = NULL;
	pkt->len = 0;
	*used = MPROTO_HDR_LEN;
	if (len < MPROTO_LEN_BYTES)
		return 0;
	n = get32(buf);
	if (n == 0) {
		*why = "packet length 0 (no command byte)";
		return -1;
	}
	pkt->len = (size_t)n - 1;
	if (len > MPROTO_LEN_BYTES)
		pkt->cmd = buf[MPROTO_LEN_BYTES];
	if (max > MPROTO_DATA_MAX)
		max = MPROTO_DATA_MAX;
	if (pkt->len > max) {
		*why = "packet longer than the limit";
		return len < MPROTO_HDR_LEN ? 0 : MPROTO_FRAME_BIG;
	}
	*used = MPROTO_HDR_LEN + pkt->len;
	if (len < *used)
		return 0;
	pkt->data = buf + MPROTO_HDR_LEN;
	return 1;
}

int
mproto_frame(const unsigned char *buf, size_t len, mproto_pkt *pkt,
    size_t *used, const char **why)
{
	int rc = mproto_frame_max(buf, len, MPROTO_DATA_MAX, pkt, used, why);

	/* over the limit: refused from the length alone */
	if (rc == MPROTO_FRAME_BIG || (rc == 0 && pkt->len > MPROTO_DATA_MAX))
		return -1;
	return rc;
}

void
mproto_skip_start(mproto_skip *k, const mproto_pkt *pkt)
{
	k->cmd = pkt->cmd;
	k->size = pkt->len;
	k->left = pkt->len;
	k->kept = 0;
	k->done = pkt->len == 0;
}

size_t
mproto_skip_feed(mproto_skip *k, const unsigned char *buf, size_t len)
{
	size_t n = len < k->left ? len : k->left, keep;

	if (k->kept < MPROTO_SKIP_KEEP) {
		keep = MPROTO_SKIP_KEEP - k->kept;
		if (keep > n)
			keep = n;
		memcpy(k->keep + k->kept, buf, keep);
		k->kept += keep;
	}
	k->left -= n;
	k->done = k->left == 0;
	return n;
}

int
mproto_dec_optneg(const mproto_pkt *p, mproto_optneg *o, const char **why)
{
	if (p->len < MPROTO_OPTLEN) {
		*why = "option negotiation shorter than 12 bytes";
		return -1;
	}
	o->version = get32(p->data);
	o->actions = get32(p->data + 4);
	o->protocol = get32(p->data + 8);
	if (o->actions == 0)
		o->actions = MPF_V1_ACTS;
	if (o->protocol == 0)
		o->protocol = MPP_V1_PROT;
	return 0;
}

/* The data (or the part from off) is empty or ends with NUL. */
static int
terminated(const mproto_pkt *p, size_t off)
{
	return p->len <= off || p->data[p->len - 1] == '\0';
}

int
mproto_dec_macro(const mproto_pkt *p, int *stage, const char **pairs,
    size_t *plen, const char **why)
{
	if (p->len < 1) {
		*why = "macro packet without a stage byte";
		return -1;
	}
	if (!terminated(p, 1)) {
		*why = "macro string not NUL-terminated";
		return -1;
	}
	*stage = p->data[0];
	*pairs = (const char *)p->data + 1;
	*plen = p->len - 1;
	return 0;
}

/* Does the macro name n (as sent) match the name asked for? "{x}" and "x"
 * are the same one-letter macro (smfi_getsymval). */
static int
macro_match(const char *n, const char *want)
{
	size_t nl = strlen(n), wl = strlen(want);

	if (strcmp(n, want) == 0)
		return 1;
	if (nl == 3 && n[0] == '{' && n[2] == '}' && wl == 1)
		return n[1] == want[0];
	if (wl == 3 && want[0] == '{' && want[2] == '}' && nl == 1)
		return want[1] == n[0];
	return 0;
}

const char *
mproto_macro_get(const char *pairs, size_t plen, const char *name)
{
	const char *p = pairs, *end = pairs + plen, *n, *v;

	while (p < end) {
		n = p;
		p += strnlen(p, (size_t)(end - p)) + 1;
		if (p >= end)
			return NULL;	/* a name without a value */
		v = p;
		p += strnlen(p, (size_t)(end - p)) + 1;
		if (p > end)
			return NULL;	/* unterminated: cannot happen once decoded */
		if (macro_match(n, name))
			return v;
	}
	return NULL;
}

/* The string at *pos, NUL-terminated within the data; moves *pos past it. */
static int
take_str(const mproto_pkt *p, size_t *pos, const char **out)
{
	const unsigned char *nul;

	if (*pos >= p->len)
		return -1;
	nul = memchr(p->data + *pos, '\0', p->len - *pos);
	if (nul == NULL)
		return -1;
	*out = (const char *)p->data + *pos;
	*pos = (size_t)(nul - p->data) + 1;
	return 0;
}

/* The connect address: canonical text for '4' and '6' (zone id and an
 * "IPv6:" prefix dropped). */
static int
parse_ip(int family, const char *addr, char *out, size_t outlen)
{
	unsigned char bin[sizeof(struct in6_addr)];
	char tmp[MPROTO_IP_MAX];
	const char *pct;
	size_t n;

	if (family == MPA_INET)
		return inet_pton(AF_INET, addr, bin) == 1 &&
		    inet_ntop(AF_INET, bin, out, (socklen_t)outlen) != NULL ?
		    0 : -1;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	pct = strchr(addr, '%');
	n = pct != NULL ? (size_t)(pct - addr) : strlen(addr);
	if (n >= sizeof(tmp))
		return -1;
	memcpy(tmp, addr, n);
	tmp[n] = '\0';
	return inet_pton(AF_INET6, tmp, bin) == 1 &&
	    inet_ntop(AF_INET6, bin, out, (socklen_t)outlen) != NULL ? 0 : -1;
}

int
mproto_dec_connect(const mproto_pkt *p, mproto_connect *c, const char **why)
{
	size_t pos = 0;
	const char *addr;

	memset(c, 0, sizeof(*c));
	c->path = "";
	if (take_str(p, &pos, &c->host) < 0) {
		*why = "connect: host name not NUL-terminated";
		return -1;
	}
	if (pos >= p->len) {
		*why = "connect: no address family";
		return -1;
	}
	c->family = p->data[pos++];
	if (c->family == MPA_UNKNOWN)
		return 0;	/* no port, no address (bytes after: ignored) */
	if (c->family != MPA_INET && c->family != MPA_INET6 &&
	    c->family != MPA_UNIX) {
		*why = "connect: unknown address family";
		return -1;
	}
	if (p->len - pos < 2) {
		*why = "connect: no port";
		return -1;
	}
	c->port = (unsigned)p->data[pos] << 8 | p->data[pos + 1];
	pos += 2;
	if (take_str(p, &pos, &addr) < 0) {
		*why = "connect: address not NUL-terminated";
		return -1;
	}
	if (c->family == MPA_UNIX) {
		c->path = addr;
		return 0;
	}
	if (parse_ip(c->family, addr, c->ip, sizeof(c->ip)) < 0) {
		*why = c->family == MPA_INET ? "connect: not an IPv4 address" :
		    "connect: not an IPv6 address";
		return -1;
	}
	return 0;
}

int
mproto_dec_str(const mproto_pkt *p, const char **s, const char **why)
{
	size_t pos = 0;

	if (take_str(p, &pos, s) < 0) {
		*why = "string not NUL-terminated";
		return -1;
	}
	return 0;
}

int
mproto_dec_argv(const mproto_pkt *p, const char **argv, size_t max,
    size_t *argc, const char **why)
{
	size_t pos = 0, n = 0;
	const char *s;

	if (p->len == 0 || !terminated(p, 0)) {
		*why = p->len == 0 ? "no argument" :
		    "argument not NUL-terminated";
		return -1;
	}
	while (take_str(p, &pos, &s) == 0)
		if (n < max)
			argv[n++] = s;
	argv[n] = NULL;
	*argc = n;
	return 0;
}

int
mproto_dec_header(const mproto_pkt *p, const char **name,
    const char **value, size_t *vlen, const char **why)
{
	size_t pos = 0;

	if (take_str(p, &pos, name) < 0 || take_str(p, &pos, value) < 0) {
		*why = "header: name or value not NUL-terminated";
		return -1;
	}
	if (pos != p->len) {
		*why = "header: bytes after the value";
		return -1;
	}
	if ((*name)[0] == '\0') {
		*why = "header: empty name";
		return -1;
	}
	*vlen = strlen(*value);
	return 0;
}

/* ---- encoding ---- */

void
mproto_buf_init(mproto_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
mproto_buf_free(mproto_buf *b)
{
	free(b->data);
	mproto_buf_init(b);
}

/* Room for one packet of dlen data bytes; its head is written. */
static unsigned char *
pkt_open(mproto_buf *b, int cmd, size_t dlen)
{
	size_t need, cap;
	unsigned char *p;

	if (dlen > MPROTO_DATA_MAX)
		return NULL;
	need = b->len + MPROTO_HDR_LEN + dlen;
	if (need > b->cap) {
		cap = b->cap ? b->cap : 512;
		while (cap < need)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return NULL;
		b->data = p;
		b->cap = cap;
	}
	p = b->data + b->len;
	put32(p, (uint32_t)(dlen + 1));
	p[4] = (unsigned char)cmd;
	b->len = need;
	return p + MPROTO_HDR_LEN;
}

static unsigned char *
put_str(unsigned char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	p[n] = '\0';
	return p + n + 1;
}

int
mproto_enc_optneg(mproto_buf *b, uint32_t version, uint32_t actions,
    uint32_t protocol)
{
	unsigned char *p = pkt_open(b, MPC_OPTNEG, MPROTO_OPTLEN);

	if (p == NULL)
		return -1;
	put32(p, version);
	put32(p + 4, actions);
	put32(p + 8, protocol);
	return 0;
}

int
mproto_enc_reply(mproto_buf *b, int cmd)
{
	switch (cmd) {
	case MPR_ACCEPT: case MPR_CONTINUE: case MPR_DISCARD:
	case MPR_PROGRESS: case MPR_REJECT: case MPR_SKIP: case MPR_TEMPFAIL:
		return pkt_open(b, cmd, 0) != NULL ? 0 : -1;
	default:
		return -1;	/* not a data-less reply */
	}
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "C.S.D": class digit, then 1-3 digits, 1-3 digits (RFC 3463). */
static int
xcode_ok(const char *x, char class)
{
	size_t i = 0, part, n;

	if (x[0] != class || x[1] != '.')
		return 0;
	i = 2;
	for (part = 0; part < 2; part++) {
		for (n = 0; is_digit(x[i]); i++)
			n++;
		if (n < 1 || n > 3)
			return 0;
		if (part == 0 && x[i++] != '.')
			return 0;
	}
	return x[i] == '\0';
}

int
mproto_fmt_reply(char *out, size_t outlen, const char *rcode,
    const char *xcode, const char *text)
{
	size_t n, pct = 0, i, xl;
	const char *s;
	char *p;

	if (rcode == NULL || strlen(rcode) != 3 ||
	    (rcode[0] != '4' && rcode[0] != '5') || !is_digit(rcode[1]) ||
	    !is_digit(rcode[2]))
		return -1;
	if (xcode == NULL)
		xcode = rcode[0] == '4' ? "4.0.0" : "5.0.0";
	if (!xcode_ok(xcode, rcode[0]))
		return -1;
	if (text == NULL)
		text = "";
	for (s = text; *s != '\0'; s++) {
		if (*s == '\r' || *s == '\n')
			return -1;
		if (*s == '%')
			pct++;
	}
	xl = strlen(xcode);
	n = 3 + 1 + xl + (text[0] != '\0' ? 1 + strlen(text) + pct : 0);
	if (n > MPROTO_REPLY_MAX || n >= outlen)
		return -1;
	p = out;
	memcpy(p, rcode, 3);
	p[3] = ' ';
	p += 4;
	memcpy(p, xcode, xl);
	p += xl;
	if (text[0] != '\0') {
		*p++ = ' ';
		for (i = 0; text[i] != '\0'; i++) {
			*p++ = text[i];
			if (text[i] == '%')
				*p++ = '%';
		}
	}
	*p = '\0';
	return (int)n;
}

int
mproto_enc_replyline(mproto_buf *b, const char *line)
{
	size_t n = strlen(line);
	unsigned char *p;

	if (n == 0 || n > MPROTO_REPLY_MAX ||
	    (p = pkt_open(b, MPR_REPLYCODE, n + 1)) == NULL)
		return -1;
	(void)put_str(p, line, n);
	return 0;
}

int
mproto_enc_replycode(mproto_buf *b, const char *rcode, const char *xcode,
    const char *text)
{
	char line[MPROTO_REPLY_MAX + 1];

	if (mproto_fmt_reply(line, sizeof(line), rcode, xcode, text) < 0)
		return -1;
	return mproto_enc_replyline(b, line);
}

/* RFC 5322 3.6.8: field-name = 1*ftext, printable US-ASCII except ':'. */
static int
name_ok(const char *name)
{
	const char *s;

	if (name == NULL || name[0] == '\0')
		return 0;
	for (s = name; *s != '\0'; s++)
		if (*s < 33 || *s > 126 || *s == ':')
			return 0;
	return 1;
}

static int
enc_header(mproto_buf *b, int cmd, int indexed, uint32_t index,
    const char *name, const char *value)
{
	size_t nl, vl, dlen;
	unsigned char *p;

	if (!name_ok(name))
		return -1;
	if (value == NULL)
		value = "";
	nl = strlen(name);
	vl = strlen(value);
	if (nl > MPROTO_DATA_MAX || vl > MPROTO_DATA_MAX)
		return -1;
	dlen = (indexed ? 4 : 0) + nl + 1 + vl + 1;
	if ((p = pkt_open(b, cmd, dlen)) == NULL)
		return -1;
	if (indexed) {
		put32(p, index);
		p += 4;
	}
	p = put_str(p, name, nl);
	(void)put_str(p, value, vl);
	return 0;
}

int
mproto_enc_addheader(mproto_buf *b, const char *name, const char *value)
{
	return enc_header(b, MPR_ADDHEADER, 0, 0, name, value);
}

int
mproto_enc_insheader(mproto_buf *b, uint32_t index, const char *name,
    const char *value)
{
	return enc_header(b, MPR_INSHEADER, 1, index, name, value);
}

int
mproto_enc_chgheader(mproto_buf *b, uint32_t index, const char *name,
    const char *value)
{
	return enc_header(b, MPR_CHGHEADER, 1, index, name, value);
}

int
mproto_enc_quarantine(mproto_buf *b, const char *reason)
{
	size_t n;
	unsigned char *p;

	if (reason == NULL || reason[0] == '\0')
		return -1;
	n = strlen(reason);
	if (n > MPROTO_DATA_MAX - 1 || (p = pkt_open(b, MPR_QUARANTINE,
	    n + 1)) == NULL)
		return -1;
	(void)put_str(p, reason, n);
	return 0;
}
