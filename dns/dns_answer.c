/*
 * dns/dns_answer.c - building, copying and freeing dns_answer.
 *
 * Contract (see dns_int.h):
 *   Every answer handed out is one malloc'd block: a hidden header (its
 *   size), the dns_answer, the records, the TXT string-length arrays, then
 *   the text bytes. dns_answer_free() is one free(); dns_answer_clone() is
 *   one malloc + memcpy with the inner pointers rebased. When memory runs
 *   out the builders return a static TEMPFAIL answer that
 *   dns_answer_free() leaves alone, so no caller ever sees NULL.
 *
 *   dns_answer_from_ub() turns a libunbound result into an answer. The
 *   rdata is untrusted: every length is checked and a malformed record
 *   makes the whole answer TEMPFAIL ("malformed MX record"), never a
 *   partial one. Bogus results are withheld (TEMPFAIL, DNS_SEC_BOGUS,
 *   why_bogus in `why`), as dns.h promises. MX records are sorted by
 *   preference, keeping the server's order between equal preferences.
 */
#include "dns/dns_int.h"

#include <arpa/inet.h>
#include <stdalign.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct answer_box {
	size_t size;       /* bytes of the whole block */
	int is_static;     /* the out-of-memory answer: never freed */
	dns_answer a;
} answer_box;

#define BOX_OF(ans) \
	((answer_box *)(void *)((char *)(ans) - offsetof(answer_box, a)))

static answer_box oom_box = {
	sizeof(answer_box), 1,
	{ DNS_TEMPFAIL, DNS_SEC_INSECURE, -1, 0, "out of memory", 0, NULL },
};

dns_answer *
dns_answer_oom(void)
{
	return &oom_box.a;
}

static dns_answer *
box_new(size_t nrec, size_t nlens, size_t nchars, char **chars,
    uint16_t **lens)
{
	size_t size = sizeof(answer_box);
	answer_box *b;
	char *p;

	/* records, then uint16_t lengths, then text; each part aligned. */
	if (nrec > ((size_t)-1 / 4) / sizeof(dns_record) ||
	    nlens > ((size_t)-1 / 4) / sizeof(uint16_t) ||
	    nchars > (size_t)-1 / 4)
		return NULL;
	size += nrec * sizeof(dns_record) + nlens * sizeof(uint16_t) + nchars;
	if ((b = malloc(size)) == NULL)  /* not calloc: see dns_query_start */
		return NULL;
	explicit_bzero(b, size);	/* memset would become calloc */
	b->size = size;
	p = (char *)(b + 1);
	b->a.rcode = -1;
	b->a.count = nrec;
	b->a.records = nrec ? (dns_record *)(void *)p : NULL;
	p += nrec * sizeof(dns_record);
	if (lens != NULL)
		*lens = (uint16_t *)(void *)p;
	p += nlens * sizeof(uint16_t);
	if (chars != NULL)
		*chars = p;
	return &b->a;
}

dns_answer *
dns_answer_status(dns_status st, dns_sec sec, int rcode, const char *fmt, ...)
{
	dns_answer *a = box_new(0, 0, 0, NULL, NULL);
	va_list ap;

	if (a == NULL)
		return &oom_box.a;
	a->status = st;
	a->sec = sec;
	a->rcode = rcode;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(a->why, sizeof(a->why), fmt, ap);
		va_end(ap);
	}
	return a;
}

void
dns_answer_free(dns_answer *a)
{
	if (a != NULL && !BOX_OF(a)->is_static)
		free(BOX_OF(a));
}

size_t
dns_answer_bytes(const dns_answer *a)
{
	return BOX_OF(a)->size;
}

dns_answer *
dns_answer_clone(const dns_answer *a)
{
	const answer_box *ob = BOX_OF(a);
	const char *obase = (const char *)ob;
	answer_box *nb;
	char *nbase;
	dns_record *r;
	size_t i;

	if (ob->is_static)
		return (dns_answer *)(uintptr_t)a;
	if ((nb = malloc(ob->size)) == NULL)
		return &oom_box.a;
	memcpy(nb, ob, ob->size);
	nbase = (char *)nb;
#define REBASE(T, p) ((p) = (T)(void *)(nbase + ((const char *)(p) - obase)))
	if (a->records != NULL)
		REBASE(dns_record *, nb->a.records);
	for (i = 0; i < nb->a.count; i++) {
		r = &nb->a.records[i];
		switch (r->type) {
		case DNS_T_MX: REBASE(const char *, r->u.mx.host); break;
		case DNS_T_PTR: REBASE(const char *, r->u.ptr); break;
		case DNS_T_TXT:
			REBASE(const char *, r->u.txt.text);
			REBASE(const uint16_t *, r->u.txt.lens);
			break;
		default: break;
		}
	}
#undef REBASE
	return &nb->a;
}

const char *
dns_record_text(const dns_record *rr, char *buf, size_t len)
{
	switch (rr->type) {
	case DNS_T_TXT:
		return rr->u.txt.text;
	case DNS_T_MX:
		snprintf(buf, len, "%u %s", rr->u.mx.preference, rr->u.mx.host);
		return buf;
	case DNS_T_PTR:
		return rr->u.ptr;
	case DNS_T_A:
	case DNS_T_AAAA:
		if (inet_ntop(rr->type == DNS_T_A ? AF_INET : AF_INET6,
		    rr->type == DNS_T_A ? (const void *)&rr->u.a :
		    (const void *)&rr->u.aaaa, buf, (socklen_t)len) != NULL)
			return buf;
		break;
	}
	if (len > 0)
		buf[0] = '\0';
	return buf;
}

const char *
dns_rcode_name(int rcode, char *buf, size_t len)
{
	static const char *const names[] = {
		"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
	};

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, len, "RCODE %d", rcode);
	return buf;
}

