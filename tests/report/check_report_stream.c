/*
 * tests/report/check_report_stream.c - the streaming report writer
 * (report_writer_open, report/report_xml.c and report_json.c): the octets
 * reach the sink while rows are written, not only at the end (memory does
 * not grow with the rows); they are exactly report_writer_new()'s; the
 * JSON is exactly what Jansson's json_dumps(JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER) gives for the whole document (the format before
 * streaming), with records and without; a sink that fails fails the
 * writer; the streamed gzip (report_gz, what --send holds) is exactly
 * report_gzip() of the whole document, whatever the pieces.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "tests/lib/check_main.h"

#define ROWS 3000

typedef struct sink {
	strbuf doc;
	size_t at_close;     /* octets received before report_writer_close */
	int fail_after;      /* calls before the sink fails; 0: never */
	int calls;
} sink;

static int
to_sink(void *arg, const char *data, size_t len)
{
	sink *s = arg;

	if (s->fail_after > 0 && ++s->calls > s->fail_after)
		return -1;
	return sb_append(&s->doc, data, len);
}

static void
fill(report_record *r, size_t i)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->source_ip, sizeof(r->source_ip), "2001:db8::%zx", i);
	snprintf(r->header_from, sizeof(r->header_from), "example.com");
	snprintf(r->envelope_from, sizeof(r->envelope_from), "b%zu.example.com",
	    i);
	snprintf(r->envelope_to, sizeof(r->envelope_to), i % 2 ? "mx.test" : "");
	snprintf(r->policy_domain, sizeof(r->policy_domain), "example.com");
	snprintf(r->spf_domain, sizeof(r->spf_domain), i % 3 ? "example.com" :
	    "");
	snprintf(r->spf_scope, sizeof(r->spf_scope), "mfrom");
	snprintf(r->spf_result, sizeof(r->spf_result), "pass");
	snprintf(r->dkim, sizeof(r->dkim), "example.com s%zu pass d.test x fail",
	    i);
	snprintf(r->dmarc_result, sizeof(r->dmarc_result), "pass");
	snprintf(r->disposition, sizeof(r->disposition), "none");
	snprintf(r->reasons, sizeof(r->reasons), i % 5 ? "" :
	    "local_policy mailing_list");
	snprintf(r->p, sizeof(r->p), "reject");
	snprintf(r->sp, sizeof(r->sp), "none");
	snprintf(r->np, sizeof(r->np), "none");
	snprintf(r->adkim, sizeof(r->adkim), "r");
	snprintf(r->aspf, sizeof(r->aspf), "s");
	snprintf(r->testing, sizeof(r->testing), "n");
	snprintf(r->fo, sizeof(r->fo), "1");
	snprintf(r->discovery, sizeof(r->discovery), "treewalk");
	r->dkim_aligned = (int)(i % 2);
	r->spf_aligned = 1;
}

static const report_meta meta = {
	"Org \"quoted\"\n", "dmarc@mx.test", "mx.test",
	"1.2.example.com@mx.test", 1800000000, 1800086399, "gen/1"
};

/* The document of nrows rows, streamed into s (-1: the writer failed). */
static int
stream(report_format fmt, size_t nrows, sink *s)
{
	report_record r;
	report_writer *w;
	char why[256];
	size_t i;
	int rc = 0;

	sb_init(&s->doc);
	fill(&r, 0);
	w = report_writer_open(fmt, &meta, &r, to_sink, s, why, sizeof(why));
	if (w == NULL)
		return -1;
	for (i = 0; i < nrows && rc == 0; i++) {
		fill(&r, i);
		rc = report_writer_row(w, &r, i + 1);
	}
	s->at_close = s->doc.len;
	if (rc == 0)
		rc = report_writer_close(w);
	report_writer_free(w);
	return rc;
}

/* The same through report_writer_new / report_writer_finish. */
static void
whole(report_format fmt, size_t nrows, strbuf *out)
{
	report_record r;
	report_writer *w;
	char why[256];
	size_t i;

	sb_init(out);
	fill(&r, 0);
	w = report_writer_new(fmt, &meta, &r, why, sizeof(why));
	ck_assert_msg(w != NULL, "%s", why);
	for (i = 0; i < nrows; i++) {
		fill(&r, i);
		ck_assert_int_eq(report_writer_row(w, &r, i + 1), 0);
	}
	ck_assert_int_eq(report_writer_finish(w, out), 0);
	report_writer_free(w);
}

