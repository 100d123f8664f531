/*
 * dmarc/from.c - author domains from RFC 5322 From header fields.
 *
 * Contract: dmarc_from_parse() (see dmarc.h). A lexer turns a field value
 * into tokens (atoms, quoted strings, domain literals, specials), dropping
 * folding white space and nested comments; a recursive-descent parser
 * over one-token lookahead accepts RFC 5322 3.4 mailbox-list with the
 * obsolete forms of 4.4 (phrases with dots, routes, CFWS in local parts
 * and domains, empty list elements) and RFC 6854 groups. Every input is
 * bounded by DMARC_FROM_MAX_LEN; comment nesting by FROM_MAX_NESTING.
 * Display names are never decoded: an encoded word is an atom, so no
 * text inside a display name can become an address.
 */
#include "dmarc/dmarc.h"

#include <idn2.h>
#include <stdio.h>
#include <string.h>

#include "util/domain.h"

/* Local limit: comment nesting depth (RFC 5322 3.2.2 sets none). */
#define FROM_MAX_NESTING 32
/* Raw domain text kept before IDNA conversion: a 253-octet A-label name
 * is at most this long as UTF-8 U-labels (4 octets a character). */
#define FROM_MAX_RAW_DOMAIN (4 * DMARC_DOMAIN_MAX)

typedef enum {
	T_END, T_ATOM, T_QSTR, T_DLIT, T_LT, T_GT, T_AT, T_COMMA, T_SEMI,
	T_COLON, T_DOT, T_ERR,
} tok_type;

typedef struct lexer {
	const char *s;
	size_t len, pos;
	tok_type type;      /* current token */
	const char *tp;     /* its text (atoms: the run; others: the char) */
	size_t tn;
	const char *err;    /* for T_ERR */
} lexer;

/* RFC 5322 3.2.3 atext, plus octets >= 0x80 (RFC 6532 UTF-8). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80)
		return 1;
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skip white space and comments; 0, or -1 with lx->err set. */
static int
skip_cfws(lexer *lx)
{
	while (lx->pos < lx->len) {
		unsigned char c = (unsigned char)lx->s[lx->pos];
		int depth;

		if (is_ws(c)) {
			lx->pos++;
			continue;
		}
		if (c != '(')
			return 0;
		depth = 0;
		while (lx->pos < lx->len) {
			c = (unsigned char)lx->s[lx->pos++];
			if (c == '\\') {
				if (lx->pos >= lx->len)
					break;
				lx->pos++;
			} else if (c == '(') {
				if (++depth > FROM_MAX_NESTING) {
					lx->err = "comments nested too deeply";
					return -1;
				}
			} else if (c == ')') {
				if (--depth == 0)
					break;
			} else if (c == 0) {
				lx->err = "NUL octet in a comment";
				return -1;
			}
		}
		if (depth != 0) {
			lx->err = "unterminated comment";
			return -1;
		}
	}
	return 0;
}

static const char specials[] = "<>@,;:.";
static const tok_type special_type[] = { T_LT, T_GT, T_AT, T_COMMA, T_SEMI,
	T_COLON, T_DOT };

static void
next(lexer *lx)
{
	unsigned char c;
	const char *sp;

	if (skip_cfws(lx) < 0) {
		lx->type = T_ERR;
		return;
	}
	if (lx->pos >= lx->len) {
		lx->type = T_END;
		return;
	}
	lx->tp = lx->s + lx->pos;
	lx->tn = 1;
	c = (unsigned char)lx->s[lx->pos];
	if (is_atext(c)) {
		while (lx->pos < lx->len && is_atext((unsigned char)lx->s[lx->pos]))
			lx->pos++;
		lx->tn = (size_t)(lx->s + lx->pos - lx->tp);
		lx->type = T_ATOM;
		return;
	}
	if (c == '"' || c == '[') {
		unsigned char close = c == '"' ? '"' : ']';
		int closed = 0;

		lx->pos++;
		while (lx->pos < lx->len) {
			c = (unsigned char)lx->s[lx->pos++];
			if (c == '\\' && lx->pos < lx->len) {
				lx->pos++;
			} else if (c == close) {
				closed = 1;
				break;
			} else if (c == 0 || (close == ']' && c == '[')) {
				break;
			}
		}
		if (!closed) {
			lx->type = T_ERR;
			lx->err = close == '"' ? "unterminated quoted string" :
			    "unterminated domain literal";
			return;
		}
		lx->tn = (size_t)(lx->s + lx->pos - lx->tp);
		lx->type = close == '"' ? T_QSTR : T_DLIT;
		return;
	}
	lx->pos++;
	sp = strchr(specials, c);
	if (c == 0 || sp == NULL) {
		lx->type = T_ERR;
		lx->err = c == ')' ? "unbalanced ')'" :
		    c == ']' ? "unbalanced ']'" : "character not allowed here";
		return;
	}
	lx->type = special_type[sp - specials];
}

