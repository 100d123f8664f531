/*
 * spf/eval.c - check_host() (RFC 7208 4-6): record lookup, the mechanisms,
 * redirect= and exp=, under the 4.6.4 limits and a deadline.
 *
 * Contract (see eval.h): spf_eval_run() evaluates one <domain> for the
 * inputs in ev and fills out (code, mechanism, explanation, counts, dnssec,
 * reason). It never blocks past ev->deadline. Independent address lookups
 * of one term (the hosts of an MX set, the names of a PTR set) are started
 * together so their round trips overlap; the 4.6.4 counts are per term, so
 * that changes nothing about the limits.
 */
#include "spf/eval.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "spf/macro.h"
#include "spf/record.h"

/* Outcome of one mechanism. */
enum { NOMATCH = 0, MATCH = 1, ERR_TEMP = -1, ERR_PERM = -2 };

static void
setr(spf_eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
setr(spf_eval *ev, const char *fmt, ...)
{
	char tmp[SPF_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(ev->reason, tmp, sizeof(tmp));
}

static void
copy_text(char *dst, size_t dstlen, const char *s, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int
spf_domain_valid(const char *d, char *why, size_t whylen)
{
	size_t n = strlen(d), i, lab = 0, labels = 0, last = 0;
	int alpha = 0;

	if (n > 0 && d[n - 1] == '.')
		n--;
	if (n == 0 || d[0] == '[') {
		snprintf(why, whylen, "'%s' is not a domain name", d);
		return 0;
	}
	if (n > SPF_MAX_DOMAIN_LEN) {
		snprintf(why, whylen, "domain name longer than %d octets",
		    SPF_MAX_DOMAIN_LEN);
		return 0;
	}
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)d[i] : '.';

		if (c == '.') {
			if (lab == 0 || lab > DNS_MAX_LABEL_LEN) {
				snprintf(why, whylen, "'%s' has an empty label "
				    "or one over %d octets", d,
				    DNS_MAX_LABEL_LEN);
				return 0;
			}
			labels++;
			last = i - lab;
			lab = 0;
			continue;
		}
		if (c < 0x21 || c > 0x7e) {
			snprintf(why, whylen, "'%s' is not a domain name", d);
			return 0;
		}
		lab++;
	}
	for (i = last; i < n; i++)
		if (!isdigit((unsigned char)d[i]))
			alpha = 1;
	if (labels < 2 || !alpha) {
		snprintf(why, whylen, "'%s' is not a fully qualified domain "
		    "name", d);
		return 0;
	}
	return 1;
}

/* ---- DNS helpers ---- */

static int64_t
wait_deadline(spf_eval *ev)
{
	int64_t d = dns_now_ms() + dns_resolver_timeout_ms(ev->r);

	return d < ev->deadline ? d : ev->deadline;
}

static void
note(spf_eval *ev, const dns_answer *a)
{
	ev->nanswers++;
	if (a->sec == DNS_SEC_SECURE)
		ev->nsecure++;
	else if (a->sec == DNS_SEC_BOGUS)
		ev->bogus = 1;
}

static const char *
why(const dns_answer *a)
{
	if (a->sec == DNS_SEC_BOGUS)
		return a->why[0] ? a->why : "DNSSEC bogus";
	if (a->rcode == 2)
		return "SERVFAIL";
	if (a->why[0])
		return a->why;
	return dns_status_name(a->status);
}

static const dns_answer *
lookup(spf_eval *ev, dns_query **qp, const char *name, dns_type t)
{
	const dns_answer *a;

	*qp = dns_query_start(ev->r, name, t);
	a = dns_query_wait(*qp, wait_deadline(ev));
	note(ev, a);
	return a;
}

static int
deadline_passed(spf_eval *ev)
{
	return dns_now_ms() >= ev->deadline;
}

/* A void lookup (4.6.4): returns ERR_PERM when over the limit. */
static int
count_void(spf_eval *ev, const char *what, const char *name)
{
	if (++ev->voids > SPF_MAX_VOID_LOOKUPS) {
		setr(ev, "too many void DNS lookups (%u > %d, RFC 7208 4.6.4), "
		    "last %s %s", ev->voids, SPF_MAX_VOID_LOOKUPS, what, name);
		return ERR_PERM;
	}
	return NOMATCH;
}

static int
temp(spf_eval *ev, const char *what, const char *name, const dns_answer *a)
{
	if (deadline_passed(ev))
		setr(ev, "deadline passed during %s lookup for %s", what, name);
	else
		setr(ev, "%s lookup for %s: %s", what, name, why(a));
	return ERR_TEMP;
}

/* ---- macros and target names ---- */

static const char *validated_name(void *arg);

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
	mc->validated_name = validated_name;
	mc->arg = ev;
	ev->pdomain = domain;
}

