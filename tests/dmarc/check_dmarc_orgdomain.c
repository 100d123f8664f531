/*
 * tests/dmarc/check_dmarc_orgdomain.c - the RFC 9989 tree walk (names,
 * stopping, Organizational Domain selection), the RFC 7489 PSL lookup
 * and identifier alignment (dmarc/orgdomain.c, dmarc/align.c).
 */
#include <check.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"

static dmarc_fetch
rec_fetch(const char *txt)
{
	dmarc_fetch f;
	char why[160];

	memset(&f, 0, sizeof(f));
	f.status = DMARC_FETCH_ONE;
	f.rstatus = dmarc_record_parse(txt, strlen(txt), DMARC_MODE_RFC9989,
	    &f.rec, why, sizeof(why));
	return f;
}

static const dmarc_fetch none_fetch = { .status = DMARC_FETCH_NONE };

/* Walk domain, answering each name from the (name, record) pairs. */
static void
walk(dmarc_walk *w, const char *domain, const char *const *zone)
{
	const char *name;

	dmarc_walk_init(w, domain);
	while ((name = dmarc_walk_next(w)) != NULL) {
		size_t i;
		dmarc_fetch f = none_fetch;
		for (i = 0; zone != NULL && zone[i] != NULL; i += 2)
			if (strcmp(zone[i], name) == 0)
				f = zone[i + 1] != NULL ? rec_fetch(zone[i + 1]) :
				    (dmarc_fetch){ .status = DMARC_FETCH_TEMPFAIL };
		dmarc_walk_feed(w, &f);
	}
}

START_TEST(walk_names)
{
	dmarc_walk w;

	ck_assert_uint_eq(dmarc_walk_init(&w, "Mail.Example.COM."), 3);
	ck_assert_str_eq(w.names[0], "mail.example.com");
	ck_assert_str_eq(w.names[1], "example.com");
	ck_assert_str_eq(w.names[2], "com");
	/* RFC 9989 4.10: 12 labels -> the author, then 7 labels down to 1 */
	ck_assert_uint_eq(dmarc_walk_init(&w,
	    "a.b.c.d.e.f.g.h.i.j.mail.example.com"), 8);
	ck_assert_str_eq(w.names[1], "g.h.i.j.mail.example.com");
	ck_assert_str_eq(w.names[2], "h.i.j.mail.example.com");
	ck_assert_str_eq(w.names[7], "com");
	/* the RFC's own example: 11 labels */
	ck_assert_uint_eq(dmarc_walk_init(&w, "mail.a.b.c.d.e.f.g.example.com"), 8);
	ck_assert_str_eq(w.names[1], "c.d.e.f.g.example.com");
	/* exactly 8 labels: cut to 7 = one label off */
	ck_assert_uint_eq(dmarc_walk_init(&w, "a.b.c.d.e.f.example.com"), 8);
	ck_assert_str_eq(w.names[1], "b.c.d.e.f.example.com");
	/* 7 labels: one at a time */
	ck_assert_uint_eq(dmarc_walk_init(&w, "b.c.d.e.f.example.com"), 7);
	ck_assert_uint_eq(dmarc_walk_init(&w, "com"), 1);
	ck_assert_uint_eq(dmarc_walk_init(&w, ""), 0);
	ck_assert_ptr_null(dmarc_walk_next(&w));
}
END_TEST

