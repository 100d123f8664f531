/*
 * tests/util/check_options.c - util/options: what each option stores or
 * calls, in order; operands moved after the options; "--"; abbreviations;
 * the error words; a callback stopping or failing; POSIXLY_CORRECT; and
 * every command line of a vocabulary of awkward words read exactly as
 * glibc's getopt_long() reads it (the parser the subcommands used before,
 * whose messages they still print): same options and arguments, same
 * operands, same error line.
 */
#include <check.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/options.h"
#include "util/strbuf.h"
#include "tests/lib/check_main.h"

#define MAX_WORDS 24

/* fn: every call as "id=arg;" ("id;" without an argument). */
typedef struct calls {
	strbuf log;
	int stop_at, fail_at;	/* id that returns OPT_STOP / OPT_FAIL */
} calls;

static int
record(void *ctx, int id, const char *arg)
{
	calls *c = ctx;

	if (arg != NULL)
		sb_printf(&c->log, "%d=%s;", id, arg);
	else
		sb_printf(&c->log, "%d;", id);
	if (id == c->stop_at)
		return OPT_STOP;
	if (id == c->fail_at)
		return OPT_FAIL;
	return OPT_OK;
}

/* A command line "prog w1 w2 ..." (space-separated, "''" an empty word)
 * in a writable argv. */
static int
split(const char *line, char *buf, size_t size, char **argv)
{
	char *w, *save = NULL;
	int argc = 0;

	ck_assert(snprintf(buf, size, "prog %s", line) < (int)size);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		ck_assert_int_lt(argc, MAX_WORDS);
		argv[argc++] = strcmp(w, "''") == 0 ? w + 2 : w;
	}
	argv[argc] = NULL;
	return argc;
}

/* The operands after a parse, space-separated. */
static void
operands(int argc, char **argv, int first, char *out, size_t size)
{
	size_t off = 0;
	int i;

	out[0] = '\0';
	for (i = first; i < argc; i++)
		off += (size_t)snprintf(out + off, size - off, "%s%s",
		    i > first ? " " : "", argv[i]);
}

START_TEST(stores_flags_and_calls)
{
	const char *ip = NULL, *cfg = NULL, *zone = "unset";
	int json = 0, given = 0, verbose = 0;
	calls c = { .stop_at = -1, .fail_at = -1 };
	opt_spec spec[] = {
		{ "ip", 0, OPT_ARG, 0, &ip, NULL },
		{ "json", 'j', OPT_NOARG, 0, NULL, &json },
		{ NULL, 'c', OPT_ARG, 0, &cfg, &given },
		{ "verbose", 'v', OPT_NOARG, 0, NULL, &verbose },
		{ "rcpt", 0, OPT_ARG, 7, NULL, NULL },
		{ "zone", 0, OPT_ARG, 0, &zone, NULL },
		{ "now", 'n', OPT_NOARG, 8, NULL, NULL },
		OPT_END,
	};
	char buf[256], *argv[MAX_WORDS + 1], ops[256];
	opt_result r;
	int argc;

	sb_init(&c.log);
	argc = split("a --ip=192.0.2.1 b -vj --rcpt x@y - --rcpt=z@w -cFILE "
	    "--zone '' -n c -- --json -v", buf, sizeof(buf), argv);
	ck_assert_int_eq(opt_parse(argc, argv, spec, record, &c, &r), OPT_DONE);
	ck_assert_str_eq(ip, "192.0.2.1");
	ck_assert_int_eq(json, 1);
	ck_assert_int_eq(verbose, 1);
	ck_assert_str_eq(cfg, "FILE");
	ck_assert_int_eq(given, 1);
	ck_assert_str_eq(zone, "");
	ck_assert_str_eq(c.log.s, "7=x@y;7=z@w;8;");
	operands(argc, argv, r.first, ops, sizeof(ops));
	ck_assert_str_eq(ops, "a b - c --json -v");
	ck_assert_ptr_null(r.word);
	opt_result_free(&r);

	/* the argument is the next word whatever it looks like */
	sb_reset(&c.log);
	argc = split("--ip --json -c -- --rcpt -v", buf, sizeof(buf), argv);
	json = 0;
	ck_assert_int_eq(opt_parse(argc, argv, spec, record, &c, &r), OPT_DONE);
	ck_assert_str_eq(ip, "--json");
	ck_assert_str_eq(cfg, "--");
	ck_assert_int_eq(json, 0);
	ck_assert_str_eq(c.log.s, "7=-v;");
	ck_assert_int_eq(r.first, argc);
	opt_result_free(&r);

	/* no options: nothing moves */
	argc = split("x y", buf, sizeof(buf), argv);
	ck_assert_int_eq(opt_parse(argc, argv, spec, NULL, NULL, &r), OPT_DONE);
	ck_assert_int_eq(r.first, 1);
	opt_result_free(&r);
	sb_free(&c.log);
}
END_TEST

