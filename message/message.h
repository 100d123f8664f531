/*
 * message/message.h - one message's evaluation: envelope, header fields and
 * body chunks in; verdict and Authentication-Results out. The public
 * header of message/, with the message splitter that feeds it (or a DKIM
 * verifier alone) from raw message bytes.
 *
 * SUMMARY
 *   The one module that decides what happens to a message. The milter
 *   callbacks (callbacks.c) and `authmilter check` (cmd_check.c) both drive
 *   it with the same calls, so the command line says exactly what the
 *   daemon does. It runs SPF (spf/), DKIM (dkim/) and DMARC (dmarc/) and
 *   starts every DNS lookup as soon as its inputs are known: SPF when MAIL
 *   FROM arrives (on a worker thread, so the SMTP dialogue is not held),
 *   DKIM keys and DMARC policy records when the header block is complete;
 *   the verdict is computed at end of message.
 *
 * SYNOPSIS
 *   msg_env *msg_env_new(const am_config *cfg, dns_resolver *r,
 *                        char *err, size_t errlen);
 *   void     msg_env_free(msg_env *env);
 *
 *   msg  *msg_new(msg_env *env);
 *   void  msg_free(msg *m);
 *   void  msg_reset(msg *m);
 *
 *   void  msg_connect(msg *m, const char *ip, const char *hostname);
 *   void  msg_helo(msg *m, const char *helo);
 *   void  msg_set_queue_id(msg *m, const char *qid);
 *   void  msg_set_log_id(msg *m, const char *id);
 *   void  msg_set_auth(msg *m, const char *user);
 *   void  msg_set_outbound(msg *m);
 *   int   msg_mail_from(msg *m, const char *addr);
 *   int   msg_rcpt(msg *m, const char *addr);
 *   int   msg_header(msg *m, const char *name, const char *value, size_t len);
 *   int   msg_header_skipped(msg *m, const char *name, size_t len);
 *   int   msg_eoh(msg *m);
 *   int   msg_body(msg *m, const void *data, size_t len);
 *   const msg_verdict *msg_eom(msg *m);
 *   const char *msg_action_name(msg_action a);
 *   int   msg_verdict_removes(const msg_verdict *v, unsigned idx);
 *   const am_config *msg_env_config(const msg_env *env);
 *   void  msg_env_set_now(msg_env *env, int64_t now);
 *   const char *msg_mail_from_addr(const msg *m);
 *   const char *msg_helo_name(const msg *m);
 *
 *   Whole messages (msgparse.c, message_feed.c, dkim_msg.c)
 *   void mp_init(msgparse *p, const msgparse_events *ev, void *arg,
 *                size_t max_field);
 *   int  mp_push(msgparse *p, const char *data, size_t len);
 *   int  mp_finish(msgparse *p);
 *   void mp_free(msgparse *p);
 *   extern const msgparse_events msg_parse_events;
 *   extern const msgparse_events dkim_msg_events;
 *   int  dkim_msg_verify(dkim_verifier *v, const char *text, size_t len,
 *            char *err, size_t errlen);
 *
 * DESCRIPTION
 *   A msg_env holds what every message shares: the configuration, the
 *   resolver, the Public Suffix List, the SPF worker pool. It is immutable
 *   while messages use it; a reload builds a new one.
 *
 *   A msg lives for one SMTP connection: msg_connect() and msg_helo() set
 *   the connection's facts; msg_reset() ends one message (finished or
 *   aborted) and keeps them. The calls of one message come in SMTP order:
 *   mail_from, rcpt..., header..., eoh, body..., eom. Addresses are given
 *   as the MTA passes them (with or without <>). Header values are the raw
 *   text after the colon (leading white space kept, folding as CRLF or LF).
 *   Body chunks have CRLF line ends and any boundaries. Nothing of the body
 *   is kept. Calls return 0, or -1 when the message can no longer be
 *   evaluated (memory, limits): msg_eom() then gives the configured
 *   internal-error action, never a silent accept.
 *
 *   msg_header_skipped() stands for a header field the MTA sent but that
 *   was too big to be read (its value of len bytes is unknown): the
 *   message is over its header limit (its DKIM signatures are `policy`),
 *   an Authentication-Results field of that size is removed whatever it
 *   claims (its authserv-id was not read), and a From field makes the
 *   From bad (too long): its author is unknown, so bad_from_action
 *   decides, never a DMARC pass.
 *
 *   msg_eom() waits (bounded by the DNS deadlines) for every lookup and
 *   returns the verdict, valid until msg_reset()/msg_free().
 *
 *   The From field has its own bound (MSG_MAX_FROM fields and
 *   DMARC_FROM_MAX_LEN octets), outside max_header_bytes. A message whose
 *   author cannot be determined - no From, several From fields (even
 *   naming one domain), one that does not parse, a domain literal, a
 *   field or fields past that bound, more than DMARC_MAX_AUTHORS author
 *   domains - is a "bad From" (v->bad_from, RFC 9989 4.4): dmarc=permerror
 *   with the reason in the header, never pass, and bad_from_action
 *   decides. Every Authentication-Results field claiming our authserv-id
 *   is marked for removal, however many (msg_verdict_removes()).
 *
 *   Every lookup of a message is bounded by one deadline
 *   (message_dns_timeout from MAIL FROM, or from the first call) and one
 *   count (message_dns_queries); a lookup past either is a temperror whose
 *   reason names the bound, and the verdict says how many lookups were
 *   made and which bound was met.
 *
 *   msg_set_outbound(), called before msg_mail_from(), marks the
 *   message as outgoing mail that is signed (verify_signed = no): it is
 *   not checked, as mail from trusted_networks is not; msg_reset()
 *   forgets it.
 *
 *   msg_set_log_id(), called before msg_mail_from(), names the message
 *   in the resolver's trace (dns.h: the tag of the message's DNS budget,
 *   cut to DNS_BUDGET_TAG_MAX - 1 octets), so a debug log can show which
 *   message asked each question; msg_reset() forgets it.
 *   v->dns_wait_ms is how long msg_eom() waited for the SPF job, the
 *   DKIM keys (dkim_eom(), which also checks the signatures: microseconds)
 *   and the DMARC lookups: the part of the end-of-message reply spent on
 *   DNS.
 *
 *   msg_env_config() is the configuration the environment was built
 *   with; msg_env_set_now() fixes its clock (Unix seconds; 0: the real
 *   clock) before a msg uses it (`authmilter check --now`, tests).
 *   msg_mail_from_addr() is the MAIL FROM address as kept (without <>;
 *   "" for the null sender) and msg_helo_name() the HELO name, for a
 *   front end that explains a verdict.
 *
 *   Whole messages: the message splitter (mp_*) takes raw message bytes
 *   in chunks of any size and hands back the events a milter would see:
 *   each header field as (name, value), the end of the header block, and
 *   body chunks. The command-line front ends use it to drive the same
 *   evaluation the milter callbacks drive: msg_parse_events feed the msg
 *   given as the parser's arg (msg_header, msg_eoh, msg_body, in the
 *   order and shape the milter callbacks use):
 *   mp_init(&p, &msg_parse_events, m, max), mp_push() per chunk,
 *   mp_finish(), then msg_eom(m).
 *
 *   Line ends may be CRLF or bare LF; every line end handed out is CRLF
 *   (a bare CR inside a line is kept as it is). A header field's value is
 *   everything after the colon, leading white space included, with folding
 *   line breaks kept (as CRLF) and the final line break removed: exactly
 *   what libmilter hands a milter that negotiated SMFIP_HDR_LEADSPC.
 *   The header block ends at the first empty line (not passed on) or at
 *   the first line that is neither a field nor a continuation (it starts
 *   the body, as Postfix does). A leading mbox "From " line is skipped.
 *   Body bytes are passed on as they arrive (with LF turned into CRLF); the
 *   body is never held.
 *
 *   A header field longer than max_field octets (RFC 5322 2.1.1 sets no
 *   limit on folded fields; the caller picks one) is an error: mp_push()
 *   and mp_finish() return -1 and `p->error` says why. Once failed, a
 *   parser stays failed. An event callback that returns non-zero stops
 *   the parse the same way.
 *   mp_finish() flushes a header block that had no body (ending without an
 *   empty line) and must be called once after the last push.
 *
 *   dkim_msg_events hands msgparse's header fields, end of headers and
 *   body chunks to dkim_header(), dkim_eoh() and dkim_body() of the
 *   verifier given as the parser's arg; a stream is verified by
 *   mp_init(&p, &dkim_msg_events, v, DKIM_MSG_MAX_FIELD), mp_push() per
 *   chunk, mp_finish(), then dkim_eom(v).
 *
 *   dkim_sign_msg_events does the same for a DKIM signer
 *   (dkim/dkim_sign.h: dkim_signer_header(), _eoh(), _body()); then
 *   dkim_signer_finish(). dkim_msg_sign() signs a message in memory so:
 *   0 with the DKIM-Signature fields (CRLF) appended to out, or -1 with
 *   the reason in err.
 *
 *   dkim_msg_verify() does all of that for a message in memory (LF or
 *   CRLF line ends, optional mbox "From " line). Returns 0 when the
 *   verifier has its results (dkim_count(), dkim_result_at()), or -1 with
 *   the reason in err (out of memory, a header field over
 *   DKIM_MSG_MAX_FIELD octets).
 *
 *   Signing (msg_sign.c)
 *   sign_conf *sign_conf_new(const am_config *cfg, sign_problem_fn fn,
 *            void *arg, char *err, size_t errlen);
 *   void sign_conf_free(sign_conf *sc);
 *   size_t sign_conf_nkeys(const sign_conf *sc);
 *   const sign_entry *sign_conf_entry(const sign_conf *sc, size_t i);
 *   unsigned sign_conf_wants(const sign_conf *sc, const char *ip,
 *            const char *auth, const char *daemon_name);
 *   size_t sign_conf_select(const sign_conf *sc, const char *domain,
 *            const sign_entry **out, size_t max);
 *   msign *msign_new(const sign_conf *sc);
 *   int  msign_header(msign *ms, const char *name, const char *value,
 *            size_t len);
 *   int  msign_eoh(msign *ms);
 *   int  msign_body(msign *ms, const void *p, size_t n);
 *   int  msign_finish(msign *ms, strbuf *out);
 *   const char *msign_error(const msign *ms), *msign_domain(...),
 *            *msign_selectors(...), *msign_algs(...);
 *   void msign_free(msign *ms);
 *
 *   sign_conf_new() builds what signing needs from cfg (which must
 *   outlive it): sign_networks parsed, sign_headers parsed, and every
 *   sign_key entry's private key loaded (dkim_privkey_load(), as whoever
 *   calls it: the daemon as its run-as user, at start and on reload).
 *   Each problem is handed to fn (may be NULL) with the entry's config
 *   line and error = 1 (the file is missing, unreadable, refused: too
 *   small, bad format) or 0 (a warning: group/world-readable, RSA under
 *   2048 bits); any error makes it return NULL with err set, so a reload
 *   with a bad key keeps the old runtime. It is immutable afterwards and
 *   shared by every message of a runtime.
 *   sign_conf_wants() is why a message is to be signed, SIGN_WHY_* bits
 *   (0: not): the client ip in sign_networks, auth (the {auth_authen}
 *   macro) non-empty with sign_authenticated, daemon_name (the
 *   {daemon_name} macro) one of sign_daemon_names; always 0 without keys.
 *   sign_conf_select() gives the entries that sign mail whose From domain
 *   is domain (lowercase): the most specific match (an exact DOMAIN entry
 *   beats .DOMAIN; a longer .DOMAIN beats a shorter one), every entry of
 *   that match, in config order (up to max); 0 when none matches.
 *
 *   msign_* sign one message: header fields as they arrive (kept, within
 *   max_header_bytes, until the From domain is known), msign_eoh() picks
 *   the keys (sign_conf_select; the d= is the entry's signing domain or
 *   the From domain; entries with another signing domain are left out)
 *   and starts the DKIM signer, msign_body() streams the body to it,
 *   msign_finish() appends the DKIM-Signature fields (CRLF, one per key)
 *   to out. Each returns 0, MSIGN_NOKEY (no sign_key entry for the From
 *   domain: nothing is signed) or -1 (msign_error(): no From field,
 *   several, one that does not parse or names several domains, a header
 *   block over max_header_bytes, a signer failure); once failed it stays
 *   failed. msign_domain() is the d= (or the From domain when NOKEY),
 *   msign_selectors() and msign_algs() the s= and a= values, comma
 *   separated, for the log line.
 */
