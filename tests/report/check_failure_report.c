/*
 * tests/report/check_failure_report.c - report/failure_report.c: the
 * report parsed back (the multipart/report structure, its boundary, the
 * three parts, every RFC 5965 / RFC 6591 field we write, and no field a
 * sender's text could add), the redactions (never a body octet; local
 * parts masked when asked), which fo= options ask for a report, and
 * hostile input (CR LF in values, a header text holding a boundary).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "util/strbuf.h"
#include "tests/lib/check_main.h"

#define HDRS "From: Alice Example <alice.smith@example.com>\r\n" \
	"To: bob@receiver.example, \"Carol X\" <carol@receiver.example>\r\n" \
	"Subject: quarterly numbers\r\n" \
	"Message-ID: <1234@mail.example.com>\r\n"

static void
input(failrep_input *in)
{
	memset(in, 0, sizeof(*in));
	in->time = 1800000000;	/* 2027-01-15T08:00:00Z */
	in->from = "postmaster@mx.test";
	in->user_agent = "authmilter/0.1.0";
	in->envelope_id = "4Xyz12";
	in->mail_from = "bounce@mail.example.com";
	in->rcpt = "bob@receiver.example";
	in->source_ip = "192.0.2.7";
	in->reported_domain = "example.com";
	in->auth_results = "mx.test;\r\n\tspf=fail smtp.mailfrom=mail.example.com;"
	    "\r\n\tdmarc=fail (p=reject) header.from=example.com";
	in->delivery = "reject";
	in->headers = HDRS;
	in->headers_len = strlen(HDRS);
}

/* The part of a MIME message: header block and body. */
typedef struct part {
	char *head, *body;
} part;

/* Splits msg (NUL-terminated, modified) into its top header block, and
 * the parts between "--boundary" lines; returns the number of parts. */
