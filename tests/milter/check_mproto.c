/*
 * tests/milter/check_mproto.c - the milter protocol codec, filter side
 * (milter/mproto.c): framing (every truncation of a packet, zero length,
 * the 1 MB limit and one byte over it), every command decoder on
 * hand-made bytes and on packets from the benchmark's independent MTA-side
 * encoder (contrib/milterbench/milterproto.c, compiled in), malformed
 * fields (missing NULs, bad family, bad addresses), and every reply
 * encoder byte for byte (%-doubling, CR/LF refusal, reply code checks).
 */
#include "contrib/milterbench/milterproto.c"

#include "milter/mproto_int.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* Frame one whole packet from an MTA-side buffer. */
static mproto_pkt
frame_one(const mp_buf *b)
{
	mproto_pkt p;
	size_t used;
	const char *why = NULL;

	ck_assert_int_eq(mproto_frame(b->data, b->len, &p, &used, &why), 1);
	ck_assert_uint_eq(used, b->len);
	return p;
}

static void
assert_out(const mproto_buf *b, const void *want, size_t len)
{
	ck_assert_uint_eq(b->len, len);
	ck_assert(memcmp(b->data, want, len) == 0);
}

START_TEST(test_frame_truncated)
{
	static const unsigned char pkt[] = {
		0, 0, 0, 9, 'L', 'F', 'r', 'o', 'm', 0, ' ', 'a', 0,
		0, 0, 0, 1, 'N'
	};
	mproto_pkt p;
	size_t n, used;
	const char *why;

	/* every prefix shorter than the first packet: need more */
	for (n = 0; n < 13; n++) {
		ck_assert_int_eq(mproto_frame(pkt, n, &p, &used, &why), 0);
		ck_assert_uint_eq(used, n < 4 ? MPROTO_HDR_LEN : 13);
	}
	ck_assert_int_eq(mproto_frame(pkt, sizeof(pkt), &p, &used, &why), 1);
	ck_assert_uint_eq(used, 13);
	ck_assert_int_eq(p.cmd, 'L');
	ck_assert_uint_eq(p.len, 8);
	ck_assert(p.data == pkt + 5);
	/* the second one, data-less */
	ck_assert_int_eq(mproto_frame(pkt + 13, 4, &p, &used, &why), 0);
	ck_assert_int_eq(mproto_frame(pkt + 13, 5, &p, &used, &why), 1);
	ck_assert_int_eq(p.cmd, 'N');
	ck_assert_uint_eq(p.len, 0);
	ck_assert_uint_eq(used, 5);
}
END_TEST

