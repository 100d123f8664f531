/*
 * cli/cmd_report.c - `authmilter report`: DMARC aggregate reports from
 * the history store, written out or sent.
 *
 *   authmilter report [--history DB] [--from DATE --to DATE | --yesterday]
 *       [--domain D] [--format xml|xml7489|json] [--out DIR] [--send]
 *       [--dry-run] [--prune-before DATE] [-c FILE] [DNS flags]
 *   authmilter report --failure --send [--dry-run] [--history DB] [-c FILE]
 *
 * One report per policy domain for the period [--from, --to) (DATE is
 * YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, UTC, or Unix seconds). With no period
 * (and no lone --prune-before), or with --yesterday, the period is the
 * last complete UTC day: [00:00Z yesterday, 00:00Z today), what the daily
 * timer (contrib/systemd/authmilter-report.timer) sends. Without --out
 * or --send the report goes to stdout, when there is one: several would be
 * one concatenated text that is no valid XML or JSON document, so the run
 * refuses them (exit 2, nothing written) and asks for --out or --domain.
 * --out writes each as DIR/<RFC 9990 file name>. Messages give dates as
 * ISO 8601 UTC (2026-11-27T00:00:00Z), never Unix seconds. --send mails
 * each to every rua mailto: of its policy
 * through report_sendmail (report/report_send.h does the sending: each
 * stored URI parsed again, an external destination used only when DNS
 * confirms it (RFC 9990 4), a URI whose !size the message exceeds
 * skipped, every (report, destination) sent recorded in the store, so a
 * rerun resends nothing and a failed send is retried by the next run;
 * the command gets "-f SENDER -- RECIPIENT" appended, and words that
 * would let header text choose recipients (-t) or set the sender twice
 * (-f, -r, --) refuse the run); this file says each outcome.
 * --failure --send sends the failure reports (RFC 9991) the daemon queued
 * (failure_reports = yes; report/failure_send.c: the same destination
 * checks, failure_report_rate per domain and destination, each sent once);
 * it makes no aggregate report unless a period is given too.
 * --dry-run says what --send would do. --prune-before deletes older
 * records. Exit 0 when everything asked was done, 1 when a store, DNS or
 * sendmail operation failed, 2 on bad usage.
 */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "report/report_send.h"
#include "config/config.h"
#include "util/domain.h"
#include "util/strbuf.h"

#define REPORT_MAX_DOMAINS 100000   /* policy domains per run */
#define REPORT_GENERATOR "authmilter 0.1.0"
/* a UTC day in Unix time (POSIX time has no leap seconds): the default
 * period, the daily interval RFC 7489's ri= defaults to (6.3) */
#define REPORT_DAY_SECONDS 86400

typedef struct report_opts {
	const char *config_path;
	int config_given;
	cli_overrides cov;
	int64_t from, to, prune;
	int have_from, have_to, have_prune, yesterday;
	const char *domain, *out_dir, *format;
	int send, dry_run, failure;
} report_opts;

typedef struct domain_list {
	char **v;
	size_t n, cap;
} domain_list;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter report [--history DB] [--from DATE --to DATE | --yesterday]\n"
	    "           [--domain D] [--format xml|xml7489|json] [--out DIR] [--send]\n"
	    "           [--dry-run] [--prune-before DATE] [-c FILE] [DNS options]\n"
	    "       authmilter report --failure --send [--dry-run] [--history DB] [-c FILE]\n"
	    "\n"
	    "Builds one DMARC aggregate report per policy domain for [--from, --to),\n"
	    "by default the last complete UTC day.\n"
	    "  --history DB         the store (SQLite path or postgresql:// URI)\n"
	    "  --from/--to DATE     YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or Unix seconds\n"
	    "  --yesterday          [00:00Z yesterday, 00:00Z today): the default period\n"
	    "  --domain D           only the reports of policy domain D\n"
	    "  --format F           xml (RFC 9990, default), xml7489 (RFC 7489) or json\n"
	    "  --out DIR            write each report to DIR/<RFC 9990 file name>\n"
	    "                       (without it, on stdout: one report only)\n"
	    "  --send               mail each report to its rua mailto: destinations\n"
	    "  --dry-run            with --send: say what would be sent, send nothing\n"
	    "  --prune-before DATE  delete the records older than DATE\n"
	    "  --failure            with --send: send the queued DMARC failure reports\n"
	    "                       (RFC 9991; failure_reports = yes)\n"
	    "  -c FILE              config file (default " CONFIG_DEFAULT_PATH " if present)\n"
	    "  -h, --help           this text\n\n"
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

