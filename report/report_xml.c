/*
 * report/report_xml.c - the aggregate report as XML through libxml2's
 * xmlTextWriter: RFC 9990 Appendix A (namespace
 * urn:ietf:params:xml:ns:dmarc-2.0) or RFC 7489 Appendix C (no namespace,
 * as the reports in the wild). Also the report_writer front that sends
 * JSON to report_json.c. Contract in report.h.
 */
#include "report/report_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlwriter.h>

#include "util/dynlib.h"
#include "util/strcopy.h"

/* libxml2 is loaded when the first XML report is written (util/dynlib.h):
 * the milter daemon, which links this file, never maps it. */
#define XML_SONAME "libxml2.so.2"
#define XML_FUNCS(X) \
	X(xmlOutputBufferCreateIO) \
	X(xmlOutputBufferClose) \
	X(xmlNewTextWriter) \
	X(xmlFreeTextWriter) \
	X(xmlTextWriterSetIndent) \
	X(xmlTextWriterSetIndentString) \
	X(xmlTextWriterStartDocument) \
	X(xmlTextWriterEndDocument) \
	X(xmlTextWriterStartElement) \
	X(xmlTextWriterStartElementNS) \
	X(xmlTextWriterEndElement) \
	X(xmlTextWriterWriteElement)

DYNLIB_TABLE(xml, XML_SONAME, XML_FUNCS)

#define RFC9990_NS "urn:ietf:params:xml:ns:dmarc-2.0"

struct report_writer {
	report_format fmt;
	xmlTextWriterPtr w;
	report_json *json;
	report_sink sink;    /* where the document goes, as it is written */
	void *sink_arg;
	strbuf mem;          /* report_writer_new's sink: the whole document */
	int failed;
	report_record rec;   /* the policy or row being written, cleaned */
};

/* libxml2 writes the octets it is given, and one invalid UTF-8 octet
 * makes the document ill-formed: every value written is clean, the
 * policy and the rows through cleaned() (once, for both formats), the
 * metadata through el_text(). */
static void
el(report_writer *rw, const char *name, const char *value)
{
	if (xml.xmlTextWriterWriteElement(rw->w, BAD_CAST name,
	    BAD_CAST (value != NULL ? value : "")) < 0)
		rw->failed = 1;
}

static void
el_text(report_writer *rw, const char *name, const char *value)
{
	char *v = report_clean_dup(value);

	if (v == NULL)
		rw->failed = 1;
	else
		el(rw, name, v);
	free(v);
}

/* The record as every format may write it, whatever the store holds
 * (report_clean.c); a source without a valid address is written as
 * REPORT_IP_UNKNOWN. */
static const report_record *
cleaned(report_writer *rw, const report_record *r)
{
	rw->rec = *r;
	report_record_clean(&rw->rec);
	if (rw->rec.source_ip[0] == '\0')
		snprintf(rw->rec.source_ip, sizeof(rw->rec.source_ip), "%s",
		    REPORT_IP_UNKNOWN);
	return &rw->rec;
}

static void
open_el(report_writer *rw, const char *name)
{
	if (xml.xmlTextWriterStartElement(rw->w, BAD_CAST name) < 0)
		rw->failed = 1;
}

static void
close_el(report_writer *rw)
{
	if (xml.xmlTextWriterEndElement(rw->w) < 0)
		rw->failed = 1;
}

static void
el_i64(report_writer *rw, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	el(rw, name, num);
}

static void
metadata(report_writer *rw, const report_meta *m)
{
	open_el(rw, "report_metadata");
	el_text(rw, "org_name", m->org_name);
	el_text(rw, "email", m->email);
	el_text(rw, "report_id", m->report_id);
	open_el(rw, "date_range");
	el_i64(rw, "begin", (long long)m->begin);
	el_i64(rw, "end", (long long)m->end);
	close_el(rw);
	if (rw->fmt == REPORT_XML && m->generator != NULL)
		el_text(rw, "generator", m->generator);
	close_el(rw);
}

static void
policy(report_writer *rw, const report_record *p)
{
	open_el(rw, "policy_published");
	el(rw, "domain", p->policy_domain);
	if (rw->fmt == REPORT_XML7489) {
		el(rw, "adkim", p->adkim);
		el(rw, "aspf", p->aspf);
		el(rw, "p", p->p);
		el(rw, "sp", p->sp);
		el(rw, "pct", "100");
		el(rw, "fo", p->fo);
	} else {
		el(rw, "p", p->p);
		el(rw, "sp", p->sp);
		el(rw, "np", p->np);
		el(rw, "adkim", p->adkim);
		el(rw, "aspf", p->aspf);
		if (p->discovery[0] != '\0')
			el(rw, "discovery_method", p->discovery);
		el(rw, "fo", p->fo);
		el(rw, "testing", p->testing);
	}
	close_el(rw);
}