START_TEST(test_frame_limits)
{
	unsigned char head[5] = { 0, 0, 0, 0, 'B' };
	mproto_pkt p;
	size_t used;
	const char *why = NULL;
	uint32_t n;

	ck_assert_int_eq(mproto_frame(head, 5, &p, &used, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert(strstr(why, "length 0") != NULL);
	/* exactly the limit: fine, the rest is awaited */
	n = MPROTO_DATA_MAX + 1;
	head[0] = (unsigned char)(n >> 24);
	head[1] = (unsigned char)(n >> 16);
	head[2] = (unsigned char)(n >> 8);
	head[3] = (unsigned char)n;
	ck_assert_int_eq(mproto_frame(head, 5, &p, &used, &why), 0);
	ck_assert_uint_eq(used, 5 + (size_t)MPROTO_DATA_MAX);
	/* one byte over: refused from the head alone, size reported */
	n++;
	head[1] = (unsigned char)(n >> 16);
	head[2] = (unsigned char)(n >> 8);
	head[3] = (unsigned char)n;
	why = NULL;
	ck_assert_int_eq(mproto_frame(head, 5, &p, &used, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_uint_eq(p.len, (size_t)MPROTO_DATA_MAX + 1);
	ck_assert_int_eq(p.cmd, 'B');
	memset(head, 0xff, 4);
	ck_assert_int_eq(mproto_frame(head, 4, &p, &used, &why), -1);
	ck_assert_uint_eq(p.len, 0xfffffffeu);
}
END_TEST

/* A packet over the bound given: reported from its head, then skipped
 * in pieces, keeping its first bytes. */
START_TEST(test_frame_big_skip)
{
	unsigned char in[5 + 300];
	mproto_pkt p;
	mproto_skip k;
	size_t used, n, off;
	const char *why = NULL;

	memset(in, 'v', sizeof(in));
	in[0] = 0;
	in[1] = 0;
	in[2] = 301 >> 8;
	in[3] = 301 & 0xff;
	in[4] = 'L';
	memcpy(in + 5, "Subject\0", 8);
	/* within the bound: an ordinary packet, once whole */
	ck_assert_int_eq(mproto_frame_max(in, 100, 300, &p, &used, &why), 0);
	ck_assert_uint_eq(used, 305);
	ck_assert_int_eq(mproto_frame_max(in, sizeof(in), 300, &p, &used,
	    &why), 1);
	/* over it: MPROTO_FRAME_BIG once the head is there */
	ck_assert_int_eq(mproto_frame_max(in, 4, 200, &p, &used, &why), 0);
	ck_assert_int_eq(mproto_frame_max(in, 5, 200, &p, &used, &why),
	    MPROTO_FRAME_BIG);
	ck_assert_uint_eq(used, 5);
	ck_assert_uint_eq(p.len, 300);
	ck_assert_int_eq(p.cmd, 'L');
	/* the bound never passes MPROTO_DATA_MAX */
	{
		static const unsigned char head[5] = { 0, 0x20, 0, 0x01, 'L' };
		mproto_pkt q;

		ck_assert_int_eq(mproto_frame_max(head, 5, (size_t)-1, &q,
		    &used, &why), MPROTO_FRAME_BIG);
		ck_assert_uint_eq(q.len, 0x200000);
	}
	mproto_skip_start(&k, &p);
	ck_assert(!k.done);
	for (off = 5; off < sizeof(in); off += n) {
		n = mproto_skip_feed(&k, in + off, off + 7 < sizeof(in) ? 7 :
		    sizeof(in) - off);
		ck_assert_uint_gt(n, 0);
	}
	ck_assert(k.done);
	ck_assert_uint_eq(k.size, 300);
	ck_assert_uint_eq(k.kept, 300);
	ck_assert_str_eq((const char *)k.keep, "Subject");
	/* it takes no byte past the packet, and keeps MPROTO_SKIP_KEEP */
	p.len = 5000;
	mproto_skip_start(&k, &p);
	{
		unsigned char big[6000];

		memset(big, 'x', sizeof(big));
		ck_assert_uint_eq(mproto_skip_feed(&k, big, sizeof(big)), 5000);
	}
	ck_assert(k.done);
	ck_assert_uint_eq(k.kept, MPROTO_SKIP_KEEP);
	/* an empty packet is done at once */
	p.len = 0;
	mproto_skip_start(&k, &p);
	ck_assert(k.done);
}
END_TEST

START_TEST(test_optneg)
{
	static const unsigned char in[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff,
		0, 0x1f, 0xff, 0xff
	};
	static const unsigned char out[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0, 0x31,
		0x20, 0x1c, 0x03, 0x00
	};
	mproto_pkt p;
	mproto_optneg o;
	mproto_buf b;
	size_t used;
	const char *why;

	ck_assert_int_eq(mproto_frame(in, sizeof(in), &p, &used, &why), 1);
	ck_assert_int_eq(mproto_dec_optneg(&p, &o, &why), 0);
	ck_assert_uint_eq(o.version, 6);
	ck_assert_uint_eq(o.actions, 0x1ff);
	ck_assert_uint_eq(o.protocol, 0x1fffff);
	/* 0 means the version-1 sets (libmilter) */
	p.data = (const unsigned char *)"\0\0\0\2\0\0\0\0\0\0\0\0";
	ck_assert_int_eq(mproto_dec_optneg(&p, &o, &why), 0);
	ck_assert_uint_eq(o.actions, MPF_V1_ACTS);
	ck_assert_uint_eq(o.protocol, MPP_V1_PROT);
	p.len = 11;
	ck_assert_int_eq(mproto_dec_optneg(&p, &o, &why), -1);
	mproto_buf_init(&b);
	ck_assert_int_eq(mproto_enc_optneg(&b, 6, MPF_ADDHDRS | MPF_CHGHDRS |
	    MPF_QUARANTINE, MPP_MDS_1M | MPP_HDR_LEADSPC | MPP_NR_BODY |
	    MPP_NR_EOH | MPP_NOUNKNOWN | MPP_NODATA), 0);
	assert_out(&b, out, sizeof(out));
	mproto_buf_free(&b);
}
END_TEST

START_TEST(test_macros)
{
	const char *nv[] = { "i", "4F3A", "{auth_authen}", "alice",
	    "{empty}", "" };
	const char *pairs, *why;
	size_t plen;
	mp_buf m;
	mproto_pkt p;
	int stage;

	mp_buf_init(&m);
	ck_assert_int_eq(mp_enc_macros(&m, SMFIC_MAIL, nv, 3), 0);
	p = frame_one(&m);
	ck_assert_int_eq(p.cmd, MPC_MACRO);
	ck_assert_int_eq(mproto_dec_macro(&p, &stage, &pairs, &plen, &why), 0);
	ck_assert_int_eq(stage, MPC_MAIL);
	ck_assert_str_eq(mproto_macro_get(pairs, plen, "{i}"), "4F3A");
	ck_assert_str_eq(mproto_macro_get(pairs, plen, "i"), "4F3A");
	ck_assert_str_eq(mproto_macro_get(pairs, plen, "{auth_authen}"),
	    "alice");
	ck_assert_str_eq(mproto_macro_get(pairs, plen, "{empty}"), "");
	ck_assert_ptr_null(mproto_macro_get(pairs, plen, "auth_authen"));
	ck_assert_ptr_null(mproto_macro_get(pairs, plen, "j"));
	/* a name without a value is never found */
	ck_assert_ptr_null(mproto_macro_get("j\0", 2, "j"));
	/* a macro packet: stage byte only; unterminated; none at all */
	p.data = (const unsigned char *)"C";
	p.len = 1;
	ck_assert_int_eq(mproto_dec_macro(&p, &stage, &pairs, &plen, &why), 0);
	ck_assert_uint_eq(plen, 0);
	p.data = (const unsigned char *)"Mi\0abc";
	p.len = 6;
	ck_assert_int_eq(mproto_dec_macro(&p, &stage, &pairs, &plen, &why), -1);
	p.len = 0;
	ck_assert_int_eq(mproto_dec_macro(&p, &stage, &pairs, &plen, &why), -1);
	mp_buf_free(&m);
}
END_TEST

/* The last connect packet made: c's strings point into it. */
static mp_buf cbuf;

static int
connect_pkt(const char *host, int family, unsigned port, const char *addr,
    mproto_connect *c, const char **why)
{
	mproto_pkt p;

	mp_buf_free(&cbuf);
	ck_assert_int_eq(mp_enc_connect(&cbuf, host, family, port, addr), 0);
	p = frame_one(&cbuf);
	ck_assert_int_eq(p.cmd, MPC_CONNECT);
	return mproto_dec_connect(&p, c, why);
}

START_TEST(test_connect)
{
	static const unsigned char v4[] = {
		'm', 'x', 0, '4', 0x9c, 0x40, '1', '9', '2', '.', '0', '.',
		'2', '.', '1', '0', 0
	};
	mproto_connect c;
	mproto_pkt p = { MPC_CONNECT, v4, sizeof(v4) };
	const char *why;
	size_t n;

	mp_buf_init(&cbuf);
	ck_assert_int_eq(mproto_dec_connect(&p, &c, &why), 0);
	ck_assert_str_eq(c.host, "mx");
	ck_assert_int_eq(c.family, '4');
	ck_assert_uint_eq(c.port, 40000);
	ck_assert_str_eq(c.ip, "192.0.2.10");
	/* every truncation is refused */
	for (n = 0; n < sizeof(v4); n++) {
		p.len = n;
		ck_assert_int_eq(mproto_dec_connect(&p, &c, &why), -1);
	}
	ck_assert_int_eq(connect_pkt("h", '6', 25, "2001:DB8:0::25", &c, &why),
	    0);
	ck_assert_str_eq(c.ip, "2001:db8::25");
	/* a zone id and an "IPv6:" prefix are dropped (libmilter: dropped
	 * the connection) */
	ck_assert_int_eq(connect_pkt("h", '6', 25, "fe80::1%eth0", &c, &why),
	    0);
	ck_assert_str_eq(c.ip, "fe80::1");
	ck_assert_int_eq(connect_pkt("h", '6', 25, "IPv6:2001:db8::1", &c,
	    &why), 0);
	ck_assert_str_eq(c.ip, "2001:db8::1");
	ck_assert_int_eq(connect_pkt("localhost", 'U', 0, "", &c, &why), 0);
	ck_assert_int_eq(c.family, 'U');
	ck_assert_str_eq(c.ip, "");
	ck_assert_int_eq(connect_pkt("local", 'L', 0, "/run/s", &c, &why), 0);
	ck_assert_str_eq(c.path, "/run/s");
	ck_assert_str_eq(c.ip, "");
	/* malformed */
	ck_assert_int_eq(connect_pkt("h", 'X', 25, "192.0.2.1", &c, &why), -1);
	ck_assert(strstr(why, "family") != NULL);
	ck_assert_int_eq(connect_pkt("h", '4', 25, "192.0.2", &c, &why), -1);
	ck_assert_int_eq(connect_pkt("h", '4', 25, "2001:db8::1", &c, &why),
	    -1);
	ck_assert_int_eq(connect_pkt("h", '6', 25, "192.0.2.1", &c, &why), -1);
	ck_assert_int_eq(connect_pkt("h", '6', 25, "%eth0", &c, &why), -1);
	ck_assert_int_eq(connect_pkt("h", '6', 25, "fe80::1%" "aaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    &c, &why), 0);
	ck_assert_int_eq(connect_pkt("h", '6', 25, "aaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &c, &why), -1);
	/* the address must be NUL-terminated */
	p.data = (const unsigned char *)"h\0" "4\0\x19" "1.2.3.4";
	p.len = 12;
	ck_assert_int_eq(mproto_dec_connect(&p, &c, &why), -1);
	mp_buf_free(&cbuf);
}
END_TEST

START_TEST(test_strings)
{
	const char *argv[4], *s, *why, *name, *value;
	const char *args[] = { "<a@example.com>", "SIZE=100", "BODY=8BITMIME",
	    "SMTPUTF8", "AUTH=<>" };
	size_t argc, vlen;
	mp_buf m;
	mproto_pkt p;

	mp_buf_init(&m);
	ck_assert_int_eq(mp_enc_strings(&m, SMFIC_MAIL, args, 5), 0);
	p = frame_one(&m);
	ck_assert_int_eq(mproto_dec_argv(&p, argv, 3, &argc, &why), 0);
	ck_assert_uint_eq(argc, 3);	/* capped; the rest ignored */
	ck_assert_str_eq(argv[0], "<a@example.com>");
	ck_assert_str_eq(argv[2], "BODY=8BITMIME");
	ck_assert_ptr_null(argv[3]);
	/* the null sender */
	p.data = (const unsigned char *)"<>";
	p.len = 3;
	ck_assert_int_eq(mproto_dec_argv(&p, argv, 3, &argc, &why), 0);
	ck_assert_uint_eq(argc, 1);
	p.len = 2;
	ck_assert_int_eq(mproto_dec_argv(&p, argv, 3, &argc, &why), -1);
	p.len = 0;
	ck_assert_int_eq(mproto_dec_argv(&p, argv, 3, &argc, &why), -1);
	/* HELO: the first string */
	p.data = (const unsigned char *)"mx.example.com\0junk";
	p.len = 19;
	ck_assert_int_eq(mproto_dec_str(&p, &s, &why), 0);
	ck_assert_str_eq(s, "mx.example.com");
	p.len = 14;
	ck_assert_int_eq(mproto_dec_str(&p, &s, &why), -1);
	/* header: exactly name\0value\0 */
	mp_buf_free(&m);
	ck_assert_int_eq(mp_enc_header(&m, "Subject", " hi\r\n\tthere"), 0);
	p = frame_one(&m);
	ck_assert_int_eq(mproto_dec_header(&p, &name, &value, &vlen, &why), 0);
	ck_assert_str_eq(name, "Subject");
	ck_assert_str_eq(value, " hi\r\n\tthere");
	ck_assert_uint_eq(vlen, 11);
	p.len--;	/* value not terminated */
	ck_assert_int_eq(mproto_dec_header(&p, &name, &value, &vlen, &why), -1);
	p.data = (const unsigned char *)"Subject";
	p.len = 8;	/* no value at all */
	ck_assert_int_eq(mproto_dec_header(&p, &name, &value, &vlen, &why), -1);
	p.data = (const unsigned char *)"\0v";
	p.len = 3;
	ck_assert_int_eq(mproto_dec_header(&p, &name, &value, &vlen, &why), -1);
	p.data = (const unsigned char *)"a\0b\0c";
	p.len = 6;
	ck_assert_int_eq(mproto_dec_header(&p, &name, &value, &vlen, &why), -1);
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_enc_simple)
{
	static const unsigned char want[] = {
		0, 0, 0, 1, 'c', 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'r',
		0, 0, 0, 1, 't', 0, 0, 0, 1, 'p', 0, 0, 0, 1, 'd'
	};
	mproto_buf b;

	mproto_buf_init(&b);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_CONTINUE), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_ACCEPT), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_REJECT), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_TEMPFAIL), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_PROGRESS), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_DISCARD), 0);
	ck_assert_int_eq(mproto_enc_reply(&b, MPR_REPLYCODE), -1);
	ck_assert_int_eq(mproto_enc_reply(&b, 'x'), -1);
	assert_out(&b, want, sizeof(want));
	mproto_buf_free(&b);
}
END_TEST

START_TEST(test_enc_replycode)
{
	static const char want[] = "\0\0\0\x1fy550 5.7.1 100%% sure, go away";
	static const char want2[] = "\0\0\0\x0by451 4.0.0";
	mproto_buf b;
	char line[MPROTO_REPLY_MAX + 2], big[MPROTO_REPLY_MAX];

	mproto_buf_init(&b);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5.7.1",
	    "100% sure, go away"), 0);
	assert_out(&b, want, sizeof(want));	/* with its NUL */
	b.len = 0;
	ck_assert_int_eq(mproto_enc_replycode(&b, "451", NULL, NULL), 0);
	assert_out(&b, want2, sizeof(want2));
	b.len = 0;
	/* refused: CR, LF, bad codes, class mismatch; b stays empty */
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5.7.1", "a\r\nb"),
	    -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5.7.1", "a\nb"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "250", "2.0.0", "ok"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "55", "5.7.1", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "5x0", "5.7.1", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "4.7.1", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5.7", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5.7.1000", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, "550", "5..1", "x"), -1);
	ck_assert_int_eq(mproto_enc_replycode(&b, NULL, "5.7.1", "x"), -1);
	ck_assert_uint_eq(b.len, 0);
	/* the length bound counts the doubled '%' */
	memset(big, '%', sizeof(big) - 1);
	big[(MPROTO_REPLY_MAX - 10) / 2] = '\0';
	ck_assert_int_eq(mproto_fmt_reply(line, sizeof(line), "550", "5.7.1",
	    big), MPROTO_REPLY_MAX);
	big[(MPROTO_REPLY_MAX - 10) / 2] = '%';
	big[(MPROTO_REPLY_MAX - 10) / 2 + 1] = '\0';
	ck_assert_int_eq(mproto_fmt_reply(line, sizeof(line), "550", "5.7.1",
	    big), -1);
	ck_assert_int_eq(mproto_fmt_reply(line, 8, "550", "5.7.1", NULL), -1);
	ck_assert_int_eq(mproto_enc_replyline(&b, ""), -1);
	mproto_buf_free(&b);
}
END_TEST

