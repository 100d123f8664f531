/*
 * config/config.h - authmilter's configuration: one file, `key = value`.
 *
 * SUMMARY
 *   The settings of the daemon and the subcommands, their defaults, and the
 *   reader of /etc/authmilter.conf. Every key is one row of a table
 *   (config.c) with its type, bounds and one line of documentation; the
 *   man page, the example config and `authmilter config` come from the same
 *   rows, and a test checks that they agree.
 *
 * SYNOPSIS
 *   void config_init(am_config *cfg);
 *   int  config_load(am_config *cfg, const char *path, char *err, size_t errlen);
 *   int  config_set(am_config *cfg, const char *key, const char *value,
 *            char *err, size_t errlen);
 *   int  config_build(am_config *cfg, const char *path, int path_given,
 *            const config_override *ov, size_t nov, char *err,
 *            size_t errlen);
 *   int  config_absolute_paths(am_config *cfg, const char *base,
 *            char *err, size_t errlen);
 *   void config_free(am_config *cfg);
 *   void config_dns(const am_config *cfg, dns_config *out);
 *   void config_write(const am_config *cfg, FILE *fp, int with_docs);
 *   const config_key *config_keys(size_t *n);
 *   const char *config_default(const char *key);
 *   void config_write_man(FILE *fp);
 *   const config_foreign_key *config_foreign_keys(size_t *n);
 *   void config_unknown_hint(const char *name, char *buf, size_t len);
 *
 * DESCRIPTION
 *   config_init() sets every default. config_load() reads a file: blank
 *   lines and lines whose first non-blank character is '#' are ignored;
 *   other lines are `key = value` (white space around both trimmed; a value
 *   may be "quoted", up to the next '"'; a '#' that begins an unquoted value
 *   or follows a blank in it, or follows the closing quote, starts a
 *   comment; other text after the closing quote, or no closing quote, is an
 *   error). An unknown key, a bad value, a repeated key or a line
 *   without '=' is an error naming the file and line; then nothing of the
 *   file is applied (cfg is left as it was), so a reload with a broken file
 *   keeps the old settings. config_set() applies one key (command-line flags
 *   use it, after the file). List keys (dns_forward, trusted_networks) take
 *   values separated by commas or white space. A repeatable key
 *   (CFG_LINES: sign_key) may appear on many lines, each adding one entry
 *   whose line number is kept (sign_key_line) for messages; config_set()
 *   adds one entry (line 0).
 *   config_sign_key_parse() reads one sign_key entry (config_sign_key);
 *   0, or -1 with the reason. config_sign_key_match() says how closely
 *   the entry covers a From domain (any case): 0 not at all, else the
 *   length of the name matched, + 1 for an exact DOMAIN entry (so it beats
 *   a .DOMAIN entry of the same name): the greatest match signs.
 *   config_absolute_paths() makes each relative file path of cfg (socket
 *   unix:PATH or local:PATH, pidfile, dns_zone, dns_conf,
 *   dns_trust_anchor, psl_file, a history that is not a URI) absolute
 *   against base, the directory the daemon was started in ("./" dropped);
 *   with base NULL a relative path is an error. 0, or -1 with the key.
 *   config_dns() fills a dns_config that points into cfg.
 *   config_default() is a key's built-in default as text ("" for an
 *   unknown key). config_write_man() prints every key as roff for
 *   authmilter.conf(5): name, type, default and documentation (doc/
 *   authmilter.conf.5 embeds this output; a test checks it is current).
 *   config_write() prints every key with its current value (and its
 *   documentation when with_docs), in the file's own syntax.
 *   Strings in am_config are owned by it; config_free() releases them.
 *
 *   config_build() is what the daemon and the subcommands share: the
 *   defaults, then the file (path; when not path_given a missing file is
 *   not an error - the defaults stand), then the overrides (command-line
 *   flags) in order, then derived defaults (authserv_id = the host name
 *   when empty). On error cfg holds nothing to free.
 *
 *   config_foreign_keys() is the table of OpenDKIM's and OpenDMARC's keys
 *   (config_migrate.c): each name, which of the two has it, the authmilter
 *   key it becomes (NULL: none) and how, or why there is none.
 *   config_unknown_hint() is what follows "unknown key 'NAME'" in an error:
 *   for one of those names (any case) " (an OpenDKIM key): did you mean
 *   'KEY'? NOTE" or " (...): no equivalent: NOTE"; else for a key within
 *   two edits (any case) ": did you mean 'KEY'?"; else "".
 */