/*
 * Expand a domain-spec (or take domain when spec is NULL) into a name to
 * query: trailing dot dropped, over-long names cut from the left (7.3).
 * Returns 0, 1 when the name cannot be queried (empty or long label), or
 * ERR_PERM.
 */
static int
target_name(spf_eval *ev, const char *domain, const char *spec, size_t n,
    char out[DNS_MAX_NAME_LEN + 1])
{
	spf_macro_ctx mc;
	strbuf sb;
	char err[160];
	const char *s;
	size_t len, i, lab;
	int rc;

	if (spec == NULL) {
		copy_text(out, DNS_MAX_NAME_LEN + 1, domain, strlen(domain));
		return 0;
	}
	macro_ctx(ev, domain, &mc);
	sb_init_max(&sb, SPF_MACRO_OUT_MAX);
	rc = spf_macro_expand(spec, n, 0, &mc, &sb, err, sizeof(err));
	if (rc != SPF_MACRO_OK) {
		setr(ev, "macro expansion of '%.*s': %s", (int)(n > 80 ? 80 : n),
		    spec, rc == SPF_MACRO_NOMEM ? "too long" : err);
		sb_free(&sb);
		return ERR_PERM;
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
	rc = 0;
	if (len == 0 || len > SPF_MAX_DOMAIN_LEN)
		rc = 1;
	for (i = 0, lab = 0; rc == 0 && i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (lab == 0 || lab > DNS_MAX_LABEL_LEN)
				rc = 1;
			lab = 0;
		} else if (s[i] == '\0') {
			rc = 1;
		} else {
			lab++;
		}
	}
	copy_text(out, DNS_MAX_NAME_LEN + 1, s, len);
	sb_free(&sb);
	return rc;
}

/* Does name equal domain or end in "." domain (case-insensitive)? */
static int
in_domain(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n < d || strncasecmp(name + n - d, domain, d) != 0)
		return 0;
	return n == d || name[n - d - 1] == '.';
}

/*
 * RFC 7208 5.5: the PTR names of ev->ip (first SPF_MAX_PTR_NAMES) whose
 * A/AAAA lookup gives back ev->ip. Only names accepted by filter (NULL: all)
 * are validated. Writes up to max names into out; returns how many, or
 * -1 when the PTR lookup itself was void (for the void count).
 */
