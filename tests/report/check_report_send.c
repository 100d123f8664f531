/*
 * tests/report/check_report_send.c - report/report_send without mail: the
 * command's words (kept, refused with the reason), the envelope sender;
 * a fake sendmail script in a temporary directory that records its argv
 * and stdin (the words with -f SENDER -- RCPT, the whole message), one
 * that fails, one that does not read, one that is not there; and the
 * per-destination walk of report_send() over a real SQLite store and
 * the real resolver on a zone file (sent, not mailto:, !size, refused,
 * external confirmed or not, DNS failure, already sent, dry run, failed
 * send retried); the failure reports' queue (RFC 9991) through
 * report_failure_send(): stored once per id, rate-limited per domain at
 * queueing and per domain and destination at sending, sent once, an
 * external ruf= without its _report._dmarc authorization not sent to, the
 * stored text erased when done; one whose sendmail always fails retried
 * by every run until REPORT_FAILURE_GIVE_UP after it was queued, then
 * abandoned (told once) and never tried again.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report.h"
#include "report/report_send.h"
#include "tests/lib/testzone.h"
#include "util/strbuf.h"
#include "tests/lib/check_main.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_report_send.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

/* DIR/NAME: a sendmail that records its argv (DIR/N.argv, one word a
 * line) and its stdin (DIR/N.in), N counting from 0, then exits with
 * code; read = 0: it reads nothing. */
static void
fake_sendmail(const char *name, int code, int read, char *path, size_t size)
{
	FILE *fp;

	snprintf(path, size, "%s/%s", dir, name);
	fp = fopen(path, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "#!/bin/sh\nn=$(ls '%s' | grep -c '\\.argv$')\n"
	    "printf '%%s\\n' \"$@\" > '%s/'$n.argv\n", dir, dir);
	if (read)
		fprintf(fp, "cat > '%s/'$n.in\n", dir);
	fprintf(fp, "exit %d\n", code);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(chmod(path, 0700), 0);
}

/* The whole of DIR/NAME into sb; -1 when it is not there. */
static int
slurp(const char *name, strbuf *sb)
{
	char p[512], buf[4096];
	FILE *fp;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	sb_reset(sb);
	if ((fp = fopen(p, "r")) == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sb_append(sb, buf, n);
	fclose(fp);
	return 0;
}

static int
setup_with(report_sender *s, const char *cmd, const char *env, char *why,
    size_t whylen)
{
	int rc = report_send_setup(s, cmd, env, why, whylen);

	report_send_free(s);
	return rc;
}

START_TEST(command_words)
{
	static const struct {
		const char *cmd, *why;
	} refused[] = {
		{ "/usr/sbin/sendmail -oi -t", "report_sendmail must not use -t "
		    "(recipients read from header fields): authmilter passes "
		    "each recipient as an argument" },
		{ "sendmail -ti", "report_sendmail must not use -t (recipients "
		    "read from header fields): authmilter passes each recipient "
		    "as an argument" },
		{ "sendmail -oi -f x@y.example", "report_sendmail must not set "
		    "the sender or end the options ('-f'): authmilter adds -f "
		    "SENDER -- RECIPIENT (report_envelope_from)" },
		{ "sendmail -rbounce@a-very-long-name.example", "report_sendmail "
		    "must not set the sender or end the options "
		    "('-rbounce@a-very-'): authmilter adds -f SENDER -- "
		    "RECIPIENT (report_envelope_from)" },
		{ "sendmail\t--", "report_sendmail must not set the sender or end "
		    "the options ('--'): authmilter adds -f SENDER -- RECIPIENT "
		    "(report_envelope_from)" },
		{ "", "report_sendmail is empty" },
		{ " \t ", "report_sendmail is empty" },
		{ "s 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 "
		    "24 25 26 27 28 29 30 31 32", "report_sendmail has more than "
		    "32 words" },
	};
	report_sender s;
	char why[512], many[256];
	size_t i, len = 0;

	ck_assert_int_eq(report_send_setup(&s, "/usr/sbin/sendmail  -oi\t-X/t/x "
	    "-Ft", "dmarc@MX.Test", why, sizeof(why)), REPORT_SETUP_OK);
	ck_assert_uint_eq(s.argc, 4);
	ck_assert_str_eq(s.argv[0], "/usr/sbin/sendmail");
	ck_assert_str_eq(s.argv[1], "-oi");
	ck_assert_str_eq(s.argv[2], "-X/t/x");	/* X takes the rest: no -t */
	ck_assert_str_eq(s.argv[3], "-Ft");
	ck_assert_str_eq(s.sender, "dmarc@mx.test");
	report_send_free(&s);

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		why[0] = '\0';
		ck_assert_int_eq(setup_with(&s, refused[i].cmd, "dmarc@mx.test",
		    why, sizeof(why)), REPORT_SETUP_COMMAND);
		ck_assert_str_eq(why, refused[i].why);
	}
	/* 32 words are fine; the program itself may look like an option */
	for (i = 0; i < 32; i++)
		len += (size_t)snprintf(many + len, sizeof(many) - len, "%s-w",
		    i ? " " : "");
	ck_assert_int_eq(setup_with(&s, many, "a@b.example", why, sizeof(why)),
	    REPORT_SETUP_OK);

	/* the sender is checked first, with dmarc_mailbox_parse's reason */
	why[0] = '\0';
	ck_assert_int_eq(setup_with(&s, "sendmail -t", "x@y.example(@z.example",
	    why, sizeof(why)), REPORT_SETUP_SENDER);
	ck_assert_str_ne(why, "");
	ck_assert_ptr_null(strstr(why, "report_sendmail"));
	ck_assert_int_eq(setup_with(&s, "sendmail", "postmaster", why,
	    sizeof(why)), REPORT_SETUP_SENDER);
}
END_TEST

