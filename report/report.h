/*
 * report/report.h - DMARC aggregate reporting (RFC 9990; RFC 7489 as
 * an output format), the public header of report/: the history store, the
 * per-message record, and the report writers.
 *
 * SUMMARY
 *   What an aggregate report needs to know about one evaluated message,
 *   built from plain values (no milter types), and the writers that turn
 *   grouped rows into an RFC 9990 XML, RFC 7489 XML or JSON document and a
 *   report into a MIME message with the gzip'd document. Nothing here
 *   prints, logs, runs programs or touches the network.
 *
 *   The history store keeps per-message report records and what was
 *   sent, in SQLite (embedded) or PostgreSQL (fleets): one small
 *   interface over two backends with the same schema (history.c holds
 *   every SQL statement; history_int.h the backend interface). Not
 *   thread-safe: one handle per thread. Nothing prints or logs.
 *
 * SYNOPSIS
 *   History store (history.c, history_sqlite.c, history_pg.c)
 *   history *history_open(const char *spec, char *why, size_t whylen);
 *   history *history_open_mode(const char *spec, int mode, char *why,
 *            size_t whylen);
 *   void     history_close(history *h);
 *   int  history_append(history *h, const report_record *const *recs,
 *            size_t n, char *why, size_t whylen);
 *   int  history_domains(history *h, int64_t from, int64_t to,
 *            const char *domain, history_domain_cb cb, void *arg,
 *            char *why, size_t whylen);
 *   int  history_policy(history *h, const char *domain, int64_t from,
 *            int64_t to, report_record *out, char *why, size_t whylen);
 *   int  history_rows(history *h, const char *domain, int64_t from,
 *            int64_t to, history_row_cb cb, void *arg, char *why,
 *            size_t whylen);
 *   int  history_rows_all(history *h, int64_t from, int64_t to,
 *            const char *domain, history_row_cb cb, void *arg, char *why,
 *            size_t whylen);
 *   int  history_count(history *h, int64_t from, int64_t to, uint64_t *n,
 *            char *why, size_t whylen);
 *   int  history_prune(history *h, int64_t before, uint64_t *deleted,
 *            char *why, size_t whylen);
 *   int  history_sent(history *h, const char *report_id, const char *dest,
 *            char *why, size_t whylen);
 *   int  history_mark_sent(history *h, const char *report_id,
 *            const char *dest, int64_t when, char *why, size_t whylen);
 *   const char *history_backend(const history *h);
 *   const char *history_note(const history *h);
 *   const char *history_note_at(const history *h, size_t i);
 *
 *   Records (report_record.c)
 *   int  report_record_build(report_record *out, const report_input *in,
 *            char *why, size_t whylen);
 *   size_t report_dkim_next(const char **p, report_dkim_view *out);
 *   int  report_ip_expand(const char *ip, char *out, size_t outlen);
 *
 *   Clean values (report_clean.c)
 *   size_t report_clean(char *dst, size_t size, const char *src, int token);
 *   char *report_clean_dup(const char *src);
 *   void report_record_clean(report_record *r);
 *
 *   Packed records (report_pack.c)
 *   report_packed *report_record_pack(const report_record *r);
 *   size_t report_packed_size(const report_packed *p);
 *   void report_record_unpack(const report_packed *p, report_record *out);
 *
 *   Documents (report_xml.c, report_json.c)
 *   report_writer *report_writer_new(report_format fmt,
 *            const report_meta *meta, const report_record *policy,
 *            char *why, size_t whylen);
 *   int  report_writer_row(report_writer *w, const report_record *row,
 *            uint64_t count);
 *   int  report_writer_finish(report_writer *w, strbuf *out);
 *   report_writer *report_writer_open(report_format fmt,
 *            const report_meta *meta, const report_record *policy,
 *            report_sink sink, void *sink_arg, char *why, size_t whylen);
 *   int  report_writer_close(report_writer *w);
 *   void report_writer_free(report_writer *w);
 *   const char *report_format_name(report_format f);
 *   int  report_format_from_name(const char *s, report_format *out);
 *
 *   Mail (report_mime.c)
 *   int  report_gzip(const void *data, size_t len, strbuf *out);
 *   report_gz *report_gz_new(strbuf *out);
 *   int  report_gz_write(void *gz, const char *data, size_t len);
 *   int  report_gz_finish(report_gz *gz);
 *   void report_gz_free(report_gz *gz);
 *   int  report_filename(const report_meta *meta, const char *policy_domain,
 *            report_format fmt, int gz, char *out, size_t outlen);
 *   int  report_mime(const report_mail *m, strbuf *out, char *why,
 *            size_t whylen);
 *
 * DESCRIPTION
 *   report_record_build() fills a record from one message's facts (the
 *   DMARC result with its published policy, the SPF result, the DKIM
 *   signatures, envelope and connection). It returns -1 with a reason when
 *   the message is not reportable (no DMARC policy record was found: no
 *   Domain Owner asked for reports). The disposition is the one applied
 *   (RFC 9990 ActionDispositionType): "pass" when DMARC passed under an
 *   enforcing policy, "none" when it passed under p=none or nothing was
 *   done; when the receiver did not apply a quarantine/reject the result
 *   said (in->applied = 0), the disposition is "none" with the override
 *   reason local_policy. DKIM signatures are kept in RFC 9990 2.1.3
 *   priority order (strictly aligned passes, relaxed aligned passes, other
 *   passes, the rest), as many as fit REPORT_DKIM_BUF; dkim holds
 *   "domain selector result" triples separated by single spaces (names
 *   with blanks or controls are stored with those octets replaced by '?').
 *   report_dkim_next() walks that list (returns 0 at the end).
 *
 *   report_clean() copies src (NULL: "") into dst (size octets with the
 *   NUL; may be src itself) as valid UTF-8 that XML 1.0 and JSON accept
 *   and a reader sees as it is: every octet outside a valid RFC 3629
 *   sequence, every C0/C1 control, DEL, U+FFFE and U+FFFF (and, when
 *   token, the blank) becomes '?'; truncation never splits a character.
 *   It returns the length written. report_clean_dup() is the same into a
 *   malloc'd copy (NULL when memory ran out). report_record_clean() makes
 *   every field of a record safe for every format: text fields cleaned
 *   (domains and DKIM tokens without blanks), source_ip a canonical IPv4 or
 *   IPv6 address or "" (unknown: written REPORT_IP_UNKNOWN), each word
 *   field one its report element allows (an unknown result word becomes
 *   "permerror", a disposition or policy word "none", alignment "r",
 *   testing "n", fo "0", discovery ""), the DKIM list rebuilt from clean
 *   triples. report_record_build() applies it to every record it builds;
 *   the writers apply it to every row and policy they write, whatever the
 *   store holds, and clean every metadata value.
 *
 *   report_record_pack() copies a record into one malloc'd block of its
 *   actual size (the caller frees it with free(); NULL when memory ran
 *   out): a report_record is ~6 KB of fixed arrays, a typical message's
 *   packs into ~300 octets. report_packed_size() is the block's size,
 *   report_record_unpack() gives the record back exactly.
 *
 *   A report_writer streams one report: metadata, policy_published (from
 *   the policy record: the latest one seen in the period, RFC 9990 2.1.3
 *   "final configuration"), then the grouped rows, each a record holding
 *   the grouped columns and its message count. XML goes through libxml2's
 *   xmlTextWriter. REPORT_XML (RFC 9990, namespace
 *   urn:ietf:params:xml:ns:dmarc-2.0) and REPORT_XML7489 (no namespace,
 *   as real RFC 7489 reports: disposition "pass" is written "none", an
 *   IPv6 source_ip in the full eight-group form the RFC 7489 schema
 *   demands, scope and envelope_from always present) each validate against
 *   their XSD. REPORT_JSON has the same structure and field names (see
 *   doc/REPORTS.md). report_writer_finish() appends the document to out.
 *   report_writer_open() is the streaming form: the document goes to sink
 *   as it is written (libxml2's output buffer flushes every 4 KB or so;
 *   JSON goes out record by record), so memory does not grow with the
 *   number of rows, and report_writer_close() writes the end of it (no
 *   finish). The octets are the same as report_writer_new()'s, which is
 *   report_writer_open() into a buffer of its own.
 *
 *   report_gzip() gzip's a whole document; report_gz_new() the same as
 *   a stream: report_gz_write() (a report_sink) deflates what it is given
 *   into out as it comes, report_gz_finish() ends the gzip stream, so only
 *   the compressed document is held (the same octets as report_gzip()).
 *   A report_mail whose gzipped is set holds the gzip'd document.
 *
 *   report_filename() builds the RFC 9990 3.2.1.1 attachment name
 *   receiver "!" policy-domain "!" begin "!" end "." ("xml" | "xml.gz";
 *   "json" | "json.gz" for JSON); -1 when a name is empty, starts with
 *   '.' or holds '/' or a control (the name must stay in --out's DIR). report_mime() builds an RFC 5322 /
 *   RFC 2045 message: From, To, Date, Message-ID (<report-id>), the RFC
 *   9990 Subject "Report Domain: D Submitter: S Report-ID: <ID>", a
 *   text/plain part and the gzip'd report as application/gzip (JSON:
 *   application/gzip too) in base64 with the file name.
 *   Every function returns 0, or -1 (with why, when given) on a bad
 *   argument or memory exhaustion.
 *
 *   history_open(): spec "postgresql://..." or "postgres://..." (a libpq
 *   URI) opens PostgreSQL; anything else is a SQLite file path, opened in
 *   WAL mode with synchronous=NORMAL and a busy timeout, so several
 *   processes on one host share it and a committed transaction survives a
 *   process crash. Both create the schema when it is missing, and what
 *   a store made by an older version lacks (since issue 16 the index
 *   dmarc_records_day_group: the first open of an older store builds it,
 *   a one-time wait that grows with the rows held).
 *   history_open() is history_open_mode(spec, HISTORY_CREATE, ...): a
 *   missing SQLite file is created.
 *   HISTORY_WRITE (report --send / --failure --send / --prune-before: the
 *   commands that must record what they did; not the daemon's writer nor
 *   check --record, which only append and whose failed appends are
 *   counted) refuses a store this connection
 *   cannot write (SQLite: a file opened read-only; PostgreSQL: a role
 *   without INSERT on the tables or UPDATE on dmarc_failure): -1 with
 *   why naming the store and what is missing, so a command that could
 *   not record what it sent never sends it again at every run. Without
 *   it (pure reading) such a store opens. HISTORY_EXISTING (the report side:
 *   reading, marking sent, pruning) never creates a file: a missing one
 *   fails with why naming the path. (PostgreSQL databases are never
 *   created by either.) | HISTORY_DEFER_INDEX leaves out the slow part of
 *   an older store's upgrade (building dmarc_records_day_group), so the
 *   daemon's start never waits on it; history_upgrade() then does it (its
 *   writer thread: mail goes on meanwhile, records queue); 0, or -1 with
 *   why (the store still works: a day's report is then only slower).
 *   On PostgreSQL the open also makes autovacuum keep up with the
 *   inserts (a report's index-only scans read the table too for rows
 *   not yet vacuumed): dmarc_records gets the storage parameter
 *   autovacuum_vacuum_insert_scale_factor = 0.01 (history_pg.c)
 *   when it has none (a new store at creation, an older one at its
 *   first open; a value the operator set is kept). When the connecting
 *   role does not own the table (or the server is older than 13) it is
 *   left alone, the store works as before, and history_note() returns
 *   the one line to log saying so and what to do (NULL when nothing is
 *   to be said); the schema's existing tables and indexes are not
 *   created again, so such a role only needs the rights to the rows.
 *   When such a role (or a process given a read-only SQLite file) opens
 *   an older store without dmarc_records_day_group, which it may not
 *   create, the open still succeeds (the queries do not need the index:
 *   the same results, slower) and the notes get a line naming the store,
 *   the missing index and the fix (its owner runs authmilter once, or
 *   the CREATE INDEX statement it gives); history_upgrade() then fails
 *   with that line as why. history_note_at(h, i) gives the i-th line to
 *   log (0, 1: NULL past the last); history_note() is the first.
 *
 *   history_append() stores n records in one transaction (all or none):
 *   on PostgreSQL as one COPY, on SQLite as INSERTs of 50 rows.
 *   Periods are [from, to) in Unix seconds. history_domains() calls cb
 *   once per policy domain with records in the period (only `domain` when
 *   not NULL), in name order. history_policy() gives the policy published
 *   by the latest record of the period (RFC 9990 2.1: the final
 *   configuration observed); 1 found, 0 none. history_rows() calls cb
 *   once per group of records that agree on everything a report row
 *   shows (source_ip, disposition, DMARC dkim/spf, reasons, identifiers,
 *   auth results) with its count, largest count first (ties in the order
 *   of the grouped columns). history_rows_all() is every policy domain's
 *   history_rows() (only `domain`'s when not NULL) in one query, one pass
 *   over the period: domains in name order, each row with its
 *   policy_domain set (a period within one UTC day, the daily report,
 *   is read in grouping order from dmarc_records_day_group: only each
 *   domain's groups are sorted, not the day's records); while it runs, the handle's other calls
 *   (history_policy, history_sent, ...) go through a second connection
 *   it opens, so cb may use them. A cb returning -1
 *   stops the walk (the call returns -1). history_prune() deletes records
 *   (and sent marks) older than before. history_sent() says whether the
 *   report went to dest (1), or not (0); history_mark_sent() records it.
 *   Everything returns 0 (or a count as said), -1 with a reason.
 */
