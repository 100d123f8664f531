/*
 * contrib/milterbench/mb_corpus.c - loads the manifest and messages of a
 * benchmark corpus and keeps per-delivery header lists (contract in
 * mb_corpus.h). Never prints; errors go to the caller's buffer.
 */
#include "contrib/milterbench/mb_corpus.h"

#include <libmilter/mfdef.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANIFEST_FIELDS	7
#define MANIFEST_LINE_MAX 4096	/* a manifest line; envelope fields are short */
#define MESSAGE_MAX	(64L * 1024 * 1024)	/* refuse absurd corpus files */

static char *
dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* Length of the line at p (without its LF or CRLF) and of its terminator. */
static size_t
line_len(const char *p, const char *end, size_t *term)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (lf == NULL) {
		*term = 0;
		return (size_t)(end - p);
	}
	*term = 1;
	if (lf > p && lf[-1] == '\r') {
		*term = 2;
		return (size_t)(lf - p) - 1;
	}
	return (size_t)(lf - p);
}

static int
add_header(mb_message *m, const char *name, size_t nlen, const char *val,
    size_t vlen)
{
	mb_header *h;
	char *v;
	size_t i, o;

	if (m->nhdrs >= MB_HEADERS_MAX)
		return 0;
	if ((h = realloc(m->hdrs, (m->nhdrs + 1) * sizeof(*h))) == NULL)
		return -1;
	m->hdrs = h;
	/* value: drop CRs that end folded lines, keep LFs */
	if ((v = malloc(vlen + 1)) == NULL)
		return -1;
	for (i = 0, o = 0; i < vlen; i++) {
		if (val[i] == '\r' && i + 1 < vlen && val[i + 1] == '\n')
			continue;
		v[o++] = val[i];
	}
	v[o] = '\0';
	h = &m->hdrs[m->nhdrs];
	if ((h->name = dup_n(name, nlen)) == NULL) {
		free(v);
		return -1;
	}
	h->value = v;
	h->owned = 1;
	m->nhdrs++;
	return 0;
}

static int
set_body(mb_message *m, const char *p, const char *end)
{
	size_t n = 0, cap = (size_t)(end - p) * 2 + 1, term, l;

	if ((m->body = malloc(cap)) == NULL)
		return -1;
	while (p < end) {
		l = line_len(p, end, &term);
		memcpy(m->body + n, p, l);
		n += l;
		if (term > 0) {
			m->body[n++] = '\r';
			m->body[n++] = '\n';
		}
		p += l + term;
	}
	m->body_len = n;
	return 0;
}

