/*
 * spf/result.c - names of SPF result codes and identities (see spf.h).
 */
#include "spf/spf.h"

#include <strings.h>

static const char *const code_names[] = {
	[SPF_NONE] = "none",
	[SPF_NEUTRAL] = "neutral",
	[SPF_PASS] = "pass",
	[SPF_FAIL] = "fail",
	[SPF_SOFTFAIL] = "softfail",
	[SPF_TEMPERROR] = "temperror",
	[SPF_PERMERROR] = "permerror",
};

const char *
spf_code_name(spf_code c)
{
	if ((unsigned)c >= sizeof(code_names) / sizeof(code_names[0]))
		return "unknown";
	return code_names[c];
}

int
spf_code_from_name(const char *s, spf_code *out)
{
	unsigned i;

	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++)
		if (strcasecmp(s, code_names[i]) == 0) {
			*out = (spf_code)i;
			return 0;
		}
	return -1;
}

const char *
spf_identity_name(spf_identity id)
{
	return id == SPF_ID_HELO ? "helo" : "mailfrom";
}
