/*
 * tests/config/check_config.c - the config file reader: defaults, every value
 * type, errors naming file and line, all-or-nothing loading.
 */
#include "config/config.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char path[64];

static void
write_file(const char *text)
{
	FILE *fp;
	int fd;

	snprintf(path, sizeof(path), "/tmp/amconfXXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
}

/* Loading text fails; the error (in err) is returned for the caller's
 * checks, the file and the config released. */
static const char *
load_fails(const char *text, char *err, size_t errlen)
{
	am_config c;

	write_file(text);
	config_init(&c);
	ck_assert_int_eq(config_load(&c, path, err, errlen), -1);
	unlink(path);
	config_free(&c);
	return err;
}

START_TEST(test_defaults)
{
	am_config c;
	dns_config d;

	config_init(&c);
	ck_assert_str_eq(c.socket, "unix:/run/authmilter/authmilter.sock");
	ck_assert_uint_eq(c.socket_mode, 0660);
	ck_assert_uint_eq(c.dns_timeout_ms, 5000);
	ck_assert_uint_eq(c.on_internal_error, CONFIG_ACTION_TEMPFAIL);
	ck_assert_uint_eq(c.ntrusted_networks, 2);
	ck_assert_str_eq(c.trusted_networks[1], "::1/128");
	config_dns(&c, &d);
	ck_assert_ptr_null(d.zone_file);
	ck_assert_uint_eq(d.nforwarders, 0);
	ck_assert_str_eq(d.trust_anchor_file, DNS_DEFAULT_TRUST_ANCHOR);
	config_free(&c);
}
END_TEST

START_TEST(test_load_values)
{
	am_config c;
	dns_config d;
	char err[256];

	write_file("# comment\n\n  socket = inet:8891@127.0.0.1  \n"
	    "socket_mode = 0600\n"
	    "authserv_id = \"mx.example.org\"\n"
	    "dns_forward = 127.0.0.1@5353, ::1\n"
	    "dns_timeout=1500\n"
	    "on_dns_temperror = tempfail\n"
	    "trusted_networks =\n");
	config_init(&c);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.socket, "inet:8891@127.0.0.1");
	ck_assert_uint_eq(c.socket_mode, 0600);
	ck_assert_str_eq(c.authserv_id, "mx.example.org");
	ck_assert_uint_eq(c.ndns_forward, 2);
	ck_assert_str_eq(c.dns_forward[0], "127.0.0.1@5353");
	ck_assert_uint_eq(c.dns_timeout_ms, 1500);
	ck_assert_uint_eq(c.on_dns_temperror, CONFIG_ACTION_TEMPFAIL);
	ck_assert_uint_eq(c.ntrusted_networks, 0);
	config_dns(&c, &d);
	ck_assert_uint_eq(d.nforwarders, 2);
	ck_assert_uint_eq(d.timeout_ms, 1500);
	unlink(path);
	config_free(&c);
}
END_TEST

