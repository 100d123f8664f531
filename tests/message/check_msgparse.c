/*
 * tests/message/check_msgparse.c - the incremental message splitter: fields,
 * folding, line ends, where the body starts, bounds, chunk independence.
 */
#include "message/message.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rec {
	strbuf log;   /* "H[name][value]" ... "E" */
	strbuf body;
} rec;

static int
on_header(void *arg, const char *n, size_t nl, const char *v, size_t vl)
{
	rec *r = arg;

	sb_puts(&r->log, "H[");
	sb_append(&r->log, n, nl);
	sb_puts(&r->log, "][");
	sb_append(&r->log, v, vl);
	sb_puts(&r->log, "]");
	return 0;
}

static int
on_eoh(void *arg)
{
	sb_puts(&((rec *)arg)->log, "E");
	return 0;
}

static int
on_body(void *arg, const char *d, size_t n)
{
	sb_append(&((rec *)arg)->body, d, n);
	return 0;
}

static const msgparse_events events = { on_header, on_eoh, on_body };

/* Feed `text` in chunks of `chunk` bytes (0: whole). */
static int
run(const char *text, size_t len, size_t chunk, size_t max, rec *r, char *err)
{
	msgparse p;
	size_t off = 0;
	int rc = 0;

	sb_init(&r->log);
	sb_init(&r->body);
	mp_init(&p, &events, r, max);
	while (off < len && rc == 0) {
		size_t n = chunk == 0 || chunk > len - off ? len - off : chunk;

		rc = mp_push(&p, text + off, n);
		off += n;
	}
	if (rc == 0)
		rc = mp_finish(&p);
	if (err != NULL)
		snprintf(err, 128, "%s", p.error);
	mp_free(&p);
	return rc;
}

static void
rec_free(rec *r)
{
	sb_free(&r->log);
	sb_free(&r->body);
}

START_TEST(test_fields_and_folding)
{
	static const char text[] = "From: Alice <a@example.com>\r\n"
	    "Subject: hello\r\n\tworld\r\n"
	    "X-Empty:\r\n"
	    "Odd : spaced\r\n"
	    "\r\n"
	    "body line\r\n";
	rec r;

	ck_assert_int_eq(run(text, strlen(text), 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "H[From][ Alice <a@example.com>]"
	    "H[Subject][ hello\r\n\tworld]H[X-Empty][]H[Odd][ spaced]E");
	ck_assert_str_eq(r.body.s, "body line\r\n");
	rec_free(&r);
}
END_TEST

START_TEST(test_lf_becomes_crlf)
{
	static const char text[] = "From: a@example.com\nSubject: x\n y\n\nline1\nline2\r\nend";
	rec r;

	ck_assert_int_eq(run(text, strlen(text), 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "H[From][ a@example.com]H[Subject][ x\r\n y]E");
	ck_assert_str_eq(r.body.s, "line1\r\nline2\r\nend");
	rec_free(&r);
}
END_TEST

START_TEST(test_body_starts_at_non_field)
{
	static const char text[] = "From x@y  Mon Jan 1\nTo: b@example.com\nthis is not a header\nmore\n";
	rec r;

	ck_assert_int_eq(run(text, strlen(text), 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "H[To][ b@example.com]E");
	ck_assert_str_eq(r.body.s, "this is not a header\r\nmore\r\n");
	rec_free(&r);
}
END_TEST

START_TEST(test_no_body_and_empty)
{
	rec r;

	ck_assert_int_eq(run("Subject: a", 10, 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "H[Subject][ a]E");
	ck_assert_uint_eq(r.body.len, 0);
	rec_free(&r);
	ck_assert_int_eq(run("", 0, 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "E");
	rec_free(&r);
	ck_assert_int_eq(run("\r\n\r\n", 4, 0, 1000, &r, NULL), 0);
	ck_assert_str_eq(r.log.s, "E");
	ck_assert_str_eq(r.body.s, "\r\n");
	rec_free(&r);
}
END_TEST

START_TEST(test_field_limit)
{
	char *text = malloc(5000), err[128];
	rec r;

	memcpy(text, "Subject: ", 9);
	memset(text + 9, 'a', 4000);
	memcpy(text + 4009, "\r\n\r\nbody", 9);
	ck_assert_int_eq(run(text, strlen(text), 7, 1000, &r, err), -1);
	ck_assert_str_eq(err, "header line too long");
	rec_free(&r);
	ck_assert_int_eq(run(text, strlen(text), 7, 5000, &r, err), 0);
	rec_free(&r);
	free(text);
}
END_TEST

START_TEST(test_chunking_does_not_matter)
{
	static const char text[] = "Received: from a\r\n by b;\r\n\tMon\r\n"
	    "DKIM-Signature: v=1; a=rsa-sha256;\n b=abc\r\n"
	    "From: a@example.com\n\r\n\r\nx\n\r\n\r\r\n\n\nlast";
	rec whole, part;
	size_t chunk;

	ck_assert_int_eq(run(text, strlen(text), 0, 1000, &whole, NULL), 0);
	for (chunk = 1; chunk < sizeof(text); chunk++) {
		ck_assert_int_eq(run(text, strlen(text), chunk, 1000, &part, NULL), 0);
		ck_assert_str_eq(part.log.s, whole.log.s);
		ck_assert_uint_eq(part.body.len, whole.body.len);
		ck_assert_mem_eq(part.body.s, whole.body.s, whole.body.len);
		rec_free(&part);
	}
	ck_assert_str_eq(whole.body.s, "\r\nx\r\n\r\n\r\r\n\r\n\r\nlast");
	rec_free(&whole);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("msgparse");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fields_and_folding);
	tcase_add_test(tc, test_lf_becomes_crlf);
	tcase_add_test(tc, test_body_starts_at_non_field);
	tcase_add_test(tc, test_no_body_and_empty);
	tcase_add_test(tc, test_field_limit);
	tcase_add_test(tc, test_chunking_does_not_matter);
	suite_add_tcase(s, tc);
	return s;
}
