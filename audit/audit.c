/*
 * audit/audit.c - `authmilter domain`'s driver (see audit.h): starts the
 * independent lookups at once, runs the checks of each area, the MX / null
 * MX checks (RFC 7505, RFC 5321 5.1) and the findings and answers lists.
 */
#include "audit/audit_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strcopy.h"

static const char *const level_names[] = { "ok", "warning", "error" };
static const char *const area_names[] = { "SPF", "DKIM", "DMARC", "MX" };

const char *
audit_level_name(audit_level l)
{
	return (unsigned)l < 3 ? level_names[l] : "?";
}

const char *
audit_area_name(audit_area a)
{
	return (unsigned)a < AUDIT_NAREAS ? area_names[a] : "?";
}

/* arr (n of cap elements of size) with room for one more: arr itself or
 * its new place, or NULL with rep->oom set (arr is then unchanged). */
static void *
grow(audit_report *rep, void *arr, size_t n, size_t *cap, size_t size)
{
	size_t want;
	void *na;

	if (n < *cap)
		return arr;
	want = *cap ? *cap * 2 : 32;
	if ((na = realloc(arr, want * size)) == NULL) {
		rep->oom = 1;
		return NULL;
	}
	*cap = want;
	return na;
}

void
ax_add(audit_ctx *c, audit_area area, audit_level level, const char *code,
    const char *rfc, dns_sec sec, const char *fmt, ...)
{
	audit_report *rep = c->rep;
	audit_finding *f;
	va_list ap;

	if ((f = grow(rep, rep->findings, rep->nfindings, &rep->capf,
	    sizeof(*f))) == NULL)
		return;
	rep->findings = f;
	f = &rep->findings[rep->nfindings++];
	f->area = area;
	f->level = level;
	f->code = code;
	f->rfc = rfc;
	f->sec = sec;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
}

static void
add_answer(audit_ctx *c, const ax_q *x)
{
	audit_report *rep = c->rep;
	audit_answer *an;
	size_t i;

	for (i = 0; i < rep->nanswers; i++)	/* once each */
		if (rep->answers[i].type == x->type &&
		    strcmp(rep->answers[i].name, x->name) == 0)
			return;
	if ((an = grow(rep, rep->answers, rep->nanswers, &rep->capa,
	    sizeof(*an))) == NULL)
		return;
	rep->answers = an;
	an = &rep->answers[rep->nanswers++];
	strcopy(an->name, sizeof(an->name), x->name);
	an->type = x->type;
	an->status = x->a->status;
	an->sec = x->a->sec;
}

void
ax_start(audit_ctx *c, ax_q *x, const char *name, dns_type type)
{
	memset(x, 0, sizeof(*x));
	strcopy(x->name, sizeof(x->name), name);
	x->type = type;
	x->q = dns_query_start(c->r, name, type);
}

const dns_answer *
ax_wait(audit_ctx *c, ax_q *x, audit_area area)
{
	if (x->a != NULL || x->q == NULL)
		return x->a;
	x->a = dns_query_wait(x->q, dns_now_ms() +
	    (int64_t)dns_resolver_timeout_ms(c->r));
	add_answer(c, x);
	if (x->a->sec == DNS_SEC_BOGUS)
		ax_add(c, area, AUDIT_ERROR, "dnssec-bogus", "RFC 4035 5.5",
		    DNS_SEC_BOGUS, "%s %s: DNSSEC validation failed (%s): "
		    "validating receivers see a temporary failure", x->name,
		    dns_type_name(x->type), x->a->why);
	else if (x->a->status == DNS_TEMPFAIL) {
		c->rep->tempfail = 1;
		ax_add(c, area, AUDIT_ERROR, "dns-temperror", "RFC 7208 2.6.6",
		    x->a->sec, "%s %s: temporary DNS failure (%s): not checked",
		    x->name, dns_type_name(x->type), x->a->why);
	} else if (x->a->status == DNS_BADNAME)
		ax_add(c, area, AUDIT_ERROR, "dns-badname", "RFC 1035 2.3.4",
		    x->a->sec, "%s: not a name that can be looked up (%s)",
		    x->name, x->a->why);
	return x->a;
}

void
ax_free(ax_q *x)
{
	if (x->q != NULL)
		dns_query_free(x->q);
	memset(x, 0, sizeof(*x));
}

int
ax_known(const dns_answer *a)
{
	return a != NULL && (a->status == DNS_RECORDS ||
	    a->status == DNS_NODATA || a->status == DNS_NXDOMAIN);
}

int
ax_empty(const dns_answer *a)
{
	return a != NULL && (a->status == DNS_NODATA ||
	    a->status == DNS_NXDOMAIN);
}

