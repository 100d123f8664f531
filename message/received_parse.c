/*
 * message/received_parse.c - the `from` clause of a Received header field
 * (contract in received_parse_int.h).
 *
 * One pass over the value splits it into words (white space, '(' ')' and,
 * outside comments, ';' end a word) and tracks the comment depth. Words
 * outside comments: "from", then the HELO, then anything up to a clause
 * keyword (kw_table). Words of a top-level comment are classified by
 * word_table (helo=, HELO/EHLO) or as an address or a name; deeper
 * comments are skipped. Nothing is allocated; every copy is bounded.
 */
#include "message/received_parse_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/ipaddr.h"
#include "util/strcopy.h"

/* Words that end the from clause outside comments (RFC 5321 4.4). */
static const char *const kw_table[] = { "by", "with", "id", "via", "for" };

enum { W_NONE, W_HELO_EQ, W_HELO_NEXT };

/* Words of a comment that name the HELO: Exim's helo=NAME, qmail's and
 * others' "HELO NAME" / "EHLO NAME". */
static const struct {
	const char *word;
	int prefix;           /* 1: the word starts with it */
	int kind;
} word_table[] = {
	{ "helo=", 1, W_HELO_EQ },
	{ "HELO", 0, W_HELO_NEXT },
	{ "EHLO", 0, W_HELO_NEXT },
};

typedef struct rp_state {
	received_hop *out;
	int nwords0;           /* words outside comments so far */
	int done;              /* a clause keyword or ';' was met */
	int helo_next;         /* the next comment word is the HELO */
	int have_ip, have_helo_override, helo_is_literal;
	int bad_ip;            /* an address literal that did not parse */
	const char *lead;      /* the word after "from" */
	size_t leadlen;
	char *err;
	size_t errlen;
	int failed;
} rp_state;

static int
rp_fail(rp_state *s, const char *why, const char *w, size_t n)
{
	if (!s->failed && s->err != NULL && s->errlen > 0) {
		if (w != NULL)
			snprintf(s->err, s->errlen, "%s: '%.*s'", why,
			    (int)(n > 64 ? 64 : n), w);
		else
			snprintf(s->err, s->errlen, "%s", why);
	}
	s->failed = 1;
	return -1;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int
word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(w, lit, n) == 0;
}

/* An address: "[IP]", "[IPv6:IP]", "[IP]:PORT" or a bare IP. 0 with the
 * normalised text in buf, -1 when the word is not one. */
static int
parse_addr(const char *w, size_t n, char *buf, size_t buflen)
{
	char tmp[RECEIVED_IP_MAX + 8];
	ipaddr a;
	size_t i;

	if (n > 0 && w[0] == '[') {
		const char *close = memchr(w, ']', n);

		if (close == NULL)
			return -1;
		/* after ']' nothing, or ":PORT" (Exim) */
		i = (size_t)(close - w) + 1;
		if (i < n) {
			size_t j;

			if (w[i] != ':' || i + 1 == n)
				return -1;
			for (j = i + 1; j < n; j++)
				if (w[j] < '0' || w[j] > '9')
					return -1;
		}
		n = (size_t)(close - w) - 1;
		w++;
		if (n >= 5 && strncasecmp(w, "IPv6:", 5) == 0) {
			w += 5;
			n -= 5;
		}
	}
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, w, n);
	tmp[n] = '\0';
	if (ipaddr_parse(tmp, &a) < 0)
		return -1;
	(void)ipaddr_unmap(&a);
	return ipaddr_format(&a, buf, buflen) < 0 ? -1 : 0;
}

static int
copy_name(rp_state *s, char *dst, const char *w, size_t n)
{
	if (n > 0 && w[n - 1] == '.')
		n--;               /* Gmail writes the name rooted */
	if (n >= RECEIVED_NAME_MAX)
		return rp_fail(s, "name too long", w, n);
	return strcopy_n(dst, RECEIVED_NAME_MAX, w, n);
}