START_TEST(abbreviations)
{
	const char *a = NULL, *b = NULL;
	int j = 0, jp = 0;
	opt_spec spec[] = {
		{ "json", 0, OPT_NOARG, 0, NULL, &j },
		{ "json-pretty", 0, OPT_NOARG, 0, NULL, &jp },
		{ "dns-timeout", 0, OPT_ARG, 0, &a, NULL },
		{ "dns-zone", 0, OPT_ARG, 0, &b, NULL },
		OPT_END,
	};
	char buf[256], *argv[MAX_WORDS + 1];
	opt_result r;
	int argc;

	/* an exact name wins over the longer one it starts */
	argc = split("--json --json-p --dns-z=Z --dns-ti 9", buf, sizeof(buf),
	    argv);
	ck_assert_int_eq(opt_parse(argc, argv, spec, NULL, NULL, &r), OPT_DONE);
	ck_assert_int_eq(j, 1);
	ck_assert_int_eq(jp, 1);
	ck_assert_str_eq(a, "9");
	ck_assert_str_eq(b, "Z");
	opt_result_free(&r);

	argc = split("--dns-=1", buf, sizeof(buf), argv);
	ck_assert_int_eq(opt_parse(argc, argv, spec, NULL, NULL, &r), OPT_BAD);
	ck_assert_str_eq(r.why.s, "option '--dns-=1' is ambiguous; "
	    "possibilities: '--dns-timeout' '--dns-zone'");
	ck_assert_str_eq(r.word, "--dns-=1");
	ck_assert_ptr_null(r.spec);
	opt_result_free(&r);
}
END_TEST

START_TEST(error_words)
{
	static const struct {
		const char *line, *why, *word;
	} cases[] = {
		{ "--bogus", "unrecognized option '--bogus'", "--bogus" },
		{ "x --bogus=1 y", "unrecognized option '--bogus=1'", "--bogus=1" },
		{ "--ip", "option '--ip' requires an argument", "--ip" },
		{ "--j=1", "option '--json' doesn't allow an argument", "--j=1" },
		{ "-x", "invalid option -- 'x'", "-x" },
		{ "-jx", "invalid option -- 'x'", "-jx" },
		{ "-jc", "option requires an argument -- 'c'", "-jc" },
		{ "-c", "option requires an argument -- 'c'", "-c" },
		{ "--=x", "option '--=x' is ambiguous; possibilities: '--ip' "
		    "'--json'", "--=x" },
		{ "---", "unrecognized option '---'", "---" },
	};
	const char *ip, *cfg;
	int json;
	opt_spec spec[] = {
		{ "ip", 0, OPT_ARG, 0, &ip, NULL },
		{ "json", 'j', OPT_NOARG, 0, NULL, &json },
		{ NULL, 'c', OPT_ARG, 0, &cfg, NULL },
		OPT_END,
	};
	char buf[256], *argv[MAX_WORDS + 1];
	opt_result r;
	size_t i;
	int argc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argc = split(cases[i].line, buf, sizeof(buf), argv);
		ck_assert_msg(opt_parse(argc, argv, spec, NULL, NULL, &r) ==
		    OPT_BAD, "%s", cases[i].line);
		ck_assert_str_eq(r.why.s, cases[i].why);
		ck_assert_str_eq(r.word, cases[i].word);
		opt_result_free(&r);
	}
}
END_TEST

/* opt_parse() of one command line with fn = record; the words stay
 * valid until the next call. */
static opt_status
parse_line(const char *line, const opt_spec *spec, calls *c, opt_result *r)
{
	static char buf[256];
	static char *argv[MAX_WORDS + 1];
	int argc = split(line, buf, sizeof(buf), argv);

	sb_reset(&c->log);
	return opt_parse(argc, argv, spec, record, c, r);
}

