/*
 * dkim/dkim_sig_int.h - DKIM-Signature tag parsing (RFC 6376 3.5; private
 * to dkim/).
 *
 * SYNOPSIS
 *   int dkim_sig_parse(dkim_sig *sig, const char *value, size_t len,
 *       char *err, size_t errlen);
 *   int dkim_sig_strip_b(const char *value, size_t len, strbuf *out);
int dkim_sig_parse_arc(dkim_sig *sig, int seal, const char *value,
    size_t len, char *err, size_t errlen);
 *
 * DESCRIPTION
 *   dkim_sig_parse() parses a DKIM-Signature value (raw, CRLF folding) with
 *   one table entry per tag. Required: v (=1), a, b, bh, d, h, s. Optional:
 *   c (default simple/simple; "x" alone means x/simple), i (default "@d",
 *   its domain must be d or below it), l, q (must list dns/txt), t, x, z.
 *   Unknown tags are ignored. It also checks that h= lists From, x >= t,
 *   and sizes. Fields filled before an error stay set (for reporting).
 *   `value` must outlive sig (h= names point into it). Returns 0, or -1
 *   with the reason (a permerror) in err.
 *
 *   dkim_sig_parse_arc() parses an ARC-Message-Signature (seal 0: the
 *   DKIM-Signature tags but no v=, i= the instance number, h= need not
 *   list From and must not list ARC-Seal, RFC 8617 4.1.2) or an ARC-Seal
 *   (seal 1: a, b, cv, d, i, s required, t optional, h= forbidden, RFC
 *   8617 4.1.3). Both must be a=rsa-sha256 or ed25519-sha256 (RFC 8617
 *   4.1.2: sha1 is not allowed). Returns 0, or -1 with the reason in err.
 *
 *   dkim_sig_strip_b() writes value with the b= tag's value removed
 *   (3.7: "the b= tag value treated as the empty string") to out. Returns
 *   0, -1 when value has no b= tag or is not a tag-list.
 */
#ifndef AUTHMILTER_DKIM_SIG_INT_H
#define AUTHMILTER_DKIM_SIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

/* Bounds (local policy; RFC 6376 sets none): */
#define DKIM_MAX_SIG_TAGS 64          /* tags in one signature */
#define DKIM_MAX_SIGNED_HEADERS 128   /* names in h= (oversigning included) */
#define DKIM_MAX_SIG_OCTETS 1024      /* b= decoded: RSA up to 8192 bits */
#define DKIM_MAX_BH_OCTETS 64
#define DKIM_SELECTOR_MAX 255         /* RFC 1035 2.3.4, s= is part of a name */

typedef enum {
	DKIM_ALG_RSA_SHA1,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
} dkim_alg;

typedef struct dkim_hname {
	const char *p;
	size_t n;
} dkim_hname;

typedef struct dkim_sig {
	int has_v, has_alg;
	dkim_alg alg;
	char a[32];
	int hdr_relaxed, body_relaxed;
	char c[32];
	char d[256];
	char s[256];
	char i[64 + 1 + 256];
	char b_prefix[9];
	unsigned char b[DKIM_MAX_SIG_OCTETS];
	size_t blen;
	unsigned char bh[DKIM_MAX_BH_OCTETS];
	size_t bhlen;
	dkim_hname h[DKIM_MAX_SIGNED_HEADERS];
	size_t nh;
	int has_l, has_t, has_x;
	uint64_t l, t, x;
	/* ARC (RFC 8617 4.1.2, 4.1.3): dkim_sig_parse_arc() only */
	int arc;                  /* 1 AMS, 2 ARC-Seal: i= is the instance */
	unsigned instance;        /* i=, 1..ARC_MAX_SETS */
	char cv[8];               /* ARC-Seal cv= as written (lowercase) */
} dkim_sig;

int dkim_sig_parse(dkim_sig *sig, const char *value, size_t len, char *err,
    size_t errlen);
int dkim_sig_strip_b(const char *value, size_t len, strbuf *out);
int dkim_sig_parse_arc(dkim_sig *sig, int seal, const char *value,
    size_t len, char *err, size_t errlen);

#endif
