/*
 * util/strbuf.c - growable NUL-terminated byte strings (see strbuf.h).
 */
#include "util/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char sb_empty[1];

void
sb_init(strbuf *sb)
{
	sb_init_max(sb, 0);
}

void
sb_init_max(strbuf *sb, size_t max)
{
	sb->s = sb_empty;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max;
	sb->failed = 0;
}

static /* Up to this size a buffer grows by malloc + copy (glibc's thread cache
 * holds blocks up to 1032 bytes). */
#define SB_SMALL 1024

int
sb_reserve(strbuf *sb, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > (size_t)-1 / 2 - sb->len)
		return sb->failed = 1, -1;
	need = sb->len + extra + 1;
	if (sb->max != 0 && sb->len + extra > sb->max)
		return sb->failed = 1, -1;
	if (need <= sb->cap)
		return 0;
	ncap = sb->cap ? sb->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if (sb->max != 0 && ncap > sb->max + 1)
		ncap = sb->max + 1;  /* never allocate past the cap */
	if (ncap <= SB_SMALL) {
		/* malloc + copy, not realloc: glibc's realloc always takes the
		 * arena lock, malloc and free of small blocks use the thread's
		 * cache (util/zalloc.h says why that matters here) */
		if ((p = malloc(ncap)) == NULL)
			return sb->failed = 1, -1;
		if (sb->cap) {
			memcpy(p, sb->s, sb->len + 1);
			free(sb->s);
		} else
			p[0] = '\0';
	} else {
		p = realloc(sb->cap ? sb->s : NULL, ncap);
		if (p == NULL)
			return sb->failed = 1, -1;
		if (sb->cap == 0)
			p[0] = '\0';
	}
	sb->s = p;
	sb->cap = ncap;
	return 0;
}

int
sb_append(strbuf *sb, const void *p, size_t n)
{
	if (sb_reserve(sb, n) < 0)
		return -1;
	if (n)
		memcpy(sb->s + sb->len, p, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int
sb_puts(strbuf *sb, const char *s)
{
	return sb_append(sb, s, strlen(s));
}

int
sb_putc(strbuf *sb, int c)
{
	char ch = (char)c;

	return sb_append(sb, &ch, 1);
}

int
sb_printf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || sb_reserve(sb, (size_t)n) < 0)
		return sb->failed = 1, -1;
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

void
sb_reset(strbuf *sb)
{
	sb_truncate(sb, 0);
	sb->failed = 0;
}

void
sb_truncate(strbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		if (sb->cap)
			sb->s[len] = '\0';
	}
}

char *
sb_steal(strbuf *sb)
{
	char *s = sb->cap ? sb->s : strdup("");
	size_t max = sb->max;

	sb_init_max(sb, max);
	return s;
}

void
sb_free(strbuf *sb)
{
	if (sb->cap)
		free(sb->s);
	sb_init_max(sb, sb->max);
}

int
str_fmt(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (size == 0)
		return 1;
	va_start(ap, fmt);
	n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0) {
		dst[0] = '\0';
		return 1;
	}
	return (size_t)n >= size;
}