/* An override name the format's PolicyOverrideType knows, else "other"
 * with the name as the comment; NAME:DOMAIN (trusted_forwarder, the ARC
 * sealer whose word was taken) has the comment "arc=pass sealer=DOMAIN". */
static void
reason(report_writer *rw, const char *token)
{
	char name[64], comment[DMARC_DOMAIN_BUF + 32];
	const char *by = strchr(token, ':');
	static const char *const k9990[] = { "local_policy", "mailing_list",
	    "other", "policy_test_mode", "trusted_forwarder", NULL };
	static const char *const k7489[] = { "forwarded", "sampled_out",
	    "trusted_forwarder", "mailing_list", "local_policy", "other", NULL };
	const char *const *known = rw->fmt == REPORT_XML7489 ? k7489 : k9990;
	size_t i;

	strcopy_n(name, sizeof(name), token, by != NULL ? (size_t)(by - token) :
	    strlen(token));
	open_el(rw, "reason");
	for (i = 0; known[i] != NULL; i++)
		if (strcmp(known[i], name) == 0)
			break;
	if (known[i] != NULL) {
		el(rw, "type", name);
		if (by != NULL && by[1] != '\0') {
			snprintf(comment, sizeof(comment), "arc=pass sealer=%s",
			    by + 1);
			el(rw, "comment", comment);
		}
	} else {
		el(rw, "type", "other");
		el(rw, "comment", name);
	}
	close_el(rw);
}

static void
row(report_writer *rw, const report_record *r, uint64_t count)
{
	char ip[REPORT_IP_BUF], word[sizeof(r->reasons)];
	const char *p;
	report_dkim_view d;
	size_t n = 0;

	open_el(rw, "record");
	open_el(rw, "row");
	if (rw->fmt == REPORT_XML7489) {
		if (report_ip_expand(r->source_ip, ip, sizeof(ip)) < 0)
			snprintf(ip, sizeof(ip), "%s", r->source_ip);
	} else {
		snprintf(ip, sizeof(ip), "%s", r->source_ip);
	}
	el(rw, "source_ip", ip);
	el_i64(rw, "count", (long long)count);
	open_el(rw, "policy_evaluated");
	el(rw, "disposition", rw->fmt == REPORT_XML7489 &&
	    strcmp(r->disposition, "pass") == 0 ? "none" : r->disposition);
	el(rw, "dkim", r->dkim_aligned ? "pass" : "fail");
	el(rw, "spf", r->spf_aligned ? "pass" : "fail");
	for (p = r->reasons; *p != '\0'; ) {
		size_t l = strcspn(p, " ");

		if (l > 0 && strcopy_n(word, sizeof(word), p, l) == 0)
			reason(rw, word);
		p += l;
		while (*p == ' ')
			p++;
	}
	close_el(rw);
	close_el(rw); /* row */
	open_el(rw, "identifiers");
	if (rw->fmt == REPORT_XML7489 && r->envelope_to[0] != '\0')
		el(rw, "envelope_to", r->envelope_to);
	el(rw, "envelope_from", r->envelope_from);
	el(rw, "header_from", r->header_from);
	if (rw->fmt == REPORT_XML && r->envelope_to[0] != '\0')
		el(rw, "envelope_to", r->envelope_to);
	close_el(rw);
	open_el(rw, "auth_results");
	for (p = r->dkim; n < REPORT_MAX_DKIM_ROW && report_dkim_next(&p, &d);
	    n++) {
		open_el(rw, "dkim");
		el(rw, "domain", d.domain);
		el(rw, "selector", d.selector);
		el(rw, "result", d.result);
		close_el(rw);
	}
	if (r->spf_domain[0] != '\0' || rw->fmt == REPORT_XML7489) {
		open_el(rw, "spf");
		el(rw, "domain", r->spf_domain);
		/* RFC 9990 SPFDomainScope knows only mfrom */
		if (rw->fmt == REPORT_XML7489 || strcmp(r->spf_scope,
		    "mfrom") == 0)
			el(rw, "scope", r->spf_scope[0] ? r->spf_scope : "mfrom");
		el(rw, "result", r->spf_result);
		close_el(rw);
	}
	close_el(rw); /* auth_results */
	close_el(rw); /* record */
}

/* report_writer_new's sink: the document in memory */
static int
to_mem(void *arg, const char *data, size_t len)
{
	return sb_append(arg, data, len);
}

