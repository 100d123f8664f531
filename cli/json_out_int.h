/*
 * cli/json_out_int.h - the JSON shapes of results, shared by `authmilter
 * spf`, `dkim` and `check` (and later the report writer).
 *
 * SYNOPSIS
 *   json_t *json_spf(const spf_result *r);
 *   json_t *json_dkim(const dkim_sigresult *r);
 *   json_t *json_dmarc(const dmarc_result *d);
json_t *json_arc(const arc_chain *c);
 *   json_t *json_arc(const arc_chain *c);
 *
 * DESCRIPTION
 *   Each returns a new Jansson object (NULL when out of memory) whose
 *   field names are documented in authmilter(8). Strings that came from
 *   the network are reduced to printable ASCII first (clean_copy() with
 *   CLEAN_PRINT, util/clean.h), so the output is always valid JSON and
 *   UTF-8. json_arc(): {result, sets, oldest_pass, sealers (the ARC-Seal
 *   d= of each instance, oldest first), reason} (`authmilter arc --json`
 *   and check's "arc").
 */
#ifndef AUTHMILTER_JSON_OUT_INT_H
#define AUTHMILTER_JSON_OUT_INT_H

#include <jansson.h>
#include <stddef.h>

#include "dkim/arc.h"
#include "dkim/dkim.h"
#include "dmarc/dmarc.h"
#include "spf/spf.h"

json_t *json_spf(const spf_result *r);
json_t *json_dkim(const dkim_sigresult *r);
json_t *json_dmarc(const dmarc_result *d);
json_t *json_arc(const arc_chain *c);

#endif
