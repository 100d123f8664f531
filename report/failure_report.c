/*
 * report/failure_report.c - one DMARC failure report (RFC 9991) as mail:
 * whether the policy's fo= asks for one, the local-part redaction, and
 * the RFC 5965 multipart/report with the RFC 6591 auth-failure fields.
 * Pure: builds text, never sends, prints or logs. Contract in report.h.
 */
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clean.h"
#include "util/domain.h"
#include "util/hash.h"

/* RFC 5965 3.1 "Version: 1" and RFC 5965 2 (d)'s text/rfc822-headers */
#define FAILREP_ARF_VERSION "1"
/* Local limit: octets of one feedback field value we copy (an AR field,
 * an envelope address); longer values are cut, never the report. */
#define FAILREP_FIELD_MAX 2048
#define FAILREP_MASK "redacted"	/* RFC 6590 2: a local-part replaced */
/* RFC 5321 4.5.3.1.1: a local-part is at most 64 octets (the bound of
 * the local-part of a DKIM-Identity we report) */
#define FAILREP_LOCAL_MAX 64

int
failrep_wanted(unsigned fo, const failrep_auth *a)
{
	int spf_ok = a->spf_aligned, dkim_ok = a->dkim_aligned;

	/* RFC 9989 4.7 fo=: 0 when every mechanism failed to give an
	 * aligned pass (the DMARC fail), 1 when any did, d a DKIM signature
	 * failed to verify whatever its alignment, s SPF failed likewise */
	if ((fo & DMARC_FO_0) && !spf_ok && !dkim_ok)
		return 1;
	if ((fo & DMARC_FO_1) && (!spf_ok || !dkim_ok))
		return 1;
	if ((fo & DMARC_FO_D) && a->dkim_failed)
		return 1;
	if ((fo & DMARC_FO_S) && a->spf_failed)
		return 1;
	return 0;
}

/* RFC 5322 3.2.3 atext plus '.', and RFC 6532 3.2's UTF8-non-ascii (an
 * internationalized local-part is masked too): the octets of a dot-atom
 * local-part. */
static int
local_char(unsigned char c)
{
	return c == '.' || c >= 0x80 || clean_is(c, CLEAN_ATEXT);
}

size_t
failrep_mask_localparts(strbuf *out, const char *s, size_t n)
{
	size_t i, start = 0, masked = 0;

	for (i = 0; i < n; i++) {
		size_t b;

		if (s[i] != '@')
			continue;
		b = i;
		if (b > start && s[b - 1] == '"') {
			/* a quoted local-part: back to its opening quote */
			for (b -= 1; b > start && s[b - 1] != '"'; b--)
				;
			if (b > start)
				b--;
		} else {
			while (b > start && local_char((unsigned char)s[b - 1]))
				b--;
		}
		if (b == i)
			continue;	/* "@" alone: nothing to hide */
		if (sb_append(out, s + start, b - start) < 0 ||
		    sb_puts(out, FAILREP_MASK) < 0)
			return (size_t)-1;
		start = i;
		masked++;
	}
	if (sb_append(out, s + start, n - start) < 0)
		return (size_t)-1;
	return masked;
}

/* One feedback field: the name, a value made safe (every control, CR
 * and LF included, and every 8-bit octet become '?': the part is 7-bit,
 * RFC 5965 3.1, and nothing a sender chose can start a field of its
 * own), CRLF. */
static int
field(strbuf *out, const char *name, const char *value, int mask)
{
	char v[FAILREP_FIELD_MAX];
	strbuf m;
	int rc;

	if (value == NULL || value[0] == '\0')
		return 0;
	clean_copy(v, sizeof(v), value, CLEAN_PRINT);
	if (!mask)
		return sb_printf(out, "%s: %s\r\n", name, v);
	sb_init(&m);
	rc = failrep_mask_localparts(&m, v, strlen(v)) == (size_t)-1 ||
	    sb_putc(&m, '\0') < 0 ? -1 :
	    sb_printf(out, "%s: %s\r\n", name, m.s);
	sb_free(&m);
	return rc;
}

/* RFC 5965 3.2 Original-Mail-From (a reverse-path: "<>" for the null
 * sender) and Original-Rcpt-To (a forward-path): the address in angle
 * brackets, whether the MTA gave them or not. NULL: no field. */
