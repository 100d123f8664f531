/*
 * report/report_clean.c - what may reach an aggregate report: text cleaned
 * to valid UTF-8 without controls, and a record whose every field holds a
 * value its report element allows. Contract in report.h.
 *
 * The values of a record come from the sender (MAIL FROM, RCPT TO, HELO,
 * DKIM d= and s=), from the sender's DNS (rua, ruf), from the MTA and from
 * the store, which may hold rows written before these rules. Text is
 * cleaned by clean_utf8() (util/clean.h): an octet that is not part of a
 * valid UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) or a character XML 1.0 (2.2) does not allow or
 * a report reader should not see (C0 and C1 controls, DEL, U+FFFE,
 * U+FFFF) becomes '?'; tokens lose SP too. Truncation to a field's size
 * never splits a character. Cleaning never makes text longer, so it works
 * in place. What is report-specific stays here: the words each field may
 * hold, the DKIM triples, the canonical address.
 */
#include "report/report.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util/clean.h"

size_t
report_clean(char *dst, size_t size, const char *src, int token)
{
	return clean_utf8(dst, size, src, token ? CLEAN_VCHAR : CLEAN_PRINT);
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
