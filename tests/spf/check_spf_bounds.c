/*
 * tests/spf/check_spf_bounds.c - the work and memory one SPF evaluation
 * may cost, whatever the sender publishes (issue 11): terms per record
 * and per evaluation, and the memory of parsing (a record of 64 KB of
 * spaces, thousands of terms, nested includes), measured with a counting
 * allocator; a large legitimate record still evaluates.
 *
 * The allocator: this program's malloc family counts the bytes live and
 * their peak (glibc's own allocator underneath), or under ASan the
 * sanitizer's malloc/free hooks do; under valgrind (make valgrind), whose
 * malloc comes first, the memory figures are skipped with a note. Kept in
 * this file: put in the test library it would replace malloc in every
 * test program.
 */
#include <check.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "spf/record_int.h"
#include "spf/spf.h"
#include "tests/lib/check_main.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"

/* ---- the counting allocator ---- */

static atomic_long live, peak;

static void
count_alloc(size_t n)
{
	long now = atomic_fetch_add(&live, (long)n) + (long)n;
	long p = atomic_load(&peak);

	while (now > p && !atomic_compare_exchange_weak(&peak, &p, now))
		;
}

static void
count_free(size_t n)
{
	atomic_fetch_sub(&live, (long)n);
}

/* Start measuring: the peak from here on, in bytes above what is live now. */
static long
peak_start(void)
{
	long now = atomic_load(&live);

	atomic_store(&peak, now);
	return now;
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  /* clang */
#define UNDER_ASAN 1
#endif
#endif

#ifdef UNDER_ASAN
size_t __sanitizer_get_allocated_size(const volatile void *p);
int __sanitizer_install_malloc_and_free_hooks(
    void (*m)(const volatile void *, size_t), void (*f)(const volatile void *));

static void
asan_malloc_hook(const volatile void *p, size_t n)
{
	(void)p;
	count_alloc(n);
}

static void
asan_free_hook(const volatile void *p)
{
	count_free(__sanitizer_get_allocated_size(p));
}

static void
hooks_init(void)
{
	__sanitizer_install_malloc_and_free_hooks(asan_malloc_hook,
	    asan_free_hook);
}
#else
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t a, size_t n);
void __libc_free(void *p);

void *malloc(size_t n);
void *calloc(size_t n, size_t m);
void *realloc(void *p, size_t n);
void free(void *p);
int posix_memalign(void **pp, size_t a, size_t n);
void *aligned_alloc(size_t a, size_t n);
void *memalign(size_t a, size_t n);

void *
malloc(size_t n)
{
	void *p = __libc_malloc(n);

	if (p != NULL)
		count_alloc(malloc_usable_size(p));
	return p;
}

void *
calloc(size_t n, size_t m)
{
	void *p = __libc_calloc(n, m);

	if (p != NULL)
		count_alloc(malloc_usable_size(p));
	return p;
}

void *
realloc(void *p, size_t n)
{
	size_t old = p != NULL ? malloc_usable_size(p) : 0;
	void *q = __libc_realloc(p, n);

	if (q != NULL || n == 0) {
		count_free(old);
		if (q != NULL)
			count_alloc(malloc_usable_size(q));
	}
	return q;
}

void
free(void *p)
{
	if (p != NULL)
		count_free(malloc_usable_size(p));
	__libc_free(p);
}

void *
memalign(size_t a, size_t n)
{
	void *p = __libc_memalign(a, n);

	if (p != NULL)
		count_alloc(malloc_usable_size(p));
	return p;
}

void *
aligned_alloc(size_t a, size_t n)
{
	return memalign(a, n);
}

int
posix_memalign(void **pp, size_t a, size_t n)
{
	void *p = memalign(a, n);

	if (p == NULL)
		return 12;  /* ENOMEM */
	*pp = p;
	return 0;
}

static void
hooks_init(void)
{
}
#endif

static int counting;

/* valgrind puts its own malloc before this program's */
static int
under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre != NULL && strstr(pre, "vgpreload") != NULL;
}

