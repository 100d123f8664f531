/*
 * message/ar_parse_int.h - read existing Authentication-Results header fields.
 *
 * SUMMARY
 *   Parses the value of an Authentication-Results header (RFC 8601 2.2) so
 *   the milter can tell which ones claim its own authserv-id and remove
 *   them (RFC 8601 5), and so results added upstream can be shown.
 *
 * SYNOPSIS
 *   ar_header *ar_parse(const char *value, size_t len, char *err, size_t errlen);
 *   void       ar_header_free(ar_header *h);
 *   int        ar_claims_authserv_id(const char *value, size_t len, const char *id);
 *   const char *ar_prop_value(const ar_resinfo *r, const char *ptype, const char *property);
 *   size_t     ar_results_offset(const char *value, size_t len, const char *id);
 *
 * DESCRIPTION
 *   ar_parse() takes the text after "Authentication-Results:" (folding
 *   allowed) and returns the authserv-id, the optional authres-version
 *   (Microsoft's "mx.microsoft.com 1;" form included), "none", and each
 *   resinfo: method[/version]=result, reason=, and ptype.property=pvalue
 *   properties (a bare name=value, as Microsoft writes "action=none", is
 *   kept as a property with an empty ptype). Comments are skipped. It returns NULL and a reason naming
 *   the offset when the value does not follow the grammar. At most
 *   AR_MAX_RESINFO results and AR_MAX_PROPS properties per result are kept
 *   (the rest are counted in `dropped`); over-long tokens are errors.
 *
 *   ar_claims_authserv_id() answers whether a header claims the given
 *   authserv-id. It is deliberately lenient: it reads only the leading
 *   authserv-id (token or quoted-string, after any CFWS) and compares it
 *   case-insensitively, so a forged header that is otherwise malformed is
 *   still recognised and removed. Returns 1 or 0.
 *
 *   ar_results_offset() is where the results of a header claiming id
 *   begin: the offset just after "authserv-id [version] ;" (CFWS
 *   allowed around each), so an ARC sealer can copy them (RFC 8617
 *   4.1.1); 0 when the header does not claim id or has no ';' there.
 */
#ifndef AUTHMILTER_AR_PARSE_INT_H
#define AUTHMILTER_AR_PARSE_INT_H

#include <stddef.h>

#define AR_MAX_RESINFO 32     /* results kept per header; more are counted */
#define AR_MAX_PROPS 8        /* properties kept per result */
#define AR_MAX_TOKEN 255      /* a domain name's length, RFC 1035 2.3.4 */
#define AR_MAX_VALUE 512      /* longest pvalue / reason kept */

typedef struct ar_prop {
	char ptype[64];
	char property[64];
	char value[AR_MAX_VALUE + 1];
} ar_prop;

typedef struct ar_resinfo {
	char method[64];
	int method_version;           /* -1: none given */
	char result[64];
	char reason[AR_MAX_VALUE + 1]; /* "" when absent */
	size_t nprops;
	ar_prop props[AR_MAX_PROPS];
} ar_resinfo;

typedef struct ar_header {
	char authserv_id[AR_MAX_TOKEN + 1];
	int version;                  /* -1: none given */
	int none;                     /* "; none" */
	size_t nres;
	size_t dropped;               /* results or properties beyond the bounds */
	ar_resinfo res[AR_MAX_RESINFO];
} ar_header;

ar_header *ar_parse(const char *value, size_t len, char *err, size_t errlen);
void ar_header_free(ar_header *h);
size_t ar_results_offset(const char *value, size_t len, const char *id);
int ar_claims_authserv_id(const char *value, size_t len, const char *id);
/* The value of the result's property ptype.property (case-insensitive),
 * or NULL. */
const char *ar_prop_value(const ar_resinfo *r, const char *ptype,
    const char *property);

#endif
