/*
 * dkim/dkim_canon.c - RFC 6376 3.4 header and streaming body
 * canonicalization (see dkim_canon_int.h).
 *
 * The body canonicalizer works on runs, not octets, scanned 16 octets at
 * a time with SSE2 (relaxed: 32 with AVX2 where the CPU has it, unless
 * DKIM_CANON_NO_AVX2; 8 with portable word arithmetic elsewhere, or with
 * DKIM_CANON_PORTABLE). Simple mode stops only at CR LF CR (a possibly
 * trailing empty line) and near the chunk end; relaxed mode while none
 * of the octets is TAB, CR not starting CRLF + content, or SP followed
 * by WSP/CR (where the canonical form may differ from the input); a WSP
 * run found there is settled in one step (trailing before CRLF, one SP
 * before content). Output that is the input itself (the usual case: whole
 * lines with their CRLF, a single SP) is passed on as spans of the
 * caller's chunk, so the hash sees few large updates and nothing is
 * copied; what differs (a TAB or WSP run made one SP, a line end after
 * dropped trailing WSP when no span is open, empty lines held back across
 * a chunk boundary) goes through a small buffer. Pointers into the input
 * never outlive one update call.
 */
#include "dkim/dkim_canon_int.h"

#include <string.h>

#if defined(__SSE2__) && !defined(DKIM_CANON_PORTABLE)
#include <emmintrin.h>
#define DKIM_CANON_SSE2 1
#if defined(__x86_64__) && defined(__GNUC__) && !defined(DKIM_CANON_NO_AVX2)
#include <immintrin.h>
#define DKIM_CANON_AVX2 1     /* used when the CPU has it (run-time check) */
#endif
#endif

static int
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

