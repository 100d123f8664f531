/*
 * config/config_int.h - inside config/: the value checks config.c's key
 * table points to that live in config_values.c.
 *
 * SYNOPSIS
 *   int config_check_forwarder(const char *v, char *err, size_t errlen);
 *   int config_check_sign_key(const char *v, char *err, size_t errlen);
 *   int config_check_arc_seal(const char *v, char *err, size_t errlen);
 *   int config_check_arc_seal_header(const char *v, char *err,
 *       size_t errlen);
 *
 * DESCRIPTION
 *   config_check_forwarder() accepts one dns_forward entry as libunbound's
 *   ub_ctx_set_fwd() takes it, ADDR[@PORT] (an IPv4 or IPv6 address, an
 *   IPv6 one with an optional %scope; PORT 1-65535): 0, or -1 with a
 *   message giving the form, and for ADDR:PORT or [ADDR]:PORT the
 *   ADDR@PORT meant.
 */
#ifndef AUTHMILTER_CONFIG_INT_H
#define AUTHMILTER_CONFIG_INT_H

#include <stddef.h>

int config_check_forwarder(const char *v, char *err, size_t errlen);
/* config_sign.c: one sign_key entry (config_sign_key_parse()) */
int config_check_sign_key(const char *v, char *err, size_t errlen);
/* config_sign.c: the arc_seal entry (config_arc_seal_parse()) */
int config_check_arc_seal(const char *v, char *err, size_t errlen);
/* config_sign.c: one arc_seal_headers name: a field name (RFC 5322
 * ftext, less ';' which would end h=), at most 64 characters, not one an
 * ARC-Message-Signature never signs (RFC 8617 4.1.2): what
 * arc_seal_headers_parse() accepts, so errors name this key's line */
int config_check_arc_seal_header(const char *v, char *err, size_t errlen);

#endif
