/*
 * spf/record_int.h - SPF record selection and parsing (private to spf/).
 *
 * SYNOPSIS
 *   int  spf_record_is_spf(const char *txt, size_t len);
 *   int  spf_record_select(const dns_answer *a, const char **txt, size_t *len);
 *   size_t spf_record_count_terms(const char *txt, size_t len);
 *   int  spf_record_parse(const char *txt, size_t len, spf_record *rec,
 *                         char *err, size_t errlen);
 *   void spf_record_free(spf_record *rec);
 *   const char *spf_term_name(spf_term_kind k);
 *
 * DESCRIPTION
 *   spf_record_is_spf() is 1 when a TXT string starts with the version
 *   section "v=spf1" (case-insensitive) ended by SP or the end (RFC 7208
 *   4.5). spf_record_select() applies that to every TXT record of an
 *   answer: it returns the number of SPF records (0: none; >1: permerror
 *   per 4.5) and, when exactly one, points txt/len at it.
 *
 *   spf_record_count_terms() counts the terms of a record (runs of
 *   non-SP octets after the version; a record of spaces has none).
 *
 *   spf_record_parse() parses the whole record (RFC 7208 4.6.1, 12 ABNF)
 *   into terms that point into txt (which must outlive rec), allocating
 *   one spf_term per term there is (never per SP); a record of more than
 *   SPF_MAX_RECORD_TERMS terms is -1 before anything is allocated. Any
 *   syntax error anywhere, an unknown mechanism, a repeated redirect= or
 *   exp=, a bad CIDR length or IP network, or a domain-spec that does not
 *   end in a toplabel or macro (7.1) is -1 with err naming the term;
 *   unknown modifiers are kept (syntax-checked) and otherwise ignored.
 *   Returns 0 on success, -1 on a syntax error or too many terms
 *   (permerror), -2 when out of memory.
 */
#ifndef AUTHMILTER_SPF_RECORD_INT_H
#define AUTHMILTER_SPF_RECORD_INT_H

#include <stddef.h>

#include "dns/dns.h"
#include "util/ipaddr.h"

/*
 * Terms in one record (local limit: RFC 7208 sets none, but its 4.6.4
 * bounds the DNS terms to 10). A record filling a whole DNS message with
 * ip4: networks has about 3,650 terms, and it evaluates; 64 KB of
 * one-letter terms (32,000) does not. Each term costs an spf_term (72
 * octets on x86-64) while the record is evaluated.
 */
#define SPF_MAX_RECORD_TERMS 4096

typedef enum {
	SPF_T_ALL,
	SPF_T_INCLUDE,
	SPF_T_A,
	SPF_T_MX,
	SPF_T_PTR,
	SPF_T_IP4,
	SPF_T_IP6,
	SPF_T_EXISTS,
	SPF_T_REDIRECT,
	SPF_T_EXP,
	SPF_T_UNKNOWN_MOD,
} spf_term_kind;

typedef struct spf_term {
	spf_term_kind kind;
	char qualifier;       /* '+' '-' '~' '?' (mechanisms) */
	const char *text;     /* the whole term as written */
	size_t textlen;
	const char *spec;     /* domain-spec / modifier value, NULL if absent */
	size_t speclen;
	ipaddr net;           /* ip4 / ip6 network */
	unsigned cidr4;       /* a mx ip4: prefix (default 32) */
	unsigned cidr6;       /* a mx ip6: prefix (default 128) */
} spf_term;

typedef struct spf_record {
	spf_term *terms;
	size_t nterms;
	const spf_term *redirect;
	const spf_term *exp;
	int has_all;
} spf_record;

int spf_record_is_spf(const char *txt, size_t len);
int spf_record_select(const dns_answer *a, const char **txt, size_t *len);
size_t spf_record_count_terms(const char *txt, size_t len);
int spf_record_parse(const char *txt, size_t len, spf_record *rec,
    char *err, size_t errlen);
void spf_record_free(spf_record *rec);
const char *spf_term_name(spf_term_kind k);

#endif