int
dkim_canon_header(strbuf *out, int relaxed, const char *name, size_t namelen,
    const char *value, size_t valuelen, int crlf)
{
	size_t i, j;
	int wsp = 0, started = 0;

	if (!relaxed) {
		sb_append(out, name, namelen);
		sb_putc(out, ':');
		sb_append(out, value, valuelen);
	} else {
		char low[256];

		while (namelen > 0 && is_wsp((unsigned char)name[namelen - 1]))
			namelen--;
		for (i = 0; i < namelen; i += j) {
			for (j = 0; j < sizeof(low) && i + j < namelen; j++) {
				int c = (unsigned char)name[i + j];

				low[j] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
			sb_append(out, low, j);
		}
		sb_putc(out, ':');
		for (i = 0; i < valuelen; i = j) {
			int c = (unsigned char)value[i];

			if (c == '\r' && i + 1 < valuelen && value[i + 1] == '\n') {
				j = i + 2;  /* unfold: drop the CRLF */
				continue;
			}
			if (is_wsp(c)) {
				wsp = 1;
				j = i + 1;
				continue;
			}
			if (wsp && started)
				sb_putc(out, ' ');
			wsp = 0;
			started = 1;
			/* a run of octets copied as they are */
			for (j = i + 1; j < valuelen && !is_wsp((unsigned char)value[j]) &&
			    value[j] != '\r'; j++)
				;
			sb_append(out, value + i, j - i);
		}
	}
	if (crlf)
		sb_append(out, "\r\n", 2);
	return out->failed ? -1 : 0;
}

void
dkim_bodycanon_init(dkim_bodycanon *bc, int relaxed, dkim_canon_out out,
    void *arg)
{
	memset(bc, 0, offsetof(dkim_bodycanon, buf));
	bc->relaxed = relaxed;
	bc->out = out;
	bc->arg = arg;
}

static void
flush_buf(dkim_bodycanon *bc)
{
	if (bc->blen > 0) {
		bc->out(bc->arg, bc->buf, bc->blen);
		bc->blen = 0;
	}
}

static void
flush_span(dkim_bodycanon *bc)
{
	if (bc->span_len > 0) {
		bc->out(bc->arg, bc->span, bc->span_len);
		bc->span_len = 0;
	}
}

/*
 * Octets that are not (or not known to be) in the input: after the span,
 * through the buffer. Invariant: the span and the buffer are never both
 * non-empty, so output order is kept.
 */
static void
emit_lit(dkim_bodycanon *bc, const void *p, size_t n)
{
	bc->any = 1;
	flush_span(bc);
	if (bc->blen + n > sizeof(bc->buf)) {
		flush_buf(bc);
		if (n >= sizeof(bc->buf)) {
			bc->out(bc->arg, p, n);
			return;
		}
	}
	memcpy(bc->buf + bc->blen, p, n);
	bc->blen += n;
}

/*
 * Octets of the current input chunk: they extend or start the span. A
 * short piece that does not continue the span is copied (many small
 * pieces become one update), unless it is a `lead` (a CRLF: the next
 * line likely follows it in the input) and no copy is under way: that
 * one starts a new span.
 */
static inline void
emit_in(dkim_bodycanon *bc, const unsigned char *p, size_t n, int lead)
{
	if (bc->span_len > 0 && bc->span + bc->span_len == p) {
		bc->span_len += n;
		return;
	}
	if (n < DKIM_CANON_SPAN_MIN && (bc->blen > 0 ||
	    (bc->span_len > 0 && !lead))) {
		emit_lit(bc, p, n);
		return;
	}
	bc->any = 1;
	flush_buf(bc);
	flush_span(bc);
	bc->span = p;
	bc->span_len = n;
}

static const char crlfs[] =
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

/* Empty lines turned out not to be trailing: emit them. */
static void
emit_pending_empty(dkim_bodycanon *bc)
{
	if (bc->empty_src != NULL) {
		emit_in(bc, bc->empty_src, (size_t)bc->pending_empty * 2, 1);
		bc->pending_empty = 0;
		bc->empty_src = NULL;
	}
	while (bc->pending_empty > 0) {
		uint64_t k = bc->pending_empty;

		if (k > (sizeof(crlfs) - 1) / 2)
			k = (sizeof(crlfs) - 1) / 2;
		emit_lit(bc, crlfs, (size_t)k * 2);
		bc->pending_empty -= k;
	}
}

/* Content octets; src is non-zero when p points into the input chunk. */
static inline void
content(dkim_bodycanon *bc, const unsigned char *p, size_t n, int src)
{
	if (!bc->line_content) {
		emit_pending_empty(bc);
		bc->line_content = 1;
	}
	if (bc->pending_wsp) {
		emit_lit(bc, " ", 1);
		bc->pending_wsp = 0;
	}
	if (src)
		emit_in(bc, p, n, 0);
	else
		emit_lit(bc, p, n);
}

/* A CRLF; crlf points at it in the input chunk, or is NULL. */
static inline void
line_end(dkim_bodycanon *bc, const unsigned char *crlf)
{
	bc->pending_wsp = 0;  /* relaxed: WSP at the end of a line goes */
	if (bc->line_content) {
		if (crlf != NULL)
			emit_in(bc, crlf, 2, 1);
		else
			emit_lit(bc, "\r\n", 2);
		bc->line_content = 0;
		return;
	}
	/* an empty line: held back; remember where it is while contiguous */
	if (bc->pending_empty == 0)
		bc->empty_src = crlf;
	else if (bc->empty_src != NULL && (crlf == NULL ||
	    bc->empty_src + 2 * bc->pending_empty != crlf))
		bc->empty_src = NULL;
	bc->pending_empty++;
}

/* The 0x80 bit set in each octet of x that is zero (exact, no carries). */
static uint64_t
zero_octets(uint64_t x)
{
	const uint64_t lo7 = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((x & lo7) + lo7) | x | lo7);
}

#define OCTETS(c) ((uint64_t)(c) * 0x0101010101010101ULL)

static int
is_wsp_cr(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

#ifdef DKIM_CANON_AVX2
/*
 * 0xff in each octet of v that is SP, TAB or CR, by a lookup of the low
 * nibble (SP 0x20, TAB 0x09, CR 0x0d): the entry equals v only for those
 * three (other entries are 0, which only an octet with nibble 0 could
 * match, and that one looks up SP).
 */
__attribute__((target("avx2")))
static inline __m256i
wsp_cr_avx2(__m256i v)
{
	const __m256i tbl = _mm256_setr_epi8(' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t',
	    0, 0, 0, '\r', 0, 0, ' ', 0, 0, 0, 0, 0, 0, 0, 0, '\t', 0, 0, 0,
	    '\r', 0, 0);

	return _mm256_cmpeq_epi8(_mm256_shuffle_epi8(tbl,
	    _mm256_and_si256(v, _mm256_set1_epi8(0x0f))), v);
}

/*
 * Relaxed, 32 octets a step on CPUs with AVX2: the first octet from j on
 * that relaxed_run() would stop at, or where fewer than 34 octets are
 * left (the SSE2 and word loops take those). The same test as there.
 */
__attribute__((target("avx2")))
static size_t
relaxed_skip_avx2(const unsigned char *p, size_t j, size_t n)
{
	const __m256i sp = _mm256_set1_epi8(' '), tab = _mm256_set1_epi8('\t'),
	    cr = _mm256_set1_epi8('\r'), lf = _mm256_set1_epi8('\n');

	while (j + 34 <= n) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + j));
		__m256i y = _mm256_loadu_si256((const __m256i *)(p + j + 1));
		__m256i z = _mm256_loadu_si256((const __m256i *)(p + j + 2));
		__m256i crok = _mm256_andnot_si256(wsp_cr_avx2(z),
		    _mm256_cmpeq_epi8(y, lf));
		__m256i stop = _mm256_or_si256(_mm256_or_si256(
		    _mm256_cmpeq_epi8(x, tab),
		    _mm256_andnot_si256(crok, _mm256_cmpeq_epi8(x, cr))),
		    _mm256_and_si256(_mm256_cmpeq_epi8(x, sp), wsp_cr_avx2(y)));
		unsigned m = (unsigned)_mm256_movemask_epi8(stop);

		if (m != 0)
			return j + (size_t)__builtin_ctz(m);
		j += 32;
	}
	return j;
}
#endif