static int
validate_ptr(spf_eval *ev, const char *filter, char (*out)[DNS_MAX_NAME_LEN + 1],
    unsigned max)
{
	char rev[IPADDR_REVERSE_MAX];
	dns_query *q, *qs[SPF_MAX_PTR_NAMES];
	const char *names[SPF_MAX_PTR_NAMES];
	const dns_answer *a;
	dns_type t = ev->ip.family == AF_INET ? DNS_T_A : DNS_T_AAAA;
	unsigned n = 0, found = 0, i;
	size_t j;
	int rc = 0;

	if (ipaddr_reverse_name(&ev->ip, rev, sizeof(rev)) < 0)
		return 0;
	a = lookup(ev, &q, rev, DNS_T_PTR);
	if (a->status == DNS_NXDOMAIN || a->status == DNS_NODATA)
		rc = -1;
	for (j = 0; a->status == DNS_RECORDS && j < a->count &&
	    n < SPF_MAX_PTR_NAMES; j++) {
		if (a->records[j].type != DNS_T_PTR)
			continue;
		if (filter == NULL || in_domain(a->records[j].u.ptr, filter)) {
			names[n] = a->records[j].u.ptr;
			qs[n] = dns_query_start(ev->r, names[n], t);
			n++;
		} else {
			n++;  /* counts toward the first 10, needs no lookup */
			names[n - 1] = NULL;
			qs[n - 1] = NULL;
		}
	}
	for (i = 0; i < n; i++) {
		const dns_answer *aa;

		if (qs[i] == NULL)
			continue;
		aa = dns_query_wait(qs[i], wait_deadline(ev));
		note(ev, aa);
		for (j = 0; aa->status == DNS_RECORDS && j < aa->count &&
		    found < max; j++) {
			ipaddr x;

			if (aa->records[j].type == DNS_T_A)
				ipaddr_from_in(&x, &aa->records[j].u.a);
			else if (aa->records[j].type == DNS_T_AAAA)
				ipaddr_from_in6(&x, &aa->records[j].u.aaaa);
			else
				continue;
			if (ipaddr_equal(&x, &ev->ip)) {
				copy_text(out[found], DNS_MAX_NAME_LEN + 1,
				    names[i], strlen(names[i]));
				found++;
				break;
			}
		}
		dns_query_free(qs[i]);
	}
	dns_query_free(q);
	return rc < 0 && found == 0 ? -1 : (int)found;
}

/* %{p} (7.3): a validated name in <domain> if any, else any, else unknown. */
static const char *
validated_name(void *arg)
{
	spf_eval *ev = arg;
	unsigned i;

	if (!ev->pnames_done) {
		int n = validate_ptr(ev, NULL, ev->pnames, SPF_MAX_PTR_NAMES);

		ev->npnames = n > 0 ? (unsigned)n : 0;
		ev->pnames_done = 1;
	}
	for (i = 0; i < ev->npnames; i++)
		if (ev->pdomain && in_domain(ev->pnames[i], ev->pdomain))
			return ev->pnames[i];
	return ev->npnames ? ev->pnames[0] : "unknown";
}

/* ---- mechanisms ---- */

static int
addr_match(spf_eval *ev, const dns_record *r, const spf_term *t)
{
	ipaddr x;

	if (r->type == DNS_T_A)
		ipaddr_from_in(&x, &r->u.a);
	else if (r->type == DNS_T_AAAA)
		ipaddr_from_in6(&x, &r->u.aaaa);
	else
		return 0;
	return ipaddr_match(&ev->ip, &x, x.family == AF_INET ? t->cidr4 :
	    t->cidr6);
}

static int
mech_a(spf_eval *ev, const spf_term *t, const char *name, dns_type at)
{
	dns_query *q;
	const dns_answer *a = lookup(ev, &q, name, at);
	int rc = NOMATCH;
	size_t i;

	if (a->status == DNS_TEMPFAIL)
		rc = temp(ev, dns_type_name(at), name, a);
	else if (a->status == DNS_RECORDS) {
		for (i = 0; i < a->count && rc == NOMATCH; i++)
			if (addr_match(ev, &a->records[i], t))
				rc = MATCH;
	} else if (a->status != DNS_BADNAME)
		rc = count_void(ev, dns_type_name(at), name);
	dns_query_free(q);
	return rc;
}

