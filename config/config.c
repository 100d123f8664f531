/*
 * config/config.c - the configuration table and the reader of the config
 * file (contract in config.h). To add a setting: a field in am_config and
 * one row in `keys` below; parsing, defaults, `authmilter config` output
 * and the documentation check all follow from the row.
 */
#include "config/config.h"
#include "config/config_int.h"
#include "util/ipaddr.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const action_words[] = { "accept", "tempfail", "reject", NULL };
static const char *const skipped_words[] = { "none", "header", NULL };
static const char *const dmarc_mode_words[] = { "rfc9989", "rfc7489", NULL };
static const char *const quarantine_words[] = { "quarantine", "accept",
    "header", NULL };
static const char *const bad_from_words[] = { "auto", "reject", "quarantine",
    "tempfail", "accept", NULL };
static const char *const qfull_words[] = { "drop", "wait", NULL };
static const char *const frredact_words[] = { "headers", "localparts", NULL };
static const char *const report_format_words[] = { "xml", "xml7489", "json", NULL };
static const char *const log_facility_words[] = { "mail", "daemon", "local0",
    "local1", "local2", "local3", "local4", "local5", "local6", "local7", NULL };
static const char *const log_format_words[] = { "text", "json", NULL };
static const char *const sign_canon_words[] = { "relaxed/relaxed",
    "relaxed/simple", "simple/relaxed", "simple/simple", NULL };
static const char *const sign_error_words[] = { "tempfail", "accept-unsigned",
    "reject", NULL };
static const char *const seal_error_words[] = { "accept-unsealed",
    "tempfail", NULL };
static const char *const bool_true[] = { "yes", "true", "on", "1", NULL };
static const char *const bool_false[] = { "no", "false", "off", "0", NULL };

static int
check_cidr(const char *v, char *err, size_t errlen)
{
	ipaddr net;
	unsigned prefix;

	if (ipaddr_parse_cidr(v, &net, &prefix) == 0)
		return 0;
	snprintf(err, errlen, "'%s' is not an address or ADDR/PREFIX", v);
	return -1;
}

#define FIELD(f) offsetof(am_config, f)
#define NOCOUNT 0

