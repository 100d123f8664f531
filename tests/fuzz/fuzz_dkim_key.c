/*
 * tests/fuzz/fuzz_dkim_key.c - libFuzzer target: DKIM key record parsing
 * (RFC 6376 3.6.1; p= through OpenSSL DER decoders) on arbitrary bytes.
 * An RSA key that loads has its exponent's size (the verifier's limit).
 */
#include <stdint.h>
#include <stdlib.h>

#include "dkim/dkim_key_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dkim_key k;
	char err[160];
	unsigned char dig[32] = { 0 }, sig[64] = { 0 };

	if (dkim_key_parse(&k, (const char *)data, size, err, sizeof(err)) == 0 &&
	    k.pkey != NULL) {
		if (k.revoked)
			abort();
		if (k.type == DKIM_KEY_RSA && (k.e_bits == 0 || k.e_bits > k.bits))
			abort();
		(void)dkim_key_verify(&k, k.type == DKIM_KEY_ED25519 ?
		    DKIM_ALG_ED25519_SHA256 : DKIM_ALG_RSA_SHA256, dig, 32, sig,
		    sizeof(sig));
	}
	dkim_key_clear(&k);
	return 0;
}