START_TEST(runs_with_argv_and_message)
{
	report_sender s;
	char sm[256], why[512], want[512];
	strbuf got;
	char *msg = malloc(200000);
	size_t i;

	/* more than a pipe holds: the writer must keep at it */
	for (i = 0; i < 200000; i++)
		msg[i] = (char)('a' + i % 26);
	msg[199999] = '\n';
	sb_init(&got);
	fake_sendmail("sendmail", 0, 1, sm, sizeof(sm));
	snprintf(want, sizeof(want), "%s -oi", sm);
	ck_assert_int_eq(report_send_setup(&s, want, "dmarc@mx.test", why,
	    sizeof(why)), REPORT_SETUP_OK);
	ck_assert_int_eq(report_sendmail_run(&s, "rua@example.com", msg,
	    200000, why, sizeof(why)), 0);
	ck_assert_int_eq(slurp("0.argv", &got), 0);
	ck_assert_str_eq(got.s, "-oi\n-f\ndmarc@mx.test\n--\nrua@example.com\n");
	ck_assert_int_eq(slurp("0.in", &got), 0);
	ck_assert_uint_eq(got.len, 200000);
	ck_assert(memcmp(got.s, msg, 200000) == 0);
	/* a recipient that looks like an option is still one, after -- */
	ck_assert_int_eq(report_sendmail_run(&s, "-oQ/tmp/x@a.example", "m\n",
	    2, why, sizeof(why)), 0);
	ck_assert_int_eq(slurp("1.argv", &got), 0);
	ck_assert_str_eq(got.s, "-oi\n-f\ndmarc@mx.test\n--\n-oQ/tmp/x@a.example\n");
	report_send_free(&s);
	sb_free(&got);
	free(msg);
}
END_TEST

/* report_sendmail_run() of a message of len octets through sm; its why. */
static void
run_failing(const char *sm, size_t len, char *why, size_t whylen)
{
	report_sender s;
	char *msg = calloc(1, len);

	ck_assert_int_eq(report_send_setup(&s, sm, "dmarc@mx.test", why,
	    whylen), REPORT_SETUP_OK);
	ck_assert_int_eq(report_sendmail_run(&s, "a@example.com", msg, len,
	    why, whylen), -1);
	report_send_free(&s);
	free(msg);
}

