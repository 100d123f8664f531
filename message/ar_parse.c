/*
 * message/ar_parse.c - parser for Authentication-Results header values
 * (RFC 8601 2.2). Contract in ar_parse_int.h.
 *
 * A hand-written recursive-descent reader over a bounded cursor. Nothing is
 * allocated but the result; comments are skipped iteratively (any depth,
 * no recursion), every copied token is length-checked.
 *
 * ar_parse() reads the field of a gateway in upstream_networks bearing one
 * of trusted_authserv_ids (upstream_ar.c); ar_claims_authserv_id() finds
 * the forged fields to remove.
 */
#include "message/ar_parse_int.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clean.h"
#include "util/strcopy.h"

typedef struct cursor {
	const char *p;
	const char *start;
	const char *end;
	char *err;
	size_t errlen;
	int failed;
} cursor;

static int
fail(cursor *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->failed && c->err != NULL && c->errlen > 0) {
		n = snprintf(c->err, c->errlen, "at offset %zu: ",
		    (size_t)(c->p - c->start));
		if (n > 0 && (size_t)n < c->errlen) {
			va_start(ap, fmt);
			vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	c->failed = 1;
	return -1;
}

static int
at_end(const cursor *c)
{
	return c->p >= c->end;
}

/* CFWS: white space, line breaks of folding, and (nested (comments)). */
static int
skip_cfws(cursor *c)
{
	size_t depth = 0;

	while (!at_end(c)) {
		char ch = *c->p;

		if (depth == 0 && (ch == ' ' || ch == '\t' || ch == '\r' ||
		    ch == '\n')) {
			c->p++;
		} else if (ch == '(') {
			depth++;
			c->p++;
		} else if (depth > 0 && ch == ')') {
			depth--;
			c->p++;
		} else if (depth > 0 && ch == '\\') {
			c->p += (c->end - c->p >= 2) ? 2 : 1;
		} else if (depth > 0) {
			c->p++;
		} else {
			break;
		}
	}
	if (depth > 0)
		return fail(c, "unterminated comment");
	return 0;
}

/* A token copied out whole, or the parse fails. */
static int
copy_out(cursor *c, char *buf, size_t size, const char *s, size_t n,
    const char *what)
{
	if (strcopy_n(buf, size, s, n) < 0)
		return fail(c, "%s longer than %zu octets", what, size - 1);
	return 0;
}

/* quoted-string: the content with quoted-pairs resolved. */
static int
read_quoted(cursor *c, char *buf, size_t size, const char *what)
{
	size_t n = 0;

	c->p++; /* opening quote */
	while (!at_end(c) && *c->p != '"') {
		char ch = *c->p++;

		if (ch == '\r' || ch == '\n')
			continue; /* unfolding (RFC 5322 3.2.2): the WSP stays */
		if (ch == '\\') {
			if (at_end(c))
				break;
			ch = *c->p++;
		}
		if (n + 1 >= size)
			return fail(c, "%s longer than %zu octets", what,
			    size - 1);
		buf[n++] = ch;
	}
	if (at_end(c))
		return fail(c, "unterminated quoted string in %s", what);
	c->p++;
	buf[n] = '\0';
	return 0;
}

/* value = token / quoted-string (RFC 2045) */
static int
read_value(cursor *c, char *buf, size_t size, const char *what)
{
	const char *s = c->p;

	if (!at_end(c) && *c->p == '"')
		return read_quoted(c, buf, size, what);
	while (!at_end(c) && clean_is(*c->p, CLEAN_TOKEN))
		c->p++;
	if (c->p == s)
		return fail(c, "expected %s", what);
	return copy_out(c, buf, size, s, (size_t)(c->p - s), what);
}

/* Keyword = Let-dig [ *(Let-dig / "-") Let-dig ]  (RFC 5321 Ldh-str) */
static int
read_keyword(cursor *c, char *buf, size_t size, const char *what)
{
	const char *s = c->p;

	while (!at_end(c) && (isalnum((unsigned char)*c->p) ||
	    *c->p == '-' || *c->p == '_'))
		c->p++;
	if (c->p == s || s[0] == '-' || c->p[-1] == '-')
		return fail(c, "expected %s", what);
	return copy_out(c, buf, size, s, (size_t)(c->p - s), what);
}

static int
read_digits(cursor *c, int *out)
{
	long v = 0;
	const char *s = c->p;

	while (!at_end(c) && isdigit((unsigned char)*c->p)) {
		if (v < 100000)
			v = v * 10 + (*c->p - '0');
		c->p++;
	}
	if (c->p == s)
		return fail(c, "expected a version number");
	*out = v > 99999 ? 99999 : (int)v;
	return 0;
}

static int
expect(cursor *c, char ch)
{
	if (at_end(c) || *c->p != ch)
		return fail(c, "expected '%c'", ch);
	c->p++;
	return 0;
}

/* pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS] */
static int
read_pvalue(cursor *c, char *buf, size_t size)
{
	size_t n = 0;
	const char *s;

	if (skip_cfws(c) < 0)
		return -1;
	if (!at_end(c) && *c->p == '"') {
		if (read_quoted(c, buf, size, "property value") < 0)
			return -1;
		n = strlen(buf);
	}
	s = c->p;
	while (!at_end(c) && clean_is(*c->p, CLEAN_VCHAR) &&
	    strchr(";()\"", *c->p) == NULL)
		c->p++;
	if (n == 0 && c->p == s)
		return fail(c, "expected a property value");
	if (strcopy_n(buf + n, size - n, s, (size_t)(c->p - s)) < 0)
		return fail(c, "property value longer than %zu octets",
		    size - 1);
	return skip_cfws(c);
}

static int
parse_resinfo(cursor *c, ar_header *h)
{
	ar_resinfo scratch, *r;
	char word[64];

	r = h->nres < AR_MAX_RESINFO ? &h->res[h->nres] : &scratch;
	memset(r, 0, sizeof(*r));
	r->method_version = -1;
	if (read_keyword(c, r->method, sizeof(r->method), "a method") < 0 ||
	    skip_cfws(c) < 0)
		return -1;
	if (!at_end(c) && *c->p == '/') {
		c->p++;
		if (skip_cfws(c) < 0 || read_digits(c, &r->method_version) < 0 ||
		    skip_cfws(c) < 0)
			return -1;
	}
	if (expect(c, '=') < 0 || skip_cfws(c) < 0 ||
	    read_keyword(c, r->result, sizeof(r->result), "a result") < 0 ||
	    skip_cfws(c) < 0)
		return -1;

	while (!at_end(c) && *c->p != ';') {
		if (read_keyword(c, word, sizeof(word), "a property") < 0 ||
		    skip_cfws(c) < 0)
			return -1;
		if (strcasecmp(word, "reason") == 0 && r->nprops == 0 &&
		    r->reason[0] == '\0' && !at_end(c) && *c->p == '=') {
			c->p++;
			if (skip_cfws(c) < 0 || read_value(c, r->reason,
			    sizeof(r->reason), "a reason") < 0 ||
			    skip_cfws(c) < 0)
				return -1;
			continue;
		}
		if (!at_end(c) && *c->p == '=') {
			/* "action=none": a property without a ptype, as
			 * Microsoft writes them; kept with an empty ptype. */
			if (r->nprops < AR_MAX_PROPS) {
				ar_prop *pr = &r->props[r->nprops];

				c->p++;
				pr->ptype[0] = '\0';
				if (copy_out(c, pr->property,
				    sizeof(pr->property), word, strlen(word),
				    "a property name") < 0 ||
				    read_pvalue(c, pr->value,
				    sizeof(pr->value)) < 0)
					return -1;
				r->nprops++;
			} else {
				ar_prop skip;

				c->p++;
				if (read_pvalue(c, skip.value,
				    sizeof(skip.value)) < 0)
					return -1;
				h->dropped++;
			}
			continue;
		}
		if (expect(c, '.') < 0 || skip_cfws(c) < 0)
			return -1;
		if (r->nprops < AR_MAX_PROPS) {
			ar_prop *pr = &r->props[r->nprops];

			if (copy_out(c, pr->ptype, sizeof(pr->ptype), word,
			    strlen(word), "a ptype") < 0 ||
			    read_keyword(c, pr->property, sizeof(pr->property),
			    "a property name") < 0 || skip_cfws(c) < 0 ||
			    expect(c, '=') < 0 ||
			    read_pvalue(c, pr->value, sizeof(pr->value)) < 0)
				return -1;
			r->nprops++;
		} else {
			ar_prop skip;

			if (read_keyword(c, skip.property,
			    sizeof(skip.property), "a property name") < 0 ||
			    skip_cfws(c) < 0 || expect(c, '=') < 0 ||
			    read_pvalue(c, skip.value, sizeof(skip.value)) < 0)
				return -1;
			h->dropped++;
		}
	}
	if (r == &scratch)
		h->dropped++;
	else
		h->nres++;
	return 0;
}

ar_header *
ar_parse(const char *value, size_t len, char *err, size_t errlen)
{
	cursor c = { value, value, value + len, err, errlen, 0 };
	ar_header *h;
	int nresinfo = 0;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->version = -1;
	if (skip_cfws(&c) < 0 || read_value(&c, h->authserv_id,
	    sizeof(h->authserv_id), "an authserv-id") < 0 ||
	    skip_cfws(&c) < 0)
		goto bad;
	if (!at_end(&c) && isdigit((unsigned char)*c.p)) {
		if (read_digits(&c, &h->version) < 0 || skip_cfws(&c) < 0)
			goto bad;
	}
	if (at_end(&c)) {
		fail(&c, "no result after the authserv-id");
		goto bad;
	}
	while (!at_end(&c)) {
		if (expect(&c, ';') < 0 || skip_cfws(&c) < 0)
			goto bad;
		if (at_end(&c))
			break; /* a trailing ';', common in the wild */
		if (nresinfo == 0 && c.end - c.p >= 4 &&
		    strncasecmp(c.p, "none", 4) == 0 &&
		    (c.end - c.p == 4 || !isalnum((unsigned char)c.p[4]))) {
			const char *save = c.p;

			c.p += 4;
			if (skip_cfws(&c) < 0)
				goto bad;
			if (at_end(&c)) {
				h->none = 1;
				break;
			}
			c.p = save;
		}
		if (parse_resinfo(&c, h) < 0)
			goto bad;
		nresinfo++;
	}
	if (nresinfo == 0 && !h->none) {
		fail(&c, "no result after the authserv-id");
		goto bad;
	}
	return h;
bad:
	free(h);
	return NULL;
}

void
ar_header_free(ar_header *h)
{
	free(h);
}

int
ar_claims_authserv_id(const char *value, size_t len, const char *id)
{
	cursor c = { value, value, value + len, NULL, 0, 0 };
	char got[AR_MAX_TOKEN + 1];

	if (id == NULL || *id == '\0')
		return 0;
	if (skip_cfws(&c) < 0 || read_value(&c, got, sizeof(got),
	    "an authserv-id") < 0)
		return 0;
	return strcasecmp(got, id) == 0;
}

const char *
ar_prop_value(const ar_resinfo *r, const char *ptype, const char *property)
{
	size_t i;

	for (i = 0; i < r->nprops; i++)
		if (strcasecmp(r->props[i].ptype, ptype) == 0 &&
		    strcasecmp(r->props[i].property, property) == 0)
			return r->props[i].value;
	return NULL;
}

size_t
ar_results_offset(const char *value, size_t len, const char *id)
{
	cursor c = { value, value, value + len, NULL, 0, 0 };
	char got[AR_MAX_TOKEN + 1];
	int version;

	if (id == NULL || *id == '\0' || skip_cfws(&c) < 0 ||
	    read_value(&c, got, sizeof(got), "an authserv-id") < 0 ||
	    strcasecmp(got, id) != 0 || skip_cfws(&c) < 0)
		return 0;
	if (!at_end(&c) && isdigit((unsigned char)*c.p) &&
	    (read_digits(&c, &version) < 0 || skip_cfws(&c) < 0))
		return 0;
	if (expect(&c, ';') < 0)
		return 0;
	return (size_t)(c.p - value);
}
