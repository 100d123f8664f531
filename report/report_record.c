/*
 * report/report_record.c - builds the per-message aggregate-report record
 * from plain values; walks its DKIM list; expands IPv6 addresses for the
 * RFC 7489 schema; names the formats. Contract in report.h.
 */
#include "report/report.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/clean.h"
#include "util/domain.h"
#include "util/envaddr.h"
#include "util/strcopy.h"

/* Blanks and controls would break the triple encoding and the XML
 * (8-bit octets stay: report_record_clean() checks the UTF-8). */
static void
copy_token(char *dst, size_t size, const char *src)
{
	clean_copy(dst, size, src, CLEAN_VCHAR | CLEAN_8BIT);
	if (dst[0] == '\0')
		strcopy(dst, size, "?");
}

static void
domain_of(char *dst, size_t size, const char *addr)
{
	/* RFC 5321 4.5.3.1.3: a path is at most 256 octets */
	char box[512];
	const char *at;
	size_t n;

	dst[0] = '\0';
	if (addr == NULL)
		return;
	envaddr_strip(addr, box, sizeof(box));
	at = envaddr_domain(box);
	strcopy(dst, size, at != NULL ? at : box);
	for (n = 0; dst[n] != '\0'; n++) {
		if (dst[n] >= 'A' && dst[n] <= 'Z')
			dst[n] = (char)(dst[n] - 'A' + 'a');
		else if ((unsigned char)dst[n] <= ' ')
			dst[n] = '?';
	}
}

static const char *
policy_word(dmarc_policy p)
{
	switch (p) {
	case DMARC_P_NONE: return "none";
	case DMARC_P_QUARANTINE: return "quarantine";
	case DMARC_P_REJECT: return "reject";
	default: return "";
	}
}

static void
uris(char *dst, size_t size, const dmarc_uri *u, size_t n)
{
	size_t i, len = 0;

	dst[0] = '\0';
	for (i = 0; i < n; i++) {
		char one[DMARC_MAX_URI_LEN + 32];
		size_t l;

		if (u[i].max_size != 0)
			snprintf(one, sizeof(one), "%s!%llu", u[i].uri,
			    (unsigned long long)u[i].max_size);
		else
			snprintf(one, sizeof(one), "%s", u[i].uri);
		l = strlen(one);
		if (len + l + 2 > size)
			break; /* the URIs that fit, in order (RFC 9990 2.1.6) */
		if (len > 0)
			dst[len++] = ',';
		memcpy(dst + len, one, l + 1);
		len += l;
	}
}

/* RFC 9990 2.1.3 priority of a signature: 0 strict aligned pass .. 3. */
/* A sealer's name kept beside trusted_forwarder: a domain name of LDH
 * labels (util/domain.h, no '_', no final dot), so at most
 * DOMAIN_MAX_TEXT octets and nothing that needs escaping in XML or JSON
 * (it goes in a blank-separated list and into the report's comment). */
static int
sealer_ok(const char *d)
{
	return domain_valid(d, strlen(d), 0);
}

static int
dkim_rank(const report_dkim_in *d, const dmarc_result *r)
{
	int pass = d->result != NULL && strcmp(d->result, "pass") == 0;

	if (!pass || d->domain == NULL)
		return 3;
	if (strcasecmp(d->domain, r->from_domain) == 0)
		return 0;
	if (r->dkim_domain[0] != '\0' && strcasecmp(d->domain,
	    r->dkim_domain) == 0)
		return 1;
	return 2;
}

static void
dkim_list(report_record *out, const report_input *in)
{
	size_t len = 0, i;
	int rank;

	out->dkim[0] = '\0';
	for (rank = 0; rank <= 3; rank++) {
		for (i = 0; i < in->ndkim; i++) {
			report_dkim_view v;
			char one[sizeof(v.domain) + sizeof(v.selector) +
			    sizeof(v.result) + 4];
			size_t l;

			if (dkim_rank(&in->dkim[i], in->dmarc) != rank)
				continue;
			copy_token(v.domain, sizeof(v.domain), in->dkim[i].domain);
			copy_token(v.selector, sizeof(v.selector),
			    in->dkim[i].selector);
			copy_token(v.result, sizeof(v.result), in->dkim[i].result);
			l = (size_t)snprintf(one, sizeof(one), "%s%s %s %s",
			    len ? " " : "", v.domain, v.selector, v.result);
			if (len + l + 1 > sizeof(out->dkim))
				return;
			memcpy(out->dkim + len, one, l + 1);
			len += l;
		}
	}
}

