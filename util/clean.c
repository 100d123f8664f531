/*
 * util/clean.c - output cleaning (contract in clean.h): one table gives
 * every octet its character classes and, for UTF-8 (RFC 3629), its role
 * in a sequence; the cleaners, the UTF-8 reader and the quoting read it.
 */
#include "util/clean.h"

#include <string.h>

/* The public classes are the low byte; the UTF-8 role sits above it:
 * the length of the sequence an octet starts (1-4; 0: it starts none)
 * and whether it is a continuation octet (10xxxxxx). */
#define CLASSES     0xffu
#define U_LEN(k)    ((k) >> 8 & 7u)
#define U_CONT      0x800u

/* ASCII octets (all are 1-octet sequences) */
#define C   (CLEAN_CTL | 0x100u)                 /* control, DEL */
#define SP  (CLEAN_PRINT | 0x100u)                /* ' ' */
#define S   (CLEAN_PRINT | CLEAN_VCHAR | 0x100u)  /* "(),:;<>@[\] */
#define W   (S | CLEAN_TOKEN | CLEAN_ATEXT | CLEAN_DOTATOM) /* atext, token */
#define D   (S | CLEAN_TOKEN | CLEAN_DOTATOM)     /* '.' */
#define A   (S | CLEAN_ATEXT | CLEAN_DOTATOM)     /* tspecial atext: /=? */
/* 8-bit octets */
#define K   (CLEAN_8BIT | U_CONT)                 /* 80-BF continuation */
#define X   CLEAN_8BIT                            /* C0 C1 F5-FF: never */
#define L2  (CLEAN_8BIT | 0x200u)                 /* C2-DF */
#define L3  (CLEAN_8BIT | 0x300u)                 /* E0-EF */
#define L4  (CLEAN_8BIT | 0x400u)                 /* F0-F4 */
#define R8(v) v, v, v, v, v, v, v, v
#define R16(v) R8(v), R8(v)

static const unsigned short tab[256] = {
	R16(C),                                           /* 00-0F */
	R16(C),                                           /* 10-1F */
	/* sp !  "  #  $  %  &  '  (  )  *  +  ,  -  .  / */
	SP, W, S, W, W, W, W, W, S, S, W, W, S, W, D, A,
	/* 0-9                           :  ;  <  =  >  ? */
	W, W, W, W, W, W, W, W, W, W, S, S, S, A, S, A,
	/* @  A-O */
	S, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W,
	/* P-Z                                 [  \  ]  ^  _ */
	W, W, W, W, W, W, W, W, W, W, W, S, S, S, W, W,
	/* `  a-o */
	W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, W,
	/* p-z                                 {  |  }  ~  DEL */
	W, W, W, W, W, W, W, W, W, W, W, W, W, W, W, C,
	R16(K), R16(K), R16(K), R16(K),                   /* 80-BF */
	X, X, L2, L2, L2, L2, L2, L2, R8(L2),             /* C0-CF */
	R16(L2),                                          /* D0-DF */
	R16(L3),                                          /* E0-EF */
	L4, L4, L4, L4, L4, X, X, X, R8(X),               /* F0-FF */
};

#undef C
#undef SP
#undef S
#undef W
#undef D
#undef A
#undef K
#undef X
#undef L2
#undef L3
#undef L4
#undef R8
#undef R16

int
clean_is(int c, unsigned cls)
{
	return (tab[(unsigned char)c] & cls & CLASSES) != 0;
}

size_t
clean_span(const char *s, unsigned cls)
{
	size_t i;

	cls &= CLASSES;
	for (i = 0; s[i] != '\0' && (tab[(unsigned char)s[i]] & cls); i++)
		;
	return i;
}

size_t
clean_cspan(const char *s, unsigned cls)
{
	size_t i;

	cls &= CLASSES;
	for (i = 0; s[i] != '\0' && !(tab[(unsigned char)s[i]] & cls); i++)
		;
	return i;
}

const char *
clean_copy(char *dst, size_t size, const char *src, unsigned keep)
{
	size_t i;

	if (size == 0)
		return "";
	keep &= CLASSES;
	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (tab[(unsigned char)src[i]] & keep) ? src[i] : '?';
	dst[i] = '\0';
	return dst;
}

size_t
clean_utf8_char(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len, i;
	uint32_t c;

	if (n == 0 || (len = U_LEN(tab[u[0]])) == 0 || n < len)
		return 0;
	/* the lead's payload: 7 bits for ASCII, else 5, 4 or 3 */
	c = len == 1 ? u[0] : u[0] & (0x7fu >> len);
	for (i = 1; i < len; i++) {
		if (!(tab[u[i]] & U_CONT))
			return 0;
		c = c << 6 | (u[i] & 0x3fu);
	}
	/* overlong (C0 and C1 leads have no entry), surrogate, > U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	if (cp != NULL)
		*cp = c;
	return len;
}

size_t
clean_utf8(char *dst, size_t size, const char *src, unsigned keep)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "");
	size_t n = strlen((const char *)s), i = 0, o = 0, l, k;
	uint32_t cp;

	if (size == 0)
		return 0;
	keep &= CLASSES;
	while (i < n) {
		/* the common case: ASCII, octet by octet */
		if (s[i] < 0x80) {
			if (o + 1 >= size)
				break;
			dst[o++] = (tab[s[i]] & keep) ? (char)s[i] : '?';
			i++;
			continue;
		}
		l = clean_utf8_char((const char *)s + i, n - i, &cp);
		if (l == 0 || (cp >= 0x80 && cp <= 0x9f) || cp == 0xfffe ||
		    cp == 0xffff) {
			/* an invalid octet, or a character not to be shown */
			if (o + 1 >= size)
				break;
			dst[o++] = '?';
			i += l == 0 ? 1 : l;
			continue;
		}
		if (o + l >= size)
			break; /* never split a character */
		for (k = 0; k < l; k++) /* o <= i: safe in place */
			dst[o++] = (char)s[i++];
	}
	dst[o] = '\0';
	return o;
}

size_t
clean_quote(char *dst, size_t size, const char *src, int open, int close)
{
	size_t i, o = 0;

	if (size < 3) {
		if (size > 0)
			dst[0] = '\0';
		return 0;
	}
	dst[o++] = (char)open;
	/* room for an escaped pair, close and the NUL */
	for (i = 0; src[i] != '\0' && o + 3 < size; i++) {
		if (src[i] == open || src[i] == close || src[i] == '\\')
			dst[o++] = '\\';
		dst[o++] = src[i];
	}
	dst[o++] = (char)close;
	dst[o] = '\0';
	return o;
}
