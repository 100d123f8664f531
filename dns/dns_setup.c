/*
 * dns/dns_setup.c - builds the libunbound context for each resolver mode.
 *
 * Contract (see dns_int.h, dns.h "Modes"):
 *   dns_setup_ctx() creates a context in asynchronous thread mode and
 *   configures it for exactly one mode, by precedence zone_file >
 *   unbound_conf > forwarders > recursion. Every option, stub, forwarder
 *   and trust anchor is set before anything can finalize the context (a
 *   finalized context refuses them with UB_AFTERFINAL). On failure it
 *   returns -1 with a message naming the file or value and libunbound's
 *   ub_strerror() text, and leaves nothing behind.
 *
 *   Zone mode writes a private directory under $TMPDIR (or /tmp) holding an
 *   unbound config that serves a copy of the master file as the root zone
 *   through auth-zone (module-config "iterator", no fallback to the
 *   network) and a log file. With supply_apex the copy is prefixed by an
 *   SOA and NS for "." (the caller retries with it when the file has no
 *   apex SOA, as every answer is SERVFAIL without one).
 *   dns_setup_log_error() gives the first error libunbound logged there
 *   (naming the operator's file, not the copy, and the record's own line
 *   where libunbound names another: zone_error_line()) and
 *   dns_setup_cleanup() removes the directory (the context has read
 *   everything once it answered a query).
 *
 *   Concurrency: libunbound's library defaults allow 16 UDP queries and 2
 *   TCP connections in flight per context (config_create_forlib); a query
 *   beyond them waits inside libunbound until an answer frees a socket,
 *   i.e. about one round trip. At 16 cold messages that cost ~40 ms per
 *   dependent lookup (doc/BENCHMARKS.md), so every context gets
 *   DNS_OUTGOING_UDP / DNS_OUTGOING_TCP (before any --dns-conf file, which
 *   may override them). Its caches get DNS_*_CACHE in the same way.
 */
#include "dns/dns_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * UDP queries one context keeps in flight at once (libunbound's
 * "outgoing-range"; its library default is 16). Local limit: each is a
 * socket, so at most a quarter of the process's descriptor limit
 * (RLIMIT_NOFILE), never below libunbound's own 16.
 */
#define DNS_OUTGOING_UDP 1024
#define DNS_OUTGOING_UDP_MIN 16
/* TCP connections in flight (truncated answers; library default 2). */
#define DNS_OUTGOING_TCP "16"
/*
 * libunbound's own caches (behind our answer cache: delegations, DS and
 * DNSKEY sets, glue, and the answers themselves). Its library defaults
 * are 1 MB each and 100 KB negative (config_create_forlib), which hold
 * fewer than the 9,200 answers of 1,000 cold benchmark messages: a second
 * pass over them asked every one again; with these sizes none
 * (doc/BENCHMARKS.md). Local limits (memory, about 29 MB in all); a
 * --dns-conf file may set its own.
 */
#define DNS_MSG_CACHE "8m"
#define DNS_RRSET_CACHE "16m"    /* twice msg-cache-size, as unbound advises */
#define DNS_KEY_CACHE "4m"
#define DNS_NEG_CACHE "1m"

/* ub_ctx_config parses into process-wide state: one at a time. */
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;

static const char apex_records[] =
    "$ORIGIN .\n"
    ". 3600 IN SOA localhost. hostmaster.invalid. 1 3600 600 86400 60\n"
    ". 3600 IN NS localhost.\n";

static int
set_opt(struct ub_ctx *ctx, const char *opt, const char *val, char *err,
    size_t errlen)
{
	int rc = ub_ctx_set_option(ctx, opt, val);

	if (rc != 0)
		snprintf(err, errlen, "libunbound option %s %s: %s", opt, val,
		    ub_strerror(rc));
	return rc == 0 ? 0 : -1;
}

static int
readable(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");

	if (fp == NULL) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	fclose(fp);
	return 0;
}