#ifndef AUTHMILTER_MESSAGE_H
#define AUTHMILTER_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "dkim/dkim.h"
#include "dkim/arc.h"
#include "dkim/dkim_sign.h"
#include "dmarc/dmarc.h"
#include "dns/dns.h"
#include "config/config.h"
#include "spf/spf.h"
#include "util/strbuf.h"

typedef enum {
	MSG_ACCEPT,      /* deliver (with our headers added) */
	MSG_QUARANTINE,  /* deliver to quarantine (the milter quarantine action) */
	MSG_REJECT,      /* 5xx */
	MSG_TEMPFAIL,    /* 4xx */
} msg_action;

#define MSG_QUARANTINE_HEADER "X-Authmilter-Quarantine"

/* iprev, RFC 8601 2.7.3 (config key iprev); NONE: not checked. */
typedef enum {
	MSG_IPREV_NONE, MSG_IPREV_PASS, MSG_IPREV_FAIL, MSG_IPREV_TEMPERROR,
	MSG_IPREV_PERMERROR,
} msg_iprev_code;

typedef struct msg_iprev_result {
	msg_iprev_code code;
	char ip[64];                 /* the client address: policy.iprev */
	char name[DNS_MAX_NAME_LEN + 1]; /* confirmed (pass) or first PTR name */
	dns_sec ptr_sec, fwd_sec;    /* DNSSEC state of the PTR / forward answer */
	char why[160];               /* why not pass, or "" */
} msg_iprev_result;