START_TEST(test_enc_headers)
{
	static const char ins[] = "\0\0\0\x25i\0\0\0\0Authentication-Results\0"
	    " x; none";
	static const char chg[] = "\0\0\0\x1dm\0\0\0\3Authentication-Results\0";
	static const char add[] = "\0\0\0\x0ahX-A\0 v\nw";
	static const char qua[] = "\0\0\0\x08qpolicy";
	mproto_buf b;
	mp_reply r;
	const char *why;

	mproto_buf_init(&b);
	ck_assert_int_eq(mproto_enc_insheader(&b, 0, "Authentication-Results",
	    " x; none"), 0);
	assert_out(&b, ins, sizeof(ins));
	/* the MTA-side decoder reads it back */
	ck_assert_int_eq(mp_decode_reply(b.data[4], b.data + 5, b.len - 5, &r,
	    &why), 0);
	ck_assert_uint_eq(r.index, 0);
	ck_assert_str_eq(r.name, "Authentication-Results");
	ck_assert_str_eq(r.value, " x; none");
	b.len = 0;
	ck_assert_int_eq(mproto_enc_chgheader(&b, 3, "Authentication-Results",
	    NULL), 0);
	assert_out(&b, chg, sizeof(chg));	/* empty value: delete */
	b.len = 0;
	ck_assert_int_eq(mproto_enc_addheader(&b, "X-A", " v\nw"), 0);
	assert_out(&b, add, sizeof(add));
	b.len = 0;
	ck_assert_int_eq(mproto_enc_quarantine(&b, "policy"), 0);
	assert_out(&b, qua, sizeof(qua));
	b.len = 0;
	/* refused names and reasons */
	ck_assert_int_eq(mproto_enc_insheader(&b, 0, "", "v"), -1);
	ck_assert_int_eq(mproto_enc_insheader(&b, 0, "A:B", "v"), -1);
	ck_assert_int_eq(mproto_enc_insheader(&b, 0, "A B", "v"), -1);
	ck_assert_int_eq(mproto_enc_addheader(&b, "A\nB", "v"), -1);
	ck_assert_int_eq(mproto_enc_chgheader(&b, 1, NULL, "v"), -1);
	ck_assert_int_eq(mproto_enc_quarantine(&b, ""), -1);
	ck_assert_int_eq(mproto_enc_quarantine(&b, NULL), -1);
	ck_assert_uint_eq(b.len, 0);
	mproto_buf_free(&b);
}
END_TEST

