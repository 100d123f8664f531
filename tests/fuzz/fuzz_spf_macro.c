/*
 * tests/fuzz/fuzz_spf_macro.c - libFuzzer target: the SPF macro expander
 * (spf/macro.c). The first input byte picks domain-spec or exp mode and
 * IPv4 or IPv6; the rest is the macro string. The syntax check and the
 * expansion must agree, and the output must respect its cap.
 */
#include "spf/macro_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
pname(void *arg)
{
	(void)arg;
	return "mx.example.org";
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	spf_macro_ctx c;
	ipaddr ip;
	strbuf sb;
	char err[128];
	int is_exp, rc1, rc2;

	if (size < 1)
		return 0;
	is_exp = data[0] & 1;
	if (ipaddr_parse(data[0] & 2 ? "2001:db8::cb01" : "192.0.2.3", &ip) != 0)
		abort();
	memset(&c, 0, sizeof(c));
	c.sender = "strong-bad@email.example.com";
	c.local = "strong-bad";
	c.sender_domain = "email.example.com";
	c.domain = "a.b.c.d.e.f.g.h.example.com";
	c.ip = &ip;
	c.helo = "mx.example.org";
	c.receiver = data[0] & 4 ? NULL : "mx.example.net";
	c.now = 1234567890;
	c.validated_name = data[0] & 8 ? pname : NULL;
	rc1 = spf_macro_check((const char *)data + 1, size - 1, is_exp, NULL,
	    err, sizeof(err));
	sb_init_max(&sb, SPF_MACRO_OUT_MAX);
	rc2 = spf_macro_expand((const char *)data + 1, size - 1, is_exp, &c,
	    &sb, err, sizeof(err));
	if (rc1 == SPF_MACRO_SYNTAX ? rc2 != SPF_MACRO_SYNTAX :
	    rc2 == SPF_MACRO_SYNTAX)
		abort();
	if (sb.len > SPF_MACRO_OUT_MAX)
		abort();
	sb_free(&sb);
	return 0;
}