typedef struct parser {
	lexer lx;
	dmarc_from *out;
	dmarc_from_status st;
	char *why;
	size_t whylen;
} parser;

static int
fail(parser *ps, dmarc_from_status st, const char *msg)
{
	if (ps->st == DMARC_FROM_OK) {
		ps->st = st;
		if (ps->why != NULL && ps->whylen > 0)
			snprintf(ps->why, ps->whylen, "%s", msg);
	}
	return -1;
}

static int
lexfail(parser *ps)
{
	return fail(ps, DMARC_FROM_SYNTAX, ps->lx.err);
}

/* RFC 5890 2.3.2.1: each A-label ("xn--") of name[0..n) whose label ends
 * before offset end decodes. domain_check() says where the first fault
 * is; the labels before it are the ones a single pass would have judged
 * first, so a bad A-label there is what the caller reports. */
static int
alabels_ok(const char *name, size_t n, size_t end)
{
	char lb[DOMAIN_MAX_LABEL + 1], *u;
	const char *dot;
	size_t i, start, len;
	int ok;

	if (memchr(name, '-', n) == NULL)
		return 1;  /* no "xn--": most names, in one quick look */
	for (start = 0; start <= n; start = i + 1) {
		dot = memchr(name + start, '.', n - start);
		i = dot != NULL ? (size_t)(dot - name) : n;
		if (i >= end)
			break;
		len = i - start;
		if (len > 4 && len <= DOMAIN_MAX_LABEL &&
		    strncmp(name + start, "xn--", 4) == 0) {
			memcpy(lb, name + start, len);
			lb[len] = '\0';
			u = NULL;
			ok = idn2_to_unicode_8z8z(lb, &u, 0) == IDN2_OK;
			idn2_free(u);
			if (!ok)
				return 0;
		}
	}
	return 1;
}

/* Lowercase ASCII, convert U-labels to A-labels, check host-name syntax
 * (letters, digits, '-', '_'; labels 1..63; name <= 253), then add. */
static int
add_domain(parser *ps, const char *d, size_t n)
{
	char buf[FROM_MAX_RAW_DOMAIN + 1], *ascii = NULL;
	const char *name = buf, *why = NULL;
	size_t i, k, at;
	domain_err e;
	int utf8 = 0;

	if (n == 0)
		return fail(ps, DMARC_FROM_BAD_DOMAIN, "empty domain");
	if (n > FROM_MAX_RAW_DOMAIN)
		return fail(ps, DMARC_FROM_BAD_DOMAIN, "domain too long");
	memcpy(buf, d, n);
	buf[n] = '\0';
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c >= 0x80)
			utf8 = 1;
		else if (c >= 'A' && c <= 'Z')
			buf[i] = (char)(c | 0x20);
	}
	if (utf8) {
		/* RFC 9989 5.3.1, RFC 5890 2.3: U-labels become A-labels. */
		if (idn2_to_ascii_8z(buf, &ascii, IDN2_NONTRANSITIONAL |
		    IDN2_NFC_INPUT) != IDN2_OK || ascii == NULL) {
			idn2_free(ascii);
			return fail(ps, DMARC_FROM_BAD_DOMAIN,
			    "domain is not a valid internationalized name");
		}
		name = ascii;
		n = strlen(ascii);
	}
	e = domain_check(name, n, DOMAIN_UNDERSCORE, &at);
	if (!alabels_ok(name, n, e == DOMAIN_OK ? n + 1 : at))
		why = "invalid A-label in domain";
	else if (e == DOMAIN_ERR_LONG)
		why = "domain longer than 253 octets";
	else if (e == DOMAIN_ERR_LONG_LABEL)
		why = "domain label longer than 63 octets";
	else if (e == DOMAIN_ERR_OCTET)
		why = "domain is not a host name";
	else if (e != DOMAIN_OK)
		why = "empty label in domain";  /* or an empty name */
	if (why != NULL) {
		idn2_free(ascii);
		return fail(ps, DMARC_FROM_BAD_DOMAIN, why);
	}
	ps->out->naddresses++;
	for (k = 0; k < ps->out->ndomains; k++)
		if (strcmp(ps->out->domains[k], name) == 0)
			break;
	if (k == ps->out->ndomains) {
		if (k == DMARC_MAX_AUTHORS) {
			char msg[64];

			idn2_free(ascii);
			snprintf(msg, sizeof(msg), "more than %u author domains",
			    (unsigned)DMARC_MAX_AUTHORS);
			return fail(ps, DMARC_FROM_TOO_MANY, msg);
		}
		memcpy(ps->out->domains[k], name, n + 1);
		ps->out->ndomains++;
	}
	idn2_free(ascii);
	return 0;
}

