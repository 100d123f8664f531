/*
 * util/base64.h - strict base64 decoding (RFC 4648 section 4) that skips
 * folding whitespace, as RFC 6376 3.5 allows inside b=, bh= and p=.
 *
 * SYNOPSIS
 *   int base64_decode(const char *s, size_t len, unsigned char *out,
 *       size_t outmax, size_t *outlen);
 *   size_t base64_decoded_max(size_t len);
 *
 * DESCRIPTION
 *   base64_decode() decodes s[0..len) into out (at most outmax octets).
 *   SP, HTAB, CR and LF are skipped anywhere. Anything else outside the
 *   alphabet, "=" anywhere but the last one or two positions, a count of
 *   significant characters that is not a multiple of 4, or output longer
 *   than outmax gives -1. Returns 0 and sets *outlen on success.
 *   base64_decoded_max() is an upper bound of the decoded size of len
 *   input characters.
 */
#ifndef AUTHMILTER_BASE64_H
#define AUTHMILTER_BASE64_H

#include <stddef.h>

int base64_decode(const char *s, size_t len, unsigned char *out, size_t outmax,
    size_t *outlen);
size_t base64_decoded_max(size_t len);

#endif
