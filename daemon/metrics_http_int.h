/*
 * daemon/metrics_http_int.h - the metrics endpoint: GET /metrics over HTTP
 * (libmicrohttpd), the registry's text (metrics_int.h).
 *
 * SYNOPSIS
 *   int  metrics_http_check(const char *spec, char *err, size_t errlen);
 *   int  metrics_http_bind(const char *spec, char *err, size_t errlen);
 *   int  metrics_http_start(char *err, size_t errlen);
 *   void metrics_http_stop(void);
 *   void metrics_http_reloaded(const char *spec);
 *
 * DESCRIPTION
 *   spec is the config's `metrics`: "" (off), or inet:PORT@HOST,
 *   inet:PORT, inet6:PORT@HOST, inet6:PORT with the milter socket's rules
 *   (milter/milter.h mserver_tcp_addr: PORT 1-65535, never wrapped).
 *   metrics_http_check() only parses it (-n). metrics_http_bind() binds
 *   the listening socket now (as root, before the fork and the privilege
 *   drop, like the milter socket); nothing when spec is "".
 *   metrics_http_start() starts libmicrohttpd's own thread on it (after
 *   the fork; all signals blocked in that thread): GET or HEAD /metrics
 *   answers 200 with Content-Type "text/plain; version=0.0.4;
 *   charset=utf-8", another path 404, another method 405; at most
 *   METRICS_HTTP_MAX_CONNS connections at once, each closed after
 *   METRICS_HTTP_TIMEOUT idle seconds. Each returns 0, or -1 with a
 *   message naming the address. metrics_http_stop() stops the thread and
 *   closes the socket (nothing when not started).
 *   metrics_http_reloaded() logs a warning when a reloaded config's
 *   metrics differs from the one bound at start (it is not re-bound).
 */
#ifndef AUTHMILTER_METRICS_HTTP_INT_H
#define AUTHMILTER_METRICS_HTTP_INT_H

#include <stddef.h>

/* Local limits: a scraper or two and `authmilter stats`, never a crowd. */
#define METRICS_HTTP_MAX_CONNS 8
#define METRICS_HTTP_TIMEOUT 10

int metrics_http_check(const char *spec, char *err, size_t errlen);
int metrics_http_bind(const char *spec, char *err, size_t errlen);
int metrics_http_start(char *err, size_t errlen);
void metrics_http_stop(void);
void metrics_http_reloaded(const char *spec);

#endif
