/*
 * daemon/checks.c - `authmilter -n`'s checks of the run-as user's access
 * to the daemon's files (a forked child that becomes the user and asks
 * access(2); nothing is opened for writing), and the words of the
 * resolver probe at start and with -n. Contract in checks_int.h.
 */
#include "daemon/checks_int.h"

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon/log_int.h"

/* "owner USER, mode 0NNN" of path, for the message */
static void
describe(const char *path, char *buf, size_t len)
{
	struct stat st;
	struct passwd *pw;

	if (stat(path, &st) != 0) {
		snprintf(buf, len, "%s", strerror(errno));
		return;
	}
	pw = getpwuid(st.st_uid);
	if (pw != NULL)
		snprintf(buf, len, "owner %s, mode %04o", pw->pw_name,
		    (unsigned)(st.st_mode & 07777));
	else
		snprintf(buf, len, "owner uid %lu, mode %04o",
		    (unsigned long)st.st_uid, (unsigned)(st.st_mode & 07777));
}

/* access(path, mode) as whoever we are now; logs and -1 when refused */
static int
can(const char *what, const char *path, int mode, const char *user,
    const char *fix)
{
	char how[128];

	if (access(path, mode) == 0)
		return 0;
	describe(path, how, sizeof(how));
	log_msg(LOG_ERR, NULL, "%s %s: user %s cannot %s it (%s)%s%s", what,
	    path, user, mode & W_OK ? "write" : "read", how,
	    fix != NULL ? ": " : "", fix != NULL ? fix : "");
	return -1;
}

/* the SQLite history store: its directory (SQLite makes FILE-wal, -shm
 * there, and FILE when missing), the file and its -wal, -shm */
static int
history_writable(const char *spec, const char *user)
{
	static const char *const side[] = { "", "-wal", "-shm" };
	char path[CONFIG_MAX_PATH + 8], buf[CONFIG_MAX_PATH];
	char fix[CONFIG_MAX_PATH + 64];
	const char *dir;
	size_t i;
	int rc = 0;

	if (strncmp(spec, "postgresql://", 13) == 0 ||
	    strncmp(spec, "postgres://", 11) == 0)
		return 0;
	if ((size_t)snprintf(buf, sizeof(buf), "%s", spec) >= sizeof(buf))
		return 0;	/* config_absolute_paths() bounds it */
	dir = dirname(buf);
	snprintf(fix, sizeof(fix), "chown %s %s", user, dir);
	if (access(dir, F_OK) != 0) {
		log_msg(LOG_ERR, NULL, "history %s: its directory %s: %s", spec,
		    dir, strerror(errno));
		return -1;
	}
	if (can("history directory", dir, W_OK | X_OK, user, fix) < 0)
		rc = -1;
	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", spec, side[i]);
		snprintf(fix, sizeof(fix), "chown %s %s", user, path);
		if (access(path, F_OK) == 0 &&
		    can("history", path, R_OK | W_OK, user, fix) < 0)
			rc = -1;
	}
	return rc;
}

static int sign_keys_readable(const am_config *cfg, const char *config_path);
static int arc_seal_key_readable(const am_config *cfg,
    const char *config_path);

static int
child_checks(const am_config *cfg, const char *config_path, const char *user)
{
	int rc = 0;

	if (access(config_path, F_OK) == 0 &&
	    can("config", config_path, R_OK, user, "a reload (SIGHUP) "
	    "re-reads it as that user") < 0)
		rc = -1;
	if (cfg->dns_zone != NULL && cfg->dns_zone[0] != '\0' &&
	    can("dns_zone", cfg->dns_zone, R_OK, user, "the resolver is built "
	    "after dropping privileges") < 0)
		rc = -1;
	if (cfg->dns_conf != NULL && cfg->dns_conf[0] != '\0' &&
	    can("dns_conf", cfg->dns_conf, R_OK, user, "the resolver is built "
	    "after dropping privileges") < 0)
		rc = -1;
	if (cfg->history != NULL && cfg->history[0] != '\0' &&
	    history_writable(cfg->history, user) < 0)
		rc = -1;
	if (sign_keys_readable(cfg, config_path) < 0)
		rc = -1;
	if (arc_seal_key_readable(cfg, config_path) < 0)
		rc = -1;
	return rc;
}

