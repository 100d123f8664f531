/*
 * tests/daemon/check_metrics.c - the metrics registry (daemon/metrics.c):
 * its Prometheus text is well formed (a HELP and a TYPE line before each
 * metric's samples, counters named *_total, cumulative histogram buckets
 * ending at +Inf = _count), and each call counts where authmilter(8)
 * METRICS says: messages by action (skipped for an unchecked message),
 * results by method, DMARC dispositions with applied and overrides,
 * histograms, gauges, history and reloads. Deltas around each call: the
 * registry is the process's.
 */
#include "tests/lib/check_main.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/metrics_int.h"
#include "util/strbuf.h"

static char *
render(void)
{
	strbuf sb;

	sb_init(&sb);
	ck_assert_int_eq(metrics_render(&sb), 0);
	return sb_steal(&sb);
}

/* The value of the sample written exactly as `series` (name{labels}). */
static double
value(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	for (;;) {
		ck_assert_msg(p != NULL && *p != '\0', "no sample %s", series);
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
}

static double
now_value(const char *series)
{
	char *t = render();
	double v = value(t, series);

	free(t);
	return v;
}

START_TEST(test_format)
{
	char *t = render(), *line, *save = NULL;
	char help[128] = "", type[128] = "", kind[32] = "", name[128];
	size_t n;

	for (line = strtok_r(t, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert(sscanf(line + 7, "%127s", help) == 1);
			ck_assert(strlen(line) > 8 + strlen(help));
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			ck_assert(sscanf(line + 7, "%127s %31s", type,
			    kind) == 2);
			ck_assert_str_eq(type, help);  /* HELP, then TYPE */
			ck_assert(strcmp(kind, "counter") == 0 ||
			    strcmp(kind, "gauge") == 0 ||
			    strcmp(kind, "histogram") == 0);
			n = strlen(type);
			if (strcmp(kind, "counter") == 0)
				ck_assert_msg(n > 6 &&
				    strcmp(type + n - 6, "_total") == 0,
				    "counter %s", type);
			continue;
		}
		ck_assert_msg(line[0] != '#', "%s", line);
		n = strcspn(line, "{ ");
		ck_assert(n < sizeof(name));
		memcpy(name, line, n);
		name[n] = '\0';
		ck_assert_msg(strncmp(name, "authmilter_", 11) == 0, "%s", line);
		/* a sample belongs to the metric of the TYPE line above it */
		ck_assert_msg(strncmp(name, type, strlen(type)) == 0,
		    "%s under %s", line, type);
		ck_assert_msg(strchr(line, ' ') != NULL &&
		    strspn(strrchr(line, ' ') + 1, "0123456789.") ==
		    strlen(strrchr(line, ' ') + 1), "%s", line);
	}
	free(t);
	ck_assert_str_eq(type, "authmilter_build_info");
}
END_TEST

START_TEST(test_messages)
{
	spf_result spf;
	dkim_sigresult d1, d2;
	const dkim_sigresult *dk[2] = { &d1, &d2 };
	dmarc_result dm;
	msg_verdict v;
	char *before = render(), *after;

	memset(&v, 0, sizeof(v));
	memset(&spf, 0, sizeof(spf));
	memset(&d1, 0, sizeof(d1));
	memset(&d2, 0, sizeof(d2));
	memset(&dm, 0, sizeof(dm));
	/* a DMARC fail with p=reject, rejected: two signatures */
	spf.code = SPF_SOFTFAIL;
	d1.result = DKIM_FAIL;
	d2.result = DKIM_PERMERROR;
	dm.result = DMARC_RESULT_FAIL;
	dm.have_record = 1;
	dm.disposition = DMARC_P_REJECT;
	v.action = MSG_REJECT;
	v.spf = &spf;
	v.dkim = dk;
	v.ndkim = 2;
	v.dmarc = &dm;
	metrics_message(&v, "reject", 1, 1500);
	/* the same, not applied (dmarc_enforce = no), by a local override */
	dm.override = DMARC_OVERRIDE_LOCAL_POLICY;
	metrics_message(&v, "accept", 0, 200);
	/* unchecked: skipped, no results */
	memset(&v, 0, sizeof(v));
	v.skipped = 1;
	metrics_message(&v, "accept", 0, 100);
	/* no SPF result, no signature, bad From: dmarc permerror */
	memset(&v, 0, sizeof(v));
	v.bad_from = 1;
	metrics_message(&v, "tempfail", 1, 40000000);
	/* a word the registry does not know: not counted as an action */
	metrics_message(&v, "discard?", 0, 1);

	after = render();
#define DELTA(s) (value(after, s) - value(before, s))
	ck_assert(DELTA("authmilter_messages_total{action=\"reject\"}") == 1);
	ck_assert(DELTA("authmilter_messages_total{action=\"accept\"}") == 1);
	ck_assert(DELTA("authmilter_messages_total{action=\"skipped\"}") == 1);
	ck_assert(DELTA("authmilter_messages_total{action=\"tempfail\"}") == 1);
	ck_assert(DELTA("authmilter_messages_total{action=\"quarantine\"}") == 0);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"spf\","
	    "result=\"softfail\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"spf\","
	    "result=\"none\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"dkim\","
	    "result=\"fail\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"dkim\","
	    "result=\"permerror\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"dkim\","
	    "result=\"none\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"dmarc\","
	    "result=\"fail\"}") == 2);
	ck_assert(DELTA("authmilter_auth_results_total{method=\"dmarc\","
	    "result=\"permerror\"}") == 2);
	ck_assert(DELTA("authmilter_dmarc_dispositions_total{disposition="
	    "\"reject\",applied=\"yes\"}") == 1);
	ck_assert(DELTA("authmilter_dmarc_dispositions_total{disposition="
	    "\"reject\",applied=\"no\"}") == 1);
	ck_assert(DELTA("authmilter_dmarc_overrides_total{reason="
	    "\"local_policy\"}") == 1);
	/* histogram: 1.5 ms, 0.2 ms, 0.1 ms, 40 s, 1 us */
	ck_assert(DELTA("authmilter_eom_duration_seconds_bucket{le="
	    "\"0.001\"}") == 3);
	ck_assert(DELTA("authmilter_eom_duration_seconds_bucket{le="
	    "\"0.0025\"}") == 4);
	ck_assert(DELTA("authmilter_eom_duration_seconds_bucket{le="
	    "\"30\"}") == 4);
	ck_assert(DELTA("authmilter_eom_duration_seconds_bucket{le="
	    "\"+Inf\"}") == 5);
	ck_assert(DELTA("authmilter_eom_duration_seconds_count") == 5);
	ck_assert(DELTA("authmilter_eom_duration_seconds_sum") > 40.0017 &&
	    DELTA("authmilter_eom_duration_seconds_sum") < 40.0019);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_gauges_history_reloads)
{
	double c0 = now_value("authmilter_connections_in_flight");
	double q0 = now_value("authmilter_history_queue_depth");
	double w0 = now_value("authmilter_history_rows_written_total");
	double d0 = now_value("authmilter_history_dropped_total");
	double f0 = now_value("authmilter_history_failed_total");
	double r0 = now_value("authmilter_reloads_total{result=\"ok\"}");
	double r1 = now_value("authmilter_reloads_total{result=\"failed\"}");
	double n0 = now_value("authmilter_dns_wait_seconds_count");

	metrics_conn_open();
	metrics_conn_open();
	metrics_conn_close();
	ck_assert(now_value("authmilter_connections_in_flight") == c0 + 1);
	metrics_conn_close();
	ck_assert(now_value("authmilter_connections_in_flight") == c0);
	metrics_history_queued();
	metrics_history_queued();
	metrics_history_queued();
	metrics_history_taken(2);
	metrics_history_written(2);
	metrics_history_dropped();
	metrics_history_failed(5);
	ck_assert(now_value("authmilter_history_queue_depth") == q0 + 1);
	ck_assert(now_value("authmilter_history_rows_written_total") == w0 + 2);
	ck_assert(now_value("authmilter_history_dropped_total") == d0 + 1);
	ck_assert(now_value("authmilter_history_failed_total") == f0 + 5);
	metrics_reload(1);
	metrics_reload(0);
	metrics_reload(1);
	ck_assert(now_value("authmilter_reloads_total{result=\"ok\"}") ==
	    r0 + 2);
	ck_assert(now_value("authmilter_reloads_total{result=\"failed\"}") ==
	    r1 + 1);
	metrics_observe_dns_wait(7);
	ck_assert(now_value("authmilter_dns_wait_seconds_count") == n0 + 1);
	ck_assert(now_value("authmilter_build_info{version=\""
	    AUTHMILTER_VERSION "\"}") == 1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("registry");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_messages);
	tcase_add_test(tc, test_gauges_history_reloads);
	suite_add_tcase(s, tc);
	return s;
}
