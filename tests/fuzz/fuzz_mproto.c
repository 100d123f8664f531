/*
 * tests/fuzz/fuzz_mproto.c - libFuzzer target: the milter protocol engine's
 * pure part (milter/mproto.c, milter/msession.c) on arbitrary MTA bytes.
 * Input: byte 0 picks a read size (1-64), byte 1 the protocol flags the
 * "MTA" offers (bits 0-1) and the packet bound (bit 7 set: 64 << bits
 * 4-6 bytes, else the negotiated one); a fixed option negotiation is
 * played first, then the rest is the MTA's byte stream. Every framed
 * packet also goes through every command decoder. A header packet over
 * the bound is skipped as mserver.c does (mproto_skip, then
 * msession_oversized). The stream runs twice through a session with a
 * handler that records its calls, looks macros up, sets reply codes and
 * inserts a header at end of message: once whole, once arriving in reads
 * of the picked size as mserver.c buffers them. Both runs must end the
 * same way, with the same calls, warnings and reply bytes (abort
 * otherwise).
 */
#include "milter/msession_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static strbuf *trace;

static void
note(char c, const char *s)
{
	sb_putc(trace, c);
	if (s != NULL)
		sb_append(trace, s, strlen(s) > 32 ? 32 : strlen(s));
}

static mstat
f_negotiate(msession *s, uint32_t a, uint32_t p, uint32_t *pa, uint32_t *pp)
{
	(void)s;
	(void)a;
	(void)p;
	*pa = MPF_ADDHDRS | MPF_CHGHDRS | MPF_QUARANTINE;
	*pp = MPP_HDR_LEADSPC | MPP_NOUNKNOWN | MPP_NODATA | MPP_NR_HDR |
	    MPP_NR_EOH | MPP_NR_BODY;
	return MS_CONTINUE;
}

static mstat
f_connect(msession *s, const mproto_connect *c)
{
	note('C', c->ip);
	note('h', c->host);
	note('i', msession_getsymval(s, "j"));
	return c->port == 1 ? MS_TEMPFAIL : MS_CONTINUE;
}

static mstat
f_helo(msession *s, const char *helo)
{
	(void)s;
	note('H', helo);
	return helo[0] == 'r' ? MS_REJECT : MS_CONTINUE;
}

static mstat
f_envfrom(msession *s, const char **argv, size_t argc)
{
	note('M', argv[0]);
	note('#', argc > 1 ? argv[argc - 1] : NULL);
	note('i', msession_getsymval(s, "{i}"));
	if (argv[0][0] == 't') {
		(void)msession_setreply(s, "451", "4.3.2", argv[0]);
		return MS_TEMPFAIL;
	}
	return MS_CONTINUE;
}

static mstat
f_envrcpt(msession *s, const char **argv, size_t argc)
{
	(void)argc;
	note('R', argv[0]);
	if (argv[0][0] == 'r') {
		(void)msession_setreply(s, "550", NULL, argv[0]);
		return MS_REJECT;
	}
	return argv[0][0] == 'a' ? MS_ACCEPT : MS_CONTINUE;
}

static mstat
f_header(msession *s, const char *name, const char *value, size_t vlen)
{
	(void)s;
	note('L', name);
	note(':', value);
	return vlen == 7 ? MS_TEMPFAIL : MS_CONTINUE;
}

static mstat
f_eoh(msession *s)
{
	(void)s;
	note('N', NULL);
	return MS_CONTINUE;
}

static mstat
f_body(msession *s, const unsigned char *d, size_t len)
{
	(void)s;
	(void)d;
	sb_printf(trace, "B%zu", len);
	return MS_CONTINUE;
}

static mstat
f_eom(msession *s)
{
	const char *q = msession_getsymval(s, "i");

	note('E', q);
	(void)msession_chgheader(s, 1, "Authentication-Results", NULL);
	(void)msession_insheader(s, 0, "Authentication-Results",
	    q != NULL ? q : " none");
	(void)msession_quarantine(s, q);
	(void)msession_setreply(s, "550", "5.7.1", q);
	return q != NULL && q[0] == 'r' ? MS_REJECT : MS_ACCEPT;
}

static void
f_abort(msession *s)
{
	(void)s;
	note('A', NULL);
}

static void
f_close(msession *s)
{
	(void)s;
	note('Z', NULL);
}

static mstat
f_header_skipped(msession *s, const char *name, size_t size)
{
	(void)s;
	note('S', name);
	sb_printf(trace, "%zu", size);
	return size % 3 == 0 ? MS_TEMPFAIL : MS_CONTINUE;
}

static const mhandler fh = {
	f_negotiate, f_connect, f_helo, f_envfrom, f_envrcpt, NULL, f_header,
	f_eoh, f_body, f_eom, f_abort, f_close, f_header_skipped,
};