static size_t
split(char *msg, char *boundary, size_t blen, part *top, part *parts,
    size_t max)
{
	char delim[128], *p, *b, *end;
	size_t n = 0;

	p = strstr(msg, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	*p = '\0';
	top->head = msg;
	top->body = p + 4;
	b = strstr(top->head, "boundary=\"");
	ck_assert_ptr_nonnull(b);
	b += strlen("boundary=\"");
	end = strchr(b, '"');
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_lt((size_t)(end - b), blen);
	memcpy(boundary, b, (size_t)(end - b));
	boundary[end - b] = '\0';
	snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* each delimiter ends the part before it (a NUL on its CR); the
	 * search goes on from the octet after, which is not a CR */
	for (p = strstr(top->body, delim); p != NULL;
	    p = strstr(p + 1, delim)) {
		char *after = p + strlen(delim);

		*p = '\0';
		if (strncmp(after, "--", 2) == 0)
			break;	/* the close delimiter */
		ck_assert(strncmp(after, "\r\n", 2) == 0);
		ck_assert_uint_lt(n, max);
		parts[n++].head = after + 2;
	}
	for (size_t i = 0; i < n; i++) {
		b = strstr(parts[i].head, "\r\n\r\n");
		ck_assert_ptr_nonnull(b);
		*b = '\0';
		parts[i].body = b + 4;
	}
	return n;
}

/* How many lines of block start with "name: value" exactly (value NULL:
 * any value). */
static int
field_count(const char *block, const char *name, const char *value)
{
	char want[512];
	const char *p = block;
	int n = 0;

	snprintf(want, sizeof(want), "%s: %s", name, value != NULL ? value : "");
	for (;;) {
		size_t len = strcspn(p, "\r\n");

		if (value == NULL ? strncmp(p, want, strlen(want)) == 0 :
		    len == strlen(want) && strncmp(p, want, len) == 0)
			n++;
		p += len;
		if (*p == '\0')
			break;
		p += *p == '\r' && p[1] == '\n' ? 2 : 1;
	}
	return n;
}

START_TEST(format_parsed_back)
{
	static const struct {
		const char *name, *value;
	} want[] = {
		{ "Feedback-Type", "auth-failure" },
		{ "User-Agent", "authmilter/0.1.0" },
		{ "Version", "1" },
		{ "Auth-Failure", "dmarc" },
		{ "Authentication-Results", "mx.test; spf=fail "
		    "smtp.mailfrom=mail.example.com; dmarc=fail (p=reject) "
		    "header.from=example.com" },
		{ "Original-Envelope-Id", "4Xyz12" },
		{ "Original-Mail-From", "<bounce@mail.example.com>" },
		{ "Original-Rcpt-To", "<bob@receiver.example>" },
		{ "Source-IP", "192.0.2.7" },
		{ "Reported-Domain", "example.com" },
		{ "Identity-Alignment", "none" },
		{ "Delivery-Result", "reject" },
		{ "Arrival-Date", "Fri, 15 Jan 2027 08:00:00 +0000" },
	};
	failrep_input in;
	strbuf out;
	char why[256], boundary[128];
	part top, parts[4];
	size_t n, i;

	input(&in);
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_ptr_null(strstr(out.s, "\n\n"));	/* CRLF only */
	n = split(out.s, boundary, sizeof(boundary), &top, parts, 4);
	/* RFC 5965 2: multipart/report, report-type feedback-report, three
	 * parts: human-readable, message/feedback-report, the original */
	ck_assert_int_eq(field_count(top.head, "From", "postmaster@mx.test"), 1);
	ck_assert_int_eq(field_count(top.head, "Date",
	    "Fri, 15 Jan 2027 08:00:00 +0000"), 1);
	ck_assert_int_eq(field_count(top.head, "MIME-Version", "1.0"), 1);
	ck_assert_int_eq(field_count(top.head, "Subject", "DMARC failure "
	    "report for example.com from 192.0.2.7"), 1);
	ck_assert_ptr_nonnull(strstr(top.head, "Content-Type: multipart/report;"
	    " report-type=feedback-report;\r\n\tboundary=\""));
	ck_assert_int_eq(field_count(top.head, "To", NULL), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(field_count(parts[0].head, "Content-Type",
	    "text/plain; charset=us-ascii"), 1);
	ck_assert_ptr_nonnull(strstr(parts[0].body, "failed DMARC"));
	ck_assert_int_eq(field_count(parts[1].head, "Content-Type",
	    "message/feedback-report"), 1);
	/* RFC 5965 3.1 required, RFC 6591 3.1 auth-failure fields */
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(field_count(parts[1].body, want[i].name,
		    want[i].value) == 1, "%s: %s not once in:\n%s", want[i].name,
		    want[i].value, parts[1].body);
	ck_assert_int_eq(field_count(parts[2].head, "Content-Type",
	    "text/rfc822-headers"), 1);
	ck_assert_int_eq(field_count(parts[2].head, "Content-Transfer-Encoding",
	    "7bit"), 1);
	ck_assert_str_eq(parts[2].body, HDRS);
	sb_free(&out);
}
END_TEST

START_TEST(alignment_words)
{
	static const struct {
		int spf, dkim;
		const char *word;
	} t[] = {
		{ 0, 0, "none" }, { 1, 0, "spf" }, { 0, 1, "dkim" },
		{ 1, 1, "dkim, spf" },
	};
	failrep_input in;
	strbuf out;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		input(&in);
		in.auth.spf_aligned = t[i].spf;
		in.auth.dkim_aligned = t[i].dkim;
		sb_init(&out);
		ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
		ck_assert_int_eq(field_count(out.s, "Identity-Alignment",
		    t[i].word), 1);
		sb_free(&out);
	}
}
END_TEST

/* RFC 5965 3.2: a reverse-path and a forward-path, in angle brackets
 * whether the MTA gave them or not; the null sender is "<>". */
START_TEST(envelope_paths)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a@b.example", "<a@b.example>" },
		{ "<a@b.example>", "<a@b.example>" },
		{ "", "<>" },
		{ "<>", "<>" },
	};
	failrep_input in;
	strbuf out;
	char why[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		input(&in);
		in.mail_from = t[i].in;
		in.rcpt = t[i].in;
		sb_init(&out);
		ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
		ck_assert_int_eq(field_count(out.s, "Original-Mail-From",
		    t[i].want), 1);
		ck_assert_int_eq(field_count(out.s, "Original-Rcpt-To",
		    t[i].want), 1);
		sb_free(&out);
	}
	input(&in);
	in.mail_from = NULL;
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_int_eq(field_count(out.s, "Original-Mail-From", NULL), 0);
	sb_free(&out);
}
END_TEST

START_TEST(required_and_refused)
{
	failrep_input in;
	strbuf out;
	char why[256];

	input(&in);
	in.auth_results = NULL;	/* RFC 6591 3.1: MUST appear */
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), -1);
	ck_assert_str_eq(why, "failure report: no Authentication-Results "
	    "(RFC 6591 3.1)");
	input(&in);
	in.reported_domain = "";
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), -1);
	sb_free(&out);
}
END_TEST

