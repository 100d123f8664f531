/*
 * dkim/dkim_result.c - the end-of-message decision for one signature:
 * key answer -> key record(s) -> key policy -> body hash -> signature
 * (RFC 6376 6.1.2, 6.1.3; RFC 8301; RFC 8463).
 *
 * Several TXT records at the key name: RFC 6376 6.1.2 lets the verifier
 * "cycle through the key records"; we try up to DKIM_MAX_KEY_RECORDS in
 * answer order, the first that passes wins, and otherwise the outcome of
 * the first record is reported.
 */
#include "dkim/dkim_int.h"

#include <string.h>

#include "util/domain.h"

typedef struct outcome {
	dkim_result res;
	char reason[DKIM_MAX_REASON];
	unsigned bits;
	int testing;
} outcome;

static int
key_matches_alg(const dkim_key *k, dkim_alg alg)
{
	return alg == DKIM_ALG_ED25519_SHA256 ? k->type == DKIM_KEY_ED25519 :
	    k->type == DKIM_KEY_RSA;
}

static void
try_record(dkim_verifier *v, dkim_sigstate *st, const char *txt, size_t len,
    outcome *o)
{
	const dkim_sig *sig = &st->sig;
	const dkim_bodyhash *bh = &v->bh[st->bh];
	dkim_key key;
	char err[DKIM_MAX_REASON];
	unsigned need;

	memset(o, 0, sizeof(*o));
	o->res = DKIM_PERMERROR;
	if (memchr(txt, '\0', len) != NULL) {
		dkim_reason(o->reason, sizeof(o->reason), "key record holds a NUL octet");
		return;
	}
	if (!dkim_keycache_get(v->opt.keycache, txt, len, &key)) {
		if (dkim_key_parse(&key, txt, len, err, sizeof(err)) < 0) {
			dkim_reason(o->reason, sizeof(o->reason), "key record: %s",
			    err);
			dkim_key_clear(&key);
			return;
		}
		dkim_keycache_put(v->opt.keycache, txt, len, &key);
	}
	o->testing = key.testing;
	o->bits = key.bits;
	if (key.revoked) {
		dkim_reason(o->reason, sizeof(o->reason), "key revoked");
		goto out;
	}
	if (!key_matches_alg(&key, sig->alg)) {
		dkim_reason(o->reason, sizeof(o->reason), "key type k=%s does not "
		    "match a=%s", key.type == DKIM_KEY_RSA ? "rsa" : "ed25519",
		    sig->a);
		goto out;
	}
	need = sig->alg == DKIM_ALG_RSA_SHA1 ? DKIM_HASH_SHA1 : DKIM_HASH_SHA256;
	if (key.hashes != 0 && !(key.hashes & need)) {
		dkim_reason(o->reason, sizeof(o->reason), "key h= does not allow %s",
		    need == DKIM_HASH_SHA1 ? "sha1" : "sha256");
		goto out;
	}
	if (key.strict && !domain_equal(strrchr(sig->i, '@') + 1, sig->d, 0)) {
		dkim_reason(o->reason, sizeof(o->reason), "key t=s: i= domain must "
		    "equal d=");
		goto out;
	}
	if (key.type == DKIM_KEY_RSA && key.bits < v->opt.min_rsa_bits) {
		dkim_reason(o->reason, sizeof(o->reason), "RSA key %u bits < %u",
		    key.bits, v->opt.min_rsa_bits);
		goto out;
	}
	/* local limits on the work a key makes (dkim.h): policy */
	if (key.type == DKIM_KEY_RSA && key.bits > v->opt.max_rsa_bits) {
		o->res = DKIM_POLICY;
		dkim_reason(o->reason, sizeof(o->reason), "RSA key %u bits > %u "
		    "(local limit)", key.bits, v->opt.max_rsa_bits);
		goto out;
	}
	if (key.type == DKIM_KEY_RSA && key.e_bits > DKIM_MAX_RSA_EXP_BITS) {
		o->res = DKIM_POLICY;
		dkim_reason(o->reason, sizeof(o->reason), "RSA public exponent "
		    "of %u bits > %d (local limit)", key.e_bits,
		    DKIM_MAX_RSA_EXP_BITS);
		goto out;
	}
	if (bh->failed || bh->dlen != sig->bhlen ||
	    memcmp(bh->digest, sig->bh, bh->dlen) != 0) {
		o->res = DKIM_FAIL;
		dkim_reason(o->reason, sizeof(o->reason), "body hash did not verify");
		goto out;
	}
	if (v->verifies >= DKIM_VERIFY_BUDGET(&v->opt)) {
		o->res = DKIM_POLICY;
		dkim_reason(o->reason, sizeof(o->reason), "more than %u key "
		    "verifications in the message: not evaluated",
		    DKIM_VERIFY_BUDGET(&v->opt));
		goto out;
	}
	v->verifies++;
	if (!dkim_key_verify(&key, sig->alg, st->hhash, st->hhlen, sig->b,
	    sig->blen)) {
		o->res = DKIM_FAIL;
		dkim_reason(o->reason, sizeof(o->reason), "signature did not verify");
		goto out;
	}
	if (sig->has_l && bh->total > bh->limit && v->opt.fail_short_l) {
		o->res = DKIM_FAIL;
		dkim_reason(o->reason, sizeof(o->reason), "l= leaves %llu body "
		    "octets unsigned", (unsigned long long)(bh->total - bh->limit));
		goto out;
	}
	o->res = DKIM_PASS;
out:
	dkim_key_clear(&key);
}

