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

static int
octet_ok(int c, unsigned flags)
{
	if (flags & DOMAIN_OCTETS)
		return c != '\0' && c != '.';
	if (flags & DOMAIN_PRINTABLE)
		return c >= 0x21 && c <= 0x7e && c != '.';
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' ||
	    (c == '_' && (flags & DOMAIN_UNDERSCORE));
}

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
	size_t i, lab = 0, labels = 0, top = 0;
	int c;

	n = trim(s, n, flags);
	if (n == 0)
		return fault(DOMAIN_ERR_EMPTY, 0, at);
	if (n > DOMAIN_MAX_TEXT)
		return fault(DOMAIN_ERR_LONG, 0, at);
	/* Position n reads as the '.' that closes the last label. */
	for (i = 0; i <= n; i++) {
		c = i < n ? (unsigned char)s[i] : '.';
		if (c == '.') {
			if (lab == 0)
				return fault(DOMAIN_ERR_EMPTY_LABEL, i, at);
			if (lab > DOMAIN_MAX_LABEL)
				return fault(DOMAIN_ERR_LONG_LABEL, i, at);
			if ((flags & DOMAIN_LETDIG_ENDS) && s[i - 1] == '-')
				return fault(DOMAIN_ERR_HYPHEN_END, i, at);
			labels++;
			top = i - lab;
			lab = 0;
			continue;
		}
		if (!octet_ok(c, flags))
			return fault(DOMAIN_ERR_OCTET, i, at);
		if ((flags & DOMAIN_LETDIG_ENDS) && c == '-' && lab == 0)
			return fault(DOMAIN_ERR_HYPHEN_START, i, at);
		lab++;
	}
	if ((flags & DOMAIN_FQDN) && labels < 2)
		return fault(DOMAIN_ERR_ONE_LABEL, n, at);
	if (flags & DOMAIN_ALPHA_TOP) {
		for (i = top; i < n && s[i] >= '0' && s[i] <= '9'; i++)
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