static int
path_field(strbuf *out, const char *name, const char *addr, int mask)
{
	char p[FAILREP_FIELD_MAX];
	size_t n;

	if (addr == NULL)
		return 0;
	while (*addr == ' ' || *addr == '<')
		addr++;
	n = strcspn(addr, ">");
	snprintf(p, sizeof(p), "<%.*s>", (int)(n < sizeof(p) - 3 ? n :
	    sizeof(p) - 3), addr);
	return field(out, name, p, mask);
}

/* The AR value as folded (CRLF WSP) unfolded to one line first. */
static int
ar_field(strbuf *out, const char *ar)
{
	char v[FAILREP_FIELD_MAX];
	size_t i, j = 0;

	if (ar == NULL || ar[0] == '\0')
		return -1;	/* RFC 6591 3.1: the field MUST appear */
	/* CRLF WSP folds become one space (RFC 5322 2.2.3 unfolding), the
	 * leading blanks go */
	while (*ar == ' ' || *ar == '\t' || *ar == '\r' || *ar == '\n')
		ar++;
	for (i = 0; ar[i] != '\0' && j + 1 < sizeof(v); i++) {
		if (ar[i] == '\r' || ar[i] == '\n')
			continue;
		if (ar[i] == '\t' || ar[i] == ' ') {
			if (j > 0 && v[j - 1] == ' ')
				continue;
			v[j++] = ' ';
		} else
			v[j++] = ar[i];
	}
	v[j] = '\0';
	return field(out, "Authentication-Results", v, 0);
}

/* The original header block as text/rfc822-headers: lines ended CRLF
 * whatever the MTA gave, invalid UTF-8 and controls but TAB as '?', cut
 * at a line end before FAILREP_MAX_HEADERS. */
static int
headers_part(strbuf *out, const char *h, size_t n, int mask)
{
	strbuf raw;
	size_t i, kept;
	int rc = 0;

	sb_init(&raw);
	for (i = 0; i < n && rc == 0; i++) {
		unsigned char c = (unsigned char)h[i];

		if (c == '\r' && i + 1 < n && h[i + 1] == '\n')
			continue;
		if (c == '\r' || c == '\n')
			rc = sb_append(&raw, "\r\n", 2);
		else if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
			rc = sb_putc(&raw, '?');
		else
			rc = sb_putc(&raw, c);
	}
	if (rc == 0 && raw.len > 0 && raw.s[raw.len - 1] != '\n')
		rc = sb_append(&raw, "\r\n", 2);
	if (rc == 0 && raw.len > FAILREP_MAX_HEADERS) {
		for (kept = FAILREP_MAX_HEADERS; kept > 0 &&
		    raw.s[kept - 1] != '\n'; kept--)
			;
		sb_truncate(&raw, kept);
	}
	if (rc == 0 && sb_putc(&raw, '\0') == 0) {
		/* invalid UTF-8 as '?' (the store's TEXT column, 8bit below),
		 * then the masking, which so sees what the reader will */
		size_t len = raw.len;
		char *clean = malloc(len);

		if (clean == NULL)
			rc = -1;
		else {
			len = clean_utf8(clean, len, raw.s, CLEAN_PRINT |
			    CLEAN_CTL);
			if (mask)
				rc = failrep_mask_localparts(out, clean, len) ==
				    (size_t)-1 ? -1 : 0;
			else
				rc = sb_append(out, clean, len);
			free(clean);
		}
	} else
		rc = -1;
	sb_free(&raw);
	return rc;
}

/* A DKIM d= or s= as the report may carry it: an RFC 6376 3.5 domain-name
 * or selector (labels of letters, digits, '-' and '_', at most
 * DOMAIN_MAX_TEXT octets), so printable 7-bit ASCII without a blank, a
 * CR or an LF. */
static int
dkim_name_ok(const char *s)
{
	return s != NULL && domain_valid(s, strlen(s), DOMAIN_UNDERSCORE);
}

/* An RFC 6376 3.5 i=: [local-part] "@" domain-name, the local-part 0 to
 * FAILREP_LOCAL_MAX octets of VCHAR (a quoted one with a blank is
 * refused too), the domain as dkim_name_ok(). */
