/*
 * tests/milter/check_msession.c - the filter-side protocol state machine
 * (milter/msession.c) driven by packets from the benchmark's independent
 * MTA-side encoder (contrib/milterbench/milterproto.c, compiled in):
 * negotiation (versions, masks, SMFIP_MDS_1M), which callbacks run with
 * what, no replies for the steps negotiated "no reply", modifications and
 * the final reply in one buffer, reply codes, verdicts that end a message
 * or a session, macros by stage, QUIT_NC, ABORT, and protocol errors;
 * the packet size echoed as offered (SMFIP_MDS_256K / _1M) with the read
 * bound following it, the macros' bound per connection, header values
 * without their leading space for an MTA that adds one, and a header
 * field over the packet bound given to header_skipped() (or a tempfail).
 */
#include "contrib/milterbench/milterproto.c"

#include "milter/msession_int.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the test handler saw, one letter per call, and what it answers. */
static char calls[256];
static mstat ret_connect, ret_header, ret_eom, ret_rcpt;
static const char *reply_rcode, *reply_text;
static char seen_qid[64], seen_auth[64], seen_ip[64], seen_from[64];
static int mod_rc;
static uint32_t want_actions = MPF_ADDHDRS | MPF_CHGHDRS | MPF_QUARANTINE;

static void
called(char c)
{
	size_t n = strlen(calls);

	if (n + 1 < sizeof(calls)) {
		calls[n] = c;
		calls[n + 1] = '\0';
	}
}

static void
copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src != NULL ? src : "(null)");
}

static mstat
h_negotiate(msession *s, uint32_t a, uint32_t p, uint32_t *pa, uint32_t *pp)
{
	(void)s;
	(void)a;
	(void)p;
	called('O');
	*pa = want_actions;
	*pp = MPP_HDR_LEADSPC | MPP_NODATA | MPP_NR_HDR | MPP_NR_EOH |
	    MPP_NR_BODY;
	return MS_CONTINUE;
}

static mstat
h_connect(msession *s, const mproto_connect *c)
{
	(void)s;
	called('C');
	copy(seen_ip, sizeof(seen_ip), c->ip);
	return ret_connect;
}

static mstat
h_helo(msession *s, const char *helo)
{
	(void)s;
	(void)helo;
	called('H');
	return MS_CONTINUE;
}

static mstat
h_envfrom(msession *s, const char **argv, size_t argc)
{
	ck_assert_uint_ge(argc, 1);
	called('M');
	copy(seen_from, sizeof(seen_from), argv[0]);
	copy(seen_qid, sizeof(seen_qid), msession_getsymval(s, "{i}"));
	copy(seen_auth, sizeof(seen_auth), msession_getsymval(s,
	    "{auth_authen}"));
	return MS_CONTINUE;
}

static mstat
h_envrcpt(msession *s, const char **argv, size_t argc)
{
	(void)s;
	(void)argv;
	(void)argc;
	called('R');
	if (ret_rcpt == MS_REJECT)
		(void)msession_setreply(s, "550", "5.1.1", "no such user");
	return ret_rcpt;
}

static mstat
h_header(msession *s, const char *name, const char *value, size_t vlen)
{
	(void)name;
	ck_assert_uint_eq(vlen, strlen(value));
	called('L');
	/* modifications are refused before end of message */
	ck_assert_int_eq(msession_insheader(s, 0, "X", "y"), -1);
	return ret_header;
}

static mstat
h_eoh(msession *s)
{
	(void)s;
	called('N');
	return MS_CONTINUE;
}

static mstat
h_body(msession *s, const unsigned char *d, size_t len)
{
	(void)s;
	(void)d;
	(void)len;
	called('B');
	return MS_CONTINUE;
}

static mstat
h_eom(msession *s)
{
	called('E');
	copy(seen_qid, sizeof(seen_qid), msession_getsymval(s, "i"));
	mod_rc = msession_chgheader(s, 2, "Authentication-Results", NULL);
	mod_rc |= msession_insheader(s, 0, "Authentication-Results",
	    " t.test; spf=pass");
	mod_rc |= msession_quarantine(s, "held");
	if (reply_rcode != NULL)
		(void)msession_setreply(s, reply_rcode, NULL, reply_text);
	return ret_eom;
}

