/*
 * tests/dns/check_dns.c - the dns/ resolver on real libunbound.
 *
 * Zone-file mode serves tests/fixtures/dns/test.zone (no apex SOA: the
 * resolver supplies one) through libunbound's auth-zone, and every answer
 * type, CNAME chasing, wildcards and NXDOMAIN vs NODATA are checked against
 * it. The answer cache is checked directly through dns_int.h and end to
 * end (cache on and off must agree). Timeouts and a message's budget:
 * check_dns_budget.c.
 */
#include <check.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/dns_int.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"

#define ZONE "tests/fixtures/dns/test.zone"

static int
has_a(const dns_answer *a, const char *ip)
{
	struct in_addr in;
	size_t i;

	inet_pton(AF_INET, ip, &in);
	for (i = 0; i < a->count; i++)
		if (a->records[i].type == DNS_T_A &&
		    a->records[i].u.a.s_addr == in.s_addr)
			return 1;
	return 0;
}

START_TEST(test_a_aaaa)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	struct in6_addr want6;
	dns_answer *a;

	a = dnscheck_look(r, "www.example", DNS_T_A, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 2);
	ck_assert(has_a(a, "192.0.2.1") && has_a(a, "192.0.2.2"));
	ck_assert_int_eq(a->sec, DNS_SEC_INSECURE);
	ck_assert_int_eq(a->rcode, 0);
	ck_assert(a->ttl > 0 && a->ttl <= 300);
	ck_assert_str_eq(a->why, "");
	dns_answer_free(a);

	a = dnscheck_look(r, "WWW.Example.", DNS_T_AAAA, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 1);
	inet_pton(AF_INET6, "2001:db8::1", &want6);
	ck_assert(memcmp(&a->records[0].u.aaaa, &want6, 16) == 0);
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_mx_order)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	static const char *const hosts[] = {
		"mx1.example", "mx2.example", "mx3.example",
	};
	dns_answer *a;
	size_t i;

	a = dnscheck_look(r, "example", DNS_T_MX, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(a->records[i].type, DNS_T_MX);
		ck_assert_uint_eq(a->records[i].u.mx.preference, (i + 1) * 10);
		ck_assert_str_eq(a->records[i].u.mx.host, hosts[i]);
	}
	dns_answer_free(a);

	/* RFC 7505 */
	a = dnscheck_look(r, "null.example", DNS_T_MX, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_uint_eq(a->records[0].u.mx.preference, 0);
	ck_assert_str_eq(a->records[0].u.mx.host, "");
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_txt)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	const dns_txt *t;
	dns_answer *a;
	int one = 0, two = 0;
	size_t i;

	a = dnscheck_look(r, "example", DNS_T_TXT, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 1);
	t = &a->records[0].u.txt;
	ck_assert_uint_eq(t->nstrings, 2);
	ck_assert_uint_eq(t->lens[0], 7);
	ck_assert_uint_eq(t->lens[1], 21);
	ck_assert_uint_eq(t->len, 28);
	ck_assert_str_eq(t->text, "v=spf1 ip4:192.0.2.0/24 -all");
	dns_answer_free(a);

	a = dnscheck_look(r, "nul.example", DNS_T_TXT, DNS_RECORDS);
	t = &a->records[0].u.txt;
	ck_assert_uint_eq(t->nstrings, 2);
	ck_assert_uint_eq(t->lens[0], 3);
	ck_assert_uint_eq(t->lens[1], 1);
	ck_assert_uint_eq(t->len, 4);
	ck_assert(memcmp(t->text, "a\0bc", 5) == 0);
	dns_answer_free(a);

	a = dnscheck_look(r, "multi.example", DNS_T_TXT, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 2);
	for (i = 0; i < a->count; i++) {
		one += strcmp(a->records[i].u.txt.text, "one") == 0;
		two += strcmp(a->records[i].u.txt.text, "two") == 0;
	}
	ck_assert(one == 1 && two == 1);
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_ptr)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	unsigned char addr[16];
	char name[80];
	dns_answer *a;

	inet_pton(AF_INET, "192.0.2.1", addr);
	ck_assert_int_eq(dns_reverse_name(AF_INET, addr, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "1.2.0.192.in-addr.arpa");
	a = dnscheck_look(r, name, DNS_T_PTR, DNS_RECORDS);
	ck_assert_uint_eq(a->count, 1);
	ck_assert_str_eq(a->records[0].u.ptr, "www.example");
	dns_answer_free(a);

	inet_pton(AF_INET6, "2001:db8::1", addr);
	ck_assert_int_eq(dns_reverse_name(AF_INET6, addr, name, sizeof(name)), 0);
	ck_assert_str_eq(name, "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
	a = dnscheck_look(r, name, DNS_T_PTR, DNS_RECORDS);
	ck_assert_str_eq(a->records[0].u.ptr, "www.example");
	dns_answer_free(a);
	ck_assert_int_eq(dns_reverse_name(AF_INET6, addr, name, 40), -1);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_cname_wildcard_negative)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_answer *a;

	/* two CNAMEs */
	a = dnscheck_look(r, "alias2.example", DNS_T_A, DNS_RECORDS);
	ck_assert(a->count == 2 && has_a(a, "192.0.2.1"));
	dns_answer_free(a);
	a = dnscheck_look(r, "dangling.example", DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);

	a = dnscheck_look(r, "a.b.wild.example", DNS_T_A, DNS_RECORDS);
	ck_assert(a->count == 1 && has_a(a, "192.0.2.77"));
	dns_answer_free(a);
	a = dnscheck_look(r, "x.wild.example", DNS_T_TXT, DNS_RECORDS);
	ck_assert_str_eq(a->records[0].u.txt.text, "wild");
	dns_answer_free(a);
	a = dnscheck_look(r, "x.wild.example", DNS_T_MX, DNS_NODATA);
	dns_answer_free(a);
	/* empty non-terminal */
	a = dnscheck_look(r, "wild.example", DNS_T_A, DNS_NODATA);
	dns_answer_free(a);

	a = dnscheck_look(r, "www.example", DNS_T_TXT, DNS_NODATA);
	ck_assert_int_eq(a->rcode, 0);
	ck_assert_uint_eq(a->count, 0);
	dns_answer_free(a);
	a = dnscheck_look(r, "nope.example", DNS_T_A, DNS_NXDOMAIN);
	ck_assert_int_eq(a->rcode, 3);
	ck_assert_uint_eq(a->count, 0);
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_badname)
{
	static const char *const bad[] = {
		"", "a..b", ".a", "..", "a\\000b", "bad\\", "a\\999", "a\\1x",
	};
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	char name[400];
	dns_answer *a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = dnscheck_look(r, bad[i], DNS_T_A, DNS_BADNAME);
		ck_assert_msg(a->why[0] != '\0', "no reason for '%s'", bad[i]);
		dns_answer_free(a);
	}
	a = dnscheck_look(r, NULL, DNS_T_A, DNS_BADNAME);
	dns_answer_free(a);

	memset(name, 'x', 64);  /* label of 64 */
	memcpy(name + 64, ".example", 9);
	a = dnscheck_look(r, name, DNS_T_A, DNS_BADNAME);
	ck_assert(strstr(a->why, "63") != NULL);
	dns_answer_free(a);
	memcpy(name + 63, ".example", 9);  /* label of 63: fine */
	a = dnscheck_look(r, name, DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);

	/* 253 characters is the longest name; 254 is too long */
	for (i = 0; i < 253; i++)
		name[i] = (i % 2) ? '.' : 'a';
	name[253] = '\0';
	a = dnscheck_look(r, name, DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);
	name[253] = '.';
	name[254] = '\0';
	/* the trailing dot is free */
	a = dnscheck_look(r, name, DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);
	name[253] = 'b';
	a = dnscheck_look(r, name, DNS_T_A, DNS_BADNAME);
	ck_assert(strstr(a->why, "255") != NULL);
	dns_answer_free(a);

	/* escapes reach the wire: \097 is 'a' */
	a = dnscheck_look(r, "www.ex\\097mple", DNS_T_A, DNS_RECORDS);
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_faults)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_answer *a;

	ck_assert_int_eq(dns_resolver_add_fault(r, "Timeout.Example", DNS_T_TXT,
	    DNS_TEMPFAIL), 0);
	ck_assert_int_eq(dns_resolver_add_fault(r, "www.example.", DNS_T_A,
	    DNS_NXDOMAIN), 0);
	ck_assert_int_eq(dns_resolver_add_fault(r, "x.example", DNS_T_A,
	    DNS_RECORDS), -1);
	ck_assert_int_eq(dns_resolver_add_fault(r, "a..b", DNS_T_A,
	    DNS_NODATA), -1);

	a = dnscheck_look(r, "timeout.EXAMPLE.", DNS_T_TXT, DNS_TEMPFAIL);
	ck_assert(strstr(a->why, "timed out") != NULL);
	dns_answer_free(a);
	/* other type */
	a = dnscheck_look(r, "timeout.example", DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);
	/* overrides zone */
	a = dnscheck_look(r, "WWW.example", DNS_T_A, DNS_NXDOMAIN);
	dns_answer_free(a);
	a = dnscheck_look(r, "www.example", DNS_T_AAAA, DNS_RECORDS);
	dns_answer_free(a);
	ck_assert_int_eq(dns_resolver_add_fault(r, "late.example", DNS_T_A,
	    DNS_TEMPFAIL), -1);  /* after the first query */
	dns_resolver_free(r);
}
END_TEST

