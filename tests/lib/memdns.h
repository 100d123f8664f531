/*
 * tests/lib/memdns.h - an in-memory DNS for dmarc_evaluate_with() tests.
 *
 * SYNOPSIS
 *   memdns *memdns_new(void);
 *   void    memdns_free(memdns *m);
 *   int     memdns_add(memdns *m, const char *name, dns_type t, const char *txt);
 *   int     memdns_fail(memdns *m, const char *name, dns_type t);
 *   void    memdns_lookup(memdns *m, dmarc_lookup *lk);
 *
 * DESCRIPTION
 *   A test double for the lookup backend until tests can use the zone-file
 *   resolver for everything. memdns_add() adds one record (txt: the TXT
 *   text; ignored for A/AAAA/MX, which just exist). A query for a name with
 *   records of the type answers DNS_RECORDS (TXT in insertion order); a
 *   name known with other types only answers NODATA; an unknown name
 *   NXDOMAIN; memdns_fail() makes (name, type) answer TEMPFAIL.
 *   Names compare case-insensitively. The counters record queries started
 *   and the largest number outstanding at once (overlap).
 */
#ifndef AUTHMILTER_TESTS_MEMDNS_H
#define AUTHMILTER_TESTS_MEMDNS_H

#include "dmarc/dmarc.h"

typedef struct memdns memdns;

memdns *memdns_new(void);
void memdns_free(memdns *m);
int memdns_add(memdns *m, const char *name, dns_type t, const char *txt);
int memdns_fail(memdns *m, const char *name, dns_type t);
void memdns_lookup(memdns *m, dmarc_lookup *lk);
size_t memdns_queries(const memdns *m);
size_t memdns_max_outstanding(const memdns *m);
/* Has (name, type) been queried? */
int memdns_asked(const memdns *m, const char *name, dns_type t);

#endif
