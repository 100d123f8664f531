/*
 * util/domain.c - domain names as text: one syntax check with the rules
 * each caller needs as flags, the case-folded comparison and the
 * subdomain test (see domain.h).
 */
#include "util/domain.h"

#include <string.h>

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* The class of each octet: H a letter, digit or '-' (LDH), U '_', P
 * printable but '.' (0x21-0x7e), O any but NUL and '.'. '.' is in none:
 * it ends a label. */
enum { H = 1, U = 2, P = 4, O = 8, OP = O | P, OPH = O | P | H,
    OPU = O | P | U };
static const unsigned char octet_class[256] = {
	0, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 0x00 controls */
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 0x10 */
	/* sp !  "   #   $   %   &   '   (   )   *   +   ,   -    .  / */
	O, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OP, OPH, 0, OP,
	/* 0-9                                        :   ;   <   =   >   ? */
	OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OP, OP, OP, OP, OP, OP,
	/* @   A-O */
	OP, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH,
	OPH, OPH,
	/* P-Z                                            [   \   ]   ^   _ */
	OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OP, OP, OP, OP, OPU,
	/* `   a-o */
	OP, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH,
	OPH, OPH,
	/* p-z                                            {   |   }   ~   DEL */
	OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OPH, OP, OP, OP, OP, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 0x80 */
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,
	O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  /* 0xf0 */
};

/* n without one final '.' when flags allow it. */
static size_t
trim(const char *s, size_t n, unsigned flags)
{
	if ((flags & DOMAIN_TRAILING_DOT) && n > 0 && s[n - 1] == '.')
		n--;
	return n;
}

static domain_err
fault(domain_err e, size_t where, size_t *at)
{
	if (at != NULL)
		*at = where;
	return e;
}

domain_err
domain_check(const char *s, size_t n, unsigned flags, size_t *at)
{
	size_t i, start = 0, labels = 0;
	unsigned want;

	want = (flags & DOMAIN_OCTETS) ? O : (flags & DOMAIN_PRINTABLE) ? P :
	    (flags & DOMAIN_UNDERSCORE) ? H | U : H;
	n = trim(s, n, flags);
	if (n == 0)
		return fault(DOMAIN_ERR_EMPTY, 0, at);
	if (n > DOMAIN_MAX_TEXT)
		return fault(DOMAIN_ERR_LONG, 0, at);
	/* One label a turn, [start, i); the name's end closes the last. A
	 * '-' may be allowed anywhere, so a label's first octet is judged
	 * as one that begins it before the octets after it are. */
	for (;;) {
		if ((flags & DOMAIN_LETDIG_ENDS) && start < n && s[start] == '-')
			return fault(DOMAIN_ERR_HYPHEN_START, start, at);
		for (i = start; i < n &&
		    (octet_class[(unsigned char)s[i]] & want) != 0; i++)
			;
		if (i < n && s[i] != '.')
			return fault(DOMAIN_ERR_OCTET, i, at);
		if (i == start)
			return fault(DOMAIN_ERR_EMPTY_LABEL, i, at);
		if (i - start > DOMAIN_MAX_LABEL)
			return fault(DOMAIN_ERR_LONG_LABEL, i, at);
		if ((flags & DOMAIN_LETDIG_ENDS) && s[i - 1] == '-')
			return fault(DOMAIN_ERR_HYPHEN_END, i, at);
		labels++;
		if (i == n)
			break;
		start = i + 1;
	}
	if ((flags & DOMAIN_FQDN) && labels < 2)
		return fault(DOMAIN_ERR_ONE_LABEL, n, at);
	if (flags & DOMAIN_ALPHA_TOP) {
		for (i = start; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == n)
			return fault(DOMAIN_ERR_NUMERIC_TOP, n, at);
	}
	return fault(DOMAIN_OK, n, at);
}

int
domain_valid(const char *s, size_t n, unsigned flags)
{
	return domain_check(s, n, flags, NULL) == DOMAIN_OK;
}

/* a[0..n) and b[0..n) alike but for ASCII case. */
static int
same_folded(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
			return 0;
	return 1;
}

int
domain_equal(const char *a, const char *b, unsigned flags)
{
	size_t la = trim(a, strlen(a), flags), lb = trim(b, strlen(b), flags);

	return la > 0 && la == lb && same_folded(a, b, la);
}

int
domain_within(const char *name, const char *parent, unsigned flags)
{
	size_t ln = trim(name, strlen(name), flags);
	size_t lp = trim(parent, strlen(parent), flags);

	if (lp == 0 || ln < lp || !same_folded(name + ln - lp, parent, lp))
		return 0;
	return ln == lp || name[ln - lp - 1] == '.';
}
