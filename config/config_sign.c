/*
 * config/config_sign.c - the signing keys' syntax: one sign_key entry
 * ("DOMAIN SELECTOR FILE [SIGNING_DOMAIN]", config_sign_key_parse(),
 * config.h), whether it covers a domain (config_sign_key_match()), the
 * arc_seal entry ("DOMAIN SELECTOR FILE", config_arc_seal_parse()) and
 * the checks of the sign_key, arc_seal and arc_seal_headers entries the
 * key table points to (config_int.h). Only the syntax: the key files are read
 * by message/msg_sign.c (the daemon, as the run-as user) and by -n.
 */
#include "config/config.h"
#include "config/config_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A domain name of LDH labels (RFC 5321 4.1.2 Domain, the names DKIM
 * signs for), lowercased into out. 0 or -1. */
static int
domain_copy(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, label = 0;

	if (len == 0 || len >= outlen || s[0] == '.' || s[len - 1] == '.')
		return -1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return -1;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_') {
			if (++label > 63)   /* RFC 1035 2.3.4 */
				return -1;
		} else
			return -1;
		out[i] = (char)tolower(c);
	}
	out[len] = '\0';
	return 0;
}

int
config_sign_key_parse(const char *value, config_sign_key *out, char *err,
    size_t errlen)
{
	const char *w[5], *p = value;
	size_t wl[5], n = 0;

	memset(out, 0, sizeof(*out));
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n == 5)
			break;
		w[n] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		wl[n] = (size_t)(p - w[n]);
		n++;
	}
	if (n < 3 || n > 4) {
		snprintf(err, errlen, "'%s' is not DOMAIN SELECTOR FILE "
		    "[SIGNING_DOMAIN]", value);
		return -1;
	}
	if (wl[0] > 2 && w[0][0] == '*' && w[0][1] == '.') {
		out->subdomains = 1;
		w[0] += 2;
		wl[0] -= 2;
	} else if (wl[0] > 1 && w[0][0] == '.') {
		out->subdomains = 1;
		w[0]++;
		wl[0]--;
	}
	if (domain_copy(w[0], wl[0], out->domain, sizeof(out->domain)) < 0) {
		snprintf(err, errlen, "'%.*s' is not a domain name",
		    (int)wl[0], w[0]);
		return -1;
	}
	if (domain_copy(w[1], wl[1], out->selector, sizeof(out->selector)) < 0) {
		snprintf(err, errlen, "selector '%.*s' is not a DNS name "
		    "(RFC 6376 3.1)", (int)wl[1], w[1]);
		return -1;
	}
	if (w[2][0] != '/' || wl[2] >= sizeof(out->file)) {
		snprintf(err, errlen, "key file '%.*s' is not an absolute path",
		    (int)wl[2], w[2]);
		return -1;
	}
	memcpy(out->file, w[2], wl[2]);
	out->file[wl[2]] = '\0';
	if (n == 4 && domain_copy(w[3], wl[3], out->signing_domain,
	    sizeof(out->signing_domain)) < 0) {
		snprintf(err, errlen, "signing domain '%.*s' is not a domain "
		    "name", (int)wl[3], w[3]);
		return -1;
	}
	return 0;
}

size_t
config_sign_key_match(const config_sign_key *k, const char *domain)
{
	size_t dl = strlen(domain), kl = strlen(k->domain);

	if (!k->subdomains)
		return strcasecmp(domain, k->domain) == 0 ? kl + 1 : 0;
	if (dl > kl && domain[dl - kl - 1] == '.' &&
	    strcasecmp(domain + dl - kl, k->domain) == 0)
		return kl;
	return 0;
}

int
config_arc_seal_parse(const char *value, config_sign_key *out, char *err,
    size_t errlen)
{
	const char *p = value;
	size_t n = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		n++;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	if (n != 3 || value[strspn(value, " \t")] == '.' ||
	    value[strspn(value, " \t")] == '*') {
		snprintf(err, errlen, "'%s' is not DOMAIN SELECTOR FILE", value);
		return -1;
	}
	return config_sign_key_parse(value, out, err, errlen);
}

int
config_check_arc_seal(const char *v, char *err, size_t errlen)
{
	config_sign_key k;

	return config_arc_seal_parse(v, &k, err, errlen);
}

/* The longest arc_seal_headers name: DKIM_SIGN_MAX_NAME (dkim/dkim_sign.h,
 * a local limit), which arc_seal_headers_parse() enforces; kept equal by
 * hand because config/ may not include dkim/ (tests/system/layering.sh). */
#define CONFIG_SEAL_HEADER_MAX_NAME 64

/* Agrees with arc_seal_headers_parse() (dkim_sign_list_parse()), which
 * reads the names joined by ':': the CFG_LIST reader has already split
 * the value at ',' and blanks (the parser's other separators), a ':'
 * inside an entry is refused here so one entry is one name, the same
 * characters (RFC 5322 ftext less ';') and length bound; so a list this
 * accepts never fails later against the arc_seal line. */
int
config_check_arc_seal_header(const char *v, char *err, size_t errlen)
{
	static const char *const never[] = { "arc-seal",
	    "arc-message-signature", "arc-authentication-results",
	    "authentication-results", NULL };
	const unsigned char *p;
	size_t i;

	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p < 33 || *p > 126 || *p == ':' || *p == ';' ||
		    *p == ',') {
			snprintf(err, errlen, "'%s' is not a header field "
			    "name", v);
			return -1;
		}
	if (strlen(v) > CONFIG_SEAL_HEADER_MAX_NAME) {
		snprintf(err, errlen, "'%.20s...' is over %d characters (a "
		    "local limit of the header list)", v,
		    CONFIG_SEAL_HEADER_MAX_NAME);
		return -1;
	}
	for (i = 0; never[i] != NULL; i++)
		if (strcasecmp(v, never[i]) == 0) {
			snprintf(err, errlen, "%s is never signed by an "
			    "ARC-Message-Signature (RFC 8617 4.1.2)", v);
			return -1;
		}
	return 0;
}

int
config_check_sign_key(const char *v, char *err, size_t errlen)
{
	config_sign_key k;

	return config_sign_key_parse(v, &k, err, errlen);
}
