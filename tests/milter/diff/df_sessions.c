/*
 * tests/milter/diff/df_sessions.c - the scripted MTA-side sessions of the
 * differential test (built with df_mta.c), and their table: name, MTA,
 * filter profile, builder. check_milter_diff.c runs each against libmilter
 * and the engine.
 */
#include "tests/milter/diff/df_mta.c"

/* ---- the sessions ---- */

#define CLIENT	"client.example", "192.0.2.25", "client.example"

/* Negotiation, then two whole messages and QUIT: the macros of the second
 * message's MAIL must not show the first one's RCPT. */
static void
ss_two_messages(sb *b)
{
	sb_begin(b, CLIENT);
	sb_message(b, "alice@example.com", "bob@example.net", " first", NULL);
	sb_message(b, "carol@example.com", "dave@example.net", " second",
	    NULL);
	sb_quit(b);
}

/* Sendmail: an IPv6 client (Sendmail writes "IPv6:" before it), STARTTLS
 * (the second EHLO has the TLS macros). */
static void
ss_sendmail_ipv6_tls(sb *b)
{
	sb_optneg(b);
	sb_connect(b, "client6.example", '6', 41026, "IPv6:2001:db8::25");
	sb_helo(b, "client6.example");
	b->tls = 1;
	sb_helo(b, "client6.example");
	sb_message(b, "alice@example.com", "bob@example.net", " tls", NULL);
	sb_quit(b);
}

/* Sendmail: a local submission (sendmail -bs): no client address. */
static void
ss_sendmail_local(sb *b)
{
	size_t from;

	sb_optneg(b);
	snprintf(b->host, sizeof(b->host), "localhost");
	snprintf(b->addr, sizeof(b->addr), "127.0.0.1");
	sb_event_begin(b, SMFIC_CONNECT, SMFIP_NOCONNECT);
	from = b->s->buf.len;
	if (mp_enc_connect(&b->s->buf, "localhost", SMFIA_UNKNOWN, 0, "") < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, SMFIC_CONNECT);
	sb_helo(b, "localhost");
	sb_message(b, "root@mx.test.example", "bob@example.net", " local",
	    NULL);
	sb_quit(b);
}

/* connect verdicts: the filter rejects, tempfails or accepts the client;
 * the MTA then sends what it sends for such a session. With replies (the
 * "steps" profile) the MTA stops talking to the filter and quits; with no
 * reply at connect ("am") it cannot know and goes on with a message. */
static void
ss_connect_verdict_steps(sb *b, const char *host)
{
	sb_optneg(b);
	sb_connect(b, host, '4', 41025, "192.0.2.66");
	sb_quit(b);
}

static void
ss_connect_reject_steps(sb *b)
{
	ss_connect_verdict_steps(b, "reject.test");
}

static void
ss_connect_tempfail_steps(sb *b)
{
	ss_connect_verdict_steps(b, "tempfail.test");
}

/* Accept at connect: the MTA sends no more events for the session. */
static void
ss_connect_accept_steps(sb *b)
{
	ss_connect_verdict_steps(b, "accept.test");
}

static void
ss_connect_verdict_am(sb *b, const char *host)
{
	sb_begin(b, host, "192.0.2.66", "client.example");
	sb_message(b, "alice@example.com", "bob@example.net", " hello", NULL);
	sb_quit(b);
}

static void
ss_connect_reject_am(sb *b)
{
	ss_connect_verdict_am(b, "reject.test");
}

static void
ss_connect_tempfail_am(sb *b)
{
	ss_connect_verdict_am(b, "tempfail.test");
}

/* HELO refused (550, no enhanced code, a '%' in the text), then the
 * client says HELO again and sends a message. */
static void
ss_helo_refuse(sb *b)
{
	sb_begin(b, "client.example", "192.0.2.25", "refuse.test");
	sb_helo(b, "client.example");
	sb_message(b, "alice@example.com", "bob@example.net", " after helo",
	    NULL);
	sb_quit(b);
}

