/*
 * milter/callbacks.h - the libmilter callback table.
 *
 * SYNOPSIS
 *   void callbacks_fill(struct smfiDesc *d);
 *
 * DESCRIPTION
 *   Fills d with authmilter's callbacks (connect ... close, negotiate) and
 *   the actions it may take (add and change headers, quarantine). The
 *   callbacks use the runtime installed with runtime_install().
 */
#ifndef AUTHMILTER_CALLBACKS_H
#define AUTHMILTER_CALLBACKS_H

#include <libmilter/mfapi.h>

void callbacks_fill(struct smfiDesc *d);

#endif