static int
same_answer(const dns_answer *x, const dns_answer *y)
{
	size_t i;

	if (x->status != y->status || x->count != y->count)
		return 0;
	for (i = 0; i < x->count; i++)
		if (x->records[i].type == DNS_T_MX &&
		    (x->records[i].u.mx.preference != y->records[i].u.mx.preference ||
		    strcmp(x->records[i].u.mx.host, y->records[i].u.mx.host) != 0))
			return 0;
	return 1;
}

START_TEST(test_cache_end_to_end)
{
	static const char *const names[] = {
		"example", "null.example", "nope.example", "www.example",
	};
	dns_resolver *on = dnscheck_resolver(ZONE, 0);
	dns_resolver *off = dnscheck_resolver(ZONE, -1);
	dns_answer *a, *b, *c;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		a = dns_lookup(on, names[i], DNS_T_MX);  /* fills the cache */
		b = dns_lookup(on, names[i], DNS_T_MX);  /* from the cache */
		c = dns_lookup(off, names[i], DNS_T_MX);
		ck_assert_msg(same_answer(a, b) && same_answer(a, c), "%s", names[i]);
		ck_assert(b->ttl <= a->ttl);
		dns_answer_free(a);
		dns_answer_free(b);
		dns_answer_free(c);
	}
	dns_resolver_free(on);
	dns_resolver_free(off);
}
END_TEST