static int
mech_mx(spf_eval *ev, const spf_term *t, const char *name, dns_type at)
{
	dns_query *q, *qs[SPF_MAX_MX_ADDRESS_LOOKUPS];
	const dns_answer *a = lookup(ev, &q, name, DNS_T_MX);
	size_t i, j, n = 0;
	int rc = NOMATCH, tempfail = 0;

	if (a->status == DNS_TEMPFAIL) {
		rc = temp(ev, "MX", name, a);
		goto out;
	}
	if (a->status != DNS_RECORDS) {
		if (a->status != DNS_BADNAME)
			rc = count_void(ev, "MX", name);
		goto out;
	}
	if (a->count > SPF_MAX_MX_ADDRESS_LOOKUPS) {
		setr(ev, "%s has %zu MX records, more than %d (RFC 7208 4.6.4)",
		    name, a->count, SPF_MAX_MX_ADDRESS_LOOKUPS);
		rc = ERR_PERM;
		goto out;
	}
	for (i = 0; i < a->count; i++) {
		/* RFC 7505 null MX ("."): no host to look up */
		if (a->records[i].type != DNS_T_MX ||
		    a->records[i].u.mx.host[0] == '\0')
			continue;
		qs[n++] = dns_query_start(ev->r, a->records[i].u.mx.host, at);
	}
	for (i = 0; i < n; i++) {
		const dns_answer *aa = dns_query_wait(qs[i], wait_deadline(ev));

		note(ev, aa);
		if (aa->status == DNS_TEMPFAIL && !tempfail) {
			tempfail = 1;
			temp(ev, dns_type_name(at), "an MX host", aa);
		}
		for (j = 0; rc == NOMATCH && aa->status == DNS_RECORDS &&
		    j < aa->count; j++)
			if (addr_match(ev, &aa->records[j], t))
				rc = MATCH;
	}
	for (i = 0; i < n; i++)
		dns_query_free(qs[i]);
	if (rc == NOMATCH && tempfail)
		rc = ERR_TEMP;
out:
	dns_query_free(q);
	return rc;
}

static int
mech_ptr(spf_eval *ev, const char *name)
{
	char one[1][DNS_MAX_NAME_LEN + 1];
	int n = validate_ptr(ev, name, one, 1);

	if (n < 0) {
		char rev[IPADDR_REVERSE_MAX];

		if (ipaddr_reverse_name(&ev->ip, rev, sizeof(rev)) < 0)
			rev[0] = '\0';
		return count_void(ev, "PTR", rev);
	}
	return n > 0 ? MATCH : NOMATCH;
}

static int
mech_exists(spf_eval *ev, const char *name)
{
	dns_query *q;
	const dns_answer *a = lookup(ev, &q, name, DNS_T_A);
	int rc = NOMATCH;

	if (a->status == DNS_TEMPFAIL)
		rc = temp(ev, "A", name, a);
	else if (a->status == DNS_RECORDS)
		rc = MATCH;
	else if (a->status != DNS_BADNAME)
		rc = count_void(ev, "A", name);
	dns_query_free(q);
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
		setr(ev, "%s", inner);
		return MATCH;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_NEUTRAL:
		return NOMATCH;
	case SPF_TEMPERROR:
		setr(ev, "%.*s: temperror (%s)", (int)t->textlen, t->text, inner);
		return ERR_TEMP;
	case SPF_NONE:
		setr(ev, "%.*s: no SPF record at %s (permerror, RFC 7208 5.2)",
		    (int)t->textlen, t->text, name);
		return ERR_PERM;
	case SPF_PERMERROR:
		break;
	}
	setr(ev, "%.*s: permerror (%s)", (int)t->textlen, t->text, inner);
	return ERR_PERM;
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
		return MATCH;
	case SPF_T_IP4:
	case SPF_T_IP6:
		return ipaddr_match(&ev->ip, &t->net, t->kind == SPF_T_IP4 ?
		    t->cidr4 : t->cidr6);
	default:
		break;
	}
	if (++ev->lookups > SPF_MAX_DNS_TERMS) {
		setr(ev, "too many DNS lookups (%u > %d, RFC 7208 4.6.4) at %.*s",
		    ev->lookups, SPF_MAX_DNS_TERMS, (int)t->textlen, t->text);
		return ERR_PERM;
	}
	if (deadline_passed(ev)) {
		setr(ev, "deadline passed before %.*s", (int)t->textlen, t->text);
		return ERR_TEMP;
	}
	rc = target_name(ev, domain, t->spec, t->speclen, name);
	if (rc == ERR_PERM)
		return rc;
	if (rc == 1) {
		/* A name that cannot exist: an include cannot find a record
		 * (5.2: none -> permerror); other terms simply do not match. */
		if (t->kind == SPF_T_INCLUDE) {
			setr(ev, "%.*s: target '%s' is not a valid domain name",
			    (int)t->textlen, t->text, name);
			return ERR_PERM;
		}
		return NOMATCH;
	}
	switch (t->kind) {
	case SPF_T_A:
		return mech_a(ev, t, name, at);
	case SPF_T_MX:
		return mech_mx(ev, t, name, at);
	case SPF_T_PTR:
		return mech_ptr(ev, name);
	case SPF_T_EXISTS:
		return mech_exists(ev, name);
	case SPF_T_INCLUDE:
		if (on_stack(ev, name)) {
			setr(ev, "%.*s: include loop", (int)t->textlen, t->text);
			return ERR_PERM;
		}
		return mech_include(ev, t, name);
	default:
		return NOMATCH;
	}
}

