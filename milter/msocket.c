/*
 * milter/msocket.c - milter socket specifications and the listening socket
 * (contract in msocket_int.h). Errors come back as text; nothing is logged.
 */
#include "milter/msocket_int.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/ipaddr.h"

#define MSOCKET_HOST_MAX 256	/* RFC 1035 2.3.4: names are 255 octets */
#define MSOCKET_PORT_MAX 64	/* a service name (services(5)) */

/* PORT: digits only, 1 to 65535 (getaddrinfo() alone would take "99999"
 * as 34463, and "+25", " 25" or "-1" as numbers), or a service name
 * starting with a letter (services(5), as libmilter took it), which
 * getaddrinfo() then looks up. 0, or -1 with a message. */
static int
check_port(const char *spec, const char *port, int family, char *err,
    size_t errlen)
{
	if (port[0] >= '0' && port[0] <= '9') {
		if (ipaddr_parse_port(port) != 0)
			return 0;
	} else if ((port[0] >= 'a' && port[0] <= 'z') ||
	    (port[0] >= 'A' && port[0] <= 'Z'))
		return 0;
	snprintf(err, errlen, "socket '%s': port '%s' is not a number "
	    "1-65535 or a service name (want %s:PORT@HOST or %s:PORT)", spec,
	    port, family == AF_INET ? "inet" : "inet6",
	    family == AF_INET ? "inet" : "inet6");
	return -1;
}

static int
parse_unix(const char *spec, const char *path, msocket_addr *a, char *err,
    size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&a->sa;
	size_t n = strlen(path);

	if (n == 0) {
		snprintf(err, errlen, "socket '%s': no path", spec);
		return -1;
	}
	if (n >= sizeof(a->path)) {
		snprintf(err, errlen, "socket '%s': path longer than %zu bytes",
		    spec, sizeof(a->path) - 1);
		return -1;
	}
	a->family = AF_UNIX;
	memcpy(a->path, path, n + 1);
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	a->salen = (socklen_t)sizeof(*sun);
	return 0;
}

static int
parse_inet(const char *spec, const char *rest, int family, msocket_addr *a,
    char *err, size_t errlen)
{
	char port[MSOCKET_PORT_MAX], host[MSOCKET_HOST_MAX];
	const char *at = strchr(rest, '@');
	struct addrinfo hints, *ai = NULL;
	size_t pl = at != NULL ? (size_t)(at - rest) : strlen(rest), hl;
	int rc;

	if (pl == 0 || pl >= sizeof(port)) {
		snprintf(err, errlen, "socket '%s': %s port (want 1-65535 or a "
		    "service name: %s:PORT@HOST or %s:PORT)", spec,
		    pl == 0 ? "no" : "too long a",
		    family == AF_INET ? "inet" : "inet6",
		    family == AF_INET ? "inet" : "inet6");
		return -1;
	}
	memcpy(port, rest, pl);
	port[pl] = '\0';
	if (check_port(spec, port, family, err, errlen) < 0)
		return -1;
	host[0] = '\0';
	if (at != NULL) {
		const char *h = at + 1;

		hl = strlen(h);
		if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
			h++;
			hl -= 2;
		}
		if (hl == 0 || hl >= sizeof(host)) {
			snprintf(err, errlen, "socket '%s': %s host after '@'",
			    spec, hl == 0 ? "no" : "too long a");
			return -1;
		}
		memcpy(host, h, hl);
		host[hl] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &ai);
	if (rc != 0 || ai == NULL) {
		snprintf(err, errlen, "socket '%s': %s '%s': %s", spec,
		    rc == EAI_SERVICE ? "port" : "host",
		    rc == EAI_SERVICE ? port : host, gai_strerror(rc));
		if (ai != NULL)
			freeaddrinfo(ai);
		return -1;
	}
	a->family = family;
	memcpy(&a->sa, ai->ai_addr, ai->ai_addrlen);
	a->salen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

int
msocket_parse(const char *spec, msocket_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (spec == NULL || spec[0] == '\0') {
		snprintf(err, errlen, "socket: empty specification");
		return -1;
	}
	snprintf(a->spec, sizeof(a->spec), "%s", spec);
	if (spec[0] == '/')
		return parse_unix(spec, spec, a, err, errlen);
	if (strncmp(spec, "unix:", 5) == 0)
		return parse_unix(spec, spec + 5, a, err, errlen);
	if (strncmp(spec, "local:", 6) == 0)
		return parse_unix(spec, spec + 6, a, err, errlen);
	if (strncmp(spec, "inet:", 5) == 0)
		return parse_inet(spec, spec + 5, AF_INET, a, err, errlen);
	if (strncmp(spec, "inet6:", 6) == 0)
		return parse_inet(spec, spec + 6, AF_INET6, a, err, errlen);
	snprintf(err, errlen, "socket '%s': not a milter socket specification "
	    "(want unix:PATH, local:PATH, inet:PORT@HOST, inet:PORT, "
	    "inet6:PORT@HOST or inet6:PORT)", spec);
	return -1;
}

/* An old socket file at the path: removed, unless a milter answers. Only
 * a socket is removed; a link is never followed (lstat, and unlink acts
 * on the name itself). Whoever can write the directory could still swap
 * the name between the two calls: a privileged caller keeps the socket in
 * a directory only it can write (daemon.c, util/safefile.h). */
static int
clear_path(msocket_addr *a, char *err, size_t errlen)
{
	struct stat st;
	int fd, live;

	if (lstat(a->path, &st) != 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "socket %s: the name is a symbolic link: "
		    "not followed, left untouched; remove it", a->path);
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "socket %s: the file exists and is not a "
		    "socket: left untouched", a->path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	live = connect(fd, (struct sockaddr *)&a->sa, a->salen) == 0;
	close(fd);
	if (live) {
		snprintf(err, errlen, "socket %s: in use (another milter "
		    "answers on it)", a->path);
		return -1;
	}
	if (unlink(a->path) != 0) {
		snprintf(err, errlen, "socket %s: cannot remove the old "
		    "socket: %s", a->path, strerror(errno));
		return -1;
	}
	return 0;
}

int
msocket_listen(msocket_addr *a, char *err, size_t errlen)
{
	struct stat st;
	int fd, on = 1;

	if (a->family == AF_UNIX && clear_path(a, err, errlen) < 0)
		return -1;
	fd = socket(a->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (a->family != AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&a->sa, a->salen) != 0 ||
	    listen(fd, SOMAXCONN) != 0) {
		snprintf(err, errlen, "socket '%s': cannot listen: %s%s",
		    a->spec, strerror(errno),
		    a->family == AF_UNIX && errno == ENOENT ?
		    " (the directory is missing)" : "");
		close(fd);
		return -1;
	}
	if (a->family == AF_UNIX && lstat(a->path, &st) == 0 &&
	    S_ISSOCK(st.st_mode)) {
		a->dev = st.st_dev;
		a->ino = st.st_ino;
		a->made = 1;
	}
	return fd;
}

void
msocket_remove(const msocket_addr *a)
{
	struct stat st;

	if (a->family != AF_UNIX || !a->made)
		return;
	/* as the run-as user: refused in a directory only root can write
	 * (the socket then stays, and is replaced at the next start) */
	if (lstat(a->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == a->dev && st.st_ino == a->ino)
		(void)unlink(a->path);
}
