/*
 * tests/message/check_msg_sign.c - signing in the milter (msg_sign.c):
 * which sign_key entries sign which From domain (exact, sub-domains, the
 * most specific wins, dual RSA + Ed25519, third-party signing domain),
 * who is signed (sign_networks, {auth_authen}, {daemon_name}), one
 * message signed or refused, and the sign_key syntax and its lines.
 */
#include "message/message.h"
#include "tests/lib/check_main.h"

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char rsa_path[PATH_MAX], ed_path[PATH_MAX];

static void
keys_setup(void)
{
	static const char seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=\n";
	int fd;
	FILE *fp;

	ck_assert_ptr_nonnull(realpath("tests/fixtures/dkim_keys/rsa2048.pem",
	    rsa_path));
	snprintf(ed_path, sizeof(ed_path), "/tmp/check_msg_sign.XXXXXX");
	fd = mkstemp(ed_path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	fputs(seed, fp);
	fclose(fp);
}

static void
keys_teardown(void)
{
	unlink(ed_path);
}

static void
add(am_config *cfg, const char *fmt, const char *path)
{
	char line[PATH_MAX + 200], err[256];

	snprintf(line, sizeof(line), fmt, path);
	ck_assert_msg(config_set(cfg, "sign_key", line, err, sizeof(err)) == 0,
	    "%s: %s", line, err);
}

static sign_conf *
build(am_config *cfg)
{
	char err[256];
	sign_conf *sc;

	add(cfg, "example.com rsa %s", rsa_path);
	add(cfg, "example.com ed %s", ed_path);
	add(cfg, ".example.com subsel %s", rsa_path);
	add(cfg, "*.news.example.com news %s", rsa_path);
	add(cfg, ".example.org thirdp %s example.com", rsa_path);
	sc = sign_conf_new(cfg, NULL, NULL, err, sizeof(err));
	ck_assert_msg(sc != NULL, "%s", err);
	return sc;
}

/* the selectors chosen for domain, "s1,s2", and the signing domains */
static void
chosen(const sign_conf *sc, const char *domain, char *out, size_t len)
{
	const sign_entry *e[DKIM_SIGN_MAX_KEYS];
	size_t n = sign_conf_select(sc, domain, e, DKIM_SIGN_MAX_KEYS), i, l;

	out[0] = '\0';
	for (i = 0; i < n; i++) {
		l = strlen(out);
		snprintf(out + l, len - l, "%s%s%s%s", i ? "," : "",
		    e[i]->k.selector, e[i]->k.signing_domain[0] ? "@" : "",
		    e[i]->k.signing_domain);
	}
}

START_TEST(test_select)
{
	am_config cfg;
	sign_conf *sc;
	char got[256];

	config_init(&cfg);
	sc = build(&cfg);
	ck_assert_uint_eq(sign_conf_nkeys(sc), 5);
	chosen(sc, "example.com", got, sizeof(got));
	ck_assert_str_eq(got, "rsa,ed");           /* dual, config order */
	chosen(sc, "a.example.com", got, sizeof(got));
	ck_assert_str_eq(got, "subsel");
	chosen(sc, "deep.a.example.com", got, sizeof(got));
	ck_assert_str_eq(got, "subsel");
	chosen(sc, "x.news.example.com", got, sizeof(got));
	ck_assert_str_eq(got, "news");             /* the most specific */
	chosen(sc, "news.example.com", got, sizeof(got));
	ck_assert_str_eq(got, "subsel");           /* *.news: sub-domains only */
	chosen(sc, "b.example.org", got, sizeof(got));
	ck_assert_str_eq(got, "thirdp@example.com");
	chosen(sc, "example.org", got, sizeof(got));
	ck_assert_str_eq(got, "");
	chosen(sc, "badexample.com", got, sizeof(got));
	ck_assert_str_eq(got, "");                 /* not a label boundary */
	chosen(sc, "other.test", got, sizeof(got));
	ck_assert_str_eq(got, "");
	sign_conf_free(sc);
	config_free(&cfg);
}
END_TEST

START_TEST(test_wants)
{
	am_config cfg;
	sign_conf *sc;
	char err[256];

	config_init(&cfg);
	ck_assert_int_eq(config_set(&cfg, "sign_networks", "10.0.0.0/8, "
	    "2001:db8::/32", err, sizeof(err)), 0);
	ck_assert_int_eq(config_set(&cfg, "sign_daemon_names", "ORIGINATING",
	    err, sizeof(err)), 0);
	/* no keys: nothing is signed */
	sc = sign_conf_new(&cfg, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(sc);
	ck_assert_uint_eq(sign_conf_wants(sc, "10.1.2.3", "alice",
	    "ORIGINATING"), 0);
	sign_conf_free(sc);
	sc = build(&cfg);
	ck_assert_uint_eq(sign_conf_wants(sc, "10.1.2.3", NULL, NULL),
	    SIGN_WHY_NETWORK);
	ck_assert_uint_eq(sign_conf_wants(sc, "::ffff:10.1.2.3", "", NULL),
	    SIGN_WHY_NETWORK);
	ck_assert_uint_eq(sign_conf_wants(sc, "2001:db8::25", NULL, NULL),
	    SIGN_WHY_NETWORK);
	ck_assert_uint_eq(sign_conf_wants(sc, "192.0.2.1", "alice", NULL),
	    SIGN_WHY_AUTH);
	ck_assert_uint_eq(sign_conf_wants(sc, "192.0.2.1", "", "MTA"), 0);
	ck_assert_uint_eq(sign_conf_wants(sc, "192.0.2.1", NULL,
	    "ORIGINATING"), SIGN_WHY_DAEMON);
	ck_assert_uint_eq(sign_conf_wants(sc, "", NULL, "originating"), 0);
	sign_conf_free(sc);
	/* sign_authenticated = no: {auth_authen} alone does not sign */
	ck_assert_int_eq(config_set(&cfg, "sign_authenticated", "no", err,
	    sizeof(err)), 0);
	sc = sign_conf_new(&cfg, NULL, NULL, err, sizeof(err));
	ck_assert_uint_eq(sign_conf_wants(sc, "192.0.2.1", "alice", NULL), 0);
	sign_conf_free(sc);
	config_free(&cfg);
}
END_TEST

static int
sign_one(const sign_conf *sc, const char *const *hdrs, strbuf *out,
    char *err, size_t errlen)
{
	msign *ms = msign_new(sc);
	int rc = 0;

	ck_assert_ptr_nonnull(ms);
	for (; *hdrs != NULL && rc == 0; hdrs += 2)
		rc = msign_header(ms, hdrs[0], hdrs[1], strlen(hdrs[1]));
	if (rc == 0)
		rc = msign_eoh(ms);
	if (rc == 0)
		rc = msign_body(ms, "hi\r\n", 4);
	if (rc == 0)
		rc = msign_finish(ms, out);
	snprintf(err, errlen, "%s|%s|%s", msign_error(ms), msign_domain(ms),
	    msign_selectors(ms));
	msign_free(ms);
	return rc;
}

START_TEST(test_msign)
{
	static const char *const good[] = { "From", " a@example.com",
		"Subject", " hi", NULL };
	static const char *const two[] = { "From", " a@example.com",
		"From", " b@example.com", NULL };
	static const char *const none[] = { "Subject", " hi", NULL };
	static const char *const nokey[] = { "From", " a@other.test", NULL };
	static const char *const third[] = { "From", " a@b.example.org", NULL };
	am_config cfg;
	sign_conf *sc;
	strbuf out;
	char why[512];

	config_init(&cfg);
	sc = build(&cfg);
	sb_init(&out);
	ck_assert_int_eq(sign_one(sc, good, &out, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "|example.com|rsa,ed");
	ck_assert_ptr_nonnull(strstr(out.s, "a=rsa-sha256"));
	ck_assert_ptr_nonnull(strstr(out.s, "a=ed25519-sha256"));
	ck_assert_ptr_nonnull(strstr(out.s, "c=relaxed/relaxed"));
	sb_reset(&out);
	ck_assert_int_eq(sign_one(sc, two, &out, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "several From fields"));
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(sign_one(sc, none, &out, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "no From field"));
	ck_assert_int_eq(sign_one(sc, nokey, &out, why, sizeof(why)),
	    MSIGN_NOKEY);
	ck_assert_str_eq(why, "|other.test|");
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(sign_one(sc, third, &out, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "|example.com|thirdp");
	ck_assert_ptr_nonnull(strstr(out.s, "d=example.com;"));
	sign_conf_free(sc);
	/* simple/simple and x= from the config */
	ck_assert_int_eq(config_set(&cfg, "sign_canon", "simple/simple", why,
	    sizeof(why)), 0);
	ck_assert_int_eq(config_set(&cfg, "sign_expire", "3600", why,
	    sizeof(why)), 0);
	sc = sign_conf_new(&cfg, NULL, NULL, why, sizeof(why));
	sb_reset(&out);
	ck_assert_int_eq(sign_one(sc, good, &out, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(out.s, "c=simple/simple"));
	ck_assert_ptr_nonnull(strstr(out.s, "x="));
	sign_conf_free(sc);
	/* sign_oversign_headers: List-Id named though absent, Subject and
	 * From once more; none: each once; a bad name refuses the config */
	ck_assert_int_eq(config_set(&cfg, "sign_oversign_headers",
	    "subject:list-id", why, sizeof(why)), 0);
	sc = sign_conf_new(&cfg, NULL, NULL, why, sizeof(why));
	ck_assert_msg(sc != NULL, "%s", why);
	sb_reset(&out);
	ck_assert_int_eq(sign_one(sc, good, &out, why, sizeof(why)), 0);
	ck_assert_msg(strstr(out.s, "h=from:from:subject:subject:list-id;")
	    != NULL, "%s", out.s);
	sign_conf_free(sc);
	ck_assert_int_eq(config_set(&cfg, "sign_oversign_headers", "none", why,
	    sizeof(why)), 0);
	sc = sign_conf_new(&cfg, NULL, NULL, why, sizeof(why));
	sb_reset(&out);
	ck_assert_int_eq(sign_one(sc, good, &out, why, sizeof(why)), 0);
	ck_assert_msg(strstr(out.s, "h=from:subject;") != NULL, "%s", out.s);
	sign_conf_free(sc);
	ck_assert_int_eq(config_set(&cfg, "sign_oversign_headers",
	    "from:authentication-results", why, sizeof(why)), 0);
	ck_assert_ptr_null(sign_conf_new(&cfg, NULL, NULL, why, sizeof(why)));
	ck_assert_msg(strstr(why, "sign_oversign_headers: ") != NULL, "%s", why);
	sb_free(&out);
	config_free(&cfg);
}
END_TEST

static void
problem(void *arg, unsigned line, int error, const char *text)
{
	strbuf *sb = arg;

	sb_printf(sb, "%u:%d:%s\n", line, error, text);
}

START_TEST(test_syntax_and_lines)
{
	am_config cfg;
	config_sign_key k;
	char err[300], path[] = "/tmp/check_msg_sign_conf.XXXXXX";
	strbuf said;
	FILE *fp;
	int fd;

	ck_assert_int_eq(config_sign_key_parse("*.Example.COM s1 /k.pem",
	    &k, err, sizeof(err)), 0);
	ck_assert_str_eq(k.domain, "example.com");
	ck_assert_int_eq(k.subdomains, 1);
	ck_assert_str_eq(k.signing_domain, "");
	ck_assert_int_eq(config_sign_key_parse("example.com s1", &k, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_sign_key_parse("example.com s1 k.pem", &k,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "absolute path"));
	ck_assert_int_eq(config_sign_key_parse("exa mple.com s1 /k /k", &k,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(config_sign_key_parse("ex@mple.com s1 /k", &k, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(config_sign_key_parse("example.com s1 /k a..b", &k,
	    err, sizeof(err)), -1);

	/* repeated lines are entries with their line numbers; a missing
	 * key is reported with its line and fails the build */
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	fprintf(fp, "# keys\nsign_key = example.com rsa %s\n\n"
	    "sign_key = example.net x /nonexistent/key.pem\n", rsa_path);
	fclose(fp);
	config_init(&cfg);
	ck_assert_msg(config_load(&cfg, path, err, sizeof(err)) == 0, "%s",
	    err);
	unlink(path);
	ck_assert_uint_eq(cfg.nsign_key, 2);
	ck_assert_uint_eq(cfg.sign_key_line[0], 2);
	ck_assert_uint_eq(cfg.sign_key_line[1], 4);
	sb_init(&said);
	ck_assert_ptr_null(sign_conf_new(&cfg, problem, &said, err,
	    sizeof(err)));
	ck_assert_msg(strstr(said.s, "4:1:sign_key: key /nonexistent/key.pem: ")
	    != NULL, "%s", said.s);
	sb_free(&said);
	config_free(&cfg);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("msg_sign");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, keys_setup, keys_teardown);
	tcase_add_test(tc, test_select);
	tcase_add_test(tc, test_wants);
	tcase_add_test(tc, test_msign);
	tcase_add_test(tc, test_syntax_and_lines);
	suite_add_tcase(s, tc);
	return s;
}
