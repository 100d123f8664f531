/*
 * tests/fuzz/fuzz_arc.c - libFuzzer target: ARC set collection and
 * structure checks (dkim/arc.c) and the ARC tag lists
 * (dkim_sig_parse_arc), on a whole message split by the message
 * splitter. No resolver: no key can be fetched, so the properties are
 * (abort otherwise): the result is never pass (fail closed), the number
 * of sets never passes ARC_MAX_SETS, none has no sets, oldest-pass is 0
 * unless pass, and the reason is a NUL-terminated string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dkim/arc.h"
#include "message/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	dkim_options o;
	arc_verifier *v;
	msgparse p;
	const arc_chain *c;

	dkim_options_init(&o);
	o.max_header_bytes = 64 * 1024;
	if ((v = arc_verifier_new(NULL, &o)) == NULL)
		return 0;
	mp_init(&p, &arc_msg_events, v, 64 * 1024);
	(void)mp_push(&p, (const char *)data, size);
	(void)mp_finish(&p);
	mp_free(&p);
	(void)arc_eom(v);
	c = arc_chain_result(v);
	if (c == NULL || c->result == ARC_PASS || c->nsets > ARC_MAX_SETS ||
	    (c->result == ARC_NONE && c->nsets != 0) || c->oldest_pass != 0 ||
	    memchr(c->reason, '\0', sizeof(c->reason)) == NULL)
		abort();
	arc_verifier_free(v);
	return 0;
}
