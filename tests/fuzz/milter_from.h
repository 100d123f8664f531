/*
 * tests/fuzz/milter_from.h - the harness's own reader of a From field
 * (RFC 5322 3.2 lexical tokens, 3.4 address lists with the obsolete forms
 * of 4.4, RFC 6854 groups, RFC 6532 8-bit atoms), written apart from
 * dmarc/from.c so that tests/fuzz/milter_oracle.h can judge authmilter's
 * verdict by it. Included by milter_oracle.h only.
 *
 * om_parse_from() gives OM_FROM_OK and the author domains (distinct, ASCII
 * lower-cased; one with an 8-bit octet or too long to keep is marked
 * odd), OM_FROM_BAD when the field is certainly not a usable From
 * whatever a parser makes of the rest (it cannot be tokenized, comments
 * nest deeper than OM_MAX_NESTING, an author's domain is a domain
 * literal, more than OM_MAX_AUTHORS distinct 7-bit domains), or
 * OM_FROM_UNSURE for any other grammar error (a reader may be more
 * lenient) and for a list without an address.
 */
#include <ctype.h>

enum { OM_FROM_OK, OM_FROM_BAD, OM_FROM_UNSURE };

#define OM_MAX_AUTHORS 8           /* DMARC_MAX_AUTHORS, documented */
#define OM_MAX_NESTING 32          /* comment nesting, local limit */
#define OM_DOMAIN_MAX 1024         /* a domain as written, before IDNA */

typedef struct om_tok {
	char t;                  /* 'a' atom, 'q' quoted-string, 'l' domain
	                          * literal, a special itself, 0 the end */
	const char *s;
	size_t n;
} om_tok;

typedef struct om_from {
	int status;
	const char *why;
	char dom[OM_MAX_AUTHORS][OM_DOMAIN_MAX + 1];
	int odd[OM_MAX_AUTHORS]; /* 8-bit (IDNA may map it) or cut here */
	size_t ndom;             /* distinct, ASCII lower-cased */
	int ascii;               /* every domain 7-bit */
	om_tok *tok;
	size_t pos;
} om_from;

