/*
 * report/report_json.c - the aggregate report as JSON (Jansson), with the
 * structure and field names of the RFC 9990 XML: one object {"version",
 * "report_metadata", "policy_published", "record": [...]} where repeated
 * elements (record, dkim, reason) are arrays (doc/REPORTS.md). Used
 * through report_writer_* (report_xml.c).
 * Contract in report.h (report_json_*: report_int.h).
 *
 * Streamed: only one record is held at a time. The octets are what
 * json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) of the whole
 * object would give: the head object dumped without its last "\n}", the
 * records array written by hand the way Jansson writes an array at depth
 * 1 ("[]" when empty; else "[", each element on its own line indented by
 * 4, "\n  ]"), each record dumped alone and re-indented by 4 (Jansson
 * escapes every newline inside a string, so a raw one is indentation).
 */
#include "report/report_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#define JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)
#define JSON_RECORD_INDENT "\n    "   /* a record's depth (2) in the document */

struct report_json {
	report_sink sink;
	void *sink_arg;
	size_t nrecords;
	int failed;
};

static void
put(report_json *j, const char *s, size_t len)
{
	if (!j->failed && j->sink(j->sink_arg, s, len) < 0)
		j->failed = 1;
}

/* A metadata value as a JSON string: cleaned (report_clean.c), as
 * Jansson refuses invalid UTF-8 and the whole report would fail. The
 * records come cleaned by report_writer_* (report_xml.c). */
static json_t *
text(const char *s)
{
	char *c = report_clean_dup(s);
	json_t *v = c != NULL ? json_string(c) : NULL;

	free(c);
	return v;
}

static void
set(report_json *j, json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) < 0)
		j->failed = 1;
}

report_json *
report_json_new(const report_meta *m, const report_record *p,
    report_sink sink, void *sink_arg)
{
	report_json *j = calloc(1, sizeof(*j));
	json_t *root, *meta, *range, *pol;
	char *head;
	size_t len;

	if (j == NULL)
		return NULL;
	j->sink = sink;
	j->sink_arg = sink_arg;
	root = json_object();
	meta = json_object();
	range = json_object();
	pol = json_object();
	if (root == NULL || meta == NULL || range == NULL || pol == NULL) {
		json_decref(root);
		json_decref(meta);
		json_decref(range);
		json_decref(pol);
		free(j);
		return NULL;
	}
	set(j, root, "version", json_string("1.0"));
	set(j, meta, "org_name", text(m->org_name));
	set(j, meta, "email", text(m->email));
	set(j, meta, "report_id", text(m->report_id));
	set(j, range, "begin", json_integer(m->begin));
	set(j, range, "end", json_integer(m->end));
	set(j, meta, "date_range", range);
	if (m->generator != NULL)
		set(j, meta, "generator", text(m->generator));
	set(j, root, "report_metadata", meta);
	set(j, pol, "domain", json_string(p->policy_domain));
	set(j, pol, "p", json_string(p->p));
	set(j, pol, "sp", json_string(p->sp));
	set(j, pol, "np", json_string(p->np));
	set(j, pol, "adkim", json_string(p->adkim));
	set(j, pol, "aspf", json_string(p->aspf));
	if (p->discovery[0] != '\0')
		set(j, pol, "discovery_method", json_string(p->discovery));
	set(j, pol, "fo", json_string(p->fo));
	set(j, pol, "testing", json_string(p->testing));
	set(j, root, "policy_published", pol);
	head = j->failed ? NULL : json_dumps(root, JSON_FLAGS);
	json_decref(root);
	/* "{ ... }" without its closing "\n}": "record" is the last member */
	len = head != NULL ? strlen(head) : 0;
	if (len < 2 || strcmp(head + len - 2, "\n}") != 0) {
		free(head);
		free(j);
		return NULL;
	}
	put(j, head, len - 2);
	put(j, ",\n  \"record\": [", strlen(",\n  \"record\": ["));
	free(head);
	if (j->failed) {
		free(j);
		return NULL;
	}
	return j;
}

