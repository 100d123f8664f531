/*
 * dmarc/record.c - parse one DMARC policy record (RFC 9989 4.7-4.8,
 * RFC 7489 6.3-6.4 in compatibility mode).
 *
 * Contract: dmarc_record_parse() (see dmarc.h) reads at most len octets,
 * never allocates, and always leaves rec fully initialised with the
 * defaults. The tags themselves are a table of (name, bit, modes, parser).
 *
 * Why not util/taglist: that parser implements RFC 6376 3.2, where a tag
 * list with one malformed spec, or a tag given twice, is invalid as a
 * whole (RFC 6376 3.2: "Tags with duplicate names MUST NOT occur", and a
 * syntax error fails the signature or key). DMARC records follow a
 * different, lenient grammar (RFC 9989 4.7): a term that is not tag=value
 * is skipped, an unknown tag or an invalid value is ignored, a repeated
 * tag keeps its first value, and the record stays usable; only the
 * leading case-sensitive "v=DMARC1" is mandatory. Giving taglist a mode
 * for that would make its error paths serve two grammars; the splitting
 * here is ~40 lines (split at ';', trim WSP, split at the first '='), so
 * each grammar has exactly one parser. (One parser per grammar, no copy.)
 */
#include "dmarc/dmarc.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MODE_9989 0x1u
#define MODE_7489 0x2u
#define MODE_BOTH (MODE_9989 | MODE_7489)

typedef struct span {
	const char *p;
	size_t n;
} span;

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static span
trim(span s)
{
	while (s.n > 0 && is_wsp((unsigned char)s.p[0]))
		s.p++, s.n--;
	while (s.n > 0 && is_wsp((unsigned char)s.p[s.n - 1]))
		s.n--;
	return s;
}

static int
span_ieq(span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.n == n && strncasecmp(s.p, lit, n) == 0;
}

/* RFC 9989 4.8: dmarc-value = %x20-3A / %x3C-7E (";" ends the term). */
static int
value_ok(span v)
{
	size_t i;

	if (v.n == 0)
		return 0;
	for (i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];
		if (c < 0x20 || c > 0x7e)
			return 0;
	}
	return 1;
}

static int
parse_request(span v, dmarc_policy *out)
{
	if (span_ieq(v, "none"))
		*out = DMARC_P_NONE;
	else if (span_ieq(v, "quarantine"))
		*out = DMARC_P_QUARANTINE;
	else if (span_ieq(v, "reject"))
		*out = DMARC_P_REJECT;
	else
		return -1;
	return 0;
}

static int
tag_p(dmarc_record *r, span v)
{
	return parse_request(v, &r->p);
}

static int
tag_sp(dmarc_record *r, span v)
{
	return parse_request(v, &r->sp);
}

static int
tag_np(dmarc_record *r, span v)
{
	return parse_request(v, &r->np);
}

static int
parse_rors(span v, dmarc_alignment *out)
{
	if (span_ieq(v, "r"))
		*out = DMARC_ALIGN_RELAXED;
	else if (span_ieq(v, "s"))
		*out = DMARC_ALIGN_STRICT;
	else
		return -1;
	return 0;
}

static int
tag_adkim(dmarc_record *r, span v)
{
	return parse_rors(v, &r->adkim);
}

static int
tag_aspf(dmarc_record *r, span v)
{
	return parse_rors(v, &r->aspf);
}

static int
tag_psd(dmarc_record *r, span v)
{
	if (span_ieq(v, "y"))
		r->psd = DMARC_PSD_Y;
	else if (span_ieq(v, "n"))
		r->psd = DMARC_PSD_N;
	else if (span_ieq(v, "u"))
		r->psd = DMARC_PSD_U;
	else
		return -1;
	return 0;
}

static int
tag_t(dmarc_record *r, span v)
{
	if (span_ieq(v, "y"))
		r->t = 1;
	else if (span_ieq(v, "n"))
		r->t = 0;
	else
		return -1;
	return 0;
}

/* fo: "0" / "1" / "d" / "s" joined by ":" (RFC 7489 6.3; RFC 9989 4.8
 * lists the combinations it allows, all of which this accepts). */
