/*
 * message/received_parse_int.h - read the `from` clause of a Received
 * header field (RFC 5321 4.4): the client's HELO name, reverse DNS name
 * and IP address as the receiving MTA recorded them. Used for mail that
 * arrives through a gateway in upstream_networks (message.c): the
 * gateway's own Received field names the original client.
 *
 * SYNOPSIS
 *   int received_parse(const char *value, size_t len, received_hop *out,
 *                      char *err, size_t errlen);
 *
 * DESCRIPTION
 *   value is the field's text after the colon (folding allowed). The
 *   clause read is `from HELO (TCP-info) ...` up to the first of the
 *   keywords by, with, id, via, for or a ';' outside comments. The forms
 *   of the common MTAs are understood:
 *     Postfix   from HELO (RDNS [IP])        (RDNS "unknown" when none)
 *     Sendmail  from HELO (RDNS [IP] (may be forged)), from HELO ([IP])
 *     Exchange  from HELO (IP)               (bare address, no brackets)
 *     Gmail     from HELO (RDNS. [IP])
 *     Exim      from RDNS ([IP]:PORT helo=HELO), from [IP] (helo=HELO)
 *     qmail     from RDNS (HELO name) (IP)
 *   with IPv6 addresses bracketed, with the "IPv6:" prefix of RFC 5321
 *   4.1.3, or bare. The IP is the first address inside the top-level
 *   comments (nested comments such as "(may be forged)" are skipped); only
 *   the Exim form without a reverse name takes it from the leading
 *   literal. An IPv4-mapped IPv6 address is given as IPv4. The HELO is
 *   the word after `from`, unless a comment names it (helo=, HELO, EHLO).
 *
 *   Returns 0 with out filled (rdns "" when none was recorded), or -1 and
 *   the reason in err: no `from` clause, no address, an address that does
 *   not parse, a token over its bound, an unbalanced comment, a field
 *   longer than RECEIVED_MAX_LEN. The scan is one pass over the value,
 *   nothing is allocated.
 */
#ifndef AUTHMILTER_RECEIVED_PARSE_INT_H
#define AUTHMILTER_RECEIVED_PARSE_INT_H

#include <stddef.h>

/* Local limit: an MTA's Received field is a few hundred octets; RFC 5322
 * 2.1.1 bounds lines (998), not folded fields. */
#define RECEIVED_MAX_LEN 8192
#define RECEIVED_NAME_MAX 256   /* a domain name, RFC 1035 2.3.4, with NUL */
#define RECEIVED_IP_MAX 46      /* INET6_ADDRSTRLEN */

typedef struct received_hop {
	char ip[RECEIVED_IP_MAX];
	char helo[RECEIVED_NAME_MAX];
	char rdns[RECEIVED_NAME_MAX];
} received_hop;

int received_parse(const char *value, size_t len, received_hop *out,
    char *err, size_t errlen);

#endif
