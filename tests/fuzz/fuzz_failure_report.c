/*
 * tests/fuzz/fuzz_failure_report.c - libFuzzer target: failrep_build()
 * (report/failure_report.c) with the sender-chosen values from arbitrary
 * bytes (the first octet: mask local-parts or not; then, NUL-separated,
 * the header block, MAIL FROM, RCPT TO, the AR value, the queue id, a
 * failing signature's d=, i= and s=):
 * lines always CRLF (no bare CR or LF), the boundary closes once at the
 * end and opens three parts, one Feedback-Type and one Auth-Failure at
 * a line start, the feedback fields ASCII without controls, and with
 * masking no local-part before an '@' in the original header fields.
 */
#include "report/report.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clean.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FR_MAX (FAILREP_MAX_HEADERS * 2)

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	for (s = strstr(s, needle); s != NULL; s = strstr(s + 1, needle))
		n++;
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *field[8] = { "", NULL, NULL, NULL, NULL, NULL, NULL,
	    NULL };
	char *in, *p, *end, delim[96], part[160], *fb, *orig;
	failrep_input fi;
	strbuf out;
	char why[256];
	size_t i, n = 0, len;

	if (size == 0 || size > FUZZ_FR_MAX)
		return 0;
	in = malloc(size + 1);
	if (in == NULL)
		return 0;
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';
	len = size - 1;
	/* the header block may hold NULs: it is given with its length */
	p = in;
	end = in + len;
	field[n++] = p;
	while (n < 8 && (p = memchr(p, '\0', (size_t)(end - p))) != NULL &&
	    p < end) {
		p++;
		field[n++] = p;
	}
	memset(&fi, 0, sizeof(fi));
	fi.time = 1800000000;
	fi.from = "reports@mx.test";
	fi.reported_domain = "example.com";
	fi.source_ip = "192.0.2.1";
	fi.headers = field[0];
	fi.headers_len = strlen(field[0]);
	fi.mail_from = field[1];
	fi.rcpt = field[2];
	fi.auth_results = field[3] != NULL ? field[3] : "mx.test; dmarc=fail";
	fi.envelope_id = field[4];
	fi.dkim_domain = field[5];
	fi.dkim_identity = field[6];
	fi.dkim_selector = field[7];
	fi.mask_localparts = data[0] & 1;
	sb_init(&out);
	if (failrep_build(&fi, &out, why, sizeof(why)) < 0) {
		sb_free(&out);
		free(in);
		return 0;	/* an empty AR: refused, said */
	}
	for (i = 0; i < out.len; i++)
		if ((out.s[i] == '\n' && (i == 0 || out.s[i - 1] != '\r')) ||
		    (out.s[i] == '\r' && out.s[i + 1] != '\n') || out.s[i] == '\0')
			abort();
	p = strstr(out.s, "boundary=\"");
	if (p == NULL || (end = strchr(p + 10, '"')) == NULL ||
	    (size_t)(end - p - 10) + 8 > sizeof(delim))
		abort();
	memcpy(delim, "\r\n--", 4);
	memcpy(delim + 4, p + 10, (size_t)(end - p - 10));
	delim[4 + (end - p - 10)] = '\0';
	if (count(out.s, delim) != 4)	/* three opening, one closing */
		abort();
	len = strlen(delim);
	if (out.len < len + 4 || memcmp(out.s + out.len - len - 4, delim, len)
	    != 0 || memcmp(out.s + out.len - 4, "--\r\n", 4) != 0)
		abort();
	/* the parts' headers right after their delimiters (a value may
	 * hold the same words: it is no part header) */
	snprintf(part, sizeof(part), "%s\r\nContent-Type: "
	    "message/feedback-report\r\n\r\n", delim);
	fb = strstr(out.s, part);
	snprintf(part, sizeof(part), "%s\r\nContent-Type: "
	    "text/rfc822-headers", delim);
	orig = strstr(out.s, part);
	if (fb == NULL || orig == NULL || orig < fb)
		abort();
	*orig = '\0';	/* fb is now the feedback part alone */
	if (count(fb, "\nFeedback-Type:") != 1 ||
	    count(fb, "\nAuth-Failure:") != 1 ||
	    count(fb, "\nReported-Domain:") != 1)
		abort();
	for (p = fb; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || (clean_is(*p, CLEAN_CTL) &&
		    *p != '\r' && *p != '\n'))
			abort();
	if (fi.mask_localparts) {
		orig = strstr(orig + 1, "\r\n\r\n");
		for (p = orig != NULL ? strchr(orig, '@') : NULL; p != NULL;
		    p = strchr(p + 1, '@'))
			if ((clean_is(p[-1], CLEAN_DOTATOM) || p[-1] == '"') &&
			    (p - orig < 8 || memcmp(p - 8, "redacted", 8) != 0))
				abort();
	}
	sb_free(&out);
	free(in);
	return 0;
}
