/*
 * dmarc/align.c - identifier alignment (RFC 9989 4.10.2, RFC 7489 3.1).
 *
 * Contract: dmarc_aligned() (see dmarc.h) compares names only; finding
 * the Organizational Domains is the caller's job (tree walk or PSL).
 * Names compare case-insensitively and a single trailing dot is ignored.
 */
#include "dmarc/dmarc.h"

#include <string.h>
#include <strings.h>

static int
name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la > 0 && la == lb && strncasecmp(a, b, la) == 0;
}

int
dmarc_aligned(const char *author, const char *author_org, const char *id,
    const char *id_org, dmarc_alignment mode)
{
	if (author == NULL || id == NULL)
		return 0;
	if (name_eq(author, id))
		return 1;
	if (mode == DMARC_ALIGN_STRICT)
		return 0;
	/* Relaxed: the same Organizational Domain, when both are known. */
	return author_org != NULL && id_org != NULL &&
	    name_eq(author_org, id_org);
}