START_TEST(streams_while_rows_are_written)
{
	static const report_format fmts[] = { REPORT_XML, REPORT_XML7489,
	    REPORT_JSON };
	report_format fmt = fmts[_i];
	strbuf ref;
	sink s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(stream(fmt, ROWS, &s), 0);
	/* all but a buffer's worth was out before the end: not held whole */
	ck_assert_msg(s.doc.len > 500000 && s.doc.len - s.at_close < 16384,
	    "%zu octets, %zu of them before the end", s.doc.len, s.at_close);
	whole(fmt, ROWS, &ref);
	ck_assert_uint_eq(ref.len, s.doc.len);
	ck_assert(memcmp(ref.s, s.doc.s, ref.len) == 0);
	sb_free(&ref);
	sb_free(&s.doc);
}
END_TEST

/* The streamed JSON is byte for byte what Jansson dumps for the parsed
 * document: the format of the writer that held the whole tree. */
START_TEST(json_is_janssons)
{
	size_t nrows = (size_t)_i;
	json_error_t err;
	json_t *root;
	char *want;
	sink s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(stream(REPORT_JSON, nrows, &s), 0);
	root = json_loadb(s.doc.s, s.doc.len, 0, &err);
	ck_assert_msg(root != NULL, "%s", err.text);
	ck_assert_uint_eq(json_array_size(json_object_get(root, "record")),
	    nrows);
	want = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	ck_assert_ptr_nonnull(want);
	ck_assert_uint_eq(strlen(want) + 1, s.doc.len);
	ck_assert(memcmp(want, s.doc.s, strlen(want)) == 0);
	ck_assert_int_eq(s.doc.s[s.doc.len - 1], '\n');
	free(want);
	json_decref(root);
	sb_free(&s.doc);
}
END_TEST

START_TEST(failing_sink_fails_the_writer)
{
	static const report_format fmts[] = { REPORT_XML, REPORT_XML7489,
	    REPORT_JSON };
	sink s;

	memset(&s, 0, sizeof(s));
	s.fail_after = 20;
	ck_assert_int_eq(stream(fmts[_i], ROWS, &s), -1);
	sb_free(&s.doc);
}
END_TEST

/* the document fed to report_gz in the writer's pieces and in pieces of
 * 1 and 100,000 octets: the same octets as report_gzip() of it whole */
START_TEST(streamed_gzip_is_report_gzip)
{
	static const size_t piece[] = { 0, 1, 100000 };
	strbuf want, got;
	report_gz *g;
	size_t off, n;
	sink s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(stream(REPORT_XML, ROWS, &s), 0);
	sb_init(&want);
	ck_assert_int_eq(report_gzip(s.doc.s, s.doc.len, &want), 0);
	ck_assert_uint_lt(want.len, s.doc.len / 10);
	sb_init(&got);
	g = report_gz_new(&got);
	ck_assert_ptr_nonnull(g);
	if (piece[_i] == 0) {
		report_record r;
		report_writer *w;
		char why[256];
		size_t i;

		fill(&r, 0);
		w = report_writer_open(REPORT_XML, &meta, &r, report_gz_write,
		    g, why, sizeof(why));
		ck_assert_ptr_nonnull(w);
		for (i = 0; i < ROWS; i++) {
			fill(&r, i);
			ck_assert_int_eq(report_writer_row(w, &r, i + 1), 0);
		}
		ck_assert_int_eq(report_writer_close(w), 0);
		report_writer_free(w);
	} else {
		for (off = 0; off < s.doc.len; off += n) {
			n = s.doc.len - off < piece[_i] ? s.doc.len - off :
			    piece[_i];
			ck_assert_int_eq(report_gz_write(g, s.doc.s + off, n), 0);
		}
	}
	ck_assert_int_eq(report_gz_finish(g), 0);
	report_gz_free(g);
	ck_assert_uint_eq(got.len, want.len);
	ck_assert(memcmp(got.s, want.s, want.len) == 0);
	sb_free(&want);
	sb_free(&got);
	sb_free(&s.doc);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("report_stream");
	TCase *tc = tcase_create("stream");

	tcase_add_loop_test(tc, streams_while_rows_are_written, 0, 3);
	tcase_add_loop_test(tc, json_is_janssons, 0, 3);
	tcase_add_loop_test(tc, failing_sink_fails_the_writer, 0, 3);
	tcase_add_loop_test(tc, streamed_gzip_is_report_gzip, 0, 3);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