/* A word of a top-level comment. */
static int
comment_word(rp_state *s, const char *w, size_t n)
{
	char ip[RECEIVED_IP_MAX];
	size_t k;

	if (s->helo_next) {
		s->helo_next = 0;
		s->have_helo_override = 1;
		return copy_name(s, s->out->helo, w, n);
	}
	for (k = 0; k < sizeof(word_table) / sizeof(word_table[0]); k++) {
		size_t l = strlen(word_table[k].word);

		if (word_table[k].prefix ? (n >= l && strncasecmp(w,
		    word_table[k].word, l) == 0) : word_is(w, n,
		    word_table[k].word)) {
			if (word_table[k].kind == W_HELO_NEXT) {
				s->helo_next = 1;
				return 0;
			}
			s->have_helo_override = 1;
			return copy_name(s, s->out->helo, w + l, n - l);
		}
	}
	if (parse_addr(w, n, ip, sizeof(ip)) == 0) {
		if (!s->have_ip) {
			strcopy(s->out->ip, sizeof(s->out->ip), ip);
			s->have_ip = 1;
		}
		return 0;
	}
	if (n > 0 && w[0] == '[') {
		/* a literal that is no address: the MTA wrote it, so the
		 * field is not one we understand */
		if (!s->have_ip)
			s->bad_ip = 1;
		return 0;
	}
	if (s->out->rdns[0] == '\0' && !s->have_ip && !word_is(w, n,
	    "unknown"))
		return copy_name(s, s->out->rdns, w, n);
	return 0;
}

/* A word outside comments. */
static int
top_word(rp_state *s, const char *w, size_t n)
{
	size_t k;

	if (s->nwords0++ == 0) {
		if (!word_is(w, n, "from"))
			return rp_fail(s, "no from clause", NULL, 0);
		return 0;
	}
	if (s->nwords0 == 2) {
		s->helo_is_literal = n > 0 && w[0] == '[';
		s->lead = w;
		s->leadlen = n;
		return copy_name(s, s->out->helo, w, n);
	}
	for (k = 0; k < sizeof(kw_table) / sizeof(kw_table[0]); k++)
		if (word_is(w, n, kw_table[k]))
			s->done = 1;
	return 0;
}

int
received_parse(const char *value, size_t len, received_hop *out, char *err,
    size_t errlen)
{
	rp_state s;
	size_t i = 0, depth = 0;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.out = out;
	s.err = err;
	s.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > RECEIVED_MAX_LEN)
		return rp_fail(&s, "Received field longer than 8192 octets "
		    "(local limit)", NULL, 0);
	while (i < len && !s.done && !s.failed) {
		char c = value[i];
		size_t j;

		if (is_ws(c)) {
			i++;
			continue;
		}
		if (c == '(') {
			depth++;
			i++;
			continue;
		}
		if (c == ')') {
			if (depth == 0)
				return rp_fail(&s, "unbalanced ')'", NULL, 0);
			depth--;
			i++;
			continue;
		}
		if (c == ';' && depth == 0)
			break;
		for (j = i; j < len && !is_ws(value[j]) && value[j] != '(' &&
		    value[j] != ')' && !(depth == 0 && value[j] == ';'); j++)
			;
		if (depth == 0)
			(void)top_word(&s, value + i, j - i);
		else if (depth == 1 && s.nwords0 >= 2)
			(void)comment_word(&s, value + i, j - i);
		i = j;
	}
	if (s.failed)
		return -1;
	if (s.nwords0 == 0)
		return rp_fail(&s, "no from clause", NULL, 0);
	if (depth != 0)
		return rp_fail(&s, "unbalanced '('", NULL, 0);
	if (s.nwords0 < 2)
		return rp_fail(&s, "from clause without a name", NULL, 0);
	if (!s.have_ip && s.bad_ip)
		return rp_fail(&s, "address literal that does not parse", NULL,
		    0);
	if (!s.have_ip && s.helo_is_literal && s.have_helo_override) {
		/* Exim without a reverse name: from [IP] (helo=NAME) */
		if (parse_addr(s.lead, s.leadlen, out->ip,
		    sizeof(out->ip)) == 0)
			s.have_ip = 1;
	}
	if (!s.have_ip)
		return rp_fail(&s, "no client address in the from clause",
		    NULL, 0);
	if (s.have_helo_override && !s.helo_is_literal &&
	    out->rdns[0] == '\0' && !word_is(s.lead, s.leadlen, "unknown")) {
		/* Exim and qmail: from RDNS (... helo=HELO) */
		if (copy_name(&s, out->rdns, s.lead, s.leadlen) < 0)
			return -1;
	}
	return 0;
}