START_TEST(failures_said)
{
	char sm[256], why[512], want[600];

	fake_sendmail("tempfail", 75, 1, sm, sizeof(sm));
	run_failing(sm, 2, why, sizeof(why));
	snprintf(want, sizeof(want), "%s exited with status 75", sm);
	ck_assert_str_eq(why, want);

	/* exits 0 without reading a message larger than a pipe holds */
	fake_sendmail("deaf", 0, 0, sm, sizeof(sm));
	run_failing(sm, 1000000, why, sizeof(why));
	snprintf(want, sizeof(want), "%s did not read the whole report (", sm);
	ck_assert_msg(strncmp(why, want, strlen(want)) == 0, "%s", why);
	ck_assert_ptr_nonnull(strstr(why, " of 1000000 bytes)"));

	snprintf(sm, sizeof(sm), "%s/not-there", dir);
	run_failing(sm, 2, why, sizeof(why));
	snprintf(want, sizeof(want), "%s exited with status 127", sm);
	ck_assert_str_eq(why, want);
}
END_TEST

/* report_send(): each outcome as "STATUS mailbox octets? failed why;" */
typedef struct walk {
	strbuf said;
	dns_resolver *r;
} walk;

static void
on_said(void *arg, const char *pd, const report_send_outcome *o)
{
	static const char *const names[] = { "no_rua", "refused", "not_mailto",
	    "unconfirmed", "unconfirmed_temp", "store_error", "already_sent",
	    "build_error", "too_big", "dry_run", "failed", "not_recorded",
	    "sent", "rate_limited", "abandoned" };
	walk *w = arg;

	/* the domain is said when it is not example.com: the outputs
	 * compared below check it */
	if (strcmp(pd, "example.com") != 0)
		sb_printf(&w->said, "[%s] ", pd);
	sb_printf(&w->said, "%s %s %s%s%s", names[o->status],
	    o->mailbox != NULL ? o->mailbox : "-", o->octets > 0 ? "octets" :
	    "0", o->failed ? " failed" : "", o->limit ? " limit" : "");
	if (o->status == REPORT_SEND_UNCONFIRMED ||
	    o->status == REPORT_SEND_UNCONFIRMED_TEMP ||
	    o->status == REPORT_SEND_REFUSED ||
	    o->status == REPORT_SEND_RATE_LIMITED ||
	    o->status == REPORT_SEND_ABANDONED)
		sb_printf(&w->said, " (%s)", o->why);
	sb_puts(&w->said, ";\n");
}

static dns_resolver *
get_resolver(void *arg)
{
	return ((walk *)arg)->r;
}

/* What a walk over destinations needs: the real resolver on a zone of
 * records, the store (a path or URI), the fake sendmail, the job. */
typedef struct fixture {
	walk w;
	dns_resolver *res;
	history *h;
	report_sender s;
	report_send_job job;
	char zone[64];
	strbuf got;
} fixture;

static void
fixture_start(fixture *f, const char *records, const char *store)
{
	char sm[256], why[512];
	FILE *zf;

	memset(f, 0, sizeof(*f));
	sb_init(&f->w.said);
	sb_init(&f->got);
	zf = testzone_create(f->zone, sizeof(f->zone), "check_report_send");
	ck_assert_ptr_nonnull(zf);
	fputs(records, zf);
	ck_assert_int_eq(fclose(zf), 0);
	f->res = testzone_resolver(f->zone, 2000, why, sizeof(why));
	ck_assert_msg(f->res != NULL, "%s", why);
	f->w.r = f->res;
	f->h = history_open(store, why, sizeof(why));
	ck_assert_msg(f->h != NULL, "%s", why);
	fake_sendmail("sendmail", 0, 1, sm, sizeof(sm));
	ck_assert_int_eq(report_send_setup(&f->s, sm, "dmarc@mx.test", why,
	    sizeof(why)), REPORT_SETUP_OK);
	f->job.sender = &f->s;
	f->job.h = f->h;
	f->job.fmt = REPORT_XML;
	f->job.verify_external = 1;
	f->job.resolver = get_resolver;
	f->job.resolver_arg = &f->w;
	f->job.said = on_said;
	f->job.said_arg = &f->w;
}

