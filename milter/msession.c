/*
 * milter/msession.c - the filter side of one milter connection: packets to
 * handler callbacks, verdicts to reply packets (contract in msession_int.h;
 * the handler's side in milter.h).
 * No I/O; the caller (mserver.c, the tests, the fuzz target) moves bytes.
 */
#include "milter/msession_int.h"

#include <stdlib.h>
#include <string.h>

/* How far a verdict reaches (milter.h): the session, the message, or
 * only the command it answers. */
enum scope { SC_CONN, SC_HELO, SC_MSG, SC_RCPT };

void
msession_init(msession *s, const mhandler *h, void *hctx)
{
	memset(s, 0, sizeof(*s));
	s->h = h;
	s->hctx = hctx;
	s->max_data = MPROTO_DATA_MAX;
	mproto_buf_init(&s->out);
}

size_t
msession_max_data(const msession *s)
{
	return s->max_data;
}

uint32_t
msession_version(const msession *s)
{
	return s->version;
}

const char *
msession_warning(msession *s)
{
	const char *w = s->warning;

	s->warning = NULL;
	return w;
}

mproto_buf *
msession_out(msession *s)
{
	return &s->out;
}

void *
msession_priv(const msession *s)
{
	return s->priv;
}

void
msession_set_priv(msession *s, void *priv)
{
	s->priv = priv;
}

void *
msession_hctx(const msession *s)
{
	return s->hctx;
}

int
msession_in_message(const msession *s)
{
	return s->msg_open && s->msg_v.cmd == 0;
}

/* ---- macros ---- */

static int
stage_of(int cmd)
{
	switch (cmd) {
	case MPC_CONNECT: return MS_STAGE_CONNECT;
	case MPC_HELO: return MS_STAGE_HELO;
	case MPC_MAIL: return MS_STAGE_MAIL;
	case MPC_RCPT: return MS_STAGE_RCPT;
	case MPC_DATA: return MS_STAGE_DATA;
	case MPC_EOH: return MS_STAGE_EOH;
	case MPC_BODYEOB: return MS_STAGE_EOM;
	default: return -1;
	}
}

/* A stage's macros are gone; a big buffer is freed (its bytes count
 * against MSESSION_MACROS_MAX as long as it is held). */
static void
drop_macros(ms_macros *m)
{
	m->len = 0;
	if (m->cap > MSESSION_MACRO_KEEP) {
		free(m->buf);
		m->buf = NULL;
		m->cap = 0;
	}
}

/* The macros of the stages after 'stage' are gone (libmilter). */
static void
clear_macros_after(msession *s, int stage)
{
	int i;

	for (i = stage + 1; i < MS_STAGE_COUNT; i++)
		drop_macros(&s->mac[i]);
}

/* Replace a stage's macros, the buffers of all stages holding at most
 * MSESSION_MACROS_MAX bytes together (else the stage gets none). */
static int
set_macros(msession *s, int stage, const char *pairs, size_t len)
{
	ms_macros *m = &s->mac[stage];
	size_t others = 0, need;
	char *p;
	int i;

	for (i = 0; i < MS_STAGE_COUNT; i++)
		if (i != stage)
			others += s->mac[i].cap;
	need = len > m->cap || m->cap - len > MSESSION_MACRO_KEEP ? len :
	    m->cap;
	if (others + need > MSESSION_MACROS_MAX) {
		m->len = 0;
		free(m->buf);
		m->buf = NULL;
		m->cap = 0;
		if (!s->macros_warned) {
			s->macros_warned = 1;
			s->warning = "macros over the connection's limit of "
			    "64 KB: that stage's macros dropped";
		}
		return 0;
	}
	if (need != m->cap) {
		if (need == 0) {
			free(m->buf);
			p = NULL;
		} else if ((p = realloc(m->buf, need)) == NULL) {
			return -1;
		}
		m->buf = p;
		m->cap = need;
	}
	if (len > 0)
		memcpy(m->buf, pairs, len);
	m->len = len;
	return 0;
}

const char *
msession_getsymval(const msession *s, const char *name)
{
	const char *v;
	int i;

	for (i = MS_STAGE_COUNT - 1; i >= 0; i--)
		if (s->mac[i].len > 0 && (v = mproto_macro_get(s->mac[i].buf,
		    s->mac[i].len, name)) != NULL)
			return v;
	return NULL;
}

/* ---- what the handler may do ---- */

/* A header value as the MTA takes it: without SMFIP_HDR_LEADSPC it adds
 * the space after the colon itself, so ours goes (milter.h). */
