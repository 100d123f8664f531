/*
 * dmarc/policy.c - the pure decisions of DMARC evaluation: digesting a
 * _dmarc TXT answer, choosing p/sp/np, the disposition (t=y, RFC 7489
 * pct), local overrides, and the strictest of several author domains.
 *
 * Contract: no I/O. dmarc_fetch_from_answer() is public (dmarc.h); the
 * rest is shared with evaluate.c through dmarc/policy_int.h.
 */
#include "dmarc/policy_int.h"

#include <stdio.h>
#include <string.h>

#include "util/domain.h"

void
dmarc_fetch_from_answer(const dns_answer *a, dmarc_mode mode, dmarc_fetch *f)
{
	size_t i, found = 0;
	dmarc_record rec;
	dmarc_record_status rs;
	char why[sizeof(f->why)];

	memset(f, 0, sizeof(*f));
	f->status = DMARC_FETCH_NONE;
	f->sec = a != NULL ? a->sec : DNS_SEC_INSECURE;
	if (a == NULL) {
		f->status = DMARC_FETCH_TEMPFAIL;
		snprintf(f->why, sizeof(f->why), "no answer");
		return;
	}
	switch (a->status) {
	case DNS_NXDOMAIN:
	case DNS_NODATA:
	case DNS_BADNAME: /* a name that cannot exist holds no record */
		return;
	case DNS_TEMPFAIL:
		f->status = DMARC_FETCH_TEMPFAIL;
		snprintf(f->why, sizeof(f->why), "%s",
		    a->why[0] ? a->why : "DNS temporary failure");
		return;
	case DNS_RECORDS:
		break;
	}
	for (i = 0; i < a->count; i++) {
		if (a->records[i].type != DNS_T_TXT)
			continue;
		rs = dmarc_record_parse(a->records[i].u.txt.text,
		    a->records[i].u.txt.len, mode, &rec, why, sizeof(why));
		if (rs == DMARC_RECORD_NOT_DMARC)
			continue; /* RFC 9989 4.10 step 2: discarded */
		if (++found == 1) {
			f->rec = rec;
			f->rstatus = rs;
			memcpy(f->why, why, sizeof(why));
		}
	}
	if (found == 1) {
		f->status = DMARC_FETCH_ONE;
	} else if (found > 1) {
		f->status = DMARC_FETCH_MANY;
		memset(&f->rec, 0, sizeof(f->rec));
		snprintf(f->why, sizeof(f->why),
		    "%zu DMARC records at one name: all discarded", found);
	}
}

/* RFC 9989 4.10.1: p for the author domain's own record; for a record
 * found above it, np when the author domain does not exist (and np is
 * published), else sp, else p. */
dmarc_policy
dmarc_select_policy(const dmarc_record *rec, int at_author, int exists,
    const char **tag)
{
	if (at_author) {
		*tag = "p";
		return rec->p;
	}
	if (exists == 0 && rec->np != DMARC_P_UNSET) {
		*tag = "np";
		return rec->np;
	}
	if (rec->sp != DMARC_P_UNSET) {
		*tag = "sp";
		return rec->sp;
	}
	*tag = "p";
	return rec->p;
}

static dmarc_policy
one_step_down(dmarc_policy p)
{
	return p == DMARC_P_REJECT ? DMARC_P_QUARANTINE : DMARC_P_NONE;
}

/* The disposition of a failing message: RFC 9989 t=y applies one level
 * below; RFC 7489 6.6.4 pct: a message outside the sample does too. */
dmarc_policy
dmarc_disposition(const dmarc_record *rec, dmarc_policy policy,
    dmarc_mode mode, unsigned sample, dmarc_override *ov)
{
	if (policy == DMARC_P_UNSET || policy == DMARC_P_NONE)
		return DMARC_P_NONE;
	if (mode == DMARC_MODE_RFC9989 && rec->t) {
		*ov = DMARC_OVERRIDE_POLICY_TEST_MODE;
		return one_step_down(policy);
	}
	if (mode == DMARC_MODE_RFC7489 && sample >= rec->pct) {
		*ov = DMARC_OVERRIDE_SAMPLED_OUT;
		return one_step_down(policy);
	}
	return policy;
}

