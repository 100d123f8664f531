/*
 * cli/cmd_report.c - `authmilter report`: DMARC aggregate reports from
 * the history store, written out or sent.
 *
 *   authmilter report [--history DB] --from DATE --to DATE [--domain D]
 *       [--format xml|xml7489|json] [--out DIR] [--send] [--dry-run]
 *       [--prune-before DATE] [-c FILE] [DNS flags]
 *
 * One report per policy domain for the period [--from, --to) (DATE is
 * YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, UTC, or Unix seconds). Without --out
 * or --send the reports go to stdout. --out writes each as DIR/<RFC 9990
 * file name>. --send mails each to every rua mailto: of its policy
 * through report_sendmail: each stored URI is parsed again
 * (dmarc_uri_parse, dmarc/uri.c: one RFC 5321 mailbox, else refused and
 * said, as the store may hold rows written before that rule), an
 * external destination is used only when DNS confirms its domain (RFC
 * 9990 4), a URI whose !size the message exceeds is skipped and said,
 * and every (report, destination) sent is recorded in the store, so a
 * rerun resends nothing and a failed send is retried by the next run.
 * The command gets "-f SENDER -- RECIPIENT" appended, one recipient per
 * run; words that would let header text choose recipients (-t) or set
 * the sender twice (-f, -r, --) refuse the run. --dry-run says what --send would do. --prune-before
 * deletes older records. Exit 0 when everything asked was done, 1 when a
 * store, DNS or sendmail operation failed, 2 on bad usage.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report/history.h"
#include "config/config.h"
#include "util/strbuf.h"

#define REPORT_MAX_DOMAINS 100000   /* policy domains per run */
#define REPORT_MAX_ARGV 32          /* words of report_sendmail */
#define REPORT_EXTRA_ARGV 4         /* -f SENDER -- RECIPIENT */
#define REPORT_GENERATOR "authmilter 0.1.0"

typedef struct report_opts {
	const char *config_path;
	int config_given;
	cli_overrides cov;
	int64_t from, to, prune;
	int have_from, have_to, have_prune;
	const char *domain, *out_dir, *format;
	int send, dry_run;
} report_opts;

typedef struct domain_list {
	char **v;
	size_t n, cap;
} domain_list;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter report [--history DB] --from DATE --to DATE [--domain D]\n"
	    "           [--format xml|xml7489|json] [--out DIR] [--send] [--dry-run]\n"
	    "           [--prune-before DATE] [-c FILE] [DNS options]\n"
	    "\n"
	    "Builds one DMARC aggregate report per policy domain for [--from, --to).\n"
	    "  --history DB         the store (SQLite path or postgresql:// URI)\n"
	    "  --from/--to DATE     YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or Unix seconds\n"
	    "  --domain D           only the reports of policy domain D\n"
	    "  --format F           xml (RFC 9990, default), xml7489 (RFC 7489) or json\n"
	    "  --out DIR            write each report to DIR/<RFC 9990 file name>\n"
	    "  --send               mail each report to its rua mailto: destinations\n"
	    "  --dry-run            with --send: say what would be sent, send nothing\n"
	    "  --prune-before DATE  delete the records older than DATE\n"
	    "  -c FILE              config file (default " CONFIG_DEFAULT_PATH " if present)\n"
	    "%s", cli_dns_usage());
}

static int
parse_date(const char *s, int64_t *out)
{
	struct tm tm;
	char *end;
	long long v;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno != 0)
			return -1;
		*out = v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end != NULL && *end == 'T')
		end = strptime(end, "T%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*out = (int64_t)timegm(&tm);
	return 0;
}


enum { O_FROM = 1, O_TO, O_PRUNE };

static int
report_option(void *arg, int id, const char *val)
{
	report_opts *o = arg;
	int rc;

	switch (id) {
	case O_FROM: rc = parse_date(val, &o->from); o->have_from = 1; break;
	case O_TO: rc = parse_date(val, &o->to); o->have_to = 1; break;
	case O_PRUNE: rc = parse_date(val, &o->prune); o->have_prune = 1; break;
	default: rc = cli_override_option(&o->cov, id, val); break;
	}
	if (rc < 0) {
		fprintf(stderr, "authmilter report: bad value '%s'\n", val);
		return OPT_FAIL;
	}
	return OPT_OK;
}

