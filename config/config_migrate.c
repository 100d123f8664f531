/*
 * config/config_migrate.c - the keys of OpenDKIM's and OpenDMARC's config
 * files (opendkim.conf(5), opendmarc.conf(5), Debian 12's 2.11.0~beta2 and
 * 1.4.2) and what each becomes here, and the hint an unknown key gets
 * (contract in config.h: config_foreign_keys(), config_unknown_hint()).
 *
 * This table is the one source of the "did you mean" of a key someone
 * carried over from those files; the MIGRATING section of
 * doc/authmilter.conf.5 says the same in prose, and tests/system/docs.sh
 * checks that both name the same keys with the same authmilter key.
 */
#include "config/config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* local limit: key names are short; an unknown name longer than this is
 * compared with no key (it cannot be a typo of one) */
#define SUGGEST_MAX_NAME 64
#define SUGGEST_MAX_DISTANCE 2  /* edits that still read as a typo */

#define DKIM "OpenDKIM"
#define DMARC "OpenDMARC"
#define BOTH "OpenDKIM and OpenDMARC"

#define NO_DKIM_ACTION "a DKIM result alone decides nothing (RFC 6376 " \
	"6.3); DMARC does: dmarc_enforce (and spf_reject_fail)"
#define NO_RUF "no failure (ruf) reports are sent: they carry message " \
	"content; aggregate reports are (authmilter report)"
#define OWN_AR "Authentication-Results fields claiming authserv_id are " \
	"always removed, all others kept"
#define OWN_SPF "SPF is always evaluated here; results in earlier " \
	"headers are never used"

