/*
 * util/strcopy.h - bounded copy of a string into a fixed buffer.
 *
 * SYNOPSIS
 *   int strcopy(char *dst, size_t size, const char *src);
 *   int strcopy_n(char *dst, size_t size, const char *src, size_t n);
 *
 * DESCRIPTION
 *   The one way to copy text into a fixed-size field (a result's domain,
 *   a request kept for a worker, a token read by a parser). dst holds
 *   size octets; whatever happens, dst is NUL-terminated when size > 0,
 *   and nothing is ever written past dst[size - 1].
 *
 *   strcopy() copies the NUL-terminated src (NULL copies as "").
 *   strcopy_n() copies the n octets at src, which need not be
 *   NUL-terminated (a span of a larger buffer); they are copied as they
 *   are, so a NUL among them ends the string early.
 *
 *   Both return 0 when all of src fitted, and -1 when it did not: then
 *   dst holds its first size - 1 octets (a cut copy; nothing when size is
 *   0). A caller for whom a cut value is wrong refuses it on -1 (and must
 *   not use dst); one for whom a cut is acceptable (a reason, a field
 *   shown to a human) ignores the return. The cut does not look at
 *   characters: text that must stay valid UTF-8 is cut by clean_utf8()
 *   (util/clean.h). dst and src must not overlap.
 */
#ifndef AUTHMILTER_STRCOPY_H
#define AUTHMILTER_STRCOPY_H

#include <stddef.h>

int strcopy(char *dst, size_t size, const char *src);
int strcopy_n(char *dst, size_t size, const char *src, size_t n);

#endif