static void
fixture_end(fixture *f)
{
	report_send_free(&f->s);
	history_close(f->h);
	dns_resolver_free(f->res);
	unlink(f->zone);
	sb_free(&f->w.said);
	sb_free(&f->got);
}

START_TEST(destinations)
{
	report_record *pol = calloc(1, sizeof(*pol));
	report_meta meta = { "Org", "dmarc@mx.test", "mx.test",
	    "1800000000.1800086399.example.com@mx.test", 1800000000,
	    1800086399, "test" };
	char sm[256], why[512], db[128];
	const char *doc = "<feedback/>\n";
	fixture f;

	snprintf(db, sizeof(db), "%s/h.db", dir);
	fixture_start(&f, "example.com._report._dmarc.other.example. 300 IN TXT "
	    "\"v=DMARC1\"\n"
	    "example.com._report._dmarc.moved.example. 300 IN TXT "
	    "\"v=DMARC1; rua=mailto:reports@moved.example\"\n"
	    "example.com._report._dmarc.elsewhere.example. 300 IN TXT "
	    "\"v=DMARC1; rua=mailto:x@victim.example\"\n", db);

	snprintf(pol->policy_domain, sizeof(pol->policy_domain), "example.com");
	snprintf(pol->rua, sizeof(pol->rua), "mailto:a@example.com,"
	    "https://example.com/r,mailto:big@sub.example.com!10,"
	    "mailto:x@other.example,mailto:y@unconfirmed.example,"
	    "mailto:z@moved.example,mailto:q@elsewhere.example,"
	    "mailto:victim@other.example(@example.com");
	ck_assert_uint_eq(report_send(&f.job, pol, "example.com", &meta, doc,
	    strlen(doc)), 0);
	ck_assert_str_eq(f.w.said.s,
	    "sent a@example.com octets;\n"
	    "not_mailto - 0;\n"
	    "too_big big@sub.example.com octets limit;\n"
	    "sent x@other.example octets;\n"
	    "unconfirmed - 0 (example.com._report._dmarc.unconfirmed.example "
	    "has no v=DMARC1 record);\n"
	    "sent reports@moved.example octets;\n"
	    "unconfirmed - 0 (example.com._report._dmarc.elsewhere.example "
	    "names another host);\n"
	    "refused - 0 (more than one '@' in the address (one mailbox "
	    "only));\n");
	/* what the command got: the mailbox confirmed, after -f and -- */
	ck_assert_int_eq(slurp("2.argv", &f.got), 0);
	ck_assert_str_eq(f.got.s, "-f\ndmarc@mx.test\n--\nreports@moved.example\n");
	ck_assert_int_eq(slurp("2.in", &f.got), 0);
	ck_assert_ptr_nonnull(strstr(f.got.s, "\nTo: reports@moved.example"));
	ck_assert_int_eq(slurp("3.argv", &f.got), -1);

	/* a rerun sends nothing again; without DNS the external ones wait */
	sb_reset(&f.w.said);
	f.w.r = NULL;
	snprintf(pol->rua, sizeof(pol->rua), "mailto:a@example.com,"
	    "mailto:x@other.example");
	ck_assert_uint_eq(report_send(&f.job, pol, "example.com", &meta, doc,
	    strlen(doc)), 1);
	ck_assert_str_eq(f.w.said.s, "already_sent a@example.com 0;\n"
	    "unconfirmed_temp - 0 failed (no resolver);\n");

	/* dry run: nothing run, nothing marked */
	sb_reset(&f.w.said);
	meta.report_id = "2.example.com@mx.test";
	f.job.dry_run = 1;
	snprintf(pol->rua, sizeof(pol->rua), "mailto:a@example.com");
	ck_assert_uint_eq(report_send(&f.job, pol, "example.com", &meta, doc,
	    strlen(doc)), 0);
	ck_assert_str_eq(f.w.said.s, "dry_run a@example.com octets;\n");
	ck_assert_int_eq(slurp("3.argv", &f.got), -1);
	ck_assert_int_eq(history_sent(f.h, "2.example.com@mx.test",
	    "a@example.com", why, sizeof(why)), 0);

	/* a failed send is not marked: the next run retries it */
	report_send_free(&f.s);
	fake_sendmail("tempfail", 75, 1, sm, sizeof(sm));
	ck_assert_int_eq(report_send_setup(&f.s, sm, "dmarc@mx.test", why,
	    sizeof(why)), REPORT_SETUP_OK);
	sb_reset(&f.w.said);
	f.job.dry_run = 0;
	ck_assert_uint_eq(report_send(&f.job, pol, "example.com", &meta, doc,
	    strlen(doc)), 1);
	ck_assert_str_eq(f.w.said.s, "failed a@example.com octets failed;\n");
	ck_assert_int_eq(history_sent(f.h, "2.example.com@mx.test",
	    "a@example.com", why, sizeof(why)), 0);

	/* no rua */
	sb_reset(&f.w.said);
	pol->rua[0] = '\0';
	ck_assert_uint_eq(report_send(&f.job, pol, "example.com", &meta, doc,
	    strlen(doc)), 0);
	ck_assert_str_eq(f.w.said.s, "no_rua - 0;\n");

	fixture_end(&f);
	free(pol);
}
END_TEST