/* A verdict at MAIL ends that message: the MTA sends the next one. */
static void
ss_mail_verdicts(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "reject@example.com");
	sb_mail(b, "tempfail@example.com");
	sb_mail(b, "discard@example.com");
	if ((b->prot & SMFIP_NR_MAIL) != 0) {
		/* no reply at MAIL: the MTA cannot know; a whole message */
		sb_rcpt(b, "bob@example.net");
		sb_headers(b, " after mail verdicts", NULL);
		sb_body(b, body_text, sizeof(body_text) - 1);
		sb_eom(b);
	}
	sb_message(b, "alice@example.com", "bob@example.net", " next", NULL);
	sb_quit(b);
}

/* SMTP AUTH: {auth_authen} at MAIL makes the filter accept the message. */
static void
ss_mail_auth(sb *b)
{
	sb_begin(b, CLIENT);
	b->auth = "alice";
	sb_mail(b, "alice@example.com");
	b->auth = NULL;
	sb_message(b, "alice@example.com", "bob@example.net", " after auth",
	    NULL);
	sb_quit(b);
}

/* RCPT: one refused (that recipient only), one accepted, then a message
 * whose recipient makes the filter discard it. */
static void
ss_rcpt_verdicts(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "reject@example.net");
	sb_rcpt(b, "tempfail@example.net");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " two refused", NULL);
	sb_body(b, body_text, sizeof(body_text) - 1);
	sb_eom(b);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "discard@example.net");
	if ((b->prot & SMFIP_NR_RCPT) != 0) {
		sb_headers(b, " discarded", NULL);
		sb_eom(b);
	}
	sb_quit(b);
}

/* A header makes the filter reject the message; the MTA stops sending it
 * (with a reply per header) and sends the next message. */
static void
ss_header_reject(sb *b)
{
	static const char *const x[] = { "X-Header-Reject", " yes", NULL };

	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	if ((b->prot & SMFIP_NR_HDR) == 0) {
		sb_data(b);
		sb_header(b, "From", " alice@example.com");
		sb_header(b, x[0], x[1]);
	} else {
		sb_headers(b, " header reject", x);
		sb_body(b, body_text, sizeof(body_text) - 1);
		sb_eom(b);
	}
	sb_message(b, "alice@example.com", "bob@example.net", " next", NULL);
	sb_quit(b);
}

/* A body chunk makes the filter reject the message. */
static void
ss_body_reject(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " body reject", NULL);
	sb_body(b, "BODY-REJECT\r\n", 13);
	if ((b->prot & SMFIP_NR_BODY) != 0)
		sb_eom(b);
	sb_message(b, "alice@example.com", "bob@example.net", " next", NULL);
	sb_quit(b);
}

/* End of message: reject with a reply code, tempfail, discard, and a
 * quarantine with an accept. */
static void
ss_eom_verdicts(sb *b)
{
	static const char *const q[] = { "X-Quarantine", " held for review",
	    NULL };

	sb_begin(b, CLIENT);
	sb_message(b, "alice@example.com", "bob@example.net", " eom-reject",
	    NULL);
	sb_message(b, "alice@example.com", "bob@example.net", " eom-tempfail",
	    NULL);
	sb_message(b, "alice@example.com", "bob@example.net", " eom-discard",
	    NULL);
	sb_message(b, "alice@example.com", "bob@example.net", " quarantine",
	    q);
	sb_quit(b);
}

/* SMFIC_BODYEOB carrying the last body chunk (the protocol allows it;
 * Postfix and Sendmail send it empty), and that chunk rejects. */
static void
ss_eob_with_data(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " eob data", NULL);
	(void)sb_event_begin(b, SMFIC_BODYEOB, 0);
	sb_pkt(b, SMFIC_BODYEOB, "BODY-REJECT\r\n", 13);
	sb_message(b, "alice@example.com", "bob@example.net", " next", NULL);
	sb_quit(b);
}

/* ABORT in the middle of a message (after its body started), then a new
 * message: the filter must see the abort and a fresh message. */
static void
ss_abort_mid_message(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " aborted", NULL);
	sb_body(b, body_text, sizeof(body_text) - 1);
	sb_abort(b);
	sb_message(b, "carol@example.com", "dave@example.net", " after abort",
	    NULL);
	sb_quit(b);
}

/* ABORT after RCPT (RSET before DATA), then a message. */
static void
ss_abort_after_rcpt(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_abort(b);
	sb_message(b, "carol@example.com", "dave@example.net", " after rset",
	    NULL);
	sb_quit(b);
}

