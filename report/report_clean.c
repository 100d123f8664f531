/*
 * report/report_clean.c - what may reach an aggregate report: text cleaned
 * to valid UTF-8 without controls, and a record whose every field holds a
 * value its report element allows. Contract in report.h.
 *
 * The values of a record come from the sender (MAIL FROM, RCPT TO, HELO,
 * DKIM d= and s=), from the sender's DNS (rua, ruf), from the MTA and from
 * the store, which may hold rows written before these rules. An octet
 * that is not part of a valid UTF-8 sequence (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF) or a character XML 1.0 (2.2) does
 * not allow or a report reader should not see (C0 and C1 controls, DEL,
 * U+FFFE, U+FFFF) becomes '?'. Truncation to a field's size never splits
 * a character. Cleaning never makes text longer, so it works in place.
 */
#include "report/report.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

/* Length of the valid, allowed UTF-8 character at s (n octets left), 0
 * when the octet at s must be replaced; *bad says the character is valid
 * UTF-8 but not allowed (then it is replaced whole). */
static size_t
utf8_char(const unsigned char *s, size_t n, int token, int *bad)
{
	unsigned c = s[0], cp;
	size_t len, i;

	*bad = 0;
	if (c < 0x80) {
		if (c < 0x20 || c == 0x7f || (token && c == ' '))
			return 0;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0; /* a continuation octet, C0/C1 overlong lead, > F4 */
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0; /* overlong, out of range, surrogate */
	if ((cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe || cp == 0xffff)
		*bad = 1;
	return len;
}

size_t
report_clean(char *dst, size_t size, const char *src, int token)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "");
	size_t n = strlen((const char *)s), i = 0, o = 0, k;
	unsigned char lo = token ? 0x21 : 0x20;

	if (size == 0)
		return 0;
	while (i < n) {
		int bad;
		size_t l;

		/* the common case: printable ASCII, octet by octet */
		if (s[i] >= lo && s[i] < 0x7f) {
			if (o + 1 >= size)
				break;
			dst[o++] = (char)s[i++];
			continue;
		}
		l = utf8_char(s + i, n - i, token, &bad);
		if (l == 0 || bad) {
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			i += l == 0 ? 1 : l;
			continue;
		}
		if (o + l >= size)
			break; /* never split a character */
		for (k = 0; k < l; k++) /* o <= i: safe in place */
			dst[o++] = (char)s[i++];
	}
	dst[o] = '\0';
	return o;
}

char *
report_clean_dup(const char *src)
{
	size_t n = strlen(src != NULL ? src : "") + 1;
	char *d = malloc(n);

	if (d != NULL)
		report_clean(d, n, src, 0);
	return d;
}

/* The field holds one of words (NULL-terminated), else the fallback. */
static void
one_of(char *f, size_t size, const char *const *words, const char *fallback)
{
	size_t i;

	for (i = 0; words[i] != NULL; i++)
		if (strcmp(f, words[i]) == 0)
			return;
	report_clean(f, size, fallback, 1);
}

static const char *const spf_results[] = { "none", "neutral", "pass",
    "fail", "softfail", "temperror", "permerror", "policy", NULL };
static const char *const dkim_results[] = { "none", "pass", "fail",
    "policy", "neutral", "temperror", "permerror", NULL };

/* Appends s and a separator to the DKIM list; 0 when it did not fit. */
static int
put(char *list, size_t size, size_t *len, const char *s, char sep)
{
	size_t l = strlen(s);

	if (*len + l + 2 > size)
		return 0;
	memcpy(list + *len, s, l);
	*len += l;
	list[(*len)++] = sep;
	list[*len] = '\0';
	return 1;
}

/* Rebuilds the "d s r ..." list from cleaned triples with known results
 * (whole triples only). */
