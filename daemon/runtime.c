/*
 * daemon/runtime.c - the current runtime (config + resolver + msg_env),
 * reference-counted so a reload never disturbs a connection in flight.
 * Contract in runtime_int.h.
 */
#include "daemon/runtime_int.h"
#include "daemon/history_writer_int.h"
#include "daemon/log_int.h"
#include "daemon/msglog_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t rt_lock = PTHREAD_MUTEX_INITIALIZER;
static runtime *rt_current;
static atomic_uint rt_active;
static atomic_int rt_draining;

static void
runtime_destroy(runtime *rt)
{
	history_writer_stop(rt->history);
	sign_conf_free(rt->sign);
	msg_env_free(rt->env);
	arc_seal_conf_free(rt->seal);
	dns_resolver_free(rt->resolver);
	config_free(&rt->cfg);
	free(rt);
}

static const char *rt_config_path = "config";
static int rt_sign_quiet;

void
runtime_sign_log(const char *config_path, int quiet)
{
	rt_config_path = config_path;
	rt_sign_quiet = quiet;
}

/* A signing key's problem, with the sign_key line of the config. */
static void
sign_problem_log(void *arg, unsigned line, int error, const char *text)
{
	(void)arg;
	if (!rt_sign_quiet)
		log_msg(error ? LOG_ERR : LOG_WARNING, NULL, "%s:%u: %s",
		    rt_config_path, line, text);
}

runtime *
runtime_build(am_config *cfg, char *err, size_t errlen)
{
	runtime *rt = calloc(1, sizeof(*rt));
	dns_config dc;

	if (rt == NULL) {
		snprintf(err, errlen, "out of memory");
		config_free(cfg);
		return NULL;
	}
	rt->cfg = *cfg;
	config_dns(&rt->cfg, &dc);
	rt->resolver = dns_resolver_new(&dc, err, errlen);
	if (rt->resolver == NULL)
		goto fail;
	if (log_debug_on())  /* -d: each message's DNS questions, answers */
		dns_resolver_set_trace(rt->resolver, msglog_dns_trace, NULL);
	rt->env = msg_env_new(&rt->cfg, rt->resolver, err, errlen);
	if (rt->env == NULL)
		goto fail;
	rt->sign = sign_conf_new(&rt->cfg, sign_problem_log, NULL, err, errlen);
	if (rt->sign == NULL)
		goto fail;
	if (arc_seal_conf_new(&rt->cfg, &rt->seal, sign_problem_log, NULL,
	    err, errlen) < 0)
		goto fail;
	msg_env_set_arc_seal(rt->env, rt->seal);
	if (rt->cfg.history != NULL && rt->cfg.history[0] != '\0') {
		rt->history = history_writer_start(&rt->cfg, err, errlen);
		if (rt->history == NULL)
			goto fail;
	}
	rt->refs = 1; /* the reference of "current" */
	return rt;
fail:
	runtime_destroy(rt);
	return NULL;
}

void
runtime_install(runtime *rt)
{
	runtime *old;

	pthread_mutex_lock(&rt_lock);
	old = rt_current;
	rt_current = rt;
	pthread_mutex_unlock(&rt_lock);
	if (old != NULL)
		runtime_release(old);
}

runtime *
runtime_acquire(void)
{
	runtime *rt;

	pthread_mutex_lock(&rt_lock);
	rt = rt_current;
	if (rt != NULL)
		rt->refs++;
	pthread_mutex_unlock(&rt_lock);
	return rt;
}

void
runtime_release(runtime *rt)
{
	unsigned left;

	if (rt == NULL)
		return;
	pthread_mutex_lock(&rt_lock);
	left = --rt->refs;
	pthread_mutex_unlock(&rt_lock);
	if (left == 0)
		runtime_destroy(rt);
}

void
runtime_shutdown(void)
{
	runtime_install(NULL);
}

void
runtime_message_begin(void)
{
	atomic_fetch_add(&rt_active, 1);
}

void
runtime_message_end(void)
{
	atomic_fetch_sub(&rt_active, 1);
}

unsigned
runtime_active_messages(void)
{
	return atomic_load(&rt_active);
}

void
runtime_set_draining(void)
{
	atomic_store(&rt_draining, 1);
}

int
runtime_draining(void)
{
	return atomic_load(&rt_draining);
}
