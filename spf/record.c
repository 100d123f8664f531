/*
 * spf/record.c - SPF record selection and parsing (contract in record_int.h).
 *
 * The grammar is RFC 7208 12: the record is "v=spf1" then terms separated
 * by one or more SP. A term is a modifier (name "=" macro-string) or a
 * directive ([qualifier] mechanism). Mechanisms are described by one table
 * row each: whether they take a domain-spec and which CIDR suffixes.
 */
#include "spf/record_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf/macro_int.h"
#include "util/zalloc.h"

#define SPF_VERSION "v=spf1"
#define SPF_VERSION_LEN 6

enum arg { ARG_NONE, ARG_OPTIONAL, ARG_REQUIRED, ARG_IP4, ARG_IP6 };
enum cidr { CIDR_NONE, CIDR_DUAL };

static const struct mech {
	const char *name;
	spf_term_kind kind;
	enum arg arg;
	enum cidr cidr;
} mechs[] = {
	{ "all", SPF_T_ALL, ARG_NONE, CIDR_NONE },
	{ "include", SPF_T_INCLUDE, ARG_REQUIRED, CIDR_NONE },
	{ "a", SPF_T_A, ARG_OPTIONAL, CIDR_DUAL },
	{ "mx", SPF_T_MX, ARG_OPTIONAL, CIDR_DUAL },
	{ "ptr", SPF_T_PTR, ARG_OPTIONAL, CIDR_NONE },
	{ "ip4", SPF_T_IP4, ARG_IP4, CIDR_NONE },
	{ "ip6", SPF_T_IP6, ARG_IP6, CIDR_NONE },
	{ "exists", SPF_T_EXISTS, ARG_REQUIRED, CIDR_NONE },
};

static const char *const term_names[] = {
	[SPF_T_ALL] = "all", [SPF_T_INCLUDE] = "include", [SPF_T_A] = "a",
	[SPF_T_MX] = "mx", [SPF_T_PTR] = "ptr", [SPF_T_IP4] = "ip4",
	[SPF_T_IP6] = "ip6", [SPF_T_EXISTS] = "exists",
	[SPF_T_REDIRECT] = "redirect", [SPF_T_EXP] = "exp",
	[SPF_T_UNKNOWN_MOD] = "modifier",
};

const char *
spf_term_name(spf_term_kind k)
{
	if ((unsigned)k >= sizeof(term_names) / sizeof(term_names[0]))
		return "?";
	return term_names[k];
}

int
spf_record_is_spf(const char *txt, size_t len)
{
	return len >= SPF_VERSION_LEN &&
	    strncasecmp(txt, SPF_VERSION, SPF_VERSION_LEN) == 0 &&
	    (len == SPF_VERSION_LEN || txt[SPF_VERSION_LEN] == ' ');
}

int
spf_record_select(const dns_answer *a, const char **txt, size_t *len)
{
	size_t i;
	int n = 0;

	if (a == NULL || a->status != DNS_RECORDS)
		return 0;
	for (i = 0; i < a->count; i++) {
		const dns_record *r = &a->records[i];

		if (r->type != DNS_T_TXT ||
		    !spf_record_is_spf(r->u.txt.text, r->u.txt.len))
			continue;
		if (n++ == 0) {
			*txt = r->u.txt.text;
			*len = r->u.txt.len;
		}
	}
	return n;
}

static int
bad(char *err, size_t errlen, const char *t, size_t tl, const char *why)
{
	snprintf(err, errlen, "'%.*s': %s", (int)(tl > 80 ? 80 : tl), t, why);
	return -1;
}

static int
isalpha_(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
isdigit_(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 7208 7.1 toplabel. */
static int
toplabel_ok(const char *s, size_t n)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (isalpha_((unsigned char)s[i]))
			alpha = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (!isdigit_((unsigned char)s[i]))
			return 0;
	}
	return alpha || dash;
}

/* domain-spec = macro-string domain-end; domain-end = "." toplabel ["."] / macro-expand */
static int
domain_spec_ok(const char *s, size_t n, char *why, size_t whylen)
{
	int ends_macro = 0;
	size_t end, dot;

	if (n == 0) {
		snprintf(why, whylen, "empty domain-spec");
		return 0;
	}
	if (spf_macro_check(s, n, 0, &ends_macro, why, whylen) != SPF_MACRO_OK)
		return 0;
	if (ends_macro)
		return 1;
	end = n;
	if (s[end - 1] == '.')
		end--;
	for (dot = end; dot > 0 && s[dot - 1] != '.'; dot--)
		;
	if (dot == 0 || !toplabel_ok(s + dot, end - dot)) {
		snprintf(why, whylen, "domain-spec must end in a valid toplabel "
		    "or a macro (RFC 7208 7.1)");
		return 0;
	}
	return 1;
}