static int
tmp_path(const dns_setup *s, const char *leaf, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/%s", s->tmpdir, leaf);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Copy the zone file (after the apex records if asked) into the tmpdir. */
static int
write_zone(const dns_setup *s, const char *zone, int supply_apex, char *err,
    size_t errlen)
{
	char path[sizeof(s->tmpdir) + 32], buf[8192];
	FILE *in, *out;
	size_t n;
	int bad;

	if (tmp_path(s, "root.zone", path, sizeof(path)) != 0)
		return snprintf(err, errlen, "temporary path too long"), -1;
	if ((in = fopen(zone, "r")) == NULL) {
		snprintf(err, errlen, "zone file %s: %s", zone, strerror(errno));
		return -1;
	}
	if ((out = fopen(path, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(in);
		return -1;
	}
	if (supply_apex)
		fputs(apex_records, out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fputc('\n', out);
	bad = ferror(in);
	if (bad)
		snprintf(err, errlen, "zone file %s: read error", zone);
	fclose(in);
	if (ferror(out) | fclose(out)) {
		if (!bad)
			snprintf(err, errlen, "%s: write error", path);
		bad = 1;
	}
	return bad ? -1 : 0;
}

/*
 * libunbound answers these names itself (unbound.conf(5) "default zones":
 * RFC 6761/6303/7686/8375 names, AS112 reverse zones). In zone mode the
 * master file is the only truth, so every default is turned off.
 */
static const char *const default_zones[] = {
	"localhost.", "127.in-addr.arpa.", "home.arpa.", "onion.", "test.",
	"invalid.", "0.in-addr.arpa.", "254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
	"10.in-addr.arpa.", "168.192.in-addr.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.", "a.e.f.ip6.arpa.",
	"b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

static void
write_nodefaults(FILE *fp)
{
	size_t i;
	int k;

	for (i = 0; i < sizeof(default_zones) / sizeof(default_zones[0]); i++)
		fprintf(fp, "    local-zone: \"%s\" nodefault\n", default_zones[i]);
	for (k = 16; k <= 31; k++)
		fprintf(fp, "    local-zone: \"%d.172.in-addr.arpa.\" nodefault\n", k);
	for (k = 64; k <= 127; k++)
		fprintf(fp, "    local-zone: \"%d.100.in-addr.arpa.\" nodefault\n", k);
}

static int
write_zone_conf(const dns_setup *s, char *conf, size_t conflen, char *err,
    size_t errlen)
{
	FILE *fp;

	if (tmp_path(s, "unbound.conf", conf, conflen) != 0)
		return snprintf(err, errlen, "temporary path too long"), -1;
	if ((fp = fopen(conf, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", conf, strerror(errno));
		return -1;
	}
	/* tmpdir comes from mkdtemp: no quote or newline can be in it */
	fprintf(fp,
	    "server:\n"
	    "    module-config: \"iterator\"\n"
	    "    use-syslog: no\n"
	    "    verbosity: 0\n"
	    "    logfile: \"%s/unbound.log\"\n", s->tmpdir);
	write_nodefaults(fp);
	fprintf(fp,
	    "auth-zone:\n"
	    "    name: \".\"\n"
	    "    zonefile: \"%s/root.zone\"\n"
	    "    for-upstream: yes\n"
	    "    for-downstream: no\n"
	    "    fallback-enabled: no\n", s->tmpdir);
	if (ferror(fp) | fclose(fp)) {
		snprintf(err, errlen, "%s: write error", conf);
		return -1;
	}
	return 0;
}

static int
make_tmpdir(dns_setup *s, char *err, size_t errlen)
{
	const char *base = getenv("TMPDIR");
	int n;

	if (base == NULL || *base != '/' || strlen(base) > 32 ||
	    strpbrk(base, "\"\n\\") != NULL)
		base = "/tmp";
	n = snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/authmilter-dns-XXXXXX",
	    base);
	if (n < 0 || (size_t)n >= sizeof(s->tmpdir) || mkdtemp(s->tmpdir) == NULL) {
		snprintf(err, errlen, "cannot make a temporary directory in %s: %s",
		    base, strerror(errno));
		s->tmpdir[0] = '\0';
		return -1;
	}
	return 0;
}

static int
setup_zone(dns_setup *s, const dns_config *cfg, int supply_apex, char *err,
    size_t errlen)
{
	char conf[sizeof(s->tmpdir) + 32];
	int rc;

	if (readable("zone file", cfg->zone_file, err, errlen) != 0 ||
	    make_tmpdir(s, err, errlen) != 0 ||
	    write_zone(s, cfg->zone_file, supply_apex, err, errlen) != 0 ||
	    write_zone_conf(s, conf, sizeof(conf), err, errlen) != 0)
		return -1;
	pthread_mutex_lock(&config_lock);
	rc = ub_ctx_config(s->ctx, conf);
	pthread_mutex_unlock(&config_lock);
	if (rc != 0) {
		snprintf(err, errlen, "zone file %s: libunbound config: %s",
		    cfg->zone_file, ub_strerror(rc));
		return -1;
	}
	return 0;
}

static int
setup_network(dns_setup *s, const dns_config *cfg, char *err, size_t errlen)
{
	const char *ta = cfg->trust_anchor_file;
	size_t i;
	int rc;

	for (i = 0; i < cfg->nforwarders && i < DNS_MAX_FORWARDERS; i++)
		if ((rc = ub_ctx_set_fwd(s->ctx, cfg->forwarders[i])) != 0) {
			snprintf(err, errlen, "forwarder %s: %s",
			    cfg->forwarders[i], ub_strerror(rc));
			return -1;
		}
	if (ta == NULL)
		ta = DNS_DEFAULT_TRUST_ANCHOR;
	if (*ta == '\0')
		return 0;
	if (readable("trust anchor", ta, err, errlen) != 0)
		return -1;
	if ((rc = ub_ctx_add_ta_file(s->ctx, ta)) != 0) {
		snprintf(err, errlen, "trust anchor %s: %s", ta, ub_strerror(rc));
		return -1;
	}
	return 0;
}

/* DNS_OUTGOING_UDP within a quarter of the descriptor limit. */
static unsigned
outgoing_udp(void)
{
	struct rlimit rl;
	rlim_t quarter;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return DNS_OUTGOING_UDP;
	quarter = rl.rlim_cur / 4;
	if (quarter < DNS_OUTGOING_UDP_MIN)
		return DNS_OUTGOING_UDP_MIN;
	return quarter < DNS_OUTGOING_UDP ? (unsigned)quarter : DNS_OUTGOING_UDP;
}

int
dns_setup_ctx(dns_setup *s, const dns_config *cfg, int supply_apex,
    char *err, size_t errlen)
{
	unsigned timeout = cfg->timeout_ms ? cfg->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
	char rtt[16], ports[16];
	int rc;

	memset(s, 0, sizeof(*s));
	if ((s->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "libunbound: cannot create a context");
		return -1;
	}
	if ((rc = ub_ctx_async(s->ctx, 1)) != 0) {
		snprintf(err, errlen, "libunbound thread mode: %s", ub_strerror(rc));
		goto fail;
	}
	/*
	 * Dead servers fail fast: no round trip is assumed longer than half
	 * the deadline (infra-cache-max-rtt), so a server that keeps missing
	 * it is soon marked down, and lookups only it can answer fail at
	 * once (SERVFAIL) instead of each waiting out the deadline.
	 * libunbound 1.17 holds it down for infra-host-ttl (60 s here, 900 s
	 * by its default); then the next lookup goes to it as the one probe,
	 * and lookups made while the probe is out still fail at once
	 * (services/cache/infra.c keeps the down RTT when the entry is
	 * reused); an answer to the probe makes the server usable again.
	 * infra-keep-probing only acts on RTTs of 12 s or more
	 * (PROBE_MAXRTO), i.e. with a --dns-conf that raises
	 * infra-cache-max-rtt. A --dns-conf file may override all of these;
	 * our deadline is the guarantee.
	 */
	snprintf(rtt, sizeof(rtt), "%u", timeout / 2 < 500 ? 500 :
	    timeout / 2 > 120000 ? 120000 : timeout / 2);
	if (set_opt(s->ctx, "infra-cache-max-rtt:", rtt, err, errlen) != 0 ||
	    set_opt(s->ctx, "outbound-msg-retry:", "2", err, errlen) != 0 ||
	    set_opt(s->ctx, "infra-keep-probing:", "yes", err, errlen) != 0 ||
	    set_opt(s->ctx, "infra-host-ttl:", "60", err, errlen) != 0)
		goto fail;
	snprintf(ports, sizeof(ports), "%u", outgoing_udp());
	if (set_opt(s->ctx, "outgoing-range:", ports, err, errlen) != 0 ||
	    set_opt(s->ctx, "outgoing-num-tcp:", DNS_OUTGOING_TCP, err,
	    errlen) != 0 ||
	    set_opt(s->ctx, "msg-cache-size:", DNS_MSG_CACHE, err, errlen) != 0 ||
	    set_opt(s->ctx, "rrset-cache-size:", DNS_RRSET_CACHE, err,
	    errlen) != 0 ||
	    set_opt(s->ctx, "key-cache-size:", DNS_KEY_CACHE, err, errlen) != 0 ||
	    set_opt(s->ctx, "neg-cache-size:", DNS_NEG_CACHE, err, errlen) != 0)
		goto fail;
	if (cfg->zone_file != NULL) {
		if (setup_zone(s, cfg, supply_apex, err, errlen) != 0)
			goto fail;
	} else if (cfg->unbound_conf != NULL) {
		if (readable("unbound config", cfg->unbound_conf, err, errlen) != 0)
			goto fail;
		pthread_mutex_lock(&config_lock);
		rc = ub_ctx_config(s->ctx, cfg->unbound_conf);
		pthread_mutex_unlock(&config_lock);
		if (rc != 0) {
			snprintf(err, errlen, "unbound config %s: %s",
			    cfg->unbound_conf, ub_strerror(rc));
			goto fail;
		}
	} else if (setup_network(s, cfg, err, errlen) != 0)
		goto fail;
	return 0;
fail:
	dns_setup_cleanup(s);
	return -1;
}

/*
 * The line libunbound 1.17 names in "parse error FILE N:COL" is not the
 * record's: its reader (sldns_fget_token_l) counts the newline ending the
 * record and then every empty line after it before the record is parsed,
 * so N is the record's last line + 1 + the empty lines that follow it
 * (2 below it at the end of our copy, which ends with an added newline).
 * The record's line is the last non-empty line before N (in the copy,
 * whose lines are the file's own on the first attempt); 0 if none.
 */
static unsigned long
zone_error_line(const char *copy, unsigned long n)
{
	unsigned long lineno = 0, last = 0;
	int c, empty = 1;
	FILE *fp = fopen(copy, "r");

	if (fp == NULL)
		return 0;
	while (lineno + 1 < n && (c = getc(fp)) != EOF) {
		if (c == '\n') {
			lineno++;
			if (!empty)
				last = lineno;
			empty = 1;
		} else
			empty = 0;
	}
	fclose(fp);
	return last;
}

/* "parse error COPY N:COL: why" -> "parse error ZONE LINE:COL: why" in buf */
static int
zone_parse_error(const char *msg, const char *copy, const char *zone,
    char *buf, size_t len)
{
	static const char head[] = "parse error ";
	unsigned long n, line;
	size_t clen = strlen(copy);
	char *end;

	if (strncmp(msg, head, sizeof(head) - 1) != 0 ||
	    strncmp(msg + sizeof(head) - 1, copy, clen) != 0 ||
	    msg[sizeof(head) - 1 + clen] != ' ')
		return -1;
	msg += sizeof(head) + clen;
	n = strtoul(msg, &end, 10);
	if (end == msg || *end != ':' || (line = zone_error_line(copy, n)) == 0)
		return -1;
	snprintf(buf, len, "%s%s %lu%s", head, zone, line, end);
	return 0;
}

void
dns_setup_log_error(const dns_setup *s, const char *zone, char *buf,
    size_t len)
{
	char path[sizeof(s->tmpdir) + 32], line[512];
	const char *msg, *copy;
	FILE *fp;

	if (len == 0)
		return;
	buf[0] = '\0';
	if (s->tmpdir[0] == '\0' ||
	    tmp_path(s, "unbound.log", path, sizeof(path)) != 0 ||
	    (fp = fopen(path, "r")) == NULL)
		return;
	tmp_path(s, "root.zone", path, sizeof(path));
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if ((msg = strstr(line, "error: ")) == NULL)
			continue;
		msg += strlen("error: ");
		/* name the operator's file, not our private copy, and the
		 * record's own line */
		if (zone_parse_error(msg, path, zone, buf, len) == 0)
			;
		else if ((copy = strstr(msg, path)) != NULL)
			snprintf(buf, len, "%.*s%s%s", (int)(copy - msg), msg,
			    zone, copy + strlen(path));
		else
			snprintf(buf, len, "%s", msg);
		break;
	}
	fclose(fp);
}

/* Delete the context (if still held) and the private directory. */
void
dns_setup_cleanup(dns_setup *s)
{
	static const char *const leaves[] = {
		"root.zone", "unbound.conf", "unbound.log",
	};
	char path[sizeof(s->tmpdir) + 32];
	size_t i;

	if (s->ctx != NULL) {
		ub_ctx_delete(s->ctx);
		s->ctx = NULL;
	}
	if (s->tmpdir[0] == '\0')
		return;
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
		if (tmp_path(s, leaves[i], path, sizeof(path)) == 0)
			unlink(path);
	rmdir(s->tmpdir);
	s->tmpdir[0] = '\0';
}

/* Remove the private directory but keep the (finalized) context. */
void
dns_setup_forget_files(dns_setup *s)
{
	struct ub_ctx *ctx = s->ctx;

	s->ctx = NULL;
	dns_setup_cleanup(s);
	s->ctx = ctx;
}