/* CLI_PARSED, or the exit code. */
static int
parse_args(int argc, char **argv, report_opts *o)
{
	const opt_spec spec[] = {
		{ "history", 0, OPT_ARG, CLI_OPT_HISTORY, NULL, NULL },
		{ "from", 0, OPT_ARG, O_FROM, NULL, NULL },
		{ "to", 0, OPT_ARG, O_TO, NULL, NULL },
		{ "domain", 0, OPT_ARG, 0, &o->domain, NULL },
		{ "format", 0, OPT_ARG, 0, &o->format, NULL },
		{ "out", 0, OPT_ARG, 0, &o->out_dir, NULL },
		{ "send", 0, OPT_NOARG, 0, NULL, &o->send },
		{ "dry-run", 0, OPT_NOARG, 0, NULL, &o->dry_run },
		{ "prune-before", 0, OPT_ARG, O_PRUNE, NULL, NULL },
		CLI_CONFIG_OPTS(&o->config_path, &o->config_given),
		OPT_END,
	};
	static const cli_usage u = { usage, NULL };
	int first, rc;

	rc = cli_options(argc, argv, spec, report_option, o, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc || (!o->have_prune && (!o->have_from ||
	    !o->have_to)) || o->have_from != o->have_to ||
	    (o->have_from && o->from >= o->to)) {
		fprintf(stderr, "authmilter report: --from and --to (from < to) "
		    "are required, unless only --prune-before is given\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_overrides_done(&o->cov) < 0)
		return CLI_EXIT_USAGE;
	return CLI_PARSED;
}

static int
on_domain(void *arg, const char *domain)
{
	domain_list *l = arg;
	char **nv;

	if (l->n >= REPORT_MAX_DOMAINS)
		return -1;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		nv = realloc(l->v, cap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = strdup(domain);
	if (l->v[l->n] == NULL)
		return -1;
	l->n++;
	return 0;
}

static int
on_row(void *arg, const report_record *row, uint64_t count)
{
	return report_writer_row(arg, row, count);
}

typedef struct ctx {
	report_opts *o;
	am_config *cfg;
	history *h;
	dns_resolver *r;
	report_format fmt;
	char submitter[DMARC_DOMAIN_BUF], email[512], org_name[256];
	char sender[DMARC_MAILBOX_MAX + 1];  /* the envelope sender (-f) */
	/* --send: report_sendmail split and checked once (send_setup), then
	 * "-f" sender "--" recipient per run (sendmail) */
	char *sm_copy, *sm_argv[REPORT_MAX_ARGV + REPORT_EXTRA_ARGV + 1];
	size_t sm_argc;
	int failures;
} ctx;

/* Splits report_sendmail into words (in copy, which the caller frees);
 * -1 with why when it is empty, too long, or holds a word that would let
 * the message's header fields choose recipients or set the sender. */
static int
sendmail_words(const char *cmd, char **copy, char **argv, size_t *argc,
    char *why, size_t whylen)
{
	char *w, *save = NULL;

	*argc = 0;
	*copy = strdup(cmd != NULL ? cmd : "");
	if (*copy == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	for (w = strtok_r(*copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (*argc == REPORT_MAX_ARGV)
			return snprintf(why, whylen, "report_sendmail has more "
			    "than %d words", REPORT_MAX_ARGV), -1;
		if (*argc > 0 && w[0] == '-') {
			/* options whose argument follows in the same word */
			int arg = w[1] != '\0' && strchr("oOFBNRVXCLhpq",
			    w[1]) != NULL;

			if (strcmp(w, "--") == 0 || w[1] == 'f' || w[1] == 'r')
				return snprintf(why, whylen, "report_sendmail "
				    "must not set the sender or end the options "
				    "('%.16s'): authmilter adds -f SENDER -- "
				    "RECIPIENT (report_envelope_from)", w), -1;
			if (!arg && strchr(w + 1, 't') != NULL)
				return snprintf(why, whylen, "report_sendmail "
				    "must not use -t (recipients read from header "
				    "fields): authmilter passes each recipient as "
				    "an argument"), -1;
		}
		argv[(*argc)++] = w;
	}
	if (*argc == 0)
		return snprintf(why, whylen, "report_sendmail is empty"), -1;
	return 0;
}

/* Runs report_sendmail -f sender -- rcpt (the words send_setup kept)
 * with the message on its stdin; 0 when it exits 0. */
static int
sendmail(ctx *c, const char *rcpt, const strbuf *msg, char *why,
    size_t whylen)
{
	char **argv = c->sm_argv;
	size_t argc = c->sm_argc, off = 0;
	int fds[2], status;
	pid_t pid;

	argv[argc++] = (char *)"-f";
	argv[argc++] = c->sender;
	argv[argc++] = (char *)"--";
	argv[argc++] = (char *)rcpt;
	argv[argc] = NULL;
	if (pipe(fds) < 0)
		return snprintf(why, whylen, "pipe: %s", strerror(errno)), -1;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return snprintf(why, whylen, "fork: %s", strerror(errno)), -1;
	}
	if (pid == 0) {
		dup2(fds[0], 0);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	/* a sendmail that exits early must not kill us with SIGPIPE: the
	 * write fails with EPIPE and the send counts as failed */
	signal(SIGPIPE, SIG_IGN);
	while (off < msg->len) {
		ssize_t n = write(fds[1], msg->s + off, msg->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "%s exited with status %d", argv[0],
		    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return -1;
	}
	if (off < msg->len) {
		snprintf(why, whylen, "%s did not read the whole report "
		    "(%zu of %zu bytes)", argv[0], off, msg->len);
		return -1;
	}
	return 0;
}

static int
same_org(const char *host, const char *org)
{
	size_t hl = strlen(host), ol = strlen(org);

	if (strcasecmp(host, org) == 0)
		return 1;
	return hl > ol && host[hl - ol - 1] == '.' &&
	    strcasecmp(host + hl - ol, org) == 0;
}

/* RFC 9990 4 (RFC 7489 7.1): host is the domain of the validated mailbox
 * mb. 1 confirmed (mb may be replaced by an override rua on the same
 * host), 0 not, -1 temporary failure. */
static int
verify_external(ctx *c, const char *policy_domain, const char *host,
    dmarc_mailbox *mb, char *why, size_t whylen)
{
	char name[DNS_MAX_NAME_LEN + 64];
	dns_answer *a;
	size_t i, k;
	int ok = 0;

	if (snprintf(name, sizeof(name), "%s._report._dmarc.%s", policy_domain,
	    host) >= (int)sizeof(name) || strlen(name) > DNS_MAX_NAME_LEN) {
		snprintf(why, whylen, "%s: name too long", name);
		return 0;
	}
	if (c->r == NULL) {
		dns_config dc;

		config_dns(c->cfg, &dc);
		c->r = cli_dns_resolver(&dc);
		if (c->r == NULL)
			return snprintf(why, whylen, "no resolver"), -1;
	}
	a = dns_lookup(c->r, name, DNS_T_TXT);
	if (a == NULL || a->status == DNS_TEMPFAIL) {
		snprintf(why, whylen, "%s TXT: temporary failure", name);
		dns_answer_free(a);
		return -1;
	}
	for (i = 0; a->status == DNS_RECORDS && i < a->count; i++) {
		dmarc_record rec;
		char w[160];

		if (a->records[i].type != DNS_T_TXT ||
		    dmarc_record_parse(a->records[i].u.txt.text,
		    a->records[i].u.txt.len, DMARC_MODE_RFC9989, &rec, w,
		    sizeof(w)) == DMARC_RECORD_NOT_DMARC)
			continue;
		ok = 1;
		for (k = 0; k < rec.nrua; k++) {
			dmarc_mailbox o;

			if (dmarc_mailto_parse(rec.rua[k].uri,
			    strlen(rec.rua[k].uri), &o, NULL, 0) < 0 ||
			    strcmp(o.domain, host) != 0) {
				/* RFC 9990 4: an override elsewhere voids both */
				snprintf(why, whylen, "%s names another host", name);
				dns_answer_free(a);
				return 0;
			}
			*mb = o;
		}
		break;
	}
	if (!ok)
		snprintf(why, whylen, "%s has no v=DMARC1 record", name);
	dns_answer_free(a);
	return ok;
}

/* One stored rua URI ("uri" or "uri!octets") to one report. */
static void
send_one(ctx *c, const report_record *pol, const char *pd,
    const report_meta *meta, const strbuf *doc, const char *uri)
{
	char shown[DMARC_MAX_URI_LEN + 32], why[512];
	dmarc_uri u;
	dmarc_mailbox mb;
	report_mail m;
	strbuf msg;
	int v;

	report_clean(shown, sizeof(shown), uri, 1); /* for the eyes only */
	if (dmarc_uri_parse(uri, strlen(uri), &u, why, sizeof(why)) < 0) {
		printf("%s: %s: refused (%s)\n", pd, shown, why);
		return;
	}
	if (!u.mailto) {
		printf("%s: %s: not a mailto: URI, skipped\n", pd, shown);
		return;
	}
	if (dmarc_mailto_parse(u.uri, strlen(u.uri), &mb, why,
	    sizeof(why)) < 0) { /* dmarc_uri_parse checked it: cannot be */
		printf("%s: %s: refused (%s)\n", pd, shown, why);
		return;
	}
	/* RFC 9990 4: checked on the domain the mail would really go to */
	if (c->cfg->report_verify_external && !same_org(mb.domain,
	    pol->org_domain[0] ? pol->org_domain : pol->policy_domain)) {
		v = verify_external(c, pd, mb.domain, &mb, why, sizeof(why));
		if (v <= 0) {
			printf("%s: %s: external destination not confirmed "
			    "(%s)%s\n", pd, shown, why, v < 0 ?
			    "; retried next run" : "");
			if (v < 0)
				c->failures++;
			return;
		}
	}
	v = history_sent(c->h, meta->report_id, mb.addr, why, sizeof(why));
	if (v != 0) {
		if (v < 0) {
			fprintf(stderr, "authmilter report: %s\n", why);
			c->failures++;
		} else {
			printf("%s: already sent to %s\n", pd, mb.addr);
		}
		return;
	}
	memset(&m, 0, sizeof(m));
	m.meta = meta;
	m.policy_domain = pd;
	m.to = mb.addr;
	m.fmt = c->fmt;
	m.doc = doc->s;
	m.doclen = doc->len;
	sb_init(&msg);
	if (report_mime(&m, &msg, why, sizeof(why)) < 0) {
		fprintf(stderr, "authmilter report: %s: %s\n", mb.addr, why);
		c->failures++;
	} else if (u.max_size != 0 && msg.len > u.max_size) {
		/* RFC 9990 2.5: a URI whose limit is exceeded MUST NOT be used */
		printf("%s: report of %zu octets exceeds the limit %" PRIu64
		    " of %s, not sent\n", pd, msg.len, u.max_size, shown);
	} else if (c->o->dry_run) {
		printf("%s: would send %zu octets to %s (%s -f %s -- %s)\n",
		    pd, msg.len, mb.addr, c->cfg->report_sendmail, c->sender,
		    mb.addr);
	} else if (sendmail(c, mb.addr, &msg, why, sizeof(why)) < 0) {
		fprintf(stderr, "authmilter report: %s: sending to %s failed "
		    "(%s); retried next run\n", pd, mb.addr, why);
		c->failures++;
	} else if (history_mark_sent(c->h, meta->report_id, mb.addr,
	    (int64_t)time(NULL), why, sizeof(why)) < 0) {
		fprintf(stderr, "authmilter report: sent to %s but not "
		    "recorded: %s\n", mb.addr, why);
		c->failures++;
	} else {
		printf("%s: sent to %s (%zu octets)\n", pd, mb.addr, msg.len);
	}
	sb_free(&msg);
}

static void
send_report(ctx *c, const report_record *pol, const char *pd,
    const report_meta *meta, const strbuf *doc)
{
	char list[REPORT_URIS_BUF], *uri, *save = NULL;

	snprintf(list, sizeof(list), "%s", pol->rua);
	if (list[0] == '\0')
		printf("%s: no rua, nothing to send\n", pd);
	for (uri = strtok_r(list, ",", &save); uri != NULL;
	    uri = strtok_r(NULL, ",", &save))
		send_one(c, pol, pd, meta, doc, uri);
}

static int
write_file(const char *dir, const char *name, const strbuf *doc)
{
	char path[4096];
	FILE *fp;
	int ok;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -1;
	fp = fopen(path, "w");
	if (fp == NULL) {
		fprintf(stderr, "authmilter report: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	ok = fwrite(doc->s, 1, doc->len, fp) == doc->len;
	if (fclose(fp) != 0 || !ok) {
		fprintf(stderr, "authmilter report: %s: write error\n", path);
		return -1;
	}
	printf("%s\n", path);
	return 0;
}

static void
one_report(ctx *c, const char *domain)
{
	report_record *pol = malloc(sizeof(*pol));
	char rid[2 * DMARC_DOMAIN_BUF + 64], why[512], fname[2 * DMARC_DOMAIN_BUF + 64];
	char pd[DMARC_DOMAIN_BUF];
	report_meta meta;
	report_writer *w = NULL;
	strbuf doc;

	sb_init(&doc);
	/* the store's name as shown, in file names and in the mail: the
	 * raw one is only used to query the store */
	report_clean(pd, sizeof(pd), domain, 1);
	if (pol == NULL || history_policy(c->h, domain, c->o->from, c->o->to,
	    pol, why, sizeof(why)) <= 0) {
		fprintf(stderr, "authmilter report: %s: no policy\n", pd);
		c->failures++;
		goto out;
	}
	snprintf(rid, sizeof(rid), "%" PRId64 ".%" PRId64 ".%s@%s",
	    c->o->from, c->o->to - 1, pd, c->submitter);
	memset(&meta, 0, sizeof(meta));
	meta.org_name = c->org_name;
	meta.email = c->email;
	meta.submitter = c->submitter;
	meta.report_id = rid;
	meta.begin = c->o->from;
	meta.end = c->o->to - 1;
	meta.generator = REPORT_GENERATOR;
	w = report_writer_new(c->fmt, &meta, pol, why, sizeof(why));
	if (w == NULL || history_rows(c->h, domain, c->o->from, c->o->to,
	    on_row, w, why, sizeof(why)) < 0 ||
	    report_writer_finish(w, &doc) < 0) {
		fprintf(stderr, "authmilter report: %s: %s\n", pd,
		    w == NULL ? why : "cannot build the report");
		c->failures++;
		goto out;
	}
	if (c->o->out_dir != NULL) {
		if (report_filename(&meta, pd, c->fmt, 0, fname,
		    sizeof(fname)) < 0) {
			fprintf(stderr, "authmilter report: %s: no safe file "
			    "name for this domain\n", pd);
			c->failures++;
		} else if (write_file(c->o->out_dir, fname, &doc) < 0) {
			c->failures++;
		}
	} else if (!c->o->send) {
		fwrite(doc.s, 1, doc.len, stdout);
	}
	if (c->o->send)
		send_report(c, pol, pd, &meta, &doc);
out:
	report_writer_free(w);
	sb_free(&doc);
	free(pol);
}

static void
identity(ctx *c)
{
	const char *at;

	if (c->cfg->report_submitter[0] != '\0')
		snprintf(c->submitter, sizeof(c->submitter), "%s",
		    c->cfg->report_submitter);
	else if ((at = strrchr(c->cfg->report_email, '@')) != NULL)
		snprintf(c->submitter, sizeof(c->submitter), "%s", at + 1);
	else
		snprintf(c->submitter, sizeof(c->submitter), "%s",
		    c->cfg->authserv_id);
	if (c->cfg->report_email[0] != '\0')
		snprintf(c->email, sizeof(c->email), "%s", c->cfg->report_email);
	else
		snprintf(c->email, sizeof(c->email), "postmaster@%s",
		    c->submitter);
	snprintf(c->org_name, sizeof(c->org_name), "%s",
	    c->cfg->report_org_name[0] ? c->cfg->report_org_name : c->submitter);
}

/* --send: the envelope sender is one mailbox and report_sendmail has no
 * word that would let header text choose recipients (its words kept in
 * c for sendmail); -1 said when not. */
static int
send_setup(ctx *c)
{
	const char *env = c->cfg->report_envelope_from[0] != '\0' ?
	    c->cfg->report_envelope_from : c->email;
	char why[256];
	dmarc_mailbox mb;
	int rc;

	if (dmarc_mailbox_parse(env, strlen(env), &mb, why, sizeof(why)) < 0) {
		fprintf(stderr, "authmilter report: the envelope sender (%s) is "
		    "not one mailbox: %s\n", c->cfg->report_envelope_from[0] ?
		    "report_envelope_from" : "report_email or postmaster@"
		    "submitter", why);
		return -1;
	}
	snprintf(c->sender, sizeof(c->sender), "%s", mb.addr);
	rc = sendmail_words(c->cfg->report_sendmail, &c->sm_copy, c->sm_argv,
	    &c->sm_argc, why, sizeof(why));
	if (rc < 0)
		fprintf(stderr, "authmilter report: %s\n", why);
	return rc;
}

int
cmd_report(int argc, char **argv)
{
	report_opts o;
	am_config cfg;
	domain_list dl = { NULL, 0, 0 };
	ctx c;
	char err[512];
	size_t i;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	o.config_path = CONFIG_DEFAULT_PATH;
	rc = parse_args(argc, argv, &o);
	if (rc != CLI_PARSED)
		return rc;
	if (config_build(&cfg, o.config_path, o.config_given, o.cov.ov, o.cov.n,
	    err, sizeof(err)) < 0) {
		fprintf(stderr, "authmilter: %s\n", err);
		return CLI_EXIT_FAILURE;
	}
	c.o = &o;
	c.cfg = &cfg;
	c.fmt = (report_format)cfg.report_format;
	if (o.format != NULL && report_format_from_name(o.format, &c.fmt) < 0) {
		fprintf(stderr, "authmilter report: --format: xml, xml7489 or "
		    "json\n");
		config_free(&cfg);
		return CLI_EXIT_USAGE;
	}
	identity(&c);
	if (o.send && o.have_from && send_setup(&c) < 0) {
		free(c.sm_copy);
		config_free(&cfg);
		return CLI_EXIT_FAILURE;
	}
	c.h = history_open(cfg.history, err, sizeof(err));
	if (c.h == NULL) {
		fprintf(stderr, "authmilter report: %s\n", err);
		free(c.sm_copy);
		config_free(&cfg);
		return CLI_EXIT_FAILURE;
	}
	if (o.have_from) {
		if (history_domains(c.h, o.from, o.to, o.domain, on_domain, &dl,
		    err, sizeof(err)) < 0) {
			fprintf(stderr, "authmilter report: %s\n", err);
			c.failures++;
		}
		for (i = 0; i < dl.n; i++)
			one_report(&c, dl.v[i]);
	}
	if (o.have_prune) {
		uint64_t n;

		if (history_prune(c.h, o.prune, &n, err, sizeof(err)) < 0) {
			fprintf(stderr, "authmilter report: prune: %s\n", err);
			c.failures++;
		} else {
			printf("pruned %" PRIu64 " record(s) older than %" PRId64
			    "\n", n, o.prune);
		}
	}
	for (i = 0; i < dl.n; i++)
		free(dl.v[i]);
	free(dl.v);
	history_close(c.h);
	if (c.r != NULL)
		dns_resolver_free(c.r);
	free(c.sm_copy);
	config_free(&cfg);
	return c.failures ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}