/* Set up, and make sure allocations are counted (not under valgrind:
 * then the memory checks are skipped, with a note). */
static void
allocator_init(void)
{
	/* through a pointer: the compiler may assume malloc() itself
	 * changes no counter of ours */
	void *(*volatile alloc)(size_t) = malloc;
	void *p;
	long before;

	hooks_init();
	before = atomic_load(&live);
	p = alloc(4096);
	counting = atomic_load(&live) - before >= 4096;
	free(p);
	if (!counting && !under_valgrind())
		ck_abort_msg("the counting allocator is not in use");
}

/* The peak since peak_start() returned base is within bound octets. */
static void
assert_peak(const char *what, long base, long bound)
{
	long grown = atomic_load(&peak) - base;

	if (!counting) {
		fprintf(stderr, "%s: allocations not counted under valgrind\n",
		    what);
		return;
	}
	fprintf(stderr, "%s: peak %ld bytes\n", what, grown);
	ck_assert_msg(grown <= bound, "%s: peak %ld bytes, bound %ld", what,
	    grown, bound);
}

/* ---- record parsing ---- */

static void
record_of(strbuf *sb, const char *head, const char *term, size_t nterms,
    size_t spaces, const char *tail)
{
	size_t k;

	sb_reset(sb);
	sb_puts(sb, head);
	for (k = 0; k < nterms; k++) {
		sb_putc(sb, ' ');
		sb_puts(sb, term);
	}
	for (k = 0; k < spaces; k++)
		sb_putc(sb, ' ');
	sb_puts(sb, tail);
	ck_assert(!sb->failed);
}

/*
 * 64 KB of spaces between two terms: the terms are allocated for the
 * terms there are, not one per space (4.7 MB before).
 */
START_TEST(spaces_cost_nothing)
{
	strbuf sb;
	spf_record rec;
	char err[200];
	long base;

	allocator_init();
	sb_init(&sb);
	record_of(&sb, "v=spf1 ip4:192.0.2.1", "", 0, 65000, " -all");
	base = peak_start();
	ck_assert_int_eq(spf_record_parse(sb.s, sb.len, &rec, err,
	    sizeof(err)), 0);
	assert_peak("spaces_cost_nothing", base, 1024);
	ck_assert_uint_eq(rec.nterms, 2);
	spf_record_free(&rec);
	sb_free(&sb);
}
END_TEST

/* SPF_MAX_RECORD_TERMS (4096) terms parse; more is a permerror naming the
 * limit, refused before anything is allocated for them. */
