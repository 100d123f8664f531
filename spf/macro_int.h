/*
 * spf/macro_int.h - RFC 7208 7 macro strings: syntax check and expansion
 * (private to spf/).
 *
 * SYNOPSIS
 *   int spf_macro_check(const char *in, size_t len, int is_exp, int *ends_macro,
 *                       char *err, size_t errlen);
 *   int spf_macro_expand(const char *in, size_t len, int is_exp,
 *                        const spf_macro_ctx *ctx, strbuf *out,
 *                        char *err, size_t errlen);
 *
 * DESCRIPTION
 *   The input is a macro-string (is_exp 0: a domain-spec or modifier value)
 *   or an explain-string (is_exp 1: SP allowed, and the letters c r t).
 *   Letters s l o d i p h c r t v (either case; uppercase = URL-escape the
 *   value, RFC 3986 unreserved kept), transformers *DIGIT (nonzero; keep the
 *   rightmost N parts) and "r" (reverse), delimiters . - + , / _ =, and the
 *   escapes %% %_ %-. Any other octet outside %x21-7E, a '%' not starting a
 *   valid macro, or a c/r/t outside exp text is a syntax error.
 *
 *   spf_macro_check() only validates; *ends_macro (may be NULL) tells
 *   whether the string ends with a macro-expand (RFC 7208 7.1 domain-end).
 *   spf_macro_expand() appends the expansion to out (its cap bounds the
 *   growth: SPF_MACRO_OUT_MAX is what callers use).
 *   Both return SPF_MACRO_OK, SPF_MACRO_SYNTAX (err says where) or
 *   SPF_MACRO_NOMEM (out of memory or over the cap).
 *
 *   %{p} asks ctx->validated_name(ctx->arg) (the evaluator does the DNS work
 *   of RFC 7208 5.5 there); when that is NULL or returns NULL it is
 *   "unknown". %{r} is ctx->receiver or "unknown".
 */
#ifndef AUTHMILTER_SPF_MACRO_INT_H
#define AUTHMILTER_SPF_MACRO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "util/ipaddr.h"
#include "util/strbuf.h"

#define SPF_MACRO_OK 0
#define SPF_MACRO_SYNTAX (-1)
#define SPF_MACRO_NOMEM (-2)
/* No RFC limit; bounds what a hostile record can make us build. */
#define SPF_MACRO_OUT_MAX 8192
/* RFC 7208 7.3: implementations MUST support at least 128 parts. */
#define SPF_MACRO_MAX_PARTS 128

typedef struct spf_macro_ctx {
	const char *sender;        /* s */
	const char *local;         /* l */
	const char *sender_domain; /* o */
	const char *domain;        /* d */
	const ipaddr *ip;          /* i c v */
	const char *helo;          /* h */
	const char *receiver;      /* r */
	int64_t now;               /* t */
	const char *(*validated_name)(void *arg); /* p */
	void *arg;
} spf_macro_ctx;

int spf_macro_check(const char *in, size_t len, int is_exp, int *ends_macro,
    char *err, size_t errlen);
int spf_macro_expand(const char *in, size_t len, int is_exp,
    const spf_macro_ctx *ctx, strbuf *out, char *err, size_t errlen);

#endif
