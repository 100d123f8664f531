/*
 * dns/dns_name.c - domain names: presentation text <-> wire form, reverse
 * names, the names of types/statuses, and the monotonic clock.
 *
 * Contract (see dns_int.h and dns.h):
 *   dns_name_to_wire() reads a name in presentation form (labels separated
 *   by '.', optional trailing '.', '\X' and '\DDD' escapes as in RFC 1035
 *   5.1) and writes its wire form. It refuses, with a reason, what cannot be
 *   queried: the empty name, empty labels, labels over 63 octets, names over
 *   255 octets of wire form (253 characters of plain text), a NUL octet,
 *   and malformed escapes. "." is the root.
 *   dns_wire_to_text() decodes an uncompressed wire name from untrusted
 *   rdata (every length checked against the buffer) into text without the
 *   trailing dot ("" for the root), escaping '.', '\' and non-printable
 *   octets so that dns_name_to_wire() reads it back to the same name.
 */
#include "dns/dns_int.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int64_t
dns_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
dns_name_to_wire(const char *text, uint8_t *wire, size_t *wlen,
    const char **why)
{
	size_t w = 1, lab = 0;  /* w: next free octet; lab: length slot */
	const char *p = text;
	unsigned v;
	int c;

	if (text == NULL || *text == '\0')
		return *why = "empty name", -1;
	if (strcmp(text, ".") == 0) {
		wire[0] = 0;
		*wlen = 1;
		return 0;
	}
	wire[0] = 0;
	while (*p != '\0') {
		c = (unsigned char)*p++;
		if (c == '.') {
			if (wire[lab] == 0)
				return *why = "empty label in name", -1;
			lab = w++;
			if (lab >= DNS_WIRE_MAX)
				return *why = "name longer than 255 octets", -1;
			wire[lab] = 0;
			if (*p == '\0')
				break;  /* the trailing dot */
			continue;
		}
		if (c == '\\') {
			if (*p == '\0')
				return *why = "name ends in a backslash", -1;
			if (isdigit((unsigned char)p[0])) {
				if (!isdigit((unsigned char)p[1]) ||
				    !isdigit((unsigned char)p[2]))
					return *why = "bad \\DDD escape in name", -1;
				v = (unsigned)(p[0] - '0') * 100 +
				    (unsigned)(p[1] - '0') * 10 + (unsigned)(p[2] - '0');
				if (v > 255)
					return *why = "bad \\DDD escape in name", -1;
				c = (int)v;
				p += 3;
			} else
				c = (unsigned char)*p++;
		}
		if (c == 0)
			return *why = "NUL octet in name", -1;
		if (wire[lab] == DNS_MAX_LABEL_LEN)
			return *why = "label longer than 63 octets", -1;
		if (w + 1 >= DNS_WIRE_MAX)  /* room for this octet and the root */
			return *why = "name longer than 255 octets", -1;
		wire[w++] = (uint8_t)c;
		wire[lab]++;
	}
	if (wire[lab] != 0) {  /* close the last label with the root */
		wire[w++] = 0;
	}
	*wlen = w;
	return 0;
}

/* Append one octet of a label in escaped presentation form. */
static size_t
put_octet(char *out, size_t outlen, size_t n, uint8_t c)
{
	char esc[5];
	size_t k, i;

	if (c == '.' || c == '\\') {
		esc[0] = '\\';
		esc[1] = (char)c;
		k = 2;
	} else if (c <= 0x20 || c >= 0x7f) {
		esc[0] = '\\';
		esc[1] = (char)('0' + c / 100);
		esc[2] = (char)('0' + c / 10 % 10);
		esc[3] = (char)('0' + c % 10);
		k = 4;
	} else {
		esc[0] = (char)c;
		k = 1;
	}
	for (i = 0; i < k; i++, n++)
		if (out != NULL && n + 1 < outlen)
			out[n] = esc[i];
	return n;
}