void
dkim_decide(dkim_verifier *v, dkim_sigstate *st, dkim_sigresult *r)
{
	const dns_answer *ans;
	const dkim_bodyhash *bh = &v->bh[st->bh];
	outcome first, o;
	size_t k, tried = 0;

	st->done = 1;
	if (st->sig.has_l && bh->total > bh->limit)
		r->body_unsigned = bh->total - bh->limit;
	if (st->sig.has_l && bh->total < bh->limit) {
		/* 3.5: l= MUST NOT be larger than the canonical body */
		r->result = DKIM_PERMERROR;
		dkim_reason(r->reason, sizeof(r->reason), "l=%llu is longer than the "
		    "body (%llu octets)", (unsigned long long)bh->limit,
		    (unsigned long long)bh->total);
		return;
	}
	ans = dns_query_wait(st->q, v->deadline);
	r->key_sec = ans->sec;
	switch (ans->status) {
	case DNS_RECORDS:
		break;
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		r->result = DKIM_PERMERROR;
		dkim_reason(r->reason, sizeof(r->reason), "no key for signature "
		    "(%s._domainkey.%s: %s)", st->sig.s, st->sig.d,
		    dns_status_name(ans->status));
		return;
	case DNS_BADNAME:
		r->result = DKIM_PERMERROR;
		dkim_reason(r->reason, sizeof(r->reason), "key name cannot be "
		    "queried: %s", ans->why);
		return;
	case DNS_TEMPFAIL:
	default:
		r->result = DKIM_TEMPERROR;
		if (ans->sec == DNS_SEC_BOGUS)
			dkim_reason(r->reason, sizeof(r->reason), "key record DNSSEC "
			    "bogus: %s", strncmp(ans->why, "DNSSEC bogus: ", 14) == 0 ?
			    ans->why + 14 : ans->why);
		else if (strstr(ans->why, "timed out") != NULL)
			dkim_reason(r->reason, sizeof(r->reason), "key lookup timed out");
		else
			dkim_reason(r->reason, sizeof(r->reason), "key lookup failed: %s",
			    ans->why[0] ? ans->why : "temporary DNS failure");
		return;
	}
	memset(&first, 0, sizeof(first));
	for (k = 0; k < ans->count && tried < DKIM_MAX_KEY_RECORDS; k++) {
		const dns_record *rec = &ans->records[k];

		if (rec->type != DNS_T_TXT)
			continue;
		try_record(v, st, rec->u.txt.text, rec->u.txt.len, &o);
		if (tried++ == 0)
			first = o;
		if (o.res == DKIM_PASS) {
			first = o;
			break;
		}
	}
	if (tried == 0) {
		r->result = DKIM_PERMERROR;
		dkim_reason(r->reason, sizeof(r->reason), "no key for signature");
		return;
	}
	r->result = first.res;
	r->key_bits = first.bits;
	r->testing = first.testing;
	if (first.res == DKIM_PASS && r->body_unsigned > 0)
		dkim_reason(r->reason, sizeof(r->reason), "l= leaves %llu body octets "
		    "unsigned", (unsigned long long)r->body_unsigned);
	else
		dkim_reason(r->reason, sizeof(r->reason), "%s", first.reason);
}