/*
 * Measure one rdata: how many length slots and text bytes it needs.
 * Returns 0, or -1 when it is malformed.
 */
static int
rdata_measure(dns_type t, const uint8_t *d, size_t len, size_t *nlens,
    size_t *nchars)
{
	size_t pos, used;
	long n;

	switch (t) {
	case DNS_T_A:
		return len == 4 ? 0 : -1;
	case DNS_T_AAAA:
		return len == 16 ? 0 : -1;
	case DNS_T_MX:
		if (len < 3)
			return -1;
		d += 2;
		len -= 2;
		/* FALLTHROUGH */
	case DNS_T_PTR:
		n = dns_wire_to_text(d, len, &used, NULL, 0);
		if (n < 0 || used != len)
			return -1;
		*nchars += (size_t)n + 1;
		return 0;
	case DNS_T_TXT:  /* RFC 1035 3.3.14: one or more <character-string> */
		if (len == 0)
			return -1;
		for (pos = 0; pos < len; pos += 1 + d[pos]) {
			if (pos + 1 + d[pos] > len)
				return -1;
			(*nlens)++;
			*nchars += d[pos];
		}
		(*nchars)++;
		return 0;
	}
	return -1;
}

static void
rdata_fill(dns_record *r, const uint8_t *d, size_t len, uint16_t **lens,
    char **chars)
{
	size_t pos, k = 0, n = 0;
	long tl;

	switch (r->type) {
	case DNS_T_A:
		memcpy(&r->u.a, d, 4);
		break;
	case DNS_T_AAAA:
		memcpy(&r->u.aaaa, d, 16);
		break;
	case DNS_T_MX:
		r->u.mx.preference = (uint16_t)(d[0] << 8 | d[1]);
		tl = dns_wire_to_text(d + 2, len - 2, NULL, *chars, (size_t)-1);
		r->u.mx.host = *chars;
		*chars += tl + 1;
		break;
	case DNS_T_PTR:
		tl = dns_wire_to_text(d, len, NULL, *chars, (size_t)-1);
		r->u.ptr = *chars;
		*chars += tl + 1;
		break;
	case DNS_T_TXT:
		for (pos = 0; pos < len; pos += 1 + d[pos]) {
			(*lens)[k++] = d[pos];
			memcpy(*chars + n, d + pos + 1, d[pos]);
			n += d[pos];
		}
		(*chars)[n] = '\0';
		r->u.txt.text = *chars;
		r->u.txt.len = n;
		r->u.txt.nstrings = k;
		r->u.txt.lens = *lens;
		*chars += n + 1;
		*lens += k;
		break;
	}
}

static int
mx_cmp(const void *x, const void *y)
{
	const dns_record *a = x, *b = y;

	if (a->u.mx.preference != b->u.mx.preference)
		return a->u.mx.preference < b->u.mx.preference ? -1 : 1;
	/* hosts lie in the block in answer order: keep that order */
	return a->u.mx.host < b->u.mx.host ? -1 : a->u.mx.host > b->u.mx.host;
}

dns_answer *
dns_answer_from_ub(int err, const struct ub_result *res, dns_type t)
{
	size_t i, n = 0, nlens = 0, nchars = 0;
	dns_sec sec;
	dns_answer *a;
	uint16_t *lens;
	char *chars, rb[24];
	uint32_t ttl;

	if (err != 0 || res == NULL)
		return dns_answer_status(DNS_TEMPFAIL, DNS_SEC_INSECURE, -1,
		    DNS_WHY_UB_ERROR "%s", err ? ub_strerror(err) : "no result");
	if (res->bogus)
		return dns_answer_status(DNS_TEMPFAIL, DNS_SEC_BOGUS, res->rcode,
		    "DNSSEC bogus: %s", res->why_bogus != NULL ?
		    res->why_bogus : "validation failed");
	sec = res->secure ? DNS_SEC_SECURE : DNS_SEC_INSECURE;
	ttl = res->ttl > 0 ? (uint32_t)res->ttl : 0;
	if (res->rcode == DNS_RCODE_NXDOMAIN || res->nxdomain)
		a = dns_answer_status(DNS_NXDOMAIN, sec, DNS_RCODE_NXDOMAIN, NULL);
	else if (res->rcode != DNS_RCODE_NOERROR)
		return dns_answer_status(DNS_TEMPFAIL, sec, res->rcode, "%s",
		    dns_rcode_name(res->rcode, rb, sizeof(rb)));
	else if (!res->havedata || res->data == NULL || res->data[0] == NULL)
		a = dns_answer_status(DNS_NODATA, sec, DNS_RCODE_NOERROR, NULL);
	else {
		for (n = 0; res->data[n] != NULL; n++)
			if (res->len[n] < 0 || rdata_measure(t,
			    (const uint8_t *)res->data[n], (size_t)res->len[n],
			    &nlens, &nchars) != 0)
				return dns_answer_status(DNS_TEMPFAIL, sec,
				    res->rcode, "malformed %s record in the answer",
				    dns_type_name(t));
		if ((a = box_new(n, nlens, nchars, &chars, &lens)) == NULL)
			return &oom_box.a;
		a->status = DNS_RECORDS;
		a->sec = sec;
		a->rcode = DNS_RCODE_NOERROR;
		for (i = 0; i < n; i++) {
			a->records[i].type = t;
			rdata_fill(&a->records[i], (const uint8_t *)res->data[i],
			    (size_t)res->len[i], &lens, &chars);
		}
		if (t == DNS_T_MX)
			qsort(a->records, n, sizeof(dns_record), mx_cmp);
	}
	if (a != &oom_box.a)
		a->ttl = ttl;
	return a;
}