/* The local-parts of every address, in the header block and the
 * envelope fields, become "redacted"; domains stay. */
START_TEST(localparts_masked)
{
	failrep_input in;
	strbuf out, m;
	char why[256];

	input(&in);
	in.mask_localparts = 1;
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_ptr_null(strstr(out.s, "alice"));
	ck_assert_ptr_null(strstr(out.s, "bob@"));
	ck_assert_ptr_null(strstr(out.s, "carol@"));
	ck_assert_ptr_null(strstr(out.s, "bounce@"));
	ck_assert_ptr_nonnull(strstr(out.s, "From: Alice Example "
	    "<redacted@example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "To: redacted@receiver.example, "
	    "\"Carol X\" <redacted@receiver.example>\r\n"));
	ck_assert_int_eq(field_count(out.s, "Original-Mail-From",
	    "<redacted@mail.example.com>"), 1);
	ck_assert_int_eq(field_count(out.s, "Original-Rcpt-To",
	    "<redacted@receiver.example>"), 1);
	/* the Message-ID's left part is masked too: it can name a person */
	ck_assert_ptr_nonnull(strstr(out.s, "<redacted@mail.example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(out.s, "with the local-parts of "
	    "addresses replaced"));
	sb_free(&out);

	/* a quoted local-part, "@" alone, several in a row */
	sb_init(&m);
	ck_assert_uint_eq(failrep_mask_localparts(&m, "\"a b\"@x.example @ "
	    "c.d+e@y,f@z", strlen("\"a b\"@x.example @ c.d+e@y,f@z")), 3);
	ck_assert_str_eq(m.s, "redacted@x.example @ redacted@y,redacted@z");
	sb_free(&m);

	/* an internationalized local-part (RFC 6532), and octets that are no
	 * UTF-8 (shown as '?' first, then masked with the rest) */
	input(&in);
	in.mask_localparts = 1;
	in.headers = "From: jos\xc3\xa9@example.com\r\n"
	    "To: \xac\xac" "bob@example.net\r\n";
	in.headers_len = strlen(in.headers);
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "\r\nFrom: redacted@example.com\r\n"
	    "To: redacted@example.net\r\n"));
	sb_free(&out);
}
END_TEST

/* The headers given are all a report holds of the message: the splitter
 * gives no body, and the writer adds none; a block over the bound is cut
 * at a line end. */
START_TEST(no_body_and_bounded)
{
	failrep_input in;
	strbuf out, big;
	char why[256], boundary[128];
	part top, parts[4];
	size_t i;

	sb_init(&big);
	for (i = 0; big.len < FAILREP_MAX_HEADERS + 1000; i++)
		sb_printf(&big, "X-Filler-%zu: %s\r\n", i,
		    "0123456789012345678901234567890123456789");
	input(&in);
	in.headers = big.s;
	in.headers_len = big.len;
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_uint_eq(split(out.s, boundary, sizeof(boundary), &top, parts,
	    4), 3);
	ck_assert_uint_le(strlen(parts[2].body), FAILREP_MAX_HEADERS);
	ck_assert_uint_gt(strlen(parts[2].body), FAILREP_MAX_HEADERS - 100);
	/* cut at a line end: the part ends with a whole field */
	ck_assert_str_eq(parts[2].body + strlen(parts[2].body) - 2, "\r\n");
	ck_assert_ptr_nonnull(strstr(parts[2].body, "X-Filler-0: "));
	sb_free(&out);
	sb_free(&big);
}
END_TEST