#ifndef AUTHMILTER_REPORT_H
#define AUTHMILTER_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dmarc/dmarc.h"
#include "util/strbuf.h"

#define REPORT_IP_BUF 64          /* textual IPv6 (RFC 4291 2.2) with room */
#define REPORT_DKIM_BUF 2048      /* encoded DKIM triples kept per message */
#define REPORT_URIS_BUF 1024      /* rua / ruf as published, comma-joined */
#define REPORT_WORD_BUF 16        /* result and policy words */
/* The source_ip written for a record without a valid address (an MTA
 * that gave none, a unix-socket client): the unspecified IPv4 address,
 * which both schemas accept (RFC 7489's IPAddress pattern needs one). */
#define REPORT_IP_UNKNOWN "0.0.0.0"
/* RFC 9990 2.1.3: "no more than 100 signatures for a given row". */
#define REPORT_MAX_DKIM_ROW 100

typedef enum {
	REPORT_XML = 0,   /* RFC 9990 */
	REPORT_XML7489,   /* RFC 7489 Appendix C */
	REPORT_JSON,
} report_format;

typedef struct report_record {
	int64_t time;                           /* Unix time of the message */
	char source_ip[REPORT_IP_BUF];
	char header_from[DMARC_DOMAIN_BUF];
	char envelope_from[DMARC_DOMAIN_BUF];   /* "" for the null sender */
	char envelope_to[DMARC_DOMAIN_BUF];     /* first recipient's domain */
	char policy_domain[DMARC_DOMAIN_BUF];
	char org_domain[DMARC_DOMAIN_BUF];
	char spf_domain[DMARC_DOMAIN_BUF];
	char spf_scope[8];                      /* "mfrom" or "helo" */
	char spf_result[REPORT_WORD_BUF];
	char dkim[REPORT_DKIM_BUF];             /* "d s r d s r ..." */
	char dmarc_result[REPORT_WORD_BUF];
	char disposition[REPORT_WORD_BUF];      /* none|pass|quarantine|reject */
	int dkim_aligned, spf_aligned;          /* policy_evaluated pass/fail */
	char reasons[64 + DMARC_DOMAIN_BUF];    /* override types, blank-separated;
						   TYPE:DOMAIN: by whom (the
						   trusted_forwarder's sealer) */
	char discovery[REPORT_WORD_BUF];        /* "treewalk", "psl" */
	/* policy_published */
	char p[REPORT_WORD_BUF], sp[REPORT_WORD_BUF], np[REPORT_WORD_BUF];
	char adkim[2], aspf[2], testing[2], psd[2];
	char fo[8];
	char rua[REPORT_URIS_BUF], ruf[REPORT_URIS_BUF];
} report_record;

