/*
 * tests/contrib/check_milterbench.c - the benchmark client's protocol and
 * message code (contrib/milterbench): packet encoding byte for byte against
 * the layout in libmilter's mfdef.h, reply decoding including malformed
 * replies, message splitting as an MTA hands headers and body to a milter,
 * and header edits. The kit's sources are compiled into this program.
 */
#include "contrib/milterbench/mb_corpus.c"
#include "contrib/milterbench/milterproto.c"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

static void
assert_bytes(const mp_buf *b, const void *want, size_t len)
{
	ck_assert_uint_eq(b->len, len);
	ck_assert(memcmp(b->data, want, len) == 0);
}

START_TEST(test_optneg)
{
	static const unsigned char want[] = {
		0, 0, 0, 13, 'O', 0, 0, 0, 6, 0, 0, 0x01, 0xff,
		0, 0x1f, 0xff, 0xff
	};
	mp_buf b;

	mp_buf_init(&b);
	ck_assert_int_eq(mp_enc_optneg(&b, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT), 0);
	assert_bytes(&b, want, sizeof(want));
	mp_buf_free(&b);
}
END_TEST

START_TEST(test_connect_and_macros)
{
	static const unsigned char conn[] =
	    "\0\0\0\x19" "C" "mx.example\0" "4" "\x9c\x40" "192.0.2.1";
	static const unsigned char mac[] = "\0\0\0\x09" "D" "M" "i\0" "Q123\0"
	    "\0\0\0\x0f" "M" "<a@b.example>";
	const char *nv[] = { "i", "Q123" };
	const char *from[] = { "<a@b.example>" };
	mp_buf b;

	mp_buf_init(&b);
	ck_assert_int_eq(mp_enc_connect(&b, "mx.example", SMFIA_INET, 40000,
	    "192.0.2.1"), 0);
	/* sizeof includes the literal's NUL, which ends the address */
	assert_bytes(&b, conn, sizeof(conn));
	b.len = 0;
	ck_assert_int_eq(mp_enc_macros(&b, SMFIC_MAIL, nv, 1), 0);
	ck_assert_int_eq(mp_enc_strings(&b, SMFIC_MAIL, from, 1), 0);
	assert_bytes(&b, mac, sizeof(mac));
	b.len = 0;
	/* unknown family: no port, no address */
	ck_assert_int_eq(mp_enc_connect(&b, "h", SMFIA_UNKNOWN, 0, ""), 0);
	assert_bytes(&b, "\0\0\0\x04" "Ch\0U", 8);
	mp_buf_free(&b);
}
END_TEST

START_TEST(test_header_body_limits)
{
	char *big = malloc(MP_DATA_MAX + 2);
	mp_buf b;

	mp_buf_init(&b);
	ck_assert_int_eq(mp_enc_header(&b, "Subject", "hi"), 0);
	assert_bytes(&b, "\0\0\0\x0c" "LSubject\0hi\0", 16);
	b.len = 0;
	memset(big, 'a', MP_DATA_MAX + 1);
	ck_assert_int_eq(mp_enc_packet(&b, SMFIC_BODY, big, MP_DATA_MAX), 0);
	ck_assert_uint_eq(b.len, MP_HDR_LEN + MP_DATA_MAX);
	ck_assert_uint_eq(b.data[1], 0x01);	/* 65536 = 0x00010000 */
	b.len = 0;
	ck_assert_int_eq(mp_enc_packet(&b, SMFIC_BODY, big, MP_DATA_MAX + 1), -1);
	big[MP_DATA_MAX + 1] = '\0';
	/* a header over the packet limit is refused and leaves no bytes */
	ck_assert_int_eq(mp_enc_header(&b, "X", big), -1);
	ck_assert_uint_eq(b.len, 0);
	free(big);
	mp_buf_free(&b);
}
END_TEST

/* A peer with a raised limit (smfi_setmaxdatasize 1 MB) takes bigger
 * packets: mp_buf_set_max moves the bound exactly, and is bounded itself. */
