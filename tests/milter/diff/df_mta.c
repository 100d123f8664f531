/*
 * tests/milter/diff/df_mta.c - the MTA side of the differential test's
 * scripts: what Postfix and Sendmail send, byte for byte, command by
 * command (sb_*: one SMTP event with its macros), for the sessions of
 * df_sessions.c, which includes this file.
 *
 * The MTAs (their option negotiation, from their sources):
 *	Postfix 3.7 milter8.c sends version = milter_protocol, actions 0x1ff
 *	(ADDHDRS ADDRCPT DELRCPT CHGHDRS CHGBODY QUARANTINE CHGFROM
 *	ADDRCPT_PAR SETSYMLIST) whatever the version, and the events of that
 *	version: 2 -> 0x7f (NOCONNECT..NOEOH), 4 -> 0x37f (+ NOUNKNOWN,
 *	NODATA), 6 -> 0x1fffff (+ SKIP, RCPT_REJ, every NR_*, HDR_LEADSPC).
 *	It sends no event outside its version (no DATA before 4), sends an
 *	event's macros even when the filter asked to skip the event, and
 *	strips one space after the colon unless HDR_LEADSPC was agreed.
 *	Sendmail 8.17 (Debian 12) sends version 6, actions 0x1ff, protocol
 *	0x1fffff, never a packet-size bit (Debian builds it without
 *	_FFR_MDS_NEGOTIATE); the "+mds" profiles are a Sendmail built with
 *	it and MaxDataSize 256 KB or 1 MB, which adds SMFIP_MDS_256K or
 *	SMFIP_MDS_1M. Default macros: Postfix's milter_*_macros (postconf -d),
 *	Sendmail's Milter.macros.* (cf/m4/proto.m4).
 *
 * A session is built for one MTA and one filter profile: the MTA adapts
 * to the filter's negotiation reply, and the builder computes that reply
 * as offered & asked (both filters answer that; if one does not, the
 * negotiation step already differs).
 */
#include "tests/milter/diff/milterdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct df_mta {
	const char *name;
	uint32_t version, actions, protocol;
	int sendmail;
} df_mta;

#define PF_V2_PROT	0x7fu
#define PF_V4_PROT	0x37fu
#define V6_PROT		0x1fffffu

static const df_mta mta_pf2 = { "postfix/2", 2, 0x1ff, PF_V2_PROT, 0 };
static const df_mta mta_pf4 = { "postfix/4", 4, 0x1ff, PF_V4_PROT, 0 };
static const df_mta mta_pf6 = { "postfix/6", 6, 0x1ff, V6_PROT, 0 };
static const df_mta mta_sm = { "sendmail", 6, 0x1ff, V6_PROT, 1 };
static const df_mta mta_sm256 = { "sendmail+mds256k", 6, 0x1ff,
    V6_PROT | SMFIP_MDS_256K, 1 };
static const df_mta mta_sm1m = { "sendmail+mds1m", 6, 0x1ff,
    V6_PROT | SMFIP_MDS_1M, 1 };

/* The session under construction. */
typedef struct sb {
	df_script *s;
	const df_mta *m;
	uint32_t prot;		/* the filter's answer: offered & asked */
	char host[128], addr[128];
	char qid[32], from[256], rcpt[256];
	const char *auth;	/* {auth_authen}, NULL: not authenticated */
	int tls;
	unsigned nmsg;
} sb;

/* ---- packets ---- */

static void
sb_pkt(sb *b, int cmd, const void *data, size_t len)
{
	size_t from = b->s->buf.len;

	if (mp_enc_packet(&b->s->buf, cmd, data, len) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, cmd);
}

/* Bytes as they are, one step; cmd decides whether the MTA waits. */
static void
sb_raw(sb *b, const void *bytes, size_t len, int cmd)
{
	mp_buf *m = &b->s->buf;
	size_t from = m->len, cap;
	unsigned char *p;

	if (m->cap - m->len < len) {
		for (cap = m->cap ? m->cap : 256; cap - m->len < len; cap *= 2)
			;
		if ((p = realloc(m->data, cap)) == NULL) {
			b->s->oom = 1;
			return;
		}
		m->data = p;
		m->cap = cap;
	}
	memcpy(m->data + m->len, bytes, len);
	m->len += len;
	df_script_step(b->s, from, cmd);
}

static void
sb_strings(sb *b, int cmd, const char *const *v, size_t n)
{
	size_t from = b->s->buf.len;

	if (mp_enc_strings(&b->s->buf, cmd, v, n) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, cmd);
}

static void
sb_macros(sb *b, int stage, const char *const *nv, size_t n)
{
	size_t from = b->s->buf.len;

	if (mp_enc_macros(&b->s->buf, stage, nv, n) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, SMFIC_MACRO);
}

/* ---- the MTA's macros per stage ---- */

