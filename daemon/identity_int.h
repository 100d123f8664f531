/*
 * daemon/identity_int.h - who the daemon runs as.
 *
 * SYNOPSIS
 *   int  ids_resolve(const am_config *cfg, daemon_ids *ids);
 *   void ids_warn_ignored(const am_config *cfg);
 *   int  ids_check_socket_group(const am_config *cfg);
 *   int  ids_drop(const daemon_ids *ids);
 *
 * DESCRIPTION
 *   ids_resolve() fills ids: started as root with `user` set, drop = 1 and
 *   the user's uid, its group (or `group`'s) and name; else drop = 0 and
 *   who the process is now. A user or group that does not exist is logged
 *   with what to do and returns -1. Not started as root, it first calls
 *   ids_warn_ignored(), which warns (once) that user and group cannot be
 *   taken unless they name who the daemon already is.
 *   ids_check_socket_group() (-n) says whether socket_group names a group
 *   (the start looks it up when it binds the socket); 0 or -1, logged.
 *   ids_drop() becomes ids (initgroups, setgid, setuid) when drop is set
 *   and refuses (-1, logged) when root could be regained afterwards.
 */
#ifndef AUTHMILTER_IDENTITY_INT_H
#define AUTHMILTER_IDENTITY_INT_H

#include <sys/types.h>

#include "config/config.h"

/* Who the daemon runs as: with drop (started as root, `user` set) the
 * user and group it becomes, else who it is now. */
typedef struct daemon_ids {
	int drop;
	uid_t uid;
	gid_t gid;
	char name[256];
} daemon_ids;

int ids_resolve(const am_config *cfg, daemon_ids *ids);
void ids_warn_ignored(const am_config *cfg);
int ids_check_socket_group(const am_config *cfg);
int ids_drop(const daemon_ids *ids);

#endif
