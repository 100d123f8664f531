/*
 * util/taglist.c - RFC 6376 3.2 tag-list parser (see taglist.h).
 *
 * A single left-to-right pass; never allocates, never reads past len.
 */
#include "util/taglist.h"

#include <stdio.h>
#include <string.h>

int
taglist_is_fws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Skips FWS from *i. A line break must be followed by WSP (a line break
 * ends a folded line, it cannot end the text). Returns 0, -1 on a bad fold.
 */
static int
skip_fws(const char *s, size_t len, size_t *i)
{
	while (*i < len) {
		char c = s[*i];

		if (c == ' ' || c == '\t') {
			(*i)++;
		} else if (c == '\r' || c == '\n') {
			size_t j = *i + 1;

			if (c == '\r') {
				if (j >= len || s[j] != '\n')
					return -1;
				j++;
			}
			if (j >= len || (s[j] != ' ' && s[j] != '\t'))
				return -1;
			*i = j;
		} else {
			break;
		}
	}
	return 0;
}

static int
is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
is_namechar(int c)
{
	return is_alpha(c) || (c >= '0' && c <= '9') || c == '_';
}

static int
is_valchar(int c, unsigned flags)
{
	if (c >= 0x80)
		return (flags & TAGLIST_ALLOW_8BIT) != 0;
	return c >= 0x21 && c <= 0x7e && c != ';';
}

int
taglist_parse(const char *s, size_t len, unsigned flags, taglist_tag *tags,
    size_t max, size_t *ntags, char *err, size_t errlen)
{
	size_t i = 0, n = 0, k;

	*ntags = 0;
	for (;;) {
		size_t nstart, nlen, vstart, vend, last;

		if (skip_fws(s, len, &i) < 0)
			goto badfold;
		if (i >= len)
			break;
		if (s[i] == ';') {
			if (!(flags & TAGLIST_ALLOW_EMPTY_SPEC)) {
				snprintf(err, errlen, "empty tag at offset %zu", i);
				return -1;
			}
			i++;
			continue;
		}
		if (!is_alpha((unsigned char)s[i])) {
			snprintf(err, errlen, "tag name expected at offset %zu", i);
			return -1;
		}
		nstart = i;
		while (i < len && is_namechar((unsigned char)s[i]))
			i++;
		nlen = i - nstart;
		if (skip_fws(s, len, &i) < 0)
			goto badfold;
		if (i >= len || s[i] != '=') {
			snprintf(err, errlen, "'=' expected after tag '%.*s'",
			    (int)(nlen > 32 ? 32 : nlen), s + nstart);
			return -1;
		}
		i++;
		vstart = i;
		if (skip_fws(s, len, &i) < 0)
			goto badfold;
		/* tag-value: tvals separated by FWS; remember the last tval end */
		last = i;
		{
			size_t first = i;

			while (i < len && s[i] != ';') {
				if (is_valchar((unsigned char)s[i], flags)) {
					i++;
					last = i;
				} else if (taglist_is_fws((unsigned char)s[i])) {
					if (skip_fws(s, len, &i) < 0)
						goto badfold;
				} else {
					snprintf(err, errlen, "invalid octet 0x%02x in "
					    "value of tag '%.*s'", (unsigned char)s[i],
					    (int)(nlen > 32 ? 32 : nlen), s + nstart);
					return -1;
				}
			}
			vend = i;
			for (k = 0; k < n; k++)
				if (tags[k].name_len == nlen &&
				    memcmp(tags[k].name, s + nstart, nlen) == 0) {
					snprintf(err, errlen, "duplicate tag '%.*s'",
					    (int)(nlen > 32 ? 32 : nlen), s + nstart);
					return -1;
				}
			if (n >= max) {
				snprintf(err, errlen, "more than %zu tags", max);
				return -1;
			}
			tags[n].name = s + nstart;
			tags[n].name_len = nlen;
			tags[n].value = s + first;
			tags[n].value_len = last > first ? last - first : 0;
			tags[n].value_start = vstart;
			tags[n].value_end = vend;
			n++;
		}
		if (i >= len)
			break;
		i++; /* the ';' */
	}
	*ntags = n;
	return 0;
badfold:
	snprintf(err, errlen, "bad line folding at offset %zu", i);
	return -1;
}

const taglist_tag *
taglist_find(const taglist_tag *tags, size_t n, const char *name)
{
	size_t k, l = strlen(name);

	for (k = 0; k < n; k++)
		if (tags[k].name_len == l && memcmp(tags[k].name, name, l) == 0)
			return &tags[k];
	return NULL;
}

int
taglist_apply(const taglist_tag *tags, size_t n, const taglist_spec *table,
    void *ctx, char *err, size_t errlen)
{
	const taglist_spec *e;
	const taglist_tag *t;

	for (e = table; e->name != NULL; e++) {
		t = taglist_find(tags, n, e->name);
		if (t == NULL) {
			if (e->required) {
				snprintf(err, errlen, "missing required tag %s=",
				    e->name);
				return -1;
			}
			continue;
		}
		if (e->parse != NULL &&
		    e->parse(ctx, t->value, t->value_len, err, errlen) < 0)
			return -1;
	}
	return 0;
}