static const config_key keys[] = {
	{ "socket", CFG_STRING, FIELD(socket), NOCOUNT, 0, 0, NULL,
	  "unix:/run/authmilter/authmilter.sock",
	  "Milter socket: unix:PATH, inet:PORT@HOST or inet6:PORT@HOST.", NULL },
	{ "socket_mode", CFG_OCTAL, FIELD(socket_mode), NOCOUNT, 0, 0777, NULL,
	  "0660", "Permissions of a unix socket (octal).", NULL },
	{ "socket_group", CFG_STRING, FIELD(socket_group), NOCOUNT, 0, 0, NULL,
	  "", "Group of a unix socket, so the MTA can connect (\"\": the daemon's group: group, else the user's primary group).", NULL },
	{ "user", CFG_STRING, FIELD(user), NOCOUNT, 0, 0, NULL,
	  "authmilter", "User to run as after binding the socket (\"\": do not change).", NULL },
	{ "group", CFG_STRING, FIELD(group), NOCOUNT, 0, 0, NULL,
	  "", "Group to run as (\"\": the user's primary group).", NULL },
	{ "pidfile", CFG_STRING, FIELD(pidfile), NOCOUNT, 0, 0, NULL,
	  "/run/authmilter/authmilter.pid", "PID file written when running as a daemon (\"\": none); as root, in a directory only root can write (authmilter(8), SECURITY).", NULL },
	{ "authserv_id", CFG_STRING, FIELD(authserv_id), NOCOUNT, 0, 0, NULL,
	  "", "authserv-id of the Authentication-Results header (\"\": the host name).", NULL },
	{ "on_internal_error", CFG_ENUM, FIELD(on_internal_error), NOCOUNT, 0, 0,
	  action_words, "tempfail",
	  "What a message gets when authmilter itself fails: accept, tempfail or reject.", NULL },
	{ "dns_zone", CFG_STRING, FIELD(dns_zone), NOCOUNT, 0, 0, NULL,
	  "", "Answer DNS only from this RFC 1035 master file (tests, offline checks).", NULL },
	{ "dns_conf", CFG_STRING, FIELD(dns_conf), NOCOUNT, 0, 0, NULL,
	  "", "A libunbound configuration file (stubs, trust anchors, ...).", NULL },
	{ "dns_forward", CFG_LIST, FIELD(dns_forward), FIELD(ndns_forward), 0,
	  DNS_MAX_FORWARDERS, NULL, "",
	  "Resolvers to forward to, ADDR[@PORT] (an IP address, not a name; "
	  "192.0.2.53@5353, not :5353), separated by commas (\"\": full recursion).",
	  config_check_forwarder },
	{ "dns_trust_anchor", CFG_STRING, FIELD(dns_trust_anchor), NOCOUNT, 0, 0, NULL,
	  DNS_DEFAULT_TRUST_ANCHOR, "DNSSEC root trust anchor file (\"\": no validation).", NULL },
	{ "dns_timeout", CFG_UINT, FIELD(dns_timeout_ms), NOCOUNT, 1, 600000, NULL,
	  "5000", "Deadline of each DNS lookup, in milliseconds.", NULL },
	{ "message_dns_timeout", CFG_UINT, FIELD(message_dns_timeout_ms), NOCOUNT,
	  1, 600000, NULL, "30000",
	  "One deadline for all the DNS lookups of a message (SPF of MAIL FROM and "
	  "HELO, DKIM keys, DMARC), in milliseconds from MAIL FROM; what is still "
	  "unanswered then is temperror (on_dns_temperror). Lookups that start at "
	  "end of headers or of message get at least dns_timeout (at most this) "
	  "from then, so a client that sends slowly does not cut them short.", NULL },
	{ "message_dns_queries", CFG_UINT, FIELD(message_dns_queries), NOCOUNT,
	  1, 100000, NULL, "128",
	  "DNS lookups one message may cause (answers from the cache are free); "
	  "past it each lookup is temperror (on_dns_temperror). The last "
	  "dkim_max_signatures + 35 (at most half) are kept for DKIM keys and the "
	  "author domain's DMARC policy, so SPF and DMARC alignment cannot use "
	  "them up. Not counted here: the allowances of their own of SPF's HELO "
	  "check (24; it runs beside MAIL FROM's, which it cannot starve), iprev "
	  "(11) and ARC keys (100).", NULL },
	{ "on_dns_temperror", CFG_ENUM, FIELD(on_dns_temperror), NOCOUNT, 0, 0,
	  action_words, "accept",
	  "What a message gets when a lookup it needs fails temporarily: accept "
	  "(the header says temperror), tempfail or reject.", NULL },
	{ "trusted_networks", CFG_LIST, FIELD(trusted_networks),
	  FIELD(ntrusted_networks), 0, CONFIG_MAX_LIST, NULL, "127.0.0.0/8, ::1/128",
	  "Client networks (CIDR) whose mail is not checked.", check_cidr },
	{ "skip_authenticated", CFG_BOOL, FIELD(skip_authenticated), NOCOUNT, 0, 1,
	  NULL, "yes", "Do not check mail from SMTP-authenticated clients (submission).", NULL },
	{ "skipped_header", CFG_ENUM, FIELD(skipped_header), NOCOUNT, 0, 0,
	  skipped_words, "header",
	  "For mail not checked: header (an Authentication-Results saying "
	  "auth=pass or none) or none (no header).", NULL },
	{ "max_header_bytes", CFG_UINT, FIELD(max_header_bytes), NOCOUNT, 4096,
	  64u * 1024 * 1024, NULL, "1048576",
	  "Header bytes kept per message (each field counted as name + value + 3, "
	  "any number of fields); past it DKIM gives a policy result. The From "
	  "field has its own bound (16384 octets) and is kept whatever this says.", NULL },
	{ "spf_threads", CFG_UINT, FIELD(spf_threads), NOCOUNT, 1, 1024, NULL,
	  "16", "Threads that evaluate SPF while the message is being received.", NULL },
	{ "spf_reject_fail", CFG_BOOL, FIELD(spf_reject_fail), NOCOUNT, 0, 1, NULL,
	  "no", "Reject (550 5.7.23) when SPF for MAIL FROM fails.", NULL },
	{ "received_spf", CFG_BOOL, FIELD(received_spf), NOCOUNT, 0, 1, NULL,
	  "no", "Also add a Received-SPF header (RFC 7208 9.1).", NULL },
	{ "iprev", CFG_BOOL, FIELD(iprev), NOCOUNT, 0, 1, NULL,
	  "no", "Check iprev (RFC 8601 2.7.3, forward-confirmed reverse DNS of "
	  "the client: a PTR lookup then an A or AAAA lookup of each of at most "
	  "10 names, started at MAIL FROM within the message's DNS deadline, "
	  "in an allowance of their own that message_dns_queries does not "
	  "count) and "
	  "report it in Authentication-Results, the log line and check's "
	  "output. Informational: it never changes the verdict.", NULL },
	{ "dkim_max_signatures", CFG_UINT, FIELD(dkim_max_signatures), NOCOUNT, 1,
	  1000, NULL, "8", "DKIM signatures verified per message, and public-key "
	  "verifications (at least 4); the rest are reported as policy.", NULL },
	{ "dkim_min_rsa_bits", CFG_UINT, FIELD(dkim_min_rsa_bits), NOCOUNT, 512,
	  16384, NULL, "1024", "Smallest RSA key accepted (RFC 8301 3.2 sets 1024).", NULL },
	{ "dkim_max_rsa_bits", CFG_UINT, FIELD(dkim_max_rsa_bits), NOCOUNT, 1024,
	  16384, NULL, "4096",
	  "Largest RSA key used (RFC 8301 3.2: verifiers handle up to 4096); a "
	  "larger key gives dkim=policy.", NULL },
	{ "dkim_allow_sha1", CFG_BOOL, FIELD(dkim_allow_sha1), NOCOUNT, 0, 1, NULL,
	  "no", "Let rsa-sha1 signatures pass (RFC 8301 forbids it).", NULL },
	{ "dkim_clock_skew", CFG_UINT, FIELD(dkim_clock_skew), NOCOUNT, 0, 86400,
	  NULL, "300", "Seconds of clock difference tolerated for t= and x=.", NULL },
	{ "dkim_fail_short_l", CFG_BOOL, FIELD(dkim_fail_short_l), NOCOUNT, 0, 1,
	  NULL, "no", "Fail a signature whose l= leaves part of the body unsigned.", NULL },
	{ "dmarc_mode", CFG_ENUM, FIELD(dmarc_mode), NOCOUNT, 0, 0, dmarc_mode_words,
	  "rfc9989", "rfc9989 (DNS tree walk) or rfc7489 (Public Suffix List, pct=).", NULL },
	{ "psl_file", CFG_STRING, FIELD(psl_file), NOCOUNT, 0, 0, NULL,
	  "/usr/share/publicsuffix/public_suffix_list.dat",
	  "Public Suffix List for dmarc_mode = rfc7489 (reloaded on SIGHUP).", NULL },
	{ "dmarc_enforce", CFG_BOOL, FIELD(dmarc_enforce), NOCOUNT, 0, 1, NULL,
	  "no", "Act on p=reject (550 5.7.1) and p=quarantine; no: only report in the header.", NULL },
	{ "quarantine_action", CFG_ENUM, FIELD(quarantine_action), NOCOUNT, 0, 0,
	  quarantine_words, "quarantine",
	  "With dmarc_enforce, what p=quarantine does: quarantine (the MTA's hold "
	  "queue), header (deliver with an X-Authmilter-Quarantine header for a "
	  "filter rule) or accept.", NULL },
	{ "dmarc_reject_multi_from", CFG_BOOL, FIELD(dmarc_reject_multi_from),
	  NOCOUNT, 0, 1, NULL, "no",
	  "Reject a message whose From names several domains (else the strictest policy applies).", NULL },
	{ "bad_from_action", CFG_ENUM, FIELD(bad_from_action), NOCOUNT, 0, 0,
	  bad_from_words, "auto",
	  "What a message gets when its author cannot be determined (RFC 9989 4.4: "
	  "no From field, several (even naming one domain), one that does not parse, "
	  "a domain literal, From text over 16384 octets, more than 8 author domains); "
	  "its header always says dmarc=permerror with the reason, never pass. "
	  "auto: reject with dmarc_enforce = yes (a sender cannot opt out of DMARC by "
	  "breaking From), accept otherwise; reject: 550 5.7.1; quarantine: as a "
	  "p=quarantine failure (quarantine_action); tempfail: 451 4.7.1; accept. "
	  "Clients in dmarc_exempt_networks are accepted.", NULL },
	{ "dmarc_exempt_domains", CFG_LIST, FIELD(dmarc_exempt_domains),
	  FIELD(ndmarc_exempt_domains), 0, CONFIG_MAX_LIST, NULL, "",
	  "Author domains whose DMARC failures get no disposition (local_policy).", NULL },
	{ "dmarc_trusted_forwarders", CFG_LIST, FIELD(dmarc_trusted_forwarders),
	  FIELD(ndmarc_trusted_forwarders), 0, CONFIG_MAX_LIST, NULL, "",
	  "Authenticated forwarder domains whose mail gets no disposition (trusted_forwarder).", NULL },
	{ "dmarc_exempt_networks", CFG_LIST, FIELD(dmarc_exempt_networks),
	  FIELD(ndmarc_exempt_networks), 0, CONFIG_MAX_LIST, NULL, "",
	  "Client networks (CIDR) whose DMARC failures get no disposition: checked, "
	  "reported and recorded with override local_policy. Behind a gateway "
	  "(upstream_networks) the original client's address is matched, never the "
	  "gateway's.", check_cidr },
	/* -- daemon and operations (milter issue) -- */
	{ "max_connections", CFG_UINT, FIELD(max_connections), NOCOUNT, 1, 65536,
	  NULL, "256",
	  "Milter connections served at once; more wait in the listen queue until "
	  "one ends (logged). Each may hold about 2.4 MB + 3 x max_header_bytes "
	  "(6 x with arc_seal; authmilter(8), Memory).", NULL },

	/* -- history store and reports (reports issue) -- */
	{ "history", CFG_STRING, FIELD(history), NOCOUNT, 0, 0, NULL, "",
	  "DMARC history store for aggregate reports: a SQLite file path or a "
	  "postgresql:// URI (\"\": no history is kept); under the systemd unit "
	  "and the Debian package, /var/lib/authmilter/history/history.db "
	  "(a directory of the run-as user's).", NULL },
	{ "history_queue_size", CFG_UINT, FIELD(history_queue_size), NOCOUNT, 1,
	  1000000, NULL, "10000",
	  "Records waiting for the history writer thread; past it see history_queue_full.", NULL },
	{ "history_queue_bytes", CFG_UINT, FIELD(history_queue_bytes), NOCOUNT,
	  65536, 1024u * 1024 * 1024, NULL, "8388608",
	  "Bytes the waiting records may take (each is kept in its actual size, "
	  "~300 bytes for a typical message, at most ~6 KB); past it see "
	  "history_queue_full.", NULL },
	{ "history_batch_size", CFG_UINT, FIELD(history_batch_size), NOCOUNT, 1,
	  100000, NULL, "500",
	  "Records written per transaction; a crash loses at most the queue and one batch.", NULL },
	{ "history_queue_full", CFG_ENUM, FIELD(history_queue_full), NOCOUNT, 0, 0,
	  qfull_words, "drop",
	  "When the history queue is full: drop the record (counted and logged) or wait "
	  "history_queue_wait milliseconds for room, then drop.", NULL },
	{ "history_queue_wait", CFG_UINT, FIELD(history_queue_wait_ms), NOCOUNT, 1,
	  10000, NULL, "50", "Milliseconds a message may wait for room with history_queue_full = wait.", NULL },
	{ "report_org_name", CFG_STRING, FIELD(report_org_name), NOCOUNT, 0, 0, NULL,
	  "", "org_name of aggregate reports (\"\": the report submitter domain).", NULL },
	{ "report_email", CFG_STRING, FIELD(report_email), NOCOUNT, 0, 0, NULL,
	  "", "Contact and From address of aggregate reports (\"\": postmaster@ the submitter); "
	  "`authmilter report` warns when its domain has no dot (postmaster@vm: receivers cannot reply).", NULL },
	{ "report_submitter", CFG_STRING, FIELD(report_submitter), NOCOUNT, 0, 0, NULL,
	  "", "Receiver domain named in report file names and Subjects (\"\": the domain "
	  "of report_email, else authserv_id; when authserv_id is left to the host name, the "
	  "host's canonical name (FQDN, getaddrinfo AI_CANONNAME), else the short name).", NULL },
	{ "report_sendmail", CFG_STRING, FIELD(report_sendmail), NOCOUNT, 0, 0, NULL,
	  "/usr/sbin/sendmail -oi", "Command that sends a report message read on its stdin "
	  "(words separated by blanks; no shell); authmilter appends -f SENDER -- RECIPIENT, "
	  "one validated rua mailbox per run. -t, -f, -r and -- are refused: header text "
	  "never chooses recipients.", NULL },
	{ "report_envelope_from", CFG_STRING, FIELD(report_envelope_from), NOCOUNT, 0, 0,
	  NULL, "", "Envelope sender (-f) of report messages, one RFC 5321 mailbox "
	  "(\"\": report_email, else postmaster@ the submitter).", NULL },
	{ "report_format", CFG_ENUM, FIELD(report_format), NOCOUNT, 0, 0,
	  report_format_words, "xml",
	  "Default format of `authmilter report`: xml (RFC 9990), xml7489 (RFC 7489) or json.", NULL },
	{ "report_verify_external", CFG_BOOL, FIELD(report_verify_external), NOCOUNT,
	  0, 1, NULL, "yes",
	  "Send to a rua outside the policy domain only when DNS confirms it (RFC 9990 4).", NULL },
	/* -- failure reports, RFC 9991 (issue 15) -- */
	{ "failure_reports", CFG_BOOL, FIELD(failure_reports), NOCOUNT, 0, 1,
	  NULL, "no", "Queue a DMARC failure report (RFC 9991) in the history "
	  "store when a domain's record asks for one (ruf= and fo=); `authmilter "
	  "report --failure --send` sends them (authmilter(8), Failure reports). "
	  "Off by default: a report carries the message's header fields.", NULL },
	{ "failure_report_redact", CFG_ENUM, FIELD(failure_report_redact),
	  NOCOUNT, 0, 0, frredact_words, "headers",
	  "What a failure report shows of the message: headers (its header "
	  "fields, never the body) or localparts (the same with every local-part "
	  "of an address replaced by \"redacted\", RFC 6590).", NULL },
	{ "failure_report_from", CFG_STRING, FIELD(failure_report_from), NOCOUNT,
	  0, 0, NULL, "", "From of failure reports (\"\": report_email, else "
	  "postmaster@ the authserv_id or host name).", NULL },
	{ "failure_report_rate", CFG_UINT, FIELD(failure_report_rate), NOCOUNT,
	  1, 100000, NULL, "10",
	  "Failure reports per hour at most for one reported domain (queued and "
	  "sent) and to one destination (sent); the rest are dropped, counted "
	  "and logged.", NULL },
	{ "metrics", CFG_STRING, FIELD(metrics), NOCOUNT, 0, 0, NULL, "",
	  "Serve Prometheus metrics over HTTP at http://ADDRESS/metrics: inet:PORT@HOST or "
	  "inet6:PORT@HOST (\"\": off). No authentication: keep it on loopback or behind a "
	  "firewall. Bound at start (a reload keeps the running endpoint); `authmilter stats` "
	  "reads it (authmilter(8), METRICS).", NULL },
	/* -- logs (issue 13) -- */
	{ "log_facility", CFG_ENUM, FIELD(log_facility), NOCOUNT, 0, 0,
	  log_facility_words, "mail",
	  "Syslog facility of the daemon's lines: mail, daemon or local0 to local7 "
	  "(read at start).", NULL },
	{ "log_success", CFG_BOOL, FIELD(log_success), NOCOUNT, 0, 1, NULL, "yes",
	  "Log the line of a message that passed (accepted, nothing failed); no: only "
	  "messages with a failure, a temperror, a reject, a tempfail or a quarantine "
	  "(as OpenDKIM's SyslogSuccess).", NULL },
	{ "log_format", CFG_ENUM, FIELD(log_format), NOCOUNT, 0, 0,
	  log_format_words, "text",
	  "Per-message line: text (KEY=VALUE fields) or json (one JSON object per "
	  "line, the same fields); authmilter(8), LOGGING.", NULL },
	/* -- signing (issue 14); authmilter(8), SIGNING -- */
	{ "sign_key", CFG_LINES, FIELD(sign_key), FIELD(nsign_key),
	  FIELD(sign_key_line), CONFIG_MAX_LIST, NULL, "",
	  "DOMAIN SELECTOR FILE [SIGNING_DOMAIN]: sign mail whose From domain is "
	  "DOMAIN (.DOMAIN or *.DOMAIN: its sub-domains) with the private key in "
	  "FILE (an absolute path, PEM, read as the run-as user) under SELECTOR, "
	  "as d=SIGNING_DOMAIN when given (third-party signing), else d=the From "
	  "domain; one entry per line, the line may repeat; the most specific "
	  "DOMAIN wins, and all its entries sign (an RSA and an Ed25519 key: "
	  "two signatures).", config_check_sign_key },
	{ "sign_networks", CFG_LIST, FIELD(sign_networks),
	  FIELD(nsign_networks), 0, CONFIG_MAX_LIST, NULL, "",
	  "Client networks (CIDR) whose mail is signed (not trusted_networks, "
	  "which means not checked).", check_cidr },
	{ "sign_authenticated", CFG_BOOL, FIELD(sign_authenticated), NOCOUNT, 0,
	  1, NULL, "yes",
	  "Sign mail from SMTP-authenticated clients (the {auth_authen} macro).",
	  NULL },
	{ "sign_daemon_names", CFG_LIST, FIELD(sign_daemon_names),
	  FIELD(nsign_daemon_names), 0, CONFIG_MAX_LIST, NULL, "",
	  "Sign mail that arrives on an MTA daemon of one of these names (the "
	  "{daemon_name} macro; Postfix: -o milter_macro_daemon_name=ORIGINATING "
	  "on the submission service).", NULL },
	{ "sign_headers", CFG_STRING, FIELD(sign_headers), NOCOUNT, 0, 0, NULL,
	  "", "Header fields signed, separated by ':' or ',' (\"\": the built-in "
	  "list, authmilter(8) SIGNING); which are over-signed: "
	  "sign_oversign_headers.", NULL },
	{ "sign_oversign_headers", CFG_STRING, FIELD(sign_oversign_headers),
	  NOCOUNT, 0, 0, NULL, "",
	  "Header fields over-signed: h= names each once more than the message "
	  "has it, so one added after signing breaks the signature (RFC 6376 "
	  "8.15); ':' or ',' separated, From always included, names not in "
	  "sign_headers signed too; none: no over-signing; \"\": From, To, Cc, "
	  "Subject, Date, Reply-To, Message-ID and the MIME fields (those signed).",
	  NULL },
	{ "sign_canon", CFG_ENUM, FIELD(sign_canon), NOCOUNT, 0, 0,
	  sign_canon_words, "relaxed/relaxed",
	  "Canonicalization of the signatures, header/body (c=).", NULL },
	{ "sign_expire", CFG_UINT, FIELD(sign_expire), NOCOUNT, 0,
	  10u * 365 * 86400, NULL, "0",
	  "Signatures expire this many seconds after signing (x=); 0: no x=.",
	  NULL },
	{ "on_sign_error", CFG_ENUM, FIELD(on_sign_error), NOCOUNT, 0, 0,
	  sign_error_words, "tempfail",
	  "What a message to be signed gets when it cannot be signed (no or "
	  "several From fields, a crypto or memory failure): tempfail (451), "
	  "accept-unsigned (sent unsigned, logged) or reject (550).", NULL },
	{ "verify_signed", CFG_BOOL, FIELD(verify_signed), NOCOUNT, 0, 1, NULL,
	  "no", "Also verify (SPF, DKIM, DMARC, Authentication-Results) mail that "
	  "is signed; no: outgoing mail is signed only.", NULL },
	{ "upstream_networks", CFG_LIST, FIELD(upstream_networks),
	  FIELD(nupstream_networks), 0, CONFIG_MAX_LIST, NULL, "",
	  "Gateways (CIDR) that relay mail to this MTA after receiving it "
	  "themselves: their mail is checked as sent by the original client, "
	  "whose IP and HELO are read from the topmost Received field that "
	  "names a host outside upstream_networks and trusted_networks; none "
	  "readable: SPF none, never the gateway's address (authmilter(8) "
	  "BEHIND A GATEWAY). trusted_networks wins over it.", check_cidr },
	{ "trusted_authserv_ids", CFG_LIST, FIELD(trusted_authserv_ids),
	  FIELD(ntrusted_authserv_ids), 0, CONFIG_MAX_LIST, NULL, "",
	  "authserv-ids of the gateways in upstream_networks: for their mail "
	  "(only), the topmost Authentication-Results field bearing one is "
	  "read and kept, and its spf and dkim results are those DMARC is "
	  "applied to; from any other client such fields are never trusted "
	  "(authmilter(8) BEHIND A GATEWAY).", NULL },
	/* -- ARC sealing (issue 15); authmilter(8), arc --seal -- */
	{ "arc_seal", CFG_LINES, FIELD(arc_seal), FIELD(narc_seal),
	  FIELD(arc_seal_line), CONFIG_ARC_SEAL_MAX, NULL, "",
	  "DOMAIN SELECTOR FILE: the d=, s= and private key (an absolute path, "
	  "PEM, RSA or Ed25519, read as the run-as user) of the ARC sets this "
	  "site adds as a forwarder or list server (RFC 8617 5.1: the verdict "
	  "becomes the ARC-Authentication-Results, cv= the chain's validation); "
	  "one per site; \"\": no sealing.", config_check_arc_seal },
	{ "on_seal_error", CFG_ENUM, FIELD(on_seal_error), NOCOUNT, 0, 0,
	  seal_error_words, "accept-unsealed",
	  "What a delivered message gets when arc_seal cannot seal it (a "
	  "header block over the sealer's bound, no or several From fields, "
	  "a crypto or memory failure): accept-unsealed (delivered without "
	  "our ARC set, logged) or tempfail (451). Only delivered mail is "
	  "sealed, so neither turns a reject into an accept (authmilter(8) "
	  "ARC SEALING).", NULL },
	{ "arc_seal_headers", CFG_LIST, FIELD(arc_seal_headers),
	  FIELD(narc_seal_headers), 0, CONFIG_MAX_LIST - 1 /* From added */,
	  NULL, "",
	  "Header fields the ARC-Message-Signature of arc_seal signs (h=; the "
	  "over-signed names of sign_oversign_headers' built-in list once "
	  "more): From always included, DKIM-Signature allowed, ARC-Seal, "
	  "ARC-Message-Signature, ARC-Authentication-Results and "
	  "Authentication-Results refused (RFC 8617 4.1.2); \"\": the "
	  "built-in list of sign_headers and DKIM-Signature. Set without "
	  "arc_seal: a warning, no effect.",
	  config_check_arc_seal_header },
	/* -- ARC verification (issue 15) -- */
	{ "arc", CFG_BOOL, FIELD(arc), NOCOUNT, 0, 1, NULL, "yes",
	  "Verify the ARC chain (RFC 8617) of each checked message beside DKIM "
	  "and report it as arc=pass|fail|none in Authentication-Results (with "
	  "smtp.remote-ip, header.oldest-pass and the sealer domains), the log "
	  "line and check's output. A message without ARC header fields costs "
	  "no lookup (arc=none) and no memory (ARC reads the header block DKIM "
	  "keeps; authmilter(8) Memory); a chain costs at most 2 key lookups "
	  "per set, in an allowance of their own (100) within the message's DNS deadline, "
	  "not counted in message_dns_queries. Informational: the verdict does "
	  "not change by it (but see arc_trusted_sealers).", NULL },
	{ "arc_trusted_sealers", CFG_LIST, FIELD(arc_trusted_sealers),
	  FIELD(narc_trusted_sealers), 0, CONFIG_MAX_LIST, NULL, "",
	  "ARC sealers (ARC-Seal d=, exact domains) whose word is taken (needs "
	  "arc = yes): when DMARC fails with p=quarantine or reject, the chain "
	  "passes, and the ARC-Authentication-Results of the newest instance "
	  "one of them sealed (its ARC-Message-Signature still verifying) says "
	  "dmarc=pass for the From domain (or spf=pass / dkim=pass of that very "
	  "domain), the disposition is none with override trusted_forwarder "
	  "(header, history, reports). Anything else, or any doubt, changes "
	  "nothing.", NULL },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

const config_key *
config_keys(size_t *n)
{
	*n = NKEYS;
	return keys;
}

static const config_key *find_key(const char *name);

const char *
config_default(const char *key)
{
	const config_key *k = find_key(key);

	return k != NULL ? k->default_value : "";
}

static const char *
type_name(const config_key *k)
{
	switch (k->type) {
	case CFG_STRING: return "string";
	case CFG_UINT: return "number";
	case CFG_OCTAL: return "octal mode";
	case CFG_ENUM: return "one of";
	case CFG_LIST: return "list";
	case CFG_LINES: return "repeatable";
	case CFG_BOOL: return "yes or no";
	}
	return "";
}

/* Text for roff: a backslash is doubled, a leading dot or quote escaped. */
static void
man_text(FILE *fp, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", fp);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", fp);
		else if (*s == '-')
			fputs("\\-", fp);
		else
			fputc(*s, fp);
	}
}