START_TEST(terms_per_record)
{
	strbuf sb;
	spf_record rec;
	char err[200];
	long base;

	allocator_init();
	sb_init(&sb);
	record_of(&sb, "v=spf1", "ip4:192.0.2.1", 4096, 0, "");
	ck_assert_int_eq(spf_record_parse(sb.s, sb.len, &rec, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(rec.nterms, 4096);
	spf_record_free(&rec);
	record_of(&sb, "v=spf1", "a", 30000, 0, " -all");
	base = peak_start();
	ck_assert_int_eq(spf_record_parse(sb.s, sb.len, &rec, err,
	    sizeof(err)), -1);
	assert_peak("terms_per_record", base, 1024);
	ck_assert_msg(strstr(err, "more than 4096 terms") != NULL, "%s", err);
	sb_free(&sb);
}
END_TEST

/* ---- whole evaluations over the real resolver ---- */

#define SPACES 60000          /* one record near the DNS message limit */
#define CHAIN 10              /* includes: all the 4.6.4 lookups */

static char zpath[64];
static dns_resolver *res;

/* A TXT line of the master file: text cut into 255-octet strings. */
static void
txt_line(FILE *fp, const char *name, const strbuf *t)
{
	size_t i;

	fprintf(fp, "%s 300 IN TXT", name);
	for (i = 0; i < t->len; i += 255)
		fprintf(fp, " \"%.*s\"", (int)(t->len - i < 255 ? t->len - i : 255),
		    t->s + i);
	fprintf(fp, "\n");
}

/*
 * P0 -> P1 -> ... -> P<last>: the record at each name includes the next,
 * the last one has ip4:192.0.2.1 instead; each has nterms times term,
 * then spaces SPs, then " -all".
 */
static void
chain(FILE *fp, strbuf *sb, const char *p, int last, const char *term,
    size_t nterms, size_t spaces)
{
	char name[64], head[96];
	int i;

	for (i = 0; i <= last; i++) {
		snprintf(name, sizeof(name), "%s%d.example.", p, i);
		if (i < last)
			snprintf(head, sizeof(head), "v=spf1 include:%s%d.example",
			    p, i + 1);
		else
			snprintf(head, sizeof(head), "v=spf1 ip4:192.0.2.1");
		record_of(sb, head, term, nterms, spaces, " -all");
		txt_line(fp, name, sb);
	}
}

static void
setup(void)
{
	char err[256];
	strbuf sb;
	FILE *fp;
	int i;

	allocator_init();
	fp = testzone_create(zpath, sizeof(zpath), "check_spf_bounds");
	ck_assert_ptr_nonnull(fp);
	sb_init(&sb);
	/* sp0 -> ... -> sp10, each 60 KB of spaces */
	chain(fp, &sb, "sp", CHAIN, "", 0, SPACES);
	/* tm0 -> tm1 -> tm2: 3,000 terms each, 9,000 in all */
	chain(fp, &sb, "tm", 2, "ip4:10.0.0.1", 2998, 0);
	/* tk0 -> tk1: 4,000 terms each, 8,000 in all: evaluated */
	chain(fp, &sb, "tk", 1, "ip4:10.0.0.1", 3998, 0);
	/* ma0 -> ... -> ma10: 20,000 one-letter terms each */
	chain(fp, &sb, "ma", CHAIN, "a", 20000, 0);
	/* ot0 -> ... -> ot10: each name also has 3,000 other TXT records */
	for (i = 0; i <= CHAIN; i++) {
		int j;

		for (j = 0; j < 3000; j++)
			fprintf(fp, "ot%d.example. 300 IN TXT \"%d\"\n", i, j);
	}
	chain(fp, &sb, "ot", CHAIN, "", 0, 0);
	/* one record of more than SPF_MAX_RECORD_TERMS terms */
	record_of(&sb, "v=spf1", "ip4:10.0.0.1", 4200, 0, " ip4:192.0.2.1 -all");
	txt_line(fp, "many.example.", &sb);
	/* a large legitimate record: 400 networks, the sender's the last */
	sb_reset(&sb);
	sb_puts(&sb, "v=spf1");
	for (i = 0; i < 400; i++)
		sb_printf(&sb, " ip4:198.51.%d.%d/32", i / 200, i % 200);
	sb_puts(&sb, " ip6:2001:db8::/32 ip4:192.0.2.0/24 -all");
	txt_line(fp, "big.example.", &sb);
	sb_free(&sb);
	fclose(fp);
	res = testzone_resolver(zpath, 5000, err, sizeof(err));
	ck_assert_msg(res != NULL, "resolver: %s", err);
}

static void
teardown(void)
{
	dns_resolver_free(res);
	unlink(zpath);
}

static void
check(const char *domain, spf_result *out)
{
	spf_request rq;
	char from[300];

	memset(&rq, 0, sizeof(rq));
	snprintf(from, sizeof(from), "user@%s", domain);
	rq.ip = "192.0.2.1";
	rq.mail_from = from;
	rq.helo = "mx.example.org";
	spf_check_mailfrom(res, &rq, out);
}

/* Evaluate domain once (libunbound's caches fill), then again with the
 * peak allocation measured, within bound octets; the same result both
 * times. */
static void
check_measured(const char *domain, const char *what, long bound,
    spf_result *out)
{
	spf_code first;
	long base;

	check(domain, out);
	first = out->code;
	base = peak_start();
	check(domain, out);
	assert_peak(what, base, bound);
	ck_assert_msg(out->code == first, "%s: %s, then %s", what,
	    spf_code_name(first), spf_code_name(out->code));
}

/*
 * Ten nested includes of 60 KB records of spaces: the evaluation passes
 * and its peak allocation stays under 1 MB (an spf_term per
 * space, 48 MB before). The first run fills libunbound's caches.
 */
START_TEST(nested_spaces_memory)
{
	spf_result r;

	check_measured("sp0.example", "nested_spaces_memory", 1024 * 1024, &r);
	ck_assert_msg(r.code == SPF_PASS, "%s: %s", spf_code_name(r.code),
	    r.reason);
	ck_assert_uint_eq(r.lookups, CHAIN);
}
END_TEST

/* More than SPF_MAX_EVAL_TERMS (8192) terms over the records of one
 * evaluation: permerror, and the allocation stays within that many terms;
 * 8,000 evaluate. A record of more than SPF_MAX_RECORD_TERMS: permerror. */
START_TEST(terms_per_evaluation)
{
	spf_result r;

	check("tk0.example", &r);  /* 8,000 terms: evaluated */
	ck_assert_msg(r.code == SPF_PASS, "%s: %s", spf_code_name(r.code),
	    r.reason);
	check_measured("tm0.example", "terms_per_evaluation", 1024 * 1024, &r);
	ck_assert_msg(r.code == SPF_PERMERROR, "%s: %s", spf_code_name(r.code),
	    r.reason);
	ck_assert_msg(strstr(r.reason, "more than 8192 terms") != NULL, "%s",
	    r.reason);
	check("many.example", &r);
	ck_assert_msg(r.code == SPF_PERMERROR, "%s: %s", spf_code_name(r.code),
	    r.reason);
	ck_assert_msg(strstr(r.reason, "more than 4096 terms") != NULL, "%s",
	    r.reason);
}
END_TEST

/*
 * Ten nested includes of 20,000 terms each (16 MB of terms at once
 * before, then a permerror for the DNS lookups): refused at the first
 * record, nothing allocated for its terms.
 */
START_TEST(nested_terms_memory)
{
	spf_result r;

	check_measured("ma0.example", "nested_terms_memory", 256 * 1024, &r);
	ck_assert_msg(r.code == SPF_PERMERROR, "%s: %s", spf_code_name(r.code),
	    r.reason);
	ck_assert_msg(strstr(r.reason, "more than 4096 terms") != NULL, "%s",
	    r.reason);
}
END_TEST

/*
 * Ten nested includes whose names hold 3,000 other TXT records each: only
 * the SPF record of each level is kept while the levels below it are
 * evaluated (1.5 MB of answers held at once before).
 */
START_TEST(other_records_not_held)
{
	spf_result r;

	check_measured("ot0.example", "other_records_not_held", 512 * 1024,
	    &r);
	ck_assert_msg(r.code == SPF_PASS, "%s: %s", spf_code_name(r.code),
	    r.reason);
}
END_TEST

START_TEST(large_record_evaluates)
{
	spf_result r;

	check("big.example", &r);
	ck_assert_msg(r.code == SPF_PASS, "%s: %s", spf_code_name(r.code),
	    r.reason);
	ck_assert_str_eq(r.mechanism, "ip4:192.0.2.0/24");
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("spf_bounds");
	TCase *tp = tcase_create("parse"), *te = tcase_create("eval");

	tcase_add_test(tp, spaces_cost_nothing);
	tcase_add_test(tp, terms_per_record);
	suite_add_tcase(s, tp);
	tcase_set_timeout(te, 60);
	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_test(te, nested_spaces_memory);
	tcase_add_test(te, terms_per_evaluation);
	tcase_add_test(te, nested_terms_memory);
	tcase_add_test(te, other_records_not_held);
	tcase_add_test(te, large_record_evaluates);
	suite_add_tcase(s, te);
	return s;
}