#ifndef AUTHMILTER_CONFIG_H
#define AUTHMILTER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "dns/dns.h"

#define CONFIG_DEFAULT_PATH "/etc/authmilter.conf"
#define CONFIG_MAX_LINE 4096       /* longest line read from the file */
#define CONFIG_MAX_LIST 64         /* longest list value (entries) */
#define CONFIG_ARC_SEAL_MAX 1      /* arc_seal: one sealer per site */
#define CONFIG_MAX_PATH 4096       /* longest path made absolute (PATH_MAX) */

typedef struct am_config {
	/* daemon */
	char *socket;
	unsigned socket_mode;
	char *socket_group;
	char *user;
	char *group;
	char *pidfile;
	char *authserv_id;
	unsigned on_internal_error;   /* CONFIG_ACTION_* */

	/* DNS */
	char *dns_zone;
	char *dns_conf;
	char *dns_trust_anchor;
	char *dns_forward[CONFIG_MAX_LIST];
	size_t ndns_forward;
	unsigned dns_timeout_ms;
	unsigned message_dns_timeout_ms; /* one deadline per message */
	unsigned message_dns_queries; /* one lookup budget per message */
	unsigned on_dns_temperror;    /* CONFIG_ACTION_* */

	/* what is checked, and what is said about mail that is not */
	char *trusted_networks[CONFIG_MAX_LIST];
	size_t ntrusted_networks;
	unsigned skip_authenticated;  /* bool */
	unsigned skipped_header;      /* CONFIG_SKIPPED_* */
	unsigned max_header_bytes;
	unsigned spf_threads;

	/* SPF */
	unsigned spf_reject_fail;     /* bool */
	unsigned received_spf;        /* bool */
	unsigned iprev;               /* bool: RFC 8601 2.7.3 */

	/* DKIM */
	unsigned dkim_max_signatures;
	unsigned dkim_min_rsa_bits;
	unsigned dkim_max_rsa_bits;
	unsigned dkim_allow_sha1;     /* bool */
	unsigned dkim_clock_skew;
	unsigned dkim_fail_short_l;   /* bool */

	/* DMARC */
	unsigned dmarc_mode;          /* CONFIG_DMARC_RFC9989 / _RFC7489 */
	char *psl_file;
	unsigned dmarc_enforce;       /* bool: act on p=reject/quarantine */
	unsigned quarantine_action;   /* CONFIG_QUARANTINE_* */
	unsigned dmarc_reject_multi_from; /* bool */
	unsigned bad_from_action;     /* CONFIG_BADFROM_* */
	char *dmarc_exempt_domains[CONFIG_MAX_LIST];
	size_t ndmarc_exempt_domains;
	char *dmarc_trusted_forwarders[CONFIG_MAX_LIST];
	size_t ndmarc_trusted_forwarders;
	char *dmarc_exempt_networks[CONFIG_MAX_LIST];
	size_t ndmarc_exempt_networks;

	/* -- daemon and operations (milter issue) -- */
	unsigned max_connections;     /* milter connections served at once */

	/* -- history store and reports (reports issue) -- */
	char *history;                /* SQLite path or postgresql:// URI; "" off */
	unsigned history_queue_size;
	unsigned history_queue_bytes;
	unsigned history_batch_size;
	unsigned history_queue_full;  /* CONFIG_QFULL_* */
	unsigned history_queue_wait_ms;
	char *report_org_name;
	char *report_email;
	char *report_submitter;
	char *report_sendmail;
	char *report_envelope_from;
	unsigned report_format;       /* report_format (report/report.h) */
	unsigned report_verify_external; /* bool */

	/* -- metrics (issue 13) -- */
	char *metrics;                /* inet:PORT@HOST of /metrics; "" off */
	/* -- logs (issue 13) -- */
	unsigned log_facility;        /* CONFIG_LOGFAC_*: mail, daemon, local0-7 */
	unsigned log_success;         /* bool: log messages that passed */
	unsigned log_format;          /* CONFIG_LOG_TEXT / _JSON */

	/* -- signing (issue 14) -- */
	char *sign_key[CONFIG_MAX_LIST];   /* "DOMAIN SELECTOR FILE [SDID]" */
	size_t nsign_key;
	unsigned sign_key_line[CONFIG_MAX_LIST]; /* its line in the file; 0:
						     the command line */
	char *sign_networks[CONFIG_MAX_LIST];
	size_t nsign_networks;
	unsigned sign_authenticated;  /* bool */
	char *sign_daemon_names[CONFIG_MAX_LIST];
	size_t nsign_daemon_names;
	char *sign_headers;
	char *sign_oversign_headers;
	unsigned sign_canon;          /* CONFIG_CANON_* */
	unsigned sign_expire;         /* seconds; 0: no x= */
	unsigned on_sign_error;       /* CONFIG_SIGNERR_* */
	unsigned verify_signed;       /* bool */

	/* -- behind a gateway (issue 15) -- */
	char *upstream_networks[CONFIG_MAX_LIST];
	size_t nupstream_networks;
	char *trusted_authserv_ids[CONFIG_MAX_LIST];
	size_t ntrusted_authserv_ids;
	/* -- ARC sealing (issue 15) -- */
	char *arc_seal[CONFIG_ARC_SEAL_MAX];  /* "DOMAIN SELECTOR FILE" */
	size_t narc_seal;
	unsigned arc_seal_line[CONFIG_ARC_SEAL_MAX];
	unsigned on_seal_error;       /* CONFIG_SEALERR_* */
	char *arc_seal_headers[CONFIG_MAX_LIST];  /* AMS h=; none: built-in */
	size_t narc_seal_headers;
	/* ARC verification (RFC 8617) */
	unsigned arc;                 /* bool: verify ARC chains */
	char *arc_trusted_sealers[CONFIG_MAX_LIST];
	size_t narc_trusted_sealers;
	/* -- failure reports, RFC 9991 (issue 15) -- */
	unsigned failure_reports;     /* bool: off by default (privacy) */
	unsigned failure_report_redact; /* CONFIG_FRREDACT_* */
	char *failure_report_from;    /* "" report_email, else postmaster@ */
	unsigned failure_report_rate; /* per hour, per domain and destination */
} am_config;

