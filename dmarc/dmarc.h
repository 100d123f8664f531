/*
 * dmarc/dmarc.h - the DMARC library: records, author domains, org domains,
 * alignment and policy evaluation (RFC 9989; RFC 7489 as a mode).
 *
 * SUMMARY
 *   A library with plain inputs. It never sees SPF or DKIM objects: the
 *   caller passes the SPF result with its MAIL FROM domain and the d= of
 *   each checked DKIM signature. DNS goes through dns/dns.h. Nothing here
 *   prints or logs; every failure carries a reason a human can act on.
 *
 * SYNOPSIS
 *   Records (record.c)
 *   dmarc_record_status dmarc_record_parse(const char *txt, size_t len,
 *       dmarc_mode mode, dmarc_record *rec, char *why, size_t whylen);
 *
 *   Report URIs (uri.c)
 *   int  dmarc_uri_parse(const char *s, size_t len, dmarc_uri *u,
 *       char *why, size_t whylen);
 *   int  dmarc_mailto_parse(const char *uri, size_t len, dmarc_mailbox *mb,
 *       char *why, size_t whylen);
 *   int  dmarc_mailbox_parse(const char *s, size_t len, dmarc_mailbox *mb,
 *       char *why, size_t whylen);
 *
 *   Author domains (from.c)
 *   dmarc_from_status dmarc_from_parse(const char *const *values,
 *       const size_t *lens, size_t nvalues, dmarc_from *out,
 *       char *why, size_t whylen);
 *
 *   Organizational Domain (orgdomain.c)
 *   size_t dmarc_walk_init(dmarc_walk *w, const char *domain);
 *   const char *dmarc_walk_next(const dmarc_walk *w);
 *   void dmarc_walk_feed(dmarc_walk *w, const dmarc_fetch *f);
 *   int  dmarc_walk_orgdomain(const dmarc_walk *w, char *out, size_t outlen);
 *   dmarc_psl *dmarc_psl_load(const char *path, char *why, size_t whylen);
 *   void dmarc_psl_free(dmarc_psl *psl);
 *   int  dmarc_psl_orgdomain(const dmarc_psl *psl, const char *domain,
 *       char *out, size_t outlen);
 *
 *   Alignment (align.c)
 *   int dmarc_aligned(const char *author, const char *author_org,
 *       const char *id, const char *id_org, dmarc_alignment mode);
 *
 *   Evaluation (policy.c, evaluate.c, dnsops.c)
 *   void dmarc_fetch_from_answer(const dns_answer *a, dmarc_mode mode,
 *       dmarc_fetch *f);
 *   int  dmarc_evaluate(dns_resolver *r, const dmarc_input *in,
 *       const dmarc_options *opt, dmarc_result *res);
 *   int  dmarc_evaluate_with(const dmarc_lookup *lk, const dmarc_input *in,
 *       const dmarc_options *opt, dmarc_result *res);
 *
 *   Names
 *   const char *dmarc_result_name(dmarc_result_code r);
 *   const char *dmarc_policy_name(dmarc_policy p);
 *   const char *dmarc_override_name(dmarc_override o);
 *   const char *dmarc_discovery_name(dmarc_discovery d);
 *
 * DESCRIPTION
 *   dmarc_record_parse() reads one TXT string. It must begin with "v",
 *   optional blanks, "=", blanks and the case-sensitive "DMARC1" (RFC 9989
 *   4.7), else DMARC_RECORD_NOT_DMARC (not a DMARC record: the walk
 *   discards it). Known tags with a valid value fill rec; unknown tags and
 *   invalid values are ignored and noted in rec->invalid (RFC 9989 4.7).
 *   RFC 9989: p, sp, np, adkim, aspf, fo, rua, ruf, psd, t; a missing p is
 *   p=none. RFC 7489: p, sp, adkim, aspf, fo, rua, ruf, pct, rf, ri (np,
 *   psd and t are then unknown); a missing p follows the rule below. Both
 *   modes (RFC 9989 4.10.1, RFC 7489 6.6.3): an invalid p (RFC 7489 also: a
 *   missing p) or an invalid sp/np makes the record act as "p=none" when
 *   rua holds a syntactically valid URI, else DMARC_RECORD_UNUSABLE (the
 *   record exists but no DMARC processing applies). rua/ruf take a comma
 *   list of URIs with an optional "!size[kmgt]" suffix. Values are
 *   case-insensitive; the first occurrence of a repeated tag wins.
 *
 *   dmarc_uri_parse() reads one URI of a rua/ruf list: an RFC 3986 URI
 *   (scheme, then only URI octets, valid percent escapes, no ','), then
 *   an optional "!" size; a mailto: URI must pass dmarc_mailto_parse().
 *   dmarc_mailto_parse() takes a mailto: URI (without the !size) as a
 *   report destination (RFC 9990, RFC 6068): the path, percent-decoded,
 *   is exactly one RFC 5321 Mailbox (dmarc_mailbox_parse); a to=, cc= or
 *   bcc= header field refuses the URI, other header fields are ignored.
 *   dmarc_mailbox_parse() accepts Dot-string "@" Domain (RFC 5321 4.1.2)
 *   in printable ASCII: no quoted local-part, no '%' or '!' in it (source
 *   routes), no address literal, a fully qualified domain of LDH labels;
 *   mb->addr is the mailbox with the domain lowercased, mb->domain the
 *   domain. All three return 0, or -1 with why (never echoing the input).
 *
 *   dmarc_from_parse() takes every From header field value of a message
 *   (without the "From:" name; folded or not) and fills out with the
 *   distinct author domains, lowercased, U-labels converted to A-labels.
 *   The RFC 5322 3.4 grammar is parsed in full: display names (atoms,
 *   quoted strings with quoted-pairs, obsolete phrases with dots, encoded
 *   words as opaque atoms), nested comments, angle addresses with obsolete
 *   routes, RFC 6854 groups, several mailboxes. Anything left over (a
 *   stray ">", a second address after a mailbox, an unclosed bracket) is
 *   DMARC_FROM_SYNTAX: the message cannot be attributed, no guess is made.
 *   Several From fields give DMARC_FROM_MULTIPLE with the domains of all
 *   of them kept in out (for policy discovery and reports: RFC 9989 4.4
 *   allows no Identifier Alignment for a repeated From, so no caller may
 *   let it pass). Values longer than DMARC_FROM_MAX_LEN together give
 *   DMARC_FROM_TOO_LONG; a ninth distinct domain DMARC_FROM_TOO_MANY with
 *   the first DMARC_MAX_AUTHORS kept in out. Every status but
 *   DMARC_FROM_OK means the author cannot be determined.
 *
 *   The tree walk (RFC 9989 4.10) is a state machine without I/O:
 *   dmarc_walk_init() computes the at most DMARC_WALK_MAX names,
 *   dmarc_walk_next() says which name to fetch next (NULL: finished),
 *   dmarc_walk_feed() gives the outcome of that fetch (stop at psd=y|n, at
 *   a temporary failure, or when no labels are left).
 *   dmarc_walk_orgdomain() applies the selection of RFC 9989 4.10.2 (psd=n;
 *   psd=y below the start; fewest labels; else the start itself); it
 *   returns -1 when a temporary failure leaves the answer unknown.
 *   The RFC 7489 mode uses the Public Suffix List through libpsl: a
 *   dmarc_psl is an immutable handle owned by the caller (no globals); to
 *   reload, load a new one, switch pointers, free the old one when no
 *   evaluation uses it. dmarc_psl_load(NULL) loads DMARC_PSL_DEFAULT.
 *
 *   dmarc_aligned(): strict = the names are equal (case-insensitive);
 *   relaxed = equal, or both Organizational Domains are known and equal.
 *
 *   dmarc_evaluate() runs the whole check for one message: policy
 *   discovery for each author domain (RFC 9989 tree walk, or author then
 *   PSL org domain in RFC 7489 mode), alignment of the SPF pass (MAIL FROM
 *   scope only) and of every passing DKIM d=, the np= existence test (A,
 *   AAAA and MX all NXDOMAIN/NODATA: RFC 9989 3.2 "Non-existent
 *   Domains"; a failed test applies sp/p, not np), the disposition from
 *   p/sp/np with t=y one step down, RFC 7489 pct sampling, and local
 *   overrides (exempt author domains, trusted forwarders among the
 *   authenticated domains, mailing lists when honored). Several author domains are evaluated one by one and the
 *   strictest outcome is returned (opt->reject_multi_from: reject). Queries
 *   that are needed at the same time run in parallel; answers are cached
 *   for the message. dmarc_evaluate_with() is the same over any lookup
 *   backend (dmarc_lookup): dmarc_evaluate() wraps dns/dns.h in one.
 *   Both return 0, or -1 on a bad argument (res->reason says which).
 *
 * DIAGNOSTICS
 *   why/reason buffers receive one line naming the cause ("tag 'p' has an
 *   invalid value 'bogus'", "second address after the first mailbox").
 *
 * SEE ALSO
 *   RFC 9989 (DMARC), RFC 7489 (DMARC, obsoleted), RFC 9990 (aggregate
 *   reporting: override names), RFC 5322 3.4, RFC 6854, RFC 5890 2.3.
 */