static int
tag_fo(dmarc_record *r, span v)
{
	unsigned fo = 0;
	size_t i = 0;

	while (i < v.n) {
		span item = { v.p + i, 0 };
		while (i < v.n && v.p[i] != ':')
			i++, item.n++;
		item = trim(item);
		if (span_ieq(item, "0"))
			fo |= DMARC_FO_0;
		else if (span_ieq(item, "1"))
			fo |= DMARC_FO_1;
		else if (span_ieq(item, "d"))
			fo |= DMARC_FO_D;
		else if (span_ieq(item, "s"))
			fo |= DMARC_FO_S;
		else
			return -1;
		if (i < v.n)
			i++; /* the ':' */
		if (i == v.n && v.p[v.n - 1] == ':')
			return -1;
	}
	r->fo = fo;
	return 0;
}

static int
parse_uint(span v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (v.n == 0 || v.n > 20)
		return -1;
	for (i = 0; i < v.n; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
		if (n > max)
			return -1;
	}
	*out = n;
	return 0;
}

static int
tag_pct(dmarc_record *r, span v)
{
	uint64_t n;

	if (parse_uint(v, 100, &n) < 0)
		return -1;
	r->pct = (unsigned)n;
	return 0;
}

static int
tag_ri(dmarc_record *r, span v)
{
	uint64_t n;

	if (parse_uint(v, UINT32_MAX, &n) < 0)
		return -1;
	r->ri = (uint32_t)n;
	return 0;
}

/* rf: a colon list of report formats (RFC 7489 6.3). */
static int
tag_rf(dmarc_record *r, span v)
{
	unsigned rf = 0;
	size_t i = 0;

	while (i <= v.n) {
		span item = { v.p + i, 0 };
		while (i < v.n && v.p[i] != ':')
			i++, item.n++;
		item = trim(item);
		if (span_ieq(item, "afrf"))
			rf |= DMARC_RF_AFRF;
		else if (span_ieq(item, "iodef"))
			rf |= DMARC_RF_IODEF;
		else
			return -1;
		i++;
	}
	r->rf = rf;
	return 0;
}

/* dmarc-urilist = dmarc-uri *(*WSP "," *WSP dmarc-uri): invalid URIs
 * (dmarc_uri_parse, uri.c: a mailto: must name one mailbox) are skipped;
 * the list is valid when at least one URI is. */
static int
parse_urilist(span v, dmarc_uri *list, size_t *n)
{
	size_t i = 0;

	*n = 0;
	while (i <= v.n) {
		span item = { v.p + i, 0 };
		while (i < v.n && v.p[i] != ',')
			i++, item.n++;
		item = trim(item);
		if (*n < DMARC_MAX_URIS && dmarc_uri_parse(item.p, item.n,
		    &list[*n], NULL, 0) == 0)
			(*n)++;
		i++;
	}
	return *n > 0 ? 0 : -1;
}

static int
tag_rua(dmarc_record *r, span v)
{
	return parse_urilist(v, r->rua, &r->nrua);
}

static int
tag_ruf(dmarc_record *r, span v)
{
	return parse_urilist(v, r->ruf, &r->nruf);
}

static const struct tag_def {
	const char *name;
	unsigned bit;
	unsigned modes;
	int (*parse)(dmarc_record *, span);
} tags[] = {
	{ "p", DMARC_TAG_P, MODE_BOTH, tag_p },
	{ "sp", DMARC_TAG_SP, MODE_BOTH, tag_sp },
	{ "np", DMARC_TAG_NP, MODE_9989, tag_np },
	{ "adkim", DMARC_TAG_ADKIM, MODE_BOTH, tag_adkim },
	{ "aspf", DMARC_TAG_ASPF, MODE_BOTH, tag_aspf },
	{ "fo", DMARC_TAG_FO, MODE_BOTH, tag_fo },
	{ "rua", DMARC_TAG_RUA, MODE_BOTH, tag_rua },
	{ "ruf", DMARC_TAG_RUF, MODE_BOTH, tag_ruf },
	{ "psd", DMARC_TAG_PSD, MODE_9989, tag_psd },
	{ "t", DMARC_TAG_T, MODE_9989, tag_t },
	{ "pct", DMARC_TAG_PCT, MODE_7489, tag_pct },
	{ "rf", DMARC_TAG_RF, MODE_7489, tag_rf },
	{ "ri", DMARC_TAG_RI, MODE_7489, tag_ri },
};

static void
note(char *why, size_t whylen, int *noted, const char *fmt, span a)
{
	int n = (int)(a.n > 40 ? 40 : a.n);

	if (*noted || why == NULL || whylen == 0)
		return;
	snprintf(why, whylen, fmt, n, a.p);
	*noted = 1;
}