/*
 * Relaxed: the end of the content run starting at i (p[i] is content):
 * the first TAB, CR, or SP that is followed by WSP or CR or ends the
 * chunk. A CRLF between two content octets is already canonical (the line
 * before it has content and no trailing WSP, the next line starts with
 * content), so the run goes on through it.
 */
static size_t
relaxed_run(const unsigned char *p, size_t i, size_t n)
{
	size_t j = i + 1;

	for (;;) {
		/* the vector steps see 2 octets ahead: where they stop, the
		 * run ends (no CRLF-before-content check is left to do) */
#ifdef DKIM_CANON_AVX2
		if (__builtin_cpu_supports("avx2")) {
			j = relaxed_skip_avx2(p, j, n);
			if (j + 34 <= n)
				return j;
		}
#endif
#ifdef DKIM_CANON_SSE2
		/* 16 octets a step; CR LF before content is no stop here */
		const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'),
		    cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

		while (j + 18 <= n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(p + j));
			__m128i y = _mm_loadu_si128((const __m128i *)(p + j + 1));
			__m128i z = _mm_loadu_si128((const __m128i *)(p + j + 2));
			__m128i xcr = _mm_cmpeq_epi8(x, cr);
			__m128i ywsp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(y, sp),
			    _mm_cmpeq_epi8(y, tab)), _mm_cmpeq_epi8(y, cr));
			__m128i zwsp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(z, sp),
			    _mm_cmpeq_epi8(z, tab)), _mm_cmpeq_epi8(z, cr));
			__m128i crok = _mm_andnot_si128(zwsp, _mm_cmpeq_epi8(y, lf));
			__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, tab),
			    _mm_andnot_si128(crok, xcr)),
			    _mm_and_si128(_mm_cmpeq_epi8(x, sp), ywsp));
			int m = _mm_movemask_epi8(stop);

			if (m != 0)
				return j + (size_t)__builtin_ctz((unsigned)m);
			j += 16;
		}
#endif
		while (j + 9 <= n) {
			uint64_t x, y, stop;

			memcpy(&x, p + j, 8);
			memcpy(&y, p + j + 1, 8);
			stop = zero_octets(x ^ OCTETS('\t')) |
			    zero_octets(x ^ OCTETS('\r')) |
			    (zero_octets(x ^ OCTETS(' ')) &
			    (zero_octets(y ^ OCTETS(' ')) |
			    zero_octets(y ^ OCTETS('\t')) |
			    zero_octets(y ^ OCTETS('\r'))));
			if (stop != 0)
				break;
			j += 8;
		}
		for (; j < n; j++) {
			unsigned char c = p[j];

			if (c == '\t' || c == '\r')
				break;
			if (c == ' ' && (j + 1 >= n || is_wsp_cr(p[j + 1])))
				break;
		}
		/* p[j - 1] is content here: a WSP before CR stopped the run */
		if (j + 2 < n && p[j] == '\r' && p[j + 1] == '\n' &&
		    !is_wsp_cr(p[j + 2])) {
			j += 3;
			continue;
		}
		return j;
	}
}

/*
 * Simple: the end of the run starting at i that is canonical as it is.
 * A lone CR and a CRLF followed by content are copied as they are, so
 * the run stops only at CR LF CR (an empty line, or a CR opening a line,
 * that may be trailing) and at a CR near the chunk end; the state machine
 * takes those. Scanned 16 (SSE2) or 8 octets a step.
 */
