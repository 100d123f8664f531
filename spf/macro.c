/*
 * spf/macro.c - RFC 7208 7 macro expansion (contract in macro_int.h).
 *
 * One scanner serves both the syntax check (ctx == NULL: nothing is
 * produced) and the expansion, so the two can never disagree.
 */
#include "spf/macro_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char delimiters[] = ".-+,/_=";

static int
is_delim(int c)
{
	return c != '\0' && strchr(delimiters, c) != NULL;
}

static int
syntax(char *err, size_t errlen, const char *what, size_t at)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s at offset %zu", what, at);
	return SPF_MACRO_SYNTAX;
}

/* RFC 3986 2.3 unreserved. */
static int
unreserved(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* The raw value of a macro letter (lowercase letter). */
static void
letter_value(int letter, const spf_macro_ctx *ctx, strbuf *v)
{
	const char *s = NULL;
	char buf[IPADDR_DOTTED_MAX];

	switch (letter) {
	case 's': s = ctx->sender; break;
	case 'l': s = ctx->local; break;
	case 'o': s = ctx->sender_domain; break;
	case 'd': s = ctx->domain; break;
	case 'h': s = ctx->helo; break;
	case 'r': s = ctx->receiver ? ctx->receiver : "unknown"; break;
	case 'v': s = ctx->ip->family == AF_INET ? "in-addr" : "ip6"; break;
	case 'p':
		s = ctx->validated_name ? ctx->validated_name(ctx->arg) : NULL;
		if (s == NULL)
			s = "unknown";
		break;
	case 'i':
		if (ipaddr_dotted(ctx->ip, buf, sizeof(buf)) >= 0) {
			/* RFC 7208 7.4's example gives IPv6 nibbles in lower
			 * case (RFC 4408 8.1's gave upper case) */
			size_t k;

			for (k = 0; buf[k] != '\0'; k++)
				if (buf[k] >= 'A' && buf[k] <= 'F')
					buf[k] = (char)(buf[k] - 'A' + 'a');
			s = buf;
		}
		break;
	case 'c':
		if (ipaddr_format(ctx->ip, buf, sizeof(buf)) >= 0)
			s = buf;
		break;
	case 't':
		sb_printf(v, "%" PRId64, ctx->now);
		return;
	}
	sb_puts(v, s ? s : "");
}

/*
 * Apply the transformers: split value on delims, optionally reverse, keep
 * the rightmost ndigits parts (0 = all), join with '.', URL-escape if asked.
 */
static int
transform(const strbuf *val, const char *delims, size_t ndelims,
    unsigned keep, int reverse, int escape, strbuf *out)
{
	size_t *starts, *lens, nparts = 0, i, k, first, start = 0;

	/* At most len + 1 parts; len is capped by SPF_MACRO_OUT_MAX. */
	starts = malloc((val->len + 1) * 2 * sizeof(*starts));
	if (starts == NULL)
		return SPF_MACRO_NOMEM;
	lens = starts + val->len + 1;
	for (i = 0; i <= val->len; i++) {
		int c = i < val->len ? (unsigned char)val->s[i] : '\0';

		if (i < val->len && !(ndelims ? memchr(delims, c, ndelims) != NULL :
		    c == '.'))
			continue;
		starts[nparts] = start;
		lens[nparts] = i - start;
		nparts++;
		start = i + 1;
	}
	first = (keep != 0 && keep < nparts) ? nparts - keep : 0;
	for (k = first; k < nparts; k++) {
		/* reversed list R[k] = parts[nparts - 1 - k] */
		size_t j, p = reverse ? nparts - 1 - k : k;

		if (k > first)
			sb_putc(out, '.');
		if (!escape) {
			sb_append(out, val->s + starts[p], lens[p]);
			continue;
		}
		for (j = 0; j < lens[p]; j++) {
			unsigned char c = (unsigned char)val->s[starts[p] + j];

			if (unreserved(c))
				sb_putc(out, c);
			else
				sb_printf(out, "%%%02X", c);
		}
	}
	free(starts);
	return out->failed ? SPF_MACRO_NOMEM : SPF_MACRO_OK;
}

static int
scan(const char *in, size_t len, int is_exp, const spf_macro_ctx *ctx,
    strbuf *out, int *ends_macro, char *err, size_t errlen)
{
	size_t i = 0;
	int last_macro = 0;

	while (i < len) {
		unsigned char c = (unsigned char)in[i];
		size_t at = i;
		int letter, upper, reverse = 0;
		unsigned keep = 0;
		const char *delims;
		size_t ndelims;

		if (c != '%') {
			if (!(c >= 0x21 && c <= 0x7e) && !(is_exp && c == ' '))
				return syntax(err, errlen,
				    "character outside %x21-7E", i);
			if (out)
				sb_putc(out, c);
			last_macro = 0;
			i++;
			continue;
		}
		if (i + 1 >= len)
			return syntax(err, errlen, "'%' at end of string", i);
		c = (unsigned char)in[i + 1];
		if (c == '%' || c == '_' || c == '-') {
			if (out)
				sb_puts(out, c == '%' ? "%" : c == '_' ? " " : "%20");
			last_macro = 1;
			i += 2;
			continue;
		}
		if (c != '{')
			return syntax(err, errlen,
			    "'%' not followed by '{', '%', '_' or '-'", i);
		i += 2;
		if (i >= len)
			return syntax(err, errlen, "unterminated macro", at);
		letter = (unsigned char)in[i];
		upper = letter >= 'A' && letter <= 'Z';
		if (upper)
			letter += 'a' - 'A';
		if (strchr("slodiphcrtv", letter) == NULL || letter == '\0')
			return syntax(err, errlen, "unknown macro letter", i);
		if (!is_exp && strchr("crt", letter) != NULL)
			return syntax(err, errlen,
			    "macro letter c, r or t outside exp text", i);
		i++;
		if (i < len && in[i] == '0')
			return syntax(err, errlen, "macro digit transformer 0", i);
		while (i < len && in[i] >= '0' && in[i] <= '9') {
			if (keep < 100000)
				keep = keep * 10 + (unsigned)(in[i] - '0');
			i++;
		}
		if (i < len && (in[i] == 'r' || in[i] == 'R')) {
			reverse = 1;
			i++;
		}
		delims = in + i;
		while (i < len && is_delim((unsigned char)in[i]))
			i++;
		ndelims = (size_t)(in + i - delims);
		if (i >= len || in[i] != '}')
			return syntax(err, errlen, "malformed macro", at);
		i++;
		last_macro = 1;
		if (out) {
			strbuf val;
			int rc;

			sb_init_max(&val, SPF_MACRO_OUT_MAX);
			letter_value(letter, ctx, &val);
			rc = val.failed ? SPF_MACRO_NOMEM :
			    transform(&val, delims, ndelims, keep, reverse, upper,
			    out);
			sb_free(&val);
			if (rc != SPF_MACRO_OK)
				return rc;
		}
	}
	if (ends_macro)
		*ends_macro = last_macro;
	if (out && out->failed)
		return SPF_MACRO_NOMEM;
	return SPF_MACRO_OK;
}

int
spf_macro_check(const char *in, size_t len, int is_exp, int *ends_macro,
    char *err, size_t errlen)
{
	return scan(in, len, is_exp, NULL, NULL, ends_macro, err, errlen);
}

int
spf_macro_expand(const char *in, size_t len, int is_exp,
    const spf_macro_ctx *ctx, strbuf *out, char *err, size_t errlen)
{
	int rc;

	/* syntax first: an over-long expansion must not hide a syntax error
	 * further on (the record is a permerror either way, but the verdict
	 * must not depend on the cap) */
	rc = scan(in, len, is_exp, NULL, NULL, NULL, err, errlen);
	if (rc != SPF_MACRO_OK)
		return rc;
	return scan(in, len, is_exp, ctx, out, NULL, err, errlen);
}
