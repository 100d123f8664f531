/*
 * dkim/dkim_message.c - feeds a whole raw message to the verifier: line
 * ending normalisation and header-block splitting (see dkim.h). The
 * milter does not use this: it gets fields from libmilter.
 */
#include "dkim/dkim.h"

#include <string.h>

int
dkim_message_crlf(const char *msg, size_t len, strbuf *out)
{
	size_t i, st = 0;

	for (i = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r')) {
			sb_append(out, msg + st, i - st);
			sb_append(out, "\r\n", 2);
			st = i + 1;
		}
	sb_append(out, msg + st, len - st);
	return out->failed ? -1 : 0;
}

/* End of the line starting at i: the offset of its CRLF, or len. */
static size_t
line_end(const char *msg, size_t len, size_t i)
{
	while (i < len) {
		const char *cr = memchr(msg + i, '\r', len - i);

		if (cr == NULL)
			return len;
		i = (size_t)(cr - msg);
		if (i + 1 < len && msg[i + 1] == '\n')
			return i;
		i++;
	}
	return len;
}

int
dkim_feed_headers(dkim_verifier *v, const char *msg, size_t len, size_t *body)
{
	size_t i = 0, e;
	int rc = 0;

	if (len >= 5 && memcmp(msg, "From ", 5) == 0) {
		e = line_end(msg, len, 0);
		i = e + 2 > len ? len : e + 2;
	}
	while (i < len) {
		size_t name_end, vstart, fend;
		const char *colon;

		e = line_end(msg, len, i);
		if (e == i) {  /* the empty line */
			i = e + 2;
			break;
		}
		colon = memchr(msg + i, ':', e - i);
		/* the field runs on over continuation lines (starting with WSP) */
		fend = e;
		while (fend + 2 < len && (msg[fend + 2] == ' ' || msg[fend + 2] == '\t'))
			fend = line_end(msg, len, fend + 2);
		if (colon == NULL || msg[i] == ' ' || msg[i] == '\t') {
			i = fend + 2 > len ? len : fend + 2;
			continue;  /* not a header field: ignored */
		}
		name_end = (size_t)(colon - msg);
		vstart = name_end + 1;
		if (dkim_header(v, msg + i, name_end - i, msg + vstart,
		    fend - vstart) < 0)
			rc = -1;
		i = fend + 2 > len ? len : fend + 2;
	}
	if (i > len)
		i = len;
	*body = i;
	if (dkim_eoh(v) < 0)
		rc = -1;
	return rc;
}