/* Every decoder on one packet: a defined result, nothing else. */
static void
decode_all(const mproto_pkt *p)
{
	const char *argv[9], *a, *b, *why;
	mproto_optneg o;
	mproto_connect c;
	size_t n;
	int st;

	(void)mproto_dec_optneg(p, &o, &why);
	if (mproto_dec_macro(p, &st, &a, &n, &why) == 0)
		(void)mproto_macro_get(a, n, "{i}");
	(void)mproto_dec_connect(p, &c, &why);
	(void)mproto_dec_str(p, &a, &why);
	(void)mproto_dec_argv(p, argv, 8, &n, &why);
	(void)mproto_dec_header(p, &a, &b, &n, &why);
}

typedef struct run {
	strbuf calls;
	strbuf out;
	int end;		/* 0 more input wanted, 1 quit, -1 error */
} run;

/* The stream in reads of 'chunk' bytes, buffered and framed as mserver.c
 * does; chunk 0 = all at once. */
static void
play(const unsigned char *in, size_t len, uint32_t prot, size_t max,
    size_t chunk, int decode, run *r)
{
	static const unsigned char optneg_head[] = { 0, 0, 0, 13, 'O' };
	unsigned char neg[17], *buf;
	msession s;
	mproto_pkt p;
	mproto_skip k;
	size_t have = 0, off = 0, used, n, bound;
	const char *why, *warn;
	int rc, skipping = 0;

	sb_init(&r->calls);
	sb_init(&r->out);
	r->end = 0;
	trace = &r->calls;
	buf = malloc(len + 1);
	if (buf == NULL)
		abort();
	memcpy(neg, optneg_head, 5);
	memcpy(neg + 5, "\0\0\0\6\0\0\1\xff", 8);
	neg[13] = (unsigned char)(prot >> 24);
	neg[14] = (unsigned char)(prot >> 16);
	neg[15] = (unsigned char)(prot >> 8);
	neg[16] = (unsigned char)prot;
	msession_init(&s, &fh, NULL);
	if (mproto_frame(neg, sizeof(neg), &p, &used, &why) != 1 ||
	    msession_packet(&s, &p, &why) != MSESSION_OK)
		abort();
	while (r->end == 0 && off < len) {
		n = chunk == 0 || chunk > len - off ? len - off : chunk;
		memcpy(buf + have, in + off, n);
		have += n;
		off += n;
		for (;;) {
			if (skipping) {
				used = mproto_skip_feed(&k, buf, have);
				memmove(buf, buf + used, have - used);
				have -= used;
				if (!k.done)
					break;
				skipping = 0;
				rc = msession_oversized(&s, &k, &why);
			} else {
				bound = msession_max_data(&s);
				rc = mproto_frame_max(buf, have, max < bound ? max :
				    bound, &p, &used, &why);
				if (rc == 0)
					break;
				if (rc == MPROTO_FRAME_BIG && p.cmd == MPC_HEADER &&
				    msession_version(&s) != 0) {
					memmove(buf, buf + used, have - used);
					have -= used;
					mproto_skip_start(&k, &p);
					skipping = 1;
					continue;
				}
				if (rc != 1) {
					r->end = -1;
					break;
				}
				if (decode)
					decode_all(&p);
				rc = msession_packet(&s, &p, &why);
				memmove(buf, buf + used, have - used);
				have -= used;
			}
			if ((warn = msession_warning(&s)) != NULL)
				note('W', warn);
			if (rc != MSESSION_OK) {
				r->end = rc == MSESSION_QUIT ? 1 : -1;
				break;
			}
		}
		if (msession_out(&s)->len > 0)
			sb_append(&r->out, msession_out(&s)->data,
			    msession_out(&s)->len);
		msession_out(&s)->len = 0;
	}
	msession_free(&s);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t prots[4] = {
		0x1fffff, 0x1fffff & ~0xc0080u, 0x3f, 0x201fffff
	};
	run whole, part;
	size_t chunk, max;
	uint32_t prot;

	if (size < 2)
		return 0;
	chunk = (size_t)data[0] % 64 + 1;
	prot = prots[data[1] % 4];
	max = data[1] & 0x80 ? (size_t)64 << ((data[1] >> 4) & 7) :
	    MPROTO_DATA_MAX;
	play(data + 2, size - 2, prot, max, 0, 1, &whole);
	play(data + 2, size - 2, prot, max, chunk, 0, &part);
	if (whole.end != part.end || whole.calls.failed || part.calls.failed ||
	    whole.calls.len != part.calls.len || whole.out.len != part.out.len ||
	    (whole.calls.len > 0 && memcmp(whole.calls.s, part.calls.s,
	    whole.calls.len) != 0) ||
	    (whole.out.len > 0 && memcmp(whole.out.s, part.out.s,
	    whole.out.len) != 0))
		abort();
	sb_free(&whole.calls);
	sb_free(&whole.out);
	sb_free(&part.calls);
	sb_free(&part.out);
	return 0;
}