/* domain = dot-atom / obs-domain (atoms and dots with CFWS between);
 * a domain literal cannot be an author domain. */
static int
parse_domain(parser *ps)
{
	char buf[FROM_MAX_RAW_DOMAIN + 1];
	size_t n = 0;

	if (ps->lx.type == T_DLIT)
		return fail(ps, DMARC_FROM_BAD_DOMAIN,
		    "domain literal is not an author domain");
	if (ps->lx.type != T_ATOM)
		return ps->lx.type == T_ERR ? lexfail(ps) :
		    fail(ps, DMARC_FROM_BAD_DOMAIN, "empty domain");
	for (;;) {
		if (ps->lx.tn + 1 > FROM_MAX_RAW_DOMAIN - n)
			return fail(ps, DMARC_FROM_BAD_DOMAIN, "domain too long");
		memcpy(buf + n, ps->lx.tp, ps->lx.tn);
		n += ps->lx.tn;
		next(&ps->lx);
		if (ps->lx.type != T_DOT)
			break;
		buf[n++] = '.';
		next(&ps->lx);
		if (ps->lx.type != T_ATOM)
			return ps->lx.type == T_ERR ? lexfail(ps) :
			    fail(ps, DMARC_FROM_BAD_DOMAIN, "empty label in domain");
	}
	return add_domain(ps, buf, n);
}

/* addr-spec after its local part: "@" domain. */
static int
parse_at_domain(parser *ps)
{
	if (ps->lx.type != T_AT)
		return fail(ps, DMARC_FROM_SYNTAX, "'@' expected");
	next(&ps->lx);
	return parse_domain(ps);
}

/* local-part = word *("." word) (dot-atom, quoted string, obs-local-part). */
static int
parse_local_part(parser *ps)
{
	for (;;) {
		if (ps->lx.type != T_ATOM && ps->lx.type != T_QSTR)
			return ps->lx.type == T_ERR ? lexfail(ps) :
			    fail(ps, DMARC_FROM_SYNTAX, "bad local part");
		next(&ps->lx);
		if (ps->lx.type != T_DOT)
			return 0;
		next(&ps->lx);
	}
}

/* angle-addr = "<" [obs-route] addr-spec ">"; "<" already current. */
static int
parse_angle(parser *ps)
{
	next(&ps->lx);
	if (ps->lx.type == T_GT)
		return fail(ps, DMARC_FROM_NO_ADDRESS, "empty address '<>'");
	if (ps->lx.type == T_AT || ps->lx.type == T_COMMA) {
		/* obs-route = obs-domain-list ":" (RFC 5322 4.4) */
		while (ps->lx.type == T_AT || ps->lx.type == T_COMMA) {
			if (ps->lx.type == T_COMMA) {
				next(&ps->lx);
				continue;
			}
			next(&ps->lx);
			if (ps->lx.type != T_ATOM)
				return fail(ps, DMARC_FROM_SYNTAX, "bad route in address");
			while (ps->lx.type == T_ATOM || ps->lx.type == T_DOT)
				next(&ps->lx);
		}
		if (ps->lx.type != T_COLON)
			return fail(ps, DMARC_FROM_SYNTAX, "route without ':'");
		next(&ps->lx);
	}
	if (parse_local_part(ps) < 0 || parse_at_domain(ps) < 0)
		return -1;
	if (ps->lx.type != T_GT)
		return ps->lx.type == T_ERR ? lexfail(ps) :
		    fail(ps, DMARC_FROM_SYNTAX, "'>' expected after address");
	next(&ps->lx);
	return 0;
}

/* One list element: mailbox, or (in_group == 0) a group.
 * Returns 1 when the element was empty (obs-mbox-list null element). */