/* dns_stats_read: a sent query and a cache hit each count once */
START_TEST(test_stats)
{
	dns_resolver *r = dnscheck_resolver(ZONE, 0);
	dns_stats before, after;
	dns_answer *a;

	dns_stats_read(&before);
	a = dns_lookup(r, "www.example", DNS_T_A);  /* sent */
	dns_answer_free(a);
	a = dns_lookup(r, "www.example", DNS_T_A);  /* from the cache */
	dns_answer_free(a);
	dns_stats_read(&after);
	ck_assert_uint_eq(after.queries - before.queries, 1);
	ck_assert_uint_eq(after.cache_hits - before.cache_hits, 1);
	ck_assert_uint_eq(after.timeouts - before.timeouts, 0);
	ck_assert_uint_eq(after.servfail - before.servfail, 0);
	ck_assert_uint_eq(after.bogus - before.bogus, 0);
	dns_resolver_free(r);
}
END_TEST

/* A DNS server on 127.0.0.1 for the counters' test: answers every query
 * with RCODE SERVFAIL, or (silent) never answers. */
typedef struct fake_server {
	int fd;
	int silent;
	atomic_int stop;
	atomic_int received;	/* queries seen */
	pthread_t t;
	unsigned port;
} fake_server;

static void *
fake_main(void *arg)
{
	fake_server *f = arg;
	unsigned char buf[512];
	struct sockaddr_storage from;
	socklen_t fl;
	struct timeval tv = { 0, 100000 };
	ssize_t n;

	setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!atomic_load(&f->stop)) {
		fl = sizeof(from);
		n = recvfrom(f->fd, buf, sizeof(buf), 0,
		    (struct sockaddr *)&from, &fl);
		if (n >= 12)
			atomic_fetch_add(&f->received, 1);
		if (n < 12 || f->silent)
			continue;
		buf[2] |= 0x80;                        /* QR */
		buf[3] = (unsigned char)(0x80 | 2);    /* RA, RCODE SERVFAIL */
		(void)sendto(f->fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
		    fl);
	}
	return NULL;
}

