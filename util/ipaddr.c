/*
 * util/ipaddr.c - IPv4/IPv6 parse, format, CIDR match and reverse names
 * (contract in ipaddr.h).
 */
#include "util/ipaddr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char hexdig[] = "0123456789abcdef";
static const char hexup[] = "0123456789ABCDEF";

int
ipaddr_parse_v4(const char *s, size_t len, ipaddr *out)
{
	size_t i = 0;
	int part;

	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	for (part = 0; part < 4; part++) {
		unsigned v = 0;
		size_t start = i;

		if (part > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255)
			return -1;
		if (s[start] == '0' && i - start > 1)
			return -1;  /* no leading zeros: 010 is ambiguous */
		out->b[part] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

int
ipaddr_parse_v6(const char *s, size_t len, ipaddr *out)
{
	char buf[IPADDR_TEXT_MAX];
	size_t i;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':' || s[i] == '.'))
			return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	return inet_pton(AF_INET6, buf, out->b) == 1 ? 0 : -1;
}

int
ipaddr_parse(const char *s, ipaddr *out)
{
	size_t len = strlen(s);

	if (strchr(s, ':') != NULL)
		return ipaddr_parse_v6(s, len, out);
	return ipaddr_parse_v4(s, len, out);
}

int
ipaddr_parse_cidr(const char *s, ipaddr *net, unsigned *prefix)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned width, v = 0;
	const char *p;
	int rc;

	if (memchr(s, ':', alen) != NULL)
		rc = ipaddr_parse_v6(s, alen, net);
	else
		rc = ipaddr_parse_v4(s, alen, net);
	if (rc != 0)
		return -1;
	width = net->family == AF_INET ? 32 : 128;
	if (slash == NULL) {
		*prefix = width;
		return 0;
	}
	p = slash + 1;
	if (*p == '\0' || (*p == '0' && p[1] != '\0'))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > width)
			return -1;
	}
	*prefix = v;
	return 0;
}

void
ipaddr_from_in(ipaddr *out, const struct in_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET;
	memcpy(out->b, &a->s_addr, 4);
}

void
ipaddr_from_in6(ipaddr *out, const struct in6_addr *a)
{
	memset(out, 0, sizeof(*out));
	out->family = AF_INET6;
	memcpy(out->b, a->s6_addr, 16);
}

int
ipaddr_unmap(ipaddr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	uint8_t v4[4];

	if (a->family != AF_INET6 || memcmp(a->b, mapped, 12) != 0)
		return 0;
	memcpy(v4, a->b + 12, 4);
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	memcpy(a->b, v4, 4);
	return 1;
}

int
ipaddr_match(const ipaddr *a, const ipaddr *net, unsigned prefix)
{
	unsigned width, full, rest;

	if (a->family != net->family)
		return 0;
	width = a->family == AF_INET ? 32 : 128;
	if (prefix > width)
		prefix = width;
	full = prefix / 8;
	rest = prefix % 8;
	if (memcmp(a->b, net->b, full) != 0)
		return 0;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a->b[full] & mask) != (net->b[full] & mask))
			return 0;
	}
	return 1;
}

int
ipaddr_match_list(const ipaddr *a, const ipaddr *nets,
    const unsigned *prefixes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ipaddr_match(a, &nets[i], prefixes[i]))
			return 1;
	return 0;
}

int
ipaddr_equal(const ipaddr *a, const ipaddr *b)
{
	return ipaddr_match(a, b, 128);
}

int
ipaddr_format(const ipaddr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL)
		return -1;
	return (int)strlen(buf);
}

int
ipaddr_reverse_name(const ipaddr *a, char *buf, size_t len)
{
	size_t o = 0;
	int i, n;

	if (a->family == AF_INET) {
		n = snprintf(buf, len, "%u.%u.%u.%u.in-addr.arpa", a->b[3],
		    a->b[2], a->b[1], a->b[0]);
		return n < 0 || (size_t)n >= len ? -1 : n;
	}
	if (len < IPADDR_REVERSE_MAX)
		return -1;
	for (i = 15; i >= 0; i--) {
		buf[o++] = hexdig[a->b[i] & 0xf];
		buf[o++] = '.';
		buf[o++] = hexdig[a->b[i] >> 4];
		buf[o++] = '.';
	}
	memcpy(buf + o, "ip6.arpa", 9);
	return (int)(o + 8);
}

int
ipaddr_dotted(const ipaddr *a, char *buf, size_t len)
{
	size_t o = 0;
	int i;

	if (a->family == AF_INET)
		return ipaddr_format(a, buf, len);
	if (len < IPADDR_DOTTED_MAX)
		return -1;
	for (i = 0; i < 16; i++) {
		if (i > 0)
			buf[o++] = '.';
		buf[o++] = hexup[a->b[i] >> 4];
		buf[o++] = '.';
		buf[o++] = hexup[a->b[i] & 0xf];
	}
	buf[o] = '\0';
	return (int)o;
}

unsigned
ipaddr_parse_port(const char *s)
{
	unsigned long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		if (v <= IPADDR_PORT_MAX)
			v = v * 10 + (unsigned long)(*p - '0');
	return p > s && *p == '\0' && v >= 1 && v <= IPADDR_PORT_MAX ?
	    (unsigned)v : 0;
}