void
config_write_man(FILE *fp)
{
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		const config_key *k = &keys[i];

		fputs(".TP\n.B ", fp);
		man_text(fp, k->name);
		fputs("\n(", fp);
		fputs(type_name(k), fp);
		if (k->type == CFG_ENUM)
			for (j = 0; k->words[j] != NULL; j++) {
				fputs(j ? ", " : " ", fp);
				man_text(fp, k->words[j]);
			}
		if (k->type == CFG_UINT || k->type == CFG_OCTAL)
			fprintf(fp, k->type == CFG_OCTAL ? ", %#lo to %#lo" :
			    ", %lu to %lu", k->min, k->max);
		if (k->type == CFG_LIST || k->type == CFG_LINES)
			fprintf(fp, ", up to %lu entries", k->max);
		fputs("; default: ", fp);
		if (k->default_value[0] == '\0')
			fputs("empty", fp);
		else {
			fputs("\\fB", fp);
			man_text(fp, k->default_value);
			fputs("\\fR", fp);
		}
		fputs(")\n.br\n", fp);
		man_text(fp, k->doc);
		fputc('\n', fp);
	}
}

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static char **
str_field(am_config *cfg, const config_key *k)
{
	return (char **)(void *)((char *)cfg + k->offset);
}

static unsigned *
uint_field(am_config *cfg, const config_key *k)
{
	return (unsigned *)(void *)((char *)cfg + k->offset);
}