/* Fills nv with the MTA's macros for stage; returns the pair count, or -1
 * when the MTA has no macros configured for it (no packet at all). */
static int
macros_for(sb *b, int stage, const char **nv, char buf[][256])
{
	int n = 0;

#define M(name, ...) do { nv[2 * n] = (name); \
	if (snprintf(buf[n], 256, __VA_ARGS__) < 0) buf[n][0] = '\0'; \
	nv[2 * n + 1] = buf[n]; n++; \
    } while (0)
	switch (stage) {
	case SMFIC_CONNECT:
		M("j", "mx.test.example");
		if (b->m->sendmail) {
			M("_", "%s [%s]", b->host, b->addr);
			M("{daemon_name}", "MTA-v4");
			M("{if_name}", "localhost");
			M("{if_addr}", "127.0.0.1");
		} else {
			M("{daemon_name}", "mx.test.example");
			M("{daemon_addr}", "127.0.0.1");
			M("v", "Postfix 3.7.11");
			M("_", "%s [%s]", b->host, b->addr);
		}
		return n;
	case SMFIC_HELO:
		if (b->tls) {
			M("{tls_version}", "TLSv1.3");
			M("{cipher}", "TLS_AES_256_GCM_SHA384");
			M("{cipher_bits}", "256");
		}
		return n;
	case SMFIC_MAIL:
		/* Postfix has no queue id before the first accepted RCPT
		 * (smtpd_delay_open_until_valid_rcpt); Sendmail has one */
		if (b->m->sendmail)
			M("i", "%s", b->qid);
		if (b->auth != NULL) {
			M("{auth_type}", "PLAIN");
			M("{auth_authen}", "%s", b->auth);
		}
		M(b->m->sendmail ? "{mail_mailer}" : "{mail_addr}", "%s",
		    b->m->sendmail ? "esmtp" : b->from);
		M("{mail_host}", "example.com");
		M(b->m->sendmail ? "{mail_addr}" : "{mail_mailer}", "%s",
		    b->m->sendmail ? b->from : "smtp");
		return n;
	case SMFIC_RCPT:
		if (!b->m->sendmail)
			M("i", "%s", b->qid);
		M("{rcpt_mailer}", b->m->sendmail ? "local" : "smtp");
		M("{rcpt_host}", "example.net");
		M("{rcpt_addr}", "%s", b->rcpt);
		return n;
	case SMFIC_DATA:
	case SMFIC_EOH:
		if (b->m->sendmail)
			return -1;	/* none configured by default */
		M("i", "%s", b->qid);
		return n;
	case SMFIC_BODYEOB:
		if (b->m->sendmail)
			M("{msg_id}", "<%s@example.com>", b->qid);
		else
			M("i", "%s", b->qid);
		return n;
	default:
		return -1;
	}
#undef M
}

/*
 * One event as the MTA sends it: nothing when its protocol version has
 * no such event (it did not offer the event's SMFIP_NO* bit); else the
 * macros of the stage (if it has any configured), then the event unless
 * the filter asked to skip it. Returns whether the event was sent.
 */
static int
sb_event_begin(sb *b, int cmd, uint32_t noflag)
{
	const char *nv[32];
	char buf[16][256];
	int n;

	if (noflag != 0 && (b->m->protocol & noflag) == 0)
		return 0;
	if ((n = macros_for(b, cmd, nv, buf)) >= 0)
		sb_macros(b, cmd, nv, (size_t)n);
	return noflag == 0 || (b->prot & noflag) == 0;
}

/* ---- the commands ---- */

static void
sb_optneg(sb *b)
{
	size_t from = b->s->buf.len;

	if (mp_enc_optneg(&b->s->buf, b->m->version, b->m->actions,
	    b->m->protocol) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, SMFIC_OPTNEG);
}

static void
sb_connect(sb *b, const char *host, int family, unsigned port,
    const char *addr)
{
	size_t from;

	snprintf(b->host, sizeof(b->host), "%s", host);
	snprintf(b->addr, sizeof(b->addr), "%s", addr);
	if (!sb_event_begin(b, SMFIC_CONNECT, SMFIP_NOCONNECT))
		return;
	from = b->s->buf.len;
	if (mp_enc_connect(&b->s->buf, host, family, port, addr) < 0)
		b->s->oom = 1;
	df_script_step(b->s, from, SMFIC_CONNECT);
}

static void
sb_helo(sb *b, const char *name)
{
	if (sb_event_begin(b, SMFIC_HELO, SMFIP_NOHELO))
		sb_strings(b, SMFIC_HELO, &name, 1);
}