/* ABORT outside a message (RSET right after HELO), then a message. */
static void
ss_abort_outside(sb *b)
{
	sb_begin(b, CLIENT);
	sb_abort(b);
	sb_message(b, "alice@example.com", "bob@example.net", " after rset",
	    NULL);
	sb_quit(b);
}

/* QUIT_NC after a message, then a new SMTP session on the same milter
 * connection (connect, HELO, message, QUIT). */
static void
ss_quitnc_after_message(sb *b)
{
	sb_begin(b, CLIENT);
	sb_message(b, "alice@example.com", "bob@example.net", " session 1",
	    NULL);
	sb_quit_nc(b);
	sb_connect(b, "second.example", '4', 41027, "192.0.2.26");
	sb_helo(b, "second.example");
	sb_message(b, "carol@example.com", "dave@example.net", " session 2",
	    NULL);
	sb_quit(b);
}

/* QUIT_NC right after HELO (no message), then a new session. */
static void
ss_quitnc_after_helo(sb *b)
{
	sb_begin(b, CLIENT);
	sb_quit_nc(b);
	sb_connect(b, "second.example", '4', 41027, "192.0.2.26");
	sb_helo(b, "second.example");
	sb_message(b, "carol@example.com", "dave@example.net", " session 2",
	    NULL);
	sb_quit(b);
}

/* A second CONNECT without QUIT_NC (a new session, as milter.h allows). */
static void
ss_connect_twice(sb *b)
{
	sb_begin(b, CLIENT);
	sb_connect(b, "second.example", '4', 41027, "192.0.2.26");
	sb_helo(b, "second.example");
	sb_message(b, "carol@example.com", "dave@example.net", " session 2",
	    NULL);
	sb_quit(b);
}

/* Macros: HELO with TLS macros, then a second HELO whose macro packet has
 * no pairs (what Sendmail sends when no macro of the list is defined). */
static void
ss_macro_empty_packet(sb *b)
{
	sb_optneg(b);
	sb_connect(b, "client.example", '4', 41025, "192.0.2.25");
	b->tls = 1;
	sb_helo(b, "client.example");
	b->tls = 0;
	sb_helo(b, "client.example");
	sb_message(b, "alice@example.com", "bob@example.net", " macros", NULL);
	sb_quit(b);
}

/*
 * Not scripted: a macro packet with an odd number of strings (a name with
 * no value). libmilter's smfi_getsymval() then walks past the end of its
 * argv array for any name not found before the odd one: the filter
 * process crashed (SIGSEGV) when tried, which is undefined behaviour a
 * test cannot rely on. The engine never finds such a name and looks in
 * the earlier stages (mproto_macro_get).
 */

/* Macros: a packet for a stage no macros are kept for (header), and one
 * with an unknown stage byte: both are ignored. */
static void
ss_macro_other_stages(sb *b)
{
	static const char hdr[] = "L{x}\0header stage";
	static const char unk[] = "Z{y}\0unknown stage";

	sb_begin(b, CLIENT);
	sb_pkt(b, SMFIC_MACRO, hdr, sizeof(hdr));
	sb_pkt(b, SMFIC_MACRO, unk, sizeof(unk));
	sb_message(b, "alice@example.com", "bob@example.net", " stages", NULL);
	sb_quit(b);
}

/* Macros: a connect-stage packet without any NUL. */
static void
ss_macro_no_nul(sb *b)
{
	sb_optneg(b);
	sb_pkt(b, SMFIC_MACRO, "Cjmx.test.example", 17);
	sb_connect(b, "client.example", '4', 41025, "192.0.2.25");
	sb_helo(b, "client.example");
	sb_message(b, "alice@example.com", "bob@example.net", " no nul", NULL);
	sb_quit(b);
}

/* ---- malformed packets ---- */

/* A packet of length 0 (no command byte), then a HELO. */
static void
ss_len0(sb *b)
{
	static const unsigned char zero[4] = { 0, 0, 0, 0 };

	sb_begin(b, CLIENT);
	sb_raw(b, zero, sizeof(zero), 0);
	sb_helo(b, "client.example");
	sb_quit(b);
}

static void
ss_unknown_cmd(sb *b)
{
	sb_begin(b, CLIENT);
	sb_pkt(b, 'Z', "junk", 4);
	sb_quit(b);
}