static int
parse_element(parser *ps, int in_group)
{
	size_t words = 0, dots = 0;
	int last_dot = 0, local_ok = 1;

	while (ps->lx.type == T_ATOM || ps->lx.type == T_QSTR ||
	    (ps->lx.type == T_DOT && words > 0)) {
		if (ps->lx.type == T_DOT) {
			dots++;
			last_dot = 1;
		} else {
			if (words > 0 && !last_dot)
				local_ok = 0; /* two words in a row: a phrase */
			words++;
			last_dot = 0;
		}
		next(&ps->lx);
	}
	switch (ps->lx.type) {
	case T_LT:
		return parse_angle(ps);
	case T_AT:
		if (words == 0 || last_dot || !local_ok)
			return fail(ps, DMARC_FROM_SYNTAX,
			    words == 0 ? "address without local part" :
			    "display name without angle brackets");
		return parse_at_domain(ps);
	case T_COLON:
		if (in_group || words == 0)
			return fail(ps, DMARC_FROM_SYNTAX, in_group ?
			    "group inside a group" : "group without a name");
		next(&ps->lx);
		/* group-list: mailbox-list, CFWS or obs-group-list, then ";" */
		for (;;) {
			int r = parse_element(ps, 1);
			if (r < 0)
				return -1;
			if (ps->lx.type == T_COMMA) {
				next(&ps->lx);
				continue;
			}
			if (ps->lx.type == T_SEMI) {
				next(&ps->lx);
				return 0;
			}
			return ps->lx.type == T_ERR ? lexfail(ps) :
			    fail(ps, DMARC_FROM_SYNTAX, "group without ';'");
		}
	case T_ERR:
		return lexfail(ps);
	default:
		if (words > 0)
			return fail(ps, DMARC_FROM_NO_ADDRESS,
			    "display name without an address");
		(void)dots;
		return 1;
	}
}

static void
parse_value(parser *ps, const char *s, size_t len)
{
	ps->lx = (lexer){ .s = s, .len = len };
	next(&ps->lx);
	for (;;) {
		if (parse_element(ps, 0) < 0)
			return;
		switch (ps->lx.type) {
		case T_END:
			return;
		case T_COMMA:
			next(&ps->lx);
			continue;
		case T_ERR:
			lexfail(ps);
			return;
		case T_GT:
			fail(ps, DMARC_FROM_SYNTAX, "'>' without '<'");
			return;
		default:
			fail(ps, DMARC_FROM_SYNTAX,
			    "unexpected text after an address");
			return;
		}
	}
}

dmarc_from_status
dmarc_from_parse(const char *const *values, const size_t *lens,
    size_t nvalues, dmarc_from *out, char *why, size_t whylen)
{
	parser ps = { .out = out, .st = DMARC_FROM_OK, .why = why,
	    .whylen = whylen };
	size_t i, total = 0;

	memset(out, 0, sizeof(*out));
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (nvalues == 0 || values == NULL) {
		fail(&ps, DMARC_FROM_NONE, "no From header field");
		return ps.st;
	}
	for (i = 0; i < nvalues; i++) {
		size_t n = lens != NULL ? lens[i] :
		    (values[i] != NULL ? strlen(values[i]) : 0);

		if (values[i] == NULL) {
			fail(&ps, DMARC_FROM_SYNTAX, "From header field missing");
			return ps.st;
		}
		if (n > DMARC_FROM_MAX_LEN - total) {
			char msg[96];

			snprintf(msg, sizeof(msg), "From header field longer than "
			    "%u octets (local limit)", (unsigned)DMARC_FROM_MAX_LEN);
			fail(&ps, DMARC_FROM_TOO_LONG, msg);
			return ps.st;
		}
		total += n;
		parse_value(&ps, values[i], n);
		if (ps.st != DMARC_FROM_OK)
			return ps.st;
	}
	if (out->naddresses == 0) {
		fail(&ps, DMARC_FROM_NO_ADDRESS, "From has no address");
		return ps.st;
	}
	if (nvalues > 1) {
		/* RFC 5322 3.6: exactly one From field; the domains are kept. */
		fail(&ps, DMARC_FROM_MULTIPLE, "several From header fields");
		return ps.st;
	}
	return DMARC_FROM_OK;
}

const char *
dmarc_from_status_name(dmarc_from_status s)
{
	static const char *names[] = { "ok", "none", "multiple", "syntax",
	    "no-address", "bad-domain", "too-many", "too-long" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