int
checks_as_user(const am_config *cfg, const char *config_path, int drop,
    uid_t uid, gid_t gid, const char *name)
{
	struct passwd *pw;
	char me[256];
	pid_t pid;
	int st;

	pw = getpwuid(drop ? uid : geteuid());
	snprintf(me, sizeof(me), "%s", drop ? name : pw != NULL ?
	    pw->pw_name : "?");
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_ERR, NULL, "-n: fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (drop && (initgroups(name, gid) != 0 || setgid(gid) != 0 ||
		    setuid(uid) != 0)) {
			log_msg(LOG_ERR, NULL, "cannot become %s: %s", name,
			    strerror(errno));
			_exit(1);
		}
		_exit(child_checks(cfg, config_path, me) < 0 ? 1 : 0);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* who the resolver asks, for the messages (dns.h "Modes": dns_conf
 * before dns_forward; no probe with dns_zone) */
static void
servers_of(const am_config *cfg, char *buf, size_t len)
{
	size_t i, n;

	if (cfg->dns_conf != NULL && cfg->dns_conf[0] != '\0')
		snprintf(buf, len, "the servers of dns_conf %s", cfg->dns_conf);
	else if (cfg->ndns_forward > 0) {
		n = (size_t)snprintf(buf, len, "the forwarder%s",
		    cfg->ndns_forward > 1 ? "s" : "");
		for (i = 0; i < cfg->ndns_forward && n < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    i ? ", " : " ", cfg->dns_forward[i]);
		if (n < len)
			snprintf(buf + n, len - n, " (dns_forward)");
	} else
		snprintf(buf, len, "the root name servers");
}

/* The probe's result in words; -1 for a resolver that cannot start. */
static int
say_probe(const dns_probe *p, const char *servers)
{
	char what[sizeof(p->why) + 64];

	switch (p->result) {
	case DNS_PROBE_SKIPPED:
	case DNS_PROBE_OK:
		return 0;
	case DNS_PROBE_BROKEN:
		log_msg(LOG_ERR, NULL, "DNS: the resolver cannot start (%s)%s",
		    p->why, p->mode == DNS_MODE_CONF ? ": dns_conf has an "
		    "error (libunbound's messages above name it: an auth-zone "
		    "that does not parse?)" : "");
		return -1;
	case DNS_PROBE_BOGUS:
		log_msg(LOG_WARNING, NULL, "DNS: the probe's answer from %s "
		    "failed DNSSEC validation (%s): check dns_trust_anchor and "
		    "the clock; every lookup will get temperror", servers,
		    p->why);
		return 0;
	case DNS_PROBE_FAILED:
		snprintf(what, sizeof(what), "could not be used (%s: "
		    "unreachable, or failing)", p->why);
		break;
	default:
		snprintf(what, sizeof(what), "gave no answer within %u ms "
		    "(dns_timeout): unreachable from here", p->waited_ms);
		break;
	}
	log_msg(LOG_WARNING, NULL, "DNS: %s %s%s; every message will wait "
	    "for its lookups and get temperror. %s", servers, what,
	    p->mode == DNS_MODE_RECURSE ? " (no outbound DNS?)" : "",
	    p->mode == DNS_MODE_RECURSE ? "Set dns_forward = ADDR@PORT to a "
	    "resolver this host can reach (its own, or the network's)" :
	    p->mode == DNS_MODE_FORWARD ? "Check that they run and listen "
	    "there, or set dns_forward = ADDR@PORT to one that does" :
	    "Check its forward-zone and stub-zone addresses, or set "
	    "dns_forward = ADDR@PORT instead");
	return 0;
}

int
checks_resolver(dns_resolver *r, const am_config *cfg)
{
	char servers[CONFIG_MAX_PATH + 64];
	dns_probe p;

	dns_resolver_probe(r, &p);
	servers_of(cfg, servers, sizeof(servers));
	return say_probe(&p, servers);
}

/* The start's probe, pending while the daemon serves. */
static struct {
	dns_resolver *r;
	dns_query *q;
	int64_t deadline;
	char servers[CONFIG_MAX_PATH + 64];
} probe;

int
checks_probe_begin(dns_resolver *r, const am_config *cfg)
{
	dns_probe p;

	probe.q = dns_probe_start(r);
	if (probe.q == NULL)
		return 0;
	servers_of(cfg, probe.servers, sizeof(probe.servers));
	probe.r = r;
	probe.deadline = dns_now_ms() + dns_resolver_timeout_ms(r);
	/* a context libunbound cannot start answers at once */
	if (!dns_query_done(probe.q))
		return 0;
	dns_probe_finish(r, probe.q, probe.deadline, &p);
	probe.q = NULL;
	return say_probe(&p, probe.servers);
}