START_TEST(test_enc_over_limit)
{
	char *v = malloc(MPROTO_DATA_MAX);
	mproto_buf b;

	ck_assert_ptr_nonnull(v);
	memset(v, 'x', MPROTO_DATA_MAX - 1);
	v[MPROTO_DATA_MAX - 1] = '\0';
	mproto_buf_init(&b);
	/* "X\0" + value + NUL is one byte over the packet limit */
	ck_assert_int_eq(mproto_enc_addheader(&b, "X", v), -1);
	ck_assert_uint_eq(b.len, 0);
	v[MPROTO_DATA_MAX - 3] = '\0';
	ck_assert_int_eq(mproto_enc_addheader(&b, "X", v), 0);
	ck_assert_uint_eq(b.len, 5 + (size_t)MPROTO_DATA_MAX);
	mproto_buf_free(&b);
	free(v);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("mproto");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_frame_truncated);
	tcase_add_test(tc, test_frame_limits);
	tcase_add_test(tc, test_frame_big_skip);
	tcase_add_test(tc, test_optneg);
	tcase_add_test(tc, test_macros);
	tcase_add_test(tc, test_connect);
	tcase_add_test(tc, test_strings);
	tcase_add_test(tc, test_enc_simple);
	tcase_add_test(tc, test_enc_replycode);
	tcase_add_test(tc, test_enc_headers);
	tcase_add_test(tc, test_enc_over_limit);
	suite_add_tcase(s, tc);
	return s;
}
