/*
 * tests/milter/diff/df_engine.c - the differential test's filter on
 * authmilter's milter engine: mserver (threads, socket I/O) and msession
 * (the protocol) with an mhandler calling the shared behaviour
 * (milterdiff.h). negotiate() answers f0 & wanted and f1 & wanted, as the
 * libmilter filter does; the engine itself sends no reply for a step
 * negotiated "no reply".
 *
 * df_engine_main() serves unix:PATH until SIGTERM, then stops the server
 * and exits normally, so a sanitizer build checks the engine's memory.
 */
#include "tests/milter/diff/milterdiff.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/log_int.h"
#include "milter/milter.h"

static const char *
en_getsymval(void *ctx, const char *name)
{
	return msession_getsymval(ctx, name);
}

static int
en_setreply(void *ctx, const char *rcode, const char *xcode,
    const char *text)
{
	return msession_setreply(ctx, rcode, xcode, text);
}

static int
en_addheader(void *ctx, const char *name, const char *value)
{
	return msession_addheader(ctx, name, value);
}

static int
en_insheader(void *ctx, int index, const char *name, const char *value)
{
	if (index < 0)
		return -1;
	return msession_insheader(ctx, (uint32_t)index, name, value);
}

static int
en_chgheader(void *ctx, int index, const char *name, const char *value)
{
	if (index < 0)
		return -1;
	return msession_chgheader(ctx, (uint32_t)index, name, value);
}

static int
en_quarantine(void *ctx, const char *reason)
{
	return msession_quarantine(ctx, reason);
}

static const df_api en_api = {
	en_getsymval, en_setreply, en_addheader, en_insheader, en_chgheader,
	en_quarantine
};

static mstat
en_stat(df_stat st)
{
	switch (st) {
	case DF_ACCEPT: return MS_ACCEPT;
	case DF_REJECT: return MS_REJECT;
	case DF_TEMPFAIL: return MS_TEMPFAIL;
	case DF_DISCARD: return MS_DISCARD;
	default: return MS_CONTINUE;
	}
}

static mstat
en_negotiate(msession *s, uint32_t f0, uint32_t f1, uint32_t *pf0,
    uint32_t *pf1)
{
	const df_profile *p = msession_hctx(s);

	*pf0 = f0 & p->actions;
	*pf1 = f1 & p->protocol;
	return MS_CONTINUE;
}

static mstat
en_connect(msession *s, const mproto_connect *ci)
{
	df_stat st;
	df_conn *c;

	c = df_connect(msession_priv(s), &en_api, s, ci->host, ci->family,
	    ci->family == MPA_UNIX ? ci->path : ci->ip, ci->port, &st);
	msession_set_priv(s, c);
	return en_stat(st);
}

static mstat
en_helo(msession *s, const char *name)
{
	return en_stat(df_helo(msession_priv(s), &en_api, s, name));
}

static mstat
en_envfrom(msession *s, const char **argv, size_t argc)
{
	return en_stat(df_envfrom(msession_priv(s), &en_api, s,
	    (const char *const *)argv, argc));
}

static mstat
en_envrcpt(msession *s, const char **argv, size_t argc)
{
	return en_stat(df_envrcpt(msession_priv(s), &en_api, s,
	    (const char *const *)argv, argc));
}

static mstat
en_data(msession *s)
{
	return en_stat(df_data(msession_priv(s), &en_api, s));
}

static mstat
en_header(msession *s, const char *name, const char *value, size_t vlen)
{
	(void)vlen;
	return en_stat(df_header(msession_priv(s), &en_api, s, name, value));
}

static mstat
en_eoh(msession *s)
{
	return en_stat(df_eoh(msession_priv(s), &en_api, s));
}

static mstat
en_body(msession *s, const unsigned char *data, size_t len)
{
	return en_stat(df_body(msession_priv(s), &en_api, s, data, len));
}

static mstat
en_eom(msession *s)
{
	return en_stat(df_eom(msession_priv(s), &en_api, s));
}

static void
en_abort(msession *s)
{
	df_abort(msession_priv(s));
}

static void
en_close(msession *s)
{
	df_close(msession_priv(s));
	msession_set_priv(s, NULL);
}

static const mhandler en_handler = {
	.negotiate = en_negotiate,
	.connect = en_connect,
	.helo = en_helo,
	.envfrom = en_envfrom,
	.envrcpt = en_envrcpt,
	.data = en_data,
	.header = en_header,
	.eoh = en_eoh,
	.body = en_body,
	.eom = en_eom,
	.abort = en_abort,
	.close = en_close,
};

int
df_engine_main(const char *path, const df_profile *p)
{
	char spec[160], err[256];
	sigset_t set;
	mserver *srv;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	log_open("milterdiff-engine", 1, 0);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	if ((srv = mserver_new(&en_handler, (void *)p)) == NULL ||
	    mserver_listen(srv, spec, err, sizeof(err)) < 0 ||
	    mserver_start(srv, err, sizeof(err)) < 0) {
		fprintf(stderr, "milterdiff: the engine cannot listen on %s: "
		    "%s\n", spec, err);
		return 1;
	}
	(void)sigwait(&set, &sig);
	mserver_stop(srv, 0);
	mserver_free(srv);
	exit(0);
}
