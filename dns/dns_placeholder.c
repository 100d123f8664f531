/* dns/dns_placeholder.c - lets the skeleton link; deleted when dns/ lands. */
#include "dns/dns.h"

#include <stdio.h>

dns_resolver *
dns_resolver_new(const dns_config *cfg, char *err, size_t errlen)
{
	(void)cfg;
	snprintf(err, errlen, "resolver not built yet");
	return NULL;
}