static const char *
mta_value(const msession *s, const char *value)
{
	if (value != NULL && value[0] == ' ' && value[1] != '\0' &&
	    (s->protocol & MPP_HDR_LEADSPC) == 0)
		return value + 1;
	return value;
}

int
msession_setreply(msession *s, const char *rcode, const char *xcode,
    const char *text)
{
	if (mproto_fmt_reply(s->reply, sizeof(s->reply), rcode, xcode,
	    text) < 0) {
		s->reply[0] = '\0';
		return -1;
	}
	return 0;
}

static int
may(const msession *s, uint32_t action)
{
	return s->in_eom && (s->actions & action) != 0;
}

int
msession_addheader(msession *s, const char *name, const char *value)
{
	if (!may(s, MPF_ADDHDRS))
		return -1;
	return mproto_enc_addheader(&s->out, name, mta_value(s, value));
}

int
msession_insheader(msession *s, uint32_t index, const char *name,
    const char *value)
{
	if (!may(s, MPF_ADDHDRS))
		return -1;
	return mproto_enc_insheader(&s->out, index, name, mta_value(s,
	    value));
}

int
msession_chgheader(msession *s, uint32_t index, const char *name,
    const char *value)
{
	if (!may(s, MPF_CHGHDRS))
		return -1;
	return mproto_enc_chgheader(&s->out, index, name, mta_value(s,
	    value));
}

int
msession_quarantine(msession *s, const char *reason)
{
	if (!may(s, MPF_QUARANTINE))
		return -1;
	return mproto_enc_quarantine(&s->out, reason);
}

/* ---- verdicts ---- */

/* The verdict an mstat makes, with the reply text set in the callback. */
static void
to_verdict(msession *s, mstat r, ms_verdict *v)
{
	v->line[0] = '\0';
	switch (r) {
	case MS_ACCEPT: v->cmd = MPR_ACCEPT; break;
	case MS_DISCARD: v->cmd = MPR_DISCARD; break;
	case MS_REJECT:
	case MS_TEMPFAIL:
		v->cmd = r == MS_REJECT ? MPR_REJECT : MPR_TEMPFAIL;
		if (s->reply[0] == (r == MS_REJECT ? '5' : '4')) {
			v->cmd = MPR_REPLYCODE;
			memcpy(v->line, s->reply, sizeof(v->line));
		}
		break;
	default: v->cmd = MPR_CONTINUE; break;
	}
	s->reply[0] = '\0';
}

static int
send_verdict(msession *s, const ms_verdict *v)
{
	if (v->cmd == MPR_REPLYCODE)
		return mproto_enc_replyline(&s->out, v->line);
	return mproto_enc_reply(&s->out, v->cmd);
}

/* The reply to a command that reached no callback: the verdict that ended
 * the session or the message, or continue; none where NR was negotiated. */
static int
reply_again(msession *s, uint32_t nr, int in_msg_scope)
{
	ms_verdict c;

	if (nr != 0 && (s->protocol & nr) != 0)
		return 0;
	if (s->conn_v.cmd != 0)
		return send_verdict(s, &s->conn_v);
	if (in_msg_scope && s->msg_v.cmd != 0)
		return send_verdict(s, &s->msg_v);
	c.cmd = MPR_CONTINUE;
	return send_verdict(s, &c);
}

/* A callback returned r for a command whose reply the MTA skips when nr
 * was negotiated; keep the verdict at its scope and send the reply due. */
static int
finish(msession *s, mstat r, uint32_t nr, enum scope sc)
{
	ms_verdict v;

	to_verdict(s, r, &v);
	if (v.cmd != MPR_CONTINUE) {
		int narrow = v.cmd == MPR_REJECT || v.cmd == MPR_TEMPFAIL ||
		    v.cmd == MPR_REPLYCODE;

		if (sc == SC_CONN || (sc == SC_HELO && !narrow))
			s->conn_v = v;
		else if (sc == SC_MSG || (sc == SC_RCPT && !narrow))
			s->msg_v = v;
	}
	if (nr != 0 && (s->protocol & nr) != 0)
		return 0;	/* kept; the next replied command carries it */
	return send_verdict(s, &v);
}

/* ---- session life ---- */

static void
end_message(msession *s, int call_abort)
{
	if (s->msg_open && call_abort && s->h->abort != NULL)
		s->h->abort(s);
	s->msg_open = 0;
	s->msg_v.cmd = 0;
}

/* The SMTP session ends: abort() if in a message, close(). */
static void
close_session(msession *s)
{
	end_message(s, 1);
	if (s->opened && s->h->close != NULL)
		s->h->close(s);
	s->opened = 0;
	s->connected = 0;
	s->conn_v.cmd = 0;
}

