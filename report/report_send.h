/*
 * report/report_send.h - sending DMARC aggregate reports by mail (RFC 9990
 * 4): each rua destination checked, the MIME message piped to
 * report_sendmail, what was sent recorded in the history store.
 *
 * SYNOPSIS
 *   int  report_send_setup(report_sender *s, const char *sendmail,
 *            const char *envelope_from, char *why, size_t whylen);
 *   void report_send_free(report_sender *s);
 *   int  report_sendmail_run(const report_sender *s, const char *rcpt,
 *            const char *msg, size_t len, char *why, size_t whylen);
 *   unsigned report_send(const report_send_job *job,
 *            const report_record *pol, const char *pd,
 *            const report_meta *meta, const char *doc, size_t doclen);
 *   int  report_default_domain(const char *host, const char *canon,
 *            char *out, size_t outlen);
 *   int  report_domain_dotted(const char *addr);
 *
 * DESCRIPTION
 *   report_send_setup() checks, once per run, the envelope sender (one RFC
 *   5321 mailbox, dmarc_mailbox_parse; REPORT_SETUP_SENDER with its reason
 *   when not) and splits the command (report_sendmail: words separated by
 *   blanks, no shell) into s; REPORT_SETUP_COMMAND with the whole reason
 *   when it is empty, has more than REPORT_SEND_MAX_WORDS words, or a word
 *   after the first that would let the message's header fields choose
 *   recipients (-t, alone or among letters without an argument) or set the
 *   sender or end the options (-f..., -r..., --). 0 when s is ready;
 *   report_send_free() releases it (also after a failed setup).
 *
 *   report_sendmail_run() runs the command with "-f SENDER -- RCPT"
 *   appended (execvp: no shell), the message on its stdin; 0 when it read
 *   the whole message and exited 0, else -1 with why ("CMD exited with
 *   status N": 127 when it could not be run; "CMD did not read the whole
 *   report (N of M bytes)"; pipe/fork errors). It sets SIGPIPE to be
 *   ignored in the process, so a command that exits early makes the write
 *   fail instead of killing the caller.
 *
 *   report_send() sends one report (policy record pol, the policy domain
 *   as shown pd, meta, the document doc) to each URI of pol->rua, in
 *   order, and tells job->said about each (REPORT_SEND_NO_RUA once when
 *   there is none):
 *   - the stored URI is parsed again (dmarc_uri_parse: the store may hold
 *     rows written before that rule): REFUSED with the reason; a URI that
 *     is not mailto: is NOT_MAILTO;
 *   - with job->verify_external, a mailbox outside the policy's
 *     organizational domain is used only when DNS confirms it (RFC 9990
 *     4: "PD._report._dmarc.HOST" has a v=DMARC1 record, whose own rua,
 *     when it has one, must name the same host and replaces the mailbox):
 *     UNCONFIRMED (not confirmed; said why) or UNCONFIRMED_TEMP (DNS
 *     failed: retried by the next run). The resolver is job->resolver(
 *     job->resolver_arg), asked only when one is needed (NULL: temporary
 *     failure);
 *   - a destination the store says it was sent to is ALREADY_SENT
 *     (STORE_ERROR when the store cannot say);
 *   - the MIME message is built (report_mime; BUILD_ERROR); over the URI's
 *     !size it is TOO_BIG and not used (RFC 9990 2.5); with job->dry_run
 *     it is DRY_RUN; else it goes through report_sendmail_run (FAILED,
 *     retried by the next run) and is marked sent in the store (SENT, or
 *     NOT_RECORDED when the mark failed).
 *   An outcome's uri is the URI cleaned for display (report_clean), its
 *   mailbox the destination once known, octets the message's size once
 *   built, limit the !size of TOO_BIG, why the reason where one is said;
 *   failed is set for the outcomes that make the run fail
 *   (UNCONFIRMED_TEMP, STORE_ERROR, BUILD_ERROR, FAILED, NOT_RECORDED).
 *   report_send() returns how many did. With job->doc_gzipped, doc is
 *   the gzip'd document (report_gz: the caller streamed it compressed).
 *
 *   report_default_domain() picks the receiver domain reports default to
 *   (submitter, postmaster@, org_name) from the host name (gethostname)
 *   and its canonical name (getaddrinfo AI_CANONNAME; NULL when unknown):
 *   canon when it is a dotted name (not "localhost.*"), else host. It
 *   writes the pick to out and returns 1 when it is dotted, 0 when it is
 *   a bare name (the caller warns: receivers cannot reply to it), -1 on a
 *   NULL argument or a name that does not fit. report_domain_dotted()
 *   says whether the domain of addr (after its last '@', or addr itself)
 *   has an interior dot (1) or not (0).
 *
 *   report_verify_external() is that DNS check alone (1 confirmed, 0 not,
 *   -1 temporary failure; why says it); report_send_tell() hands one
 *   outcome to job->said and returns 1 when it makes the run fail.
 *
 *   report_failure_send() (failure_send.c) sends the failure reports
 *   (RFC 9991) queued in job->h, at most max, oldest first: each to every
 *   URI of its ruf= list with the same rules as report_send() (parsed
 *   again, mailto: only, an external mailbox only when
 *   "DOMAIN._report._dmarc.HOST" authorizes it (RFC 9991 refers to RFC
 *   9990 4 for this), never twice to one mailbox, !size), and at most
 *   per_hour sent in the hour before now for the reported domain and to
 *   the mailbox (RATE_LIMITED: not sent, not retried); the message is the
 *   stored report with To: and a Message-ID of its own. A report is then
 *   done (its text erased from the store) unless an outcome is to be
 *   retried (UNCONFIRMED_TEMP, STORE_ERROR, FAILED). A report still to be
 *   retried after a run at least REPORT_FAILURE_GIVE_UP seconds after
 *   it was queued (its t; not in a dry run) is given up instead: marked
 *   abandoned in the store (history_failure_abandon: never pending
 *   again, its text erased) and told once as ABANDONED (why names the
 *   report and its age; not itself a failure of the run: the outcome
 *   that kept it was). It returns how many outcomes made the run fail.
 *
 *   Nothing here prints or logs: the caller says the outcomes.
 */