START_TEST(test_errors_name_file_and_line)
{
	static const struct { const char *text; const char *want; } t[] = {
		{ "socket = x\nbogus_key = 1\n", ":2: unknown key 'bogus_key'" },
		{ "\n\njust words\n", ":3: expected 'key = value'" },
		{ "dns_timeout = 0\n", ":1: dns_timeout: '0' is not a number from 1 to 600000" },
		{ "dns_timeout = 12ms\n", ":1: dns_timeout" },
		{ "dns_timeout = -5\n", ":1: dns_timeout" },
		{ "socket_mode = 0999\n", ":1: socket_mode" },
		{ "on_dns_temperror = maybe\n", "'maybe' is not one of: accept tempfail reject" },
		{ "socket = a\nsocket = b\n", ":2: 'socket' is set twice" },
		{ "dns_forward = 192.0.2.1 192.0.2.2 192.0.2.3 192.0.2.4 "
		  "192.0.2.5 192.0.2.6 192.0.2.7 192.0.2.8 192.0.2.9\n",
		  "more than 8 entries" },
		/* a resolver is ADDR[@PORT], as libunbound takes it: the error
		 * says so, and how to write what was meant */
		{ "\ndns_forward = 8.8.8.8:53\n", ":2: dns_forward: '8.8.8.8:53' "
		  "is not ADDR[@PORT] (write 8.8.8.8@53)" },
		{ "dns_forward = [2001:db8::53]:53\n", "(write 2001:db8::53@53)" },
		{ "dns_forward = dns.google\n", "'dns.google' is not ADDR[@PORT]" },
		{ "dns_forward = 192.0.2.1@99999\n", "port after @ must be a number 1-65535" },
		{ "dns_forward = 192.0.2.1@\n", "ADDR[@PORT]" },
		/* quotes: closed, and nothing but a comment after them */
		{ "authserv_id = \"mx.example.org\n", ":1: authserv_id: no closing quote" },
		{ "authserv_id = \"mx\" example.org\n",
		  ":1: authserv_id: text after the closing quote" },
	};
	size_t i;
	char err[256];

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		load_fails(t[i].text, err, sizeof(err));
		ck_assert_msg(strstr(err, t[i].want) != NULL && strstr(err, path) == err,
		    "case %zu: got '%s', want '%s'", i, err, t[i].want);
	}
	{
		am_config c;

		config_init(&c);
		ck_assert_int_eq(config_load(&c, "/nonexistent/authmilter.conf",
		    err, sizeof(err)), -1);
		ck_assert_msg(strstr(err, "/nonexistent/authmilter.conf: No such file")
		    != NULL, "%s", err);
		config_free(&c);
	}
}
END_TEST

/* '#' starts a comment at the start of a line, at the start of a value
 * or after a blank; inside quotes or within a word it is text. */
#define COMMENTED \
	"authserv_id = mx.example.org # our name\n" \
	"dns_timeout = 1500\t# milliseconds\n" \
	"report_org_name = \"Example # 1\"   # quoted: kept\n" \
	"report_email = dmarc#reports@example.org\n" \
	"trusted_networks = 10.0.0.0/8, 192.168.0.0/16 # the LAN\n" \
	"pidfile = # none\n" \
	"dns_forward = 192.0.2.53@5353, 2001:db8::53 # two\n"

START_TEST(test_trailing_comments)
{
	am_config c;
	char err[256];

	write_file(COMMENTED
	    "dmarc_enforce = yes#no\n");
	config_init(&c);
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, ":8: dmarc_enforce: 'yes#no'") != NULL, "%s",
	    err);
	unlink(path);
	write_file(COMMENTED
	    "socket = \"unix:/run/a m.sock\"\n");
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(c.authserv_id, "mx.example.org");
	ck_assert_uint_eq(c.dns_timeout_ms, 1500);
	ck_assert_str_eq(c.report_org_name, "Example # 1");
	ck_assert_str_eq(c.report_email, "dmarc#reports@example.org");
	ck_assert_uint_eq(c.ntrusted_networks, 2);
	ck_assert_str_eq(c.trusted_networks[1], "192.168.0.0/16");
	ck_assert_str_eq(c.pidfile, "");
	ck_assert_uint_eq(c.ndns_forward, 2);
	ck_assert_str_eq(c.dns_forward[1], "2001:db8::53");
	ck_assert_str_eq(c.socket, "unix:/run/a m.sock");
	unlink(path);
	config_free(&c);
}
END_TEST

