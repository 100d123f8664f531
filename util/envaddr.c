/*
 * util/envaddr.c - SMTP envelope addresses (contract in envaddr.h): "<a@b>",
 * "a@b", "<>", source routes, the local part and the domain.
 */
#include "util/envaddr.h"

#include <string.h>

#include "util/strcopy.h"

static int
blank(char c)
{
	return c == ' ' || c == '\t';
}

int
envaddr_strip(const char *s, char *out, size_t outlen)
{
	size_t n;

	if (s == NULL)
		s = "";
	while (blank(*s))
		s++;
	n = strlen(s);
	while (n > 0 && blank(s[n - 1]))
		n--;
	if (n >= 2 && s[0] == '<' && s[n - 1] == '>') {
		s++;
		n -= 2;
		/* RFC 5321 4.1.2: A-d-l ":" before the mailbox, "@" first */
		if (n > 0 && s[0] == '@') {
			const char *colon = memchr(s, ':', n);

			if (colon != NULL) {
				n -= (size_t)(colon + 1 - s);
				s = colon + 1;
			}
		}
	}
	return strcopy_n(out, outlen, s, n);
}

const char *
envaddr_domain(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL ? at + 1 : NULL;
}

size_t
envaddr_local_len(const char *addr)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	return at != NULL ? (size_t)(at - addr) : 0;
}