static void
h_abort(msession *s)
{
	(void)s;
	called('A');
}

static void
h_close(msession *s)
{
	(void)s;
	called('Z');
}

static char skipped_name[MPROTO_SKIP_KEEP + 1];
static size_t skipped_size;

static mstat
h_header_skipped(msession *s, const char *name, size_t size)
{
	(void)s;
	called('S');
	snprintf(skipped_name, sizeof(skipped_name), "%s", name);
	skipped_size = size;
	return MS_CONTINUE;
}

static const mhandler handler = {
	h_negotiate, h_connect, h_helo, h_envfrom, h_envrcpt, NULL,
	h_header, h_eoh, h_body, h_eom, h_abort, h_close, h_header_skipped,
};

/* The same without header_skipped(). */
static const mhandler handler_noskip = {
	h_negotiate, h_connect, h_helo, h_envfrom, h_envrcpt, NULL,
	h_header, h_eoh, h_body, h_eom, h_abort, h_close, NULL,
};

static void
reset(void)
{
	calls[0] = '\0';
	ret_connect = ret_header = ret_eom = ret_rcpt = MS_CONTINUE;
	ret_eom = MS_ACCEPT;
	reply_rcode = reply_text = NULL;
	seen_qid[0] = seen_auth[0] = seen_ip[0] = seen_from[0] = '\0';
	want_actions = MPF_ADDHDRS | MPF_CHGHDRS | MPF_QUARANTINE;
}

/* Feed every packet of m (emptied after); the last status. */
static int
feed(msession *s, mp_buf *m)
{
	size_t off = 0, used;
	mproto_pkt p;
	const char *why;
	int rc = MSESSION_OK;

	while (off < m->len) {
		ck_assert_int_eq(mproto_frame(m->data + off, m->len - off, &p,
		    &used, &why), 1);
		off += used;
		rc = msession_packet(s, &p, &why);
		if (rc != MSESSION_OK)
			break;
	}
	m->len = 0;
	return rc;
}

/* The reply letters in the session's output (emptied after); the decoded
 * replies in r[] (strings point into a copy kept until the next call). */
static char letters[64];
static mp_reply rr[16];
static unsigned char keep[4096];

static const char *
sent(msession *s)
{
	mproto_buf *o = msession_out(s);
	size_t off = 0, n = 0;
	uint32_t len;
	const char *why;

	ck_assert_uint_le(o->len, sizeof(keep));
	memcpy(keep, o->data, o->len);
	while (off < o->len && n < 16) {
		ck_assert_int_eq(mp_parse_len(keep + off, &len, &why), 0);
		ck_assert_int_eq(mp_decode_reply(keep[off + 4], keep + off + 5,
		    len, &rr[n], &why), 0);
		letters[n++] = (char)keep[off + 4];
		off += 5 + len;
	}
	letters[n] = '\0';
	o->len = 0;
	return letters;
}

/* The MTA's side up to RCPT, as Postfix sends it. */
static void
envelope(mp_buf *m, const char *qid)
{
	const char *cmac[] = { "j", "mx.test", "{daemon_name}", "smtpd" };
	const char *mmac[] = { "i", qid, "{auth_authen}", "bob" };
	const char *s[2];

	ck_assert_int_eq(mp_enc_macros(m, SMFIC_CONNECT, cmac, 2), 0);
	ck_assert_int_eq(mp_enc_connect(m, "client.test", '6', 4000,
	    "fe80::1%eth0"), 0);
	s[0] = "client.test";
	ck_assert_int_eq(mp_enc_strings(m, SMFIC_HELO, s, 1), 0);
	ck_assert_int_eq(mp_enc_macros(m, SMFIC_MAIL, mmac, 2), 0);
	s[0] = "<a@example.com>";
	s[1] = "SIZE=10";
	ck_assert_int_eq(mp_enc_strings(m, SMFIC_MAIL, s, 2), 0);
	s[0] = "<b@example.net>";
	ck_assert_int_eq(mp_enc_strings(m, SMFIC_RCPT, s, 1), 0);
}

