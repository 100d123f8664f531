/*
 * tests/lib/canon_oracle.h - RFC 6376 3.4 canonicalization the plain way:
 * the oracle that dkim/dkim_canon.c's streaming fast path is compared
 * with, by tests/dkim/check_dkim_canon.c and tests/fuzz/fuzz_dkim_canon.c.
 * Header-only (static functions): the fuzz target is built from its one
 * .c file and links no test library.
 *
 *   canon_oracle_body(relaxed, in, n, out) appends the canonical body of
 *   the whole buffer in[0..n) to out (3.4.3 simple, 3.4.4 relaxed), line
 *   by line with no attempt at speed, and NUL-terminates it.
 *   canon_oracle_header(relaxed, name, nl, val, vl, out) appends the
 *   canonical field with its CRLF (3.4.1, 3.4.2).
 */
#ifndef AUTHMILTER_TESTS_CANON_ORACLE_H
#define AUTHMILTER_TESTS_CANON_ORACLE_H

#include <stddef.h>
#include <string.h>

#include "util/strbuf.h"

static void
canon_oracle_body(int relaxed, const char *in, size_t n, strbuf *out)
{
	size_t i = 0;

	while (i < n) {
		size_t e = i, next;
		strbuf line;

		while (e < n && !(in[e] == '\r' && e + 1 < n && in[e + 1] == '\n'))
			e++;
		next = e < n ? e + 2 : n;
		sb_init(&line);
		if (!relaxed) {
			sb_append(&line, in + i, e - i);
		} else {
			size_t k;

			for (k = i; k < e; k++) {
				if (in[k] == ' ' || in[k] == '\t') {
					if (k == i || (in[k - 1] != ' ' && in[k - 1] != '\t'))
						sb_putc(&line, ' ');
					continue;
				}
				sb_putc(&line, in[k]);
			}
			while (line.len > 0 && line.s[line.len - 1] == ' ')
				line.len--;
		}
		sb_append(out, line.s, line.len);
		sb_append(out, "\r\n", 2);
		sb_free(&line);
		i = next;
	}
	/* 3.4.3 / 3.4.4: no trailing empty lines */
	while (out->len >= 2 && memcmp(out->s + out->len - 2, "\r\n", 2) == 0 &&
	    (out->len == 2 || (out->len >= 4 &&
	    memcmp(out->s + out->len - 4, "\r\n", 2) == 0)))
		out->len -= 2;
	if (!relaxed && out->len == 0)
		sb_append(out, "\r\n", 2);
	out->s[out->len] = '\0';
}

static void
canon_oracle_header(int relaxed, const char *name, size_t nl, const char *val,
    size_t vl, strbuf *out)
{
	strbuf u;
	size_t k;

	if (!relaxed) {
		sb_append(out, name, nl);
		sb_putc(out, ':');
		sb_append(out, val, vl);
		sb_append(out, "\r\n", 2);
		return;
	}
	while (nl > 0 && (name[nl - 1] == ' ' || name[nl - 1] == '\t'))
		nl--;
	for (k = 0; k < nl; k++)
		sb_putc(out, name[k] >= 'A' && name[k] <= 'Z' ? name[k] + 32 : name[k]);
	sb_putc(out, ':');
	sb_init(&u);
	for (k = 0; k < vl; k++) {  /* unfold, then WSP runs -> SP */
		if (val[k] == '\r' && k + 1 < vl && val[k + 1] == '\n') {
			k++;
			continue;
		}
		if (val[k] == ' ' || val[k] == '\t') {
			if (u.len == 0 || u.s[u.len - 1] != ' ')
				sb_putc(&u, ' ');
			continue;
		}
		sb_putc(&u, val[k]);
	}
	k = 0;
	while (k < u.len && u.s[k] == ' ')
		k++;
	while (u.len > k && u.s[u.len - 1] == ' ')
		u.len--;
	sb_append(out, u.s + k, u.len - k);
	sb_append(out, "\r\n", 2);
	sb_free(&u);
}

#endif