typedef struct report_packed report_packed;

typedef struct report_dkim_in {
	const char *domain;
	const char *selector;
	const char *result;      /* RFC 8601 2.7.1 word */
} report_dkim_in;

typedef struct report_input {
	int64_t time;
	const char *source_ip;
	const char *envelope_from;   /* the MAIL FROM address or domain; ""/NULL: null */
	const char *envelope_to;     /* the first RCPT TO address; may be NULL */
	const char *spf_domain;
	int spf_helo;                /* SPF checked the HELO identity */
	const char *spf_result;      /* RFC 8601 2.7.2 word */
	const report_dkim_in *dkim;
	size_t ndkim;
	const dmarc_result *dmarc;
	int applied;                 /* the receiver applied the disposition */
	const char *override_by;     /* trusted_forwarder: the ARC sealer
					whose word it took (a domain), or NULL */
} report_input;

typedef struct report_dkim_view {
	char domain[DMARC_DOMAIN_BUF];
	char selector[DMARC_DOMAIN_BUF];
	char result[REPORT_WORD_BUF];
} report_dkim_view;

int report_record_build(report_record *out, const report_input *in,
    char *why, size_t whylen);
size_t report_clean(char *dst, size_t size, const char *src, int token);
char *report_clean_dup(const char *src);
void report_record_clean(report_record *r);
size_t report_dkim_next(const char **p, report_dkim_view *out);
int report_ip_expand(const char *ip, char *out, size_t outlen);
report_packed *report_record_pack(const report_record *r);
size_t report_packed_size(const report_packed *p);
void report_record_unpack(const report_packed *p, report_record *out);