/* RFC 7505 (null MX), RFC 5321 5.1 (the A/AAAA fallback). */
static void
audit_mx(audit_ctx *c, ax_q *mx, ax_q *a4, ax_q *a6, int spf_sends,
    int spf_have)
{
	const dns_answer *m = ax_wait(c, mx, AUDIT_MX);
	const dns_answer *x4 = ax_wait(c, a4, AUDIT_MX);
	const dns_answer *x6 = ax_wait(c, a6, AUDIT_MX);
	char hosts[AUDIT_REASON_MAX / 2] = "";
	size_t i, nnull = 0, off = 0;

	if (!ax_known(m))
		return;
	for (i = 0; m->status == DNS_RECORDS && i < m->count; i++) {
		const dns_record *r = &m->records[i];

		if (r->type != DNS_T_MX)
			continue;
		if (r->u.mx.host[0] == '\0')
			nnull++;
		else if (off < sizeof(hosts)) {
			int k = snprintf(hosts + off, sizeof(hosts) - off,
			    "%s%u %s", off ? ", " : "",
			    (unsigned)r->u.mx.preference, r->u.mx.host);
			off += k > 0 ? (size_t)k : 0;
		}
	}
	if (nnull > 0 && (m->count > 1 || m->records[0].u.mx.preference != 0)) {
		ax_add(c, AUDIT_MX, AUDIT_ERROR, "mx-null-mixed", "RFC 7505 3",
		    m->sec, "a null MX (\"0 .\") must be the only MX record "
		    "and have preference 0: this set is ambiguous");
		return;
	}
	if (nnull > 0) {
		if (spf_have && spf_sends)
			ax_add(c, AUDIT_MX, AUDIT_ERROR, "mx-null-sends",
			    "RFC 7505 4.2", m->sec,
			    "null MX: the domain accepts no mail, yet its SPF "
			    "record authorizes senders; receivers may refuse "
			    "mail from a domain that cannot take replies or "
			    "bounces");
		else
			ax_add(c, AUDIT_MX, AUDIT_WARNING, "mx-null",
			    "RFC 7505 3", m->sec, "null MX: the domain accepts "
			    "no mail (fine for a domain that sends none)");
		return;
	}
	if (m->status == DNS_RECORDS) {
		ax_add(c, AUDIT_MX, AUDIT_OK, "mx", "RFC 5321 5.1", m->sec,
		    "MX %s", hosts);
		return;
	}
	if ((x4 != NULL && x4->status == DNS_RECORDS) ||
	    (x6 != NULL && x6->status == DNS_RECORDS))
		ax_add(c, AUDIT_MX, AUDIT_WARNING, "mx-fallback",
		    "RFC 5321 5.1", m->sec, "no MX: mail to the domain goes "
		    "to its address record (implicit MX); publish an MX or a "
		    "null MX to say what is meant");
	else
		ax_add(c, AUDIT_MX, AUDIT_ERROR, "mx-none", "RFC 5321 5.1",
		    m->sec, "no MX and no A/AAAA: the domain cannot receive "
		    "replies or bounces, and receivers may reject its mail "
		    "as from a non-existent domain");
}

int
audit_domain(dns_resolver *r, const audit_request *req, audit_report *out)
{
	audit_ctx c;
	ax_q spf, mx, a4, a6, dmarc, keys[AUDIT_MAX_SELECTORS];
	char name[DNS_MAX_NAME_LEN + 64];
	size_t i, nsel, len;
	int sends = 0, have = 0;

	memset(out, 0, sizeof(*out));
	len = strlen(req->domain);
	if (len > 0 && req->domain[len - 1] == '.')
		len--;
	strcopy_n(out->domain, sizeof(out->domain), req->domain, len);
	for (i = 0; out->domain[i] != '\0'; i++)
		if (out->domain[i] >= 'A' && out->domain[i] <= 'Z')
			out->domain[i] |= 0x20;
	c.r = r;
	c.rep = out;
	c.domain = out->domain;
	nsel = req->nselectors < AUDIT_MAX_SELECTORS ? req->nselectors :
	    AUDIT_MAX_SELECTORS;
	/* every lookup that needs nothing else, at once */
	ax_start(&c, &spf, out->domain, DNS_T_TXT);
	snprintf(name, sizeof(name), "_dmarc.%s", out->domain);
	ax_start(&c, &dmarc, name, DNS_T_TXT);
	ax_start(&c, &mx, out->domain, DNS_T_MX);
	ax_start(&c, &a4, out->domain, DNS_T_A);
	ax_start(&c, &a6, out->domain, DNS_T_AAAA);
	for (i = 0; i < nsel; i++) {
		snprintf(name, sizeof(name), "%s._domainkey.%s",
		    req->selectors[i], out->domain);
		ax_start(&c, &keys[i], name, DNS_T_TXT);
	}
	audit_spf(&c, &spf, &sends, &have);
	if (nsel == 0)
		/* the caller passes the signing config's selectors when
		 * none were given (cli/cmd_domain.c) */
		ax_add(&c, AUDIT_DKIM, AUDIT_WARNING, "dkim-no-selector",
		    "RFC 6376 3.6.2.1", DNS_SEC_INSECURE, "no selector given "
		    "(--selector S) and no sign_key for it in the config: "
		    "DKIM keys not checked");
	for (i = 0; i < nsel; i++)
		audit_dkim(&c, &keys[i], req->selectors[i]);
	if (req->nselectors > nsel)
		ax_add(&c, AUDIT_DKIM, AUDIT_WARNING, "dkim-selectors",
		    "local limit", DNS_SEC_INSECURE, "only the first %d "
		    "selectors were checked", AUDIT_MAX_SELECTORS);
	audit_dmarc(&c, &dmarc);
	audit_mx(&c, &mx, &a4, &a6, sends, have);
	ax_free(&spf);
	ax_free(&dmarc);
	ax_free(&mx);
	ax_free(&a4);
	ax_free(&a6);
	for (i = 0; i < nsel; i++)
		ax_free(&keys[i]);
	return out->oom ? -1 : 0;
}

void
audit_report_free(audit_report *rep)
{
	free(rep->findings);
	free(rep->answers);
	memset(rep, 0, sizeof(*rep));
}
