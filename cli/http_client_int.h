/*
 * cli/http_client_int.h - the smallest HTTP/1.0 client: one GET, for
 * `authmilter stats` reading the daemon's own metrics endpoint.
 *
 * SYNOPSIS
 *   int http_get(const struct sockaddr *sa, socklen_t salen,
 *                const char *path, int timeout_ms, strbuf *resp,
 *                char *err, size_t errlen);
 *   int http_response_body(const char *buf, size_t len, unsigned *status,
 *                          size_t *body_off);
 *
 * DESCRIPTION
 *   http_get() connects to sa, sends "GET path HTTP/1.0" and reads the
 *   whole response (the server closes the connection) into resp, at most
 *   HTTP_CLIENT_MAX_RESPONSE octets; connecting, and each wait for data,
 *   end after timeout_ms. Returns 0, or -1 with the reason (refused, timed
 *   out, too long) in err.
 *   http_response_body() reads a response's status line ("HTTP/1.x NNN
 *   ...") into *status and finds the end of the header block (CRLF CRLF,
 *   or LF LF): *body_off is where the body starts. Returns 0, or -1 when
 *   buf is not an HTTP/1 response with a complete header block. It reads
 *   only the len octets of buf (which need not be NUL-terminated).
 */
#ifndef AUTHMILTER_HTTP_CLIENT_INT_H
#define AUTHMILTER_HTTP_CLIENT_INT_H

#include <stddef.h>
#include <sys/socket.h>

#include "util/strbuf.h"

/* Local limit: the metrics text is some 10 KB; a response past this is
 * not the endpoint's. */
#define HTTP_CLIENT_MAX_RESPONSE (4u * 1024 * 1024)

int http_get(const struct sockaddr *sa, socklen_t salen, const char *path,
    int timeout_ms, strbuf *resp, char *err, size_t errlen);
int http_response_body(const char *buf, size_t len, unsigned *status,
    size_t *body_off);

#endif