static void
content(mp_buf *m)
{
	const char *emac[] = { "i", "EOMQID" };

	ck_assert_int_eq(mp_enc_header(m, "From", " a@example.com"), 0);
	ck_assert_int_eq(mp_enc_header(m, "Subject", " hi"), 0);
	ck_assert_int_eq(mp_enc_packet(m, SMFIC_EOH, NULL, 0), 0);
	ck_assert_int_eq(mp_enc_packet(m, SMFIC_BODY, "body\r\n", 6), 0);
	ck_assert_int_eq(mp_enc_macros(m, SMFIC_BODYEOB, emac, 1), 0);
	ck_assert_int_eq(mp_enc_packet(m, SMFIC_BODYEOB, NULL, 0), 0);
}

static void
start(msession *s, mp_buf *m, uint32_t ver, uint32_t acts, uint32_t prot)
{
	reset();
	msession_init(s, &handler, NULL);
	mp_buf_init(m);
	ck_assert_int_eq(mp_enc_optneg(m, ver, acts, prot), 0);
	ck_assert_int_eq(feed(s, m), MSESSION_OK);
}

START_TEST(test_negotiate)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT | SMFIP_MDS_1M);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].version, 6);
	ck_assert_uint_eq(rr[0].actions, 0x31);
	ck_assert_uint_eq(rr[0].protocol, SMFIP_HDR_LEADSPC | SMFIP_NODATA |
	    SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_MDS_1M);
	/* a repeated negotiation is a protocol error */
	ck_assert_int_eq(mp_enc_optneg(&m, 6, 0, 0), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_ERROR);
	msession_free(&s);
	ck_assert_str_eq(calls, "OZ");
	mp_buf_free(&m);

	/* version 2, no quarantine, no "no reply" steps: answered as v2 */
	start(&s, &m, 2, MPF_ADDHDRS | MPF_CHGHDRS, SMFI_V2_PROT);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].version, 2);
	ck_assert_uint_eq(rr[0].actions, MPF_ADDHDRS | MPF_CHGHDRS);
	ck_assert_uint_eq(rr[0].protocol, 0);
	msession_free(&s);
	mp_buf_free(&m);

	/* version 1 is refused; so is anything before negotiation */
	reset();
	msession_init(&s, &handler, NULL);
	mp_buf_init(&m);
	ck_assert_int_eq(mp_enc_optneg(&m, 1, 0, 0), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_ERROR);
	ck_assert_int_eq(mp_enc_packet(&m, SMFIC_EOH, NULL, 0), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_ERROR);
	ck_assert_int_eq(mp_enc_packet(&m, SMFIC_QUIT, NULL, 0), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_QUIT);
	msession_free(&s);
	ck_assert_str_eq(calls, "");	/* never opened: no close */
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_message)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	(void)sent(&s);
	envelope(&m, "QID1");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "cccc");	/* connect helo mail rcpt */
	ck_assert_str_eq(seen_ip, "fe80::1");
	ck_assert_str_eq(seen_qid, "QID1");
	ck_assert_str_eq(seen_auth, "bob");
	ck_assert_str_eq(seen_from, "<a@example.com>");
	ck_assert(msession_in_message(&s));
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	/* no reply to headers, EOH, body; then the edits and the verdict */
	ck_assert_str_eq(sent(&s), "miqa");
	ck_assert_int_eq(mod_rc, 0);
	ck_assert_uint_eq(rr[0].index, 2);
	ck_assert_str_eq(rr[0].value, "");
	ck_assert_str_eq(rr[1].name, "Authentication-Results");
	ck_assert_str_eq(rr[1].value, " t.test; spf=pass");
	ck_assert_str_eq(rr[2].text, "held");
	ck_assert_str_eq(seen_qid, "EOMQID");	/* the EOM stage's macro */
	ck_assert(!msession_in_message(&s));
	ck_assert_str_eq(calls, "OCHMRLLNBE");
	/* the next transaction: a new MAIL drops the later stages' macros */
	{
		const char *a[1] = { "<c@example.com>" };

		ck_assert_int_eq(mp_enc_strings(&m, SMFIC_MAIL, a, 1), 0);
		ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
		ck_assert_str_eq(seen_qid, "QID1");
		ck_assert_str_eq(sent(&s), "c");
	}
	/* end of connection mid-message: abort, then close */
	msession_free(&s);
	ck_assert_str_eq(calls, "OCHMRLLNBEMAZ");
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_replycode)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	ret_eom = MS_REJECT;
	reply_rcode = "550";
	reply_text = "go away, 100%";
	envelope(&m, "Q");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "Occccmiqy");
	ck_assert_str_eq(rr[8].text, "550 5.0.0 go away, 100%%");
	/* a reply text of the other class is not used */
	ret_eom = MS_TEMPFAIL;
	envelope(&m, "Q2");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "ccccmiqt");
	/* RCPT reject with a text answers that recipient only */
	ret_eom = MS_ACCEPT;
	reply_rcode = NULL;
	ret_rcpt = MS_REJECT;
	envelope(&m, "Q3");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "cccymiqa");
	ck_assert_str_eq(rr[3].text, "550 5.1.1 no such user");
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_verdict_at_noreply_step)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	ret_header = MS_TEMPFAIL;
	envelope(&m, "Q");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	/* the tempfail is owed until end of message; the second header,
	 * EOH, body and eom reach no callback */
	ck_assert_str_eq(sent(&s), "Occcct");
	ck_assert_str_eq(calls, "OCHMRLA");
	ck_assert(!msession_in_message(&s));
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_session_verdicts)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	(void)sent(&s);
	ret_connect = MS_TEMPFAIL;
	envelope(&m, "Q");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	/* connect's tempfail ends the session: repeated, no callbacks */
	ck_assert_str_eq(sent(&s), "tttt");
	ck_assert_str_eq(calls, "OC");
	/* QUIT_NC: a new session on the same connection, options kept */
	ret_connect = MS_CONTINUE;
	ck_assert_int_eq(mp_enc_packet(&m, SMFIC_QUIT_NC, NULL, 0), 0);
	envelope(&m, "Q2");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "cccc");
	ck_assert_str_eq(calls, "OCZCHMR");
	/* ABORT ends the message; a second CONNECT ends the session */
	ck_assert_int_eq(mp_enc_packet(&m, SMFIC_ABORT, NULL, 0), 0);
	ck_assert_int_eq(mp_enc_connect(&m, "h", '4', 1, "192.0.2.1"), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "c");
	ck_assert_str_eq(calls, "OCZCHMRAZC");
	ck_assert_str_eq(seen_ip, "192.0.2.1");
	/* QUIT: close, and the caller closes the connection */
	ck_assert_int_eq(mp_enc_packet(&m, SMFIC_QUIT, NULL, 0), 0);
	ck_assert_int_eq(feed(&s, &m), MSESSION_QUIT);
	ck_assert_str_eq(calls, "OCZCHMRAZCZ");
	msession_free(&s);
	ck_assert_str_eq(calls, "OCZCHMRAZCZ");
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_actions_not_offered)
{
	msession s;
	mp_buf m;

	/* the MTA offers no quarantine: that modification is refused */
	start(&s, &m, 6, MPF_ADDHDRS | MPF_CHGHDRS, SMFI_CURR_PROT);
	envelope(&m, "Q");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_int_eq(mod_rc, -1);
	ck_assert_str_eq(sent(&s), "Occccmia");
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

START_TEST(test_errors)
{
	static const unsigned char bad_header[] = { 'F', 'r', 'o', 'm' };
	mproto_pkt p;
	msession s;
	mp_buf m;
	const char *why;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	p.cmd = 'Z';
	p.data = NULL;
	p.len = 0;
	ck_assert_int_eq(msession_packet(&s, &p, &why), MSESSION_ERROR);
	ck_assert_str_eq(why, "unknown command");
	p.cmd = MPC_HEADER;
	p.data = bad_header;
	p.len = sizeof(bad_header);
	ck_assert_int_eq(msession_packet(&s, &p, &why), MSESSION_ERROR);
	ck_assert_ptr_nonnull(why);
	p.cmd = MPC_CONNECT;
	p.data = (const unsigned char *)"h\0X";
	p.len = 3;
	ck_assert_int_eq(msession_packet(&s, &p, &why), MSESSION_ERROR);
	ck_assert(strstr(why, "family") != NULL);
	/* macros for a stage libmilter knows none for: ignored */
	p.cmd = MPC_MACRO;
	p.data = (const unsigned char *)"Lx\0y";
	p.len = 5;
	ck_assert_int_eq(msession_packet(&s, &p, &why), MSESSION_OK);
	ck_assert_ptr_null(msession_getsymval(&s, "x"));
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST


/* The packet size the MTA offers is echoed (the larger of two), as
 * libmilter does, and the read bound follows it. */
START_TEST(test_packet_size)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT | SMFIP_MDS_256K);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].protocol & (SMFIP_MDS_256K | SMFIP_MDS_1M),
	    SMFIP_MDS_256K);
	ck_assert_uint_eq(msession_max_data(&s), 256 * 1024 - 1);
	msession_free(&s);
	mp_buf_free(&m);

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT | SMFIP_MDS_256K |
	    SMFIP_MDS_1M);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].protocol & (SMFIP_MDS_256K | SMFIP_MDS_1M),
	    SMFIP_MDS_1M);
	ck_assert_uint_eq(msession_max_data(&s), 1024 * 1024 - 1);
	msession_free(&s);
	mp_buf_free(&m);

	/* none offered (Postfix): none echoed; a header field up to 1 MB
	 * is still read, as Postfix sends up to its header_size_limit */
	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].protocol & (SMFIP_MDS_256K | SMFIP_MDS_1M), 0);
	ck_assert_uint_eq(msession_max_data(&s), 1024 * 1024 - 1);
	ck_assert_uint_eq(msession_version(&s), 6);
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