int
mb_split_message(mb_message *m, const char *raw, size_t len, char *err,
    size_t errlen)
{
	const char *p = raw, *end = raw + len, *start, *colon, *q;
	size_t l, term;

	m->raw_len = len;
	while (p < end) {
		l = line_len(p, end, &term);
		if (l == 0) {		/* empty line: end of headers */
			p += term;
			break;
		}
		colon = memchr(p, ':', l);
		if (colon == NULL || colon == p)
			break;		/* not a header: body starts here */
		start = p;
		q = p + l + term;
		/* continuation lines start with SP or HTAB (RFC 5322 2.2.3) */
		while (q < end && (*q == ' ' || *q == '\t')) {
			l = line_len(q, end, &term);
			q += l + term;
		}
		/* value runs to the end of the last line, without its end */
		l = (size_t)(q - colon) - 1;
		if (q > start && q[-1] == '\n')
			l--;
		if (q > start + 1 && q[-1] == '\n' && q[-2] == '\r')
			l--;
		if (add_header(m, start, (size_t)(colon - start), colon + 1,
		    l) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p = q;
	}
	if (set_body(m, p, end) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void
mb_message_free(mb_message *m)
{
	size_t i;

	for (i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
	}
	free(m->hdrs);
	for (i = 0; i < m->nrcpts; i++)
		free(m->rcpts[i]);
	free(m->rcpts);
	free(m->id);
	free(m->client_ip);
	free(m->helo);
	free(m->mail_from);
	free(m->auth);
	free(m->body);
	memset(m, 0, sizeof(*m));
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (fp == NULL)
		return NULL;
	if (fseek(fp, 0, SEEK_END) < 0 || (n = ftell(fp)) < 0 ||
	    n > MESSAGE_MAX || fseek(fp, 0, SEEK_SET) < 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL) {
		fclose(fp);
		errno = EFBIG;
		return NULL;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		free(buf);
		fclose(fp);
		errno = EIO;
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int
split_rcpts(mb_message *m, const char *list)
{
	const char *p = list, *comma;
	size_t n;

	for (;;) {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		char **r = realloc(m->rcpts, (m->nrcpts + 1) * sizeof(*r));
		if (r == NULL)
			return -1;
		m->rcpts = r;
		if ((m->rcpts[m->nrcpts] = dup_n(p, n)) == NULL)
			return -1;
		m->nrcpts++;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int
load_one(mb_message *m, const char *dir, char **f, char *err, size_t errlen)
{
	char path[4096];
	char *raw;
	size_t len = 0;
	int rc;

	if ((m->id = strdup(f[0])) == NULL || (m->client_ip = strdup(f[2])) ==
	    NULL || (m->helo = strdup(f[3])) == NULL ||
	    (m->mail_from = strdup(f[4])) == NULL || split_rcpts(m, f[5]) < 0 ||
	    (strcmp(f[6], "-") != 0 && (m->auth = strdup(f[6])) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, f[1]) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s/%s: path too long", dir, f[1]);
		return -1;
	}
	if ((raw = read_file(path, &len)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = mb_split_message(m, raw, len, err, errlen);
	free(raw);
	return rc;
}

int
mb_corpus_load(mb_corpus *c, const char *dir, const char *manifest,
    size_t limit, char *err, size_t errlen)
{
	char line[MANIFEST_LINE_MAX], *f[MANIFEST_FIELDS], *p, *save;
	FILE *fp;
	unsigned long lineno = 0;
	size_t nf, cap = 0;
	mb_message *m;

	memset(c, 0, sizeof(*c));
	if ((fp = fopen(manifest, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", manifest, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%lu: line longer than %d bytes",
			    manifest, lineno, MANIFEST_LINE_MAX);
			goto fail;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		for (nf = 0, p = strtok_r(line, "\t", &save); p != NULL &&
		    nf < MANIFEST_FIELDS; p = strtok_r(NULL, "\t", &save))
			f[nf++] = p;
		if (nf != MANIFEST_FIELDS || p != NULL) {
			snprintf(err, errlen, "%s:%lu: want %d TAB-separated "
			    "fields", manifest, lineno, MANIFEST_FIELDS);
			goto fail;
		}
		if (limit > 0 && c->n >= limit)
			break;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((m = realloc(c->msgs, cap * sizeof(*m))) == NULL) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			c->msgs = m;
		}
		m = &c->msgs[c->n++];
		memset(m, 0, sizeof(*m));
		if (load_one(m, dir, f, err, errlen) < 0)
			goto fail;
		c->bytes += m->raw_len;
	}
	fclose(fp);
	if (c->n == 0) {
		snprintf(err, errlen, "%s: no messages", manifest);
		mb_corpus_free(c);
		return -1;
	}
	return 0;
fail:
	fclose(fp);
	mb_corpus_free(c);
	return -1;
}

void
mb_corpus_free(mb_corpus *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		mb_message_free(&c->msgs[i]);
	free(c->msgs);
	memset(c, 0, sizeof(*c));
}

int
mb_hdrs_init(mb_hdrs *h, const mb_message *m)
{
	size_t i;

	h->cap = m->nhdrs + 8;
	h->n = m->nhdrs;
	if ((h->h = malloc(h->cap * sizeof(*h->h))) == NULL)
		return -1;
	for (i = 0; i < m->nhdrs; i++) {
		h->h[i] = m->hdrs[i];
		h->h[i].owned = 0;	/* borrowed from the corpus */
	}
	return 0;
}

static int
hdrs_insert(mb_hdrs *h, size_t at, const char *name, const char *value)
{
	mb_header *n;

	if (h->n == h->cap) {
		if ((n = realloc(h->h, (h->cap * 2 + 1) * sizeof(*n))) == NULL)
			return -1;
		h->h = n;
		h->cap = h->cap * 2 + 1;
	}
	if (at > h->n)
		at = h->n;
	memmove(&h->h[at + 1], &h->h[at], (h->n - at) * sizeof(*h->h));
	h->h[at].name = strdup(name);
	h->h[at].value = strdup(value);
	h->h[at].owned = 1;
	h->n++;
	if (h->h[at].name == NULL || h->h[at].value == NULL)
		return -1;
	return 0;
}

int
mb_hdrs_edit(mb_hdrs *h, int op, uint32_t index, const char *name,
    const char *value)
{
	size_t i, seen = 0;

	switch (op) {
	case SMFIR_ADDHEADER:
		return hdrs_insert(h, h->n, name, value);
	case SMFIR_INSHEADER:
		return hdrs_insert(h, index, name, value);
	case SMFIR_CHGHEADER:
		for (i = 0; i < h->n; i++) {
			if (strcasecmp(h->h[i].name, name) != 0 ||
			    ++seen != (index ? index : 1))
				continue;
			if (h->h[i].owned) {
				free(h->h[i].name);
				free(h->h[i].value);
			}
			if (value[0] == '\0') {
				memmove(&h->h[i], &h->h[i + 1],
				    (h->n - i - 1) * sizeof(*h->h));
				h->n--;
				return 0;
			}
			h->h[i].owned = 1;
			h->h[i].name = strdup(name);
			h->h[i].value = strdup(value);
			return h->h[i].name && h->h[i].value ? 0 : -1;
		}
		return value[0] ? hdrs_insert(h, h->n, name, value) : 0;
	default:
		return -1;
	}
}

void
mb_hdrs_free(mb_hdrs *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		if (h->h[i].owned) {
			free(h->h[i].name);
			free(h->h[i].value);
		}
	free(h->h);
	memset(h, 0, sizeof(*h));
}