static void
sb_mail(sb *b, const char *from)
{
	const char *v[2] = { NULL, "BODY=8BITMIME" };
	char a[256];

	b->nmsg++;
	snprintf(b->qid, sizeof(b->qid), b->m->sendmail ? "54AD9x%03u" :
	    "4Yq7Kd%04u", b->nmsg);
	snprintf(b->from, sizeof(b->from), "%s", from);
	snprintf(a, sizeof(a), "<%s>", from);
	v[0] = a;
	if (sb_event_begin(b, SMFIC_MAIL, SMFIP_NOMAIL))
		sb_strings(b, SMFIC_MAIL, v, 2);
}

static void
sb_rcpt(sb *b, const char *to)
{
	const char *v[1];
	char a[256];

	snprintf(b->rcpt, sizeof(b->rcpt), "%s", to);
	snprintf(a, sizeof(a), "<%s>", to);
	v[0] = a;
	if (sb_event_begin(b, SMFIC_RCPT, SMFIP_NORCPT))
		sb_strings(b, SMFIC_RCPT, v, 1);
}

static void
sb_data(sb *b)
{
	if (sb_event_begin(b, SMFIC_DATA, SMFIP_NODATA))
		sb_pkt(b, SMFIC_DATA, "", 0);
}

/* value as it follows the colon in the message (" text"): the MTA strips
 * one space unless the filter takes values verbatim (HDR_LEADSPC). */
static void
sb_header(sb *b, const char *name, const char *value)
{
	const char *v[2];

	if ((b->m->protocol & SMFIP_NOHDRS) == 0 ||
	    (b->prot & SMFIP_NOHDRS) != 0)
		return;
	if ((b->prot & SMFIP_HDR_LEADSPC) == 0 && value[0] == ' ')
		value++;
	v[0] = name;
	v[1] = value;
	sb_strings(b, SMFIC_HEADER, v, 2);
}

static void
sb_eoh(sb *b)
{
	if (sb_event_begin(b, SMFIC_EOH, SMFIP_NOEOH))
		sb_pkt(b, SMFIC_EOH, "", 0);
}

/* Body chunks of at most MILTER_CHUNK_SIZE, as both MTAs send them. */
static void
sb_body(sb *b, const char *text, size_t len)
{
	size_t n;

	if ((b->prot & SMFIP_NOBODY) != 0)
		return;
	do {
		n = len > MP_CHUNK_MAX ? MP_CHUNK_MAX : len;
		sb_pkt(b, SMFIC_BODY, text, n);
		text += n;
		len -= n;
	} while (len > 0);
}

static void
sb_eom(sb *b)
{
	(void)sb_event_begin(b, SMFIC_BODYEOB, 0);
	sb_pkt(b, SMFIC_BODYEOB, "", 0);
}

static void
sb_abort(sb *b)
{
	sb_pkt(b, SMFIC_ABORT, "", 0);
}

static void
sb_quit(sb *b)
{
	sb_pkt(b, SMFIC_QUIT, "", 0);
}

static void
sb_quit_nc(sb *b)
{
	sb_pkt(b, 'K', "", 0);	/* SMFIC_QUIT_NC */
}

/* ---- building blocks ---- */

static void
sb_begin(sb *b, const char *host, const char *addr, const char *helo)
{
	sb_optneg(b);
	sb_connect(b, host, '4', 41025, addr);
	sb_helo(b, helo);
}

/* The header of a message: a folded Received, the Subject given, a field
 * to change and two to delete (the filter changes X-Change #1 and deletes
 * X-Delete #2), and the extra fields (name, value pairs; NULL ends). */
static void
sb_headers(sb *b, const char *subject, const char *const *extra)
{
	char msgid[64];

	sb_data(b);
	sb_header(b, "Received", " from client.example (client.example "
	    "[192.0.2.25])\n\tby mx.test.example with ESMTP");
	sb_header(b, "From", " Alice <alice@example.com>");
	sb_header(b, "To", " bob@example.net");
	sb_header(b, "Subject", subject);
	snprintf(msgid, sizeof(msgid), " <%s@example.com>", b->qid);
	sb_header(b, "Message-ID", msgid);
	sb_header(b, "X-Change", " original");
	sb_header(b, "X-Delete", " first");
	sb_header(b, "X-Delete", " second");
	for (; extra != NULL && extra[0] != NULL; extra += 2)
		sb_header(b, extra[0], extra[1]);
	sb_eoh(b);
}

static const char body_text[] =
    "Hello Bob,\r\n\r\nthis is the differential test's message.\r\n"
    "-- \r\nAlice\r\n";

/* A whole message from 'from' to one recipient. */
static void
sb_message(sb *b, const char *from, const char *to, const char *subject,
    const char *const *extra)
{
	sb_mail(b, from);
	sb_rcpt(b, to);
	sb_headers(b, subject, extra);
	sb_body(b, body_text, sizeof(body_text) - 1);
	sb_body(b, "second chunk\r\n", 14);
	sb_eom(b);
}
