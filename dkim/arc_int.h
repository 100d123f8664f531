/*
 * dkim/arc_int.h - what the ARC validator (arc.c) and the ARC sealer
 * (arc_seal.c) share (private to dkim/): the three field kinds and the
 * reading of a field's instance.
 *
 *   arc_field_kind() is the kind of a header field name (trailing WSP
 *   ignored, case-insensitive), or -1 for any other field.
 *   arc_field_instance() is the i= of a field of that kind: for an
 *   ARC-Authentication-Results "i=" 1*2DIGIT ";" first (RFC 8617 4.1.1),
 *   for the others the tag anywhere in the tag list; an ARC-Seal's d= is
 *   copied into sealer (sl octets with its NUL) when it fits. 0 when
 *   absent or not in 1..ARC_MAX_SETS (RFC 8617 4.2.1).
 */
#ifndef AUTHMILTER_ARC_INT_H
#define AUTHMILTER_ARC_INT_H

#include <stddef.h>

enum { ARC_AS, ARC_AMS, ARC_AAR, ARC_NKIND };

extern const char *const arc_kind_name[ARC_NKIND];

int arc_field_kind(const char *name, size_t n);
unsigned arc_field_instance(int kind, const char *val, size_t len,
    char *sealer, size_t sl);

#endif
