/*
 * tests/lib/dnscheck.h - the real resolver (dns/dns.h) in Check tests:
 * started over a zone file, and a lookup whose status is asserted.
 *
 * SYNOPSIS
 *   dns_resolver *dnscheck_new(const dns_config *cfg);
 *   dns_resolver *dnscheck_resolver(const char *zone_file,
 *       int cache_entries);
 *   dns_resolver *dnscheck_conf_resolver(const char *conf,
 *       unsigned timeout_ms);
 *   dns_answer *dnscheck_look(dns_resolver *r, const char *name,
 *       dns_type t, dns_status want);
 *   int dnscheck_dead_conf(char *path, size_t len, const char *server_extra);
 *
 * DESCRIPTION
 *   dnscheck_new() is dns_resolver_new(cfg); a resolver that does not
 *   start fails the test ("resolver: " and why).
 *
 *   dnscheck_resolver() starts the resolver on zone_file alone (zone-file
 *   mode, every other dns_config field zero: the default trust anchor and
 *   timeout) with cache_entries (0: the default cache, negative: none),
 *   through dnscheck_new().
 *
 *   dnscheck_conf_resolver() starts it on the libunbound config file conf
 *   (e.g. dnscheck_dead_conf()'s) with timeout_ms, through dnscheck_new().
 *
 *   dnscheck_look() is dns_lookup(r, name, t), failing the test when the
 *   answer's status is not want (naming the query, the status and its
 *   reason); the caller frees the answer.
 *
 *   dnscheck_dead_conf() binds a UDP socket on 127.0.0.1 that never
 *   answers and writes a libunbound config file (its name, made with
 *   mkstemp, into path) whose stub zone dead.example. points at it, with
 *   the lines server_extra (NULL: none; each "    key: value\n") added to
 *   its server: clause. It returns the socket; the caller closes it and
 *   unlinks path.
 *
 *   Check programs only (both end in a Check assertion); the conformance
 *   runners and benchmarks never pull this object in.
 */
#ifndef AUTHMILTER_TESTS_DNSCHECK_H
#define AUTHMILTER_TESTS_DNSCHECK_H

#include "dns/dns.h"

dns_resolver *dnscheck_new(const dns_config *cfg);
dns_resolver *dnscheck_resolver(const char *zone_file, int cache_entries);
dns_resolver *dnscheck_conf_resolver(const char *conf, unsigned timeout_ms);
dns_answer *dnscheck_look(dns_resolver *r, const char *name, dns_type t,
    dns_status want);
int dnscheck_dead_conf(char *path, size_t len, const char *server_extra);

#endif