#ifndef AUTHMILTER_REPORT_SEND_H
#define AUTHMILTER_REPORT_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "report/report.h"

/* How long a failure report whose sending keeps failing (sendmail,
 * the external destination's DNS check, the store) is retried before it
 * is given up: 5 days, a bounce queue's give-up time (RFC 5321 4.5.4.1:
 * "the give-up time generally needs to be at least 4-5 days"; Postfix's
 * maximal_queue_lifetime and sendmail's Timeout.queuereturn default to
 * 5 days). Without it a report that can never go out is retried by
 * every run until --prune-before deletes it. The age counts from the
 * queue time (dmarc_failure.t), not from the first attempt: the store
 * records no attempts (dmarc_failure_sent holds successes only), so
 * when no report run happened for 5 days (cron stopped), the first run
 * after that whose attempt fails gives the report up at once, after
 * that one attempt. Counting attempts would need a new column; the
 * schema is left as it is and the behaviour documented (authmilter(8)). */
#define REPORT_FAILURE_GIVE_UP (5 * 86400)

/* Local limit: words of report_sendmail (a sendmail command line has a
 * handful); 4 more are appended: -f SENDER -- RECIPIENT. */
#define REPORT_SEND_MAX_WORDS 32

enum {
	REPORT_SETUP_OK = 0,
	REPORT_SETUP_SENDER = -1,	/* the envelope sender: not one mailbox */
	REPORT_SETUP_COMMAND = -2,	/* report_sendmail refused */
};

typedef struct report_sender {
	char sender[DMARC_MAILBOX_MAX + 1];	/* the envelope sender (-f) */
	char *copy;				/* the words' storage */
	char *argv[REPORT_SEND_MAX_WORDS];
	size_t argc;
} report_sender;

typedef enum report_send_status {
	REPORT_SEND_NO_RUA,
	REPORT_SEND_REFUSED,
	REPORT_SEND_NOT_MAILTO,
	REPORT_SEND_UNCONFIRMED,
	REPORT_SEND_UNCONFIRMED_TEMP,
	REPORT_SEND_STORE_ERROR,
	REPORT_SEND_ALREADY_SENT,
	REPORT_SEND_BUILD_ERROR,
	REPORT_SEND_TOO_BIG,
	REPORT_SEND_DRY_RUN,
	REPORT_SEND_FAILED,
	REPORT_SEND_NOT_RECORDED,
	REPORT_SEND_SENT,
	REPORT_SEND_RATE_LIMITED,	/* failure reports: failure_report_rate */
	REPORT_SEND_ABANDONED,		/* failure reports: REPORT_FAILURE_GIVE_UP */
} report_send_status;

typedef struct report_send_outcome {
	report_send_status status;
	int failed;		/* makes the run fail */
	const char *uri;	/* as shown; NULL for NO_RUA */
	const char *mailbox;	/* the destination; NULL before it is known */
	size_t octets;		/* the message's size; 0 before it is built */
	uint64_t limit;		/* TOO_BIG: the URI's !size */
	const char *why;	/* the reason, where one is said; else "" */
} report_send_outcome;

typedef struct report_send_job {
	const report_sender *sender;
	history *h;
	report_format fmt;
	int dry_run;
	int verify_external;
	dns_resolver *(*resolver)(void *arg);
	void *resolver_arg;
	void (*said)(void *arg, const char *pd, const report_send_outcome *o);
	void *said_arg;
	int doc_gzipped;	/* report_send's doc is gzip'd (report_gz) */
} report_send_job;

int report_send_setup(report_sender *s, const char *sendmail,
    const char *envelope_from, char *why, size_t whylen);
void report_send_free(report_sender *s);
int report_sendmail_run(const report_sender *s, const char *rcpt,
    const char *msg, size_t len, char *why, size_t whylen);
int report_default_domain(const char *host, const char *canon, char *out,
    size_t outlen);
int report_domain_dotted(const char *addr);
unsigned report_send(const report_send_job *job, const report_record *pol,
    const char *pd, const report_meta *meta, const char *doc, size_t doclen);
int report_verify_external(const report_send_job *job,
    const char *policy_domain, const char *host, dmarc_mailbox *mb,
    char *why, size_t whylen);
unsigned report_send_tell(const report_send_job *job, const char *pd,
    report_send_outcome *o, report_send_status status, const char *why);
unsigned report_failure_send(const report_send_job *job, unsigned per_hour,
    int64_t now, size_t max);

#endif
