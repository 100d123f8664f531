/*
 * daemon/metrics_http.c - the metrics endpoint: libmicrohttpd serving the
 * registry's Prometheus text at /metrics in its own thread. Contract in
 * metrics_http_int.h. Nothing here is on the message path: a scrape
 * reads the registry's atomics and renders them into a fresh buffer.
 */
#include "daemon/metrics_http_int.h"

#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "daemon/log_int.h"
#include "daemon/metrics_int.h"
#include "milter/milter.h"
#include "util/strbuf.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static int listen_fd = -1;
static char listen_spec[256];
static struct MHD_Daemon *mhd;

int
daemon_metrics_address(const char *spec, struct sockaddr_storage *sa,
    socklen_t *salen, char *err, size_t errlen)
{
	char why[400];

	if (mserver_tcp_addr(spec, sa, salen, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "metrics %s", why);
		return -1;
	}
	return 0;
}

int
metrics_http_check(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage sa;
	socklen_t salen;

	if (spec == NULL || spec[0] == '\0')
		return 0;
	return daemon_metrics_address(spec, &sa, &salen, err, errlen);
}

int
metrics_http_bind(const char *spec, char *err, size_t errlen)
{
	char why[400];

	if (spec == NULL || spec[0] == '\0')
		return 0;
	listen_fd = mserver_tcp_listen(spec, why, sizeof(why));
	if (listen_fd < 0) {
		snprintf(err, errlen, "metrics %s", why);
		return -1;
	}
	snprintf(listen_spec, sizeof(listen_spec), "%s", spec);
	return 0;
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *text,
    size_t len, const char *type)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(len, (void *)text,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		(void)MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW,
		    "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
serve(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	static int seen;
	static const char nf[] = "not found: the metrics are at /metrics\n";
	static const char na[] = "method not allowed: GET /metrics\n";
	enum MHD_Result rc;
	strbuf body;

	(void)cls;
	(void)version;
	(void)upload;
	if (*state == NULL) {  /* headers only so far: answer on the next call */
		*state = &seen;
		return MHD_YES;
	}
	if (*upload_size != 0) {  /* a body: not ours to read */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, na,
		    sizeof(na) - 1, "text/plain");
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, nf, sizeof(nf) - 1,
		    "text/plain");
	sb_init(&body);
	if (metrics_render(&body) < 0) {
		sb_free(&body);
		return MHD_NO;  /* out of memory: the connection is closed */
	}
	rc = reply(conn, MHD_HTTP_OK, body.s, body.len, METRICS_CONTENT_TYPE);
	sb_free(&body);
	return rc;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_msg(LOG_WARNING, NULL, "metrics %s: %s", listen_spec, line);
}

int
metrics_http_start(char *err, size_t errlen)
{
	sigset_t all, old;

	if (listen_fd < 0)
		return 0;
	/* libmicrohttpd's thread takes no signals: the main loop does */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	mhd = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
	    0, NULL, NULL, serve, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,  /* first, as asked */
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_HTTP_MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_HTTP_TIMEOUT,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (mhd == NULL) {
		snprintf(err, errlen, "metrics %s: libmicrohttpd did not start",
		    listen_spec);
		close(listen_fd);
		listen_fd = -1;
		return -1;
	}
	return 0;
}

void
metrics_http_reloaded(const char *spec)
{
	if (strcmp(spec != NULL ? spec : "", listen_spec) != 0)
		log_msg(LOG_WARNING, NULL, "reload: metrics changed from "
		    "'%s' to '%s': the endpoint changes at the next start",
		    listen_spec, spec != NULL ? spec : "");
}

void
metrics_http_stop(void)
{
	if (mhd != NULL) {
		MHD_stop_daemon(mhd);  /* closes the listening socket */
		mhd = NULL;
		listen_fd = -1;
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
}
