/*
 * report/report_ident.c - the default identity of aggregate reports: the
 * receiver domain named as submitter, in postmaster@ and org_name when
 * report_submitter / report_email / report_org_name are not set. Pure
 * functions: the caller (cli/cmd_report.c) asks the system for the host
 * name and its canonical name and says what to do with a bare name.
 * Contract in report_send.h.
 */
#include <stdio.h>
#include <string.h>

#include "report/report_send.h"
#include "util/envaddr.h"
#include "util/strcopy.h"

/* A name with a dot that neither starts nor ends it: "vm" or "vm." is
 * not a domain a report receiver can reply to. */
static int
dotted(const char *d)
{
	const char *dot = strchr(d, '.');
	size_t n = strlen(d);

	return dot != NULL && dot != d && n > 0 && d[n - 1] != '.';
}

int
report_domain_dotted(const char *addr)
{
	const char *d;

	if (addr == NULL)
		return 0;
	d = envaddr_domain(addr);
	return dotted(d != NULL ? d : addr);
}

int
report_default_domain(const char *host, const char *canon, char *out,
    size_t outlen)
{
	const char *pick = host;

	if (host == NULL || out == NULL || outlen == 0)
		return -1;
	/* /etc/hosts often maps the host name to localhost.localdomain */
	if (canon != NULL && dotted(canon) && strlen(canon) < outlen &&
	    strncmp(canon, "localhost.", 10) != 0)
		pick = canon;
	if (strcopy(out, outlen, pick) < 0)
		return -1;
	return dotted(out);
}
