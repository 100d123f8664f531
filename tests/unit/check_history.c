/*
 * tests/unit/check_history.c - the history writer over a real SQLite
 * store: clean shutdown loses nothing, a full queue drops and counts,
 * kill -9 during a write burst loses at most the queue plus one batch;
 * and the record builder (IPv6 expansion for RFC 7489, DKIM priority).
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dmarc/history.h"
#include "milter/history_writer.h"

static char dbpath[64];

static void
setup(void)
{
	char tmpl[] = "/tmp/check_history.XXXXXX";
	int fd = mkstemp(tmpl);

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(tmpl);
	snprintf(dbpath, sizeof(dbpath), "%s", tmpl);
}

static void
teardown(void)
{
	char p[80];

	unlink(dbpath);
	snprintf(p, sizeof(p), "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbpath);
	unlink(p);
}

static report_record *
rec(int i)
{
	report_record *r = calloc(1, sizeof(*r));

	r->time = 1000 + i;
	snprintf(r->source_ip, sizeof(r->source_ip), "192.0.2.%d", i % 250);
	snprintf(r->header_from, sizeof(r->header_from), "example.com");
	snprintf(r->policy_domain, sizeof(r->policy_domain), "example.com");
	snprintf(r->disposition, sizeof(r->disposition), "none");
	snprintf(r->p, sizeof(r->p), "none");
	return r;
}

static uint64_t
stored(void)
{
	char why[256];
	history *h = history_open(dbpath, why, sizeof(why));
	uint64_t n = 0;

	ck_assert_msg(h != NULL, "%s", why);
	ck_assert_int_eq(history_count(h, 0, INT64_MAX, &n, why, sizeof(why)), 0);
	history_close(h);
	return n;
}

static void
config(am_config *cfg, unsigned qsize, unsigned batch, unsigned full)
{
	config_init(cfg);
	ck_assert_int_eq(config_set(cfg, "history", dbpath, NULL, 0), 0);
	cfg->history_queue_size = qsize;
	cfg->history_batch_size = batch;
	cfg->history_queue_full = full;
	cfg->history_queue_wait_ms = 1000;
}

START_TEST(clean_stop_flushes)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[256];
	int i;

	config(&cfg, 10000, 100, CONFIG_QFULL_WAIT);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 5000; i++)
		ck_assert_int_eq(history_writer_submit(w, rec(i)), 0);
	history_writer_stats(w, &st);
	ck_assert_uint_eq(st.queued, 5000);
	history_writer_stop(w);
	ck_assert_uint_eq(stored(), 5000);
	config_free(&cfg);
}
END_TEST

START_TEST(full_queue_drops)
{
	am_config cfg;
	history_writer *w;
	history_stats st;
	char err[256];
	int i, dropped = 0;

	config(&cfg, 2, 1, CONFIG_QFULL_DROP);
	w = history_writer_start(&cfg, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	for (i = 0; i < 3000; i++)
		if (history_writer_submit(w, rec(i)) < 0)
			dropped++;
	history_writer_stats(w, &st);
	ck_assert_int_gt(dropped, 0);  /* one-row transactions cannot keep up */
	ck_assert_uint_eq(st.dropped, (uint64_t)dropped);
	ck_assert_uint_eq(st.queued + st.dropped, 3000);
	history_writer_stop(w);
	ck_assert_uint_eq(stored(), 3000 - (uint64_t)dropped);
	config_free(&cfg);
}
END_TEST

START_TEST(kill9_loses_at_most_queue_plus_batch)
{
	const unsigned qsize = 200, batch = 100;
	volatile uint64_t *submitted = mmap(NULL, sizeof(uint64_t),
	    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	uint64_t n, lost;
	pid_t pid;

	ck_assert_ptr_ne((void *)submitted, MAP_FAILED);
	*submitted = 0;
	{ /* create the schema before the burst */
		char why[256];
		history *h = history_open(dbpath, why, sizeof(why));

		ck_assert_msg(h != NULL, "%s", why);
		history_close(h);
	}
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		am_config cfg;
		history_writer *w;
		char err[256];
		int i;

		config(&cfg, qsize, batch, CONFIG_QFULL_WAIT);
		w = history_writer_start(&cfg, err, sizeof(err));
		if (w == NULL)
			_exit(2);
		for (i = 0;; i++)
			if (history_writer_submit(w, rec(i)) == 0)
				*submitted = *submitted + 1;
	}
	usleep(700000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	n = stored();
	ck_assert_uint_gt(*submitted, 0);
	ck_assert_uint_gt(n, 0);
	lost = *submitted - n;
	ck_assert_msg(*submitted >= n && lost <= qsize + batch,
	    "submitted %llu, stored %llu", (unsigned long long)*submitted,
	    (unsigned long long)n);
	munmap((void *)submitted, sizeof(uint64_t));
}
END_TEST

START_TEST(ipv6_full_form)
{
	char out[REPORT_IP_BUF];

	ck_assert_int_eq(report_ip_expand("2001:db8::1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "2001:db8:0:0:0:0:0:1");
	ck_assert_int_eq(report_ip_expand("::ffff:192.0.2.9", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "192.0.2.9");
	ck_assert_int_eq(report_ip_expand("192.0.2.1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "192.0.2.1");
}
END_TEST

START_TEST(dkim_priority_and_no_policy)
{
	dmarc_result d;
	report_dkim_in dk[3] = {
		{ "other.example", "s1", "fail" },
		{ "third.example", "s2", "pass" },
		{ "example.com", "sel with space", "pass" },
	};
	report_input in;
	report_record r;
	report_dkim_view v;
	const char *p;
	char why[128];

	memset(&d, 0, sizeof(d));
	memset(&in, 0, sizeof(in));
	in.dmarc = &d;
	in.dkim = dk;
	in.ndkim = 3;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), -1);
	d.have_record = 1;
	snprintf(d.policy_domain, sizeof(d.policy_domain), "example.com");
	snprintf(d.from_domain, sizeof(d.from_domain), "example.com");
	d.result = DMARC_RESULT_PASS;
	d.record.p = DMARC_P_REJECT;
	d.policy = DMARC_P_REJECT;
	ck_assert_int_eq(report_record_build(&r, &in, why, sizeof(why)), 0);
	ck_assert_str_eq(r.disposition, "pass");
	ck_assert_str_eq(r.sp, "reject");
	p = r.dkim;
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "example.com");
	ck_assert_str_eq(v.selector, "sel?with?space");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.domain, "third.example");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 1);
	ck_assert_str_eq(v.result, "fail");
	ck_assert_uint_eq(report_dkim_next(&p, &v), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("writer");
	SRunner *sr;
	int nf;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, clean_stop_flushes);
	tcase_add_test(tc, full_queue_drops);
	tcase_add_test(tc, kill9_loses_at_most_queue_plus_batch);
	tcase_add_test(tc, ipv6_full_form);
	tcase_add_test(tc, dkim_priority_and_no_policy);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