const char *msg_iprev_name(msg_iprev_code c);

typedef struct msg_verdict {
	msg_action action;
	char smtp_rcode[4];          /* "550", "451" (reject/tempfail) */
	char smtp_xcode[8];          /* "5.7.1" */
	char smtp_text[256];         /* "DMARC policy of example.com: reject" */
	char quarantine_reason[256];
	const char *quarantine_header; /* value of MSG_QUARANTINE_HEADER to
					  add (quarantine_action = header) */
	const char *auth_results;    /* the AR header value, folded with CRLF WSP
					(TAB; SP inside a quoted reason), without the field name */
	const char *received_spf;    /* Received-SPF value, or NULL */
	/* The Authentication-Results fields claiming our authserv-id, all
	 * of them: msg_verdict_removes(v, i) for i in 1..nar (1-based among
	 * the AR fields, as the milter change-header action counts them). */
	unsigned nar;                /* AR fields in the message */
	size_t nremove;              /* of them to remove */
	const unsigned char *remove_map; /* bit i-1 set: remove the i-th */
	size_t remove_map_size;      /* octets */
	int skipped;                 /* trusted network / authenticated */

	/* What was found, for logs, JSON and the history store. */
	const spf_result *spf;       /* the deciding identity */
	const spf_result *spf_mailfrom;
	const spf_result *spf_helo;
	size_t ndkim;
	const dkim_sigresult *const *dkim;
	const dmarc_result *dmarc;
	const dmarc_from *from;
	dmarc_from_status from_status;
	/* RFC 9989 4.4: the author cannot be determined (from_status is not
	 * ok: no From, several, unparsable, over a bound): dmarc=permerror,
	 * never pass, and bad_from_action decides. */
	int bad_from;
	const char *from_reason;     /* why the From is bad ("" when not) */
	char reason[256];            /* one line: why this action */

	/* The message's DNS budget (message_dns_timeout, message_dns_queries). */
	unsigned dns_queries;        /* lookups sent for it */
	unsigned dns_refused;        /* lookups the query budget refused */
	const char *dns_limit;       /* the bound(s) a lookup met, or NULL */
	const msg_iprev_result *iprev; /* NULL: iprev not checked */
	const arc_chain *arc;        /* NULL: ARC not verified (config arc) */
	/* arc_trusted_sealers: the sealer whose word made the disposition
	 * none (override trusted_forwarder), its instance and what its
	 * ARC-Authentication-Results said; NULL when none did */
	const char *arc_trusted_sealer;
	unsigned arc_trusted_instance;
	const char *arc_trusted_said;
	unsigned dns_wait_ms; /* time this message's thread spent waiting on DNS answers and the SPF job at end of message */
	/* upstream_networks: the client judged (the connection's, or the
	 * original client named by the gateway's Received field: the
	 * reports' source IP), and for mail through a gateway what was
	 * found or why nothing was (NULL otherwise), for the log line. */
	const char *source_ip;
	const char *upstream;
	/* arc_seal (msg_seal.c): the ARC set added to a delivered message
	 * ("ARC-Seal: ...\r\nARC-Message-Signature: ...\r\n
	 * ARC-Authentication-Results: ...\r\n", folded with CRLF WSP: insert
	 * them at the top in that order) or NULL; arc_seal_note says what
	 * was done ("sealed i=N cv=X", "not sealed: why", "cannot seal:
	 * why"), NULL when arc_seal is not set or the message not checked;
	 * arc_seal_failed: a sealing error (on_seal_error applied). */
	const char *arc_seal;
	const char *arc_seal_note;
	int arc_seal_failed;
} msg_verdict;

