/*
 * tests/fuzz/fuzz_arc_seal.c - libFuzzer target: ARC sealing of a whole
 * message (message/arc_msg.c arc_msg_seal(): the validator and the
 * sealer of dkim/arc.h in one pass, the message's own
 * Authentication-Results of "list.example" read with ar_results_offset()
 * and merged into the ARC-Authentication-Results payload, the payload's
 * checks, the AMS field selection), with an Ed25519 key made once. No
 * resolver: the chain never passes. Properties (abort otherwise): the
 * result is -1, 0 or 1; nothing is added unless 1; a seal is the three
 * fields in order, CRLF-ended, the seal never cv=pass, at most
 * i=ARC_MAX_SETS.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/arc.h"
#include "message/message.h"

#define AAR_AT "\r\nARC-Authentication-Results: i="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static dkim_privkey *key;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dkim_options o;
	arc_seal_options so;
	arc_verifier *v;
	arc_sealer *s;
	strbuf out;
	char err[256];
	int rc;
	const char *aar;

	if (key == NULL && (key = dkim_privkey_generate(DKIM_PRIVKEY_ED25519,
	    0, err, sizeof(err))) == NULL)
		abort();
	dkim_options_init(&o);
	o.max_header_bytes = 64 * 1024;
	arc_seal_options_init(&so);
	so.domain = "list.example";
	so.selector = "s";
	so.key = key;
	so.now = 1700000000;
	v = arc_verifier_new(NULL, &o);
	s = arc_sealer_new(&so, err, sizeof(err));
	if (v == NULL || s == NULL)
		abort();
	sb_init(&out);
	rc = arc_msg_seal(v, s, (const char *)data, size, "list.example",
	    NULL, &out, err, sizeof(err));
	if (rc < -1 || rc > 1 || (rc != 1 && out.len != 0) ||
	    memchr(err, '\0', sizeof(err)) == NULL)
		abort();
	if (rc == 1) {
		const char *ams = strstr(out.s, "\r\nARC-Message-Signature: ");
		const char *pass = strstr(out.s, "cv=pass");

		aar = strstr(out.s, AAR_AT);
		/* the seal (before the AMS) never says pass; the AAR may */
		if (strncmp(out.s, "ARC-Seal: ", 10) != 0 || ams == NULL ||
		    aar == NULL || (pass != NULL && pass < ams) ||
		    out.len < 2 || memcmp(out.s + out.len - 2, "\r\n", 2) != 0 ||
		    atoi(aar + strlen(AAR_AT)) < 1 ||
		    atoi(aar + strlen(AAR_AT)) > ARC_MAX_SETS)
			abort();
	}
	sb_free(&out);
	arc_verifier_free(v);
	arc_sealer_free(s);
	return 0;
}