START_TEST(test_raised_packet_limit)
{
	size_t vlen = MP_MDS_1M - 3;	/* "X" NUL value NUL = MP_MDS_1M */
	char *big = malloc(vlen + 2);
	mp_buf b;

	memset(big, 'v', vlen + 1);
	big[vlen] = '\0';
	mp_buf_init(&b);
	ck_assert_uint_eq(b.max, MP_DATA_MAX);
	ck_assert_int_eq(mp_enc_header(&b, "X", big), -1);
	ck_assert_int_eq(mp_buf_set_max(&b, MP_MDS_1M), 0);
	ck_assert_int_eq(mp_enc_header(&b, "X", big), 0);
	ck_assert_uint_eq(b.len, MP_HDR_LEN + MP_MDS_1M);
	/* length field = command byte + data = 0x00100000 */
	ck_assert_uint_eq(b.data[0], 0x00);
	ck_assert_uint_eq(b.data[1], 0x10);
	ck_assert_uint_eq(b.data[2], 0x00);
	ck_assert_uint_eq(b.data[3], 0x00);
	ck_assert_uint_eq(b.data[4], SMFIC_HEADER);
	ck_assert_uint_eq(b.data[b.len - 1], 0);
	b.len = 0;
	big[vlen] = 'v';
	big[vlen + 1] = '\0';		/* one byte over */
	ck_assert_int_eq(mp_enc_header(&b, "X", big), -1);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(mp_buf_set_max(&b, 0), -1);
	ck_assert_int_eq(mp_buf_set_max(&b, MP_DATA_ABS_MAX + 1), -1);
	ck_assert_uint_eq(b.max, MP_MDS_1M);
	mp_buf_free(&b);
	ck_assert_uint_eq(b.max, MP_DATA_MAX);
	free(big);
}
END_TEST