#ifndef AUTHMILTER_DMARC_H
#define AUTHMILTER_DMARC_H

#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"

/* RFC 1035 2.3.4: a name (without trailing dot) fits in 253 octets. */
#define DMARC_DOMAIN_MAX 253
#define DMARC_DOMAIN_BUF (DMARC_DOMAIN_MAX + 1)
/* RFC 9989 4.10: a tree walk makes at most eight queries. */
#define DMARC_WALK_MAX 8
/* RFC 9989 4.10: names of 8+ labels are cut to 7 after the first query. */
#define DMARC_WALK_CUT_LABELS 8
/* Local limits (no RFC sets one): URIs kept per rua/ruf list, their
 * length, author domains per message, DKIM identifiers considered, DNS
 * queries per message (walks are cached and shared). */
#define DMARC_MAX_URIS 8
#define DMARC_MAX_URI_LEN 255
#define DMARC_MAX_AUTHORS 8
#define DMARC_MAX_DKIM 16
#define DMARC_MAX_QUERIES 64
/* Alignment decisions kept in a result for --explain (SPF and the first
 * DKIM identifiers; the rest are still evaluated). */
#define DMARC_MAX_NOTES 5
/* RFC 5322 2.1.1 limits a line to 998 octets; a folded From may be longer.
 * Local cap on the total length of the From values examined. */
