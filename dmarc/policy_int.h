/*
 * dmarc/policy_int.h - private to dmarc/: the pure decisions policy.c makes
 * for evaluate.c (not for use outside dmarc/ except by its unit tests).
 *
 *   dmarc_select_policy()   p / sp / np for the author domain (exists:
 *                           1 yes, 0 no, -1 not tested); *tag names it.
 *   dmarc_disposition()     failing message: t=y or pct one step down.
 *   dmarc_apply_overrides() exempt domains, trusted forwarders, lists.
 *   dmarc_stricter()        a is stricter than b (several authors).
 */
#ifndef AUTHMILTER_DMARC_POLICY_INT_H
#define AUTHMILTER_DMARC_POLICY_INT_H

#include "dmarc/dmarc.h"

dmarc_policy dmarc_select_policy(const dmarc_record *rec, int at_author,
    int exists, const char **tag);
dmarc_policy dmarc_disposition(const dmarc_record *rec, dmarc_policy policy,
    dmarc_mode mode, unsigned sample, dmarc_override *ov);
void dmarc_apply_overrides(const dmarc_input *in, const dmarc_options *opt,
    dmarc_result *res);
int dmarc_stricter(const dmarc_result *a, const dmarc_result *b);

#endif