typedef struct report_meta {
	const char *org_name;
	const char *email;
	const char *submitter;       /* the receiver's domain (file name, Subject) */
	const char *report_id;       /* ridfmt, without <> */
	int64_t begin, end;          /* date_range, inclusive seconds */
	const char *generator;
} report_meta;

typedef struct report_writer report_writer;
/* where a document goes as it is written: 0, or -1 (the writer fails) */
typedef int (*report_sink)(void *arg, const char *data, size_t len);

report_writer *report_writer_open(report_format fmt,
    const report_meta *meta, const report_record *policy, report_sink sink,
    void *sink_arg, char *why, size_t whylen);
int report_writer_close(report_writer *w);
report_writer *report_writer_new(report_format fmt, const report_meta *meta,
    const report_record *policy, char *why, size_t whylen);
int report_writer_row(report_writer *w, const report_record *row,
    uint64_t count);
int report_writer_finish(report_writer *w, strbuf *out);
void report_writer_free(report_writer *w);
const char *report_format_name(report_format f);
int report_format_from_name(const char *s, report_format *out);

typedef struct report_mail {
	const report_meta *meta;
	const char *policy_domain;
	const char *to;              /* the rua mailto: address */
	const char *date;            /* RFC 5322 date-time, or NULL: now */
	report_format fmt;
	const void *doc;             /* the report document */
	size_t doclen;
	int gzipped;                 /* doc is gzip'd already (report_gz) */
} report_mail;

