/*
 * tests/message/check_msg_dnswait.c - what message/message.c says about a
 * message's DNS for the logs: v->dns_wait_ms, the time msg_eom() waited
 * on answers (a sender whose domain's name server never answers costs the
 * end-of-message reply the lookup timeout), and msg_set_log_id(), the tag
 * each of the message's questions carries to the resolver's trace (the
 * daemon's -d lines). Real libunbound: a stub zone (dead.example) pointing
 * at a local UDP socket that never answers, and the rest of example.
 * answered at once (a local zone), in a libunbound config file.
 */
#include <check.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"

#define DNS_TIMEOUT "400"	/* ms: each lookup of dead.example */

static int dead_fd = -1;
static char dead_conf[64];

static void
setup(void)
{
	dead_fd = dnscheck_dead_conf(dead_conf, sizeof(dead_conf),
	    "    local-zone: \"example.\" static\n"
	    "    local-zone: \"dead.example.\" transparent\n");
}

static void
teardown(void)
{
	close(dead_fd);
	unlink(dead_conf);
}

/* The trace: every tag seen, and whether any query lacked it. */
typedef struct tags {
	pthread_mutex_t mu;
	unsigned n, other;
	char tag[DNS_BUDGET_TAG_MAX];
} tags;

static void
on_trace(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	tags *t = arg;

	(void)name;
	(void)type;
	(void)a;
	pthread_mutex_lock(&t->mu);
	t->n++;
	if (strcmp(info->tag, t->tag) != 0)
		t->other++;
	pthread_mutex_unlock(&t->mu);
}

/* One message from ip 192.0.2.1, HELO, MAIL FROM and From in domain. */
static const msg_verdict *
run(msg *m, const char *id, const char *domain)
{
	char from[128], hdr[160], helo[128];

	msg_reset(m);
	msg_connect(m, "192.0.2.1", "client.example");
	snprintf(helo, sizeof(helo), "mail.%s", domain);
	msg_helo(m, helo);
	if (id != NULL)
		msg_set_log_id(m, id);
	snprintf(from, sizeof(from), "<a@%s>", domain);
	snprintf(hdr, sizeof(hdr), " a@%s", domain);
	ck_assert_int_eq(msg_mail_from(m, from), 0);
	ck_assert_int_eq(msg_rcpt(m, "<b@example.org>"), 0);
	ck_assert_int_eq(msg_header(m, "From", hdr, strlen(hdr)), 0);
	ck_assert_int_eq(msg_eoh(m), 0);
	ck_assert_int_eq(msg_body(m, "hi\r\n", 4), 0);
	return msg_eom(m);
}

START_TEST(dns_wait_and_tag)
{
	config_override ov[] = {
		{ "dns_conf", dead_conf }, { "dns_timeout", DNS_TIMEOUT },
		{ "authserv_id", "mx.test" }, { "trusted_networks", "" },
	};
	tags t = { .mu = PTHREAD_MUTEX_INITIALIZER, .tag = "am-42.7" };
	char err[512];
	am_config cfg;
	dns_config dc;
	dns_resolver *r;
	msg_env *env;
	msg *m;
	const msg_verdict *v;
	unsigned slow;

	ck_assert_msg(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    ov, sizeof(ov) / sizeof(ov[0]), err, sizeof(err)) == 0, "%s", err);
	config_dns(&cfg, &dc);
	r = dnscheck_new(&dc);
	dns_resolver_set_trace(r, on_trace, &t);
	env = msg_env_new(&cfg, r, err, sizeof(err));
	ck_assert_msg(env != NULL, "%s", err);
	m = msg_new(env);
	ck_assert_ptr_nonnull(m);

	/* SPF of MAIL FROM and HELO, the _dmarc walk: every question of
	 * dead.example times out, and end of message waits for them */
	v = run(m, "am-42.7", "x.dead.example");
	slow = v->dns_wait_ms;
	ck_assert_msg(slow >= 300 && slow < 10000, "dns_wait_ms %u", slow);
	ck_assert_uint_gt(t.n, 0);
	ck_assert_uint_eq(t.other, 0);	/* each question names the message */

	/* the next message has no id: its questions carry none (its wait
	 * is unbound's: the server is now known to be down) */
	pthread_mutex_lock(&t.mu);
	t.n = 0;
	t.tag[0] = '\0';
	pthread_mutex_unlock(&t.mu);
	v = run(m, NULL, "y.dead.example");
	ck_assert_uint_gt(t.n, 0);
	ck_assert_uint_eq(t.other, 0);

	/* a domain whose answers come at once waits next to nothing */
	v = run(m, "am-42.8", "fast.example");
	ck_assert_msg(v->dns_wait_ms < slow / 2, "dns_wait_ms %u (slow %u)",
	    v->dns_wait_ms, slow);

	msg_free(m);
	msg_env_free(env);
	dns_resolver_free(r);
	config_free(&cfg);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("msg_dnswait");
	TCase *tc = tcase_create("dead server");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, dns_wait_and_tag);
	suite_add_tcase(s, tc);
	return s;
}