START_TEST(test_all_or_nothing)
{
	am_config c;
	char err[256];

	config_init(&c);
	ck_assert_int_eq(config_set(&c, "authserv_id", "old.example", err, sizeof(err)), 0);
	write_file("authserv_id = new.example\ndns_timeout = 100\nnope = 1\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	ck_assert_str_eq(c.authserv_id, "old.example");
	ck_assert_uint_eq(c.dns_timeout_ms, 5000);
	unlink(path);
	ck_assert_int_eq(config_set(&c, "nope", "1", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown key 'nope'");
	config_free(&c);
}
END_TEST

START_TEST(test_write_roundtrip)
{
	am_config a, b;
	char err[256];
	FILE *fp;
	int fd;

	config_init(&a);
	ck_assert_int_eq(config_set(&a, "dns_forward", "192.0.2.1@53,192.0.2.2", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&a, "socket_mode", "0640", err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "/tmp/amconfXXXXXX");
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	config_write(&a, fp, 1);
	fclose(fp);
	config_init(&b);
	ck_assert_msg(config_load(&b, path, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(b.ndns_forward, 2);
	ck_assert_str_eq(b.dns_forward[1], "192.0.2.2");
	ck_assert_uint_eq(b.socket_mode, 0640);
	ck_assert_str_eq(b.socket, a.socket);
	unlink(path);
	config_free(&a);
	config_free(&b);
}
END_TEST

/* failure_reports = yes without a history store is refused at build
 * (-n, start, reload), naming both keys; with one it builds, and the
 * failure-report keys keep their privacy defaults when not set. */
START_TEST(test_failure_reports_need_history)
{
	config_override ov[2] = { { "failure_reports", "yes" },
	    { "history", "/tmp/check_config_fr.db" } };
	am_config cfg;
	char err[512];

	ck_assert_int_eq(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    ov, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "failure_reports = yes needs a history store "
	    "(history): failure reports wait there for `authmilter report "
	    "--failure --send`");
	ck_assert_int_eq(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    ov, 2, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.failure_reports, 1);
	ck_assert_uint_eq(cfg.failure_report_redact, CONFIG_FRREDACT_HEADERS);
	ck_assert_uint_eq(cfg.failure_report_rate, 10);
	config_free(&cfg);
	ck_assert_int_eq(config_build(&cfg, "/nonexistent/authmilter.conf", 0,
	    NULL, 0, err, sizeof(err)), 0);
	ck_assert_uint_eq(cfg.failure_reports, 0);	/* off by default */
	config_free(&cfg);
}
END_TEST

/* config_absolute_paths(): relative paths anchored to the start
 * directory; absolute ones, URIs and TCP sockets untouched. */
START_TEST(test_absolute_paths)
{
	am_config c;
	char err[256];

	config_init(&c);
	ck_assert_int_eq(config_set(&c, "socket", "unix:run/am.sock", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "dns_zone", "./z/test.zone", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "history", "h.db", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "pidfile", "", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "psl_file", "../psl.dat", err,
	    sizeof(err)), 0);
	ck_assert_msg(config_absolute_paths(&c, "/srv/am/", err, sizeof(err))
	    == 0, "%s", err);
	ck_assert_str_eq(c.socket, "unix:/srv/am/run/am.sock");
	ck_assert_str_eq(c.dns_zone, "/srv/am/z/test.zone");
	ck_assert_str_eq(c.history, "/srv/am/h.db");
	ck_assert_str_eq(c.pidfile, "");		/* "": none, stays */
	ck_assert_str_eq(c.psl_file, "/srv/am/../psl.dat");
	ck_assert_str_eq(c.dns_trust_anchor, DNS_DEFAULT_TRUST_ANCHOR);
	ck_assert_int_eq(config_set(&c, "socket", "inet:8891@127.0.0.1", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_set(&c, "history",
	    "postgresql://am@localhost/am", err, sizeof(err)), 0);
	ck_assert_int_eq(config_absolute_paths(&c, "/", err, sizeof(err)), 0);
	ck_assert_str_eq(c.socket, "inet:8891@127.0.0.1");
	ck_assert_str_eq(c.history, "postgresql://am@localhost/am");
	ck_assert_str_eq(c.dns_zone, "/srv/am/z/test.zone");
	/* no start directory: a relative path is refused, naming the key */
	ck_assert_int_eq(config_set(&c, "dns_conf", "unbound.conf", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(config_absolute_paths(&c, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "dns_conf: 'unbound.conf'"));
	config_free(&c);
}
END_TEST

/*
 * An unknown key says what was meant: an OpenDKIM / OpenDMARC key (any
 * case, "Key value" as their files write it, or "Key = value") names the
 * authmilter key or says there is none and why; a typo within two edits of
 * a key names it; anything else names nothing. In the file and in
 * config_set() (the --set flag) alike.
 */
START_TEST(test_unknown_key_hints)
{
	static const struct { const char *text; const char *want; } t[] = {
		{ "InternalHosts = 10.0.0.0/8\n",
		  ":1: unknown key 'InternalHosts' (an OpenDKIM key): did you "
		  "mean 'sign_networks'?" },
		{ "rejectfailures = true\n", "(an OpenDMARC key): did you mean "
		  "'dmarc_enforce'?" },
		{ "Socket = inet:8891@localhost\n", "did you mean 'socket'?" },
		{ "On-DNSError = tempfail\n", "did you mean 'on_dns_temperror'?" },
		{ "HistoryFile = /var/run/opendmarc/opendmarc.dat\n",
		  "did you mean 'history'?" },
		{ "MinimumKeyBits = 2048\n", "did you mean 'dkim_min_rsa_bits'?" },
		{ "Mode = sv\n", "'Mode' (an OpenDKIM key): did you mean "
		  "'sign_key'?" },
		{ "ExternalIgnoreList = refile:/x\n", "'ExternalIgnoreList' (an "
		  "OpenDKIM key): no equivalent: only sign_authenticated" },
		{ "FailureReports = true\n", "no equivalent: no failure (ruf) "
		  "reports are sent" },
		/* their syntax, without '=' */
		{ "# opendkim.conf\nInternalHosts\t10.0.0.0/8\n", ":2: expected "
		  "'key = value'; 'InternalHosts' (an OpenDKIM key): did you "
		  "mean 'sign_networks'?" },
		{ "dmarc_enforce yes\n", ":1: expected 'key = value' "
		  "(dmarc_enforce = VALUE)" },
		/* typos of our keys: substitution, transposition, case, two */
		{ "dmarc_enforse = yes\n", "unknown key 'dmarc_enforse': did "
		  "you mean 'dmarc_enforce'?" },
		{ "dmarc_enfocre = yes\n", "did you mean 'dmarc_enforce'?" },
		{ "DNS_Timeout = 10\n", "did you mean 'dns_timeout'?" },
		{ "trusted_network = ::1\n", "did you mean 'trusted_networks'?" },
		{ "histroy_batch_sze = 1\n", "did you mean 'history_batch_size'?" },
	};
	static const char *const nothing[] = { "frobnicate = 1\n",
	    "dmarc_xxforxx = yes\n", "just words\n" };
	size_t i;
	char err[512];
	am_config c;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		load_fails(t[i].text, err, sizeof(err));
		ck_assert_msg(strstr(err, t[i].want) != NULL && strstr(err, path) == err,
		    "case %zu: got '%s', want '%s'", i, err, t[i].want);
	}
	for (i = 0; i < sizeof(nothing) / sizeof(nothing[0]); i++) {
		load_fails(nothing[i], err, sizeof(err));
		ck_assert_msg(strstr(err, "did you mean") == NULL &&
		    strstr(err, "equivalent") == NULL && strstr(err, ";") == NULL,
		    "case %zu: got '%s'", i, err);
	}
	config_init(&c);
	ck_assert_int_eq(config_set(&c, "IgnoreAuthenticatedClients", "true",
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown key 'IgnoreAuthenticatedClients' (an "
	    "OpenDMARC key): did you mean 'skip_authenticated'? yes by default here");
	ck_assert_int_eq(config_set(&c, "skip_authenticaed", "no", err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown key 'skip_authenticaed': did you mean "
	    "'skip_authenticated'?");
	config_free(&c);
}
END_TEST

/* The table behind the hints: every entry names a real key or says why
 * there is none, and no name is there twice (in any case). */
START_TEST(test_foreign_table)
{
	size_t i, j, n, nk;
	const config_foreign_key *f = config_foreign_keys(&n);
	const config_key *k = config_keys(&nk);

	ck_assert_uint_gt(n, 40);
	for (i = 0; i < n; i++) {
		int found = f[i].key == NULL;

		ck_assert_msg(f[i].note != NULL && f[i].note[0] != '\0' &&
		    f[i].source != NULL, "%s", f[i].name);
		for (j = 0; j < nk && !found; j++)
			found = strcmp(k[j].name, f[i].key) == 0;
		ck_assert_msg(found, "%s -> %s: not a key", f[i].name, f[i].key);
		for (j = i + 1; j < n; j++)
			ck_assert_msg(strcasecmp(f[i].name, f[j].name) != 0,
			    "%s twice", f[i].name);
	}
}
END_TEST

/* arc_seal_headers: empty by default (the sealer's built-in list); a
 * list of field names loads, DKIM-Signature among them; a field an
 * ARC-Message-Signature never signs (RFC 8617 4.1.2), in any case, or
 * a name that is not a field name is an error at file:line. */
START_TEST(test_arc_seal_headers)
{
	static const struct { const char *text; const char *want; } bad[] = {
		{ "arc_seal_headers = from, ARC-Seal\n",
		  ":1: arc_seal_headers: ARC-Seal is never signed by an "
		  "ARC-Message-Signature (RFC 8617 4.1.2)" },
		{ "\narc_seal_headers = arc-message-signature\n",
		  ":2: arc_seal_headers: arc-message-signature is never signed" },
		{ "arc_seal_headers = from ARC-Authentication-Results\n",
		  "ARC-Authentication-Results is never signed" },
		{ "arc_seal_headers = Authentication-Results\n",
		  "Authentication-Results is never signed" },
		{ "arc_seal_headers = from:to\n",
		  ":1: arc_seal_headers: 'from:to' is not a header field name" },
		{ "arc_seal_headers = from;to\n", "'from;to' is not a header" },
		/* 65 characters: over DKIM_SIGN_MAX_NAME, refused at the key's
		 * own line, not later against arc_seal */
		{ "\narc_seal_headers = from, x-"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		  ":2: arc_seal_headers: 'x-aaaaaaaaaaaaaaaaaa...' is over 64 "
		  "characters" },
	};
	am_config c;
	char err[256];
	size_t i;

	config_init(&c);
	ck_assert_uint_eq(c.narc_seal_headers, 0);
	config_free(&c);
	write_file("arc_seal_headers = From, subject DKIM-Signature,x-list\n");
	config_init(&c);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	unlink(path);
	ck_assert_uint_eq(c.narc_seal_headers, 4);
	ck_assert_str_eq(c.arc_seal_headers[0], "From");
	ck_assert_str_eq(c.arc_seal_headers[2], "DKIM-Signature");
	ck_assert_str_eq(c.arc_seal_headers[3], "x-list");
	ck_assert_int_eq(config_set(&c, "arc_seal_headers", "arc-seal", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "arc-seal is never signed"));
	config_free(&c);
	/* ',' separates as in arc_seal_headers_parse(); 64 characters is
	 * the longest name the parser takes */
	write_file("arc_seal_headers = from,to,subject,x-"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	config_init(&c);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	unlink(path);
	ck_assert_uint_eq(c.narc_seal_headers, 4);
	ck_assert_str_eq(c.arc_seal_headers[1], "to");
	ck_assert_uint_eq(strlen(c.arc_seal_headers[3]), 64);
	config_free(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load_fails(bad[i].text, err, sizeof(err));
		ck_assert_msg(strstr(err, bad[i].want) != NULL &&
		    strstr(err, path) == err, "case %zu: got '%s', want '%s'",
		    i, err, bad[i].want);
	}
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_load_values);
	tcase_add_test(tc, test_errors_name_file_and_line);
	tcase_add_test(tc, test_trailing_comments);
	tcase_add_test(tc, test_all_or_nothing);
	tcase_add_test(tc, test_write_roundtrip);
	tcase_add_test(tc, test_absolute_paths);
	tcase_add_test(tc, test_failure_reports_need_history);
	tcase_add_test(tc, test_unknown_key_hints);
	tcase_add_test(tc, test_foreign_table);
	tcase_add_test(tc, test_arc_seal_headers);
	suite_add_tcase(s, tc);
	return s;
}