size_t
report_dkim_next(const char **p, report_dkim_view *out)
{
	char *dst[3] = { out->domain, out->selector, out->result };
	size_t sz[3] = { sizeof(out->domain), sizeof(out->selector),
	    sizeof(out->result) };
	const char *s = *p;
	int k;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return 0;
	for (k = 0; k < 3; k++) {
		size_t n = strcspn(s, " ");

		if (n == 0)
			return 0;
		strcopy_n(dst[k], sz[k], s, n);
		s += n;
		while (*s == ' ')
			s++;
	}
	*p = s;
	return 1;
}

int
report_record_build(report_record *out, const report_input *in, char *why,
    size_t whylen)
{
	const dmarc_result *r = in != NULL ? in->dmarc : NULL;
	const dmarc_record *rec;
	size_t nreasons = 0;

	if (r == NULL || !r->have_record || r->policy_domain[0] == '\0') {
		snprintf(why, whylen, "no DMARC policy record: nothing to report");
		return -1;
	}
	rec = &r->record;
	memset(out, 0, sizeof(*out));
	out->time = in->time;
	strcopy(out->source_ip, sizeof(out->source_ip), in->source_ip);
	strcopy(out->header_from, sizeof(out->header_from), r->from_domain);
	if (in->spf_helo)
		out->envelope_from[0] = '\0';
	else
		domain_of(out->envelope_from, sizeof(out->envelope_from),
		    in->envelope_from);
	domain_of(out->envelope_to, sizeof(out->envelope_to), in->envelope_to);
	strcopy(out->policy_domain, sizeof(out->policy_domain),
	    r->policy_domain);
	strcopy(out->org_domain, sizeof(out->org_domain), r->org_domain);
	strcopy(out->spf_domain, sizeof(out->spf_domain), in->spf_domain);
	strcopy(out->spf_scope, sizeof(out->spf_scope), in->spf_helo ? "helo" :
	    "mfrom");
	strcopy(out->spf_result, sizeof(out->spf_result),
	    in->spf_result != NULL ? in->spf_result : "none");
	dkim_list(out, in);
	strcopy(out->dmarc_result, sizeof(out->dmarc_result),
	    dmarc_result_name(r->result));
	out->dkim_aligned = r->dkim_aligned;
	out->spf_aligned = r->spf_aligned;

	if (r->result == DMARC_RESULT_PASS)
		strcopy(out->disposition, sizeof(out->disposition),
		    r->policy == DMARC_P_QUARANTINE || r->policy ==
		    DMARC_P_REJECT ? "pass" : "none");
	else if (!in->applied && (r->disposition == DMARC_P_QUARANTINE ||
	    r->disposition == DMARC_P_REJECT))
		strcopy(out->disposition, sizeof(out->disposition), "none");
	else
		strcopy(out->disposition, sizeof(out->disposition),
		    r->disposition == DMARC_P_UNSET ? "none" :
		    policy_word(r->disposition));
	out->reasons[0] = '\0';
	if (r->override != DMARC_OVERRIDE_NONE) {
		strcopy(out->reasons, sizeof(out->reasons),
		    dmarc_override_name(r->override));
		if (r->override == DMARC_OVERRIDE_TRUSTED_FORWARDER &&
		    in->override_by != NULL && in->override_by[0] != '\0' &&
		    sealer_ok(in->override_by)) {
			size_t l = strlen(out->reasons);

			snprintf(out->reasons + l, sizeof(out->reasons) - l,
			    ":%s", in->override_by);
		}
		nreasons++;
	}
	if (!in->applied && r->result != DMARC_RESULT_PASS &&
	    (r->disposition == DMARC_P_QUARANTINE ||
	    r->disposition == DMARC_P_REJECT) &&
	    r->override != DMARC_OVERRIDE_LOCAL_POLICY) {
		size_t l = strlen(out->reasons);

		snprintf(out->reasons + l, sizeof(out->reasons) - l, "%s%s",
		    nreasons ? " " : "", "local_policy");
	}
	switch (r->discovery) {
	case DMARC_DISCOVERY_PSL:
		strcopy(out->discovery, sizeof(out->discovery), "psl");
		break;
	case DMARC_DISCOVERY_NONE:
		break;
	default:
		strcopy(out->discovery, sizeof(out->discovery), "treewalk");
		break;
	}
	/* policy_published: unspecified tags have their default values
	 * (RFC 9990 Appendix A); sp and np default to p (RFC 9989 4.7). */
	strcopy(out->p, sizeof(out->p), rec->p != DMARC_P_UNSET ?
	    policy_word(rec->p) : "none");
	strcopy(out->sp, sizeof(out->sp), rec->sp != DMARC_P_UNSET ?
	    policy_word(rec->sp) : out->p);
	strcopy(out->np, sizeof(out->np), rec->np != DMARC_P_UNSET ?
	    policy_word(rec->np) : out->sp);
	strcopy(out->adkim, sizeof(out->adkim),
	    rec->adkim == DMARC_ALIGN_STRICT ? "s" : "r");
	strcopy(out->aspf, sizeof(out->aspf), rec->aspf == DMARC_ALIGN_STRICT ?
	    "s" : "r");
	strcopy(out->testing, sizeof(out->testing), rec->t ? "y" : "n");
	strcopy(out->psd, sizeof(out->psd), rec->psd == DMARC_PSD_Y ? "y" :
	    rec->psd == DMARC_PSD_N ? "n" : "u");
	{
		size_t l = 0;

		out->fo[0] = '\0';
		if (rec->fo & DMARC_FO_0) out->fo[l++] = '0';
		if (rec->fo & DMARC_FO_1) { if (l) out->fo[l++] = ':'; out->fo[l++] = '1'; }
		if (rec->fo & DMARC_FO_D) { if (l) out->fo[l++] = ':'; out->fo[l++] = 'd'; }
		if (rec->fo & DMARC_FO_S) { if (l) out->fo[l++] = ':'; out->fo[l++] = 's'; }
		if (l == 0)
			out->fo[l++] = '0';
		out->fo[l] = '\0';
	}
	uris(out->rua, sizeof(out->rua), rec->rua, rec->nrua);
	uris(out->ruf, sizeof(out->ruf), rec->ruf, rec->nruf);
	/* sender-chosen bytes never reach the store (report_clean.c) */
	report_record_clean(out);
	return 0;
}