/* t as ISO 8601 UTC, 2026-11-27T00:00:00Z, for messages. */
static const char *
iso_date(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%" PRId64, t);
	return buf;
}

enum { O_FROM = 1, O_TO, O_PRUNE };

static int
report_option(void *arg, int id, const char *val)
{
	report_opts *o = arg;
	int rc;

	const char *flag;

	switch (id) {
	case O_FROM:
		rc = parse_date(val, &o->from); o->have_from = 1; flag = "from";
		break;
	case O_TO:
		rc = parse_date(val, &o->to); o->have_to = 1; flag = "to";
		break;
	case O_PRUNE:
		rc = parse_date(val, &o->prune); o->have_prune = 1;
		flag = "prune-before";
		break;
	default:	/* says why itself */
		return cli_override_option(&o->cov, id, val) < 0 ? OPT_FAIL :
		    OPT_OK;
	}
	if (rc < 0) {
		cli_err("--%s: '%s' is not a date (YYYY-MM-DD, "
		    "YYYY-MM-DDTHH:MM:SSZ or Unix seconds)\n", flag, val);
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
		{ "yesterday", 0, OPT_NOARG, 0, NULL, &o->yesterday },
		{ "domain", 0, OPT_ARG, 0, &o->domain, NULL },
		{ "format", 0, OPT_ARG, 0, &o->format, NULL },
		{ "out", 0, OPT_ARG, 0, &o->out_dir, NULL },
		{ "send", 0, OPT_NOARG, 0, NULL, &o->send },
		{ "dry-run", 0, OPT_NOARG, 0, NULL, &o->dry_run },
		{ "failure", 0, OPT_NOARG, 0, NULL, &o->failure },
		{ "prune-before", 0, OPT_ARG, O_PRUNE, NULL, NULL },
		CLI_CONFIG_OPTS(&o->config_path, &o->config_given),
		OPT_END,
	};
	static const cli_usage u = { usage };
	int first, rc;

	rc = cli_options(argc, argv, spec, report_option, o, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (o->have_from && o->have_to && o->from >= o->to) {
		char a[32], b[32];

		cli_err("--from %s is not before --to %s\n",
		    iso_date(o->from, a, sizeof(a)), iso_date(o->to, b, sizeof(b)));
		return CLI_EXIT_USAGE;
	}
	if (o->yesterday && (o->have_from || o->have_to)) {
		cli_err("--yesterday is a period of its own: give it or "
		    "--from and --to, not both\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (first < argc || o->have_from != o->have_to) {
		cli_err("--from and --to go together (from < to); with "
		    "neither the period is the last complete UTC day\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	/* no period: the last complete UTC day, unless only pruning was
	 * asked for (then no report) */
	if (o->failure && !o->send) {
		cli_err("--failure sends the queued failure reports: give "
		    "--send (with --dry-run to only say what it would send)\n");
		return CLI_EXIT_USAGE;
	}
	if (!o->have_from && (o->yesterday || (!o->have_prune &&
	    !o->failure))) {
		int64_t now = (int64_t)time(NULL);

		o->to = now - now % REPORT_DAY_SECONDS;
		o->from = o->to - REPORT_DAY_SECONDS;
		o->have_from = o->have_to = 1;
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

typedef struct ctx {
	report_opts *o;
	am_config *cfg;
	history *h;
	dns_resolver *r;
	report_format fmt;
	char submitter[DMARC_DOMAIN_BUF], email[512], org_name[256];
	report_sender sm;	/* --send: report_sendmail and the sender */
	int failures;
	unsigned abandoned;	/* failure reports given up (--failure) */
	struct report_cur *cur;	/* the report being written, or NULL */
	char last[DMARC_DOMAIN_BUF];	/* the store's name of the last domain */
	size_t ndomains;
} ctx;

/* The resolver for RFC 9990 4 checks, built when first needed. */
static dns_resolver *
resolver(void *arg)
{
	ctx *c = arg;
	dns_config dc;

	if (c->r == NULL) {
		config_dns(c->cfg, &dc);
		c->r = cli_dns_resolver(&dc);
	}
	return c->r;
}

/* What became of one destination of one report (report_send.h). */
static void
say_sent(void *arg, const char *pd, const report_send_outcome *s)
{
	ctx *c = arg;

	switch (s->status) {
	case REPORT_SEND_NO_RUA:
		printf("%s: no rua, nothing to send\n", pd);
		break;
	case REPORT_SEND_REFUSED:
		printf("%s: %s: refused (%s)\n", pd, s->uri, s->why);
		break;
	case REPORT_SEND_NOT_MAILTO:
		printf("%s: %s: not a mailto: URI, skipped\n", pd, s->uri);
		break;
	case REPORT_SEND_UNCONFIRMED:
	case REPORT_SEND_UNCONFIRMED_TEMP:
		printf("%s: %s: external destination not confirmed (%s)%s\n",
		    pd, s->uri, s->why, s->status ==
		    REPORT_SEND_UNCONFIRMED_TEMP ? "; retried next run" : "");
		break;
	case REPORT_SEND_STORE_ERROR:
		cli_err("%s\n", s->why);
		break;
	case REPORT_SEND_ALREADY_SENT:
		printf("%s: already sent to %s\n", pd, s->mailbox);
		break;
	case REPORT_SEND_BUILD_ERROR:
		cli_err("%s: %s\n", s->mailbox,
		    s->why);
		break;
	case REPORT_SEND_TOO_BIG:
		printf("%s: report of %zu octets exceeds the limit %" PRIu64
		    " of %s, not sent\n", pd, s->octets, s->limit, s->uri);
		break;
	case REPORT_SEND_DRY_RUN:
		printf("%s: would send %zu octets to %s (%s -f %s -- %s)\n",
		    pd, s->octets, s->mailbox, c->cfg->report_sendmail,
		    c->sm.sender, s->mailbox);
		break;
	case REPORT_SEND_FAILED:
		cli_err("%s: sending to %s failed "
		    "(%s); retried next run\n", pd, s->mailbox, s->why);
		break;
	case REPORT_SEND_NOT_RECORDED:
		cli_err("sent to %s but not "
		    "recorded: %s\n", s->mailbox, s->why);
		break;
	case REPORT_SEND_SENT:
		printf("%s: sent to %s (%zu octets)\n", pd, s->mailbox,
		    s->octets);
		break;
	case REPORT_SEND_RATE_LIMITED:
		printf("%s: %s: not sent: %s\n", pd, s->mailbox, s->why);
		break;
	case REPORT_SEND_ABANDONED:
		c->abandoned++;
		cli_err("%s: %s; not retried\n", pd, s->why);
		break;
	}
}

/* Where one report's octets go as they are written: a file (--out, via
 * a temporary name renamed into place when complete, so a failed report
 * leaves no file), stdout, and/or gzip'd in memory (--send: the message
 * is built from the compressed document, ~20x smaller than the text). */
typedef struct report_out {
	FILE *fp;
	report_gz *gz;	/* --send: the document gzip'd as it comes */
	int failed;
} report_out;

static int
to_out(void *arg, const char *data, size_t len)
{
	report_out *o = arg;

	if (o->fp != NULL && fwrite(data, 1, len, o->fp) != len)
		o->failed = 1;
	if (o->gz != NULL && report_gz_write(o->gz, data, len) < 0)
		o->failed = 1;
	return o->failed ? -1 : 0;
}

/* DIR/.NAME.XXXXXX, created mode 0666 less the umask as fopen would */
static FILE *
open_tmp(const char *dir, const char *name, char *tmp, size_t tmplen)
{
	mode_t um;
	FILE *fp;
	int fd;

	if (snprintf(tmp, tmplen, "%s/.%s.XXXXXX", dir, name) >= (int)tmplen)
		return NULL;
	fd = mkstemp(tmp);
	if (fd < 0) {
		cli_err("%s: %s\n", tmp, strerror(errno));
		return NULL;
	}
	um = umask(0);
	umask(um);
	fp = fchmod(fd, 0666 & ~um) == 0 ? fdopen(fd, "w") : NULL;
	if (fp == NULL) {
		cli_err("%s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
	}
	return fp;
}

/* The document written to tmp is complete: closed and renamed to
 * DIR/NAME. -1 said (tmp removed). */
static int
commit_file(FILE *fp, const char *tmp, const char *dir, const char *name,
    int ok)
{
	char path[4096];

	if (fclose(fp) != 0 || !ok) {
		cli_err("%s/%s: write error\n", dir, name);
		unlink(tmp);
		return -1;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || rename(tmp, path) != 0) {
		cli_err("%s/%s: %s\n", dir, name, strerror(errno));
		unlink(tmp);
		return -1;
	}
	printf("%s\n", path);
	return 0;
}

/* The report being written: the rows of one policy domain come one after
 * the other from history_rows_all, and only this one document is open. */
typedef struct report_cur {
	report_record pol;
	char rid[2 * DMARC_DOMAIN_BUF + 64], fname[2 * DMARC_DOMAIN_BUF + 64];
	char pd[DMARC_DOMAIN_BUF], tmp[4096], why[512];
	report_meta meta;
	report_writer *w;	/* NULL: this domain's rows are skipped */
	report_out out;
	strbuf doc;
} report_cur;

/* A report starts: its policy, its destination, its writer; c->cur->w
 * stays NULL (said, counted) when it cannot be written. */
static void
report_begin(ctx *c, const char *domain)
{
	report_cur *r = c->cur;

	memset(r, 0, sizeof(*r));
	sb_init(&r->doc);
	/* the store's name as shown, in file names and in the mail: the
	 * raw one is only used to query the store */
	report_clean(r->pd, sizeof(r->pd), domain, 1);
	if (history_policy(c->h, domain, c->o->from, c->o->to, &r->pol, r->why,
	    sizeof(r->why)) <= 0) {
		cli_err("%s: no policy\n", r->pd);
		c->failures++;
		return;
	}
	snprintf(r->rid, sizeof(r->rid), "%" PRId64 ".%" PRId64 ".%s@%s",
	    c->o->from, c->o->to - 1, r->pd, c->submitter);
	r->meta.org_name = c->org_name;
	r->meta.email = c->email;
	r->meta.submitter = c->submitter;
	r->meta.report_id = r->rid;
	r->meta.begin = c->o->from;
	r->meta.end = c->o->to - 1;
	r->meta.generator = REPORT_GENERATOR;
	if (c->o->out_dir != NULL) {
		if (report_filename(&r->meta, r->pd, c->fmt, 0, r->fname,
		    sizeof(r->fname)) < 0) {
			cli_err("%s: no safe file "
			    "name for this domain\n", r->pd);
			c->failures++;
			if (!c->o->send)
				return;
		} else if ((r->out.fp = open_tmp(c->o->out_dir, r->fname,
		    r->tmp, sizeof(r->tmp))) == NULL) {
			c->failures++;
			if (!c->o->send)
				return;
		}
	} else if (!c->o->send) {
		r->out.fp = stdout;
	}
	if (c->o->send && (r->out.gz = report_gz_new(&r->doc)) == NULL) {
		cli_err("%s: out of memory\n", r->pd);
		c->failures++;
		if (r->out.fp != NULL && r->out.fp != stdout) {
			fclose(r->out.fp);
			unlink(r->tmp);
		}
		r->out.fp = NULL;
		return;
	}
	r->w = report_writer_open(c->fmt, &r->meta, &r->pol, to_out, &r->out,
	    r->why, sizeof(r->why));
	if (r->w == NULL) {
		cli_err("%s: %s\n", r->pd, r->why);
		c->failures++;
		if (r->out.fp != NULL && r->out.fp != stdout) {
			fclose(r->out.fp);
			unlink(r->tmp);
		}
		r->out.fp = NULL;
	}
}

/* The report is complete (ok: every row was written): the file renamed
 * into place, the mail sent. */
static void
report_end(ctx *c, int ok)
{
	report_cur *r = c->cur;

	if (r->w == NULL)
		goto out;
	if (ok && report_writer_close(r->w) < 0)
		ok = 0;
	if (ok && r->out.gz != NULL && report_gz_finish(r->out.gz) < 0)
		ok = 0;
	if (r->out.fp != NULL && r->out.fp != stdout) {
		if (commit_file(r->out.fp, r->tmp, c->o->out_dir, r->fname,
		    ok) < 0)
			c->failures++;
	} else if (r->out.fp == stdout && fflush(stdout) != 0) {
		ok = 0;
	}
	if (!ok) {
		cli_err("%s: %s\n", r->pd, r->out.failed ? "write error" :
		    "cannot build the report");
		c->failures++;
	} else if (c->o->send) {
		report_send_job job = { &c->sm, c->h, c->fmt, c->o->dry_run,
		    c->cfg->report_verify_external, resolver, c, say_sent, c,
		    1 };

		c->failures += (int)report_send(&job, &r->pol, r->pd, &r->meta,
		    r->doc.s, r->doc.len);
	}
out:
	report_writer_free(r->w);
	r->w = NULL;
	report_gz_free(r->out.gz);
	r->out.gz = NULL;
	sb_free(&r->doc);
}

/* One grouped row of the walk: a new policy domain ends the report
 * before and starts its own. */
static int
on_row(void *arg, const report_record *row, uint64_t count)
{
	ctx *c = arg;

	if (c->ndomains == 0 || strcmp(row->policy_domain, c->last) != 0) {
		if (c->ndomains > 0)
			report_end(c, 1);
		if (c->ndomains >= REPORT_MAX_DOMAINS)
			return -1;
		snprintf(c->last, sizeof(c->last), "%s", row->policy_domain);
		c->ndomains++;
		report_begin(c, row->policy_domain);
	}
	if (c->cur->w != NULL && report_writer_row(c->cur->w, row, count) < 0) {
		/* this report fails; the walk goes on with the next one */
		report_end(c, 0);
	}
	return 0;
}

/* Every report of the period, in one pass over the store. */
static void
all_reports(ctx *c)
{
	char why[512];
	int rc;

	c->cur = malloc(sizeof(*c->cur));
	if (c->cur == NULL) {
		cli_err("out of memory\n");
		c->failures++;
		return;
	}
	memset(c->cur, 0, sizeof(*c->cur));
	rc = history_rows_all(c->h, c->o->from, c->o->to, c->o->domain, on_row,
	    c, why, sizeof(why));
	if (c->ndomains > 0)
		report_end(c, rc == 0);
	if (rc < 0) {
		if (c->ndomains >= REPORT_MAX_DOMAINS)
			cli_err("more than %d policy domains: the first %d "
			    "reported\n", REPORT_MAX_DOMAINS, REPORT_MAX_DOMAINS);
		else
			cli_err("%s\n", why);
		c->failures++;
	}
	free(c->cur);
	c->cur = NULL;
}

/* Several reports and nowhere but stdout: they would be one text that is
 * no valid document (XML allows one root, JSON one value). Say so, with
 * the period and the domains, and what to give instead. */
static void
report_refuse_stdout(const report_opts *o, const domain_list *dl)
{
	char a[32], b[32], pd[DMARC_DOMAIN_BUF];
	strbuf names;
	size_t i;

	sb_init(&names);
	for (i = 0; i < dl->n && i < 3; i++) {
		report_clean(pd, sizeof(pd), dl->v[i], 1);
		sb_printf(&names, "%s%s", i ? ", " : "", pd);
	}
	if (dl->n > 3)
		sb_printf(&names, ", ...");
	cli_err("%zu reports from %s to %s (%s): on stdout they would be one "
	    "text that is no valid XML or JSON document; give --out DIR (one "
	    "file each), --domain D (one report) or --send\n", dl->n,
	    iso_date(o->from, a, sizeof(a)), iso_date(o->to, b, sizeof(b)),
	    names.s);
	sb_free(&names);
}

/* The receiver domain reports default to: authserv_id, unless it is the
 * host name config_load() defaulted it to; then the host's canonical name
 * (FQDN, getaddrinfo AI_CANONNAME: "vm" is no domain a receiver can reply
 * to), falling back to the short name (report_default_domain). */
static void
default_domain(const char *authserv_id, char *out, size_t outlen)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	const char *canon = NULL;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (host[0] == '\0' || strcmp(host, authserv_id) != 0) {
		snprintf(out, outlen, "%s", authserv_id);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res != NULL)
		canon = res->ai_canonname;
	if (report_default_domain(host, canon, out, outlen) < 0)
		snprintf(out, outlen, "%s", authserv_id);
	if (res != NULL)
		freeaddrinfo(res);
}

/* 1 when the report address has a dotted domain, 0 when not (warned). */
static int
identity(ctx *c)
{
	const char *at;

	if (c->cfg->report_submitter[0] != '\0')
		snprintf(c->submitter, sizeof(c->submitter), "%s",
		    c->cfg->report_submitter);
	else if ((at = strrchr(c->cfg->report_email, '@')) != NULL)
		snprintf(c->submitter, sizeof(c->submitter), "%s", at + 1);
	else
		default_domain(c->cfg->authserv_id, c->submitter,
		    sizeof(c->submitter));
	if (c->cfg->report_email[0] != '\0')
		snprintf(c->email, sizeof(c->email), "%s", c->cfg->report_email);
	else
		snprintf(c->email, sizeof(c->email), "postmaster@%s",
		    c->submitter);
	snprintf(c->org_name, sizeof(c->org_name), "%s",
	    c->cfg->report_org_name[0] ? c->cfg->report_org_name : c->submitter);
	return report_domain_dotted(c->email);
}

/* --send: the envelope sender is one mailbox and report_sendmail has no
 * word that would let header text choose recipients (its words kept in
 * c->sm); -1 said when not. */
static int
send_setup(ctx *c)
{
	const char *env = c->cfg->report_envelope_from[0] != '\0' ?
	    c->cfg->report_envelope_from : c->email;
	char why[256];

	switch (report_send_setup(&c->sm, c->cfg->report_sendmail, env, why,
	    sizeof(why))) {
	case REPORT_SETUP_SENDER:
		cli_err("the envelope sender (%s) is "
		    "not one mailbox: %s\n", c->cfg->report_envelope_from[0] ?
		    "report_envelope_from" : "report_email or postmaster@"
		    "submitter", why);
		return -1;
	case REPORT_SETUP_COMMAND:
		cli_err("%s\n", why);
		return -1;
	}
	return 0;
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
		cli_err("%s\n", err);
		return CLI_EXIT_FAILURE;
	}
	c.o = &o;
	c.cfg = &cfg;
	c.fmt = (report_format)cfg.report_format;
	if (o.format != NULL && report_format_from_name(o.format, &c.fmt) < 0) {
		cli_err("--format: '%s' is not xml, xml7489 or json\n",
		    o.format);
		config_free(&cfg);
		return CLI_EXIT_USAGE;
	}
	if (!identity(&c) && o.have_from)
		cli_err("warning: reports come from %s, whose domain has no dot"
		    " (not fully qualified: receivers cannot reply); set"
		    " report_email\n", c.email);
	if (o.send && (o.have_from || o.failure) && send_setup(&c) < 0) {
		report_send_free(&c.sm);
		config_free(&cfg);
		return CLI_EXIT_FAILURE;
	}
	c.h = history_open_mode(cfg.history, HISTORY_EXISTING |
	    ((o.send && !o.dry_run) || o.have_prune ? HISTORY_WRITE : 0), err, sizeof(err));
	if (c.h == NULL) {
		cli_err("%s\n", err);
		report_send_free(&c.sm);
		config_free(&cfg);
		return CLI_EXIT_FAILURE;
	}
	for (i = 0; history_note_at(c.h, i) != NULL; i++)
		cli_err("%s\n", history_note_at(c.h, i));
	if (o.have_from) {
		/* on stdout only one report: the domains are counted first */
		if (o.out_dir == NULL && !o.send && history_domains(c.h,
		    o.from, o.to, o.domain, on_domain, &dl, err,
		    sizeof(err)) < 0) {
			cli_err("%s\n", err);
			c.failures++;
		}
		if (dl.n > 1 && o.out_dir == NULL && !o.send) {
			report_refuse_stdout(&o, &dl);
			rc = CLI_EXIT_USAGE;
			goto done;
		}
		if (c.failures == 0)
			all_reports(&c);
		if (c.ndomains == 0 && c.failures == 0) {
			char a[32], b[32];

			cli_err("no records from %s to %s%s%s: no report\n",
			    iso_date(o.from, a, sizeof(a)),
			    iso_date(o.to, b, sizeof(b)),
			    o.domain ? " for " : "", o.domain ? o.domain : "");
		}
	}
	if (o.failure) {
		report_send_job job = { &c.sm, c.h, c.fmt, o.dry_run,
		    cfg.report_verify_external, resolver, &c, say_sent, &c, 0 };

		c.failures += (int)report_failure_send(&job,
		    cfg.failure_report_rate, (int64_t)time(NULL), 0);
		if (c.abandoned > 0)
			cli_err("%u failure report(s) given up after %d days of "
			    "failed attempts\n", c.abandoned,
			    REPORT_FAILURE_GIVE_UP / 86400);
	}
	if (o.have_prune) {
		uint64_t n;

		if (history_prune(c.h, o.prune, &n, err, sizeof(err)) < 0) {
			cli_err("prune: %s\n", err);
			c.failures++;
		} else {
			char a[32];

			printf("pruned %" PRIu64 " record(s) older than %s\n",
			    n, iso_date(o.prune, a, sizeof(a)));
		}
	}
	rc = c.failures ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
done:
	for (i = 0; i < dl.n; i++)
		free(dl.v[i]);
	free(dl.v);
	history_close(c.h);
	if (c.r != NULL)
		dns_resolver_free(c.r);
	report_send_free(&c.sm);
	config_free(&cfg);
	return rc;
}