static int
dkim_identity_ok(const char *s)
{
	const char *at = s != NULL ? strrchr(s, '@') : NULL;

	return at != NULL && (size_t)(at - s) <= FAILREP_LOCAL_MAX &&
	    clean_span(s, CLEAN_VCHAR) >= (size_t)(at - s) &&
	    dkim_name_ok(at + 1);
}

/* RFC 6591 3.1 (updated by RFC 9991 3, draft-ietf-dmarc-failure-reporting
 * "Reporting Format"; RFC 7489 7.3.1 before it): a report of a DKIM
 * failure carries the failing signature's DKIM-Domain (d=), DKIM-Identity
 * (i=, "@" d= when the signature has none: RFC 6376 3.5) and
 * DKIM-Selector (s=). The values come from the sender's signature: the
 * three are written only when each is a well-formed name (dkim_name_ok,
 * dkim_identity_ok: bounded, no CR, LF, control, blank or 8-bit octet),
 * else none is, so nothing the sender wrote can start a field. */
static int
dkim_fields(strbuf *out, const failrep_input *in)
{
	char dflt[DOMAIN_MAX_TEXT + 2];
	const char *id = in->dkim_identity;

	if (!dkim_name_ok(in->dkim_domain) || !dkim_name_ok(in->dkim_selector))
		return 0;
	if (id == NULL || id[0] == '\0') {
		snprintf(dflt, sizeof(dflt), "@%s", in->dkim_domain);
		id = dflt;
	}
	if (!dkim_identity_ok(id))
		return 0;
	if (field(out, "DKIM-Domain", in->dkim_domain, 0) < 0 ||
	    field(out, "DKIM-Identity", id, in->mask_localparts) < 0 ||
	    field(out, "DKIM-Selector", in->dkim_selector, 0) < 0)
		return -1;
	return 0;
}

static const char *
alignment(const failrep_input *in)
{
	/* RFC 9991 3 (RFC 7489 7.3.1): which mechanisms gave an aligned
	 * identifier, "none" when neither did */
	if (in->auth.dkim_aligned && in->auth.spf_aligned)
		return "dkim, spf";
	if (in->auth.dkim_aligned)
		return "dkim";
	if (in->auth.spf_aligned)
		return "spf";
	return "none";
}