typedef struct msg_env msg_env;
typedef struct msg msg;

msg_env *msg_env_new(const am_config *cfg, dns_resolver *r, char *err,
    size_t errlen);
void msg_env_free(msg_env *env);

msg *msg_new(msg_env *env);
void msg_free(msg *m);
void msg_reset(msg *m);

void msg_connect(msg *m, const char *ip, const char *hostname);
void msg_helo(msg *m, const char *helo);
void msg_set_queue_id(msg *m, const char *qid);
void msg_set_log_id(msg *m, const char *id);
void msg_set_auth(msg *m, const char *user);
void msg_set_outbound(msg *m);
int msg_mail_from(msg *m, const char *addr);
int msg_rcpt(msg *m, const char *addr);
int msg_header(msg *m, const char *name, const char *value, size_t len);
int msg_header_skipped(msg *m, const char *name, size_t len);
int msg_eoh(msg *m);
int msg_body(msg *m, const void *data, size_t len);
const msg_verdict *msg_eom(msg *m);

/* "accept", "quarantine", "reject", "tempfail" */
const char *msg_action_name(msg_action a);

/* 1 when the idx-th Authentication-Results field (1-based) claims our
 * authserv-id and is to be removed. */
int msg_verdict_removes(const msg_verdict *v, unsigned idx);