static int
om_atext(unsigned char c)
{
	return c >= 0x80 || isalnum(c) || (c != 0 &&
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Tokens of the whole value; NULL and *why when it cannot be tokenized
 * (the lexical structure of RFC 5322 3.2 does not depend on context, so
 * such a value is not valid whatever the parser makes of the rest). */
static om_tok *
om_lex(const char *v, size_t n, const char **why)
{
	om_tok *t = malloc((n + 1) * sizeof(*t));
	size_t i = 0, k = 0, depth;

	if (t == NULL)
		abort();
	while (i < n) {
		unsigned char c = (unsigned char)v[i];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			i++;
			continue;
		}
		if (c == '(') {
			for (depth = 0; i < n; ) {
				c = (unsigned char)v[i++];
				if (c == '\\') {
					if (i == n)
						break;
					i++;
				} else if (c == '(') {
					if (++depth > OM_MAX_NESTING) {
						*why = "comments nested deeper "
						    "than 32";
						goto bad;
					}
				} else if (c == ')' && --depth == 0)
					break;
			}
			if (depth != 0) {
				*why = "unterminated comment";
				goto bad;
			}
			continue;
		}
		t[k].s = v + i;
		if (c == '"' || c == '[') {
			char close = c == '"' ? '"' : ']';
			int closed = 0;

			for (i++; i < n; ) {
				c = (unsigned char)v[i++];
				if (c == '\\' && i < n)
					i++;
				else if (c == close) {
					closed = 1;
					break;
				} else if (close == ']' && c == '[')
					break;
			}
			if (!closed) {
				*why = close == '"' ? "unterminated quoted "
				    "string" : "unterminated domain literal";
				goto bad;
			}
			t[k].t = close == '"' ? 'q' : 'l';
			t[k].n = (size_t)(v + i - t[k].s);
			k++;
			continue;
		}
		if (om_atext(c)) {
			while (i < n && om_atext((unsigned char)v[i]))
				i++;
			t[k].t = 'a';
			t[k].n = (size_t)(v + i - t[k].s);
			k++;
			continue;
		}
		if (strchr("<>@,;:.", c) == NULL) {
			*why = "a character not allowed in an address list";
			goto bad;
		}
		t[k].t = (char)c;
		t[k++].n = 1;
		i++;
	}
	t[k].t = 0;
	t[k].s = v + n;
	t[k].n = 0;
	return t;
bad:
	free(t);
	return NULL;
}

static int
om_word(const om_tok *t)
{
	return t->t == 'a' || t->t == 'q';
}

/* A grammar error: the field may still be one authmilter reads. */
static int
om_unsure(om_from *f)
{
	if (f->status == OM_FROM_OK)
		f->status = OM_FROM_UNSURE;
	return -1;
}

/* domain, "@" taken: dot-atom / obs-domain; a domain literal is no
 * author domain (issue 11: a bad From). */
static int
om_domain(om_from *f)
{
	char d[OM_DOMAIN_MAX + 1];
	size_t n = 0, i;
	int ascii = 1, cut = 0;

	if (f->tok[f->pos].t == 'l') {
		f->status = OM_FROM_BAD;
		f->why = "an author address with a domain literal";
		return -1;
	}
	for (;;) {
		const om_tok *t = &f->tok[f->pos];

		if (t->t != 'a')
			return om_unsure(f);
		for (i = 0; i < t->n; i++) {
			unsigned char c = (unsigned char)t->s[i];

			if (c >= 0x80)
				ascii = 0;
			if (n < OM_DOMAIN_MAX)
				d[n++] = (char)(c < 0x80 ? tolower(c) : c);
			else
				cut = 1;
		}
		f->pos++;
		if (f->tok[f->pos].t != '.')
			break;
		if (n < OM_DOMAIN_MAX)
			d[n++] = '.';
		else
			cut = 1;
		f->pos++;
	}
	d[n] = '\0';
	if (!ascii)
		f->ascii = 0;
	for (i = 0; i < f->ndom; i++)
		if (strcmp(f->dom[i], d) == 0)
			return 0;
	if (f->ndom == OM_MAX_AUTHORS) {
		if (f->ascii) {
			/* whatever follows, authmilter's count passes 8 or its
			 * parse fails first: a bad From either way */
			f->status = OM_FROM_BAD;
			f->why = "more than 8 author domains";
		} else
			om_unsure(f);	/* IDNA may map two names to one */
		return -1;
	}
	f->odd[f->ndom] = !ascii || cut;
	memcpy(f->dom[f->ndom++], d, n + 1);
	return 0;
}

/* angle-addr, "<" current: [obs-route] local-part "@" domain ">" */
static int
om_angle(om_from *f)
{
	f->pos++;
	if (f->tok[f->pos].t == '@' || f->tok[f->pos].t == ',') {
		while (f->tok[f->pos].t == '@' || f->tok[f->pos].t == ',') {
			if (f->tok[f->pos++].t == ',')
				continue;
			if (f->tok[f->pos].t != 'a')
				return om_unsure(f);
			while (f->tok[f->pos].t == 'a' || f->tok[f->pos].t == '.')
				f->pos++;
		}
		if (f->tok[f->pos].t != ':')
			return om_unsure(f);
		f->pos++;
	}
	for (;;) {
		if (!om_word(&f->tok[f->pos]))
			return om_unsure(f);
		f->pos++;
		if (f->tok[f->pos].t != '.')
			break;
		f->pos++;
	}
	if (f->tok[f->pos].t != '@')
		return om_unsure(f);
	f->pos++;
	if (om_domain(f) < 0)
		return -1;
	if (f->tok[f->pos].t != '>')
		return om_unsure(f);
	f->pos++;
	return 0;
}

/* One element of the list: a mailbox, a group (at the top), or nothing
 * (obs-mbox-list allows empty elements). */
static int
om_element(om_from *f, int in_group)
{
	size_t words = 0;
	int last_dot = 0, phrase = 0;

	while (om_word(&f->tok[f->pos]) ||
	    (f->tok[f->pos].t == '.' && words > 0)) {
		if (f->tok[f->pos].t == '.')
			last_dot = 1;
		else {
			if (words > 0 && !last_dot)
				phrase = 1;	/* two words: not a local-part */
			words++;
			last_dot = 0;
		}
		f->pos++;
	}
	switch (f->tok[f->pos].t) {
	case '<':
		return om_angle(f);
	case '@':
		if (words == 0 || last_dot || phrase)
			return om_unsure(f);
		f->pos++;
		return om_domain(f);
	case ':':
		if (in_group || words == 0)
			return om_unsure(f);
		f->pos++;
		for (;;) {
			if (om_element(f, 1) < 0)
				return -1;
			if (f->tok[f->pos].t == ',') {
				f->pos++;
				continue;
			}
			if (f->tok[f->pos].t != ';')
				return om_unsure(f);
			f->pos++;
			return 0;
		}
	default:
		return words > 0 ? om_unsure(f) : 0;
	}
}

static void
om_parse_from(om_from *f, const char *v, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->status = OM_FROM_OK;
	f->ascii = 1;
	if ((f->tok = om_lex(v, n, &f->why)) == NULL) {
		f->status = OM_FROM_BAD;
		return;
	}
	for (;;) {
		if (om_element(f, 0) < 0)
			break;
		if (f->tok[f->pos].t == 0)
			break;
		if (f->tok[f->pos].t != ',') {
			om_unsure(f);
			break;
		}
		f->pos++;
	}
	free(f->tok);
	f->tok = NULL;
	if (f->status == OM_FROM_OK && f->ndom == 0)
		f->status = OM_FROM_UNSURE;	/* no address: not judged here */
}