#define DMARC_FROM_MAX_LEN 16384
#define DMARC_PSL_DEFAULT "/usr/share/publicsuffix/public_suffix_list.dat"

typedef enum {
	DMARC_MODE_RFC9989 = 0,
	DMARC_MODE_RFC7489,
} dmarc_mode;

typedef enum {
	DMARC_P_UNSET = 0, /* tag absent (or ignored) */
	DMARC_P_NONE,
	DMARC_P_QUARANTINE,
	DMARC_P_REJECT,
} dmarc_policy;

typedef enum { DMARC_ALIGN_RELAXED = 0, DMARC_ALIGN_STRICT } dmarc_alignment;
typedef enum { DMARC_PSD_U = 0, DMARC_PSD_Y, DMARC_PSD_N } dmarc_psd;

/* fo= options (bits) and rf= formats (bits). */
#define DMARC_FO_0 0x1u
#define DMARC_FO_1 0x2u
#define DMARC_FO_D 0x4u
#define DMARC_FO_S 0x8u
#define DMARC_RF_AFRF 0x1u
#define DMARC_RF_IODEF 0x2u

/* Tag bits for dmarc_record.seen / .invalid. */
enum {
	DMARC_TAG_V = 1u << 0, DMARC_TAG_P = 1u << 1, DMARC_TAG_SP = 1u << 2,
	DMARC_TAG_NP = 1u << 3, DMARC_TAG_ADKIM = 1u << 4,
	DMARC_TAG_ASPF = 1u << 5, DMARC_TAG_FO = 1u << 6,
	DMARC_TAG_RUA = 1u << 7, DMARC_TAG_RUF = 1u << 8,
	DMARC_TAG_PSD = 1u << 9, DMARC_TAG_T = 1u << 10,
	DMARC_TAG_PCT = 1u << 11, DMARC_TAG_RF = 1u << 12,
	DMARC_TAG_RI = 1u << 13, DMARC_TAG_UNKNOWN = 1u << 14,
	DMARC_TAG_SYNTAX = 1u << 15, /* a term that is not tag=value */
};

