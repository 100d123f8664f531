/*
 * tests/milter/diff/df_run.c - the MTA side of the differential test: sends
 * a script to a filter's unix socket as an MTA does (waiting for a reply
 * where the MTA waits), records what comes back, compares two records
 * and renders their events as text (contract in milterdiff.h).
 */
#include "tests/milter/diff/milterdiff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- scripts ---- */

void
df_script_init(df_script *s)
{
	memset(s, 0, sizeof(*s));
	mp_buf_init(&s->buf);
	/* malformed and oversized packets are the point: no encoder limit */
	(void)mp_buf_set_max(&s->buf, MP_DATA_ABS_MAX);
}

void
df_script_free(df_script *s)
{
	mp_buf_free(&s->buf);
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

void
df_script_step(df_script *s, size_t from, int cmd)
{
	df_step *p;

	if (s->buf.len <= from) {
		s->oom = 1;	/* the encoder refused the packet */
		return;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;

		if ((p = realloc(s->steps, cap * sizeof(*p))) == NULL) {
			s->oom = 1;
			return;
		}
		s->steps = p;
		s->cap = cap;
	}
	s->steps[s->n].off = from;
	s->steps[s->n].len = s->buf.len - from;
	s->steps[s->n].cmd = cmd;
	s->n++;
}

/* ---- records ---- */

void
df_record_free(df_record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->ev[i].data);
	free(r->ev);
	memset(r, 0, sizeof(*r));
}

static df_event *
add_event(df_record *r, size_t step, int cmd, int kind)
{
	df_event *e;

	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;

		if ((e = realloc(r->ev, cap * sizeof(*e))) == NULL)
			return NULL;
		r->ev = e;
		r->cap = cap;
	}
	e = &r->ev[r->n++];
	memset(e, 0, sizeof(*e));
	e->step = step;
	e->cmd = cmd;
	e->kind = kind;
	return e;
}

static int
ev_append(df_event *e, const unsigned char *p, size_t len)
{
	unsigned char *d = realloc(e->data, e->len + len + 1);

	if (d == NULL)
		return -1;
	memcpy(d + e->len, p, len);
	e->data = d;
	e->len += len;
	return 0;
}

long
df_record_cmp(const df_record *a, const df_record *b)
{
	size_t i;

	for (i = 0; i < a->n && i < b->n; i++) {
		const df_event *x = &a->ev[i], *y = &b->ev[i];

		if (x->step != y->step || x->kind != y->kind ||
		    x->len != y->len ||
		    (x->len > 0 && memcmp(x->data, y->data, x->len) != 0))
			return (long)i;
	}
	if (a->n != b->n || strcmp(a->err, b->err) != 0)
		return (long)i;
	return -1;
}

/* ---- the MTA side ---- */

/* Does the MTA wait for a reply to cmd, given the filter's flags? */
static int
waits(int cmd, uint32_t prot)
{
	switch (cmd) {
	case 0:		/* raw bytes that are no whole command */
	case SMFIC_MACRO: case SMFIC_ABORT: case SMFIC_QUIT: case 'K':
		return 0;
	case SMFIC_CONNECT: return (prot & SMFIP_NR_CONN) == 0;
	case SMFIC_HELO: return (prot & SMFIP_NR_HELO) == 0;
	case SMFIC_MAIL: return (prot & SMFIP_NR_MAIL) == 0;
	case SMFIC_RCPT: return (prot & SMFIP_NR_RCPT) == 0;
	case SMFIC_DATA: return (prot & SMFIP_NR_DATA) == 0;
	case SMFIC_UNKNOWN: return (prot & SMFIP_NR_UNKN) == 0;
	case SMFIC_HEADER: return (prot & SMFIP_NR_HDR) == 0;
	case SMFIC_EOH: return (prot & SMFIP_NR_EOH) == 0;
	case SMFIC_BODY: return (prot & SMFIP_NR_BODY) == 0;
	default: return 1;	/* OPTNEG, end of message, anything else */
	}
}

/* A reply after which the MTA sends its next command. */
static int
final_reply(int cmd)
{
	switch (cmd) {
	case SMFIR_ACCEPT: case SMFIR_CONTINUE: case SMFIR_DISCARD:
	case SMFIR_REJECT: case SMFIR_TEMPFAIL: case SMFIR_REPLYCODE:
	case SMFIR_SKIP: case SMFIC_OPTNEG: case SMFIR_SHUTDOWN:
	case SMFIR_CONN_FAIL:
		return 1;
	default:
		return 0;
	}
}

static int
write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* 1 all read, 0 end of connection before the first byte, -1 end of
 * connection or error after some bytes, -2 timeout. */
static int
read_full(int fd, unsigned char *p, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return -2;
		if (n <= 0)
			return got == 0 ? 0 : -1;
		got += (size_t)n;
	}
	return 1;
}

/*
 * Reads packets into a reply event of step up to a final reply (tail: up
 * to the end of the connection). Returns 1 after a final reply, 0 after
 * the end of the connection (an EOF event follows the bytes read), -1 on
 * a timeout (a no-reply event), -2 out of memory.
 */
