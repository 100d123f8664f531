/*
 * dkim/dkim_inspect.c - a key record described for a reader that does not
 * verify (`authmilter domain`): the verifier's own key record parser
 * (dkim_key.c), its result as plain values (see dkim.h).
 */
#include "dkim/dkim.h"

#include <string.h>

#include "dkim/dkim_key_int.h"

int
dkim_key_inspect(const char *txt, size_t len, dkim_key_info *out,
    char *err, size_t errlen)
{
	dkim_key k;

	memset(out, 0, sizeof(*out));
	memset(&k, 0, sizeof(k));
	if (dkim_key_parse(&k, txt, len, err, errlen) != 0)
		return -1;
	out->ed25519 = k.type == DKIM_KEY_ED25519;
	out->bits = k.bits;
	out->testing = k.testing;
	out->strict = k.strict;
	out->revoked = k.revoked;
	out->sha256 = k.hashes == 0 || (k.hashes & DKIM_HASH_SHA256) != 0;
	out->sha1 = k.hashes == 0 || (k.hashes & DKIM_HASH_SHA1) != 0;
	dkim_key_clear(&k);
	return 0;
}
