/*
 * report/report_json.c - the aggregate report as JSON (Jansson), with the
 * structure and field names of the RFC 9990 XML: one object {"version",
 * "report_metadata", "policy_published", "record": [...]} where repeated
 * elements (record, dkim, reason) are arrays (doc/REPORTS.md). Used
 * through report_writer_* (report_xml.c).
 * Contract in report.h (report_json_*: report_int.h).
 */
#include "report/report_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct report_json {
	json_t *root;
	json_t *records;
	int failed;
};

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
report_json_new(const report_meta *m, const report_record *p)
{
	report_json *j = calloc(1, sizeof(*j));
	json_t *meta, *range, *pol;

	if (j == NULL)
		return NULL;
	j->root = json_object();
	j->records = json_array();
	meta = json_object();
	range = json_object();
	pol = json_object();
	if (j->root == NULL || j->records == NULL || meta == NULL ||
	    range == NULL || pol == NULL) {
		json_decref(meta);
		json_decref(range);
		json_decref(pol);
		report_json_free(j);
		return NULL;
	}
	set(j, j->root, "version", json_string("1.0"));
	set(j, meta, "org_name", text(m->org_name));
	set(j, meta, "email", text(m->email));
	set(j, meta, "report_id", text(m->report_id));
	set(j, range, "begin", json_integer(m->begin));
	set(j, range, "end", json_integer(m->end));
	set(j, meta, "date_range", range);
	if (m->generator != NULL)
		set(j, meta, "generator", text(m->generator));
	set(j, j->root, "report_metadata", meta);
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
	set(j, j->root, "policy_published", pol);
	json_incref(j->records);
	set(j, j->root, "record", j->records);
	if (j->failed) {
		report_json_free(j);
		return NULL;
	}
	return j;
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
	if (json_array_append_new(j->records, rec) < 0)
		j->failed = 1;
	return j->failed ? -1 : 0;
}

int
report_json_finish(report_json *j, strbuf *out)
{
	char *s;
	int rc;

	if (j->failed)
		return -1;
	s = json_dumps(j->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (s == NULL)
		return -1;
	rc = sb_puts(out, s);
	if (rc == 0)
		rc = sb_putc(out, '\n');
	free(s);
	return rc;
}

void
report_json_free(report_json *j)
{
	if (j == NULL)
		return;
	json_decref(j->records);
	json_decref(j->root);
	free(j);
}
