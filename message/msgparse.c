/*
 * message/msgparse.c - incremental RFC 5322 message splitter (contract in
 * message.h). Header lines are assembled byte by byte (they are short and
 * bounded); body bytes are passed on in slices, converted to CRLF.
 */
#include "message/message.h"

#include <stdio.h>
#include <string.h>

enum { MP_HEADERS, MP_BODY, MP_FAILED };

#define MP_BODY_SLICE 65536 /* body bytes converted per callback */

void
mp_init(msgparse *p, const msgparse_events *ev, void *arg, size_t max_field)
{
	memset(p, 0, sizeof(*p));
	p->ev = ev;
	p->arg = arg;
	p->state = MP_HEADERS;
	p->at_bol = 1;
	sb_init_max(&p->field, max_field);
	sb_init_max(&p->line, max_field);
	sb_init(&p->out);
}

void
mp_free(msgparse *p)
{
	sb_free(&p->field);
	sb_free(&p->line);
	sb_free(&p->out);
}

static int
mp_fail(msgparse *p, const char *why)
{
	if (p->state != MP_FAILED)
		snprintf(p->error, sizeof(p->error), "%s", why);
	p->state = MP_FAILED;
	return -1;
}

/* Length of the field name if `line` starts a header field, else 0. */
static size_t
field_name_len(const char *line, size_t len)
{
	size_t i, end;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == ':' || c == ' ' || c == '\t')
			break;
		if (c < 33 || c > 126)
			return 0;
	}
	end = i;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++; /* obsolete WSP before the colon (RFC 5322 4.5) */
	if (end == 0 || i >= len || line[i] != ':')
		return 0;
	return end;
}

static int
flush_field(msgparse *p)
{
	size_t n, colon;

	if (p->field.len == 0)
		return 0;
	n = field_name_len(p->field.s, p->field.len);
	colon = (size_t)((char *)memchr(p->field.s, ':', p->field.len) -
	    p->field.s);
	if (p->ev->header != NULL && p->ev->header(p->arg, p->field.s, n,
	    p->field.s + colon + 1, p->field.len - colon - 1) != 0)
		return mp_fail(p, "stopped by the header handler");
	sb_reset(&p->field);
	return 0;
}

static int
emit_body(msgparse *p, const char *data, size_t len)
{
	if (len && p->ev->body != NULL && p->ev->body(p->arg, data, len) != 0)
		return mp_fail(p, "stopped by the body handler");
	return 0;
}

static int
end_headers(msgparse *p)
{
	if (flush_field(p) < 0)
		return -1;
	p->state = MP_BODY;
	if (p->ev->eoh != NULL && p->ev->eoh(p->arg) != 0)
		return mp_fail(p, "stopped by the end-of-header handler");
	return 0;
}

/* One header-section line, without its line end (eol: it had one). */
static int
header_line(msgparse *p, const char *s, size_t len, int eol)
{
	if (len == 0)
		return end_headers(p);
	if (p->nlines++ == 0 && len >= 5 && memcmp(s, "From ", 5) == 0)
		return 0; /* mbox separator */
	if (s[0] == ' ' || s[0] == '\t') {
		if (p->field.len > 0) {
			if (sb_append(&p->field, "\r\n", 2) < 0 ||
			    sb_append(&p->field, s, len) < 0)
				return mp_fail(p, "header field too long");
			return 0;
		}
	} else if (field_name_len(s, len) > 0) {
		if (flush_field(p) < 0)
			return -1;
		if (sb_append(&p->field, s, len) < 0)
			return mp_fail(p, "header field too long");
		return 0;
	}
	/* Neither a field nor a continuation: the body starts here. */
	if (end_headers(p) < 0 || emit_body(p, s, len) < 0 ||
	    (eol && emit_body(p, "\r\n", 2) < 0))
		return -1;
	return 0;
}

/* Body bytes, with every bare LF made CRLF: runs without a bare LF are
 * passed on as they are; only the bytes around a bare LF are rewritten. */
static int
push_body(msgparse *p, const char *data, size_t len)
{
	while (len > 0) {
		size_t n = len < MP_BODY_SLICE ? len : MP_BODY_SLICE;
		const char *s = data, *end = data + n, *lf;

		sb_reset(&p->out);
		while (s < end && (lf = memchr(s, '\n', (size_t)(end - s))) != NULL) {
			int bare = lf == data ? !p->pending_cr : lf[-1] != '\r';

			if (bare) {
				sb_append(&p->out, s, (size_t)(lf - s));
				sb_append(&p->out, "\r\n", 2);
			} else {
				sb_append(&p->out, s, (size_t)(lf - s) + 1);
			}
			s = lf + 1;
		}
		sb_append(&p->out, s, (size_t)(end - s));
		p->pending_cr = data[n - 1] == '\r';
		if (p->out.failed)
			return mp_fail(p, "out of memory");
		if (emit_body(p, p->out.s, p->out.len) < 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

int
mp_push(msgparse *p, const char *data, size_t len)
{
	size_t i;

	if (p->state == MP_FAILED)
		return -1;
	for (i = 0; i < len && p->state == MP_HEADERS; i++) {
		if (data[i] != '\n') {
			if (sb_putc(&p->line, data[i]) < 0)
				return mp_fail(p, "header line too long");
			continue;
		}
		if (p->line.len > 0 && p->line.s[p->line.len - 1] == '\r')
			sb_truncate(&p->line, p->line.len - 1);
		if (header_line(p, p->line.s, p->line.len, 1) < 0)
			return -1;
		sb_reset(&p->line);
	}
	if (p->state == MP_BODY && i < len)
		return push_body(p, data + i, len - i);
	return p->state == MP_FAILED ? -1 : 0;
}

int
mp_finish(msgparse *p)
{
	if (p->state == MP_FAILED)
		return -1;
	if (p->state == MP_HEADERS) {
		if (p->line.len > 0) {
			if (p->line.s[p->line.len - 1] == '\r')
				sb_truncate(&p->line, p->line.len - 1);
			if (header_line(p, p->line.s, p->line.len, 0) < 0)
				return -1;
			sb_reset(&p->line);
		}
		if (p->state == MP_HEADERS && end_headers(p) < 0)
			return -1;
	}
	return p->state == MP_FAILED ? -1 : 0;
}