static size_t *
count_field(am_config *cfg, const config_key *k)
{
	return (size_t *)(void *)((char *)cfg + k->count_offset);
}

static unsigned *
line_field(am_config *cfg, const config_key *k)
{
	return (unsigned *)(void *)((char *)cfg + k->min);
}

static void
clear_key(am_config *cfg, const config_key *k)
{
	size_t i, *n;
	char **v = str_field(cfg, k);

	switch (k->type) {
	case CFG_STRING:
		free(*v);
		*v = NULL;
		break;
	case CFG_LIST:
	case CFG_LINES:
		n = count_field(cfg, k);
		for (i = 0; i < *n; i++) {
			free(v[i]);
			v[i] = NULL;
		}
		*n = 0;
		break;
	default:
		break;
	}
}

static int
set_key(am_config *cfg, const config_key *k, const char *value, char *err,
    size_t errlen)
{
	char *end, *copy, *tok, *save = NULL;
	unsigned long v;
	size_t i, *n;
	char **list;

	switch (k->type) {
	case CFG_STRING:
		copy = strdup(value);
		if (copy == NULL)
			return seterr(err, errlen, "out of memory"), -1;
		clear_key(cfg, k);
		*str_field(cfg, k) = copy;
		return 0;
	case CFG_UINT:
	case CFG_OCTAL:
		errno = 0;
		v = strtoul(value, &end, k->type == CFG_OCTAL ? 8 : 10);
		if (errno || end == value || *end != '\0' || value[0] == '-' ||
		    v < k->min || v > k->max) {
			seterr(err, errlen, "%s: '%s' is not %s number from "
			    "%lu to %lu", k->name, value, k->type == CFG_OCTAL ?
			    "an octal" : "a", k->min, k->max);
			return -1;
		}
		*uint_field(cfg, k) = (unsigned)v;
		return 0;
	case CFG_ENUM:
		for (i = 0; k->words[i] != NULL; i++)
			if (strcmp(value, k->words[i]) == 0) {
				*uint_field(cfg, k) = (unsigned)i;
				return 0;
			}
		seterr(err, errlen, "%s: '%s' is not one of:", k->name, value);
		for (i = 0; k->words[i] != NULL; i++) {
			size_t len = strlen(err);

			snprintf(err + len, errlen - len, " %s", k->words[i]);
		}
		return -1;
	case CFG_BOOL:
		for (i = 0; bool_true[i] != NULL; i++) {
			if (strcasecmp(value, bool_true[i]) == 0) {
				*uint_field(cfg, k) = 1;
				return 0;
			}
			if (strcasecmp(value, bool_false[i]) == 0) {
				*uint_field(cfg, k) = 0;
				return 0;
			}
		}
		seterr(err, errlen, "%s: '%s' is not yes or no", k->name, value);
		return -1;
	case CFG_LIST:
		copy = strdup(value);
		if (copy == NULL)
			return seterr(err, errlen, "out of memory"), -1;
		clear_key(cfg, k);
		list = str_field(cfg, k);
		n = count_field(cfg, k);
		for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save)) {
			if (*n >= k->max) {
				seterr(err, errlen, "%s: more than %lu entries",
				    k->name, k->max);
				free(copy);
				return -1;
			}
			if (k->check != NULL) {
				char why[200];

				if (k->check(tok, why, sizeof(why)) < 0) {
					seterr(err, errlen, "%s: %s", k->name, why);
					free(copy);
					return -1;
				}
			}
			list[*n] = strdup(tok);
			if (list[*n] == NULL) {
				free(copy);
				return seterr(err, errlen, "out of memory"), -1;
			}
			(*n)++;
		}
		free(copy);
		return 0;
	case CFG_LINES:   /* one more entry; "" adds none */
		if (value[0] == '\0')
			return 0;
		n = count_field(cfg, k);
		if (*n >= k->max) {
			seterr(err, errlen, "%s: more than %lu entries", k->name,
			    k->max);
			return -1;
		}
		if (k->check != NULL) {
			char why[300];

			if (k->check(value, why, sizeof(why)) < 0) {
				seterr(err, errlen, "%s: %s", k->name, why);
				return -1;
			}
		}
		list = str_field(cfg, k);
		if ((list[*n] = strdup(value)) == NULL)
			return seterr(err, errlen, "out of memory"), -1;
		line_field(cfg, k)[*n] = 0;
		(*n)++;
		return 0;
	}
	return -1;
}

