/*
 * util/clean.h - output cleaning: what sender-controlled text may look
 * like when it is written into a header, a log line, JSON or a report.
 *
 * SYNOPSIS
 *   int    clean_is(int c, unsigned cls);
 *   size_t clean_span(const char *s, unsigned cls);
 *   size_t clean_cspan(const char *s, unsigned cls);
 *   const char *clean_copy(char *dst, size_t size, const char *src,
 *              unsigned keep);
 *   size_t clean_utf8_char(const char *s, size_t n, uint32_t *cp);
 *   size_t clean_utf8(char *dst, size_t size, const char *src,
 *              unsigned keep);
 *   size_t clean_quote(char *dst, size_t size, const char *src, int open,
 *              int close);
 *
 * DESCRIPTION
 *   Domains, local-parts, selectors, HELO names, DNS texts and the reasons
 *   quoting them come from the sender. Whatever writes them out decides
 *   octet by octet what may pass, through one table of character classes
 *   (bits, combined with |):
 *
 *     CLEAN_PRINT    %x20-7E, printable ASCII with SP
 *     CLEAN_VCHAR    %x21-7E, RFC 5234 B.1 VCHAR (printable, no SP)
 *     CLEAN_CTL      %x00-1F and %x7F, the C0 controls and DEL
 *     CLEAN_8BIT     %x80-FF
 *     CLEAN_TOKEN    RFC 2045 5.1 token octets: VCHAR but tspecials
 *                    ()<>@,;:\"/[]?=
 *     CLEAN_ATEXT    RFC 5322 3.2.3 atext: ALPHA DIGIT !#$%&'*+-/=?^_`{|}~
 *     CLEAN_DOTATOM  RFC 5322 3.2.3 dot-atom-text octets: atext and '.'
 *
 *   clean_is() says whether the octet c (as char or unsigned char) is in
 *   any class of cls. clean_span() is the length of the longest prefix of
 *   s whose octets all are in cls, clean_cspan() of the longest with none
 *   in cls (as strspn / strcspn; s[clean_cspan(s, CLEAN_CTL)] != '\0'
 *   says s holds a control).
 *
 *   clean_copy() copies src (NULL: "") into dst (size octets), replacing
 *   every octet in no class of keep by '?', cut to size - 1 octets, always
 *   NUL-terminated; it returns dst ("" when size is 0). With keep =
 *   CLEAN_PRINT the copy is printable ASCII, safe in a header, a log line
 *   or a JSON string (CR, LF, NUL, ESC and 8-bit octets become '?').
 *
 *   clean_utf8_char() reads one RFC 3629 UTF-8 character at s (n octets
 *   available): its length 1-4 and, when cp is not NULL, its code point;
 *   0 when the octets there are not a valid character (a continuation
 *   octet, a lead C0, C1 or F5-FF, a sequence cut short by n or by a
 *   non-continuation octet, an overlong form, a surrogate U+D800-DFFF, a
 *   code point above U+10FFFF). An ASCII octet, control or not, is a
 *   character of length 1.
 *
 *   clean_utf8() copies src (NULL: "") into dst (size octets) as valid
 *   UTF-8 that a reader of the text can be shown: an ASCII octet in no
 *   class of keep (keep CLEAN_PRINT: controls and DEL; CLEAN_VCHAR: SP
 *   too), each octet of an invalid sequence, and a valid character that is
 *   a C1 control (U+0080-009F) or a noncharacter XML 1.0 2.2 refuses
 *   (U+FFFE, U+FFFF) become one '?' each. Cutting to size - 1 octets never
 *   splits a character. It returns the length written (always < size; 0
 *   and nothing written when size is 0). The text never gets longer, so
 *   dst may be src (in place).
 *
 *   clean_quote() writes src between open and close, with a '\' before
 *   every open, close and '\' in it: open = close = '"' gives an RFC 5322
 *   3.2.4 quoted-string, '(' and ')' an RFC 5322 3.2.2 comment. src must
 *   be clean already (clean_copy with CLEAN_PRINT): no CR, LF or NUL. An
 *   octet is written while room is left for an escaped pair, close and
 *   the NUL, so a text of n octets (escapes counted) always fits whole in
 *   n + 4 and a cut never falls between '\' and the octet it escapes;
 *   size < 3 writes "" (no room for the delimiters). It returns the
 *   length written.
 */
#ifndef AUTHMILTER_CLEAN_H
#define AUTHMILTER_CLEAN_H

#include <stddef.h>
#include <stdint.h>

#define CLEAN_PRINT    0x01u
#define CLEAN_VCHAR    0x02u
#define CLEAN_CTL      0x04u
#define CLEAN_8BIT     0x08u
#define CLEAN_TOKEN    0x10u
#define CLEAN_ATEXT    0x20u
#define CLEAN_DOTATOM  0x40u

int clean_is(int c, unsigned cls);
size_t clean_span(const char *s, unsigned cls);
size_t clean_cspan(const char *s, unsigned cls);
const char *clean_copy(char *dst, size_t size, const char *src,
    unsigned keep);
size_t clean_utf8_char(const char *s, size_t n, uint32_t *cp);
size_t clean_utf8(char *dst, size_t size, const char *src, unsigned keep);
size_t clean_quote(char *dst, size_t size, const char *src, int open,
    int close);

#endif
