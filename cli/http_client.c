/*
 * cli/http_client.c - one HTTP/1.0 GET over a TCP connection with a
 * timeout, and the response's status and body offset. Contract in
 * http_client_int.h.
 */
#include "cli/http_client_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* Connect within timeout_ms: a firewalled address never answers. */
static int
connect_within(int fd, const struct sockaddr *sa, socklen_t salen,
    int timeout_ms, char *err, size_t errlen)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int fl = fcntl(fd, F_GETFL), soerr = 0, rc;
	socklen_t sl = sizeof(soerr);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	rc = connect(fd, sa, salen);
	if (rc < 0 && errno == EINPROGRESS) {
		do
			rc = poll(&p, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc == 0) {
			snprintf(err, errlen, "no answer within %d ms",
			    timeout_ms);
			return -1;
		}
		if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr,
		    &sl) < 0)
			soerr = errno;
		rc = soerr != 0 ? -1 : 0;
		errno = soerr;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	return fcntl(fd, F_SETFL, fl) < 0 ? -1 : 0;
}

int
http_get(const struct sockaddr *sa, socklen_t salen, const char *path,
    int timeout_ms, strbuf *resp, char *err, size_t errlen)
{
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	char req[512], buf[16384];
	int fd, n, len;
	ssize_t got;

	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: "
	    "localhost\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
	    path);
	if (len < 0 || (size_t)len >= sizeof(req)) {
		snprintf(err, errlen, "path too long");
		return -1;
	}
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect_within(fd, sa, salen, timeout_ms, err, errlen) < 0)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (n = 0; n < len; n += (int)got) {
		got = send(fd, req + n, (size_t)(len - n), MSG_NOSIGNAL);
		if (got <= 0) {
			snprintf(err, errlen, "sending the request: %s",
			    got < 0 ? strerror(errno) : "connection closed");
			goto fail;
		}
	}
	for (;;) {
		got = recv(fd, buf, sizeof(buf), 0);
		if (got == 0)
			break;
		if (got < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "reading the response: %s",
			    errno == EAGAIN || errno == EWOULDBLOCK ?
			    "timed out" : strerror(errno));
			goto fail;
		}
		if (resp->len + (size_t)got > HTTP_CLIENT_MAX_RESPONSE) {
			snprintf(err, errlen, "response longer than %u octets",
			    HTTP_CLIENT_MAX_RESPONSE);
			goto fail;
		}
		if (sb_append(resp, buf, (size_t)got) < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

int
http_response_body(const char *buf, size_t len, unsigned *status,
    size_t *body_off)
{
	size_t i;

	/* "HTTP/1." DIGIT SP 3DIGIT (RFC 9112 4) */
	if (len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    buf[7] < '0' || buf[7] > '9' || buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	*status = (unsigned)(buf[9] - '0') * 100 +
	    (unsigned)(buf[10] - '0') * 10 + (unsigned)(buf[11] - '0');
	for (i = 12; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n') {
			*body_off = i + 2;
			return 0;
		}
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n') {
			*body_off = i + 3;
			return 0;
		}
	}
	return -1;
}
