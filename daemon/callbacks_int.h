/*
 * daemon/callbacks_int.h - authmilter's milter handler.
 *
 * SYNOPSIS
 *   const mhandler *callbacks_handler(void);
 *
 * DESCRIPTION
 *   The handler table (milter/milter.h) the milter server runs for
 *   every connection: negotiation (the actions authmilter uses: add and
 *   change headers, quarantine; header values with their leading space,
 *   no reply for header, end of header and body), connect ... end of
 *   message, abort, close. The callbacks use the runtime installed with
 *   runtime_install().
 */
#ifndef AUTHMILTER_CALLBACKS_INT_H
#define AUTHMILTER_CALLBACKS_INT_H

#include "milter/milter.h"

const mhandler *callbacks_handler(void);

#endif
