/*
 * spf/eval.c - check_host() (RFC 7208 4-6): the record lookup and its
 * selection, the term loop with the 4.6.4 DNS-term count and the
 * include/redirect recursion (loops, nesting), target names with macros,
 * exp= (6.2), and the result. The mechanisms that query DNS, and the
 * lookup helpers, are in eval_dns.c.
 *
 * Contract (see eval_int.h): spf_eval_run() evaluates one <domain> for the
 * inputs in ev and fills out (code, mechanism, explanation, counts, dnssec,
 * reason). It never blocks past ev->deadline.
 */
#include "spf/eval_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf/macro_int.h"
#include "spf/record_int.h"
#include "util/clean.h"
#include "util/domain.h"
#include "util/strcopy.h"

void
spf_setr(spf_eval *ev, const char *fmt, ...)
{
	char tmp[SPF_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(ev->reason, tmp, sizeof(tmp));
}

int
spf_domain_valid(const char *d, char *why, size_t whylen)
{
	domain_err e;

	e = d[0] == '[' ? DOMAIN_ERR_EMPTY : domain_check(d, strlen(d),
	    DOMAIN_TRAILING_DOT | DOMAIN_PRINTABLE | DOMAIN_FQDN |
	    DOMAIN_ALPHA_TOP, NULL);
	switch (e) {
	case DOMAIN_OK:
		return 1;
	case DOMAIN_ERR_LONG:
		snprintf(why, whylen, "domain name longer than %d octets",
		    SPF_MAX_DOMAIN_LEN);
		break;
	case DOMAIN_ERR_EMPTY_LABEL:
	case DOMAIN_ERR_LONG_LABEL:
		snprintf(why, whylen, "'%s' has an empty label or one over %d "
		    "octets", d, DOMAIN_MAX_LABEL);
		break;
	case DOMAIN_ERR_ONE_LABEL:
	case DOMAIN_ERR_NUMERIC_TOP:
		snprintf(why, whylen, "'%s' is not a fully qualified domain "
		    "name", d);
		break;
	default:
		snprintf(why, whylen, "'%s' is not a domain name", d);
		break;
	}
	return 0;
}

/* ---- macros and target names ---- */

static void
macro_ctx(spf_eval *ev, const char *domain, spf_macro_ctx *mc)
{
	memset(mc, 0, sizeof(*mc));
	mc->sender = ev->sender;
	mc->local = ev->local;
	mc->sender_domain = ev->sender_domain;
	mc->domain = domain;
	mc->ip = &ev->ip;
	mc->helo = ev->helo ? ev->helo : "";
	mc->receiver = ev->receiver;
	mc->now = ev->now;
	mc->validated_name = spf_ev_validated_name;
	mc->arg = ev;
	ev->pdomain = domain;
}

/*
 * Expand a domain-spec (or take domain when spec is NULL) into a name to
 * query: trailing dot dropped, over-long names cut from the left (7.3).
 * Returns 0, 1 when the name cannot be queried (empty or long label), or
 * SPF_M_PERM.
 */
static int
target_name(spf_eval *ev, const char *domain, const char *spec, size_t n,
    char out[DNS_MAX_NAME_LEN + 1])
{
	spf_macro_ctx mc;
	strbuf sb;
	char err[160];
	const char *s;
	size_t len;
	int rc;

	if (spec == NULL) {
		strcopy(out, DNS_MAX_NAME_LEN + 1, domain);
		return 0;
	}
	macro_ctx(ev, domain, &mc);
	sb_init_max(&sb, SPF_MACRO_OUT_MAX);
	rc = spf_macro_expand(spec, n, 0, &mc, &sb, err, sizeof(err));
	if (rc != SPF_MACRO_OK) {
		spf_setr(ev, "macro expansion of '%.*s': %s", (int)(n > 80 ? 80 : n),
		    spec, rc == SPF_MACRO_NOMEM ? "too long" : err);
		sb_free(&sb);
		return SPF_M_PERM;
	}
	s = sb.s;
	len = sb.len;
	if (len > 0 && s[len - 1] == '.')
		len--;
	while (len > SPF_MAX_DOMAIN_LEN) {
		const char *dot = memchr(s, '.', len);

		if (dot == NULL)
			break;
		len -= (size_t)(dot + 1 - s);
		s = dot + 1;
	}
	rc = domain_valid(s, len, DOMAIN_OCTETS) ? 0 : 1;
	strcopy_n(out, DNS_MAX_NAME_LEN + 1, s, len);
	sb_free(&sb);
	return rc;
}

static spf_code check_host(spf_eval *ev, const char *domain, int want_exp);

/* RFC 7208 5.2 table: the include's outcome from the inner result. */
static int
mech_include(spf_eval *ev, const spf_term *t, const char *name)
{
	char inner[SPF_REASON_MAX];
	spf_code c = check_host(ev, name, 0);

	memcpy(inner, ev->reason, sizeof(inner));
	switch (c) {
	case SPF_PASS:
		spf_setr(ev, "%s", inner);
		return SPF_M_MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return SPF_M_NOMATCH;
	case SPF_TEMPERROR:
		spf_setr(ev, "%.*s: temperror (%s)", (int)t->textlen, t->text, inner);
		return SPF_M_TEMP;
	case SPF_NONE:
		spf_setr(ev, "%.*s: no SPF record at %s (permerror, RFC 7208 "
		    "5.2)", (int)t->textlen, t->text, name);
		return SPF_M_PERM;
	case SPF_PERMERROR:
		break;
	}
	spf_setr(ev, "%.*s: permerror (%s)", (int)t->textlen, t->text, inner);
	return SPF_M_PERM;
}

/* Is name one of the domains being evaluated above us (a loop)? */
static int
on_stack(spf_eval *ev, const char *name)
{
	int i;

	for (i = 0; i < ev->depth; i++)
		if (strcasecmp(ev->stack[i], name) == 0)
			return 1;
	return 0;
}

static int
eval_term(spf_eval *ev, const char *domain, const spf_term *t)
{
	char name[DNS_MAX_NAME_LEN + 1];
	dns_type at = ev->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	int rc;

	switch (t->kind) {
	case SPF_T_ALL:
		return SPF_M_MATCH;
	case SPF_T_IP4:
	case SPF_T_IP6:
		return ipaddr_match(&ev->ip, &t->net, t->kind == SPF_T_IP4 ?
		    t->cidr4 : t->cidr6);
	default:
		break;
	}
	if (++ev->lookups > SPF_MAX_DNS_TERMS) {
		spf_setr(ev, "too many DNS lookups (%u > %d, RFC 7208 4.6.4) at %.*s",
		    ev->lookups, SPF_MAX_DNS_TERMS, (int)t->textlen, t->text);
		return SPF_M_PERM;
	}
	if (spf_ev_deadline_passed(ev)) {
		spf_setr(ev, "%s before %.*s", ev->deadline_what,
		    (int)t->textlen, t->text);
		return SPF_M_TEMP;
	}
	rc = target_name(ev, domain, t->spec, t->speclen, name);
	if (rc == SPF_M_PERM)
		return rc;
	if (rc == 1) {
		/* A name that cannot exist: an include cannot find a record
		 * (5.2: none -> permerror); other terms simply do not match. */
		if (t->kind == SPF_T_INCLUDE) {
			spf_setr(ev, "%.*s: target '%s' is not a valid domain "
			    "name", (int)t->textlen, t->text, name);
			return SPF_M_PERM;
		}
		return SPF_M_NOMATCH;
	}
	switch (t->kind) {
	case SPF_T_A:
		return spf_mech_a(ev, t, name, at);
	case SPF_T_MX:
		return spf_mech_mx(ev, t, name, at);
	case SPF_T_PTR:
		return spf_mech_ptr(ev, name);
	case SPF_T_EXISTS:
		return spf_mech_exists(ev, name);
	case SPF_T_INCLUDE:
		if (on_stack(ev, name)) {
			spf_setr(ev, "%.*s: include loop", (int)t->textlen, t->text);
			return SPF_M_PERM;
		}
		return mech_include(ev, t, name);
	default:
		return SPF_M_NOMATCH;
	}
}

/* ---- exp= (6.2) ---- */

static void
explain(spf_eval *ev, const char *domain, const spf_term *exp)
{
	char name[DNS_MAX_NAME_LEN + 1], err[160];
	const char *txt = NULL;
	size_t len = 0;
	dns_query *q;
	const dns_answer *a;
	spf_macro_ctx mc;
	strbuf sb;
	char save[SPF_REASON_MAX];

	ev->explanation[0] = '\0';
	memcpy(save, ev->reason, sizeof(save));
	if (exp == NULL || target_name(ev, domain, exp->spec, exp->speclen,
	    name) != 0 || spf_ev_deadline_passed(ev)) {
		memcpy(ev->reason, save, sizeof(save));
		return;
	}
	a = spf_ev_lookup(ev, &q, name, DNS_T_TXT);
	if (a->status == DNS_RECORDS && a->count == 1 &&
	    a->records[0].type == DNS_T_TXT) {
		txt = a->records[0].u.txt.text;
		len = a->records[0].u.txt.len;
	}
	if (txt != NULL) {
		macro_ctx(ev, domain, &mc);
		sb_init_max(&sb, SPF_MACRO_OUT_MAX);
		if (spf_macro_expand(txt, len, 1, &mc, &sb, err, sizeof(err)) ==
		    SPF_MACRO_OK) {
			/* 6.2: the result is 7-bit ASCII text for humans */
			if (clean_span(sb.s, CLEAN_PRINT) == sb.len)
				strcopy_n(ev->explanation,
				    sizeof(ev->explanation), sb.s, sb.len);
		}
		sb_free(&sb);
	}
	dns_query_free(q);
	memcpy(ev->reason, save, sizeof(save));
}

/* ---- check_host ---- */

static spf_code
qualifier_code(char q)
{
	switch (q) {
	case '-': return SPF_FAIL;
	case '~': return SPF_SOFTFAIL;
	case '?': return SPF_NEUTRAL;
	default: return SPF_PASS;
	}
}

static spf_code
check_record(spf_eval *ev, const char *domain, const spf_record *rec,
    int want_exp)
{
	char name[DNS_MAX_NAME_LEN + 1];
	size_t i;
	int rc;
	spf_code c;

	for (i = 0; i < rec->nterms; i++) {
		const spf_term *t = &rec->terms[i];

		if (t->kind >= SPF_T_REDIRECT)
			continue;
		rc = eval_term(ev, domain, t);
		if (rc == SPF_M_TEMP)
			return SPF_TEMPERROR;
		if (rc == SPF_M_PERM)
			return SPF_PERMERROR;
		if (rc == SPF_M_NOMATCH)
			continue;
		c = qualifier_code(t->qualifier);
		/* outer frames overwrite: the top-level term is reported */
		strcopy_n(ev->mechanism, sizeof(ev->mechanism), t->text,
		    t->textlen);
		if (t->kind == SPF_T_INCLUDE)
			spf_setr(ev, "matched %.*s (%s)", (int)t->textlen,
			    t->text, ev->reason);
		else
			spf_setr(ev, "matched %.*s", (int)t->textlen, t->text);
		if (c == SPF_FAIL && want_exp)
			explain(ev, domain, rec->exp);
		return c;
	}
	/* 6.1: redirect only when no mechanism matched and there is no all */
	if (rec->redirect != NULL && !rec->has_all) {
		const spf_term *t = rec->redirect;

		if (++ev->lookups > SPF_MAX_DNS_TERMS) {
			spf_setr(ev, "too many DNS lookups (%u > %d, RFC 7208 4.6.4) "
			    "at %.*s", ev->lookups, SPF_MAX_DNS_TERMS,
			    (int)t->textlen, t->text);
			return SPF_PERMERROR;
		}
		rc = target_name(ev, domain, t->spec, t->speclen, name);
		if (rc == SPF_M_PERM)
			return SPF_PERMERROR;
		if (rc == 1) {
			spf_setr(ev, "%.*s: target '%s' is not a valid domain "
			    "name", (int)t->textlen, t->text, name);
			return SPF_PERMERROR;
		}
		if (on_stack(ev, name)) {
			spf_setr(ev, "%.*s: redirect loop", (int)t->textlen, t->text);
			return SPF_PERMERROR;
		}
		c = check_host(ev, name, want_exp);
		if (c == SPF_NONE) {
			spf_setr(ev, "%.*s: no SPF record at %s (permerror, RFC 7208 "
			    "6.1)", (int)t->textlen, t->text, name);
			return SPF_PERMERROR;
		}
		{
			char inner[SPF_REASON_MAX];

			memcpy(inner, ev->reason, sizeof(inner));
			spf_setr(ev, "%.*s: %s", (int)t->textlen, t->text,
			    inner);
		}
		return c;
	}
	strcopy_n(ev->mechanism, sizeof(ev->mechanism), "default", 7);
	spf_setr(ev, "no mechanism matched (default neutral)");
	return SPF_NEUTRAL;
}

/* The term limits (eval_int.h, record_int.h), checked before the record is
 * parsed; 1 with the reason set when over one. */
static int
too_many_terms(spf_eval *ev, const char *domain, const char *txt, size_t len)
{
	size_t n = spf_record_count_terms(txt, len);

	if (n > SPF_MAX_RECORD_TERMS) {
		spf_setr(ev, "the SPF record of %s has more than %d terms (%zu; "
		    "local limit)", domain, SPF_MAX_RECORD_TERMS, n);
		return 1;
	}
	if (n > SPF_MAX_EVAL_TERMS - ev->terms) {
		spf_setr(ev, "more than %d terms in the SPF records of this "
		    "evaluation (local limit), at %s", SPF_MAX_EVAL_TERMS,
		    domain);
		return 1;
	}
	ev->terms += n;
	return 0;
}

/*
 * Start the lookups of rec's DNS terms ahead, in the order they would be
 * evaluated: include (TXT), a (A/AAAA), mx (MX), then redirect (TXT) when
 * it can apply. Only targets without macros (whose name is known now) and
 * not a loop; spf_ev_prefetch() bounds them by what 4.6.4 still allows.
 * Nothing is counted here (contract in eval_int.h).
 */
static void
prefetch_record(spf_eval *ev, const char *domain, const spf_record *rec)
{
	char name[DNS_MAX_NAME_LEN + 1], save[SPF_REASON_MAX];
	int at = ev->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA, t;
	const spf_term *term;
	size_t i;

	memcpy(save, ev->reason, sizeof(save));
	for (i = 0; i <= rec->nterms; i++) {
		if (i < rec->nterms) {
			term = &rec->terms[i];
			t = term->kind == SPF_T_INCLUDE ? DNS_T_TXT :
			    term->kind == SPF_T_A ? at :
			    term->kind == SPF_T_MX ? DNS_T_MX : 0;
		} else {
			term = rec->redirect;
			t = DNS_T_TXT;
			if (term == NULL || rec->has_all)
				break;
		}
		if (t == 0 || (term->spec != NULL &&
		    memchr(term->spec, '%', term->speclen) != NULL))
			continue;
		if (target_name(ev, domain, term->spec, term->speclen,
		    name) != 0)
			continue;
		if (t == DNS_T_TXT && on_stack(ev, name))
			continue;
		if (!spf_ev_prefetch(ev, name, (dns_type)t))
			break;
	}
	memcpy(ev->reason, save, sizeof(save));
}

/*
 * The prefetched TXT answers in (peeked, not consumed): each one valid SPF
 * record among them has its targets prefetched now, as prefetch_record()
 * does when the evaluation parses it; nothing counted (eval_int.h). A
 * record check_host() would refuse (several SPF records, too many terms,
 * a syntax error) starts nothing.
 */
void
spf_ev_expand(spf_eval *ev)
{
	const dns_answer *a;
	const char *txt;
	char err[160];
	spf_record rec;
	size_t len;
	unsigned i;

	for (i = 0; i < ev->npf; i++) {
		struct spf_prefetch *pf = &ev->pf[i];

		if (pf->q == NULL || pf->type != DNS_T_TXT || pf->expanded ||
		    (a = dns_query_peek(pf->q)) == NULL)
			continue;
		pf->expanded = 1;
		if (spf_record_select(a, &txt, &len) != 1 ||
		    spf_record_count_terms(txt, len) > SPF_MAX_RECORD_TERMS ||
		    spf_record_parse(txt, len, &rec, err, sizeof(err)) != 0)
			continue;
		prefetch_record(ev, pf->name, &rec);
		spf_record_free(&rec);
	}
}

static spf_code
check_host(spf_eval *ev, const char *domain, int want_exp)
{
	char whybuf[200], err[200], *text;
	const char *txt = NULL;
	size_t len = 0;
	dns_query *q;
	const dns_answer *a;
	spf_record rec;
	spf_code c;
	int n;

	if (!spf_domain_valid(domain, whybuf, sizeof(whybuf))) {
		spf_setr(ev, "%s (RFC 7208 4.3)", whybuf);
		return SPF_NONE;
	}
	if (ev->depth > SPF_MAX_DEPTH) {
		spf_setr(ev, "include/redirect nesting deeper than %d", SPF_MAX_DEPTH);
		return SPF_PERMERROR;
	}
	if (spf_ev_deadline_passed(ev)) {
		spf_setr(ev, "%s before the SPF record of %s",
		    ev->deadline_what, domain);
		return SPF_TEMPERROR;
	}
	a = spf_ev_lookup(ev, &q, domain, DNS_T_TXT);
	if (a->status == DNS_TEMPFAIL) {
		spf_ev_temp(ev, "TXT", domain, a);
		dns_query_free(q);
		return SPF_TEMPERROR;
	}
	n = spf_record_select(a, &txt, &len);
	if (n == 0) {
		if (ev->depth > 0 && (a->status == DNS_NXDOMAIN ||
		    a->status == DNS_NODATA) &&
		    spf_ev_void(ev, "TXT", domain)) {
			dns_query_free(q);
			return SPF_PERMERROR;
		}
		spf_setr(ev, "no SPF record at %s", domain);
		dns_query_free(q);
		return SPF_NONE;
	}
	if (n > 1) {
		spf_setr(ev, "%s has %d SPF records (RFC 7208 4.5)", domain, n);
		dns_query_free(q);
		return SPF_PERMERROR;
	}
	if (too_many_terms(ev, domain, txt, len)) {
		dns_query_free(q);
		return SPF_PERMERROR;
	}
	/* Only the record is kept while its terms (and the includes below
	 * it) are evaluated: the rest of the answer, which may hold any
	 * number of other TXT records, goes now. */
	text = malloc(len);
	if (text != NULL)
		memcpy(text, txt, len);
	dns_query_free(q);
	if (text == NULL) {
		spf_setr(ev, "out of memory parsing the record of %s", domain);
		return SPF_TEMPERROR;
	}
	switch (spf_record_parse(text, len, &rec, err, sizeof(err))) {
	case 0:
		break;
	case -2:
		spf_setr(ev, "out of memory parsing the record of %s", domain);
		free(text);
		return SPF_TEMPERROR;
	default:
		spf_setr(ev, "syntax error in the SPF record of %s: %s", domain, err);
		free(text);
		return SPF_PERMERROR;
	}
	strcopy(ev->stack[ev->depth], sizeof(ev->stack[0]), domain);
	ev->depth++;
	prefetch_record(ev, domain, &rec);
	c = check_record(ev, domain, &rec, want_exp);
	ev->depth--;
	spf_record_free(&rec);
	free(text);
	return c;
}

spf_code
spf_eval_run(spf_eval *ev, const char *domain, spf_result *out)
{
	spf_code c;

	ev->mechanism[0] = ev->reason[0] = ev->explanation[0] = '\0';
	c = check_host(ev, domain, 1);
	spf_ev_prefetch_drop(ev);
	out->code = c;
	strcopy(out->domain, sizeof(out->domain), domain);
	strcopy(out->sender, sizeof(out->sender), ev->sender);
	strcopy(out->mechanism, sizeof(out->mechanism), ev->mechanism);
	if (c == SPF_FAIL)
		strcopy(out->explanation, sizeof(out->explanation),
		    ev->explanation);
	else
		out->explanation[0] = '\0';
	strcopy(out->reason, sizeof(out->reason), ev->reason);
	out->lookups = ev->lookups;
	out->void_lookups = ev->voids;
	out->dnssec = ev->bogus ? DNS_SEC_BOGUS :
	    (ev->nanswers > 0 && ev->nsecure == ev->nanswers) ?
	    DNS_SEC_SECURE : DNS_SEC_INSECURE;
	return c;
}