START_TEST(callback_stops_or_fails)
{
	calls c = { .stop_at = 1, .fail_at = 2 };
	opt_spec spec[] = {
		{ "other", 'o', OPT_NOARG, 0, NULL, NULL },
		{ "help", 'h', OPT_NOARG, 1, NULL, NULL },
		{ "now", 0, OPT_ARG, 2, NULL, NULL },
		OPT_END,
	};
	opt_result r;

	/* --help first: what follows (even a bad word) is not read */
	sb_init(&c.log);
	ck_assert_int_eq(parse_line("-o --help --bogus", spec, &c, &r),
	    OPT_STOPPED);
	ck_assert_str_eq(c.log.s, "0;1;");
	ck_assert_ptr_eq(r.spec, &spec[1]);
	ck_assert_str_eq(r.word, "--help");
	opt_result_free(&r);

	/* in a cluster, the letters after it are not read either */
	ck_assert_int_eq(parse_line("-hx", spec, &c, &r), OPT_STOPPED);
	ck_assert_str_eq(c.log.s, "1;");
	opt_result_free(&r);

	/* a bad word before --help is the error */
	ck_assert_int_eq(parse_line("-xh", spec, &c, &r), OPT_BAD);
	ck_assert_str_eq(c.log.s, "");
	ck_assert_str_eq(r.word, "-xh");
	opt_result_free(&r);

	ck_assert_int_eq(parse_line("--now=bad -h", spec, &c, &r), OPT_FAILED);
	ck_assert_str_eq(c.log.s, "2=bad;");
	ck_assert_ptr_eq(r.spec, &spec[2]);
	ck_assert_str_eq(r.word, "--now=bad");
	ck_assert_str_eq(r.why.s, "");
	opt_result_free(&r);
	sb_free(&c.log);
}
END_TEST

START_TEST(posixly_correct)
{
	int j = 0;
	opt_spec spec[] = {
		{ "json", 'j', OPT_NOARG, 0, NULL, &j },
		OPT_END,
	};
	char buf[256], *argv[MAX_WORDS + 1], ops[256];
	opt_result r;
	int argc;

	ck_assert_int_eq(setenv("POSIXLY_CORRECT", "1", 1), 0);
	argc = split("-j name --json --bogus", buf, sizeof(buf), argv);
	ck_assert_int_eq(opt_parse(argc, argv, spec, NULL, NULL, &r), OPT_DONE);
	operands(argc, argv, r.first, ops, sizeof(ops));
	ck_assert_str_eq(ops, "name --json --bogus");
	ck_assert_int_eq(j, 1);
	opt_result_free(&r);
	unsetenv("POSIXLY_CORRECT");
}
END_TEST

/*
 * Against glibc: the table below as getopt_long() options (a short
 * letter in the option string, a long name with val = 256 + row), every
 * command line of up to three words of the vocabulary and pseudo-random
 * ones of four to seven. Both sides stop at the first error, as the
 * subcommands do.
 */
static const char *const vocab[] = {
	"--ip", "--ip=1", "--he", "--hel", "--helo", "--help", "--help=1",
	"--json", "--json=", "--js", "--json-p", "--", "-", "-h", "-c", "-cX",
	"-hc", "-ch", "-x", "-hx", "-jh", "-fj", "op", "--=v", "---", "--h",
	"--dns-t", "--dns-timeout", "5", "--bogus=3", "''", "-f-",
};

static opt_spec diff_spec[] = {
	{ "ip", 0, OPT_ARG, 0, NULL, NULL },
	{ "helo", 0, OPT_ARG, 1, NULL, NULL },
	{ "help", 'h', OPT_NOARG, 2, NULL, NULL },
	{ "json", 'j', OPT_NOARG, 3, NULL, NULL },
	{ "json-pretty", 0, OPT_NOARG, 4, NULL, NULL },
	{ NULL, 'c', OPT_ARG, 5, NULL, NULL },
	{ "dns-timeout", 0, OPT_ARG, 6, NULL, NULL },
	{ "dns-trust-anchor", 0, OPT_ARG, 7, NULL, NULL },
	{ NULL, 'f', OPT_NOARG, 8, NULL, NULL },
	{ NULL, '-', OPT_NOARG, 9, NULL, NULL },
	OPT_END,
};

/* What a parse gave: the calls, then "|" and the operands or the error
 * line as the program printed it. */
static void
run_ours(const char *line, strbuf *out)
{
	char buf[256], *argv[MAX_WORDS + 1], ops[256];
	calls c = { .stop_at = -1, .fail_at = -1 };
	opt_result r;
	int argc = split(line, buf, sizeof(buf), argv);

	sb_init(&c.log);
	if (opt_parse(argc, argv, diff_spec, record, &c, &r) == OPT_BAD) {
		sb_printf(out, "%s|%s: %s\n", c.log.s, argv[0], r.why.s);
	} else {
		operands(argc, argv, r.first, ops, sizeof(ops));
		sb_printf(out, "%s|%s", c.log.s, ops);
	}
	opt_result_free(&r);
	sb_free(&c.log);
}