static void
fake_start(fake_server *f, int silent)
{
	struct sockaddr_in in;
	socklen_t len = sizeof(in);

	memset(f, 0, sizeof(*f));
	f->silent = silent;
	f->fd = socket(AF_INET, SOCK_DGRAM, 0);
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(f->fd, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(getsockname(f->fd, (struct sockaddr *)&in, &len), 0);
	f->port = ntohs(in.sin_port);
	ck_assert_int_eq(pthread_create(&f->t, NULL, fake_main, f), 0);
}

static void
fake_stop(fake_server *f)
{
	atomic_store(&f->stop, 1);
	pthread_join(f->t, NULL);
	close(f->fd);
}

/* A resolver forwarding to f, without DNSSEC, no cache. */
static dns_resolver *
fake_resolver(const fake_server *f, unsigned timeout_ms, char *fwd,
    size_t fwdlen)
{
	dns_config cfg;
	dns_resolver *r;
	char err[512];

	memset(&cfg, 0, sizeof(cfg));
	snprintf(fwd, fwdlen, "127.0.0.1@%u", f->port);
	cfg.forwarders[0] = fwd;
	cfg.nforwarders = 1;
	cfg.trust_anchor_file = "";
	cfg.timeout_ms = timeout_ms;
	cfg.cache_entries = -1;
	r = dns_resolver_new(&cfg, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	return r;
}

/* dns_stats_read: a SERVFAIL answer and a query that times out each
 * count once, in their own counter */
START_TEST(test_stats_failures)
{
	fake_server f;
	dns_resolver *r;
	dns_stats before, after;
	dns_answer *a;
	char fwd[64];

	fake_start(&f, 0);
	r = fake_resolver(&f, 3000, fwd, sizeof(fwd));
	dns_stats_read(&before);
	a = dns_lookup(r, "servfail.example", DNS_T_TXT);
	ck_assert_int_eq(a->status, DNS_TEMPFAIL);
	ck_assert_msg(a->rcode == 2, "rcode %d (%s)", a->rcode, a->why);
	dns_answer_free(a);
	dns_stats_read(&after);
	ck_assert_uint_eq(after.servfail - before.servfail, 1);
	ck_assert_uint_eq(after.timeouts - before.timeouts, 0);
	ck_assert_uint_eq(after.queries - before.queries, 1);
	dns_resolver_free(r);
	fake_stop(&f);

	fake_start(&f, 1);
	r = fake_resolver(&f, 300, fwd, sizeof(fwd));
	dns_stats_read(&before);
	a = dns_lookup(r, "silent.example", DNS_T_TXT);
	ck_assert_int_eq(a->status, DNS_TEMPFAIL);
	ck_assert_msg(strstr(a->why, "timed out") != NULL, "%s", a->why);
	dns_answer_free(a);
	dns_stats_read(&after);
	ck_assert_uint_eq(after.timeouts - before.timeouts, 1);
	ck_assert_uint_eq(after.servfail - before.servfail, 0);
	dns_resolver_free(r);
	fake_stop(&f);
}
END_TEST

/*
 * Many queries at once all leave at once: libunbound's library default of
 * 16 UDP sockets per context held the 17th until an answer (or a timeout)
 * freed one - a round trip per dependent lookup under load. The server
 * stays silent, so nothing frees a socket: within libunbound's first
 * retransmission timeout (376 ms for a server it has no RTT for) every
 * query must have reached it.
 */
#define CONCURRENT_QUERIES 64
START_TEST(test_outgoing_concurrency)
{
	dns_query *q[CONCURRENT_QUERIES];
	fake_server f;
	dns_resolver *r;
	char fwd[64], name[64];
	int64_t t0;
	int i, got;

	fake_start(&f, 1);
	r = fake_resolver(&f, 2000, fwd, sizeof(fwd));
	t0 = dns_now_ms();
	for (i = 0; i < CONCURRENT_QUERIES; i++) {
		snprintf(name, sizeof(name), "q%d.concurrent.example", i);
		q[i] = dns_query_start(r, name, DNS_T_TXT);
	}
	while (atomic_load(&f.received) < CONCURRENT_QUERIES &&
	    dns_now_ms() - t0 < 300)
		usleep(5000);
	got = atomic_load(&f.received);
	ck_assert_int_eq(got, CONCURRENT_QUERIES);
	for (i = 0; i < CONCURRENT_QUERIES; i++)
		dns_query_free(q[i]);
	dns_resolver_free(r);
	fake_stop(&f);
}
END_TEST

START_TEST(test_cache_unit)
{
	dns_cache *c = dns_cache_new(16, 1 << 20);
	uint8_t key[DNS_KEY_MAX], wire[DNS_WIRE_MAX];
	const char *why;
	char name[32];
	size_t wlen, klen, i, kept = 0;
	dns_answer *a, *got;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(dns_name_to_wire("Host.Example", wire, &wlen, &why), 0);
	klen = dns_make_key(wire, wlen, DNS_T_A, key);
	a = dns_answer_status(DNS_NODATA, DNS_SEC_INSECURE, 0, NULL);
	a->ttl = 2;
	dns_cache_put(c, key, klen, a, 1000);
	got = dns_cache_get(c, key, klen, 1500);
	ck_assert_ptr_nonnull(got);
	ck_assert_int_eq(got->status, DNS_NODATA);
	ck_assert_uint_eq(got->ttl, 2);  /* 1.5 s left, rounded up */
	dns_answer_free(got);
	ck_assert_ptr_null(dns_cache_get(c, key, klen, 3000));  /* expired */

	a->status = DNS_TEMPFAIL;  /* never cached */
	dns_cache_put(c, key, klen, a, 1000);
	ck_assert_ptr_null(dns_cache_get(c, key, klen, 1001));
	a->status = DNS_NXDOMAIN;
	a->ttl = 0;  /* TTL 0: not cached */
	dns_cache_put(c, key, klen, a, 1000);
	ck_assert_ptr_null(dns_cache_get(c, key, klen, 1000));

	a->ttl = 100;  /* the size cap holds */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%zu.example", i);
		dns_name_to_wire(name, wire, &wlen, &why);
		klen = dns_make_key(wire, wlen, DNS_T_A, key);
		dns_cache_put(c, key, klen, a, 1000);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%zu.example", i);
		dns_name_to_wire(name, wire, &wlen, &why);
		klen = dns_make_key(wire, wlen, DNS_T_A, key);
		if ((got = dns_cache_get(c, key, klen, 1000)) != NULL) {
			kept++;
			dns_answer_free(got);
		}
	}
	ck_assert_msg(kept > 0 && kept <= 32, "kept %zu", kept);
	dns_answer_free(a);
	dns_cache_free(c);
}
END_TEST

/* 16 threads x 200 queries, several in flight per thread. */
#define NTHREADS 16
#define NQUERIES 200
static atomic_int thread_failures, thread_ids;

static void *
query_thread(void *arg)
{
	dns_resolver *r = arg;
	dns_query *q[4];
	const dns_answer *a;
	char name[64];
	int i, id = atomic_fetch_add(&thread_ids, 1);

	for (i = 0; i < NQUERIES; i += 4) {
		snprintf(name, sizeof(name), "t%d-%d.wild.example", id, i);
		q[0] = dns_query_start(r, "www.example", DNS_T_A);
		q[1] = dns_query_start(r, "example", DNS_T_MX);
		q[2] = dns_query_start(r, name, DNS_T_A);  /* a cache miss */
		q[3] = dns_query_start(r, "nope.example", DNS_T_TXT);
		a = dns_query_wait(q[0], dns_now_ms() + 5000);
		thread_failures += !(a->status == DNS_RECORDS && a->count == 2);
		a = dns_query_wait(q[1], dns_now_ms() + 5000);
		thread_failures += !(a->status == DNS_RECORDS && a->count == 3 &&
		    strcmp(a->records[0].u.mx.host, "mx1.example") == 0);
		a = dns_query_wait(q[2], dns_now_ms() + 5000);
		thread_failures += !(a->status == DNS_RECORDS && has_a(a, "192.0.2.77"));
		a = dns_query_wait(q[3], dns_now_ms() + 5000);
		thread_failures += a->status != DNS_NXDOMAIN;
		dns_query_free(q[0]);
		dns_query_free(q[1]);
		dns_query_free(q[2]);
		dns_query_free(q[3]);
	}
	return NULL;
}

START_TEST(test_threads)
{
	dns_resolver *r = dnscheck_resolver(ZONE, _i == 0 ? 0 : -1);
	pthread_t t[NTHREADS];
	int i;

	thread_failures = 0;
	for (i = 0; i < NTHREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, query_thread, r), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(thread_failures, 0);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_config_errors)
{
	dns_config cfg;
	char err[512];

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = "/nonexistent/zone";
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent/zone") != NULL, "%s", err);

	memset(&cfg, 0, sizeof(cfg));
	cfg.unbound_conf = "/nonexistent/unbound.conf";
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "/nonexistent/unbound.conf") != NULL, "%s", err);

	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders[0] = "not an address";
	cfg.nforwarders = 1;
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "forwarder not an address") != NULL, "%s", err);

	memset(&cfg, 0, sizeof(cfg));
	cfg.trust_anchor_file = "/nonexistent/root.key";
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	ck_assert_msg(strstr(err, "trust anchor /nonexistent/root.key") != NULL,
	    "%s", err);
}
END_TEST