/* One queued failure report of domain, id ID, to ruf. */
static int
queue_failure_of(history *h, const char *domain, const char *id, int64_t t,
    const char *ruf, unsigned per_hour, int *limited)
{
	failrep_row r;
	char why[256];
	int rc;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.t = t;
	snprintf(r.domain, sizeof(r.domain), "%s", domain);
	snprintf(r.org_domain, sizeof(r.org_domain), "%s", domain);
	snprintf(r.ruf, sizeof(r.ruf), "%s", ruf);
	r.report = "From: postmaster@mx.test\r\nSubject: DMARC failure report"
	    "\r\n\r\nbody of the report\r\n";
	rc = history_failure_add(h, &r, per_hour, limited, why, sizeof(why));
	ck_assert_msg(rc >= 0, "%s", why);
	return rc;
}

static int
queue_failure(history *h, const char *id, int64_t t, const char *ruf,
    unsigned per_hour, int *limited)
{
	return queue_failure_of(h, "example.com", id, t, ruf, per_hour, limited);
}

static int
count_pending(void *arg, const failrep_row *r)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

START_TEST(failure_reports)
{
	char why[512], db[128];
	int limited, n;
	uint64_t sent;
	int64_t now = 1800000000;
	fixture f;
	history *h;

	/* SQLite, or the PostgreSQL store of $HISTORY_DB (history_pg.sh) */
	snprintf(db, sizeof(db), "%s/h.db", dir);
	fixture_start(&f, "example.com._report._dmarc.other.example. 300 IN TXT "
	    "\"v=DMARC1\"\n", getenv("HISTORY_DB") != NULL ?
	    getenv("HISTORY_DB") : db);
	h = f.h;

	/* queued once per id; the 3rd of the hour is over a rate of 2 */
	ck_assert_int_eq(queue_failure(h, "q1/AM1.1", now - 10,
	    "mailto:ruf@example.com,mailto:x@other.example,"
	    "mailto:y@unconfirmed.example", 2, &limited), 1);
	ck_assert_int_eq(queue_failure(h, "q1/AM1.1", now - 10,
	    "mailto:ruf@example.com", 2, &limited), 0);
	ck_assert_int_eq(limited, 0);
	ck_assert_int_eq(queue_failure(h, "q2/AM1.2", now - 5,
	    "mailto:ruf@example.com", 2, &limited), 1);
	ck_assert_int_eq(queue_failure(h, "q3/AM1.3", now - 1,
	    "mailto:ruf@example.com", 2, &limited), 0);
	ck_assert_int_eq(limited, 1);

	/* the first report: sent to the domain's own mailbox and to the
	 * confirmed external one, not to the external one without its
	 * _report._dmarc authorization; the second: 2 already sent for
	 * example.com this hour (the rate of 2), not sent */
	ck_assert_uint_eq(report_failure_send(&f.job, 2, now, 0), 0);
	ck_assert_str_eq(f.w.said.s,
	    "sent ruf@example.com octets;\n"
	    "sent x@other.example octets;\n"
	    "unconfirmed - 0 (example.com._report._dmarc.unconfirmed.example "
	    "has no v=DMARC1 record);\n"
	    "rate_limited ruf@example.com 0 (2 sent in the last hour for "
	    "example.com (failure_report_rate 2));\n");
	ck_assert_int_eq(slurp("0.argv", &f.got), 0);
	ck_assert_str_eq(f.got.s, "-f\ndmarc@mx.test\n--\nruf@example.com\n");
	ck_assert_int_eq(slurp("0.in", &f.got), 0);
	ck_assert(strncmp(f.got.s, "To: <ruf@example.com>\r\nMessage-ID: "
	    "<failure.q1/AM1-1.1@mx.test>\r\nFrom: postmaster@mx.test\r\n",
	    strlen("To: <ruf@example.com>\r\nMessage-ID: "
	    "<failure.q1/AM1-1.1@mx.test>\r\nFrom: postmaster@mx.test\r\n"))
	    == 0);
	ck_assert_int_eq(slurp("2.argv", &f.got), -1);	/* two runs only */
	ck_assert_int_eq(history_failure_count(h, "example.com", NULL,
	    now - 3600, &sent, why, sizeof(why)), 0);
	ck_assert_uint_eq(sent, 2);

	/* done: nothing pending, nothing sent again, the text erased */
	n = 0;
	ck_assert_int_eq(history_failure_pending(h, 100, count_pending, &n, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(n, 0);
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 2, now, 0), 0);
	ck_assert_str_eq(f.w.said.s, "");

	/* a DNS failure keeps the report for the next run, where the
	 * destination already sent to is not sent to again */
	ck_assert_int_eq(queue_failure(h, "q4/AM1.4", now + 7200,
	    "mailto:ruf@example.com,mailto:x@other.example", 2, &limited), 1);
	f.w.r = NULL;
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 2, now + 7200, 0), 1);
	ck_assert_str_eq(f.w.said.s, "sent ruf@example.com octets;\n"
	    "unconfirmed_temp - 0 failed (no resolver);\n");
	f.w.r = f.res;
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 2, now + 7200, 0), 0);
	ck_assert_str_eq(f.w.said.s, "already_sent ruf@example.com 0;\n"
	    "sent x@other.example octets;\n");

	/* the rate per destination: three domains' reports to one mailbox,
	 * two an hour (checking external destinations off here) */
	f.job.verify_external = 0;
	ck_assert_int_eq(queue_failure_of(h, "d1.example", "q5", now + 20000,
	    "mailto:ruf@example.com", 2, &limited), 1);
	ck_assert_int_eq(queue_failure_of(h, "d2.example", "q6", now + 20001,
	    "mailto:ruf@example.com", 2, &limited), 1);
	ck_assert_int_eq(queue_failure_of(h, "d3.example", "q7", now + 20002,
	    "mailto:ruf@example.com", 2, &limited), 1);
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 2, now + 20003, 0), 0);
	ck_assert_str_eq(f.w.said.s, "[d1.example] sent ruf@example.com octets;\n"
	    "[d2.example] sent ruf@example.com octets;\n"
	    "[d3.example] rate_limited ruf@example.com 0 (2 sent in the last "
	    "hour to ruf@example.com (failure_report_rate 2));\n");

	fixture_end(&f);
}
END_TEST