static size_t
simple_run(const unsigned char *p, size_t i, size_t n)
{
	size_t j = i;

#ifdef DKIM_CANON_SSE2
	const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');

	while (j + 18 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + j));
		__m128i y = _mm_loadu_si128((const __m128i *)(p + j + 1));
		__m128i z = _mm_loadu_si128((const __m128i *)(p + j + 2));
		int m = _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x, cr),
		    _mm_and_si128(_mm_cmpeq_epi8(y, lf), _mm_cmpeq_epi8(z, cr))));

		if (m != 0)
			return j + (size_t)__builtin_ctz((unsigned)m);
		j += 16;
	}
#endif
	while (j + 10 <= n) {
		uint64_t x, y, z;

		memcpy(&x, p + j, 8);
		memcpy(&y, p + j + 1, 8);
		memcpy(&z, p + j + 2, 8);
		if ((zero_octets(x ^ OCTETS('\r')) & zero_octets(y ^ OCTETS('\n')) &
		    zero_octets(z ^ OCTETS('\r'))) != 0)
			break;
		j += 8;
	}
	for (; j < n; j++) {
		if (p[j] != '\r')
			continue;
		if (j + 2 < n && p[j + 1] == '\n' && p[j + 2] != '\r')
			j += 2;  /* CRLF before content: as it is */
		else if (j + 1 < n && p[j + 1] != '\n')
			continue;  /* a lone CR: an ordinary octet */
		else
			return j;
	}
	return n;
}

/*
 * Relaxed: the WSP run at p[i]. Before a CRLF in this chunk it is
 * trailing and goes; before content it is one SP (the input's own first
 * octet when that is SP, so the span goes on); at the chunk end or
 * before a CR it is left pending. Returns where the input goes on.
 */
static inline size_t
wsp_run(dkim_bodycanon *bc, const unsigned char *p, size_t i, size_t n)
{
	size_t k = i + 1;

	while (k < n && is_wsp(p[k]))
		k++;
	if (k + 1 < n && p[k] == '\r' && p[k + 1] == '\n') {
		line_end(bc, p + k);
		return k + 2;
	}
	if (k < n && p[k] != '\r') {
		bc->pending_wsp = 0;  /* one run with WSP ending the last chunk */
		if (p[i] == ' ')
			content(bc, p + i, 1, 1);
		else
			content(bc, (const unsigned char *)" ", 1, 0);
		return k;
	}
	bc->pending_wsp = 1;
	return k;
}

void
dkim_bodycanon_update(dkim_bodycanon *bc, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t i = 0, j;

	while (i < n) {
		if (bc->pending_cr) {
			/* the CR is p[i - 1] unless it ended the previous chunk */
			const unsigned char *cr = i > 0 ? p + i - 1 : NULL;

			bc->pending_cr = 0;
			if (p[i] == '\n') {
				i++;
				line_end(bc, cr);
				continue;
			}
			content(bc, cr != NULL ? cr : (const unsigned char *)"\r", 1,
			    cr != NULL);
		}
		if (!bc->relaxed) {
			j = simple_run(p, i, n);
			if (j > i)
				content(bc, p + i, j - i, 1);
			i = j;
			if (i < n) {  /* p[i] is a CR */
				bc->pending_cr = 1;
				i++;
			}
			continue;
		}
		if (p[i] == ' ' || p[i] == '\t') {
			i = wsp_run(bc, p, i, n);
			continue;
		}
		if (p[i] == '\r') {
			if (i + 1 < n && p[i + 1] == '\n') {
				line_end(bc, p + i);
				i += 2;
			} else {
				bc->pending_cr = 1;
				i++;
			}
			continue;
		}
		/*
		 * A run of content; a single SP between two content octets is
		 * already canonical, so it stays in the run. SP at the chunk
		 * end or before WSP/CR is left pending.
		 */
		j = relaxed_run(p, i, n);
		content(bc, p + i, j - i, 1);
		i = j;
		if (i < n && is_wsp(p[i]))
			i = wsp_run(bc, p, i, n);
	}
	/* nothing may point into the chunk once it is gone */
	flush_span(bc);
	bc->empty_src = NULL;
}

void
dkim_bodycanon_final(dkim_bodycanon *bc)
{
	if (bc->pending_cr) {
		bc->pending_cr = 0;
		content(bc, (const unsigned char *)"\r", 1, 0);
	}
	if (bc->line_content) {
		emit_lit(bc, "\r\n", 2);
		bc->line_content = 0;
	}
	bc->pending_empty = 0;
	bc->pending_wsp = 0;
	if (!bc->relaxed && !bc->any)
		emit_lit(bc, "\r\n", 2);  /* 3.4.3: the empty body is one CRLF */
	flush_buf(bc);
}
