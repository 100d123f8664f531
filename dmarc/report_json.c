/*
 * dmarc/report_json.c - the aggregate report as JSON (Jansson), with the
 * structure and field names of the RFC 9990 XML: one object {"version",
 * "report_metadata", "policy_published", "record": [...]} where repeated
 * elements (record, dkim, reason) are arrays (doc/REPORTS.md). Used
 * through report_writer_* (report_xml.c).
 * Contract in report_record.h.
 */
#include "dmarc/report_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct report_json {
	json_t *root;
	json_t *records;
	int failed;
};

/* A JSON string of any value: Jansson refuses invalid UTF-8 (the set
 * then fails and the whole report with it), so every value is cleaned. */
static json_t *
str(const char *s)
{
	char *c = report_clean_dup(s);
	json_t *v = c != NULL ? json_string(c) : NULL;

	free(c);
	return v;
}

static json_t *
strn(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	json_t *v = NULL;

	if (c != NULL) {
		memcpy(c, s, n);
		c[n] = '\0';
		v = str(c);
		free(c);
	}
	return v;
}

static void
set(report_json *j, json_t *obj, const char *key, json_t *v)
{
	if (v == NULL || json_object_set_new(obj, key, v) < 0)
		j->failed = 1;
}

report_json *
report_json_new(const report_meta *m, const report_record *raw)
{
	report_json *j = calloc(1, sizeof(*j));
	report_record *p = malloc(sizeof(*p));
	json_t *meta, *range, *pol;

	if (j == NULL || p == NULL) {
		free(j);
		free(p);
		return NULL;
	}
	*p = *raw;
	report_record_clean(p); /* whatever the store holds */
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
		free(p);
		return NULL;
	}
	set(j, j->root, "version", str("1.0"));
	set(j, meta, "org_name", str(m->org_name));
	set(j, meta, "email", str(m->email));
	set(j, meta, "report_id", str(m->report_id));
	set(j, range, "begin", json_integer(m->begin));
	set(j, range, "end", json_integer(m->end));
	set(j, meta, "date_range", range);
	if (m->generator != NULL)
		set(j, meta, "generator", str(m->generator));
	set(j, j->root, "report_metadata", meta);
	set(j, pol, "domain", str(p->policy_domain));
	set(j, pol, "p", str(p->p));
	set(j, pol, "sp", str(p->sp));
	set(j, pol, "np", str(p->np));
	set(j, pol, "adkim", str(p->adkim));
	set(j, pol, "aspf", str(p->aspf));
	if (p->discovery[0] != '\0')
		set(j, pol, "discovery_method", str(p->discovery));
	set(j, pol, "fo", str(p->fo));
	set(j, pol, "testing", str(p->testing));
	set(j, j->root, "policy_published", pol);
	json_incref(j->records);
	set(j, j->root, "record", j->records);
	free(p);
	if (j->failed) {
		report_json_free(j);
		return NULL;
	}
	return j;
}

int
report_json_row(report_json *j, const report_record *raw, uint64_t count)
{
	report_record *r = malloc(sizeof(*r));
	json_t *rec = json_object(), *row = json_object(), *pe = json_object();
	json_t *ids = json_object(), *auth = json_object();
	json_t *reasons = json_array(), *dkim = json_array(), *spf;
	report_dkim_view d;
	const char *p;
	size_t n = 0;

	if (r == NULL || rec == NULL || row == NULL || pe == NULL ||
	    ids == NULL || auth == NULL || reasons == NULL || dkim == NULL) {
		json_decref(rec); json_decref(row); json_decref(pe);
		json_decref(ids); json_decref(auth); json_decref(reasons);
		json_decref(dkim);
		free(r);
		return -1;
	}
	*r = *raw;
	report_record_clean(r); /* whatever the store holds */
	if (r->source_ip[0] == '\0')
		snprintf(r->source_ip, sizeof(r->source_ip), "%s",
		    REPORT_IP_UNKNOWN);
	set(j, row, "source_ip", str(r->source_ip));
	set(j, row, "count", json_integer((json_int_t)count));
	set(j, pe, "disposition", str(r->disposition));
	set(j, pe, "dkim", str(r->dkim_aligned ? "pass" : "fail"));
	set(j, pe, "spf", str(r->spf_aligned ? "pass" : "fail"));
	for (p = r->reasons; *p != '\0'; ) {
		size_t l = strcspn(p, " ");
		json_t *one = json_object();

		if (one != NULL && l > 0) {
			set(j, one, "type", strn(p, l));
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
	set(j, ids, "header_from", str(r->header_from));
	set(j, ids, "envelope_from", str(r->envelope_from));
	if (r->envelope_to[0] != '\0')
		set(j, ids, "envelope_to", str(r->envelope_to));
	set(j, rec, "identifiers", ids);
	for (p = r->dkim; n < REPORT_MAX_DKIM_ROW && report_dkim_next(&p, &d);
	    n++) {
		json_t *one = json_object();

		if (one == NULL) {
			j->failed = 1;
			break;
		}
		set(j, one, "domain", str(d.domain));
		set(j, one, "selector", str(d.selector));
		set(j, one, "result", str(d.result));
		if (json_array_append_new(dkim, one) < 0)
			j->failed = 1;
	}
	set(j, auth, "dkim", dkim);
	if (r->spf_domain[0] != '\0') {
		spf = json_object();
		if (spf != NULL) {
			set(j, spf, "domain", str(r->spf_domain));
			set(j, spf, "scope", str(r->spf_scope));
			set(j, spf, "result", str(r->spf_result));
		}
		set(j, auth, "spf", spf);
	}
	set(j, rec, "auth_results", auth);
	if (json_array_append_new(j->records, rec) < 0)
		j->failed = 1;
	free(r);
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