static void
record_defaults(dmarc_record *r)
{
	memset(r, 0, sizeof(*r));
	r->adkim = DMARC_ALIGN_RELAXED;
	r->aspf = DMARC_ALIGN_RELAXED;
	r->psd = DMARC_PSD_U;
	r->fo = DMARC_FO_0;
	r->pct = 100;
	r->rf = DMARC_RF_AFRF;
	r->ri = 86400;
}

/* The version term: "v" *WSP "=" *WSP %s"DMARC1" *WSP, then ";" or end. */
static size_t
version_len(const char *s, size_t len)
{
	size_t i = 0;

	if (len == 0 || (s[0] | 0x20) != 'v')
		return 0;
	i = 1;
	while (i < len && is_wsp((unsigned char)s[i]))
		i++;
	if (i >= len || s[i] != '=')
		return 0;
	i++;
	while (i < len && is_wsp((unsigned char)s[i]))
		i++;
	if (len - i < 6 || memcmp(s + i, "DMARC1", 6) != 0)
		return 0;
	i += 6;
	while (i < len && is_wsp((unsigned char)s[i]))
		i++;
	if (i < len && s[i] != ';')
		return 0;
	return i;
}

dmarc_record_status
dmarc_record_parse(const char *txt, size_t len, dmarc_mode mode,
    dmarc_record *rec, char *why, size_t whylen)
{
	unsigned want = mode == DMARC_MODE_RFC7489 ? MODE_7489 : MODE_9989;
	size_t i;
	int noted = 0;

	record_defaults(rec);
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (txt == NULL || (i = version_len(txt, len)) == 0) {
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "does not start with v=DMARC1");
		return DMARC_RECORD_NOT_DMARC;
	}
	rec->seen |= DMARC_TAG_V;
	while (i < len) {
		span term = { txt + i + 1, 0 }, name, value;
		const char *eq;
		size_t k;

		i++; /* the ';' */
		while (i < len && txt[i] != ';')
			i++, term.n++;
		term = trim(term);
		if (term.n == 0)
			continue; /* trailing or doubled separator */
		eq = memchr(term.p, '=', term.n);
		if (eq == NULL) {
			rec->invalid |= DMARC_TAG_SYNTAX;
			note(why, whylen, &noted, "ignored term '%.*s' (no '=')", term);
			continue;
		}
		name = trim((span){ term.p, (size_t)(eq - term.p) });
		value = trim((span){ eq + 1, (size_t)(term.p + term.n - eq - 1) });
		for (k = 0; k < sizeof(tags) / sizeof(tags[0]); k++)
			if ((tags[k].modes & want) && span_ieq(name, tags[k].name))
				break;
		if (k == sizeof(tags) / sizeof(tags[0])) {
			rec->invalid |= DMARC_TAG_UNKNOWN;
			continue; /* RFC 9989 4.7: unknown tags MUST be ignored */
		}
		if ((rec->seen | rec->invalid) & tags[k].bit)
			continue; /* the first occurrence wins */
		if (!value_ok(value) || tags[k].parse(rec, value) < 0) {
			rec->invalid |= tags[k].bit;
			note(why, whylen, &noted,
			    "ignored tag with an invalid value '%.*s'", term);
			continue;
		}
		rec->seen |= tags[k].bit;
	}

	/* RFC 9989 4.10.1 / RFC 7489 6.6.3: no valid p (RFC 9989: an
	 * invalid one; a missing one is p=none, 4.7), or an invalid sp/np. */
	{
		int p_bad = (rec->invalid & DMARC_TAG_P) ||
		    (mode == DMARC_MODE_RFC7489 && !(rec->seen & DMARC_TAG_P));
		int sub_bad = (rec->invalid & (DMARC_TAG_SP | DMARC_TAG_NP)) != 0;

		if (p_bad || sub_bad) {
			if (rec->nrua == 0) {
				if (why != NULL && whylen > 0)
					snprintf(why, whylen, "%s and no valid rua: "
					    "no DMARC processing",
					    p_bad ? (rec->invalid & DMARC_TAG_P ?
					    "invalid p" : "no p") : "invalid sp/np");
				return DMARC_RECORD_UNUSABLE;
			}
			rec->p = DMARC_P_NONE;
			rec->sp = DMARC_P_UNSET;
			rec->np = DMARC_P_UNSET;
			rec->p_implied = 1;
		} else if (!(rec->seen & DMARC_TAG_P)) {
			rec->p = DMARC_P_NONE; /* RFC 9989 4.7 */
			rec->p_implied = 1;
		}
	}
	return DMARC_RECORD_OK;
}

const char *
dmarc_policy_name(dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return "unset";
	}
}