static int
read_replies(int fd, df_record *r, size_t step, int cmd, int tail)
{
	df_event *e = NULL;
	unsigned char hdr[MP_HDR_LEN], *data;
	uint32_t len;
	const char *why;
	int rc;

	for (;;) {
		rc = read_full(fd, hdr, sizeof(hdr));
		if (rc == 1 && mp_parse_len(hdr, &len, &why) < 0)
			rc = -3;	/* not a packet: keep the bytes, stop */
		if (rc == 1) {
			if ((data = malloc(len + 1)) == NULL)
				return -2;
			rc = len > 0 ? read_full(fd, data, len) : 1;
			if (rc == 0)
				rc = -1;
			if (rc == 1 && e == NULL && (e = add_event(r, step, cmd,
			    tail ? DF_EV_TAIL : DF_EV_REPLY)) == NULL) {
				free(data);
				return -2;
			}
			if (rc == 1 && (ev_append(e, hdr, sizeof(hdr)) < 0 ||
			    ev_append(e, data, len) < 0)) {
				free(data);
				return -2;
			}
			free(data);
			if (rc == 1 && !tail && hdr[4] == SMFIC_OPTNEG &&
			    len >= 12) {
				const unsigned char *d =
				    e->data + e->len - len + 8;

				r->protocol = (uint32_t)d[0] << 24 |
				    (uint32_t)d[1] << 16 |
				    (uint32_t)d[2] << 8 | d[3];
			}
			if (rc == 1 && !tail && final_reply(hdr[4]))
				return 1;
			if (rc == 1)
				continue;
		}
		if (rc == -3) {
			if ((e == NULL && (e = add_event(r, step, cmd,
			    DF_EV_REPLY)) == NULL) ||
			    ev_append(e, hdr, sizeof(hdr)) < 0)
				return -2;
		}
		if (rc == -2) {
			if (add_event(r, step, cmd, DF_EV_NOREPLY) == NULL)
				return -2;
			return -1;
		}
		if (add_event(r, step, cmd, DF_EV_EOF) == NULL)
			return -2;
		return 0;
	}
}

int
df_run(const char *path, const df_script *s, int timeout_ms, df_record *r)
{
	struct sockaddr_un sun;
	struct timeval tv;
	int fd, gone = 0, negotiated = 0, rc = 1;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (s->oom) {
		snprintf(r->err, sizeof(r->err), "the script could not be built");
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		snprintf(r->err, sizeof(r->err), "connect %s: %s", path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (i = 0; i < s->n; i++) {
		const df_step *st = &s->steps[i];

		/* the filter closed: the next step that waits sees the end,
		 * whenever the write noticed it */
		if (!gone && write_all(fd, s->buf.data + st->off, st->len) < 0)
			gone = 1;
		if (!waits(st->cmd, negotiated ? r->protocol : 0))
			continue;
		rc = read_replies(fd, r, i, st->cmd, 0);
		if (rc != 1)
			break;
		if (st->cmd == SMFIC_OPTNEG)
			negotiated = 1;
	}
	if (rc == 1) {
		(void)shutdown(fd, SHUT_WR);
		rc = read_replies(fd, r, s->n, -1, 1);
	}
	close(fd);
	if (rc == -2) {
		snprintf(r->err, sizeof(r->err), "out of memory");
		return -1;
	}
	return 0;
}

/* ---- rendering ---- */

static void
put(char *out, size_t len, size_t *o, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
put(char *out, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o + 1 >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(out + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o += (size_t)n < len - *o ? (size_t)n : len - *o - 1;
}

/* A string for a text line: escaped, cut at max bytes. */
static void
put_str(char *out, size_t len, size_t *o, const char *s, size_t max)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == max) {
			put(out, len, o, "...");
			return;
		}
		if (c >= ' ' && c < 127)
			put(out, len, o, "%c", c);
		else
			put(out, len, o, "\\x%02x", c);
	}
}

/* The X-Diff value of one event (NULL: none). */
static const char *
xdiff_of(const df_event *e)
{
	size_t off = 0;
	uint32_t len;
	const char *why;
	mp_reply rep;

	while (e != NULL && e->kind != DF_EV_EOF && off + MP_HDR_LEN <= e->len &&
	    mp_parse_len(e->data + off, &len, &why) == 0 &&
	    off + MP_HDR_LEN + len <= e->len) {
		if (mp_decode_reply(e->data[off + 4], e->data + off + MP_HDR_LEN,
		    len, &rep, &why) == 0 && rep.cmd == SMFIR_ADDHEADER &&
		    strcmp(rep.name, "X-Diff") == 0)
			return rep.value;
		off += MP_HDR_LEN + len;
	}
	return NULL;
}

/* Is the space-separated field f (flen bytes) one of the fields of s? */
static int
has_field(const char *s, const char *f, size_t flen)
{
	const char *p = s;

	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n == flen && memcmp(p, f, n) == 0)
			return 1;
		p += n;
		p += strspn(p, " ");
	}
	return 0;
}