/* "/" ("0" / %x31-39 0*nDIGIT), value <= max; returns chars used or 0. */
static size_t
parse_cidr(const char *s, size_t n, unsigned max, unsigned *out)
{
	size_t i = 1;
	unsigned v = 0;

	if (n < 2 || s[0] != '/' || !isdigit_((unsigned char)s[1]))
		return 0;
	if (s[1] == '0' && n > 2 && isdigit_((unsigned char)s[2]))
		return 0;
	while (i < n && isdigit_((unsigned char)s[i]) && i <= 3) {
		v = v * 10 + (unsigned)(s[i] - '0');
		i++;
	}
	if (v > max)
		return 0;
	*out = v;
	return i;
}

/*
 * Split a trailing dual-cidr-length off [s, s+n): ["/" N4] ["//" N6].
 * Returns the length left for the domain-spec, or (size_t)-1 on a
 * malformed suffix.
 */
static size_t
strip_dual_cidr(const char *s, size_t n, spf_term *t)
{
	size_t i = n, used;

	while (i > 0 && isdigit_((unsigned char)s[i - 1]))
		i--;
	if (i == n || i == 0 || s[i - 1] != '/')
		return n;  /* no CIDR suffix */
	i--;
	if (i > 0 && s[i - 1] == '/') {
		/* "//N6" */
		used = parse_cidr(s + i, n - i, 128, &t->cidr6);
		if (used != n - i)
			return (size_t)-1;
		n = i - 1;
		i = n;
		while (i > 0 && isdigit_((unsigned char)s[i - 1]))
			i--;
		if (i == n || i == 0 || s[i - 1] != '/')
			return n;
		i--;
	}
	used = parse_cidr(s + i, n - i, 32, &t->cidr4);
	if (used != n - i)
		return (size_t)-1;
	return i;
}

static int
parse_mechanism(spf_term *t, char *err, size_t errlen)
{
	const char *s = t->text, *name, *rest;
	size_t n = t->textlen, namelen, restlen, i, left;
	const struct mech *m = NULL;
	char why[160];

	t->qualifier = '+';
	if (n > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qualifier = s[0];
		s++;
		n--;
	}
	name = s;
	for (namelen = 0; namelen < n && (isalpha_((unsigned char)s[namelen]) ||
	    isdigit_((unsigned char)s[namelen])); namelen++)
		;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == namelen &&
		    strncasecmp(mechs[i].name, name, namelen) == 0)
			m = &mechs[i];
	if (m == NULL)
		return bad(err, errlen, t->text, t->textlen, "unknown mechanism");
	t->kind = m->kind;
	t->cidr4 = 32;
	t->cidr6 = 128;
	rest = s + namelen;
	restlen = n - namelen;

	switch (m->arg) {
	case ARG_NONE:
		if (restlen != 0)
			return bad(err, errlen, t->text, t->textlen,
			    "takes no argument");
		return 0;
	case ARG_IP4:
	case ARG_IP6: {
		const char *slash;
		size_t alen;
		unsigned width = m->arg == ARG_IP4 ? 32 : 128;

		if (restlen < 2 || rest[0] != ':')
			return bad(err, errlen, t->text, t->textlen,
			    "needs ':' and a network");
		rest++;
		restlen--;
		slash = memchr(rest, '/', restlen);
		alen = slash ? (size_t)(slash - rest) : restlen;
		if ((m->arg == ARG_IP4 ? ipaddr_parse_v4(rest, alen, &t->net) :
		    ipaddr_parse_v6(rest, alen, &t->net)) != 0)
			return bad(err, errlen, t->text, t->textlen,
			    "not a valid IP network");
		t->cidr4 = t->cidr6 = width;
		if (slash != NULL &&
		    parse_cidr(slash, restlen - alen, width,
		    m->arg == ARG_IP4 ? &t->cidr4 : &t->cidr6) != restlen - alen)
			return bad(err, errlen, t->text, t->textlen,
			    "bad CIDR length");
		return 0;
	}
	case ARG_OPTIONAL:
	case ARG_REQUIRED:
		break;
	}
	left = restlen;
	if (m->cidr == CIDR_DUAL) {
		left = strip_dual_cidr(rest, restlen, t);
		if (left == (size_t)-1)
			return bad(err, errlen, t->text, t->textlen,
			    "bad CIDR length");
	}
	if (left == 0) {
		if (m->arg == ARG_REQUIRED)
			return bad(err, errlen, t->text, t->textlen,
			    "needs ':' and a domain-spec");
		return 0;
	}
	if (rest[0] != ':')
		return bad(err, errlen, t->text, t->textlen,
		    "unexpected text after the mechanism name");
	t->spec = rest + 1;
	t->speclen = left - 1;
	if (!domain_spec_ok(t->spec, t->speclen, why, sizeof(why)))
		return bad(err, errlen, t->text, t->textlen, why);
	return 0;
}