int
checks_probe_poll(void)
{
	dns_probe p;
	int64_t left;

	if (probe.q == NULL)
		return -1;
	left = probe.deadline - dns_now_ms();
	if (left > 0 && !dns_query_done(probe.q))
		return (int)left;
	dns_probe_finish(probe.r, probe.q, probe.deadline, &p);
	probe.q = NULL;
	(void)say_probe(&p, probe.servers);
	return -1;
}

void
checks_probe_end(void)
{
	if (probe.q != NULL)
		dns_query_free(probe.q);
	probe.q = NULL;
}

/* -n: the sign_key entries' keys, read as the run-as user */
static void
sign_problem_say(void *arg, unsigned line, int error, const char *text)
{
	log_msg(error ? LOG_ERR : LOG_WARNING, NULL, "%s:%u: %s",
	    (const char *)arg, line, text);
}

static int
sign_keys_readable(const am_config *cfg, const char *config_path)
{
	char err[256];
	sign_conf *sc;

	if (cfg->nsign_key == 0)
		return 0;
	sc = sign_conf_new(cfg, sign_problem_say, (void *)(uintptr_t)
	    config_path, err, sizeof(err));
	if (sc == NULL) {
		if (strncmp(err, "sign_key:", 9) != 0)
			log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	sign_conf_free(sc);
	return 0;
}

/* -n: the arc_seal key, read as the run-as user */
static int
arc_seal_key_readable(const am_config *cfg, const char *config_path)
{
	char err[256];
	arc_seal_conf *ac;

	if (arc_seal_conf_new(cfg, &ac, sign_problem_say, (void *)(uintptr_t)
	    config_path, err, sizeof(err)) < 0)
		return -1;
	arc_seal_conf_free(ac);
	return 0;
}

/* The p= of a key record ("" when absent), white space removed. */
static void
record_p(const char *txt, char *out, size_t outlen)
{
	const char *p = txt, *v;
	size_t n = 0;

	out[0] = '\0';
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (p[0] == 'p' && (p[1] == '=' || p[1] == ' ' || p[1] == '\t')) {
			v = p + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			if (*v == '=') {
				for (v++; *v != '\0' && *v != ';'; v++)
					if (*v != ' ' && *v != '\t' &&
					    *v != '\r' && *v != '\n' &&
					    n + 1 < outlen)
						out[n++] = *v;
				out[n] = '\0';
				return;
			}
		}
		p += strcspn(p, ";");
	}
}

int
checks_sign_records(dns_resolver *r, const sign_conf *sc,
    const char *config_path)
{
	size_t i, j;
	int rc = 0;

	for (i = 0; i < sign_conf_nkeys(sc); i++) {
		const sign_entry *e = sign_conf_entry(sc, i);
		const char *d = e->k.signing_domain[0] != '\0' ?
		    e->k.signing_domain : e->k.domain;
		char name[600], p[4096];
		strbuf pub;
		dns_answer *a;
		int found = 0, match = 0;

		if (e->k.subdomains && e->k.signing_domain[0] == '\0')
			continue;   /* d= is each sub-domain: none to look up */
		snprintf(name, sizeof(name), "%s._domainkey.%s", e->k.selector,
		    d);
		sb_init(&pub);
		if (dkim_privkey_pubvalue(e->key, &pub) < 0) {
			sb_free(&pub);
			return -1;
		}
		a = dns_lookup(r, name, DNS_T_TXT);
		if (a == NULL || a->status != DNS_RECORDS) {
			log_msg(LOG_WARNING, NULL, "%s:%u: sign_key: no DKIM "
			    "key record at %s (%s): publish it before "
			    "signing with it", config_path, e->line, name,
			    a == NULL ? "out of memory" : a->why[0] ? a->why :
			    dns_status_name(a->status));
		} else {
			for (j = 0; j < a->count; j++) {
				if (a->records[j].type != DNS_T_TXT)
					continue;
				record_p(a->records[j].u.txt.text, p, sizeof(p));
				found = 1;
				if (strcmp(p, pub.s) == 0)
					match = 1;
			}
			if (found && !match) {
				log_msg(LOG_ERR, NULL, "%s:%u: sign_key: the "
				    "key %s does not match the public key "
				    "published at %s", config_path, e->line,
				    e->k.file, name);
				rc = -1;
			}
		}
		dns_answer_free(a);
		sb_free(&pub);
	}
	return rc;
}