static const config_foreign_key foreign[] = {
	{ "AllowSHA1Only", DKIM, "dkim_allow_sha1",
	  "rsa-sha1 signatures pass only with dkim_allow_sha1 = yes (RFC 8301)" },
	{ "AlwaysAddARHeader", DKIM, NULL,
	  "every checked message gets an Authentication-Results field "
	  "(dkim=none when unsigned); skipped_header: mail not checked" },
	{ "AuthservID", BOTH, "authserv_id", "default: the host name" },
	{ "AutoRestart", BOTH, NULL,
	  "the service manager restarts the daemon (systemd Restart=)" },
	{ "Background", BOTH, NULL,
	  "a daemon by default; the -f flag keeps it in the foreground" },
	{ "BaseDirectory", BOTH, NULL,
	  "relative paths are resolved against the directory authmilter "
	  "was started in" },
	{ "Canonicalization", DKIM, "sign_canon",
	  "relaxed/relaxed (default), relaxed/simple, simple/relaxed or simple/simple" },
	{ "ChangeRootDirectory", BOTH, NULL,
	  "confine it with the systemd unit's sandboxing (contrib/systemd)" },
	{ "ClockDrift", DKIM, "dkim_clock_skew", "seconds, default 300" },
	{ "CopyFailuresTo", DMARC, NULL, NO_RUF },
	{ "DNSTimeout", BOTH, "dns_timeout",
	  "in milliseconds (theirs: seconds); message_dns_timeout bounds all "
	  "the lookups of a message" },
	{ "Domain", DKIM, "sign_key",
	  "the DOMAIN of each sign_key entry (DOMAIN SELECTOR FILE [SIGNING_DOMAIN])" },
	{ "ExemptDomains", DKIM, "dmarc_exempt_domains",
	  "author domains still checked and reported, but given no DMARC "
	  "disposition" },
	{ "ExternalIgnoreList", DKIM, NULL,
	  "only sign_authenticated, sign_networks and sign_daemon_names mail is signed; nothing is logged about other senders of a signing domain" },
	{ "FailureReports", DMARC, NULL, NO_RUF },
	{ "FailureReportsBcc", DMARC, NULL, NO_RUF },
	{ "FailureReportsOnNone", DMARC, NULL, NO_RUF },
	{ "FailureReportsSentBy", DMARC, NULL, NO_RUF },
	{ "HistoryFile", DMARC, "history",
	  "a SQLite file or postgresql:// URI that authmilter report reads "
	  "(no opendmarc-import or opendmarc-reports)" },
	{ "HoldQuarantinedMessages", DMARC, "quarantine_action",
	  "true: quarantine (the default here), false: accept or header; "
	  "acts with dmarc_enforce = yes" },
	{ "IgnoreAuthenticatedClients", DMARC, "skip_authenticated",
	  "yes by default here" },
	{ "IgnoreHosts", DMARC, "trusted_networks",
	  "the CIDR list itself, not a file name; default 127.0.0.0/8, ::1/128" },
	{ "IgnoreMailFrom", DMARC, "dmarc_exempt_domains",
	  "those From domains are still checked and reported, but given no "
	  "DMARC disposition" },
	{ "Include", DKIM, NULL, "one file holds every key" },
	{ "InternalHosts", DKIM, "sign_networks",
	  "mail from these networks is signed and, with verify_signed = no, not verified; trusted_networks is not checked and not signed" },
	{ "KeepAuthResults", DKIM, NULL, OWN_AR },
	{ "KeyFile", DKIM, "sign_key",
	  "the FILE of a sign_key entry, an absolute path read as the run-as user (0600, owned by it)" },
	{ "KeyTable", DKIM, "sign_key",
	  "one sign_key line per key: DOMAIN SELECTOR FILE [SIGNING_DOMAIN]" },
	{ "LogWhy", DKIM, NULL,
	  "every result carries its reason; authmilter check --explain shows "
	  "the DNS answers behind it" },
	{ "MaximumHeaders", DKIM, "max_header_bytes", "default 1048576" },
	{ "MaximumSignaturesToVerify", DKIM, "dkim_max_signatures",
	  "default 8" },
	{ "MilterDebug", BOTH, NULL, "the -d flag (authmilter(8))" },
	{ "MinimumKeyBits", DKIM, "dkim_min_rsa_bits",
	  "default 1024 (RFC 8301 3.2)" },
	{ "Mode", DKIM, "sign_key",
	  "signing happens when sign_key entries exist, for sign_authenticated, sign_networks and sign_daemon_names mail; other mail is verified (both: verify_signed = yes)" },
	{ "MTA", DKIM, "sign_daemon_names",
	  "the {daemon_name} values whose mail is signed (Postfix: milter_macro_daemon_name)" },
	{ "Nameservers", DKIM, "dns_forward",
	  "addresses, ADDR@PORT; answers are still DNSSEC-validated" },
	{ "On-BadSignature", DKIM, NULL, NO_DKIM_ACTION },
	{ "On-DNSError", DKIM, "on_dns_temperror",
	  "accept (default), tempfail or reject" },
	{ "On-Default", DKIM, NULL, NO_DKIM_ACTION },
	{ "On-InternalError", DKIM, "on_internal_error",
	  "accept, tempfail (default) or reject" },
	{ "On-KeyNotFound", DKIM, NULL, NO_DKIM_ACTION },
	{ "On-NoSignature", DKIM, NULL, NO_DKIM_ACTION },
	{ "On-Security", DKIM, NULL, NO_DKIM_ACTION },
	{ "On-SignatureError", DKIM, "on_sign_error",
	  "tempfail (default), accept-unsigned or reject; always logged" },
	{ "OversignHeaders", DKIM, "sign_oversign_headers",
	  "the same list, separated by : or ,; its names are signed too (default: From, To, Cc, Subject, Date, Reply-To, Message-ID and the MIME fields)" },
	{ "PeerList", DKIM, "trusted_networks",
	  "the CIDR list itself, not a file name" },
	{ "PidFile", BOTH, "pidfile", "default /run/authmilter/authmilter.pid" },
	{ "PublicSuffixList", DMARC, "psl_file",
	  "used with dmarc_mode = rfc7489; the default mode (RFC 9989) "
	  "walks the DNS tree instead" },
	{ "QueryCache", DKIM, NULL, "libunbound always caches answers" },
	{ "RecordAllMessages", DMARC, NULL,
	  "with history set, every checked message is recorded" },
	{ "RejectFailures", DMARC, "dmarc_enforce",
	  "yes: p=reject failures get 550 5.7.1, p=quarantine ones "
	  "quarantine_action, a failed lookup on_dns_temperror; default no" },
	{ "RejectMultiValueFrom", DMARC, "dmarc_reject_multi_from",
	  "default no (the strictest policy of the domains applies)" },
	{ "RejectString", DMARC, NULL,
	  "the reply text is fixed: 550 5.7.1 with the DMARC reason" },
	{ "RemoveARAll", DKIM, NULL, OWN_AR },
	{ "RemoveARFrom", DKIM, NULL, OWN_AR },
	{ "ReportCommand", DMARC, "report_sendmail",
	  "sends aggregate reports (theirs sent failure reports)" },
	{ "RequiredHeaders", BOTH, "bad_from_action",
	  "no From, several, or one without a domain gets this action; the "
	  "other RFC 5322 3.6 counts are not enforced" },
	{ "ResolverConfiguration", DKIM, "dns_conf",
	  "a libunbound configuration file, as OpenDKIM's" },
	{ "Selector", DKIM, "sign_key",
	  "the SELECTOR of each sign_key entry" },
	{ "SignatureAlgorithm", DKIM, "sign_key",
	  "the key decides: an RSA key signs rsa-sha256, an Ed25519 key ed25519-sha256; two entries for one domain give both" },
	{ "SignHeaders", DKIM, "sign_headers",
	  "the fields signed, separated by : or , (default: authmilter(8), SIGNING)" },
	{ "SigningTable", DKIM, "sign_key",
	  "the DOMAIN of a sign_key entry: .DOMAIN or *.DOMAIN for sub-domains, the most specific wins; the 4th word a third-party signing domain" },
	{ "Socket", BOTH, "socket",
	  "unix:PATH, inet:PORT@HOST or inet6:PORT@HOST" },
	{ "SoftwareHeader", BOTH, NULL, "no header names the software" },
	{ "SPFIgnoreResults", DMARC, NULL, OWN_SPF },
	{ "SPFSelfValidate", DMARC, NULL, OWN_SPF },
	{ "Syslog", BOTH, NULL,
	  "the daemon always logs to syslog (in the foreground also to "
	  "stderr); log_facility names the facility" },
	{ "SyslogFacility", BOTH, "log_facility",
	  "mail (default), daemon or local0 to local7" },
	{ "SyslogSuccess", DKIM, "log_success",
	  "no: no line for a message that passed" },
	{ "TestDNSData", DKIM, "dns_zone",
	  "an RFC 1035 master file answers every lookup" },
	{ "TestPublicKeys", DKIM, "dns_zone",
	  "an RFC 1035 master file answers every lookup" },
	{ "TrustAnchorFile", DKIM, "dns_trust_anchor",
	  "default /usr/share/dns/root.key: DNSSEC validation is on unless "
	  "set to \"\"" },
	{ "TrustedAuthservIDs", DMARC, "trusted_authserv_ids",
	  "used only for mail from upstream_networks (the gateways), and "
	  "only the topmost field bearing one; DMARC is applied here over "
	  "its spf and dkim results" },
	{ "UMask", BOTH, "socket_mode",
	  "the unix socket's mode itself (default 0660), not a umask" },
	{ "UserID", BOTH, "user", "USER:GROUP becomes user and group" },
};

