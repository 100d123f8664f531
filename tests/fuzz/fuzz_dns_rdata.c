/*
 * tests/fuzz/fuzz_dns_rdata.c - libFuzzer target: the rdata decoders of
 * dns/dns_answer.c (TXT, MX, PTR, A, AAAA) and the answer copy, on
 * arbitrary bytes as a hostile server would send them through libunbound.
 *
 * Input: first byte picks the type; the rest is split into up to 8 rdata
 * items, each prefixed by one length byte. Every answer must be RECORDS
 * (all items well formed) or TEMPFAIL "malformed", and a clone must equal
 * the original byte for byte in its records.
 */
#include "dns/dns_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const dns_type types[] = { DNS_T_TXT, DNS_T_MX, DNS_T_PTR,
	    DNS_T_A, DNS_T_AAAA };
	char *items[9];
	int lens[9];
	struct ub_result res;
	dns_answer *a, *c;
	size_t off = 1, n = 0, i;
	dns_type t;

	if (size < 1)
		return 0;
	t = types[data[0] % 5];
	while (off < size && n < 8) {
		size_t len = data[off++];

		if (len > size - off)
			len = size - off;
		items[n] = malloc(len ? len : 1);
		memcpy(items[n], data + off, len);
		lens[n] = (int)len;
		n++;
		off += len;
	}
	items[n] = NULL;
	lens[n] = 0;
	memset(&res, 0, sizeof(res));
	res.qname = (char *)"fuzz.example";
	res.qtype = (int)t;
	res.qclass = 1;
	res.data = items;
	res.len = lens;
	res.havedata = n > 0;
	res.ttl = 300;
	a = dns_answer_from_ub(0, &res, t);
	if (a->status != DNS_RECORDS && a->status != DNS_TEMPFAIL &&
	    a->status != DNS_NODATA)
		abort();
	if (a->status == DNS_RECORDS) {
		c = dns_answer_clone(a);
		if (c->status != DNS_TEMPFAIL || a->count == 0) {
			if (c->count != a->count)
				abort();
			for (i = 0; i < a->count; i++) {
				if (t == DNS_T_TXT && (c->records[i].u.txt.len !=
				    a->records[i].u.txt.len || memcmp(
				    c->records[i].u.txt.text, a->records[i].u.txt.text,
				    a->records[i].u.txt.len) != 0))
					abort();
				if (t == DNS_T_MX && strcmp(c->records[i].u.mx.host,
				    a->records[i].u.mx.host) != 0)
					abort();
			}
		}
		dns_answer_free(c);
	}
	dns_answer_free(a);
	for (i = 0; i < n; i++)
		free(items[i]);
	return 0;
}