START_TEST(test_decode_replies)
{
	static const unsigned char ins[] = "\0\0\0\x01" "Authentication-Results\0"
	    " x; dkim=pass\0";
	static const unsigned char opt[] = { 0, 0, 0, 6, 0, 0, 0, 0x11, 0, 0x1f,
	    0, 0x7f };
	const char *why = NULL;
	unsigned char head[MP_HDR_LEN] = { 0, 0, 0, 1, 'c' };
	uint32_t len;
	mp_reply r;

	ck_assert_int_eq(mp_parse_len(head, &len, &why), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(mp_decode_reply('c', NULL, 0, &r, &why), 0);
	ck_assert_int_eq(r.cmd, SMFIR_CONTINUE);
	ck_assert_int_eq(mp_decode_reply(SMFIR_INSHEADER, ins, sizeof(ins) - 1,
	    &r, &why), 0);
	ck_assert_uint_eq(r.index, 1);
	ck_assert_str_eq(r.name, "Authentication-Results");
	ck_assert_str_eq(r.value, " x; dkim=pass");
	ck_assert_int_eq(mp_decode_reply(SMFIC_OPTNEG, opt, sizeof(opt), &r,
	    &why), 0);
	ck_assert_uint_eq(r.version, 6);
	ck_assert_uint_eq(r.actions, 0x11);
	ck_assert_uint_eq(r.protocol, 0x1f007f);
	ck_assert_int_eq(mp_decode_reply(SMFIR_REPLYCODE,
	    (const unsigned char *)"550 5.7.1 no\0", 13, &r, &why), 0);
	ck_assert_str_eq(r.text, "550 5.7.1 no");
	ck_assert_str_eq(mp_reply_name(SMFIR_QUARANTINE), "quarantine");
}
END_TEST

START_TEST(test_decode_malformed)
{
	const char *why = NULL;
	unsigned char head[MP_HDR_LEN] = { 0, 0, 0, 0, 'c' };
	uint32_t len;
	mp_reply r;

	ck_assert_int_eq(mp_parse_len(head, &len, &why), -1);
	head[0] = 0x7f;
	ck_assert_int_eq(mp_parse_len(head, &len, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "MP_REPLY_MAX"));
	/* header value without its NUL */
	ck_assert_int_eq(mp_decode_reply(SMFIR_ADDHEADER,
	    (const unsigned char *)"X\0abc", 5, &r, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "NUL"));
	ck_assert_int_eq(mp_decode_reply(SMFIR_CHGHEADER,
	    (const unsigned char *)"\0\0", 2, &r, &why), -1);
	ck_assert_int_eq(mp_decode_reply(SMFIR_ADDHEADER,
	    (const unsigned char *)"\0v\0", 3, &r, &why), -1);
	ck_assert_int_eq(mp_decode_reply(SMFIC_OPTNEG,
	    (const unsigned char *)"\0\0\0\6", 4, &r, &why), -1);
	ck_assert_int_eq(mp_decode_reply('Z', NULL, 0, &r, &why), -1);
	ck_assert_int_eq(mp_decode_reply(SMFIR_ACCEPT,
	    (const unsigned char *)"x", 1, &r, &why), -1);
}
END_TEST

START_TEST(test_split_message)
{
	static const char raw[] = "Subject: one\r\n two\r\nFrom:  <a@b>\r\n"
	    "X-Empty:\r\n\r\nline1\r\nline2\nlast";
	mb_message m;
	char err[128];

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(mb_split_message(&m, raw, strlen(raw), err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(m.nhdrs, 3);
	ck_assert_str_eq(m.hdrs[0].name, "Subject");
	ck_assert_str_eq(m.hdrs[0].value, " one\n two");
	ck_assert_str_eq(m.hdrs[1].value, "  <a@b>");
	ck_assert_str_eq(m.hdrs[2].value, "");
	ck_assert_uint_eq(m.body_len, strlen("line1\r\nline2\r\nlast"));
	ck_assert(memcmp(m.body, "line1\r\nline2\r\nlast", m.body_len) == 0);
	mb_message_free(&m);

	/* a line without a colon ends the headers; no empty line needed */
	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(mb_split_message(&m, "A: 1\nnot a header\n", 18, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(m.nhdrs, 1);
	ck_assert_uint_eq(m.body_len, strlen("not a header\r\n"));
	mb_message_free(&m);
}
END_TEST

START_TEST(test_header_edits)
{
	static const char raw[] = "A: 1\r\nB: 2\r\nA: 3\r\n\r\n";
	mb_message m;
	mb_hdrs h;
	char err[128];

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(mb_split_message(&m, raw, strlen(raw), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(mb_hdrs_init(&h, &m), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_INSHEADER, 0, "AR", "x"), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_ADDHEADER, 0, "Z", "z"), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_CHGHEADER, 2, "a", " 33"), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_CHGHEADER, 1, "B", ""), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_CHGHEADER, 1, "New", "n"), 0);
	ck_assert_int_eq(mb_hdrs_edit(&h, SMFIR_ACCEPT, 0, "x", "y"), -1);
	ck_assert_uint_eq(h.n, 5);
	ck_assert_str_eq(h.h[0].name, "AR");
	ck_assert_str_eq(h.h[1].value, " 1");
	ck_assert_str_eq(h.h[2].value, " 33");
	ck_assert_str_eq(h.h[3].name, "Z");
	ck_assert_str_eq(h.h[4].name, "New");
	/* the corpus copy is untouched */
	ck_assert_str_eq(m.hdrs[2].value, " 3");
	mb_hdrs_free(&h);
	mb_message_free(&m);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("milterbench");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_optneg);
	tcase_add_test(tc, test_connect_and_macros);
	tcase_add_test(tc, test_header_body_limits);
	tcase_add_test(tc, test_raised_packet_limit);
	tcase_add_test(tc, test_decode_replies);
	tcase_add_test(tc, test_decode_malformed);
	tcase_add_test(tc, test_split_message);
	tcase_add_test(tc, test_header_edits);
	suite_add_tcase(s, tc);
	return s;
}