/* ---- exp= (6.2) ---- */

static void
explain(spf_eval *ev, const char *domain, const spf_term *exp)
{
	char name[DNS_MAX_NAME_LEN + 1], err[160];
	const char *txt = NULL;
	size_t len = 0, i;
	dns_query *q;
	const dns_answer *a;
	spf_macro_ctx mc;
	strbuf sb;
	char save[SPF_REASON_MAX];

	ev->explanation[0] = '\0';
	memcpy(save, ev->reason, sizeof(save));
	if (exp == NULL || target_name(ev, domain, exp->spec, exp->speclen,
	    name) != 0 || deadline_passed(ev)) {
		memcpy(ev->reason, save, sizeof(save));
		return;
	}
	a = lookup(ev, &q, name, DNS_T_TXT);
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
			for (i = 0; i < sb.len && sb.s[i] >= 0x20 &&
			    sb.s[i] < 0x7f; i++)
				;
			if (i == sb.len)
				copy_text(ev->explanation,
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
		if (rc == ERR_TEMP)
			return SPF_TEMPERROR;
		if (rc == ERR_PERM)
			return SPF_PERMERROR;
		if (rc == NOMATCH)
			continue;
		c = qualifier_code(t->qualifier);
		/* outer frames overwrite: the top-level term is reported */
		copy_text(ev->mechanism, sizeof(ev->mechanism), t->text,
		    t->textlen);
		if (t->kind == SPF_T_INCLUDE)
			setr(ev, "matched %.*s (%s)", (int)t->textlen, t->text,
			    ev->reason);
		else
			setr(ev, "matched %.*s", (int)t->textlen, t->text);
		if (c == SPF_FAIL && want_exp)
			explain(ev, domain, rec->exp);
		return c;
	}
	/* 6.1: redirect only when no mechanism matched and there is no all */
	if (rec->redirect != NULL && !rec->has_all) {
		const spf_term *t = rec->redirect;

		if (++ev->lookups > SPF_MAX_DNS_TERMS) {
			setr(ev, "too many DNS lookups (%u > %d, RFC 7208 4.6.4) "
			    "at %.*s", ev->lookups, SPF_MAX_DNS_TERMS,
			    (int)t->textlen, t->text);
			return SPF_PERMERROR;
		}
		rc = target_name(ev, domain, t->spec, t->speclen, name);
		if (rc == ERR_PERM)
			return SPF_PERMERROR;
		if (rc == 1) {
			setr(ev, "%.*s: target '%s' is not a valid domain name",
			    (int)t->textlen, t->text, name);
			return SPF_PERMERROR;
		}
		if (on_stack(ev, name)) {
			setr(ev, "%.*s: redirect loop", (int)t->textlen, t->text);
			return SPF_PERMERROR;
		}
		c = check_host(ev, name, want_exp);
		if (c == SPF_NONE) {
			setr(ev, "%.*s: no SPF record at %s (permerror, RFC 7208 "
			    "6.1)", (int)t->textlen, t->text, name);
			return SPF_PERMERROR;
		}
		{
			char inner[SPF_REASON_MAX];

			memcpy(inner, ev->reason, sizeof(inner));
			setr(ev, "%.*s: %s", (int)t->textlen, t->text, inner);
		}
		return c;
	}
	copy_text(ev->mechanism, sizeof(ev->mechanism), "default", 7);
	setr(ev, "no mechanism matched (default neutral)");
	return SPF_NEUTRAL;
}