#define NFOREIGN (sizeof(foreign) / sizeof(foreign[0]))

const config_foreign_key *
config_foreign_keys(size_t *n)
{
	*n = NFOREIGN;
	return foreign;
}

/*
 * Optimal string alignment distance (insertions, deletions, substitutions
 * and transpositions of two neighbours), case-insensitive, or
 * SUGGEST_MAX_DISTANCE + 1 when it is larger than that or a name is too
 * long to be a typo of a key.
 */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned char d[SUGGEST_MAX_NAME + 1][SUGGEST_MAX_NAME + 1];

	if (la > SUGGEST_MAX_NAME || lb > SUGGEST_MAX_NAME ||
	    (la > lb ? la - lb : lb - la) > SUGGEST_MAX_DISTANCE)
		return SUGGEST_MAX_DISTANCE + 1;
	for (i = 0; i <= la; i++)
		d[i][0] = (unsigned char)i;
	for (j = 0; j <= lb; j++)
		d[0][j] = (unsigned char)j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]) ? 1 : 0;
			size_t best = (size_t)d[i - 1][j - 1] + cost;

			if ((size_t)d[i - 1][j] + 1 < best)
				best = (size_t)d[i - 1][j] + 1;
			if ((size_t)d[i][j - 1] + 1 < best)
				best = (size_t)d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) ==
			    tolower((unsigned char)b[j - 1]) &&
			    (size_t)d[i - 2][j - 2] + 1 < best)
				best = (size_t)d[i - 2][j - 2] + 1;
			d[i][j] = (unsigned char)best;
		}
	return d[la][lb];
}

void
config_unknown_hint(const char *name, char *buf, size_t len)
{
	const config_key *keys;
	const char *best = NULL;
	size_t i, n, d, bestd = SUGGEST_MAX_DISTANCE + 1;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < NFOREIGN; i++) {
		const config_foreign_key *f = &foreign[i];

		if (strcasecmp(name, f->name) != 0)
			continue;
		if (f->key != NULL)
			snprintf(buf, len, " (an %s key): did you mean '%s'? "
			    "%s", f->source, f->key, f->note);
		else
			snprintf(buf, len, " (an %s key): no equivalent: %s",
			    f->source, f->note);
		return;
	}
	keys = config_keys(&n);
	for (i = 0; i < n; i++) {
		d = distance(name, keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = keys[i].name;
		}
	}
	if (best != NULL)
		snprintf(buf, len, ": did you mean '%s'?", best);
}
