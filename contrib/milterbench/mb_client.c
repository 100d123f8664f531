/*
 * contrib/milterbench/mb_client.c - an MTA-side milter connection and the
 * per-message dialogue of protocol version 6 (contract in mb_client.h).
 * Never prints; failures come back as static reason strings.
 */
#include "contrib/milterbench/mb_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MTA_HOSTNAME	"mx.bench.test"		/* macro j */
#define MTA_PORT_BASE	40000			/* client ports used in CONNECT */

enum step { STEP_CONT, STEP_SKIP, STEP_END, STEP_ERR };

static int
dial(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct addrinfo hints, *ai = NULL, *a;
	const char *path, *at;
	char port[16];
	size_t plen;
	int fd = -1, rc;

	if (strncmp(spec, "unix:", 5) == 0 || strncmp(spec, "local:", 6) == 0) {
		path = strchr(spec, ':') + 1;
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path)) {
			snprintf(err, errlen, "%s: socket path too long", spec);
			return -1;
		}
		memcpy(sun.sun_path, path, strlen(path) + 1);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			snprintf(err, errlen, "%s: %s", spec, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		return fd;
	}
	if ((strncmp(spec, "inet:", 5) != 0 && strncmp(spec, "inet6:", 6) != 0) ||
	    (at = strchr(spec, '@')) == NULL) {
		snprintf(err, errlen, "%s: want unix:/path or inet:port@host",
		    spec);
		return -1;
	}
	path = strchr(spec, ':') + 1;
	plen = (size_t)(at - path);
	if (plen == 0 || plen >= sizeof(port)) {
		snprintf(err, errlen, "%s: bad port", spec);
		return -1;
	}
	memcpy(port, path, plen);
	port[plen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(at + 1, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return -1;
	}
	for (a = ai; a != NULL; a = a->ai_next) {
		if ((fd = socket(a->ai_family, SOCK_STREAM, 0)) < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", spec, strerror(errno));
	freeaddrinfo(ai);
	return fd;
}

static int
flush_out(mb_conn *c)
{
	size_t off = 0;
	ssize_t n;

	while (off < c->out.len) {
		n = send(c->fd, c->out.data + off, c->out.len - off,
		    MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	c->out.len = 0;
	return 0;
}

/* len bytes from the connection, through its read buffer. */
static int
read_full(mb_conn *c, unsigned char *p, size_t len)
{
	ssize_t n;
	size_t take;

	while (len > 0) {
		if (c->roff == c->rlen) {
			c->roff = c->rlen = 0;
			if (len >= sizeof(c->rbuf)) {
				/* a large packet body: straight into place */
				n = read(c->fd, p, len);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					return -1;
				p += n;
				len -= (size_t)n;
				continue;
			}
			n = read(c->fd, c->rbuf, sizeof(c->rbuf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			c->rlen = (size_t)n;
		}
		take = c->rlen - c->roff < len ? c->rlen - c->roff : len;
		memcpy(p, c->rbuf + c->roff, take);
		c->roff += take;
		p += take;
		len -= take;
	}
	return 0;
}

/* Flush what is pending, then read and decode one reply packet. */
static int
read_reply(mb_conn *c, mp_reply *r, const char **why)
{
	unsigned char head[MP_HDR_LEN], *p;
	uint32_t len;

	if (flush_out(c) < 0) {
		*why = "write to milter failed (connection closed?)";
		return -1;
	}
	if (read_full(c, head, sizeof(head)) < 0) {
		*why = "milter closed the connection or timed out";
		return -1;
	}
	if (mp_parse_len(head, &len, why) < 0)
		return -1;
	if (len + 1 > c->incap) {
		if ((p = realloc(c->in, len + 1)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		c->in = p;
		c->incap = len + 1;
	}
	if (len > 0 && read_full(c, c->in, len) < 0) {
		*why = "milter closed the connection inside a packet";
		return -1;
	}
	return mp_decode_reply(head[4], c->in, len, r, why);
}

int
mb_conn_open(mb_conn *c, const char *spec, int timeout_s, char *err,
    size_t errlen)
{
	struct timeval tv;
	mp_reply r;
	const char *why;

	memset(c, 0, sizeof(*c));
	mp_buf_init(&c->out);
	if ((c->fd = dial(spec, err, errlen)) < 0)
		return -1;
	tv.tv_sec = timeout_s;
	tv.tv_usec = 0;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (mp_enc_optneg(&c->out, MP_VERSION, SMFI_CURR_ACTS,
	    SMFI_CURR_PROT) < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (read_reply(c, &r, &why) < 0) {
		snprintf(err, errlen, "%s: option negotiation: %s", spec, why);
		goto fail;
	}
	if (r.cmd != SMFIC_OPTNEG || r.version < 2 || r.version > MP_VERSION) {
		snprintf(err, errlen, "%s: option negotiation: unexpected "
		    "reply '%c' version %u", spec, r.cmd, (unsigned)r.version);
		goto fail;
	}
	c->acts = r.actions & SMFI_CURR_ACTS;
	c->prot = r.protocol;
	return 0;
fail:
	mb_conn_close(c);
	return -1;
}

void
mb_conn_drop(mb_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	mp_buf_free(&c->out);
	free(c->in);
	c->in = NULL;
	c->incap = 0;
}

void
mb_conn_close(mb_conn *c)
{
	if (c->fd >= 0) {
		mp_buf_free(&c->out);
		(void)mp_enc_packet(&c->out, SMFIC_QUIT, NULL, 0);
		(void)flush_out(c);
		close(c->fd);
	}
	c->fd = -1;
	mp_buf_free(&c->out);
	free(c->in);
	c->in = NULL;
	c->incap = 0;
}

long
mb_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

void
mb_result_reset(mb_result *r)
{
	memset(r, 0, sizeof(*r));
}

void
mb_result_free(mb_result *r)
{
	size_t i;

	for (i = 0; i < r->nmods; i++) {
		free(r->mods[i].name);
		free(r->mods[i].value);
	}
	free(r->text);
	free(r->quarantine);
	mb_result_reset(r);
}

static int
is_final(int cmd)
{
	return cmd == SMFIR_ACCEPT || cmd == SMFIR_CONTINUE ||
	    cmd == SMFIR_REJECT || cmd == SMFIR_TEMPFAIL ||
	    cmd == SMFIR_DISCARD || cmd == SMFIR_REPLYCODE ||
	    cmd == SMFIR_SHUTDOWN || cmd == SMFIR_CONN_FAIL;
}

static int
record_mod(mb_result *res, mb_hdrs *h, const mp_reply *r)
{
	mb_mod *m;

	if (mb_hdrs_edit(h, r->cmd, r->index, r->name, r->value) < 0)
		return -1;
	if (res->nmods >= MB_MODS_MAX)
		return 0;
	m = &res->mods[res->nmods];
	m->op = r->cmd;
	m->index = r->index;
	m->name = strdup(r->name);
	m->value = strdup(r->value);
	res->nmods++;
	return m->name && m->value ? 0 : -1;
}

/*
 * Await the reply to the step just queued (unless the milter said it sends
 * none) and classify it. At end of message (eom) modifications, progress
 * and quarantine come before the final reply; before it only progress.
 */
static enum step
await(mb_conn *c, int noreply, int eom, mb_hdrs *h, mb_result *res)
{
	mp_reply r;

	if (noreply)
		return STEP_CONT;
	for (;;) {
		if (read_reply(c, &r, &res->error) < 0)
			return STEP_ERR;
		if (r.cmd == SMFIR_PROGRESS) {
			res->nprogress++;
			continue;
		}
		if (r.cmd == SMFIR_SKIP && !eom)
			return STEP_SKIP;
		if (eom && (r.cmd == SMFIR_ADDHEADER ||
		    r.cmd == SMFIR_INSHEADER || r.cmd == SMFIR_CHGHEADER)) {
			if (record_mod(res, h, &r) < 0) {
				res->error = "out of memory";
				return STEP_ERR;
			}
			continue;
		}
		if (eom && r.cmd == SMFIR_QUARANTINE) {
			free(res->quarantine);
			res->quarantine = strdup(r.text);
			continue;
		}
		if (eom && (r.cmd == SMFIR_ADDRCPT || r.cmd == SMFIR_DELRCPT ||
		    r.cmd == SMFIR_ADDRCPT_PAR || r.cmd == SMFIR_CHGFROM ||
		    r.cmd == SMFIR_REPLBODY))
			continue;	/* envelope/body edits: not modelled */
		if (!is_final(r.cmd)) {
			res->error = "reply not allowed at this stage";
			return STEP_ERR;
		}
		if (r.cmd == SMFIR_CONTINUE && !eom)
			return STEP_CONT;
		res->action = r.cmd;
		if (r.cmd == SMFIR_REPLYCODE && (res->text = strdup(r.text)) ==
		    NULL) {
			res->error = "out of memory";
			return STEP_ERR;
		}
		return STEP_END;
	}
}

#define QUEUE(expr) do { if ((expr) < 0) goto nomem; } while (0)
#define STEP(noreply, eom) do { \
	switch (await(c, (noreply), (eom), h, res)) { \
	case STEP_CONT: break; \
	case STEP_SKIP: skip = 1; break; \
	case STEP_END: goto ended; \
	case STEP_ERR: goto fail; \
	} } while (0)

/* The cut point is reached: abort (RSET) or drop the connection. */
static int
cut_here(mb_conn *c, const mb_cut *cut, mb_result *res)
{
	if (cut->kind == MB_CUT_DROP) {
		(void)flush_out(c);	/* the peer may have gone already */
		mb_conn_drop(c);
		return 1;
	}
	if (mp_enc_packet(&c->out, SMFIC_ABORT, NULL, 0) < 0 ||
	    flush_out(c) < 0) {
		res->error = "abort: write to milter failed";
		mb_conn_close(c);
		return -1;
	}
	c->mid_session = 1;
	return 1;
}

int
mb_conn_message(mb_conn *c, const mb_message *m, mb_hdrs *h, mb_result *res)
{
	return mb_conn_message_cut(c, m, h, res, NULL) < 0 ? -1 : 0;
}

int
mb_conn_message_cut(mb_conn *c, const mb_message *m, mb_hdrs *h,
    mb_result *res, const mb_cut *cut)
{
	const char *cmac[8], *mmac[8], *s[2], *v;
	char rcpt[1024], from[1024], client[256];
	uint32_t p = c->prot;
	size_t i, n, off, body_end = m->body_len;
	int in_msg = 0, skip = 0;

	mb_result_reset(res);
	c->reusable = 0;
	if (c->mid_session) {
		/* after SMFIC_ABORT: same SMTP session, next transaction */
		c->mid_session = 0;
		c->sessions++;
		goto mail;
	}
	if (c->sessions++ > 0)
		QUEUE(mp_enc_packet(&c->out, SMFIC_QUIT_NC, NULL, 0));
	snprintf(client, sizeof(client), "[%s] [%s]", m->client_ip,
	    m->client_ip);
	cmac[0] = "j"; cmac[1] = MTA_HOSTNAME;
	cmac[2] = "{daemon_name}"; cmac[3] = "milterbench";
	cmac[4] = "v"; cmac[5] = "Postfix 3.7 (milterbench)";
	cmac[6] = "_"; cmac[7] = client;
	QUEUE(mp_enc_macros(&c->out, SMFIC_CONNECT, cmac, 4));
	if (!(p & SMFIP_NOCONNECT)) {
		QUEUE(mp_enc_connect(&c->out, m->client_ip,
		    strchr(m->client_ip, ':') ? SMFIA_INET6 : SMFIA_INET,
		    MTA_PORT_BASE + (unsigned)(c->sessions % 20000),
		    m->client_ip));
		STEP(p & SMFIP_NR_CONN, 0);
	}
	if (!(p & SMFIP_NOHELO)) {
		s[0] = m->helo;
		QUEUE(mp_enc_strings(&c->out, SMFIC_HELO, s, 1));
		STEP(p & SMFIP_NR_HELO, 0);
	}
mail:
	in_msg = 1;
	n = 0;
	mmac[n++] = "i"; mmac[n++] = m->id;
	mmac[n++] = "{mail_addr}"; mmac[n++] = m->mail_from;
	if (m->auth != NULL) {
		mmac[n++] = "{auth_type}"; mmac[n++] = "PLAIN";
		mmac[n++] = "{auth_authen}"; mmac[n++] = m->auth;
	}
	QUEUE(mp_enc_macros(&c->out, SMFIC_MAIL, mmac, n / 2));
	if (!(p & SMFIP_NOMAIL)) {
		snprintf(from, sizeof(from), "<%s>", m->mail_from);
		s[0] = from;
		QUEUE(mp_enc_strings(&c->out, SMFIC_MAIL, s, 1));
		STEP(p & SMFIP_NR_MAIL, 0);
	}
	for (i = 0; i < m->nrcpts; i++) {
		cmac[0] = "{rcpt_addr}"; cmac[1] = m->rcpts[i];
		QUEUE(mp_enc_macros(&c->out, SMFIC_RCPT, cmac, 1));
		if (p & SMFIP_NORCPT)
			continue;
		snprintf(rcpt, sizeof(rcpt), "<%s>", m->rcpts[i]);
		s[0] = rcpt;
		QUEUE(mp_enc_strings(&c->out, SMFIC_RCPT, s, 1));
		STEP(p & SMFIP_NR_RCPT, 0);
	}
	if (!(p & SMFIP_NODATA)) {
		QUEUE(mp_enc_packet(&c->out, SMFIC_DATA, NULL, 0));
		STEP(p & SMFIP_NR_DATA, 0);
	}
	for (i = 0; i < h->n && !(p & SMFIP_NOHDRS); i++) {
		if (cut != NULL && i == cut->headers)
			return cut_here(c, cut, res);
		v = h->h[i].value;
		if (!(p & SMFIP_HDR_LEADSPC))
			while (*v == ' ' || *v == '\t')
				v++;
		if (mp_enc_header(&c->out, h->h[i].name, v) < 0) {
			res->error = "header longer than the packet limit";
			goto fail;
		}
		STEP(p & SMFIP_NR_HDR, 0);
	}
	if (!(p & SMFIP_NOEOH)) {
		QUEUE(mp_enc_packet(&c->out, SMFIC_EOH, NULL, 0));
		STEP(p & SMFIP_NR_EOH, 0);
	}
	if (cut != NULL && cut->headers != SIZE_MAX)
		return cut_here(c, cut, res);	/* all headers sent, no EOH */
	if (cut != NULL && cut->headers == SIZE_MAX && cut->body < body_end)
		body_end = cut->body;
	for (off = 0; off < body_end && !(p & SMFIP_NOBODY) && !skip;
	    off += n) {
		n = body_end - off;
		if (n > MP_CHUNK_MAX)
			n = MP_CHUNK_MAX;
		QUEUE(mp_enc_packet(&c->out, SMFIC_BODY, m->body + off, n));
		STEP(p & SMFIP_NR_BODY, 0);
		if (c->out.len >= MB_FLUSH_BYTES && flush_out(c) < 0) {
			res->error = "write to milter failed (connection closed?)";
			goto fail;
		}
	}
	if (cut != NULL && cut->headers == SIZE_MAX && !skip)
		return cut_here(c, cut, res);
	QUEUE(mp_enc_packet(&c->out, SMFIC_BODYEOB, NULL, 0));
	res->eom_us = mb_now_us();
	if (await(c, 0, 1, h, res) != STEP_END)
		goto fail;
	res->eom_us = mb_now_us() - res->eom_us;
	c->reusable = res->action == SMFIR_CONTINUE;
	return 0;
ended:
	/* a final reply before end of message: the MTA drops the message */
	if (in_msg)
		QUEUE(mp_enc_packet(&c->out, SMFIC_ABORT, NULL, 0));
	return 0;
nomem:
	res->error = "out of memory";
fail:
	mb_conn_close(c);
	return -1;
}
