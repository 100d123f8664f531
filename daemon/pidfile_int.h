/*
 * daemon/pidfile_int.h - the pid file.
 *
 * SYNOPSIS
 *   int pidfile_write(const am_config *cfg);
 *
 * DESCRIPTION
 *   pidfile_write() makes cfg->pidfile ("" : none) as root in a directory
 *   only root can write, never through a link (util/safefile.h), writes
 *   the pid and keeps a read-only descriptor of it with an exclusive
 *   flock(2) for the life of the process: a second daemon with the same
 *   pid file is refused (naming the pid it holds). 0, or -1 logged. The
 *   file is not removed at exit (pidfile.c says why).
 */
#ifndef AUTHMILTER_PIDFILE_INT_H
#define AUTHMILTER_PIDFILE_INT_H

#include "config/config.h"

int pidfile_write(const am_config *cfg);

#endif
