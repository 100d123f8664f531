/*
 * util/dynlib.h - a shared library loaded on first use.
 *
 * SYNOPSIS
 *   int dynlib_load(const char *soname, const char *const *names,
 *                   void **slots, size_t n, char *err, size_t errlen);
 *
 * DESCRIPTION
 *   dlopen()s soname and resolves names[0..n-1] into slots[0..n-1].
 *   Returns 0, or -1 with a message naming the library (and the Debian
 *   package hint the caller put in the soname's context) in err. Callers
 *   run it once (pthread_once) and keep the result.
 *
 *   Why: libpq (the PostgreSQL history store) and libxml2 (XML reports)
 *   bring ~4.4 MB of library pages (gnutls, krb5, ldap, ICU, libstdc++)
 *   into every process that links them, the milter daemon included, which
 *   uses neither unless configured for PostgreSQL. Loaded on demand, the
 *   daemon's resident memory drops by that much (measured with smaps).
 */
#ifndef AUTHMILTER_DYNLIB_H
#define AUTHMILTER_DYNLIB_H

#include <stddef.h>

int dynlib_load(const char *soname, const char *const *names, void **slots,
    size_t n, char *err, size_t errlen);

#endif