static void
ss_optneg_short(sb *b)
{
	static const unsigned char d[8] = { 0, 0, 0, 6, 0, 0, 1, 0xff };

	sb_pkt(b, SMFIC_OPTNEG, d, sizeof(d));
	sb_quit(b);
}

static void
ss_optneg_v1(sb *b)
{
	size_t from = b->s->buf.len;

	if (mp_enc_optneg(&b->s->buf, 1, 0x1ff, 0x7f) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, SMFIC_OPTNEG);
	sb_quit(b);
}

static void
ss_optneg_twice(sb *b)
{
	sb_optneg(b);
	sb_optneg(b);
	sb_connect(b, "client.example", '4', 41025, "192.0.2.25");
	sb_quit(b);
}

static void
ss_before_optneg(sb *b)
{
	sb_connect(b, "client.example", '4', 41025, "192.0.2.25");
	sb_quit(b);
}

/* HELO whose string has no NUL. */
static void
ss_helo_no_nul(sb *b)
{
	sb_optneg(b);
	sb_connect(b, "client.example", '4', 41025, "192.0.2.25");
	(void)sb_event_begin(b, SMFIC_HELO, SMFIP_NOHELO);
	sb_pkt(b, SMFIC_HELO, "client.example", 14);
	sb_message(b, "alice@example.com", "bob@example.net", " after", NULL);
	sb_quit(b);
}

/* MAIL whose data has no NUL at all. */
static void
ss_mail_no_nul(sb *b)
{
	sb_begin(b, CLIENT);
	sb_pkt(b, SMFIC_MAIL, "<alice@example.com>", 19);
	sb_quit(b);
}

/* MAIL whose last argument is cut (no NUL after it). */
static void
ss_mail_cut_arg(sb *b)
{
	static const char d[] = "<alice@example.com>\0SIZE=1000";

	sb_begin(b, CLIENT);
	sb_pkt(b, SMFIC_MAIL, d, sizeof(d) - 1);
	sb_quit(b);
}

/* Header: a name with no value string. */
static void
ss_header_no_value(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_data(b);
	sb_pkt(b, SMFIC_HEADER, "Subject", 8);
	sb_quit(b);
}

/* Header: the value is not NUL-terminated. */
static void
ss_header_cut_value(sb *b)
{
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_data(b);
	sb_pkt(b, SMFIC_HEADER, "Subject\0 hello", 14);
	sb_eoh(b);
	sb_quit(b);
}

/* CONNECT cut after the family byte. */
static void
ss_connect_cut(sb *b)
{
	sb_optneg(b);
	sb_pkt(b, SMFIC_CONNECT, "client.example\0" "4", 16);
	sb_quit(b);
}

static void
ss_connect_bad_ip(sb *b)
{
	sb_optneg(b);
	sb_connect(b, "client.example", '4', 41025, "192.0.2.256");
	sb_helo(b, "client.example");
	sb_quit(b);
}

/* An IPv6 link-local client with a zone id. */
static void
ss_connect_ipv6_zone(sb *b)
{
	sb_optneg(b);
	sb_connect(b, "client6.example", '6', 41026, "fe80::1%eth0");
	sb_helo(b, "client6.example");
	sb_message(b, "alice@example.com", "bob@example.net", " zone", NULL);
	sb_quit(b);
}

/* RCPT before any MAIL. */
static void
ss_rcpt_before_mail(sb *b)
{
	sb_begin(b, CLIENT);
	sb_rcpt(b, "bob@example.net");
	sb_message(b, "alice@example.com", "bob@example.net", " in order",
	    NULL);
	sb_quit(b);
}

/* ---- sizes ---- */

static void
big_header(sb *b, size_t vlen)
{
	char *v = malloc(vlen + 1);
	const char *pair[3] = { "X-Big", NULL, NULL };

	if (v == NULL) {
		b->s->oom = 1;
		return;
	}
	v[0] = ' ';
	memset(v + 1, 'a', vlen - 1);
	v[vlen] = '\0';
	pair[1] = v;
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " big", pair);
	sb_body(b, body_text, sizeof(body_text) - 1);
	sb_eom(b);
	free(v);
}

