/*
 * message/arc_trust_int.h - trusted ARC sealers (config key
 * arc_trusted_sealers): whether a validated ARC chain carries the word of
 * a forwarder the site trusts that the message passed DMARC when it
 * reached that forwarder. For verdict.c.
 *
 * SYNOPSIS
 *   int arc_trust_find(const arc_verifier *v, const char *const *trusted,
 *       size_t ntrusted, const char *from_domain, arc_trust *out);
 *   int arc_trust_aar_says(const char *aar, size_t len, unsigned i,
 *       const char *from_domain, char *what, size_t whatlen);
 *
 * DESCRIPTION
 *   arc_trust_find() returns 1 and fills out (the sealer as configured,
 *   its instance, what its AAR said) when all of these hold, else 0 with
 *   out->why saying which did not (for --explain and logs):
 *     - the chain passed (arc_eom() done, ARC_PASS);
 *     - the newest instance sealed (ARC-Seal d=) by a domain of trusted
 *       (exact, case-insensitive) is at or above the chain's oldest-pass:
 *       every ARC-Message-Signature from that instance on still verifies,
 *       so no later hop changed what that sealer signed. Only that one
 *       instance counts: an older trusted instance is not consulted when
 *       a newer trusted one does not qualify;
 *     - that instance's ARC-Authentication-Results (arc_aar(), covered by
 *       its seal) says so: arc_trust_aar_says().
 *   arc_trust_aar_says() reads an AAR value "i=N; authserv-id; results"
 *   (RFC 8617 4.1.1): i= must be i, the rest must parse as an
 *   Authentication-Results value (message/ar_parse.c). It returns 1 when
 *   a result is dmarc=pass with header.from equal to from_domain, or
 *   spf=pass with smtp.mailfrom's domain, or dkim=pass with header.d,
 *   aligned with from_domain in strict mode (dmarc_aligned(): equal
 *   names; a relaxed alignment needs the identifier's organizational
 *   domain, which would take lookups of the sender's choosing at end of
 *   message: such a result does not count). `what` gets the deciding
 *   result ("dmarc=pass header.from=D"). Any parse failure is 0 (fail
 *   closed).
 */
#ifndef AUTHMILTER_MESSAGE_ARC_TRUST_INT_H
#define AUTHMILTER_MESSAGE_ARC_TRUST_INT_H

#include <stddef.h>

#include "dkim/arc.h"

typedef struct arc_trust {
	char sealer[DKIM_MAX_DOMAIN + 1];  /* as in arc_trusted_sealers */
	unsigned instance;
	char what[128];                    /* the AAR result that counted */
	char why[160];                     /* why not, when 0 */
} arc_trust;

int arc_trust_find(const arc_verifier *v, const char *const *trusted,
    size_t ntrusted, const char *from_domain, arc_trust *out);
int arc_trust_aar_says(const char *aar, size_t len, unsigned i,
    const char *from_domain, char *what, size_t whatlen);

#endif
