/*
 * audit/audit_dkim.c - the DKIM checks of `authmilter domain`, per
 * selector: the key record exists and parses (the verifier's parser,
 * RFC 6376 3.6.1), its algorithm and size (RFC 8301 3.2, RFC 8463),
 * t=y / t=s, h= (RFC 8301 3.1), a revoked key (empty p=).
 */
#include "audit/audit_int.h"

#include <string.h>

#include "dkim/dkim.h"

/* RFC 8301 3.2: signers MUST use at least 1024 bits, SHOULD use 2048 */
#define DKIM_RSA_MUST_BITS 1024
#define DKIM_RSA_SHOULD_BITS 2048

void
audit_dkim(audit_ctx *c, ax_q *q, const char *sel)
{
	const dns_answer *a = ax_wait(c, q, AUDIT_DKIM);
	const char *txt = NULL;
	size_t i, len = 0, n = 0;
	dkim_key_info k;
	char err[160];

	if (!ax_known(a))
		return;
	for (i = 0; a->status == DNS_RECORDS && i < a->count; i++)
		if (a->records[i].type == DNS_T_TXT && n++ == 0) {
			txt = a->records[i].u.txt.text;
			len = a->records[i].u.txt.len;
		}
	if (n == 0) {
		ax_add(c, AUDIT_DKIM, AUDIT_ERROR, "dkim-none",
		    "RFC 6376 6.1.2", a->sec, "selector %s: no key record at "
		    "%s: signatures with s=%s fail (permerror)", sel, q->name,
		    sel);
		return;
	}
	if (n > 1)
		ax_add(c, AUDIT_DKIM, AUDIT_WARNING, "dkim-multiple",
		    "RFC 6376 3.6.2.2", a->sec, "selector %s: %zu TXT records "
		    "at %s: verifiers may pick any one", sel, n, q->name);
	if (dkim_key_inspect(txt, len, &k, err, sizeof(err)) != 0) {
		ax_add(c, AUDIT_DKIM, AUDIT_ERROR, "dkim-syntax",
		    "RFC 6376 3.6.1", a->sec, "selector %s: the key record "
		    "cannot be used: %s", sel, err);
		return;
	}
	if (k.revoked) {
		ax_add(c, AUDIT_DKIM, AUDIT_ERROR, "dkim-revoked",
		    "RFC 6376 3.6.1", a->sec, "selector %s: the key is revoked "
		    "(empty p=): signatures with s=%s fail", sel, sel);
		return;
	}
	if (k.ed25519)
		ax_add(c, AUDIT_DKIM, AUDIT_OK, "dkim-key", "RFC 8463 4",
		    a->sec, "selector %s: ed25519 key (sign with an RSA key "
		    "too: not every verifier knows Ed25519)", sel);
	else if (k.bits < DKIM_RSA_MUST_BITS)
		ax_add(c, AUDIT_DKIM, AUDIT_ERROR, "dkim-key-size",
		    "RFC 8301 3.2", a->sec, "selector %s: RSA key of %u bits "
		    "< %d: verifiers refuse it", sel, k.bits,
		    DKIM_RSA_MUST_BITS);
	else if (k.bits < DKIM_RSA_SHOULD_BITS)
		ax_add(c, AUDIT_DKIM, AUDIT_WARNING, "dkim-key-size",
		    "RFC 8301 3.2", a->sec, "selector %s: RSA key of %u bits "
		    "< %d: signers SHOULD use 2048", sel, k.bits,
		    DKIM_RSA_SHOULD_BITS);
	else
		ax_add(c, AUDIT_DKIM, AUDIT_OK, "dkim-key", "RFC 8301 3.2",
		    a->sec, "selector %s: RSA key of %u bits", sel, k.bits);
	if (!k.sha256)
		ax_add(c, AUDIT_DKIM, AUDIT_ERROR, "dkim-hash",
		    "RFC 8301 3.1", a->sec, "selector %s: h= allows %s only: "
		    "rsa-sha1 is forbidden, so no valid signature can use "
		    "this key", sel, k.sha1 ? "sha1" : "unknown hashes");
	if (k.testing)
		ax_add(c, AUDIT_DKIM, AUDIT_WARNING, "dkim-testing",
		    "RFC 6376 3.6.1", a->sec, "selector %s: t=y (testing): "
		    "verifiers may treat its signatures as unsigned", sel);
	if (k.strict)
		ax_add(c, AUDIT_DKIM, AUDIT_OK, "dkim-strict",
		    "RFC 6376 3.6.1", a->sec, "selector %s: t=s: i= must be "
		    "in d= exactly, no subdomain", sel);
}