int
failrep_build(const failrep_input *in, strbuf *out, char *why, size_t whylen)
{
	char date[64], arrival[64], boundary[64], dom[DMARC_DOMAIN_BUF];
	char ip[REPORT_IP_BUF];
	strbuf fb, hp;
	struct tm tm;
	time_t t = (time_t)in->time;
	uint64_t k;
	int rc = 0, eight = 0;
	size_t i;

	if (in->from == NULL || in->from[0] == '\0' ||
	    in->reported_domain == NULL || in->reported_domain[0] == '\0')
		return snprintf(why, whylen, "failure report: no From or no "
		    "reported domain"), -1;
	/* in the top header fields too: printable ASCII, no blank */
	clean_copy(dom, sizeof(dom), in->reported_domain, CLEAN_VCHAR);
	clean_copy(ip, sizeof(ip), in->source_ip != NULL ? in->source_ip : "",
	    CLEAN_VCHAR);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	snprintf(arrival, sizeof(arrival), "%s", date);

	/* the machine-readable part (RFC 5965 3.1, RFC 6591 3.1) */
	sb_init(&fb);
	rc |= sb_puts(&fb, "Feedback-Type: auth-failure\r\n");
	rc |= field(&fb, "User-Agent", in->user_agent != NULL ?
	    in->user_agent : "authmilter", 0);
	rc |= sb_puts(&fb, "Version: " FAILREP_ARF_VERSION "\r\n");
	rc |= field(&fb, "Original-Envelope-Id", in->envelope_id, 0);
	rc |= path_field(&fb, "Original-Mail-From", in->mail_from,
	    in->mask_localparts);
	rc |= path_field(&fb, "Original-Rcpt-To", in->rcpt, in->mask_localparts);
	rc |= field(&fb, "Arrival-Date", arrival, 0);
	rc |= field(&fb, "Reporting-MTA", in->reporting_mta != NULL &&
	    in->reporting_mta[0] != '\0' ? in->reporting_mta : NULL, 0);
	rc |= field(&fb, "Source-IP", ip, 0);
	if (ar_field(&fb, in->auth_results) < 0) {
		sb_free(&fb);
		return snprintf(why, whylen, "failure report: no "
		    "Authentication-Results (RFC 6591 3.1)"), -1;
	}
	rc |= sb_puts(&fb, "Auth-Failure: dmarc\r\n");
	rc |= field(&fb, "Reported-Domain", dom, 0);
	rc |= field(&fb, "Identity-Alignment", alignment(in), 0);
	rc |= dkim_fields(&fb, in);
	rc |= field(&fb, "Delivery-Result", in->delivery != NULL ?
	    in->delivery : "other", 0);

	sb_init(&hp);
	rc |= headers_part(&hp, in->headers != NULL ? in->headers : "",
	    in->headers_len, in->mask_localparts);
	for (i = 0; i < hp.len; i++)
		if ((unsigned char)hp.s[i] >= 0x80)
			eight = 1;

	/* a boundary that none of the parts holds (RFC 2046 5.1.1); keyed
	 * so a sender cannot predict it either */
	k = hash_keyed(hp.s != NULL ? hp.s : "", hp.len) ^ (uint64_t)in->time;
	for (;;) {
		snprintf(boundary, sizeof(boundary), "=_authmilter_fr_%016"
		    PRIx64, k);
		if ((hp.s == NULL || strstr(hp.s, boundary) == NULL) &&
		    (fb.s == NULL || strstr(fb.s, boundary) == NULL))
			break;
		k = k * 6364136223846793005ULL + 1442695040888963407ULL;
	}

	rc |= sb_printf(out, "From: %s\r\n", in->from);
	rc |= sb_printf(out, "Date: %s\r\n", date);
	/* RFC 9991 leaves the Subject free; this one names what and who */
	rc |= sb_printf(out, "Subject: DMARC failure report for %s from %s\r\n",
	    dom, ip[0] != '\0' ? ip : "an unknown address");
	rc |= sb_puts(out, "MIME-Version: 1.0\r\n");
	rc |= sb_printf(out, "Content-Type: multipart/report; "
	    "report-type=feedback-report;\r\n\tboundary=\"%s\"\r\n", boundary);
	rc |= sb_puts(out, "\r\nThis is a DMARC failure report (RFC 9991) in "
	    "the Abuse Reporting Format (RFC 5965).\r\n");
	/* 1: the human-readable part */
	rc |= sb_printf(out, "\r\n--%s\r\n", boundary);
	rc |= sb_puts(out, "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n\r\n");
	rc |= sb_printf(out, "A message claiming to be from %s, received "
	    "from %s on %s, failed DMARC\r\nauthentication. Its header fields "
	    "follow%s; its body is not included.\r\n", dom,
	    ip[0] != '\0' ? ip : "an unknown address", date,
	    in->mask_localparts ? ", with the local-parts of addresses "
	    "replaced by \"" FAILREP_MASK "\"" : "");
	/* 2: the machine-readable part */
	rc |= sb_printf(out, "\r\n--%s\r\n", boundary);
	rc |= sb_puts(out, "Content-Type: message/feedback-report\r\n\r\n");
	rc |= sb_append(out, fb.s != NULL ? fb.s : "", fb.len);
	/* 3: the original header fields, no body (RFC 5965 2 (d)) */
	rc |= sb_printf(out, "\r\n--%s\r\n", boundary);
	rc |= sb_printf(out, "Content-Type: text/rfc822-headers%s\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", eight ?
	    "; charset=utf-8" : "", eight ? "8bit" : "7bit");
	rc |= sb_append(out, hp.s != NULL ? hp.s : "", hp.len);
	rc |= sb_printf(out, "\r\n--%s--\r\n", boundary);
	sb_free(&fb);
	sb_free(&hp);
	if (rc != 0)
		return snprintf(why, whylen, "failure report: out of memory"),
		    -1;
	return 0;
}

int
failrep_address(strbuf *out, const char *to, const char *message_id,
    const char *stored, size_t len)
{
	int rc = 0;

	rc |= sb_printf(out, "To: <%s>\r\n", to);
	rc |= sb_printf(out, "Message-ID: <%s>\r\n", message_id);
	rc |= sb_append(out, stored, len);
	return rc != 0 ? -1 : 0;
}
