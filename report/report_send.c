/*
 * report/report_send.c - sending DMARC aggregate reports by mail
 * (report_send.h): report_sendmail checked and run, each rua destination
 * checked, what was sent recorded in the history store. Never prints:
 * every outcome goes to the caller with its reason.
 */
#include "report/report_send.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/domain.h"

#define REPORT_SEND_EXTRA_WORDS 4	/* -f SENDER -- RECIPIENT */

/* Splits report_sendmail into words (in s->copy); -1 with why when it is
 * empty, too long, or holds a word that would let the message's header
 * fields choose recipients or set the sender. */
static int
sendmail_words(report_sender *s, const char *cmd, char *why, size_t whylen)
{
	char *w, *save = NULL;

	s->argc = 0;
	s->copy = strdup(cmd != NULL ? cmd : "");
	if (s->copy == NULL)
		return snprintf(why, whylen, "out of memory"), -1;
	for (w = strtok_r(s->copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save)) {
		if (s->argc == REPORT_SEND_MAX_WORDS)
			return snprintf(why, whylen, "report_sendmail has more "
			    "than %d words", REPORT_SEND_MAX_WORDS), -1;
		if (s->argc > 0 && w[0] == '-') {
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
		s->argv[s->argc++] = w;
	}
	if (s->argc == 0)
		return snprintf(why, whylen, "report_sendmail is empty"), -1;
	return 0;
}

int
report_send_setup(report_sender *s, const char *sendmail,
    const char *envelope_from, char *why, size_t whylen)
{
	dmarc_mailbox mb;

	memset(s, 0, sizeof(*s));
	if (dmarc_mailbox_parse(envelope_from, strlen(envelope_from), &mb, why,
	    whylen) < 0)
		return REPORT_SETUP_SENDER;
	snprintf(s->sender, sizeof(s->sender), "%s", mb.addr);
	if (sendmail_words(s, sendmail, why, whylen) < 0)
		return REPORT_SETUP_COMMAND;
	return REPORT_SETUP_OK;
}

void
report_send_free(report_sender *s)
{
	free(s->copy);
	s->copy = NULL;
	s->argc = 0;
}

int
report_sendmail_run(const report_sender *s, const char *rcpt,
    const char *msg, size_t len, char *why, size_t whylen)
{
	char *argv[REPORT_SEND_MAX_WORDS + REPORT_SEND_EXTRA_WORDS + 1];
	size_t argc, off = 0;
	int fds[2], status;
	pid_t pid;

	if (s->argc == 0 || s->argc > REPORT_SEND_MAX_WORDS)
		return snprintf(why, whylen, "report_sendmail is empty"), -1;
	for (argc = 0; argc < s->argc; argc++)
		argv[argc] = s->argv[argc];
	argv[argc++] = (char *)"-f";
	argv[argc++] = (char *)s->sender;
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
	while (off < len) {
		ssize_t n = write(fds[1], msg + off, len - off);

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
	if (off < len) {
		snprintf(why, whylen, "%s did not read the whole report "
		    "(%zu of %zu bytes)", argv[0], off, len);
		return -1;
	}
	return 0;
}

/* RFC 9990 4 (RFC 7489 7.1): host is the domain of the validated mailbox
 * mb. 1 confirmed (mb may be replaced by an override rua on the same
 * host), 0 not, -1 temporary failure. */
int
report_verify_external(const report_send_job *job, const char *policy_domain,
    const char *host, dmarc_mailbox *mb, char *why, size_t whylen)
{
	char name[DNS_MAX_NAME_LEN + 64];
	dns_resolver *r;
	dns_answer *a;
	int ok;

	if (snprintf(name, sizeof(name), "%s._report._dmarc.%s", policy_domain,
	    host) >= (int)sizeof(name) || strlen(name) > DNS_MAX_NAME_LEN) {
		snprintf(why, whylen, "%s: name too long", name);
		return 0;
	}
	r = job->resolver != NULL ? job->resolver(job->resolver_arg) : NULL;
	if (r == NULL)
		return snprintf(why, whylen, "no resolver"), -1;
	a = dns_lookup(r, name, DNS_T_TXT);
	if (a == NULL || a->status == DNS_TEMPFAIL) {
		snprintf(why, whylen, "%s TXT: temporary failure", name);
		dns_answer_free(a);
		return -1;
	}
	ok = dmarc_report_auth(a, name, host, mb, why, whylen);
	dns_answer_free(a);
	return ok;
}

/* Tells the caller; 1 when the outcome makes the run fail. */
unsigned
report_send_tell(const report_send_job *job, const char *pd,
    report_send_outcome *o, report_send_status status, const char *why)
{
	o->status = status;
	o->why = why != NULL ? why : "";
	o->failed = status == REPORT_SEND_UNCONFIRMED_TEMP ||
	    status == REPORT_SEND_STORE_ERROR ||
	    status == REPORT_SEND_BUILD_ERROR ||
	    status == REPORT_SEND_FAILED || status == REPORT_SEND_NOT_RECORDED;
	if (job->said != NULL)
		job->said(job->said_arg, pd, o);
	return o->failed ? 1 : 0;
}

/* One stored rua URI ("uri" or "uri!octets") to one report. */
static unsigned
send_one(const report_send_job *job, const report_record *pol, const char *pd,
    const report_meta *meta, const char *doc, size_t doclen, const char *uri)
{
	char shown[DMARC_MAX_URI_LEN + 32], why[512];
	report_send_outcome o;
	dmarc_uri u;
	dmarc_mailbox mb;
	report_mail m;
	strbuf msg;
	unsigned failed;
	int v;

	memset(&o, 0, sizeof(o));
	report_clean(shown, sizeof(shown), uri, 1); /* for the eyes only */
	o.uri = shown;
	if (dmarc_uri_parse(uri, strlen(uri), &u, why, sizeof(why)) < 0)
		return report_send_tell(job, pd, &o, REPORT_SEND_REFUSED, why);
	if (!u.mailto)
		return report_send_tell(job, pd, &o, REPORT_SEND_NOT_MAILTO, NULL);
	if (dmarc_mailto_parse(u.uri, strlen(u.uri), &mb, why,
	    sizeof(why)) < 0) /* dmarc_uri_parse checked it: cannot be */
		return report_send_tell(job, pd, &o, REPORT_SEND_REFUSED, why);
	/* RFC 9990 4: checked on the domain the mail would really go to */
	if (job->verify_external && !domain_within(mb.domain,
	    pol->org_domain[0] ? pol->org_domain : pol->policy_domain, 0)) {
		v = report_verify_external(job, pd, mb.domain, &mb, why,
		    sizeof(why));
		if (v <= 0)
			return report_send_tell(job, pd, &o, v < 0 ?
			    REPORT_SEND_UNCONFIRMED_TEMP :
			    REPORT_SEND_UNCONFIRMED, why);
	}
	o.mailbox = mb.addr;
	v = history_sent(job->h, meta->report_id, mb.addr, why, sizeof(why));
	if (v != 0)
		return report_send_tell(job, pd, &o, v < 0 ? REPORT_SEND_STORE_ERROR :
		    REPORT_SEND_ALREADY_SENT, v < 0 ? why : NULL);
	memset(&m, 0, sizeof(m));
	m.meta = meta;
	m.policy_domain = pd;
	m.to = mb.addr;
	m.fmt = job->fmt;
	m.doc = doc;
	m.doclen = doclen;
	m.gzipped = job->doc_gzipped;
	sb_init(&msg);
	if (report_mime(&m, &msg, why, sizeof(why)) < 0) {
		failed = report_send_tell(job, pd, &o, REPORT_SEND_BUILD_ERROR, why);
		sb_free(&msg);
		return failed;
	}
	o.octets = msg.len;
	if (u.max_size != 0 && msg.len > u.max_size) {
		/* RFC 9990 2.5: a URI whose limit is exceeded MUST NOT be used */
		o.limit = u.max_size;
		failed = report_send_tell(job, pd, &o, REPORT_SEND_TOO_BIG, NULL);
	} else if (job->dry_run) {
		failed = report_send_tell(job, pd, &o, REPORT_SEND_DRY_RUN, NULL);
	} else if (report_sendmail_run(job->sender, mb.addr, msg.s, msg.len,
	    why, sizeof(why)) < 0) {
		failed = report_send_tell(job, pd, &o, REPORT_SEND_FAILED, why);
	} else if (history_mark_sent(job->h, meta->report_id, mb.addr,
	    (int64_t)time(NULL), why, sizeof(why)) < 0) {
		failed = report_send_tell(job, pd, &o, REPORT_SEND_NOT_RECORDED, why);
	} else {
		failed = report_send_tell(job, pd, &o, REPORT_SEND_SENT, NULL);
	}
	sb_free(&msg);
	return failed;
}

unsigned
report_send(const report_send_job *job, const report_record *pol,
    const char *pd, const report_meta *meta, const char *doc, size_t doclen)
{
	char list[REPORT_URIS_BUF], *uri, *save = NULL;
	report_send_outcome o;
	unsigned failed = 0;

	snprintf(list, sizeof(list), "%s", pol->rua);
	if (list[0] == '\0') {
		memset(&o, 0, sizeof(o));
		failed += report_send_tell(job, pd, &o, REPORT_SEND_NO_RUA, NULL);
	}
	for (uri = strtok_r(list, ",", &save); uri != NULL;
	    uri = strtok_r(NULL, ",", &save))
		failed += send_one(job, pol, pd, meta, doc, doclen, uri);
	return failed;
}
