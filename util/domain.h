/*
 * util/domain.h - domain names as text: syntax, comparison, the subdomain
 * test.
 *
 * SUMMARY
 *   The one place that says what a domain name looks like and when two
 *   names (or a name and a parent) match. Pure functions over bytes: no
 *   allocation, no globals, no locale (ASCII case folding, RFC 4343);
 *   thread-safe. Wire form and escapes are dns/'s job (dns_name_to_wire).
 *
 * SYNOPSIS
 *   domain_err domain_check(const char *s, size_t n, unsigned flags,
 *       size_t *at);
 *   int domain_valid(const char *s, size_t n, unsigned flags);
 *   int domain_equal(const char *a, const char *b, unsigned flags);
 *   int domain_within(const char *name, const char *parent,
 *       unsigned flags);
 *
 * DESCRIPTION
 *   domain_check() reads s[0..n) as a name of labels separated by '.':
 *   by default each label is 1..DOMAIN_MAX_LABEL letters, digits and
 *   hyphens (LDH), the name at most DOMAIN_MAX_TEXT octets; the flags
 *   below add or relax rules. It returns DOMAIN_OK or the first fault met
 *   reading left to right (a label's length and its final '-' are judged
 *   where the label ends, its octets where they stand), with *at (when
 *   not NULL) the offset of the fault: the octet not allowed, the '-'
 *   that starts a label, or the end ('.' or n) of an empty, long or
 *   '-'-ending label; 0 for DOMAIN_ERR_EMPTY and DOMAIN_ERR_LONG; the
 *   name's length (without an allowed final dot) for the whole-name
 *   rules (DOMAIN_ERR_ONE_LABEL, DOMAIN_ERR_NUMERIC_TOP) and DOMAIN_OK.
 *   domain_valid() is domain_check() == DOMAIN_OK.
 *
 *   domain_equal() is 1 when a and b are the same non-empty name, ASCII
 *   case folded. domain_within() is 1 when name equals parent or lies
 *   below it on a label boundary ("a.example.com" within "example.com",
 *   "evilexample.com" not), ASCII case folded; never for an empty name
 *   or parent. Both compare text as it is: no syntax check, and a final
 *   '.' counts as an octet unless flags has DOMAIN_TRAILING_DOT (then one
 *   final '.' on either side is ignored; other flags are ignored here).
 */
#ifndef AUTHMILTER_DOMAIN_H
#define AUTHMILTER_DOMAIN_H

#include <stddef.h>

/* RFC 1035 2.3.4 (RFC 2181 11): a label holds 1 to 63 octets. */
#define DOMAIN_MAX_LABEL 63
/* RFC 1035 2.3.4: a name is at most 255 octets in wire form (length
 * octets and the root label included) ... */
#define DOMAIN_MAX_WIRE 255
/* ... which is 253 octets of text without the final dot. */
#define DOMAIN_MAX_TEXT 253

/* One final '.' (the root) is allowed and not part of the name. */
#define DOMAIN_TRAILING_DOT 0x01u
/* '_' in labels, anywhere: RFC 6376 3.1 selectors, owner names such as
 * _dmarc.example.com (RFC 8552), host names as mail carries them. */
#define DOMAIN_UNDERSCORE 0x02u
/* Labels begin and end with a letter or digit (RFC 5321 4.1.2
 * sub-domain = Let-dig [Ldh-str]; RFC 1123 2.1). */
#define DOMAIN_LETDIG_ENDS 0x04u
/* Labels of any printable ASCII but '.' (0x21-0x7e) instead of LDH:
 * names built by SPF macro expansion (RFC 7208 4.3, 7.3). */
#define DOMAIN_PRINTABLE 0x08u
/* Labels of any octet but NUL and '.' (RFC 2181 11: DNS itself takes
 * any octet; dns_name_to_wire() escapes them) instead of LDH. */
#define DOMAIN_OCTETS 0x40u
/* At least two labels (RFC 5321 2.3.5 fully qualified). */
#define DOMAIN_FQDN 0x10u
/* The last label is not all digits (RFC 3696 2; RFC 7208 4.3). */
#define DOMAIN_ALPHA_TOP 0x20u

typedef enum {
	DOMAIN_OK = 0,
	DOMAIN_ERR_EMPTY,         /* no octets (but the allowed final dot) */
	DOMAIN_ERR_LONG,          /* over DOMAIN_MAX_TEXT octets */
	DOMAIN_ERR_EMPTY_LABEL,   /* "a..b", ".a", "a." without the flag */
	DOMAIN_ERR_LONG_LABEL,    /* a label over DOMAIN_MAX_LABEL octets */
	DOMAIN_ERR_OCTET,         /* an octet the flags do not allow */
	DOMAIN_ERR_HYPHEN_START,  /* DOMAIN_LETDIG_ENDS: a label begins '-' */
	DOMAIN_ERR_HYPHEN_END,    /* DOMAIN_LETDIG_ENDS: a label ends '-' */
	DOMAIN_ERR_ONE_LABEL,     /* DOMAIN_FQDN: a single label */
	DOMAIN_ERR_NUMERIC_TOP    /* DOMAIN_ALPHA_TOP: last label all digits */
} domain_err;

domain_err domain_check(const char *s, size_t n, unsigned flags, size_t *at);
int domain_valid(const char *s, size_t n, unsigned flags);
int domain_equal(const char *a, const char *b, unsigned flags);
int domain_within(const char *name, const char *parent, unsigned flags);

#endif