/* Returns 1 and fills t when the term is a modifier, 0 when not, -1 on error. */
static int
parse_modifier(spf_term *t, spf_record *rec, char *err, size_t errlen)
{
	const char *s = t->text;
	size_t n = t->textlen, i;
	char why[160];

	if (n == 0 || !isalpha_((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalpha_(c) || isdigit_(c) || c == '-' || c == '_' ||
		    c == '.'))
			break;
	}
	if (i == n || s[i] != '=')
		return 0;
	t->spec = s + i + 1;
	t->speclen = n - i - 1;
	if (i == 8 && strncasecmp(s, "redirect", 8) == 0) {
		t->kind = SPF_T_REDIRECT;
		if (rec->redirect != NULL)
			return bad(err, errlen, s, n, "redirect= appears twice");
	} else if (i == 3 && strncasecmp(s, "exp", 3) == 0) {
		t->kind = SPF_T_EXP;
		if (rec->exp != NULL)
			return bad(err, errlen, s, n, "exp= appears twice");
	} else {
		t->kind = SPF_T_UNKNOWN_MOD;
		/* unknown-modifier = name "=" macro-string: any macro letter
		 * is tolerated since the value is never expanded */
		if (spf_macro_check(t->spec, t->speclen, 1, NULL, why,
		    sizeof(why)) != SPF_MACRO_OK ||
		    memchr(t->spec, ' ', t->speclen) != NULL)
			return bad(err, errlen, s, n, why);
		return 1;
	}
	if (!domain_spec_ok(t->spec, t->speclen, why, sizeof(why)))
		return bad(err, errlen, s, n, why);
	return 1;
}

size_t
spf_record_count_terms(const char *txt, size_t len)
{
	size_t i, n = 0;

	for (i = SPF_VERSION_LEN; i < len; i++)
		if (txt[i] != ' ' && txt[i - 1] == ' ')
			n++;
	return n;
}

int
spf_record_parse(const char *txt, size_t len, spf_record *rec, char *err,
    size_t errlen)
{
	size_t i, nterms;

	memset(rec, 0, sizeof(*rec));
	if (!spf_record_is_spf(txt, len)) {
		snprintf(err, errlen, "not an SPF record");
		return -1;
	}
	/* one spf_term per term, not per SP: 64 KB of spaces cost nothing */
	nterms = spf_record_count_terms(txt, len);
	if (nterms > SPF_MAX_RECORD_TERMS) {
		snprintf(err, errlen, "more than %d terms (%zu; local limit)",
		    SPF_MAX_RECORD_TERMS, nterms);
		return -1;
	}
	if (nterms > 0) {
		rec->terms = zalloc(nterms * sizeof(*rec->terms));
		if (rec->terms == NULL) {
			snprintf(err, errlen, "out of memory");
			return -2;
		}
	}
	i = SPF_VERSION_LEN;
	while (i < len) {
		spf_term *t;
		size_t start, j;
		int rc;

		while (i < len && txt[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && txt[i] != ' ')
			i++;
		for (j = start; j < i; j++) {
			unsigned char c = (unsigned char)txt[j];

			if (c < 0x21 || c > 0x7e) {
				spf_record_free(rec);
				snprintf(err, errlen, "octet 0x%02x in a term "
				    "(RFC 7208 3.1: 7-bit ASCII, terms "
				    "separated by SP only)", c);
				return -1;
			}
		}
		t = &rec->terms[rec->nterms++];
		t->text = txt + start;
		t->textlen = i - start;
		rc = parse_modifier(t, rec, err, errlen);
		if (rc == 0)
			rc = parse_mechanism(t, err, errlen) == 0 ? 2 : -1;
		if (rc < 0) {
			spf_record_free(rec);
			return -1;
		}
		if (t->kind == SPF_T_REDIRECT)
			rec->redirect = t;
		else if (t->kind == SPF_T_EXP)
			rec->exp = t;
		else if (t->kind == SPF_T_ALL)
			rec->has_all = 1;
	}
	return 0;
}

void
spf_record_free(spf_record *rec)
{
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}
