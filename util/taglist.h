/*
 * util/taglist.h - RFC 6376 section 3.2 tag=value list parser.
 *
 * SUMMARY
 *   Splits a tag-list ("v=1; a=rsa-sha256; b=...") into (name, value)
 *   spans that point into the caller's text. Generic: used for DKIM
 *   signatures and key records, and for DMARC records (RFC 9989 reuses the
 *   same syntax). Bounded: at most `max` tags are accepted.
 *
 * SYNOPSIS
 *   int taglist_parse(const char *s, size_t len, unsigned flags,
 *       taglist_tag *tags, size_t max, size_t *ntags,
 *       char *err, size_t errlen);
 *   const taglist_tag *taglist_find(const taglist_tag *tags, size_t n,
 *       const char *name);
 *   int taglist_apply(const taglist_tag *tags, size_t n,
 *       const taglist_spec *table, void *ctx, char *err, size_t errlen);
 *   int taglist_is_fws(int c);
 *
 * DESCRIPTION
 *   Grammar (RFC 6376 3.2):
 *     tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
 *     tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *     tag-name  = ALPHA *ALNUMPUNC            (ALNUMPUNC = ALPHA / DIGIT / "_")
 *     tag-value = [ tval *( 1*(WSP / FWS) tval ) ]
 *     tval      = 1*VALCHAR                   (VALCHAR = %x21-3A / %x3C-7E)
 *   FWS is SP, HTAB, or CRLF followed by SP/HTAB. A bare LF is accepted in
 *   place of CRLF (callers may normalise or not).
 *
 *   taglist_parse() fills tags[0..*ntags): each tag's name, and its value
 *   with leading and trailing FWS removed (inner FWS is kept: the caller
 *   strips it where the tag's grammar allows, e.g. base64 or h=). For every
 *   tag, value_start/value_end are offsets into s of the text between "="
 *   and the terminating ";" (or the end): DKIM uses them to empty b=.
 *   Names are case-sensitive (RFC 6376 3.2). Returns 0, or -1 with a
 *   human reason in err: syntax error (with offset), a duplicate tag (3.2:
 *   the whole list is then invalid), or more than `max` tags.
 *   Flags: TAGLIST_ALLOW_EMPTY_SPEC tolerates empty specs (";;"), which
 *   3.2 does not allow but some record publishers write;
 *   TAGLIST_ALLOW_8BIT accepts octets >= 0x80 in values.
 *
 *   taglist_find() returns the tag called `name`, or NULL.
 *
 *   taglist_apply() runs, for every tag whose name is in `table` (ended by
 *   an entry with name NULL), its parse function with the value; unknown
 *   tags are ignored (RFC 6376 3.2: "Unrecognized tags MUST be ignored").
 *   Entries with `required` set must be present. Returns 0, or -1 with the
 *   first error (a function's own err text, or "missing required tag").
 */
#ifndef AUTHMILTER_TAGLIST_H
#define AUTHMILTER_TAGLIST_H

#include <stddef.h>

#define TAGLIST_ALLOW_EMPTY_SPEC 0x01
#define TAGLIST_ALLOW_8BIT 0x02

typedef struct taglist_tag {
	const char *name;
	size_t name_len;
	const char *value;   /* trimmed value (not NUL-terminated) */
	size_t value_len;
	size_t value_start;  /* offset just after "=" */
	size_t value_end;    /* offset of the ";" or of the end */
} taglist_tag;

typedef struct taglist_spec {
	const char *name;
	int required;
	/* returns 0, or -1 after writing a reason into err */
	int (*parse)(void *ctx, const char *v, size_t n, char *err, size_t errlen);
} taglist_spec;

int taglist_parse(const char *s, size_t len, unsigned flags, taglist_tag *tags,
    size_t max, size_t *ntags, char *err, size_t errlen);
const taglist_tag *taglist_find(const taglist_tag *tags, size_t n,
    const char *name);
int taglist_apply(const taglist_tag *tags, size_t n, const taglist_spec *table,
    void *ctx, char *err, size_t errlen);
int taglist_is_fws(int c);

#endif