/* What the sender chose cannot add a field, a part or a boundary. */
START_TEST(hostile_values)
{
	static const char hdrs[] = "Subject: x\r\n"
	    "X-A: \r\n--=_authmilter_fr_0000000000000000\r\n"
	    "X-B: bare\rcr and\nlf and \x01 ctl and \xff\xfe bad utf8\r\n";
	failrep_input in;
	strbuf out;
	char why[256], boundary[128];
	part top, parts[4];

	input(&in);
	in.mail_from = "evil@x.example>\r\nFeedback-Type: abuse";
	in.auth_results = "mx.test; dmarc=fail\r\nAuth-Failure: spf";
	in.envelope_id = "id\nReported-Domain: victim.example";
	in.headers = hdrs;
	in.headers_len = sizeof(hdrs) - 1;
	sb_init(&out);
	ck_assert_int_eq(failrep_build(&in, &out, why, sizeof(why)), 0);
	ck_assert_int_eq(field_count(out.s, "Feedback-Type", NULL), 1);
	ck_assert_int_eq(field_count(out.s, "Reported-Domain", NULL), 1);
	ck_assert_int_eq(field_count(out.s, "Reported-Domain", "example.com"),
	    1);
	ck_assert_int_eq(field_count(out.s, "Original-Mail-From",
	    "<evil@x.example>"), 1);
	ck_assert_uint_eq(split(out.s, boundary, sizeof(boundary), &top, parts,
	    4), 3);
	ck_assert_int_eq(field_count(parts[1].body, "Auth-Failure", NULL), 1);
	ck_assert_ptr_nonnull(strstr(parts[2].body, "X-B: bare\r\ncr and\r\n"
	    "lf and ? ctl and ?? bad utf8\r\n"));
	ck_assert_ptr_null(strstr(parts[2].body, "\xff"));
	sb_free(&out);
}
END_TEST

/* out: the report of input() with a failing signature's d= i= s=
 * (NULL: none), local-parts masked or not; built without error. */
static void
dkim_report(strbuf *out, const char *d, const char *i, const char *s,
    int mask)
{
	failrep_input in;
	char why[256];

	input(&in);
	in.dkim_domain = d;
	in.dkim_identity = i;
	in.dkim_selector = s;
	in.mask_localparts = mask;
	sb_init(out);
	ck_assert_int_eq(failrep_build(&in, out, why, sizeof(why)), 0);
}

/* RFC 6591 3.1 (RFC 9991 3): a report of a DKIM failure names the
 * signature, d= i= s=, in the machine-readable part; a report that is
 * not for one has none of the three. */
START_TEST(dkim_fields)
{
	strbuf out;
	char boundary[128];
	part top, parts[4];

	dkim_report(&out, "example.com", "news@mail.example.com",
	    "sel_2024.a", 0);
	ck_assert_uint_eq(split(out.s, boundary, sizeof(boundary), &top, parts,
	    4), 3);
	ck_assert_int_eq(field_count(parts[1].body, "DKIM-Domain",
	    "example.com"), 1);
	ck_assert_int_eq(field_count(parts[1].body, "DKIM-Identity",
	    "news@mail.example.com"), 1);
	ck_assert_int_eq(field_count(parts[1].body, "DKIM-Selector",
	    "sel_2024.a"), 1);
	ck_assert_int_eq(field_count(parts[1].body, "Identity-Alignment",
	    "none"), 1);	/* its meaning unchanged: aligned passes */
	ck_assert_int_eq(field_count(parts[2].body, "DKIM-Domain", NULL), 0);
	sb_free(&out);

	/* no i=: "@" d= (RFC 6376 3.5); masked local-parts mask i= too */
	dkim_report(&out, "example.com", NULL, "s1", 0);
	ck_assert_int_eq(field_count(out.s, "DKIM-Identity", "@example.com"),
	    1);
	sb_free(&out);
	dkim_report(&out, "example.com", "alice@example.com", "s1", 1);
	ck_assert_int_eq(field_count(out.s, "DKIM-Identity",
	    "redacted@example.com"), 1);
	ck_assert_ptr_null(strstr(out.s, "alice"));
	sb_free(&out);

	/* not a DKIM failure: none of the three */
	dkim_report(&out, NULL, NULL, NULL, 0);
	ck_assert_ptr_null(strstr(out.s, "DKIM-"));
	sb_free(&out);
}
END_TEST

/* d=, i= and s= come from the sender's signature: CR LF, a control, a
 * blank, an 8-bit octet or a value over its bound (a name over 253
 * octets, a label over 63, a local-part over 64) writes none of the
 * three fields, and no text of theirs reaches the report; at the bound
 * they are taken. */
