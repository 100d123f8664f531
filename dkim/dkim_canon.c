/*
 * dkim/dkim_canon.c - RFC 6376 3.4 header and streaming body
 * canonicalization (see dkim_canon.h).
 */
#include "dkim/dkim_canon.h"

#include <string.h>

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

int
dkim_canon_header(strbuf *out, int relaxed, const char *name, size_t namelen,
    const char *value, size_t valuelen, int crlf)
{
	size_t i;
	int wsp = 0, started = 0;

	if (!relaxed) {
		sb_append(out, name, namelen);
		sb_putc(out, ':');
		sb_append(out, value, valuelen);
	} else {
		while (namelen > 0 && is_wsp((unsigned char)name[namelen - 1]))
			namelen--;
		for (i = 0; i < namelen; i++) {
			int c = (unsigned char)name[i];

			sb_putc(out, c >= 'A' && c <= 'Z' ? c + 32 : c);
		}
		sb_putc(out, ':');
		for (i = 0; i < valuelen; i++) {
			int c = (unsigned char)value[i];

			if (c == '\r' && i + 1 < valuelen && value[i + 1] == '\n') {
				i++;  /* unfold: drop the CRLF */
				continue;
			}
			if (is_wsp(c)) {
				wsp = 1;
				continue;
			}
			if (wsp && started)
				sb_putc(out, ' ');
			wsp = 0;
			started = 1;
			sb_putc(out, c);
		}
	}
	if (crlf)
		sb_append(out, "\r\n", 2);
	return out->failed ? -1 : 0;
}

void
dkim_bodycanon_init(dkim_bodycanon *bc, int relaxed, dkim_canon_out out,
    void *arg)
{
	memset(bc, 0, offsetof(dkim_bodycanon, buf));
	bc->relaxed = relaxed;
	bc->out = out;
	bc->arg = arg;
}

static void
flush(dkim_bodycanon *bc)
{
	if (bc->blen > 0) {
		bc->out(bc->arg, bc->buf, bc->blen);
		bc->blen = 0;
	}
}

static void
emit(dkim_bodycanon *bc, const void *p, size_t n)
{
	bc->any = 1;
	if (bc->blen + n > sizeof(bc->buf)) {
		flush(bc);
		if (n >= sizeof(bc->buf)) {
			bc->out(bc->arg, p, n);
			return;
		}
	}
	memcpy(bc->buf + bc->blen, p, n);
	bc->blen += n;
}

static const char crlfs[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* Empty lines turned out not to be trailing: emit them. */
static void
emit_pending_empty(dkim_bodycanon *bc)
{
	while (bc->pending_empty > 0) {
		uint64_t k = bc->pending_empty;

		if (k > (sizeof(crlfs) - 1) / 2)
			k = (sizeof(crlfs) - 1) / 2;
		emit(bc, crlfs, (size_t)k * 2);
		bc->pending_empty -= k;
	}
}

static void
content(dkim_bodycanon *bc, const void *p, size_t n)
{
	if (!bc->line_content) {
		emit_pending_empty(bc);
		bc->line_content = 1;
	}
	if (bc->pending_wsp) {
		emit(bc, " ", 1);
		bc->pending_wsp = 0;
	}
	emit(bc, p, n);
}

static void
line_end(dkim_bodycanon *bc)
{
	bc->pending_wsp = 0;  /* relaxed: WSP at the end of a line goes */
	if (bc->line_content) {
		emit(bc, "\r\n", 2);
		bc->line_content = 0;
	} else {
		bc->pending_empty++;
	}
}

void
dkim_bodycanon_update(dkim_bodycanon *bc, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0, j;

	while (i < n) {
		if (bc->pending_cr) {
			bc->pending_cr = 0;
			if (p[i] == '\n') {
				i++;
				line_end(bc);
				continue;
			}
			content(bc, "\r", 1);
		}
		if (!bc->relaxed) {
			const unsigned char *cr = memchr(p + i, '\r', n - i);

			j = cr != NULL ? (size_t)(cr - p) : n;
			if (j > i)
				content(bc, p + i, j - i);
			i = j;
			if (cr != NULL) {
				bc->pending_cr = 1;
				i++;
			}
			continue;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			bc->pending_wsp = 1;
			i++;
			continue;
		}
		if (p[i] == '\r') {
			bc->pending_cr = 1;
			i++;
			continue;
		}
		/*
		 * A run of content; a single SP between two content octets is
		 * already canonical, so it stays in the run (long spans, few
		 * copies). SP at the chunk end or before WSP/CR is left pending.
		 */
		for (j = i + 1; j < n; j++) {
			unsigned char c = p[j];

			if (c == '\t' || c == '\r')
				break;
			if (c == ' ' && (j + 1 >= n || p[j + 1] == ' ' ||
			    p[j + 1] == '\t' || p[j + 1] == '\r'))
				break;
		}
		content(bc, p + i, j - i);
		i = j;
	}
}

void
dkim_bodycanon_final(dkim_bodycanon *bc)
{
	if (bc->pending_cr) {
		bc->pending_cr = 0;
		content(bc, "\r", 1);
	}
	if (bc->line_content) {
		emit(bc, "\r\n", 2);
		bc->line_content = 0;
	}
	bc->pending_empty = 0;
	bc->pending_wsp = 0;
	if (!bc->relaxed && !bc->any)
		emit(bc, "\r\n", 2);  /* 3.4.3: the empty body is one CRLF */
	flush(bc);
}