long
dns_wire_to_text(const uint8_t *d, size_t len, size_t *used, char *out,
    size_t outlen)
{
	size_t pos = 0, n = 0, i, l;

	for (;;) {
		if (pos >= len)
			return -1;
		l = d[pos];
		if (l == 0) {
			pos++;
			break;
		}
		if (l > DNS_MAX_LABEL_LEN)  /* also refuses compression */
			return -1;
		if (pos + 1 + l > len || pos + 1 + l + 1 > DNS_WIRE_MAX)
			return -1;
		if (n > 0) {
			if (out != NULL && n + 1 < outlen)
				out[n] = '.';
			n++;
		}
		for (i = 0; i < l; i++)
			n = put_octet(out, outlen, n, d[pos + 1 + i]);
		pos += 1 + l;
	}
	if (out != NULL && outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
	if (used != NULL)
		*used = pos;
	return (long)n;
}

size_t
dns_wire_to_query(const uint8_t *wire, size_t wlen, char *out, size_t outlen)
{
	size_t pos = 0, n = 0, i, l;
	uint8_t c;
	int k;

	while (pos < wlen && wire[pos] != 0) {
		l = wire[pos];
		for (i = 0; i < l && pos + 1 + i < wlen; i++) {
			c = wire[pos + 1 + i];
			if (isalnum(c) || c == '-' || c == '_' || c == '*') {
				if (n + 1 < outlen)
					out[n] = (char)c;
				n++;
			} else {
				k = snprintf(out + (n < outlen ? n : outlen),
				    n < outlen ? outlen - n : 0, "\\%03u", c);
				n += (size_t)k;
			}
		}
		if (n + 1 < outlen)
			out[n] = '.';
		n++;
		pos += 1 + l;
	}
	if (n == 0) {
		if (outlen > 1)
			out[0] = '.';
		n = 1;
	}
	if (outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
	return n;
}

size_t
dns_make_key(const uint8_t *wire, size_t wlen, dns_type t, uint8_t *key)
{
	size_t i;

	for (i = 0; i < wlen; i++)
		key[i] = (uint8_t)tolower(wire[i]);
	key[wlen] = (uint8_t)((unsigned)t >> 8);
	key[wlen + 1] = (uint8_t)((unsigned)t & 0xff);
	return wlen + 2;
}

int
dns_reverse_name(int af, const void *addr, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *b = addr;
	size_t n = 0;
	int i, k;

	if (af == AF_INET) {
		k = snprintf(out, outlen, "%u.%u.%u.%u.in-addr.arpa",
		    b[3], b[2], b[1], b[0]);
		return k < 0 || (size_t)k >= outlen ? -1 : 0;
	}
	if (af != AF_INET6 || outlen < 16 * 4 + sizeof("ip6.arpa"))
		return -1;
	for (i = 15; i >= 0; i--) {
		out[n++] = hex[b[i] & 0xf];
		out[n++] = '.';
		out[n++] = hex[b[i] >> 4];
		out[n++] = '.';
	}
	memcpy(out + n, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

static const struct {
	dns_type t;
	const char *name;
} type_names[] = {
	{ DNS_T_A, "A" }, { DNS_T_AAAA, "AAAA" }, { DNS_T_MX, "MX" },
	{ DNS_T_TXT, "TXT" }, { DNS_T_PTR, "PTR" },
};

const char *
dns_type_name(dns_type t)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].t == t)
			return type_names[i].name;
	return "?";
}

int
dns_type_from_name(const char *s, dns_type *out)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcasecmp(type_names[i].name, s) == 0) {
			*out = type_names[i].t;
			return 0;
		}
	return -1;
}

const char *
dns_status_name(dns_status s)
{
	switch (s) {
	case DNS_RECORDS: return "records";
	case DNS_NODATA: return "nodata";
	case DNS_NXDOMAIN: return "nxdomain";
	case DNS_TEMPFAIL: return "tempfail";
	case DNS_BADNAME: return "badname";
	}
	return "?";
}

const char *
dns_sec_name(dns_sec s)
{
	switch (s) {
	case DNS_SEC_INSECURE: return "insecure";
	case DNS_SEC_SECURE: return "secure";
	case DNS_SEC_BOGUS: return "bogus";
	}
	return "?";
}