typedef struct report_gz report_gz;

int report_gzip(const void *data, size_t len, strbuf *out);
report_gz *report_gz_new(strbuf *out);
int report_gz_write(void *gz, const char *data, size_t len);
int report_gz_finish(report_gz *gz);
void report_gz_free(report_gz *gz);
int report_filename(const report_meta *meta, const char *policy_domain,
    report_format fmt, int gz, char *out, size_t outlen);
int report_mime(const report_mail *m, strbuf *out, char *why, size_t whylen);

typedef struct history history;

typedef int (*history_domain_cb)(void *arg, const char *domain);
typedef int (*history_row_cb)(void *arg, const report_record *row,
    uint64_t count);

enum { HISTORY_CREATE = 0, HISTORY_EXISTING = 1, HISTORY_DEFER_INDEX = 2,
    HISTORY_WRITE = 4 };
history *history_open(const char *spec, char *why, size_t whylen);
history *history_open_mode(const char *spec, int mode, char *why,
    size_t whylen);
int history_upgrade(history *h, char *why, size_t whylen);
void history_close(history *h);
int history_append(history *h, const report_record *const *recs, size_t n,
    char *why, size_t whylen);
int history_domains(history *h, int64_t from, int64_t to, const char *domain,
    history_domain_cb cb, void *arg, char *why, size_t whylen);