/* One record as an element of the "record" array (see the top). */
static void
write_record(report_json *j, json_t *rec)
{
	char *s = j->failed ? NULL : json_dumps(rec, JSON_FLAGS);
	const char *p, *nl;

	if (s == NULL) {
		j->failed = 1;
		return;
	}
	if (j->nrecords++ > 0)
		put(j, ",", 1);
	put(j, JSON_RECORD_INDENT, strlen(JSON_RECORD_INDENT));
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		put(j, p, (size_t)(nl - p));
		put(j, JSON_RECORD_INDENT, strlen(JSON_RECORD_INDENT));
	}
	put(j, p, strlen(p));
	free(s);
}

int
report_json_row(report_json *j, const report_record *r, uint64_t count)
{
	json_t *rec = json_object(), *row = json_object(), *pe = json_object();
	json_t *ids = json_object(), *auth = json_object();
	json_t *reasons = json_array(), *dkim = json_array(), *spf;
	report_dkim_view d;
	const char *p;
	size_t n = 0;

	if (rec == NULL || row == NULL || pe == NULL || ids == NULL ||
	    auth == NULL || reasons == NULL || dkim == NULL) {
		json_decref(rec); json_decref(row); json_decref(pe);
		json_decref(ids); json_decref(auth); json_decref(reasons);
		json_decref(dkim);
		return -1;
	}
	set(j, row, "source_ip", json_string(r->source_ip));
	set(j, row, "count", json_integer((json_int_t)count));
	set(j, pe, "disposition", json_string(r->disposition));
	set(j, pe, "dkim", json_string(r->dkim_aligned ? "pass" : "fail"));
	set(j, pe, "spf", json_string(r->spf_aligned ? "pass" : "fail"));
	for (p = r->reasons; *p != '\0'; ) {
		size_t l = strcspn(p, " ");
		json_t *one = json_object();

		if (one != NULL && l > 0) {
			/* TYPE:DOMAIN: trusted_forwarder and its ARC sealer */
			const char *by = memchr(p, ':', l);
			size_t tl = by != NULL ? (size_t)(by - p) : l;

			set(j, one, "type", json_stringn(p, tl));
			if (by != NULL && tl + 1 < l) {
				char c[DMARC_DOMAIN_BUF + 32];

				snprintf(c, sizeof(c), "arc=pass sealer=%.*s",
				    (int)(l - tl - 1), by + 1);
				set(j, one, "comment", json_string(c));
			}
			if (json_array_append_new(reasons, one) < 0)
				j->failed = 1;
		} else {
			json_decref(one);
		}
		p += l;
		while (*p == ' ')
			p++;
	}
	set(j, pe, "reason", reasons);
	set(j, row, "policy_evaluated", pe);
	set(j, rec, "row", row);
	set(j, ids, "header_from", json_string(r->header_from));
	set(j, ids, "envelope_from", json_string(r->envelope_from));
	if (r->envelope_to[0] != '\0')
		set(j, ids, "envelope_to", json_string(r->envelope_to));
	set(j, rec, "identifiers", ids);
	for (p = r->dkim; n < REPORT_MAX_DKIM_ROW && report_dkim_next(&p, &d);
	    n++) {
		json_t *one = json_object();

		if (one == NULL) {
			j->failed = 1;
			break;
		}
		set(j, one, "domain", json_string(d.domain));
		set(j, one, "selector", json_string(d.selector));
		set(j, one, "result", json_string(d.result));
		if (json_array_append_new(dkim, one) < 0)
			j->failed = 1;
	}
	set(j, auth, "dkim", dkim);
	if (r->spf_domain[0] != '\0') {
		spf = json_object();
		if (spf != NULL) {
			set(j, spf, "domain", json_string(r->spf_domain));
			set(j, spf, "scope", json_string(r->spf_scope));
			set(j, spf, "result", json_string(r->spf_result));
		}
		set(j, auth, "spf", spf);
	}
	set(j, rec, "auth_results", auth);
	write_record(j, rec);
	json_decref(rec);
	return j->failed ? -1 : 0;
}

int
report_json_finish(report_json *j)
{
	if (j->nrecords > 0)
		put(j, "\n  ]", strlen("\n  ]"));
	else
		put(j, "]", 1);
	put(j, "\n}\n", strlen("\n}\n"));
	return j->failed ? -1 : 0;
}

void
report_json_free(report_json *j)
{
	free(j);
}