static int
in_list(const char *d, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; d != NULL && d[0] != '\0' && i < n; i++)
		if (list[i] != NULL && domain_within(d, list[i], 0))
			return 1;
	return 0;
}

/* Local policy for a failing message with a disposition other than none:
 * exempt author domains, trusted forwarders (authenticated domains),
 * mailing lists. Sets res->override and lifts the disposition. */
void
dmarc_apply_overrides(const dmarc_input *in, const dmarc_options *opt,
    dmarc_result *res)
{
	dmarc_override ov = DMARC_OVERRIDE_NONE;
	const char *who = "";
	size_t i;

	if (res->result != DMARC_RESULT_FAIL)
		return;
	if (in_list(res->from_domain, opt->exempt, opt->nexempt)) {
		ov = DMARC_OVERRIDE_LOCAL_POLICY;
		who = res->from_domain;
	}
	if (ov == DMARC_OVERRIDE_NONE && opt->exempt_source) {
		ov = DMARC_OVERRIDE_LOCAL_POLICY;
		who = "exempt source network";
	}
	if (ov == DMARC_OVERRIDE_NONE && in->spf_pass &&
	    in->spf_scope == DMARC_SPF_MFROM &&
	    in_list(in->spf_domain, opt->trusted_forwarders, opt->ntrusted)) {
		ov = DMARC_OVERRIDE_TRUSTED_FORWARDER;
		who = in->spf_domain;
	}
	for (i = 0; ov == DMARC_OVERRIDE_NONE && i < in->ndkim; i++) {
		if (in->dkim[i].pass && in_list(in->dkim[i].domain,
		    opt->trusted_forwarders, opt->ntrusted)) {
			ov = DMARC_OVERRIDE_TRUSTED_FORWARDER;
			who = in->dkim[i].domain;
		}
	}
	if (ov == DMARC_OVERRIDE_NONE && in->mailing_list &&
	    opt->honor_mailing_list) {
		ov = DMARC_OVERRIDE_MAILING_LIST;
		who = "mailing list";
	}
	if (ov == DMARC_OVERRIDE_NONE)
		return;
	if (res->disposition != DMARC_P_NONE) {
		size_t n = strlen(res->reason);
		snprintf(res->reason + n, sizeof(res->reason) - n,
		    "; %s not applied: %s (%s)",
		    dmarc_policy_name(res->disposition), dmarc_override_name(ov),
		    who);
	}
	res->override = ov;
	res->disposition = DMARC_P_NONE;
}

/* With the same disposition a temperror outranks a fail: its policy is
 * unknown (it may be p=reject) and on_dns_temperror must decide it, where
 * a fail with no disposition would be accepted as p=none. */
static int
result_rank(dmarc_result_code r)
{
	switch (r) {
	case DMARC_RESULT_TEMPERROR: return 5;
	case DMARC_RESULT_FAIL: return 4;
	case DMARC_RESULT_PERMERROR: return 3;
	case DMARC_RESULT_NONE: return 2;
	default: return 1;
	}
}

/* Is a stricter than b? The disposition first, then the result. */
int
dmarc_stricter(const dmarc_result *a, const dmarc_result *b)
{
	/* unset (no policy known, or none applied) and p=none enforce the
	 * same: the result decides between them */
	int da = a->disposition == DMARC_P_UNSET ? DMARC_P_NONE : a->disposition;
	int db = b->disposition == DMARC_P_UNSET ? DMARC_P_NONE : b->disposition;

	if (da != db)
		return da > db;
	return result_rank(a->result) > result_rank(b->result);
}

const char *
dmarc_result_name(dmarc_result_code r)
{
	static const char *names[] = { "none", "pass", "fail", "temperror",
	    "permerror" };

	return (size_t)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *
dmarc_override_name(dmarc_override o)
{
	static const char *names[] = { "none", "local_policy",
	    "trusted_forwarder", "mailing_list", "policy_test_mode",
	    "sampled_out", "other" };

	return (size_t)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

const char *
dmarc_discovery_name(dmarc_discovery d)
{
	static const char *names[] = { "none", "author", "treewalk", "psd",
	    "psl" };

	return (size_t)d < sizeof(names) / sizeof(names[0]) ? names[d] : "?";
}