typedef struct dmarc_uri {
	char uri[DMARC_MAX_URI_LEN + 1]; /* without the !size suffix */
	uint64_t max_size;               /* octets; 0 = no limit given */
	int mailto;                      /* a mailto: URI naming one mailbox */
} dmarc_uri;

/* A report destination: one RFC 5321 mailbox (RFC 5321 4.5.3.1.3: a path
 * of 256 octets with its brackets leaves 254 for the mailbox). */
#define DMARC_MAILBOX_MAX 254
typedef struct dmarc_mailbox {
	char addr[DMARC_MAILBOX_MAX + 1];   /* local@domain, domain lowercased */
	char domain[DMARC_DOMAIN_BUF];      /* lowercased */
} dmarc_mailbox;

int dmarc_uri_parse(const char *s, size_t len, dmarc_uri *u, char *why,
    size_t whylen);
int dmarc_mailto_parse(const char *uri, size_t len, dmarc_mailbox *mb,
    char *why, size_t whylen);
int dmarc_mailbox_parse(const char *s, size_t len, dmarc_mailbox *mb,
    char *why, size_t whylen);

typedef struct dmarc_record {
	dmarc_policy p, sp, np;     /* as published (UNSET if absent/invalid) */
	dmarc_alignment adkim, aspf;
	dmarc_psd psd;
	int t;                      /* t=y */
	unsigned fo;                /* DMARC_FO_* (default DMARC_FO_0) */
	unsigned pct;               /* RFC 7489 (default 100) */
	unsigned rf;                /* RFC 7489 (default DMARC_RF_AFRF) */
	uint32_t ri;                /* RFC 7489 (default 86400) */
	size_t nrua, nruf;
	dmarc_uri rua[DMARC_MAX_URIS], ruf[DMARC_MAX_URIS];
	unsigned seen;              /* DMARC_TAG_* present with a valid value */
	unsigned invalid;           /* DMARC_TAG_* present but ignored */
	int p_implied;              /* p=none came from the rules, not the record */
} dmarc_record;

typedef enum {
	DMARC_RECORD_OK = 0,
	DMARC_RECORD_NOT_DMARC, /* no leading v=DMARC1: not a DMARC record */
	DMARC_RECORD_UNUSABLE,  /* DMARC record without a usable policy */
} dmarc_record_status;

dmarc_record_status dmarc_record_parse(const char *txt, size_t len,
    dmarc_mode mode, dmarc_record *rec, char *why, size_t whylen);

/* Author domains. */
typedef enum {
	DMARC_FROM_OK = 0,
	DMARC_FROM_NONE,         /* no From header field */
	DMARC_FROM_MULTIPLE,     /* several From header fields */
	DMARC_FROM_SYNTAX,       /* not a valid mailbox list */
	DMARC_FROM_NO_ADDRESS,   /* no mailbox (display name only, empty group) */
	DMARC_FROM_BAD_DOMAIN,   /* empty, literal, too long, not a host name, bad IDN */
	DMARC_FROM_TOO_MANY,     /* more than DMARC_MAX_AUTHORS domains */
	DMARC_FROM_TOO_LONG,     /* From values over DMARC_FROM_MAX_LEN */
} dmarc_from_status;

typedef struct dmarc_from {
	size_t ndomains;         /* distinct domains, in order of appearance */
	size_t naddresses;       /* mailboxes seen (with repeats) */
	char domains[DMARC_MAX_AUTHORS][DMARC_DOMAIN_BUF];
} dmarc_from;

dmarc_from_status dmarc_from_parse(const char *const *values,
    const size_t *lens, size_t nvalues, dmarc_from *out,
    char *why, size_t whylen);
const char *dmarc_from_status_name(dmarc_from_status s);

/* One _dmarc TXT lookup, digested. */
typedef enum {
	DMARC_FETCH_NONE = 0,  /* NXDOMAIN, NODATA or no v=DMARC1 record */
	DMARC_FETCH_ONE,       /* exactly one v=DMARC1 record */
	DMARC_FETCH_MANY,      /* several v=DMARC1 records: all discarded */
	DMARC_FETCH_TEMPFAIL,  /* the lookup failed; nothing known */
} dmarc_fetch_status;