/* A header field whose packet data ("X-Big\0" value "\0") is n bytes. */
static void
ss_header_packet(sb *b, size_t n)
{
	sb_begin(b, CLIENT);
	/* name 5 + NUL + value + NUL; the MTA strips the leading space
	 * unless HDR_LEADSPC: then the value keeps it */
	big_header(b, (b->prot & SMFIP_HDR_LEADSPC) ? n - 7 : n - 7 + 1);
	sb_message(b, "alice@example.com", "bob@example.net", " next", NULL);
	sb_quit(b);
}

static void
ss_hdr_64k_plus(sb *b)
{
	ss_header_packet(b, 64 * 1024 + 1);
}

static void
ss_hdr_256k_plus(sb *b)
{
	ss_header_packet(b, 256 * 1024 + 1);
}

static void
ss_hdr_1m_max(sb *b)
{
	ss_header_packet(b, 1024 * 1024 - 1);
}

static void
ss_hdr_1m_plus(sb *b)
{
	ss_header_packet(b, 1024 * 1024);
}

/* A body chunk of 100 KB (an MTA that agreed on 1 MB packets may send
 * one; Postfix and Sendmail send at most 64 KB - 1). */
static void
ss_body_100k_chunk(sb *b)
{
	char *d = malloc(100 * 1024);

	if (d == NULL) {
		b->s->oom = 1;
		return;
	}
	memset(d, 'b', 100 * 1024);
	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_headers(b, " big chunk", NULL);
	sb_pkt(b, SMFIC_BODY, d, 100 * 1024);
	sb_eom(b);
	free(d);
	sb_quit(b);
}

/* A packet head declaring 16 MB, and nothing after it. */
static void
ss_declared_16m(sb *b)
{
	static const unsigned char head[5] = { 0x01, 0, 0, 0, 'L' };

	sb_begin(b, CLIENT);
	sb_mail(b, "alice@example.com");
	sb_rcpt(b, "bob@example.net");
	sb_data(b);
	sb_raw(b, head, sizeof(head), SMFIC_HEADER);
}

/* Negotiation alone, then QUIT (for the packet-size flags). */
static void
ss_optneg_only(sb *b)
{
	sb_optneg(b);
	sb_quit(b);
}

/* ---- the table ---- */

typedef struct df_session {
	const char *name;
	const df_mta *mta;
	const df_profile *profile;
	void (*build)(sb *b);
	/* compare the negotiation reply without the packet-size bits (the
	 * optneg-* sessions compare them; see check_milter_diff.c) */
	int mask_mds;
} df_session;

#define S(n, m, p, f) { n, &m, &df_profile_##p, f, 0 }
#define S_MDS(n, m, p, f) { n, &m, &df_profile_##p, f, 1 }