/* The fields of mine that are not in other's X-Diff. */
static void
put_xdiff_delta(char *out, size_t len, size_t *o, const char *mine,
    const char *other)
{
	const char *p = mine;
	int first = 1;

	put(out, len, o, "addheader(X-Diff: ");
	if ((mine[0] == ' ') != (other[0] == ' '))
		put(out, len, o, "%s", mine[0] == ' ' ? "\" ...\" " :
		    "\"...\" ");	/* the leading space differs */
	while (*p != '\0') {
		size_t n = strcspn(p, " ");

		if (n > 0 && !has_field(other, p, n)) {
			char f[512];

			snprintf(f, sizeof(f), "%.*s", (int)(n < 500 ? n : 500), p);
			put(out, len, o, "%s%s", first ? "" : " ", f);
			first = 0;
		}
		p += n;
		p += strspn(p, " ");
	}
	put(out, len, o, "%s)", first ? "(same fields)" : "");
}

static void
put_packets(char *out, size_t len, size_t *o, const df_event *e,
    const char *other_xdiff, int verbose)
{
	size_t off = 0;
	uint32_t n;
	const char *why;
	mp_reply rep;
	int first = 1;

	while (off < e->len) {
		if (!first)
			put(out, len, o, " ");
		first = 0;
		if (off + MP_HDR_LEN > e->len ||
		    mp_parse_len(e->data + off, &n, &why) < 0 ||
		    off + MP_HDR_LEN + n > e->len) {
			put(out, len, o, "(%zu bytes that are no packet)",
			    e->len - off);
			return;
		}
		if (mp_decode_reply(e->data[off + 4], e->data + off + MP_HDR_LEN,
		    n, &rep, &why) < 0) {
			put(out, len, o, "'%c'(%u bytes: %s)",
			    e->data[off + 4] >= ' ' && e->data[off + 4] < 127 ?
			    e->data[off + 4] : '?', n, why);
			off += MP_HDR_LEN + n;
			continue;
		}
		switch (rep.cmd) {
		case SMFIC_OPTNEG:
			put(out, len, o, "optneg(v%u act=0x%x prot=0x%x)",
			    rep.version, rep.actions, rep.protocol);
			break;
		case SMFIR_REPLYCODE:
		case SMFIR_QUARANTINE:
			put(out, len, o, "%s(", mp_reply_name(rep.cmd));
			put_str(out, len, o, rep.text, 80);
			put(out, len, o, ")");
			break;
		case SMFIR_ADDHEADER:
		case SMFIR_INSHEADER:
		case SMFIR_CHGHEADER:
			if (rep.cmd == SMFIR_ADDHEADER && other_xdiff != NULL &&
			    strcmp(rep.name, "X-Diff") == 0) {
				put_xdiff_delta(out, len, o, rep.value,
				    other_xdiff);
				break;
			}
			put(out, len, o, "%s(", mp_reply_name(rep.cmd));
			if (rep.cmd != SMFIR_ADDHEADER)
				put(out, len, o, "%u, ", rep.index);
			put_str(out, len, o, rep.name, 40);
			if (rep.cmd == SMFIR_CHGHEADER && rep.value[0] == '\0')
				put(out, len, o, ": <delete>");
			else if (!verbose && rep.value[0] == ' ')
				put(out, len, o, ": \" ...\"");	/* leading space */
			else if (verbose) {
				put(out, len, o, ": ");
				put_str(out, len, o, rep.value, 100);
			}
			put(out, len, o, ")");
			break;
		default:
			put(out, len, o, "%s", mp_reply_name(rep.cmd));
			break;
		}
		off += MP_HDR_LEN + n;
	}
}

void
df_render(const df_record *r, size_t i, const df_record *o, int verbose,
    char *out, size_t len)
{
	const df_event *e, *oe = NULL;
	size_t w = 0;

	out[0] = '\0';
	if (i >= r->n) {
		put(out, len, &w, "%s", r->err[0] ? r->err : "(nothing more)");
		return;
	}
	if (r->err[0] != '\0' && i + 1 == r->n)
		put(out, len, &w, "[%s] ", r->err);
	e = &r->ev[i];
	if (o != NULL && i < o->n)
		oe = &o->ev[i];
	if (e->cmd == -1)
		put(out, len, &w, "after the script: ");
	else
		put(out, len, &w, "step %zu (%c): ", e->step,
		    e->cmd > ' ' && e->cmd < 127 ? e->cmd : '?');
	switch (e->kind) {
	case DF_EV_EOF:
		put(out, len, &w, "connection closed");
		return;
	case DF_EV_NOREPLY:
		put(out, len, &w, "no reply (the MTA times out)");
		return;
	default:
		if (e->len == 0)
			put(out, len, &w, "nothing");
		else
			put_packets(out, len, &w, e, xdiff_of(e) != NULL ?
			    xdiff_of(oe) : NULL, verbose);
		return;
	}
}