static void
clean_dkim(report_record *r)
{
	char in[sizeof(r->dkim)];
	const char *p = in;
	report_dkim_view v;
	size_t len = 0, keep;

	report_clean(in, sizeof(in), r->dkim, 0);
	r->dkim[0] = '\0';
	while (report_dkim_next(&p, &v)) {
		report_clean(v.domain, sizeof(v.domain), v.domain, 1);
		report_clean(v.selector, sizeof(v.selector), v.selector, 1);
		one_of(v.result, sizeof(v.result), dkim_results, "permerror");
		keep = len;
		if (!put(r->dkim, sizeof(r->dkim), &len, v.domain, ' ') ||
		    !put(r->dkim, sizeof(r->dkim), &len, v.selector, ' ') ||
		    !put(r->dkim, sizeof(r->dkim), &len, v.result, ' ')) {
			len = keep;
			break;
		}
	}
	if (len > 0)
		len--; /* the last separator */
	r->dkim[len] = '\0';
}

/* A dotted quad inet_pton took is already canonical unless an octet has
 * a leading zero (glibc and musl refuse those; not every inet_pton does). */
static int
v4_canonical(const char *ip)
{
	const char *p;

	for (p = ip; *p != '\0'; p++)
		if (*p == '0' && (p == ip || p[-1] == '.') && p[1] >= '0' &&
		    p[1] <= '9')
			return 0;
	return 1;
}

/* The canonical text of an IPv4 or IPv6 address, else "". inet_ntop()
 * costs ~1.8K instructions (it formats with sprintf): skipped for the
 * usual IPv4 source, which is already canonical. */
static void
clean_ip(char *ip, size_t size)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET, ip, bin) == 1) {
		if (v4_canonical(ip) ||
		    inet_ntop(AF_INET, bin, ip, (socklen_t)size) != NULL)
			return;
	} else if (inet_pton(AF_INET6, ip, bin) == 1) {
		if (inet_ntop(AF_INET6, bin, ip, (socklen_t)size) != NULL)
			return;
	}
	ip[0] = '\0'; /* unknown: the writers say REPORT_IP_UNKNOWN */
}

void
report_record_clean(report_record *r)
{
	static const char *const scopes[] = { "mfrom", "helo", NULL };
	static const char *const dispositions[] = { "none", "pass",
	    "quarantine", "reject", NULL };
	static const char *const policies[] = { "none", "quarantine",
	    "reject", NULL };
	static const char *const dmarc_results[] = { "none", "pass", "fail",
	    "temperror", "permerror", NULL };
	static const char *const discoveries[] = { "", "psl", "treewalk",
	    NULL };
	static const char *const rs[] = { "r", "s", NULL };
	static const char *const yn[] = { "y", "n", NULL };
	static const char *const ynu[] = { "y", "n", "u", NULL };
#define CLEAN(f, token) report_clean(r->f, sizeof(r->f), r->f, token)
	CLEAN(source_ip, 1);
	clean_ip(r->source_ip, sizeof(r->source_ip));
	CLEAN(header_from, 1);
	CLEAN(envelope_from, 1);
	CLEAN(envelope_to, 1);
	CLEAN(policy_domain, 1);
	CLEAN(org_domain, 1);
	CLEAN(spf_domain, 1);
	one_of(r->spf_scope, sizeof(r->spf_scope), scopes, "mfrom");
	one_of(r->spf_result, sizeof(r->spf_result), spf_results, "permerror");
	clean_dkim(r);
	one_of(r->dmarc_result, sizeof(r->dmarc_result), dmarc_results,
	    "none");
	one_of(r->disposition, sizeof(r->disposition), dispositions, "none");
	CLEAN(reasons, 0);
	one_of(r->discovery, sizeof(r->discovery), discoveries, "");
	one_of(r->p, sizeof(r->p), policies, "none");
	one_of(r->sp, sizeof(r->sp), policies, r->p);
	one_of(r->np, sizeof(r->np), policies, r->sp);
	one_of(r->adkim, sizeof(r->adkim), rs, "r");
	one_of(r->aspf, sizeof(r->aspf), rs, "r");
	one_of(r->testing, sizeof(r->testing), yn, "n");
	one_of(r->psd, sizeof(r->psd), ynu, "u");
	if (r->fo[0] == '\0' || strspn(r->fo, "01ds:") != strlen(r->fo))
		report_clean(r->fo, sizeof(r->fo), "0", 1);
	CLEAN(rua, 0);
	CLEAN(ruf, 0);
#undef CLEAN
	r->dkim_aligned = r->dkim_aligned != 0;
	r->spf_aligned = r->spf_aligned != 0;
}