static const df_session df_sessions[] = {
	/* negotiation as each MTA offers it, two messages */
	S("postfix2/steps", mta_pf2, steps, ss_two_messages),
	S("postfix2/am", mta_pf2, am, ss_two_messages),
	S("postfix4/steps", mta_pf4, steps, ss_two_messages),
	S("postfix4/am", mta_pf4, am, ss_two_messages),
	S("postfix6/steps", mta_pf6, steps, ss_two_messages),
	S("postfix6/am", mta_pf6, am, ss_two_messages),
	S("sendmail/steps", mta_sm, steps, ss_two_messages),
	S("sendmail/am", mta_sm, am, ss_two_messages),
	S("sendmail-ipv6-tls/am", mta_sm, am, ss_sendmail_ipv6_tls),
	S("sendmail-local/steps", mta_sm, steps, ss_sendmail_local),
	/* verdicts per stage */
	S("connect-reject/steps", mta_pf6, steps, ss_connect_reject_steps),
	S("connect-tempfail/steps", mta_sm, steps, ss_connect_tempfail_steps),
	S("connect-accept/steps", mta_pf6, steps, ss_connect_accept_steps),
	S("connect-reject/am", mta_pf6, am, ss_connect_reject_am),
	S("connect-tempfail/am", mta_sm, am, ss_connect_tempfail_am),
	S("connect-reject-postfix2/am", mta_pf2, am, ss_connect_reject_steps),
	S("helo-refuse/steps", mta_pf6, steps, ss_helo_refuse),
	S("mail-verdicts/steps", mta_pf6, steps, ss_mail_verdicts),
	S("mail-verdicts/am", mta_pf6, am, ss_mail_verdicts),
	S("mail-auth/steps", mta_sm, steps, ss_mail_auth),
	S("rcpt-verdicts/steps", mta_pf6, steps, ss_rcpt_verdicts),
	S("rcpt-verdicts/am", mta_pf6, am, ss_rcpt_verdicts),
	S("header-reject/steps", mta_pf6, steps, ss_header_reject),
	S("header-reject/am", mta_pf6, am, ss_header_reject),
	S("body-reject/steps", mta_pf4, steps, ss_body_reject),
	S("eom-verdicts/steps", mta_pf6, steps, ss_eom_verdicts),
	S("eom-verdicts/am", mta_sm, am, ss_eom_verdicts),
	S("eob-with-data/steps", mta_pf6, steps, ss_eob_with_data),
	/* abort, QUIT_NC, new sessions */
	S("abort-mid-message/steps", mta_pf6, steps, ss_abort_mid_message),
	S("abort-mid-message/am", mta_sm, am, ss_abort_mid_message),
	S("abort-after-rcpt/am", mta_pf6, am, ss_abort_after_rcpt),
	S("abort-outside-message/steps", mta_sm, steps, ss_abort_outside),
	S("quitnc-after-message/steps", mta_pf6, steps,
	    ss_quitnc_after_message),
	S("quitnc-after-message/am", mta_sm, am, ss_quitnc_after_message),
	S("quitnc-after-helo/am", mta_pf6, am, ss_quitnc_after_helo),
	S("connect-twice/am", mta_pf6, am, ss_connect_twice),
	/* macros */
	S("macro-empty-packet/am", mta_sm, am, ss_macro_empty_packet),
	S("macro-other-stages/steps", mta_pf6, steps, ss_macro_other_stages),
	S("macro-no-nul/am", mta_pf6, am, ss_macro_no_nul),
	/* malformed packets */
	S("len0/steps", mta_pf6, steps, ss_len0),
	S("unknown-command/steps", mta_pf6, steps, ss_unknown_cmd),
	S("optneg-short", mta_pf6, steps, ss_optneg_short),
	S("optneg-version1", mta_pf6, steps, ss_optneg_v1),
	S("optneg-twice/steps", mta_pf6, steps, ss_optneg_twice),
	S("connect-before-optneg", mta_pf6, steps, ss_before_optneg),
	S("helo-no-nul/am", mta_pf6, am, ss_helo_no_nul),
	S("mail-no-nul/steps", mta_pf6, steps, ss_mail_no_nul),
	S("mail-cut-argument/steps", mta_pf6, steps, ss_mail_cut_arg),
	S("header-no-value/steps", mta_pf6, steps, ss_header_no_value),
	S("header-cut-value/am", mta_pf6, am, ss_header_cut_value),
	S("connect-cut/steps", mta_pf6, steps, ss_connect_cut),
	S("connect-bad-ipv4/steps", mta_pf6, steps, ss_connect_bad_ip),
	S("connect-ipv6-zone/am", mta_pf6, am, ss_connect_ipv6_zone),
	S("rcpt-before-mail/steps", mta_pf6, steps, ss_rcpt_before_mail),
	/* packet sizes */
	S("optneg-mds256k", mta_sm256, am, ss_optneg_only),
	S("optneg-mds1m", mta_sm1m, am, ss_optneg_only),
	S("header-64k+1/am", mta_pf6, am, ss_hdr_64k_plus),
	S_MDS("header-256k+1-mds256k/am", mta_sm256, am, ss_hdr_256k_plus),
	S_MDS("header-1m-1-mds1m/am", mta_sm1m, am, ss_hdr_1m_max),
	S_MDS("header-1m-mds1m/am", mta_sm1m, am, ss_hdr_1m_plus),
	S("header-1m/steps", mta_pf6, steps, ss_hdr_1m_plus),
	S_MDS("body-chunk-100k-mds1m/am", mta_sm1m, am, ss_body_100k_chunk),
	S("declared-16m/steps", mta_pf6, steps, ss_declared_16m),
};

#define DF_NSESSIONS (sizeof(df_sessions) / sizeof(df_sessions[0]))

/* Builds session i into s. */
static void
df_session_build(size_t i, df_script *s)
{
	sb b;

	memset(&b, 0, sizeof(b));
	df_script_init(s);
	b.s = s;
	b.m = df_sessions[i].mta;
	b.prot = b.m->protocol & df_sessions[i].profile->protocol;
	df_sessions[i].build(&b);
}
