/*
 * report/report_mime.c - an aggregate report as mail: gzip (zlib, RFC
 * 1952), the RFC 9990 file name and Subject, an RFC 5322 / RFC 2045
 * multipart message with the report in base64. Contract in report.h.
 */
#include "report/report.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "util/clean.h"

#define MIME_LINE 76            /* RFC 2045 6.8: encoded lines <= 76 */
#define GZIP_CHUNK 65536

struct report_gz {
	z_stream z;
	strbuf *out;
	int failed;
};

report_gz *
report_gz_new(strbuf *out)
{
	report_gz *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->out = out;
	/* windowBits 15 + 16: a gzip wrapper, not zlib (RFC 1952) */
	if (deflateInit2(&g->z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return NULL;
	}
	return g;
}

/* deflate what is in z's input (flush: Z_NO_FLUSH or Z_FINISH) into out */
static int
gz_run(report_gz *g, int flush)
{
	unsigned char buf[GZIP_CHUNK];
	int rc;

	do {
		g->z.next_out = buf;
		g->z.avail_out = sizeof(buf);
		rc = deflate(&g->z, flush);
		if (rc == Z_STREAM_ERROR ||
		    sb_append(g->out, buf, sizeof(buf) - g->z.avail_out) < 0)
			return g->failed = 1, -1;
	} while (flush == Z_FINISH ? rc != Z_STREAM_END : g->z.avail_out == 0);
	return 0;
}

int
report_gz_write(void *arg, const char *data, size_t len)
{
	report_gz *g = arg;

	while (len > 0 && !g->failed) {
		/* avail_in is a uInt: big inputs go in pieces */
		size_t n = len > GZIP_CHUNK ? GZIP_CHUNK : len;

		g->z.next_in = (Bytef *)(uintptr_t)data;
		g->z.avail_in = (uInt)n;
		if (gz_run(g, Z_NO_FLUSH) < 0)
			break;
		data += n;
		len -= n;
	}
	return g->failed ? -1 : 0;
}

int
report_gz_finish(report_gz *g)
{
	if (g->failed)
		return -1;
	g->z.next_in = NULL;
	g->z.avail_in = 0;
	return gz_run(g, Z_FINISH);
}

void
report_gz_free(report_gz *g)
{
	if (g == NULL)
		return;
	deflateEnd(&g->z);
	free(g);
}

int
report_gzip(const void *data, size_t len, strbuf *out)
{
	report_gz *g = report_gz_new(out);
	int rc;

	if (g == NULL)
		return -1;
	rc = report_gz_write(g, data, len) == 0 ? report_gz_finish(g) : -1;
	report_gz_free(g);
	return rc;
}

/* A name in a file name: not empty, no leading '.', no '/' or control. */
static int
name_ok(const char *s)
{
	if (s == NULL || s[0] == '\0' || s[0] == '.')
		return 0;
	for (; *s != '\0'; s++)
		if (*s == '/' || clean_is(*s, CLEAN_CTL))
			return 0;
	return 1;
}

int
report_filename(const report_meta *meta, const char *policy_domain,
    report_format fmt, int gz, char *out, size_t outlen)
{
	int n;

	if (!name_ok(meta->submitter) || !name_ok(policy_domain))
		return -1;
	n = snprintf(out, outlen, "%s!%s!%lld!%lld.%s%s", meta->submitter,
	    policy_domain, (long long)meta->begin, (long long)meta->end,
	    fmt == REPORT_JSON ? "json" : "xml", gz ? ".gz" : "");

	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static int
base64(strbuf *out, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, col = 0;
	char q[4];

	for (i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = tab[v >> 18 & 63];
		q[1] = tab[v >> 12 & 63];
		q[2] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? tab[v & 63] : '=';
		sb_append(out, q, 4);
		col += 4;
		if (col >= MIME_LINE) {
			sb_puts(out, "\r\n");
			col = 0;
		}
	}
	if (col > 0)
		sb_puts(out, "\r\n");
	return out->failed ? -1 : 0;
}

/* A header value must not smuggle line breaks from the DNS or config. */
static int
header_ok(const char *s)
{
	return s[clean_cspan(s, CLEAN_CTL)] == '\0';
}

int
report_mime(const report_mail *m, strbuf *out, char *why, size_t whylen)
{
	char fname[2 * DMARC_DOMAIN_BUF + 64], date[64], boundary[64];
	strbuf gz;
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	if (!header_ok(m->to) || !header_ok(m->meta->email) ||
	    !header_ok(m->meta->report_id) || !header_ok(m->policy_domain) ||
	    !header_ok(m->meta->submitter) || strchr(m->meta->report_id, '>') ||
	    strchr(m->meta->report_id, '<')) {
		snprintf(why, whylen, "a header value holds control characters");
		return -1;
	}
	if (report_filename(m->meta, m->policy_domain, m->fmt, 1, fname,
	    sizeof(fname)) < 0) {
		snprintf(why, whylen, "file name too long");
		return -1;
	}
	if (m->date != NULL) {
		snprintf(date, sizeof(date), "%s", m->date);
	} else {
		gmtime_r(&now, &tm);
		strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	}
	snprintf(boundary, sizeof(boundary), "=_authmilter_%lld_%lld",
	    (long long)m->meta->begin, (long long)m->meta->end);
	sb_init(&gz);
	if (m->gzipped)
		sb_free(&gz); /* unused: the document is gzip'd already */
	else if (report_gzip(m->doc, m->doclen, &gz) < 0) {
		sb_free(&gz);
		snprintf(why, whylen, "gzip failed");
		return -1;
	}
	sb_printf(out,
	    "From: %s\r\n"
	    "To: %s\r\n"
	    "Date: %s\r\n"
	    "Subject: Report Domain: %s\r\n"
	    " Submitter: %s\r\n"
	    " Report-ID: <%s>\r\n"
	    "Message-ID: <%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "\r\n"
	    "This is a DMARC aggregate report in MIME format.\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: text/plain; charset=us-ascii\r\n"
	    "Content-Transfer-Encoding: 7bit\r\n"
	    "\r\n"
	    "DMARC aggregate report (RFC 9990) for %s from %s,\r\n"
	    "covering %lld to %lld (seconds since 1970 UTC).\r\n"
	    "\r\n"
	    "--%s\r\n"
	    "Content-Type: application/gzip; name=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "\r\n",
	    m->meta->email, m->to, date, m->policy_domain, m->meta->submitter,
	    m->meta->report_id, m->meta->report_id, boundary, boundary,
	    m->policy_domain, m->meta->submitter, (long long)m->meta->begin,
	    (long long)m->meta->end, boundary, fname, fname);
	if (m->gzipped)
		base64(out, m->doc, m->doclen);
	else
		base64(out, (const unsigned char *)gz.s, gz.len);
	sb_printf(out, "\r\n--%s--\r\n", boundary);
	sb_free(&gz);
	rc = out->failed ? -1 : 0;
	if (rc < 0)
		snprintf(why, whylen, "out of memory");
	return rc;
}
