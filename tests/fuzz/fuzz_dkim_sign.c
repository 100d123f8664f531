/*
 * tests/fuzz/fuzz_dkim_sign.c - libFuzzer target: the signer's header
 * list parser (dkim_sign_headers_parse, the first line of the input) and
 * the signer over the rest as a message (header fields, From count,
 * h= selection, body canonicalization), with a fixed Ed25519 key. A
 * signature, when one is made, is one DKIM-Signature field.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/dkim_sign.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* RFC 8463 Appendix A's seed */
#define SEED "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A="

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static dkim_privkey *key;
	const char *nl = memchr(data, '\n', size);
	size_t ll = nl ? (size_t)(nl - (const char *)data) : size;
	char list[1024], err[256];
	dkim_sign_headers hl;
	dkim_sign_options o;
	dkim_sign_key sk;
	dkim_signer *sg;
	strbuf out;

	if (key == NULL && (key = dkim_privkey_parse(SEED, strlen(SEED), err,
	    sizeof(err))) == NULL)
		abort();
	if (ll >= sizeof(list))
		ll = sizeof(list) - 1;
	memcpy(list, data, ll);
	list[ll] = '\0';
	dkim_sign_options_init(&o);
	o.domain = "example.com";
	o.selector = "sel";
	o.now = 1700000000;
	o.hdr_relaxed = ll & 1;
	o.body_relaxed = (ll >> 1) & 1;
	if (dkim_sign_headers_parse(list, &hl, err, sizeof(err)) == 0)
		o.headers = &hl;
	sk.key = key;
	sk.selector = NULL;
	if ((sg = dkim_signer_new(&o, &sk, 1, err, sizeof(err))) == NULL)
		abort();
	sb_init(&out);
	if (nl != NULL && dkim_msg_sign(sg, nl + 1,
	    size - (size_t)(nl + 1 - (const char *)data), &out, err,
	    sizeof(err)) == 0 && (out.len < 16 ||
	    memcmp(out.s, "DKIM-Signature: ", 16) != 0 ||
	    memmem(out.s + 16, out.len - 16, "DKIM-Signature:", 15) != NULL))
		abort();
	sb_free(&out);
	dkim_signer_free(sg);
	return 0;
}