typedef struct dmarc_fetch {
	dmarc_fetch_status status;
	dmarc_record_status rstatus; /* for DMARC_FETCH_ONE */
	dmarc_record rec;            /* for DMARC_FETCH_ONE */
	dns_sec sec;
	char why[160];
} dmarc_fetch;

void dmarc_fetch_from_answer(const dns_answer *a, dmarc_mode mode,
    dmarc_fetch *f);

/* RFC 9989 4.10 tree walk, without I/O. */
typedef struct dmarc_walk {
	size_t nnames, next;
	int done, tempfail;
	char names[DMARC_WALK_MAX][DMARC_DOMAIN_BUF];
	dmarc_fetch_status st[DMARC_WALK_MAX];
	dmarc_psd psd[DMARC_WALK_MAX];
} dmarc_walk;

size_t dmarc_walk_init(dmarc_walk *w, const char *domain);
const char *dmarc_walk_next(const dmarc_walk *w);
void dmarc_walk_feed(dmarc_walk *w, const dmarc_fetch *f);
int dmarc_walk_orgdomain(const dmarc_walk *w, char *out, size_t outlen);

/* RFC 7489 3.2: Public Suffix List. */
typedef struct dmarc_psl dmarc_psl;
dmarc_psl *dmarc_psl_load(const char *path, char *why, size_t whylen);
void dmarc_psl_free(dmarc_psl *psl);
int dmarc_psl_orgdomain(const dmarc_psl *psl, const char *domain,
    char *out, size_t outlen);

int dmarc_aligned(const char *author, const char *author_org,
    const char *id, const char *id_org, dmarc_alignment mode);

/* Evaluation. */
typedef enum {
	DMARC_RESULT_NONE = 0,
	DMARC_RESULT_PASS,
	DMARC_RESULT_FAIL,
	DMARC_RESULT_TEMPERROR,
	DMARC_RESULT_PERMERROR,
} dmarc_result_code;

/* RFC 9990 PolicyOverrideType names (sampled_out: RFC 7489 pct). */
typedef enum {
	DMARC_OVERRIDE_NONE = 0,
	DMARC_OVERRIDE_LOCAL_POLICY,
	DMARC_OVERRIDE_TRUSTED_FORWARDER,
	DMARC_OVERRIDE_MAILING_LIST,
	DMARC_OVERRIDE_POLICY_TEST_MODE,
	DMARC_OVERRIDE_SAMPLED_OUT,
	DMARC_OVERRIDE_OTHER,
} dmarc_override;

typedef enum {
	DMARC_DISCOVERY_NONE = 0,  /* no record found */
	DMARC_DISCOVERY_AUTHOR,    /* record at the author domain */
	DMARC_DISCOVERY_TREEWALK,  /* RFC 9989: record at the org domain */
	DMARC_DISCOVERY_PSD,       /* RFC 9989: record at a psd=y domain */
	DMARC_DISCOVERY_PSL,       /* RFC 7489: record at the PSL org domain */
} dmarc_discovery;

typedef struct dmarc_dkim_input {
	const char *domain;     /* d= */
	const char *selector;   /* s= (reporting only; may be NULL) */
	int pass;               /* the signature verified */
	int temperror;          /* its key lookup failed temporarily */
} dmarc_dkim_input;

typedef enum { DMARC_SPF_MFROM = 0, DMARC_SPF_HELO } dmarc_spf_scope;

typedef struct dmarc_input {
	const dmarc_from *from;          /* author domains (dmarc_from_parse) */
	int spf_pass;                    /* SPF result was pass */
	int spf_temperror;               /* SPF result was temperror */
	const char *spf_domain;          /* the domain SPF checked */
	dmarc_spf_scope spf_scope;       /* HELO-scope passes never align */
	const dmarc_dkim_input *dkim;
	size_t ndkim;
	int mailing_list;                /* caller knows it came via a list */
} dmarc_input;