/* libxml2's output callback: the octets go to the sink as they come. A
 * failing sink fails the writer (checked at every row and at the end);
 * libxml2 is told all went well, as it would print an error itself. */
static int
xml_out(void *ctx, const char *data, int len)
{
	report_writer *rw = ctx;

	if (len < 0)
		return -1;
	if (!rw->failed && rw->sink(rw->sink_arg, data, (size_t)len) < 0)
		rw->failed = 1;
	return len;
}

report_writer *
report_writer_open(report_format fmt, const report_meta *meta,
    const report_record *pol, report_sink sink, void *sink_arg, char *why,
    size_t whylen)
{
	report_writer *rw = calloc(1, sizeof(*rw));
	xmlOutputBufferPtr ob;
	char lib_err[256];

	if (rw == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	rw->fmt = fmt;
	sb_init(&rw->mem);
	rw->sink = sink != NULL ? sink : to_mem;
	rw->sink_arg = sink != NULL ? sink_arg : &rw->mem;
	if (fmt == REPORT_JSON) {
		rw->json = report_json_new(meta, cleaned(rw, pol), rw->sink,
		    rw->sink_arg);
		if (rw->json == NULL) {
			snprintf(why, whylen, "cannot write the report head");
			free(rw);
			return NULL;
		}
		return rw;
	}
	if (fmt != REPORT_XML && fmt != REPORT_XML7489) {
		snprintf(why, whylen, "unknown report format");
		free(rw);
		return NULL;
	}
	if (xml_ready(lib_err, sizeof(lib_err)) < 0) {
		snprintf(why, whylen, "XML reports: %s (install libxml2)",
		    lib_err);
		report_writer_free(rw);
		return NULL;
	}
	ob = xml.xmlOutputBufferCreateIO(xml_out, NULL, rw, NULL);
	rw->w = ob != NULL ? xml.xmlNewTextWriter(ob) : NULL;
	if (rw->w == NULL) {
		if (ob != NULL)
			xml.xmlOutputBufferClose(ob);
		snprintf(why, whylen, "libxml2: cannot create a writer");
		report_writer_free(rw);
		return NULL;
	}
	xml.xmlTextWriterSetIndent(rw->w, 1);
	xml.xmlTextWriterSetIndentString(rw->w, BAD_CAST "  ");
	if (xml.xmlTextWriterStartDocument(rw->w, "1.0", "UTF-8", NULL) < 0)
		rw->failed = 1;
	if (fmt == REPORT_XML) {
		if (xml.xmlTextWriterStartElementNS(rw->w, NULL, BAD_CAST "feedback",
		    BAD_CAST RFC9990_NS) < 0)
			rw->failed = 1;
	} else {
		open_el(rw, "feedback");
	}
	el(rw, "version", "1.0");
	metadata(rw, meta);
	policy(rw, cleaned(rw, pol));
	if (rw->failed) {
		snprintf(why, whylen, "libxml2: cannot write the report head");
		report_writer_free(rw);
		return NULL;
	}
	return rw;
}

report_writer *
report_writer_new(report_format fmt, const report_meta *meta,
    const report_record *pol, char *why, size_t whylen)
{
	return report_writer_open(fmt, meta, pol, NULL, NULL, why, whylen);
}

int
report_writer_row(report_writer *rw, const report_record *r, uint64_t count)
{
	if (rw->json != NULL)
		return report_json_row(rw->json, cleaned(rw, r), count);
	row(rw, cleaned(rw, r), count);
	return rw->failed ? -1 : 0;
}

int
report_writer_close(report_writer *rw)
{
	if (rw->json != NULL)
		return report_json_finish(rw->json);
	if (rw->w == NULL)
		return -1;
	if (xml.xmlTextWriterEndDocument(rw->w) < 0)
		rw->failed = 1;
	xml.xmlFreeTextWriter(rw->w); /* flushes to the sink */
	rw->w = NULL;
	return rw->failed ? -1 : 0;
}

int
report_writer_finish(report_writer *rw, strbuf *out)
{
	if (report_writer_close(rw) < 0 || rw->mem.failed)
		return -1;
	return sb_append(out, rw->mem.s != NULL ? rw->mem.s : "",
	    rw->mem.len);
}

void
report_writer_free(report_writer *rw)
{
	if (rw == NULL)
		return;
	if (rw->json != NULL)
		report_json_free(rw->json);
	if (rw->w != NULL)
		xml.xmlFreeTextWriter(rw->w);
	sb_free(&rw->mem);
	free(rw);
}