static void
run_glibc(const char *line, FILE *err, strbuf *out)
{
	static struct option longopts[16];
	static char shortopts[32];
	char buf[256], *argv[MAX_WORDS + 1], ops[256], line_err[1024];
	int argc = split(line, buf, sizeof(buf), argv), ch, saved;
	size_t i, n = 0, k = 0;

	if (shortopts[0] == '\0') {
		for (i = 0; diff_spec[i].name != NULL ||
		    diff_spec[i].letter != 0; i++) {
			if (diff_spec[i].letter != 0) {
				shortopts[k++] = (char)diff_spec[i].letter;
				if (diff_spec[i].has_arg)
					shortopts[k++] = ':';
			}
			if (diff_spec[i].name != NULL) {
				longopts[n].name = diff_spec[i].name;
				longopts[n].has_arg = diff_spec[i].has_arg ?
				    required_argument : no_argument;
				longopts[n].val = 256 + diff_spec[i].id;
				n++;
			}
		}
	}
	fflush(stderr);
	saved = dup(2);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_eq(ftruncate(fileno(err), 0), 0);
	rewind(err);
	dup2(fileno(err), 2);
	optind = 0;	/* glibc: start again, re-reading POSIXLY_CORRECT */
	opterr = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		if (ch == '?')
			break;
		for (i = 0; ch < 256 && diff_spec[i].letter != ch; i++)
			;
		if (optarg != NULL)
			sb_printf(out, "%d=%s;", ch >= 256 ? ch - 256 :
			    diff_spec[i].id, optarg);
		else
			sb_printf(out, "%d;", ch >= 256 ? ch - 256 :
			    diff_spec[i].id);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(err);
	n = fread(line_err, 1, sizeof(line_err) - 1, err);
	line_err[n] = '\0';
	if (ch == '?') {
		sb_printf(out, "|%s", line_err);
	} else {
		ck_assert_str_eq(line_err, "");
		operands(argc, argv, optind, ops, sizeof(ops));
		sb_printf(out, "|%s", ops);
	}
}

static void
compare(const char *line, FILE *err)
{
	strbuf a, b;

	sb_init(&a);
	sb_init(&b);
	run_ours(line, &a);
	run_glibc(line, err, &b);
	ck_assert_msg(strcmp(a.s, b.s) == 0, "'%s': ours '%s', glibc '%s'",
	    line, a.s, b.s);
	sb_free(&a);
	sb_free(&b);
}

static void
as_glibc(int posix)
{
	const size_t nv = sizeof(vocab) / sizeof(vocab[0]);
	FILE *err = tmpfile();
	char line[256];
	size_t a, b, c, k;
	unsigned seed = 12;

	ck_assert_ptr_nonnull(err);
	if (posix)
		ck_assert_int_eq(setenv("POSIXLY_CORRECT", "1", 1), 0);
	for (a = 0; a < nv; a++) {
		compare(vocab[a], err);
		for (b = 0; b < nv; b++) {
			snprintf(line, sizeof(line), "%s %s", vocab[a], vocab[b]);
			compare(line, err);
			for (c = 0; c < nv; c += posix ? 3 : 1) {
				snprintf(line, sizeof(line), "%s %s %s",
				    vocab[a], vocab[b], vocab[c]);
				compare(line, err);
			}
		}
	}
	for (a = 0; a < 3000; a++) {
		size_t len = 0, words = 4 + rand_r(&seed) % 4;

		for (k = 0; k < words; k++)
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s", k ? " " : "", vocab[rand_r(&seed) % nv]);
		compare(line, err);
	}
	fclose(err);
	unsetenv("POSIXLY_CORRECT");
}

START_TEST(same_as_glibc)
{
	as_glibc(0);
}
END_TEST

START_TEST(same_as_glibc_posixly_correct)
{
	as_glibc(1);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc = tcase_create("options");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, stores_flags_and_calls);
	tcase_add_test(tc, abbreviations);
	tcase_add_test(tc, error_words);
	tcase_add_test(tc, callback_stops_or_fails);
	tcase_add_test(tc, posixly_correct);
	tcase_add_test(tc, same_as_glibc);
	tcase_add_test(tc, same_as_glibc_posixly_correct);
	suite_add_tcase(s, tc);
	return s;
}