#define CONFIG_FRREDACT_HEADERS 0    /* header fields, no body */
#define CONFIG_FRREDACT_LOCALPARTS 1 /* and local-parts masked */

enum { CONFIG_CANON_RELAXED_RELAXED, CONFIG_CANON_RELAXED_SIMPLE,
    CONFIG_CANON_SIMPLE_RELAXED, CONFIG_CANON_SIMPLE_SIMPLE };
enum { CONFIG_SIGNERR_TEMPFAIL, CONFIG_SIGNERR_ACCEPT, CONFIG_SIGNERR_REJECT };
enum { CONFIG_SEALERR_ACCEPT, CONFIG_SEALERR_TEMPFAIL };  /* on_seal_error */

/* One sign_key entry: DOMAIN SELECTOR FILE [SIGNING_DOMAIN]. DOMAIN is
 * lowercase; ".example.com" or "*.example.com" (subdomains = 1) matches
 * the sub-domains of example.com only. */
#define CONFIG_SIGN_NAME 256          /* a domain name, RFC 1035 2.3.4 */
#define CONFIG_SIGN_SELECTOR 64       /* local limit (one DNS label) */
typedef struct config_sign_key {
	char domain[CONFIG_SIGN_NAME];
	int subdomains;
	char selector[CONFIG_SIGN_SELECTOR];
	char file[CONFIG_MAX_PATH];
	char signing_domain[CONFIG_SIGN_NAME]; /* "" : the From domain */
} config_sign_key;

int config_sign_key_parse(const char *value, config_sign_key *out,
    char *err, size_t errlen);
