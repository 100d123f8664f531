/*
 * config/config_values.c - what the config table leaves to code: the check
 * of a dns_forward entry (config_check_forwarder(), config_int.h) and the
 * anchoring of relative file paths for the daemon (config_absolute_paths(),
 * config.h). Nothing here logs; errors come back as text.
 */
#include "config/config.h"
#include "config/config_int.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/ipaddr.h"


/*
 * A forwarder as libunbound's ub_ctx_set_fwd() takes it: an IPv4 or IPv6
 * address (an IPv6 one may carry a %scope), then optionally @PORT. Its
 * own error would be "syntax error" at start; here the file and line are
 * named, with the form and, for ADDR:PORT or [ADDR]:PORT, what was meant.
 */
int
config_check_forwarder(const char *v, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 64], hint[sizeof(addr) + 32];
	unsigned char buf[sizeof(struct in6_addr)];
	const char *at = strrchr(v, '@'), *colon;
	size_t al = at != NULL ? (size_t)(at - v) : strlen(v);

	if (al > 0 && al < sizeof(addr)) {
		memcpy(addr, v, al);
		addr[al] = '\0';
		if (strchr(addr, ':') != NULL)	/* fe80::1%eth0 */
			addr[strcspn(addr, "%")] = '\0';
		if (inet_pton(AF_INET, addr, buf) == 1 ||
		    inet_pton(AF_INET6, addr, buf) == 1) {
			if (at == NULL)
				return 0;
			if (ipaddr_parse_port(at + 1) != 0)
				return 0;
			snprintf(err, errlen, "'%s': the port after @ must be "
			    "a number 1-65535 (ADDR[@PORT])", v);
			return -1;
		}
	}
	/* ADDR:PORT or [ADDR]:PORT: the hint says ADDR@PORT */
	hint[0] = '\0';
	colon = strrchr(v, ':');
	if (at == NULL && colon != NULL && colon[1] != '\0' &&
	    strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
		const char *a = v;

		al = (size_t)(colon - v);
		if (v[0] == '[' && al >= 2 && v[al - 1] == ']') {
			a++;
			al -= 2;
		}
		if (al < sizeof(addr)) {
			memcpy(addr, a, al);
			addr[al] = '\0';
			if (inet_pton(AF_INET, addr, buf) == 1 ||
			    inet_pton(AF_INET6, addr, buf) == 1)
				snprintf(hint, sizeof(hint), " (write %s@%s)",
				    addr, colon + 1);
		}
	}
	snprintf(err, errlen, "'%s' is not ADDR[@PORT]%s: an IPv4 or IPv6 "
	    "address, then optionally @ and a port 1-65535, e.g. 192.0.2.53@53",
	    v, hint);
	return -1;
}

/*
 * Keys whose value is, or holds after a prefix, a file path: the daemon
 * leaves its start directory (chdir("/") when it detaches; SIGHUP re-reads
 * the file later), so config_absolute_paths() anchors a relative one to
 * the directory it was started in. A history URI (postgresql://) and an
 * inet socket are not paths.
 */
#define PATH_KEY(f, prefix) { #f, offsetof(am_config, f), prefix }

static const struct {
	const char *key;
	size_t offset;		/* of the char * in am_config */
	const char *prefix;	/* what comes before the path */
} path_keys[] = {
	PATH_KEY(socket, "unix:"), PATH_KEY(socket, "local:"),
	PATH_KEY(pidfile, ""), PATH_KEY(dns_zone, ""), PATH_KEY(dns_conf, ""),
	PATH_KEY(dns_trust_anchor, ""), PATH_KEY(psl_file, ""),
	PATH_KEY(history, ""),
};

int
config_absolute_paths(am_config *cfg, const char *base, char *err,
    size_t errlen)
{
	size_t i, pl, bl, need;
	char *abs;

	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		char **v = (char **)(void *)((char *)cfg +
		    path_keys[i].offset);
		const char *path;

		pl = strlen(path_keys[i].prefix);
		if (*v == NULL || strncmp(*v, path_keys[i].prefix, pl) != 0 ||
		    strstr(*v, "://") != NULL)
			continue;
		path = *v + pl;
		if (path[0] == '\0' || path[0] == '/')
			continue;
		if (base == NULL || base[0] != '/') {
			snprintf(err, errlen, "%s: '%s' is a relative path and "
			    "the start directory is unknown: give an absolute "
			    "path", path_keys[i].key, *v);
			return -1;
		}
		while (path[0] == '.' && path[1] == '/')
			path += 2;
		bl = strlen(base);
		if (bl > 0 && base[bl - 1] == '/')
			bl--;
		need = pl + bl + 1 + strlen(path) + 1;
		if (need > CONFIG_MAX_PATH) {
			snprintf(err, errlen, "%s: '%s' in %s is longer than %d "
			    "characters", path_keys[i].key, *v, base,
			    CONFIG_MAX_PATH);
			return -1;
		}
		abs = malloc(need);
		if (abs == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(abs, need, "%.*s%.*s/%s", (int)pl, *v, (int)bl, base,
		    path);
		free(*v);
		*v = abs;
	}
	return 0;
}