/* Macros of every stage, each as big as a packet may be: the session
 * holds at most MSESSION_MACROS_MAX bytes of them. */
START_TEST(test_macros_bounded)
{
	static const int stages[] = { SMFIC_CONNECT, SMFIC_HELO, SMFIC_MAIL,
	    SMFIC_RCPT, SMFIC_DATA, SMFIC_EOH, SMFIC_BODYEOB };
	char *big = malloc(60 * 1024);
	const char *nv[4];
	msession s;
	mp_buf m;
	size_t held, i;

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 60 * 1024 - 1);
	big[60 * 1024 - 1] = '\0';
	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT | SMFIP_MDS_1M);
	(void)sent(&s);
	ck_assert_ptr_null(msession_warning(&s));
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
		nv[0] = "{big}";
		nv[1] = big;
		nv[2] = "j";
		nv[3] = "mx.test";
		ck_assert_int_eq(mp_buf_set_max(&m, MP_MDS_1M), 0);
		ck_assert_int_eq(mp_enc_macros(&m, stages[i], nv, 2), 0);
		ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	}
	for (held = 0, i = 0; i < MS_STAGE_COUNT; i++)
		held += s.mac[i].cap;
	ck_assert_uint_le(held, MSESSION_MACROS_MAX);
	/* the first stage's fit; the later ones were dropped, said once */
	ck_assert_str_eq(msession_getsymval(&s, "j"), "mx.test");
	ck_assert_ptr_nonnull(msession_warning(&s));
	ck_assert_ptr_null(msession_warning(&s));
	/* small macros still work for the stages after a new command */
	envelope(&m, "QID7");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(seen_qid, "QID7");
	for (held = 0, i = 0; i < MS_STAGE_COUNT; i++)
		held += s.mac[i].cap;
	ck_assert_uint_le(held, MSESSION_MACROS_MAX);
	msession_free(&s);
	mp_buf_free(&m);
	free(big);
}
END_TEST

