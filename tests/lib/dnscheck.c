/*
 * tests/lib/dnscheck.c - the real resolver in Check tests (see
 * dnscheck.h): nothing is made up here, every answer is dns/'s own.
 */
#include "tests/lib/dnscheck.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

dns_resolver *
dnscheck_new(const dns_config *cfg)
{
	char err[512];
	dns_resolver *r = dns_resolver_new(cfg, err, sizeof(err));

	ck_assert_msg(r != NULL, "resolver: %s", err);
	return r;
}

dns_resolver *
dnscheck_conf_resolver(const char *conf, unsigned timeout_ms)
{
	const dns_config cfg = { .unbound_conf = conf,
	    .timeout_ms = timeout_ms };

	return dnscheck_new(&cfg);
}

dns_resolver *
dnscheck_resolver(const char *zone_file, int cache_entries)
{
	dns_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.zone_file = zone_file;
	cfg.cache_entries = cache_entries;
	return dnscheck_new(&cfg);
}

dns_answer *
dnscheck_look(dns_resolver *r, const char *name, dns_type t, dns_status want)
{
	dns_answer *a = dns_lookup(r, name, t);

	ck_assert_msg(a->status == want, "%s %s: status %s (%s), want %s",
	    name, dns_type_name(t), dns_status_name(a->status), a->why,
	    dns_status_name(want));
	return a;
}

int
dnscheck_dead_conf(char *path, size_t len, const char *server_extra)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	FILE *fp;
	int fd, sfd;

	sfd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(sfd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(sfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(sfd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(path, len, "/tmp/dnscheck_dead_XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "server:\n    module-config: \"iterator\"\n"
	    "    do-not-query-localhost: no\n%s"
	    "stub-zone:\n    name: \"dead.example.\"\n"
	    "    stub-addr: 127.0.0.1@%u\n", server_extra != NULL ?
	    server_extra : "", ntohs(sin.sin_port));
	fclose(fp);
	return sfd;
}