const am_config *msg_env_config(const msg_env *env);
void msg_env_set_now(msg_env *env, int64_t now);
const char *msg_mail_from_addr(const msg *m);
const char *msg_helo_name(const msg *m);

/* Whole messages: the splitter (msgparse.c) */
typedef struct msgparse_events {
	int (*header)(void *arg, const char *name, size_t namelen,
	    const char *value, size_t valuelen);
	int (*eoh)(void *arg);
	int (*body)(void *arg, const char *data, size_t len);
} msgparse_events;

typedef struct msgparse {
	const msgparse_events *ev;
	void *arg;
	int state;          /* MP_* in msgparse.c */
	int pending_cr;     /* a CR was the last byte of the previous push */
	int at_bol;         /* at the beginning of a line */
	size_t nlines;      /* header lines seen */
	strbuf field;       /* the header field being assembled */
	strbuf line;        /* the header line being assembled */
	strbuf out;         /* body bytes converted to CRLF, per push */
	char error[128];
} msgparse;

void mp_init(msgparse *p, const msgparse_events *ev, void *arg,
    size_t max_field);
int mp_push(msgparse *p, const char *data, size_t len);
int mp_finish(msgparse *p);
void mp_free(msgparse *p);

/* msgparse events that feed the msg given as their argument (whole
 * messages: `authmilter check`, tests): mp_init(&p, &msg_parse_events, m, max) */
extern const msgparse_events msg_parse_events;

/* One header field; RFC 5322 2.1.1 bounds lines, not folded fields (local policy). */
#define DKIM_MSG_MAX_FIELD (1024 * 1024)

extern const msgparse_events dkim_msg_events;

int dkim_msg_verify(dkim_verifier *v, const char *text, size_t len, char *err,
    size_t errlen);