/* An MTA that does not take header values verbatim adds the space after
 * the colon itself: ours is dropped, so there is no double space. */
START_TEST(test_header_leading_space)
{
	msession s;
	mp_buf m;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT & ~SMFIP_HDR_LEADSPC);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_eq(rr[0].protocol & SMFIP_HDR_LEADSPC, 0);
	envelope(&m, "Q");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "ccccmiqa");
	ck_assert_str_eq(rr[5].name, "Authentication-Results");
	ck_assert_str_eq(rr[5].value, "t.test; spf=pass");
	ck_assert_str_eq(rr[4].value, "");	/* a deletion stays one */
	msession_free(&s);
	mp_buf_free(&m);
	/* verbatim (SMFIP_HDR_LEADSPC): as given */
	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	ck_assert_str_eq(sent(&s), "O");
	ck_assert_uint_ne(rr[0].protocol & SMFIP_HDR_LEADSPC, 0);
	envelope(&m, "Q");
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "ccccmiqa");
	ck_assert_str_eq(rr[5].value, " t.test; spf=pass");
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

static void
skip_of(mproto_skip *k, int cmd, const char *bytes, size_t kept, size_t size)
{
	memset(k, 0, sizeof(*k));
	k->cmd = cmd;
	k->size = size;
	k->kept = kept;
	k->done = 1;
	memcpy(k->keep, bytes, kept);
}

