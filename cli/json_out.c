/*
 * cli/json_out.c - JSON objects for SPF, DKIM, ARC and DMARC results
 * (contract in json_out_int.h).
 */
#include "cli/json_out_int.h"

#include <string.h>

#include "util/clean.h"

#define JSON_STR_MAX 1024

static void
put_str(json_t *o, const char *key, const char *value)
{
	char buf[JSON_STR_MAX];

	json_object_set_new(o, key, json_string(clean_copy(buf, sizeof(buf),
	    value, CLEAN_PRINT)));
}

json_t *
json_spf(const spf_result *r)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	put_str(o, "result", spf_code_name(r->code));
	put_str(o, "identity", spf_identity_name(r->identity));
	put_str(o, "domain", r->domain);
	put_str(o, "sender", r->sender);
	put_str(o, "mechanism", r->mechanism);
	put_str(o, "explanation", r->explanation);
	json_object_set_new(o, "lookups", json_integer(r->lookups));
	json_object_set_new(o, "void_lookups", json_integer(r->void_lookups));
	put_str(o, "dnssec", dns_sec_name(r->dnssec));
	put_str(o, "reason", r->reason);
	return o;
}

json_t *
json_dkim(const dkim_sigresult *r)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	put_str(o, "result", dkim_result_name(r->result));
	put_str(o, "domain", r->d);
	put_str(o, "selector", r->s);
	put_str(o, "algorithm", r->a);
	put_str(o, "identity", r->i);
	put_str(o, "b", r->b);
	put_str(o, "canonicalization", r->c);
	json_object_set_new(o, "key_bits", json_integer(r->key_bits));
	put_str(o, "dnssec", dns_sec_name(r->key_sec));
	json_object_set_new(o, "testing", json_boolean(r->testing));
	json_object_set_new(o, "body_length_unsigned",
	    json_integer((json_int_t)r->body_unsigned));
	put_str(o, "reason", r->reason);
	return o;
}

static json_t *
policy_json(const dmarc_record *rec)
{
	json_t *o = json_object(), *rua = json_array();
	size_t i;

	if (o == NULL || rua == NULL) {
		json_decref(o);
		json_decref(rua);
		return NULL;
	}
	put_str(o, "p", dmarc_policy_name(rec->p));
	put_str(o, "sp", dmarc_policy_name(rec->sp));
	put_str(o, "np", dmarc_policy_name(rec->np));
	put_str(o, "adkim", rec->adkim == DMARC_ALIGN_STRICT ? "s" : "r");
	put_str(o, "aspf", rec->aspf == DMARC_ALIGN_STRICT ? "s" : "r");
	put_str(o, "psd", rec->psd == DMARC_PSD_Y ? "y" :
	    rec->psd == DMARC_PSD_N ? "n" : "u");
	json_object_set_new(o, "t", json_boolean(rec->t));
	json_object_set_new(o, "pct", json_integer(rec->pct));
	for (i = 0; i < rec->nrua; i++) {
		char buf[JSON_STR_MAX];

		json_array_append_new(rua, json_string(clean_copy(buf,
		    sizeof(buf), rec->rua[i].uri, CLEAN_PRINT)));
	}
	json_object_set_new(o, "rua", rua);
	return o;
}

/* Each alignment decision: identifier, mode, org domain compared. */
static json_t *
notes_json(const dmarc_result *d)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < d->nnotes; i++) {
		const dmarc_align_note *n = &d->notes[i];
		json_t *o = json_object();

		if (o == NULL)
			break;
		put_str(o, "identifier", n->spf ? "spf" : "dkim");
		put_str(o, "domain", n->id);
		put_str(o, "org_domain", n->id_org);
		put_str(o, "mode", n->mode == DMARC_ALIGN_STRICT ? "strict" :
		    "relaxed");
		json_object_set_new(o, "aligned", n->aligned < 0 ? json_null() :
		    json_boolean(n->aligned));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
json_dmarc(const dmarc_result *d)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	put_str(o, "result", dmarc_result_name(d->result));
	put_str(o, "from_domain", d->from_domain);
	put_str(o, "policy_domain", d->policy_domain);
	put_str(o, "org_domain", d->org_domain);
	put_str(o, "discovery", dmarc_discovery_name(d->discovery));
	if (d->have_record)
		json_object_set_new(o, "policy", policy_json(&d->record));
	else
		json_object_set_new(o, "policy", json_null());
	put_str(o, "policy_tag", d->policy_tag != NULL ? d->policy_tag : "");
	put_str(o, "disposition", dmarc_policy_name(d->disposition));
	json_object_set_new(o, "spf_aligned", json_boolean(d->spf_aligned));
	json_object_set_new(o, "dkim_aligned", json_boolean(d->dkim_aligned));
	put_str(o, "dkim_domain", d->dkim_domain);
	put_str(o, "override", dmarc_override_name(d->override));
	put_str(o, "dnssec", dns_sec_name(d->sec));
	put_str(o, "reason", d->reason);
	json_object_set_new(o, "alignment", notes_json(d));
	return o;
}

json_t *
json_arc(const arc_chain *c)
{
	json_t *o = json_object(), *s = json_array();
	unsigned k;

	if (o == NULL || s == NULL) {
		json_decref(o);
		json_decref(s);
		return NULL;
	}
	for (k = 0; k < c->nsets && k < ARC_MAX_SETS; k++) {
		char buf[JSON_STR_MAX];

		json_array_append_new(s, json_string(clean_copy(buf,
		    sizeof(buf), c->sealer[k], CLEAN_PRINT)));
	}
	put_str(o, "result", arc_result_name(c->result));
	json_object_set_new(o, "sets", json_integer(c->nsets));
	json_object_set_new(o, "oldest_pass", json_integer(c->oldest_pass));
	json_object_set_new(o, "sealers", s);
	put_str(o, "reason", c->reason);
	return o;
}
