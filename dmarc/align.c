/*
 * dmarc/align.c - identifier alignment (RFC 9989 4.10.2, RFC 7489 3.1).
 *
 * Contract: dmarc_aligned() (see dmarc.h) compares names only; finding
 * the Organizational Domains is the caller's job (tree walk or PSL).
 * Names compare case-insensitively and a single trailing dot is ignored.
 */
#include "dmarc/dmarc.h"

#include "util/domain.h"

int
dmarc_aligned(const char *author, const char *author_org, const char *id,
    const char *id_org, dmarc_alignment mode)
{
	if (author == NULL || id == NULL)
		return 0;
	if (domain_equal(author, id, DOMAIN_TRAILING_DOT))
		return 1;
	if (mode == DMARC_ALIGN_STRICT)
		return 0;
	/* Relaxed: the same Organizational Domain, when both are known. */
	return author_org != NULL && id_org != NULL &&
	    domain_equal(author_org, id_org, DOMAIN_TRAILING_DOT);
}
