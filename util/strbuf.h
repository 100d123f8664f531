/*
 * util/strbuf.h - a growable, always NUL-terminated byte string.
 *
 * SYNOPSIS
 *   void sb_init(strbuf *sb);
 *   int  sb_append(strbuf *sb, const void *p, size_t n);
 *   int  sb_puts(strbuf *sb, const char *s);
 *   int  sb_putc(strbuf *sb, int c);
 *   int  sb_printf(strbuf *sb, const char *fmt, ...);
 *   void sb_reset(strbuf *sb);
 *   char *sb_steal(strbuf *sb);
 *   void sb_free(strbuf *sb);
 *
 * DESCRIPTION
 *   The one string type of the project (as Postfix has VSTRING). sb->s is
 *   never NULL after sb_init (it points at "" until the first append) and is
 *   always NUL-terminated; sb->len excludes the NUL and the data may hold
 *   NUL octets. A buffer may carry a cap (sb->max, 0 = unlimited): an append
 *   that would pass it fails and leaves the buffer unchanged, so input-driven
 *   growth is bounded. Every append returns 0 on success and -1 when memory
 *   or the cap runs out; sb->failed then stays set, so callers may append a
 *   series and check once.
 *   sb_steal() hands the malloc'd string to the caller and re-inits sb.
 *   str_fmt() formats into a fixed buffer, cutting the text short when
 *   it does not fit (for reasons and replies, where that is acceptable).
 */
#ifndef AUTHMILTER_STRBUF_H
#define AUTHMILTER_STRBUF_H

#include <stddef.h>

typedef struct strbuf {
	char *s;
	size_t len;
	size_t cap;   /* allocated bytes, 0 while s points at the static "" */
	size_t max;   /* 0: no cap; else the longest len allowed */
	int failed;
} strbuf;

void sb_init(strbuf *sb);
void sb_init_max(strbuf *sb, size_t max);
int sb_append(strbuf *sb, const void *p, size_t n);
int sb_puts(strbuf *sb, const char *s);
int sb_putc(strbuf *sb, int c);
int sb_printf(strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sb_reset(strbuf *sb);
void sb_truncate(strbuf *sb, size_t len);
char *sb_steal(strbuf *sb);
void sb_free(strbuf *sb);

/* snprintf into a fixed buffer where cutting the text short is acceptable
 * (human-readable reasons); returns 1 when it was cut, else 0. */
int str_fmt(char *dst, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
