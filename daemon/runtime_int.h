/*
 * daemon/runtime_int.h - the daemon's current settings and shared objects,
 * swapped whole on reload.
 *
 * SYNOPSIS
 *   runtime *runtime_build(am_config *cfg, char *err, size_t errlen);
 *   void     runtime_install(runtime *rt);
 *   void     runtime_sign_log(const char *config_path, int quiet);
 *   runtime *runtime_acquire(void);
 *   void     runtime_release(runtime *rt);
 *   void     runtime_shutdown(void);
 *
 * DESCRIPTION
 *   A runtime bundles one configuration with the resolver and msg_env
 *   built from it. runtime_build() takes over cfg (its strings; the struct
 *   is copied) and returns NULL with a reason if the resolver or the
 *   environment cannot be built; cfg is then freed. runtime_install()
 *   makes rt current. Each milter connection acquires the current runtime
 *   when it opens and releases it when it closes, so a reload (SIGHUP)
 *   affects new connections and never pulls settings from under a message
 *   in flight; the old runtime is freed when its last user releases it.
 *   runtime_shutdown() drops the current one (at exit). When the config
 *   names a history store, the runtime owns its writer thread
 *   (history_writer_int.h): built with it, flushed and stopped when the last
 *   user releases it. The runtime also owns the signing keys (sign_conf,
 *   and arc_seal's key, arc_seal_conf, lent to msg_env,
 *   message.h), read by runtime_build() as whoever calls it (the run-as
 *   user): a key that cannot be used fails the build, so a reload keeps
 *   the old runtime and its keys, and a message in flight keeps signing
 *   with the keys of the runtime it acquired. Each key problem is logged
 *   as "CONFIG:LINE: ..." (runtime_sign_log() names the config file; quiet
 *   1: not logged, for -n, whose checks as the run-as user say them).
 *
 *   runtime_active_messages() counts messages between MAIL FROM and
 *   their end, for a graceful stop (runtime_message_begin/end).
 *   runtime_set_draining() marks the daemon as stopping (one way);
 *   runtime_draining() tells the callbacks to refuse new connections and
 *   messages with a tempfail while those in flight finish.
 */
#ifndef AUTHMILTER_RUNTIME_INT_H
#define AUTHMILTER_RUNTIME_INT_H

#include <stddef.h>

#include "dns/dns.h"
#include "config/config.h"
#include "message/message.h"

typedef struct runtime {
	am_config cfg;
	dns_resolver *resolver;
	msg_env *env;
	struct history_writer *history; /* NULL when no history is kept */
	sign_conf *sign;              /* signing keys and rules (msg_sign.c) */
	arc_seal_conf *seal;          /* arc_seal's key, or NULL (arc_msg.c) */
	unsigned refs;
} runtime;

runtime *runtime_build(am_config *cfg, char *err, size_t errlen);
void runtime_install(runtime *rt);
void runtime_sign_log(const char *config_path, int quiet);
runtime *runtime_acquire(void);
void runtime_release(runtime *rt);
void runtime_shutdown(void);

void runtime_message_begin(void);
void runtime_message_end(void);
unsigned runtime_active_messages(void);
void runtime_set_draining(void);
int runtime_draining(void);

#endif