START_TEST(org_selection)
{
	dmarc_walk w;
	char org[DMARC_DOMAIN_BUF];
	const char *z1[] = { "mail.example.com", "v=DMARC1; p=none",
	    "example.com", "v=DMARC1; p=reject", NULL };
	const char *z2[] = { "mail.example.com", "v=DMARC1; p=none; psd=n",
	    "example.com", "v=DMARC1; p=reject", NULL };
	const char *z3[] = { "com", "v=DMARC1; p=reject; psd=y", NULL };
	const char *z4[] = { "a.mail.example.com", "v=DMARC1; psd=y", NULL };
	const char *z5[] = { "example.com", NULL, NULL };

	/* fewest labels wins, the walk goes to the top */
	walk(&w, "a.mail.example.com", z1);
	ck_assert_uint_eq(w.next, 4);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "example.com");
	/* psd=n stops the walk and names the org domain */
	walk(&w, "a.mail.example.com", z2);
	ck_assert_uint_eq(w.next, 2);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "mail.example.com");
	/* psd=y: one label below the PSD */
	walk(&w, "a.mail.example.com", z3);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "example.com");
	/* psd=y at the start: the start itself */
	walk(&w, "a.mail.example.com", z4);
	ck_assert_uint_eq(w.next, 1);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "a.mail.example.com");
	/* nothing anywhere: the start */
	walk(&w, "a.mail.example.com", NULL);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "a.mail.example.com");
	/* a temporary failure leaves it unknown */
	walk(&w, "a.mail.example.com", z5);
	ck_assert_int_eq(w.tempfail, 1);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), -1);
	/* an unfinished walk is unknown too */
	dmarc_walk_init(&w, "a.mail.example.com");
	dmarc_walk_feed(&w, &none_fetch);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), -1);
}
END_TEST

START_TEST(psd_y_long_name)
{
	dmarc_walk w;
	char org[DMARC_DOMAIN_BUF];
	const char *z[] = { "example", "v=DMARC1; p=reject; psd=y", NULL };

	/* the org domain may be a name the cut skipped */
	walk(&w, "a.b.c.d.e.f.g.h.org.example", z);
	ck_assert_int_eq(dmarc_walk_orgdomain(&w, org, sizeof(org)), 0);
	ck_assert_str_eq(org, "org.example");
}
END_TEST

START_TEST(psl)
{
	char why[200], org[DMARC_DOMAIN_BUF];
	dmarc_psl *a, *b;

	ck_assert_ptr_null(dmarc_psl_load("/nonexistent/psl.dat", why,
	    sizeof(why)));
	ck_assert(strstr(why, "/nonexistent/psl.dat") != NULL);
	a = dmarc_psl_load(NULL, why, sizeof(why));
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(dmarc_psl_orgdomain(a, "www.BBC.co.uk", org,
	    sizeof(org)), 0);
	ck_assert_str_eq(org, "bbc.co.uk");
	ck_assert_int_eq(dmarc_psl_orgdomain(a, "co.uk", org, sizeof(org)), 1);
	ck_assert_str_eq(org, "co.uk");
	ck_assert_int_eq(dmarc_psl_orgdomain(a, ".example.com", org,
	    sizeof(org)), -1);
	/* reload: a second handle, then the first one goes */
	b = dmarc_psl_load(DMARC_PSL_DEFAULT, why, sizeof(why));
	ck_assert_ptr_nonnull(b);
	dmarc_psl_free(a);
	ck_assert_int_eq(dmarc_psl_orgdomain(b, "plus.google.com", org,
	    sizeof(org)), 0);
	ck_assert_str_eq(org, "google.com");
	dmarc_psl_free(b);
}
END_TEST

START_TEST(alignment)
{
	/* strict fails when only the Organizational Domains match */
	ck_assert_int_eq(dmarc_aligned("mail.example.com", "example.com",
	    "news.example.com", "example.com", DMARC_ALIGN_STRICT), 0);
	ck_assert_int_eq(dmarc_aligned("mail.example.com", "example.com",
	    "news.example.com", "example.com", DMARC_ALIGN_RELAXED), 1);
	ck_assert_int_eq(dmarc_aligned("Example.COM", NULL, "example.com.",
	    NULL, DMARC_ALIGN_STRICT), 1);
	ck_assert_int_eq(dmarc_aligned("mail.example.com", "example.com",
	    "example.net", "example.net", DMARC_ALIGN_RELAXED), 0);
	/* unknown org domains never align relaxed */
	ck_assert_int_eq(dmarc_aligned("mail.example.com", NULL,
	    "example.com", NULL, DMARC_ALIGN_RELAXED), 0);
	ck_assert_int_eq(dmarc_aligned("", "", "", "", DMARC_ALIGN_RELAXED), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_orgdomain");
	TCase *tc = tcase_create("orgdomain");

	tcase_add_test(tc, walk_names);
	tcase_add_test(tc, org_selection);
	tcase_add_test(tc, psd_y_long_name);
	tcase_add_test(tc, psl);
	tcase_add_test(tc, alignment);
	suite_add_tcase(s, tc);
	return s;
}
