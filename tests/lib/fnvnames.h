/*
 * tests/lib/fnvnames.h - header field names an attacker picks to collide
 * under the unkeyed hash authmilter used before issue 11 (FNV-1a over the
 * ASCII-lowercased name, the DKIM header selector's), for the tests that
 * show the keyed hash (util/hash.h) spreads them.
 *
 * SYNOPSIS
 *   uint32_t fnvnames_hash(const char *p, size_t n);
 *   void fnvnames_make(char (*names)[FNVNAMES_LEN], size_t count,
 *       uint32_t mask);
 *
 * DESCRIPTION
 *   fnvnames_hash() is that old hash. fnvnames_make() fills names with
 *   the first count names "X-<hex>" (NUL-terminated) whose hash & mask is
 *   0: all in slot 0 of a table of mask + 1 slots, found by trying names
 *   in order, as a sender could.
 */
#ifndef AUTHMILTER_TESTS_FNVNAMES_H
#define AUTHMILTER_TESTS_FNVNAMES_H

#include <stddef.h>
#include <stdint.h>

#define FNVNAMES_LEN 16

uint32_t fnvnames_hash(const char *p, size_t n);
void fnvnames_make(char (*names)[FNVNAMES_LEN], size_t count, uint32_t mask);

#endif