static const config_key *
find_key(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

void
config_init(am_config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (set_key(cfg, &keys[i], keys[i].default_value, NULL, 0) < 0)
			abort(); /* a default that does not parse is a bug */
}

void
config_free(am_config *cfg)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		clear_key(cfg, &keys[i]);
}

int
config_set(am_config *cfg, const char *key, const char *value, char *err,
    size_t errlen)
{
	const config_key *k = find_key(key);

	if (k == NULL) {
		char hint[256];

		config_unknown_hint(key, hint, sizeof(hint));
		seterr(err, errlen, "unknown key '%s'%s", key, hint);
		return -1;
	}
	return set_key(cfg, k, value, err, errlen);
}

/* A deep copy, so that a file is applied all or nothing. */
static int
config_copy(am_config *dst, const am_config *src)
{
	size_t i, j;
	am_config *s = (am_config *)(void *)(uintptr_t)src;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < NKEYS; i++) {
		const config_key *k = &keys[i];

		switch (k->type) {
		case CFG_STRING:
			if (*str_field(s, k) != NULL &&
			    (*str_field(dst, k) = strdup(*str_field(s, k))) == NULL)
				goto oom;
			break;
		case CFG_LIST:
		case CFG_LINES:
			for (j = 0; j < *count_field(s, k); j++) {
				if (k->type == CFG_LINES)
					line_field(dst, k)[j] =
					    line_field(s, k)[j];
				str_field(dst, k)[j] = strdup(str_field(s, k)[j]);
				if (str_field(dst, k)[j] == NULL)
					goto oom;
				*count_field(dst, k) = j + 1;
			}
			break;
		default:
			*uint_field(dst, k) = *uint_field(s, k);
			break;
		}
	}
	return 0;