int
report_ip_expand(const char *ip, char *out, size_t outlen)
{
	struct in6_addr a6;
	size_t i;

	if (inet_pton(AF_INET6, ip, &a6) != 1) {
		snprintf(out, outlen, "%s", ip);
		return 0;
	}
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		snprintf(out, outlen, "%u.%u.%u.%u", a6.s6_addr[12],
		    a6.s6_addr[13], a6.s6_addr[14], a6.s6_addr[15]);
		return 0;
	}
	{
		/* the eight groups, none elided (RFC 7489 schema pattern) */
		char tmp[48];
		size_t len = 0;

		for (i = 0; i < 8; i++)
			len += (size_t)snprintf(tmp + len, sizeof(tmp) - len,
			    "%s%x", i ? ":" : "", (unsigned)(a6.s6_addr[2 * i]
			    << 8 | a6.s6_addr[2 * i + 1]));
		if (len >= outlen)
			return -1;
		memcpy(out, tmp, len + 1);
	}
	return 0;
}

static const char *const format_names[] = { "xml", "xml7489", "json" };

const char *
report_format_name(report_format f)
{
	return (unsigned)f < 3 ? format_names[f] : "?";
}

int
report_format_from_name(const char *s, report_format *out)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, format_names[i]) == 0) {
			*out = (report_format)i;
			return 0;
		}
	return -1;
}