extern const msgparse_events dkim_sign_msg_events;
/* msgparse events feeding an ARC verifier (arc_msg.c) */
extern const msgparse_events arc_msg_events;
/* ARC sealing of a whole message (arc_msg.c): v (a fresh verifier) and
 * s (a fresh sealer) fed in one pass, then arc_sealer_finish() with v's
 * chain and the payload aar, or, aar NULL, the message's own
 * Authentication-Results claiming authserv_id merged into one (RFC 8617
 * 4.1.1; none is an error). Returns arc_sealer_finish()'s 1 (the fields
 * appended to out) or 0 (not to be sealed), or -1; err says why or
 * "sealed i=N cv=X". */
int arc_msg_seal(arc_verifier *v, arc_sealer *s, const char *text,
    size_t len, const char *authserv_id, const char *aar, strbuf *out,
    char *err, size_t errlen);
int dkim_msg_sign(dkim_signer *sg, const char *text, size_t len, strbuf *out,
    char *err, size_t errlen);

/* Signing in the milter (msg_sign.c) */
typedef struct sign_entry {
	config_sign_key k;
	unsigned line;            /* of the sign_key line in the config */
	dkim_privkey *key;
} sign_entry;
typedef struct sign_conf sign_conf;
typedef struct msign msign;
typedef void (*sign_problem_fn)(void *arg, unsigned line, int error,
    const char *msg);

#define SIGN_WHY_NETWORK 1u   /* client in sign_networks */
#define SIGN_WHY_AUTH 2u      /* SMTP-authenticated ({auth_authen}) */
#define SIGN_WHY_DAEMON 4u    /* {daemon_name} in sign_daemon_names */
#define MSIGN_NOKEY 1

sign_conf *sign_conf_new(const am_config *cfg, sign_problem_fn fn, void *arg,
    char *err, size_t errlen);

/* ARC sealing in the milter (arc_msg.c): the arc_seal entry, its key
 * and the arc_seal_headers list read once per runtime (like
 * sign_conf_new(): each problem to fn with the config line - arc_seal's
 * for arc_seal_headers too -, error 1 or warning 0; -1 with err on an
 * error; 0 and
 * *out NULL when arc_seal is not set, with a warning at line 0 when
 * arc_seal_headers is set all the same). arc_seal_conf_sealer() makes the
 * sealer of one message (t= now; 0: the clock) (dkim/arc.h: fed like the ARC verifier, then
 * arc_sealer_finish() at end of message with the verifier's chain and
 * the message's Authentication-Results value as the AAR payload). */
typedef struct arc_seal_conf arc_seal_conf;
int arc_seal_conf_new(const am_config *cfg, arc_seal_conf **out,
    sign_problem_fn fn, void *arg, char *err, size_t errlen);
arc_sealer *arc_seal_conf_sealer(const arc_seal_conf *c, int64_t now,
    char *err, size_t errlen);
void arc_seal_conf_free(arc_seal_conf *c);
/* The runtime's arc_seal (borrowed: it outlives env) for every message
 * of env (msg_seal.c): a checked message that is delivered (accept or
 * quarantine) gets the next ARC set in its verdict (v->arc_seal); NULL:
 * no sealing. */
void msg_env_set_arc_seal(msg_env *env, const arc_seal_conf *c);
void sign_conf_free(sign_conf *sc);
size_t sign_conf_nkeys(const sign_conf *sc);
const sign_entry *sign_conf_entry(const sign_conf *sc, size_t i);
unsigned sign_conf_wants(const sign_conf *sc, const char *ip, const char *auth,
    const char *daemon_name);
size_t sign_conf_select(const sign_conf *sc, const char *domain,
    const sign_entry **out, size_t max);
msign *msign_new(const sign_conf *sc);
void msign_free(msign *ms);
int msign_header(msign *ms, const char *name, const char *value, size_t len);
int msign_eoh(msign *ms);
int msign_body(msign *ms, const void *p, size_t n);
int msign_finish(msign *ms, strbuf *out);
const char *msign_error(const msign *ms);
const char *msign_domain(const msign *ms);
const char *msign_selectors(const msign *ms);
const char *msign_algs(const msign *ms);

#endif