int history_policy(history *h, const char *domain, int64_t from, int64_t to,
    report_record *out, char *why, size_t whylen);
int history_rows(history *h, const char *domain, int64_t from, int64_t to,
    history_row_cb cb, void *arg, char *why, size_t whylen);
int history_rows_all(history *h, int64_t from, int64_t to,
    const char *domain, history_row_cb cb, void *arg, char *why,
    size_t whylen);
int history_count(history *h, int64_t from, int64_t to, uint64_t *n,
    char *why, size_t whylen);
int history_prune(history *h, int64_t before, uint64_t *deleted, char *why,
    size_t whylen);
int history_sent(history *h, const char *report_id, const char *dest,
    char *why, size_t whylen);
int history_mark_sent(history *h, const char *report_id, const char *dest,
    int64_t when, char *why, size_t whylen);
const char *history_backend(const history *h);
const char *history_note(const history *h);
const char *history_note_at(const history *h, size_t i);

/*
 * Failure reports (RFC 9991), failure_report.c: the ARF message of one
 * message that failed (RFC 5965 multipart/report, report-type
 * feedback-report; RFC 6591 3.1 auth-failure fields).
 *
 *   failrep_wanted() is 1 when the policy's fo= (DMARC_FO_* bits, RFC
 *   9989 4.7) asks for a report of a message with these outcomes: 0 no
 *   aligned pass at all, 1 some mechanism without an aligned pass, d a
 *   DKIM signature failed, s SPF failed.
 *
 *   failrep_build() appends to out the report without To and Message-ID
 *   (the destination's, added by failrep_address() at sending): From,
 *   Date, Subject, MIME-Version, the multipart/report of three parts: a
 *   text/plain explanation, message/feedback-report (Feedback-Type:
 *   auth-failure, User-Agent, Version: 1, Original-Envelope-Id,
 *   Original-Mail-From, Original-Rcpt-To, Arrival-Date, Reporting-MTA,
 *   Source-IP, Authentication-Results (required: -1 when in has none),
 *   Auth-Failure: dmarc, Reported-Domain, Identity-Alignment,
 *   Delivery-Result, and with dkim_domain set DKIM-Domain, DKIM-Identity
 *   and DKIM-Selector: all three, or none when one of the values is not
 *   a well-formed bounded name) and text/rfc822-headers: the original
 *   header block only, never the body (the privacy default RFC 9991
 *   and RFC 6590 discuss), cut at a line end before
 *   FAILREP_MAX_HEADERS. Every value a sender chose is cleaned
 *   (controls, CR and LF as '?'; invalid UTF-8 as '?') so none can add
 *   a field or a MIME boundary; the boundary is keyed (hash_keyed) and
 *   checked absent from the parts. With
 *   mask_localparts every local-part before an '@' in the header block
 *   and the envelope fields becomes "redacted" (RFC 6590 2).
 *   failrep_mask_localparts() does that to s[0..n) into out and returns
 *   how many it masked ((size_t)-1 out of memory).
 *   0, or -1 with why.
 */