/* A temporary file holding text; its path in path (a mkstemp template). */
static void
write_temp(char *path, const char *text)
{
	int fd = mkstemp(path);
	FILE *fp;

	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

/* The option's value in a set-up context, as libunbound reports it. */
static long
ub_option(dns_setup *su, const char *opt)
{
	char *val = NULL;
	long n;

	ck_assert_int_eq(ub_ctx_get_option(su->ctx, opt, &val), 0);
	ck_assert_ptr_nonnull(val);
	n = strtol(val, NULL, 10);
	free(val);
	return n;
}

/* libunbound's caches get our sizes, not its 1 MB library defaults; an
 * operator's --dns-conf file still sets its own. */
START_TEST(test_ub_cache_sizes)
{
	char path[] = "/tmp/check_dns_conf_XXXXXX", err[512];
	dns_config cfg;
	dns_setup su;

	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders[0] = "127.0.0.1@9";
	cfg.nforwarders = 1;
	cfg.trust_anchor_file = "";
	ck_assert_msg(dns_setup_ctx(&su, &cfg, 0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(ub_option(&su, "msg-cache-size"), 8L << 20);
	ck_assert_int_eq(ub_option(&su, "rrset-cache-size"), 16L << 20);
	ck_assert_int_eq(ub_option(&su, "key-cache-size"), 4L << 20);
	ck_assert_int_eq(ub_option(&su, "neg-cache-size"), 1L << 20);
	dns_setup_cleanup(&su);

	write_temp(path, "server:\n    rrset-cache-size: 2m\n");
	memset(&cfg, 0, sizeof(cfg));
	cfg.unbound_conf = path;
	ck_assert_msg(dns_setup_ctx(&su, &cfg, 0, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(ub_option(&su, "rrset-cache-size"), 2L << 20);
	ck_assert_int_eq(ub_option(&su, "msg-cache-size"), 8L << 20);
	dns_setup_cleanup(&su);
	unlink(path);
}
END_TEST

START_TEST(test_bad_zone_file)
{
	char path[] = "/tmp/check_dns_zone_XXXXXX", err[512];
	dns_config cfg;

	write_temp(path, "www.example. 300 IN A 192.0.2.300\n");
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	unlink(path);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "error") != NULL,
	    "%s", err);
}
END_TEST

/*
 * A zone file's parse error names the record's own line (libunbound
 * names the line after it plus the empty lines that follow: 2 below it
 * at the end of the file): the bad record last, in the middle, followed
 * by empty lines, and spread over lines in parentheses (its last line).
 */
static const struct {
	const char *text;
	const char *want;	/* " LINE:" after the file's path */
} zone_errors[] = {
	{ "$ORIGIN example.\n$TTL 300\nx IN A 192.0.2.300\n", " 3:" },
	{ "x.example. 300 IN A 1.2.3\nwww.example. 300 IN A 192.0.2.1\n",
	  " 1:" },
	{ "a.example. 300 IN A 192.0.2.1\nx.example. 300 IN FOO 1\n\n\n"
	  "; c\nwww.example. 300 IN A 192.0.2.1\n", " 2:" },
	{ "\n\nx.example. 300 IN A 1.2.3", " 3:" },
	{ "a.example. 300 IN SOA a. b. ( 1 2 3\n 4 x )\nb.example. 300 IN A "
	  "192.0.2.1\n", " 2:" },
};

START_TEST(test_zone_error_line)
{
	char path[] = "/tmp/check_dns_zone_XXXXXX", err[512], want[128];
	dns_config cfg;

	write_temp(path, zone_errors[_i].text);
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	ck_assert_ptr_null(dns_resolver_new(&cfg, err, sizeof(err)));
	unlink(path);
	snprintf(want, sizeof(want), "parse error %s%s", path,
	    zone_errors[_i].want);
	ck_assert_msg(strstr(err, want) != NULL, "want '%s' in: %s", want, err);
}
END_TEST

/*
 * dns_resolver_probe(): zone-file mode sends nothing; a forwarder nobody
 * answers on gives no usable answer within the deadline; a libunbound
 * config whose auth-zone does not parse cannot start.
 */
START_TEST(test_probe)
{
	char zpath[] = "/tmp/check_dns_probe_XXXXXX", cpath[] =
	    "/tmp/check_dns_probe_conf_XXXXXX", err[512], conf[512];
	dns_config cfg;
	dns_resolver *r;
	dns_probe p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = ZONE;
	r = dns_resolver_new(&cfg, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	dns_resolver_probe(r, &p);
	ck_assert_int_eq(p.result, DNS_PROBE_SKIPPED);
	ck_assert_int_eq(p.mode, DNS_MODE_ZONE);
	dns_resolver_free(r);

	/* port 9 (discard) on loopback: nothing answers DNS there */
	memset(&cfg, 0, sizeof(cfg));
	cfg.forwarders[0] = "127.0.0.1@9";
	cfg.nforwarders = 1;
	cfg.timeout_ms = 800;
	cfg.trust_anchor_file = "";
	r = dns_resolver_new(&cfg, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	dns_resolver_probe(r, &p);
	ck_assert_msg(p.result == DNS_PROBE_NO_ANSWER ||
	    p.result == DNS_PROBE_FAILED, "result %d: %s", p.result, p.why);
	ck_assert_int_eq(p.mode, DNS_MODE_FORWARD);
	ck_assert_uint_le(p.waited_ms, 800 + 500);
	ck_assert(p.why[0] != '\0');
	dns_resolver_free(r);

	write_temp(zpath, "x.example. 300 IN A 1.2.3\n");
	snprintf(conf, sizeof(conf), "server:\n    module-config: \"iterator\"\n"
	    "    use-syslog: no\n    logfile: \"/dev/null\"\nauth-zone:\n"
	    "    name: \"example.\"\n    zonefile: \"%s\"\n"
	    "    fallback-enabled: no\n", zpath);
	write_temp(cpath, conf);
	memset(&cfg, 0, sizeof(cfg));
	cfg.unbound_conf = cpath;
	cfg.timeout_ms = 800;
	r = dns_resolver_new(&cfg, err, sizeof(err));
	ck_assert_msg(r != NULL, "%s", err);
	dns_resolver_probe(r, &p);
	unlink(zpath);
	unlink(cpath);
	ck_assert_msg(p.result == DNS_PROBE_BROKEN, "result %d: %s", p.result,
	    p.why);
	ck_assert_int_eq(p.mode, DNS_MODE_CONF);
	dns_resolver_free(r);
}
END_TEST

START_TEST(test_names)
{
	dns_type t;

	ck_assert_str_eq(dns_type_name(DNS_T_AAAA), "AAAA");
	ck_assert_int_eq(dns_type_from_name("mx", &t), 0);
	ck_assert_int_eq(t, DNS_T_MX);
	ck_assert_int_eq(dns_type_from_name("SOA", &t), -1);
	ck_assert_str_eq(dns_status_name(DNS_NXDOMAIN), "nxdomain");
	ck_assert_str_eq(dns_sec_name(DNS_SEC_BOGUS), "bogus");
}
END_TEST

/* libunbound hands over rdata from the network: malformed data is refused. */
static dns_answer *
from_rdata(dns_type t, const char *data, int len)
{
	char *d[2] = { (char *)(uintptr_t)data, NULL };
	int l[2] = { len, 0 };
	struct ub_result res;

	memset(&res, 0, sizeof(res));
	res.data = d;
	res.len = l;
	res.havedata = 1;
	res.ttl = 30;
	return dns_answer_from_ub(0, &res, t);
}

START_TEST(test_hostile_rdata)
{
	static const struct {
		dns_type t;
		const char *data;
		int len;
		dns_status want;
	} cases[] = {
		{ DNS_T_A, "\300\0\2\1", 4, DNS_RECORDS },
		{ DNS_T_A, "\300\0\2\1\1", 5, DNS_TEMPFAIL },
		{ DNS_T_AAAA, "0123456789abcdef", 15, DNS_TEMPFAIL },
		{ DNS_T_MX, "\0\12\2mx\7example\0", 14, DNS_RECORDS },
		{ DNS_T_MX, "\0\12\300\14", 4, DNS_TEMPFAIL },   /* compression */
		{ DNS_T_MX, "\0\12\2mx\7exam", 10, DNS_TEMPFAIL }, /* truncated */
		{ DNS_T_MX, "\0\12", 2, DNS_TEMPFAIL },
		{ DNS_T_PTR, "\2mx\0junk", 8, DNS_TEMPFAIL },       /* trailing */
		{ DNS_T_PTR, "\100abc", 4, DNS_TEMPFAIL },           /* label 64 */
		{ DNS_T_TXT, "\3abc\0", 5, DNS_RECORDS },           /* empty string */
		{ DNS_T_TXT, "\5abc", 4, DNS_TEMPFAIL },             /* overrun */
		{ DNS_T_TXT, "", 0, DNS_TEMPFAIL },
		{ DNS_T_PTR, "\1.\1\\\2a\377\0", 8, DNS_RECORDS },
	};
	char longname[300];
	dns_answer *a;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = from_rdata(cases[i].t, cases[i].data, cases[i].len);
		ck_assert_msg(a->status == cases[i].want, "case %zu: %s (%s)", i,
		    dns_status_name(a->status), a->why);
		if (a->status == DNS_TEMPFAIL)
			ck_assert(strstr(a->why, "malformed") != NULL);
		dns_answer_free(a);
	}
	a = from_rdata(DNS_T_PTR, "\1.\1\\\2a\377\0", 8);
	ck_assert_str_eq(a->records[0].u.ptr, "\\..\\\\.a\\255");
	dns_answer_free(a);
	/* a wire name over 255 octets */
	for (i = 0; i < 260; i += 2) {
		longname[i] = 1;
		longname[i + 1] = 'a';
	}
	longname[260] = 0;
	a = from_rdata(DNS_T_PTR, longname, 261);
	ck_assert_int_eq(a->status, DNS_TEMPFAIL);
	dns_answer_free(a);
}
END_TEST

START_TEST(test_zone_with_soa)
{
	char path[] = "/tmp/check_dns_zone_XXXXXX", err[512];
	dns_config cfg;
	dns_resolver *r;
	dns_answer *a;

	write_temp(path, "$ORIGIN .\n. 600 IN SOA ns. host. 1 3600 600 86400 42\n"
	    ". 600 IN NS ns.\nhost.test. 77 IN A 192.0.2.5\n");
	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = path;
	r = dns_resolver_new(&cfg, err, sizeof(err));
	unlink(path);
	ck_assert_msg(r != NULL, "%s", err);
	/* test. is not special */
	a = dnscheck_look(r, "host.test", DNS_T_A, DNS_RECORDS);
	ck_assert(has_a(a, "192.0.2.5"));
	ck_assert_uint_eq(a->ttl, 77);
	dns_answer_free(a);
	a = dnscheck_look(r, "other.test", DNS_T_A, DNS_NXDOMAIN);
	ck_assert_uint_eq(a->ttl, 42);  /* the file's own SOA minimum */
	dns_answer_free(a);
	dns_resolver_free(r);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dns");
	TCase *tc = tcase_create("zone");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_a_aaaa);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_stats_failures);
	tcase_add_test(tc, test_outgoing_concurrency);
	tcase_add_test(tc, test_mx_order);
	tcase_add_test(tc, test_txt);
	tcase_add_test(tc, test_ptr);
	tcase_add_test(tc, test_cname_wildcard_negative);
	tcase_add_test(tc, test_badname);
	tcase_add_test(tc, test_faults);
	tcase_add_test(tc, test_cache_end_to_end);
	tcase_add_test(tc, test_cache_unit);
	tcase_add_loop_test(tc, test_threads, 0, 2);  /* cache on, off */
	tcase_add_test(tc, test_config_errors);
	tcase_add_test(tc, test_bad_zone_file);
	tcase_add_test(tc, test_ub_cache_sizes);
	tcase_add_loop_test(tc, test_zone_error_line, 0,
	    (int)(sizeof(zone_errors) / sizeof(zone_errors[0])));
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_hostile_rdata);
	tcase_add_test(tc, test_zone_with_soa);
	suite_add_tcase(s, tc);
	return s;
}
