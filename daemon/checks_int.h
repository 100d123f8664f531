/*
 * daemon/checks_int.h - what `authmilter -n` checks beyond the config's
 * syntax (as the run-as user, changing nothing), and the words of the
 * resolver probe (at start and with -n).
 *
 * SYNOPSIS
 *   int checks_as_user(const am_config *cfg, const char *config_path,
 *                      int drop, uid_t uid, gid_t gid, const char *name);
 *   int checks_resolver(dns_resolver *r, const am_config *cfg);
 *   int checks_probe_begin(dns_resolver *r, const am_config *cfg);
 *   int checks_probe_poll(void);
 *   void checks_probe_end(void);
 *   int checks_sign_records(dns_resolver *r, const sign_conf *sc,
 *                           const char *config_path);
 *
 * DESCRIPTION
 *   checks_as_user() forks a child that becomes the run-as user (drop:
 *   initgroups, setgid gid, setuid uid, as drop_privileges() will) and
 *   asks access(2) as that user whether the daemon will be able to use
 *   its files after dropping privileges: read the config file (a SIGHUP
 *   re-reads it), dns_zone and dns_conf (the resolver is built after the
 *   drop), and write the SQLite history store (the file, its -wal and
 *   -shm files when present, and its directory, where SQLite makes them),
 *   and read and accept every sign_key private key, as the daemon will
 *   (it reads them as that user, at start and on reload): a missing,
 *   unreadable or refused key is an error, a group/world-readable one or
 *   an RSA key under 2048 bits a warning, each named "CONFIG:LINE:".
 *   checks_sign_records() looks up the record of each sign_key entry
 *   (SELECTOR._domainkey.DOMAIN, DOMAIN the signing domain; none for a
 *   sub-domain entry without one) through the resolver: a published p=
 *   that is not the key's public part is an error (-1), no record or no
 *   answer (offline) a warning.
 *   Nothing is opened for writing or made. Each problem is logged (LOG_ERR)
 *   naming the path and the user; returns 0, or -1 when any failed.
 *
 *   checks_resolver() probes the resolver (dns_resolver_probe(): one query,
 *   dns_timeout) and says what it found: nothing in zone-file mode or when
 *   the answer came; a warning naming the servers (the root, dns_forward's,
 *   dns_conf's) and what to set when no usable answer came; an error when
 *   the resolver cannot start at all (a dns_conf whose auth-zone does not
 *   parse). Returns 0, or -1 only for that error: an unreachable network is
 *   a warning, never a refusal to start. It waits up to dns_timeout (-n).
 *
 *   The daemon's start does not wait: checks_probe_begin() sends the probe
 *   and returns -1 (said) only when the resolver cannot start (libunbound
 *   refuses the query at once); the daemon then serves, and its main loop
 *   calls checks_probe_poll() before each wait: -1 when no probe is
 *   pending, else the milliseconds until its deadline (the wait's bound);
 *   at the deadline, or once answered, it says what the probe found, as
 *   checks_resolver() does. The resolver must live until then, or until
 *   checks_probe_end() drops the probe (at stop).
 */
#ifndef AUTHMILTER_CHECKS_INT_H
#define AUTHMILTER_CHECKS_INT_H

#include <sys/types.h>

#include "config/config.h"
#include "dns/dns.h"
#include "message/message.h"

int checks_as_user(const am_config *cfg, const char *config_path, int drop,
    uid_t uid, gid_t gid, const char *name);
int checks_resolver(dns_resolver *r, const am_config *cfg);
int checks_probe_begin(dns_resolver *r, const am_config *cfg);
int checks_probe_poll(void);
void checks_probe_end(void);
int checks_sign_records(dns_resolver *r, const sign_conf *sc,
    const char *config_path);

#endif
