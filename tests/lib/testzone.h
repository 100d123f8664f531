/*
 * tests/lib/testzone.h - a zone file written by a test or benchmark, and
 * the real resolver (dns/dns.h) over it.
 *
 * SYNOPSIS
 *   FILE *testzone_create(char *path, size_t size, const char *prog);
 *   dns_resolver *testzone_resolver(const char *path, unsigned timeout_ms,
 *       char *err, size_t errlen);
 *   void testzone_txt(FILE *fp, const char *name, const char *txt,
 *       size_t len);
 *
 * DESCRIPTION
 *   testzone_create() makes a new file /tmp/PROG.XXXXXX (its name in
 *   path, size octets; the caller unlinks it), opens it for writing and
 *   writes the root's SOA and NS records: the caller adds its own
 *   records (RFC 1035 master-file lines, absolute names) and closes it.
 *   NULL when the file cannot be made.
 *
 *   testzone_resolver() starts the resolver on that zone file alone, no
 *   DNSSEC trust anchor, timeout_ms per query (0: the resolver's
 *   default). NULL with the reason in err.
 *
 *   testzone_txt() writes one TXT record of txt[0..len) at name (without
 *   its final dot) in strings of 255 octets, quotes, backslashes and
 *   octets outside 0x20-0x7e escaped; an empty txt is one empty string.
 */
#ifndef AUTHMILTER_TESTS_TESTZONE_H
#define AUTHMILTER_TESTS_TESTZONE_H

#include <stddef.h>
#include <stdio.h>

#include "dns/dns.h"

FILE *testzone_create(char *path, size_t size, const char *prog);
dns_resolver *testzone_resolver(const char *path, unsigned timeout_ms,
    char *err, size_t errlen);
void testzone_txt(FILE *fp, const char *name, const char *txt, size_t len);

#endif