static spf_code
check_host(spf_eval *ev, const char *domain, int want_exp)
{
	char whybuf[200], err[200];
	const char *txt = NULL;
	size_t len = 0;
	dns_query *q;
	const dns_answer *a;
	spf_record rec;
	spf_code c;
	int n;

	if (!spf_domain_valid(domain, whybuf, sizeof(whybuf))) {
		setr(ev, "%s (RFC 7208 4.3)", whybuf);
		return SPF_NONE;
	}
	if (ev->depth > SPF_MAX_DEPTH) {
		setr(ev, "include/redirect nesting deeper than %d", SPF_MAX_DEPTH);
		return SPF_PERMERROR;
	}
	if (deadline_passed(ev)) {
		setr(ev, "deadline passed before the SPF record of %s", domain);
		return SPF_TEMPERROR;
	}
	a = lookup(ev, &q, domain, DNS_T_TXT);
	if (a->status == DNS_TEMPFAIL) {
		temp(ev, "TXT", domain, a);
		dns_query_free(q);
		return SPF_TEMPERROR;
	}
	n = spf_record_select(a, &txt, &len);
	if (n == 0) {
		if (ev->depth > 0 && (a->status == DNS_NXDOMAIN ||
		    a->status == DNS_NODATA) && count_void(ev, "TXT", domain)) {
			dns_query_free(q);
			return SPF_PERMERROR;
		}
		setr(ev, "no SPF record at %s", domain);
		dns_query_free(q);
		return SPF_NONE;
	}
	if (n > 1) {
		setr(ev, "%s has %d SPF records (RFC 7208 4.5)", domain, n);
		dns_query_free(q);
		return SPF_PERMERROR;
	}
	switch (spf_record_parse(txt, len, &rec, err, sizeof(err))) {
	case 0:
		break;
	case -2:
		setr(ev, "out of memory parsing the record of %s", domain);
		dns_query_free(q);
		return SPF_TEMPERROR;
	default:
		setr(ev, "syntax error in the SPF record of %s: %s", domain, err);
		dns_query_free(q);
		return SPF_PERMERROR;
	}
	copy_text(ev->stack[ev->depth], sizeof(ev->stack[0]), domain,
	    strlen(domain));
	ev->depth++;
	c = check_record(ev, domain, &rec, want_exp);
	ev->depth--;
	spf_record_free(&rec);
	dns_query_free(q);
	return c;
}

spf_code
spf_eval_run(spf_eval *ev, const char *domain, spf_result *out)
{
	spf_code c;

	ev->mechanism[0] = ev->reason[0] = ev->explanation[0] = '\0';
	c = check_host(ev, domain, 1);
	out->code = c;
	copy_text(out->domain, sizeof(out->domain), domain, strlen(domain));
	copy_text(out->sender, sizeof(out->sender), ev->sender,
	    strlen(ev->sender));
	copy_text(out->mechanism, sizeof(out->mechanism), ev->mechanism,
	    strlen(ev->mechanism));
	if (c == SPF_FAIL)
		copy_text(out->explanation, sizeof(out->explanation),
		    ev->explanation, strlen(ev->explanation));
	else
		out->explanation[0] = '\0';
	copy_text(out->reason, sizeof(out->reason), ev->reason,
	    strlen(ev->reason));
	out->lookups = ev->lookups;
	out->void_lookups = ev->voids;
	out->dnssec = ev->bogus ? DNS_SEC_BOGUS :
	    (ev->nanswers > 0 && ev->nsecure == ev->nanswers) ?
	    DNS_SEC_SECURE : DNS_SEC_INSECURE;
	return c;
}
