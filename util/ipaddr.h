/*
 * util/ipaddr.h - IPv4/IPv6 addresses: parse, format, CIDR match, reverse names.
 *
 * SUMMARY
 *   One small value type for an IP address of either family, shared by the
 *   SPF evaluator and the milter's trusted networks. No allocation, no
 *   globals; every function is thread-safe.
 *
 * SYNOPSIS
 *   int  ipaddr_parse(const char *s, ipaddr *out);
 *   int  ipaddr_parse_v4(const char *s, size_t len, ipaddr *out);
 *   int  ipaddr_parse_v6(const char *s, size_t len, ipaddr *out);
 *   int  ipaddr_parse_cidr(const char *s, ipaddr *net, unsigned *prefix);
 *   unsigned ipaddr_parse_port(const char *s);
 *   void ipaddr_from_in(ipaddr *out, const struct in_addr *a);
 *   void ipaddr_from_in6(ipaddr *out, const struct in6_addr *a);
 *   int  ipaddr_unmap(ipaddr *a);
 *   int  ipaddr_match(const ipaddr *a, const ipaddr *net, unsigned prefix);
 *   int  ipaddr_match_list(const ipaddr *a, const ipaddr *nets,
 *                          const unsigned *prefixes, size_t n);
 *   int  ipaddr_equal(const ipaddr *a, const ipaddr *b);
 *   int  ipaddr_format(const ipaddr *a, char *buf, size_t len);
 *   int  ipaddr_reverse_name(const ipaddr *a, char *buf, size_t len);
 *   int  ipaddr_dotted(const ipaddr *a, char *buf, size_t len);
 *
 * DESCRIPTION
 *   ipaddr_parse() accepts a strict dotted quad (four decimal octets, no
 *   leading zeros beyond "0", no omitted parts) or an RFC 4291 IPv6 text form
 *   (including an embedded dotted quad); no zone ids, no brackets. The
 *   _v4/_v6 variants parse exactly len octets of one family. All return 0 on
 *   success and -1 when the text is not an address of that form.
 *   ipaddr_parse_port() is the port s names when s is a decimal port
 *   number and nothing else: digits only, 1 to IPADDR_PORT_MAX (no sign,
 *   blank or leading text; strtoul and getaddrinfo() would take "+25",
 *   " 25" or wrap "99999"); 0 otherwise.
 *   ipaddr_parse_cidr() parses ADDR[/N] with N within the family's width;
 *   without /N the prefix is the full width.
 *
 *   ipaddr_unmap() turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into
 *   the IPv4 address (RFC 7208 5: such clients are treated as IPv4); it
 *   returns 1 when it changed a, else 0.
 *
 *   ipaddr_match() is 1 when a and net have the same family and their first
 *   prefix bits agree (prefix is clamped to the family width), else 0.
 *   ipaddr_match_list() is 1 when a matches one of the n networks
 *   nets[i]/prefixes[i] (ipaddr_match), else 0 (always 0 when n is 0). It
 *   does not unmap a: an IPv4-mapped IPv6 address matches an IPv4 network
 *   only once the caller has applied ipaddr_unmap().
 *
 *   ipaddr_format() writes the usual text form (dotted quad; RFC 5952
 *   compressed lowercase IPv6). ipaddr_reverse_name() writes the PTR query
 *   name (d.c.b.a.in-addr.arpa, or 32 nibbles + ip6.arpa).
 *   ipaddr_dotted() writes the SPF %{i} form (RFC 7208 7.3): the dotted quad,
 *   or the 32 IPv6 nibbles (uppercase hex, as pyspf and Mail::SPF write
 *   them and the RFC 7208 test suite expects in exp= text; DNS does not
 *   care) separated by dots in forward order.
 *   These return the length written, or -1 if buf is too small.
 */
#ifndef AUTHMILTER_IPADDR_H
#define AUTHMILTER_IPADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Longest outputs, including the NUL. */
#define IPADDR_TEXT_MAX 46     /* INET6_ADDRSTRLEN */
#define IPADDR_REVERSE_MAX 74  /* 32 nibbles * 2 + "ip6.arpa" + NUL */
#define IPADDR_DOTTED_MAX 64   /* 32 nibbles * 2 - 1 + NUL */

typedef struct ipaddr {
	int family;      /* AF_INET or AF_INET6 */
	uint8_t b[16];   /* network order; IPv4 uses b[0..3] */
} ipaddr;

int ipaddr_parse(const char *s, ipaddr *out);
int ipaddr_parse_v4(const char *s, size_t len, ipaddr *out);
int ipaddr_parse_v6(const char *s, size_t len, ipaddr *out);
int ipaddr_parse_cidr(const char *s, ipaddr *net, unsigned *prefix);

/* RFC 793 3.1: 16-bit port numbers */
#define IPADDR_PORT_MAX 65535
unsigned ipaddr_parse_port(const char *s);
void ipaddr_from_in(ipaddr *out, const struct in_addr *a);
void ipaddr_from_in6(ipaddr *out, const struct in6_addr *a);
int ipaddr_unmap(ipaddr *a);
int ipaddr_match(const ipaddr *a, const ipaddr *net, unsigned prefix);
int ipaddr_match_list(const ipaddr *a, const ipaddr *nets,
    const unsigned *prefixes, size_t n);
int ipaddr_equal(const ipaddr *a, const ipaddr *b);
int ipaddr_format(const ipaddr *a, char *buf, size_t len);
int ipaddr_reverse_name(const ipaddr *a, char *buf, size_t len);
int ipaddr_dotted(const ipaddr *a, char *buf, size_t len);

#endif