/* How many failure reports h has pending. */
static int
pending_n(history *h)
{
	char why[512];
	int n = 0;

	ck_assert_int_eq(history_failure_pending(h, 100, count_pending, &n, why,
	    sizeof(why)), 0);
	return n;
}

/* The fixture on SQLite or $HISTORY_DB, one failure report id queued at
 * t for ruf@example.com (no rate). */
static void
fixture_one_failure(fixture *f, const char *id, int64_t t)
{
	char db[128];
	int limited;

	snprintf(db, sizeof(db), "%s/h.db", dir);
	fixture_start(f, "", getenv("HISTORY_DB") != NULL ?
	    getenv("HISTORY_DB") : db);
	ck_assert_int_eq(queue_failure(f->h, id, t, "mailto:ruf@example.com",
	    0, &limited), 1);
}

/* A sendmail that always fails: the report is retried by each run until
 * REPORT_FAILURE_GIVE_UP after it was queued, then abandoned, told once,
 * never pending nor tried again (before: retried until pruned). */
START_TEST(failure_given_up)
{
	char why[512], sm[256], want[512];
	int64_t t0 = 1800000000;
	fixture f;

	fixture_one_failure(&f, "g1/AM9.1", t0);
	report_send_free(&f.s);
	fake_sendmail("tempfail", 75, 1, sm, sizeof(sm));
	ck_assert_int_eq(report_send_setup(&f.s, sm, "dmarc@mx.test", why,
	    sizeof(why)), REPORT_SETUP_OK);

	/* failed, kept: an hour later and a second before the bound */
	ck_assert_uint_eq(report_failure_send(&f.job, 0, t0 + 3600, 0), 1);
	ck_assert_str_eq(f.w.said.s, "failed ruf@example.com octets failed;\n");
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 0,
	    t0 + REPORT_FAILURE_GIVE_UP - 1, 0), 1);
	ck_assert_str_eq(f.w.said.s, "failed ruf@example.com octets failed;\n");
	ck_assert_int_eq(pending_n(f.h), 1);

	/* at the bound: tried once more, failed, then given up, said once */
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 0,
	    t0 + REPORT_FAILURE_GIVE_UP, 0), 1);
	snprintf(want, sizeof(want), "failed ruf@example.com octets failed;\n"
	    "abandoned - 0 (failure report g1/AM9.1 queued %d hours ago, "
	    "retried since, given up after 5 days);\n",
	    REPORT_FAILURE_GIVE_UP / 3600);
	ck_assert_str_eq(f.w.said.s, want);
	ck_assert_int_eq(slurp("2.argv", &f.got), 0);

	/* never again: not pending, no run tries it, nothing said */
	ck_assert_int_eq(pending_n(f.h), 0);
	sb_reset(&f.w.said);
	ck_assert_uint_eq(report_failure_send(&f.job, 0,
	    t0 + REPORT_FAILURE_GIVE_UP + 3600, 0), 0);
	ck_assert_str_eq(f.w.said.s, "");
	ck_assert_int_eq(slurp("3.argv", &f.got), -1);	/* three tries only */
	fixture_end(&f);
}
END_TEST

/* A dry run never gives up: it changes nothing. */
START_TEST(failure_dry_run_kept)
{
	int64_t t0 = 1800000000;
	fixture f;

	fixture_one_failure(&f, "g2/AM9.2", t0);
	f.job.dry_run = 1;
	ck_assert_uint_eq(report_failure_send(&f.job, 0,
	    t0 + 2 * REPORT_FAILURE_GIVE_UP, 0), 0);
	ck_assert_str_eq(f.w.said.s, "dry_run ruf@example.com octets;\n");
	ck_assert_int_eq(pending_n(f.h), 1);
	fixture_end(&f);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("report_send");
	TCase *tc = tcase_create("send");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, command_words);
	tcase_add_test(tc, runs_with_argv_and_message);
	tcase_add_test(tc, failures_said);
	tcase_add_test(tc, destinations);
	tcase_add_test(tc, failure_reports);
	tcase_add_test(tc, failure_given_up);
	tcase_add_test(tc, failure_dry_run_kept);
	suite_add_tcase(s, tc);
	return s;
}