START_TEST(dkim_fields_hostile)
{
	static const struct {
		const char *d, *i, *s;
	} t[] = {
		{ "example.com\r\nReported-Domain: victim.example", NULL, "s" },
		{ "example.com", NULL, "s\r\nReported-Domain: victim.example" },
		{ "example.com", "a@example.com\r\nReported-Domain: "
		    "victim.example", "s" },
		{ "example.com\nX-Victim: 1", NULL, "s" },
		{ "example.com", NULL, "s\rX-Victim: 1" },
		{ "example.com", NULL, "s X-Victim: 1" },
		{ "example.com", NULL, "s\x01" },
		{ "ex\xc3\xa4mple.com", NULL, "s" },
		{ "example.com", "a b@example.com", "s" },
		{ "example.com", "no-at-sign", "s" },
		{ "", NULL, "s" },
		{ "example.com", NULL, "" },
	};
	char longname[400], longlabel[80], longlocal[100];
	strbuf out;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		dkim_report(&out, t[i].d, t[i].i, t[i].s, 0);
		ck_assert_msg(strstr(out.s, "DKIM-") == NULL, "case %zu: a "
		    "DKIM field from a hostile value:\n%s", i, out.s);
		ck_assert_ptr_null(strstr(out.s, "victim"));
		ck_assert_ptr_null(strstr(out.s, "X-Victim"));
		ck_assert_int_eq(field_count(out.s, "Reported-Domain", NULL), 1);
		sb_free(&out);
	}
	/* over-long: a 254-octet name, a 64-octet label, a 65-octet
	 * local-part; one octet less is taken */
	memset(longname, 'a', sizeof(longname));
	for (i = 63; i < 254; i += 64)
		longname[i] = '.';
	longname[254] = '\0';
	memset(longlabel, 'b', sizeof(longlabel));
	snprintf(longlabel + 64, sizeof(longlabel) - 64, ".com");
	memset(longlocal, 'c', sizeof(longlocal));
	snprintf(longlocal + 65, sizeof(longlocal) - 65, "@example.com");
	dkim_report(&out, longname, NULL, "s", 0);
	ck_assert_ptr_null(strstr(out.s, "DKIM-"));
	sb_free(&out);
	dkim_report(&out, "example.com", NULL, longlabel, 0);
	ck_assert_ptr_null(strstr(out.s, "DKIM-"));
	sb_free(&out);
	dkim_report(&out, "example.com", longlocal, "s", 0);
	ck_assert_ptr_null(strstr(out.s, "DKIM-"));
	sb_free(&out);
	longname[253] = '\0';
	memmove(longlabel + 63, longlabel + 64, strlen(longlabel + 64) + 1);
	memmove(longlocal + 64, longlocal + 65, strlen(longlocal + 65) + 1);
	dkim_report(&out, longname, NULL, longlabel, 0);
	ck_assert_int_eq(field_count(out.s, "DKIM-Domain", longname), 1);
	ck_assert_int_eq(field_count(out.s, "DKIM-Selector", longlabel), 1);
	ck_assert_ptr_nonnull(strstr(out.s, "\r\nDKIM-Identity: @aaa"));
	sb_free(&out);
	dkim_report(&out, "example.com", longlocal, "s", 0);
	ck_assert_int_eq(field_count(out.s, "DKIM-Identity", longlocal), 1);
	sb_free(&out);
}
END_TEST

START_TEST(fo_options)
{
	failrep_auth none = { 0, 0, 0, 0 }, spf_only = { 1, 0, 0, 0 };
	failrep_auth both = { 1, 1, 0, 0 }, dkim_bad = { 1, 1, 0, 1 };
	failrep_auth spf_bad = { 0, 1, 1, 0 };

	/* fo=0 (the default): only when nothing aligned passed */
	ck_assert_int_eq(failrep_wanted(DMARC_FO_0, &none), 1);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_0, &spf_only), 0);
	/* fo=1: when any mechanism gave no aligned pass, DMARC pass or not */
	ck_assert_int_eq(failrep_wanted(DMARC_FO_1, &spf_only), 1);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_1, &both), 0);
	/* d: a failed signature, aligned or not; s: SPF failed */
	ck_assert_int_eq(failrep_wanted(DMARC_FO_D, &dkim_bad), 1);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_D, &spf_bad), 0);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_S, &spf_bad), 1);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_S, &dkim_bad), 0);
	ck_assert_int_eq(failrep_wanted(DMARC_FO_D | DMARC_FO_S, &spf_bad), 1);
	ck_assert_int_eq(failrep_wanted(0, &none), 0);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("failure_report");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, format_parsed_back);
	tcase_add_test(tc, alignment_words);
	tcase_add_test(tc, envelope_paths);
	tcase_add_test(tc, required_and_refused);
	tcase_add_test(tc, localparts_masked);
	tcase_add_test(tc, no_body_and_bounded);
	tcase_add_test(tc, hostile_values);
	tcase_add_test(tc, fo_options);
	tcase_add_test(tc, dkim_fields);
	tcase_add_test(tc, dkim_fields_hostile);
	suite_add_tcase(s, tc);
	return s;
}