void
msession_end(msession *s)
{
	close_session(s);
	clear_macros_after(s, -1);
}

void
msession_free(msession *s)
{
	int i;

	msession_end(s);
	for (i = 0; i < MS_STAGE_COUNT; i++) {
		free(s->mac[i].buf);
		s->mac[i].buf = NULL;
		s->mac[i].cap = s->mac[i].len = 0;
	}
	mproto_buf_free(&s->out);
}

static int
negotiate(msession *s, const mproto_pkt *p, const char **why)
{
	mproto_optneg o;
	uint32_t act = 0, prot = 0;

	if (s->negotiated) {
		*why = "option negotiation repeated";
		return -1;
	}
	if (mproto_dec_optneg(p, &o, why) < 0)
		return -1;
	if (o.version < MPROTO_VERSION_MIN) {
		*why = "MTA protocol version below 2";
		return -1;
	}
	if (s->h->negotiate != NULL &&
	    s->h->negotiate(s, o.actions, o.protocol, &act, &prot) !=
	    MS_CONTINUE) {
		*why = "the filter refused the MTA's options";
		return -1;
	}
	s->negotiated = 1;
	s->opened = 1;
	s->version = o.version < MPROTO_VERSION ? o.version : MPROTO_VERSION;
	s->actions = act & o.actions;
	s->protocol = prot & o.protocol & ~(MPP_MDS_256K | MPP_MDS_1M);
	/* the packet size the MTA offered, echoed as libmilter does; the
	 * larger when it offers both */
	if (o.protocol & MPP_MDS_1M) {
		s->protocol |= MPP_MDS_1M;
		s->max_data = MPROTO_MDS_1M;
	} else if (o.protocol & MPP_MDS_256K) {
		s->protocol |= MPP_MDS_256K;
		s->max_data = MPROTO_MDS_256K;
	}
	if (mproto_enc_optneg(&s->out, s->version, s->actions,
	    s->protocol) < 0) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
on_macro(msession *s, const mproto_pkt *p, const char **why)
{
	const char *pairs;
	size_t len;
	int stage;

	if (mproto_dec_macro(p, &stage, &pairs, &len, why) < 0)
		return -1;
	if ((stage = stage_of(stage)) < 0)
		return 0;	/* a stage libmilter knows no macros for */
	if (set_macros(s, stage, pairs, len) < 0) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
on_connect(msession *s, const mproto_pkt *p, const char **why)
{
	mproto_connect c;
	mstat r = MS_CONTINUE;

	if (mproto_dec_connect(p, &c, why) < 0)
		return -1;
	if (s->connected)
		close_session(s);	/* a new session without QUIT_NC */
	s->opened = 1;
	s->connected = 1;
	if (s->h->connect != NULL)
		r = s->h->connect(s, &c);
	return finish(s, r, MPP_NR_CONN, SC_CONN);
}

static int
on_envelope(msession *s, const mproto_pkt *p, const char **why)
{
	const char *argv[MSESSION_ARGV_MAX + 1];
	size_t argc;
	mstat r = MS_CONTINUE;
	int mail = p->cmd == MPC_MAIL;
	uint32_t nr = mail ? MPP_NR_MAIL : MPP_NR_RCPT;

	if (mproto_dec_argv(p, argv, MSESSION_ARGV_MAX, &argc, why) < 0)
		return -1;
	if (mail) {
		end_message(s, 0);	/* a new transaction */
		if (s->conn_v.cmd != 0)
			return reply_again(s, nr, 0);
		s->msg_open = 1;
		if (s->h->envfrom != NULL)
			r = s->h->envfrom(s, argv, argc);
		return finish(s, r, nr, SC_MSG);
	}
	if (s->conn_v.cmd != 0 || s->msg_v.cmd != 0)
		return reply_again(s, nr, 1);
	if (s->h->envrcpt != NULL)
		r = s->h->envrcpt(s, argv, argc);
	return finish(s, r, nr, SC_RCPT);
}

static int
on_eom(msession *s, const mproto_pkt *p)
{
	mstat r = MS_CONTINUE;
	int rc;

	if (s->conn_v.cmd != 0 || s->msg_v.cmd != 0) {
		rc = reply_again(s, 0, 1);
		end_message(s, 1);
		return rc;
	}
	if (p->len > 0 && s->h->body != NULL)
		r = s->h->body(s, p->data, p->len);
	if (r == MS_CONTINUE && s->h->eom != NULL) {
		s->in_eom = 1;
		r = s->h->eom(s);
		s->in_eom = 0;
	}
	s->msg_open = 0;	/* eom() was the message's end */
	rc = finish(s, r, 0, SC_MSG);
	s->msg_v.cmd = 0;
	return rc;
}

/* A message command (DATA, header, EOH, body) to its callback. */
static int
on_message_step(msession *s, const mproto_pkt *p, const char **why)
{
	const char *name, *value;
	size_t vlen;
	mstat r = MS_CONTINUE;
	uint32_t nr;

	switch (p->cmd) {
	case MPC_DATA: nr = MPP_NR_DATA; break;
	case MPC_HEADER: nr = MPP_NR_HDR; break;
	case MPC_EOH: nr = MPP_NR_EOH; break;
	default: nr = MPP_NR_BODY; break;
	}
	if (p->cmd == MPC_HEADER &&
	    mproto_dec_header(p, &name, &value, &vlen, why) < 0)
		return -1;
	if (s->conn_v.cmd != 0 || s->msg_v.cmd != 0)
		return reply_again(s, nr, 1);
	switch (p->cmd) {
	case MPC_DATA:
		if (s->h->data != NULL)
			r = s->h->data(s);
		break;
	case MPC_HEADER:
		if (s->h->header != NULL)
			r = s->h->header(s, name, value, vlen);
		break;
	case MPC_EOH:
		if (s->h->eoh != NULL)
			r = s->h->eoh(s);
		break;
	default:
		if (s->h->body != NULL)
			r = s->h->body(s, p->data, p->len);
		break;
	}
	return finish(s, r, nr, SC_MSG);
}

int
msession_oversized(msession *s, const mproto_skip *k, const char **why)
{
	char name[MPROTO_SKIP_KEEP + 1];
	size_t n;
	mstat r;
	int rc;

	*why = NULL;
	if (k->cmd != MPC_HEADER || !s->negotiated) {
		*why = "packet longer than the limit";
		return MSESSION_ERROR;
	}
	n = strnlen((const char *)k->keep, k->kept);
	if (n == 0) {
		*why = "header: empty name";
		return MSESSION_ERROR;
	}
	memcpy(name, k->keep, n);
	name[n] = '\0';
	if (s->conn_v.cmd != 0 || s->msg_v.cmd != 0) {
		rc = reply_again(s, MPP_NR_HDR, 1);
	} else {
		r = s->h->header_skipped != NULL ?
		    s->h->header_skipped(s, name, k->size) : MS_TEMPFAIL;
		rc = finish(s, r, MPP_NR_HDR, SC_MSG);
	}
	if (rc < 0) {
		*why = "out of memory";
		return MSESSION_ERROR;
	}
	return MSESSION_OK;
}

static int
dispatch(msession *s, const mproto_pkt *p, const char **why)
{
	const char *str;
	mstat r = MS_CONTINUE;
	int stage = stage_of(p->cmd);

	if (stage >= 0)
		clear_macros_after(s, stage);
	switch (p->cmd) {
	case MPC_MACRO:
		return on_macro(s, p, why);
	case MPC_CONNECT:
		return on_connect(s, p, why);
	case MPC_HELO:
		if (mproto_dec_str(p, &str, why) < 0)
			return -1;
		if (s->conn_v.cmd != 0)
			return reply_again(s, MPP_NR_HELO, 0);
		if (s->h->helo != NULL)
			r = s->h->helo(s, str);
		return finish(s, r, MPP_NR_HELO, SC_HELO);
	case MPC_MAIL:
	case MPC_RCPT:
		return on_envelope(s, p, why);
	case MPC_DATA:
	case MPC_HEADER:
	case MPC_EOH:
	case MPC_BODY:
		return on_message_step(s, p, why);
	case MPC_BODYEOB:
		return on_eom(s, p);
	case MPC_ABORT:
		end_message(s, 1);
		return 0;
	case MPC_UNKNOWN:
		if (mproto_dec_str(p, &str, why) < 0)
			return -1;
		return reply_again(s, MPP_NR_UNKN, 1);
	case MPC_QUIT_NC:
		msession_end(s);	/* options stay negotiated */
		return 0;
	default:
		*why = "unknown command";
		return -1;
	}
}

int
msession_packet(msession *s, const mproto_pkt *p, const char **why)
{
	*why = NULL;
	if (p->cmd == MPC_QUIT) {
		msession_end(s);
		return MSESSION_QUIT;
	}
	if (p->cmd == MPC_OPTNEG)
		return negotiate(s, p, why) < 0 ? MSESSION_ERROR : MSESSION_OK;
	if (!s->negotiated) {
		*why = "command before option negotiation";
		return MSESSION_ERROR;
	}
	if (dispatch(s, p, why) < 0) {
		if (*why == NULL)
			*why = "out of memory";
		return MSESSION_ERROR;
	}
	return MSESSION_OK;
}