oom:
	config_free(dst);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/*
 * The value of a line, trimmed: "quoted" (up to the next double quote,
 * which cannot be part of it), then only blanks and a comment; else up to
 * a '#' that begins it or follows a blank (a comment: "a#b" keeps its
 * '#'). 0, or -1 with a message naming the key.
 */
static int
unquote(char **value, const char *key, char *msg, size_t msglen)
{
	char *v = *value, *end, *p;

	if (v[0] == '"') {
		end = strchr(v + 1, '"');
		if (end == NULL) {
			seterr(msg, msglen, "%s: no closing quote", key);
			return -1;
		}
		for (p = end + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (*p != '\0' && *p != '#') {
			seterr(msg, msglen, "%s: text after the closing quote "
			    "(a comment starts with #)", key);
			return -1;
		}
		*end = '\0';
		*value = v + 1;
		return 0;
	}
	for (p = v; *p != '\0'; p++)
		if (*p == '#' && (p == v || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	*value = trim(v);
	return 0;
}

int
config_load(am_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *fp;
	char line[CONFIG_MAX_LINE + 2], msg[256];
	unsigned char seen[NKEYS];
	am_config tmp;
	unsigned lineno = 0;
	int rc = -1;

	fp = fopen(path, "r");
	if (fp == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (config_copy(&tmp, cfg) < 0) {
		fclose(fp);
		seterr(err, errlen, "%s: out of memory", path);
		return -1;
	}
	memset(seen, 0, sizeof(seen));
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *key, *value, *eq;
		const config_key *k;
		size_t len = strlen(line);

		lineno++;
		if (len > CONFIG_MAX_LINE && line[len - 1] != '\n') {
			seterr(err, errlen, "%s:%u: line longer than %d "
			    "characters", path, lineno, CONFIG_MAX_LINE);
			goto out;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			/* "InternalHosts 10.0.0.0/8", as OpenDKIM writes it */
			key[strcspn(key, " \t")] = '\0';
			if (find_key(key) != NULL)
				snprintf(msg, sizeof(msg), " (%s = VALUE)", key);
			else {
				char hint[200];

				config_unknown_hint(key, hint, sizeof(hint));
				if (hint[0] != '\0')
					snprintf(msg, sizeof(msg), "; '%.40s'%s",
					    key, hint);
				else
					msg[0] = '\0';
			}
			seterr(err, errlen, "%s:%u: expected 'key = value'%s",
			    path, lineno, msg);
			goto out;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		if (unquote(&value, key, msg, sizeof(msg)) < 0) {
			seterr(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
		k = find_key(key);
		if (k == NULL) {
			config_unknown_hint(key, msg, sizeof(msg));
			seterr(err, errlen, "%s:%u: unknown key '%s'%s", path,
			    lineno, key, msg);
			goto out;
		}
		if (seen[k - keys] && k->type != CFG_LINES) {
			seterr(err, errlen, "%s:%u: '%s' is set twice", path,
			    lineno, key);
			goto out;
		}
		seen[k - keys] = 1;
		if (set_key(&tmp, k, value, msg, sizeof(msg)) < 0) {
			seterr(err, errlen, "%s:%u: %s", path, lineno, msg);
			goto out;
		}
		if (k->type == CFG_LINES && *count_field(&tmp, k) > 0)
			line_field(&tmp, k)[*count_field(&tmp, k) - 1] = lineno;
	}
	if (ferror(fp)) {
		seterr(err, errlen, "%s: read error", path);
		goto out;
	}
	config_free(cfg);
	*cfg = tmp;
	memset(&tmp, 0, sizeof(tmp));
	rc = 0;
out:
	if (rc < 0)
		config_free(&tmp);
	fclose(fp);
	return rc;
}

void
config_dns(const am_config *cfg, dns_config *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->zone_file = cfg->dns_zone && *cfg->dns_zone ? cfg->dns_zone : NULL;
	out->unbound_conf = cfg->dns_conf && *cfg->dns_conf ? cfg->dns_conf : NULL;
	out->trust_anchor_file = cfg->dns_trust_anchor;
	for (i = 0; i < cfg->ndns_forward && i < DNS_MAX_FORWARDERS; i++)
		out->forwarders[i] = cfg->dns_forward[i];
	out->nforwarders = i;
	out->timeout_ms = cfg->dns_timeout_ms;
}

static void
write_value(const am_config *cfg, const config_key *k, FILE *fp)
{
	am_config *c = (am_config *)(void *)(uintptr_t)cfg;
	size_t i;

	switch (k->type) {
	case CFG_STRING:
		fprintf(fp, "\"%s\"", *str_field(c, k) ? *str_field(c, k) : "");
		break;
	case CFG_UINT:
		fprintf(fp, "%u", *uint_field(c, k));
		break;
	case CFG_OCTAL:
		fprintf(fp, "0%o", *uint_field(c, k));
		break;
	case CFG_ENUM:
		fprintf(fp, "%s", k->words[*uint_field(c, k)]);
		break;
	case CFG_BOOL:
		fprintf(fp, "%s", *uint_field(c, k) ? "yes" : "no");
		break;
	case CFG_LINES:   /* none (config_write writes each entry) */
		fputs("\"\"", fp);
		break;
	case CFG_LIST:
		fputc('"', fp);
		for (i = 0; i < *count_field(c, k); i++)
			fprintf(fp, "%s%s", i ? ", " : "", str_field(c, k)[i]);
		fputc('"', fp);
		break;
	}
}

void
config_write(const am_config *cfg, FILE *fp, int with_docs)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		if (with_docs)
			fprintf(fp, "%s# %s\n", i ? "\n" : "", keys[i].doc);
		if (keys[i].type == CFG_LINES) {
			am_config *c = (am_config *)(void *)(uintptr_t)cfg;
			size_t j, n = *count_field(c, &keys[i]);

			for (j = 0; j < n; j++)
				fprintf(fp, "%s = \"%s\"\n", keys[i].name,
				    str_field(c, &keys[i])[j]);
			if (n > 0)
				continue;
		}
		fprintf(fp, "%s = ", keys[i].name);
		write_value(cfg, &keys[i], fp);
		fputc('\n', fp);
	}
}

int
config_build(am_config *cfg, const char *path, int path_given,
    const config_override *ov, size_t nov, char *err, size_t errlen)
{
	char why[256];
	size_t i;

	config_init(cfg);
	if (path_given || access(path, F_OK) == 0) {
		if (config_load(cfg, path, err, errlen) < 0)
			goto fail;
	}
	for (i = 0; i < nov; i++) {
		if (config_set(cfg, ov[i].key, ov[i].value, why,
		    sizeof(why)) < 0) {
			seterr(err, errlen, "command line: %s", why);
			goto fail;
		}
	}
	if (cfg->authserv_id[0] == '\0') {
		char host[256];

		if (gethostname(host, sizeof(host)) != 0)
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		if (config_set(cfg, "authserv_id", host, why, sizeof(why)) < 0) {
			seterr(err, errlen, "authserv_id: %s", why);
			goto fail;
		}
	}
	if (cfg->failure_reports && cfg->history[0] == '\0') {
		/* asked for, impossible: said, not silently dropped */
		seterr(err, errlen, "failure_reports = yes needs a history store "
		    "(history): failure reports wait there for `authmilter "
		    "report --failure --send`");
		goto fail;
	}
	return 0;
fail:
	config_free(cfg);
	return -1;
}
