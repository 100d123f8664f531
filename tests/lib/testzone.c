/*
 * tests/lib/testzone.c - a test's zone file and its resolver (see
 * testzone.h).
 */
#include "tests/lib/testzone.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

FILE *
testzone_create(char *path, size_t size, const char *prog)
{
	FILE *fp;
	int fd, n;

	n = snprintf(path, size, "/tmp/%s.XXXXXX", prog);
	if (n < 0 || (size_t)n >= size || (fd = mkstemp(path)) < 0)
		return NULL;
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return NULL;
	}
	fputs(". 300 IN SOA ns.test. host.test. 1 3600 600 86400 300\n"
	    ". 300 IN NS ns.test.\n", fp);
	return fp;
}

dns_resolver *
testzone_resolver(const char *path, unsigned timeout_ms, char *err,
    size_t errlen)
{
	dns_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	cfg.trust_anchor_file = "";
	cfg.timeout_ms = timeout_ms;
	return dns_resolver_new(&cfg, err, errlen);
}

void
testzone_txt(FILE *fp, const char *name, const char *txt, size_t len)
{
	size_t i, k;

	fprintf(fp, "%s. 300 IN TXT", name);
	if (len == 0)
		fprintf(fp, " \"\"");
	for (i = 0; i < len; i += 255) {
		fputs(" \"", fp);
		for (k = i; k < len && k < i + 255; k++) {
			unsigned char c = (unsigned char)txt[k];

			if (c == '"' || c == '\\')
				fprintf(fp, "\\%c", c);
			else if (c < 0x20 || c > 0x7e)
				fprintf(fp, "\\%03u", c);
			else
				fputc(c, fp);
		}
		fputc('"', fp);
	}
	fputc('\n', fp);
}