typedef struct dmarc_options {
	dmarc_mode mode;
	const dmarc_psl *psl;            /* RFC 7489 mode: required */
	const char *const *exempt;       /* author domains (and subdomains)
					    never given a disposition */
	size_t nexempt;
	const char *const *trusted_forwarders; /* authenticated (SPF pass or
					    DKIM pass) domains whose mail
					    gets no disposition */
	size_t ntrusted;
	int exempt_source;               /* the caller found the client in
					    an exempt network: no disposition
					    (override local_policy) */
	int reject_multi_from;           /* several author domains: reject */
	int honor_mailing_list;          /* in->mailing_list overrides */
	/* RFC 7489 pct sampling: a number in [0,100) per message; NULL
	 * uses random(). Give a fixed function for reproducible runs. */
	unsigned (*sample)(void *arg);
	void *sample_arg;
	unsigned timeout_ms;             /* 0: the resolver's timeout */
} dmarc_options;

/* One alignment decision, for a person asking why DMARC failed. */
typedef struct dmarc_align_note {
	char id[DMARC_DOMAIN_BUF];     /* SPF MAIL FROM domain or DKIM d= */
	char id_org[DMARC_DOMAIN_BUF]; /* its Organizational Domain; "" when
					  not needed (equal names, strict) */
	int spf;                       /* 1: the SPF identifier; 0: DKIM */
	dmarc_alignment mode;
	int aligned;                   /* 1, 0, -1 unknown (DNS failure) */
} dmarc_align_note;

typedef struct dmarc_result {
	dmarc_result_code result;
	char from_domain[DMARC_DOMAIN_BUF];
	char policy_domain[DMARC_DOMAIN_BUF];  /* where the record was found */
	char org_domain[DMARC_DOMAIN_BUF];     /* "" when unknown */
	dmarc_discovery discovery;
	int have_record;
	dmarc_record record;                   /* the published tags */
	const char *policy_tag;                /* "p", "sp", "np" or "" */
	dmarc_policy policy;                   /* the applicable published policy */
	dmarc_policy disposition;              /* what to do (NONE on pass) */
	int spf_aligned, dkim_aligned;
	char dkim_domain[DMARC_DOMAIN_BUF];    /* the aligned d=, if any */
	dmarc_override override;
	dns_sec sec;                           /* of the policy record */
	int author_exists;                     /* 1, 0, -1 not tested */
	size_t nauthors;                       /* author domains evaluated */
	size_t queries;                        /* DNS queries made */
	size_t nnotes;                         /* alignment decisions */
	dmarc_align_note notes[DMARC_MAX_NOTES];
	char reason[256];
} dmarc_result;

/* A lookup backend: start never blocks; wait returns the answer (owned by
 * the query) by the deadline (dns_now_ms clock); release frees the query. */
typedef struct dmarc_lookup {
	void *(*start)(void *ctx, const char *name, dns_type type);
	const dns_answer *(*wait)(void *ctx, void *q, int64_t deadline_ms);
	void (*release)(void *ctx, void *q);
	int64_t (*now)(void *ctx);      /* monotonic ms, the deadline clock */
	void *ctx;
	unsigned timeout_ms;
} dmarc_lookup;

int dmarc_evaluate(dns_resolver *r, const dmarc_input *in,
    const dmarc_options *opt, dmarc_result *res);
int dmarc_evaluate_with(const dmarc_lookup *lk, const dmarc_input *in,
    const dmarc_options *opt, dmarc_result *res);

/* RFC 9990 4 (RFC 7489 7.1), reportauth.c: a = the TXT answer of name
 * ("PD._report._dmarc.HOST"). 1 when it holds a v=DMARC1 record that
 * authorizes HOST (its own rua, when it has one, must name HOST only;
 * then *mb, when mb is not NULL, is the last such mailbox), else 0 with
 * why. The caller has handled a temporary failure. */
int dmarc_report_auth(const dns_answer *a, const char *name,
    const char *host, dmarc_mailbox *mb, char *why, size_t whylen);

const char *dmarc_result_name(dmarc_result_code r);
const char *dmarc_policy_name(dmarc_policy p);
const char *dmarc_override_name(dmarc_override o);
const char *dmarc_discovery_name(dmarc_discovery d);

#endif