/* A header field over the packet bound (skipped by the caller): the
 * handler hears of it, the message and the connection go on. */
START_TEST(test_oversized_header)
{
	mproto_skip k;
	msession s;
	mp_buf m;
	const char *why;

	start(&s, &m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
	envelope(&m, "Q");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	skip_of(&k, SMFIC_HEADER, "Subject\0xxxxx", 13, 2000000);
	ck_assert_int_eq(msession_oversized(&s, &k, &why), MSESSION_OK);
	ck_assert_str_eq(skipped_name, "Subject");
	ck_assert_uint_eq(skipped_size, 2000000);
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	/* no reply to the skipped header (no reply to headers) */
	ck_assert_str_eq(sent(&s), "Occccmiqa");
	ck_assert_str_eq(calls, "OCHMRSLLNBE");
	/* a name longer than the bytes kept is cut there */
	envelope(&m, "Q2");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	memset(k.keep, 'N', sizeof(k.keep));
	k.kept = sizeof(k.keep);
	ck_assert_int_eq(msession_oversized(&s, &k, &why), MSESSION_OK);
	ck_assert_uint_eq(strlen(skipped_name), MPROTO_SKIP_KEEP);
	/* an empty name, or a command other than a header: errors */
	skip_of(&k, SMFIC_HEADER, "\0x", 2, 3000000);
	ck_assert_int_eq(msession_oversized(&s, &k, &why), MSESSION_ERROR);
	ck_assert_ptr_nonnull(why);
	skip_of(&k, SMFIC_BODY, "abc", 3, 3000000);
	ck_assert_int_eq(msession_oversized(&s, &k, &why), MSESSION_ERROR);
	msession_free(&s);
	mp_buf_free(&m);

	/* a handler without header_skipped(): the message gets TEMPFAIL */
	reset();
	msession_init(&s, &handler_noskip, NULL);
	mp_buf_init(&m);
	ck_assert_int_eq(mp_enc_optneg(&m, 6, SMFI_CURR_ACTS, SMFI_CURR_PROT),
	    0);
	envelope(&m, "Q");
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	skip_of(&k, SMFIC_HEADER, "From\0", 5, 2000000);
	ck_assert_int_eq(msession_oversized(&s, &k, &why), MSESSION_OK);
	content(&m);
	ck_assert_int_eq(feed(&s, &m), MSESSION_OK);
	ck_assert_str_eq(sent(&s), "Occcct");
	msession_free(&s);
	mp_buf_free(&m);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("msession");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_negotiate);
	tcase_add_test(tc, test_message);
	tcase_add_test(tc, test_replycode);
	tcase_add_test(tc, test_verdict_at_noreply_step);
	tcase_add_test(tc, test_session_verdicts);
	tcase_add_test(tc, test_actions_not_offered);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_packet_size);
	tcase_add_test(tc, test_macros_bounded);
	tcase_add_test(tc, test_header_leading_space);
	tcase_add_test(tc, test_oversized_header);
	suite_add_tcase(s, tc);
	return s;
}