/* One arc_seal entry: DOMAIN SELECTOR FILE (d=, s= and the key of the
 * ARC sets the site adds, RFC 8617 5.1): in a config_sign_key, no
 * sub-domain form, no signing domain. 0, or -1 with the reason. */
int config_arc_seal_parse(const char *value, config_sign_key *out,
    char *err, size_t errlen);
size_t config_sign_key_match(const config_sign_key *k, const char *domain);

enum { CONFIG_LOGFAC_MAIL, CONFIG_LOGFAC_DAEMON, CONFIG_LOGFAC_LOCAL0 };
enum { CONFIG_LOG_TEXT, CONFIG_LOG_JSON };

enum { CONFIG_QFULL_DROP, CONFIG_QFULL_WAIT };

enum { CONFIG_SKIPPED_NONE, CONFIG_SKIPPED_HEADER };
enum { CONFIG_DMARC_RFC9989, CONFIG_DMARC_RFC7489 };
enum { CONFIG_QUARANTINE_QUARANTINE, CONFIG_QUARANTINE_ACCEPT,
    CONFIG_QUARANTINE_HEADER };

/* bad_from_action; auto: reject with dmarc_enforce, else accept */
enum { CONFIG_BADFROM_AUTO, CONFIG_BADFROM_REJECT, CONFIG_BADFROM_QUARANTINE,
    CONFIG_BADFROM_TEMPFAIL, CONFIG_BADFROM_ACCEPT };

enum {
	CONFIG_ACTION_ACCEPT,   /* accept, with the AR header saying temperror */
	CONFIG_ACTION_TEMPFAIL, /* 451 4.7.x */
	CONFIG_ACTION_REJECT,   /* 550 5.7.x */
};

typedef enum {
	CFG_STRING,   /* any text */
	CFG_UINT,     /* decimal, within [min, max] */
	CFG_OCTAL,    /* file mode, within [min, max] */
	CFG_ENUM,     /* one of the words in `words` (index stored) */
	CFG_LIST,     /* comma/space separated strings */
	CFG_BOOL,     /* yes/no, true/false, on/off, 1/0 */
	CFG_LINES,    /* repeatable: each line one entry (its whole value);
			 `min` is the offset of the unsigned line numbers */
} config_type;

typedef struct config_key {
	const char *name;
	config_type type;
	size_t offset;        /* of the field in am_config */
	size_t count_offset;  /* CFG_LIST: of the size_t count */
	unsigned long min, max;
	const char *const *words; /* CFG_ENUM, NULL-terminated */
	const char *default_value;
	const char *doc;
	/* optional: checks one value (each entry of a list); 0 ok, or -1
	 * with a reason in err */
	int (*check)(const char *value, char *err, size_t errlen);
} config_key;

void config_init(am_config *cfg);
int config_load(am_config *cfg, const char *path, char *err, size_t errlen);
int config_set(am_config *cfg, const char *key, const char *value,
    char *err, size_t errlen);
int config_absolute_paths(am_config *cfg, const char *base, char *err,
    size_t errlen);
void config_free(am_config *cfg);
void config_dns(const am_config *cfg, dns_config *out);
void config_write(const am_config *cfg, FILE *fp, int with_docs);
const config_key *config_keys(size_t *n);
const char *config_default(const char *key);
void config_write_man(FILE *fp);

/* OpenDKIM / OpenDMARC keys and what they become (config_migrate.c) */
typedef struct config_foreign_key {
	const char *name;     /* as opendkim.conf(5), opendmarc.conf(5) spell it */
	const char *source;   /* "OpenDKIM", "OpenDMARC" or both */
	const char *key;      /* the authmilter key, or NULL: no equivalent */
	const char *note;     /* how it maps, or why there is none */
} config_foreign_key;

const config_foreign_key *config_foreign_keys(size_t *n);
void config_unknown_hint(const char *name, char *buf, size_t len);

typedef struct config_override {
	const char *key;
	const char *value;
} config_override;

int config_build(am_config *cfg, const char *path, int path_given,
    const config_override *ov, size_t nov, char *err, size_t errlen);

#endif