/* Local limit: the original header block a report carries (RFC 5322
 * sets none; 64 KiB holds any sane header block and bounds the store). */
#define FAILREP_MAX_HEADERS (64 * 1024)

typedef struct failrep_auth {
	int spf_aligned, dkim_aligned;  /* an aligned pass of each */
	int spf_failed, dkim_failed;    /* SPF fail, some signature failed */
} failrep_auth;

typedef struct failrep_input {
	int64_t time;                /* arrival, Unix seconds */
	const char *from;            /* the report's From (a mailbox) */
	const char *user_agent;
	const char *reporting_mta;   /* "dns; host" or NULL */
	const char *envelope_id;     /* the MTA's queue id, or NULL */
	const char *mail_from;       /* NULL: unknown; "": null sender */
	const char *rcpt;            /* first recipient, or NULL */
	const char *source_ip;
	const char *reported_domain; /* the RFC 5322.From domain */
	const char *auth_results;    /* our AR value (folded or not) */
	failrep_auth auth;
	const char *delivery;        /* RFC 6591 3.1 Delivery-Result word */
	/* The failing DKIM signature whose d= aligns with the author
	 * (RFC 6591 3.1 DKIM-Domain, DKIM-Identity, DKIM-Selector); NULL
	 * when the report is not for a DKIM failure. identity NULL or "":
	 * "@" domain (RFC 6376 3.5). */
	const char *dkim_domain, *dkim_identity, *dkim_selector;
	const char *headers;         /* "Name: value" lines */
	size_t headers_len;
	int mask_localparts;
} failrep_input;

int failrep_wanted(unsigned fo, const failrep_auth *a);
int failrep_build(const failrep_input *in, strbuf *out, char *why,
    size_t whylen);
size_t failrep_mask_localparts(strbuf *out, const char *s, size_t n);
int failrep_address(strbuf *out, const char *to, const char *message_id,
    const char *stored, size_t len);

/*
 * The failure-report queue of the history store (history.c): the daemon's
 * writer stores each report once (failure id unique: the message's id),
 * `authmilter report --failure` sends and marks.
 *
 *   history_failure_add(): stores f unless its id is there (0) or the
 *   domain already has per_hour reports queued in the hour before f->t
 *   (0, *limited set); 1 stored. history_failure_pending(): cb for each
 *   row not done, oldest first, at most max. history_failure_done():
 *   the row is done and its report text erased (privacy: nothing kept
 *   once handled). history_failure_abandon(): the same for a row given
 *   up on (done = 2: never pending again, text erased).
 *   history_failure_sent()/_mark_sent(): a destination
 *   of a row (send once). history_failure_count(): reports sent since
 *   `since` to dest (dest not NULL) or for domain.
 */
typedef struct failrep_row {
	char id[128];
	int64_t t;
	char domain[DMARC_DOMAIN_BUF];
	char org_domain[DMARC_DOMAIN_BUF];
	char ruf[REPORT_URIS_BUF];
	const char *report;          /* the text (failrep_build), callback-owned */
	size_t report_len;
} failrep_row;
typedef int (*history_failure_cb)(void *arg, const failrep_row *row);

int history_failure_add(history *h, const failrep_row *f, unsigned per_hour,
    int *limited, char *why, size_t whylen);
int history_failure_pending(history *h, size_t max, history_failure_cb cb,
    void *arg, char *why, size_t whylen);
int history_failure_done(history *h, const char *id, char *why,
    size_t whylen);
int history_failure_abandon(history *h, const char *id, char *why,
    size_t whylen);
int history_failure_sent(history *h, const char *id, const char *dest,
    char *why, size_t whylen);
int history_failure_mark_sent(history *h, const char *id, const char *dest,
    const char *domain, int64_t when, char *why, size_t whylen);
int history_failure_count(history *h, const char *domain, const char *dest,
    int64_t since, uint64_t *n, char *why, size_t whylen);

#endif
