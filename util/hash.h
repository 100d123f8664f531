/*
 * util/hash.h - a keyed hash for tables whose keys a sender chooses.
 *
 * SYNOPSIS
 *   uint64_t hash_keyed(const void *p, size_t n);
 *   uint64_t hash_keyed_lower(const void *p, size_t n);
 *   uint64_t hash_siphash24(const unsigned char key[16], const void *p,
 *       size_t n);
 *
 * DESCRIPTION
 *   Header field names, key record texts and DNS names come from the
 *   sender. With an unkeyed hash (FNV-1a) anyone can compute names that
 *   all land in one bucket and turn a table lookup into a scan of every
 *   entry, once per field of a message (hash flooding). SipHash-2-4
 *   (Aumasson and Bernstein, 2012) with a secret key is a pseudo-random
 *   function: without the key, collisions cannot be chosen.
 *
 *   hash_keyed() is SipHash-2-4 of p[0..n) under this process's key: 16
 *   octets from getrandom() (or /dev/urandom), drawn once, at the first
 *   call, from any thread. hash_keyed_lower() hashes as if every ASCII
 *   capital were lowercase (case-insensitive names), without copying.
 *   hash_siphash24() takes the key (the reference test vectors). All
 *   three are thread-safe and never fail.
 */
#ifndef AUTHMILTER_HASH_H
#define AUTHMILTER_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t hash_keyed(const void *p, size_t n);
uint64_t hash_keyed_lower(const void *p, size_t n);
uint64_t hash_siphash24(const unsigned char key[16], const void *p, size_t n);

#endif
