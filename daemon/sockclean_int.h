/*
 * daemon/sockclean_int.h - removes the unix socket when the daemon ends,
 * although the daemon, running as its user, cannot write the socket's
 * root-owned directory.
 *
 * SYNOPSIS
 *   int sockclean_start(int dfd, const char *name, const struct stat *st,
 *                       char *err, size_t errlen);
 *
 * DESCRIPTION
 *   Called as root after the socket is bound and before privileges are
 *   dropped, while the daemon has no other thread. It forks a helper that
 *   stays root and holds only dfd (the socket's checked directory) and the
 *   read end of a pipe whose write end the daemon keeps, never writing
 *   to it, until it exits. The helper ignores the stop signals (a systemd
 *   stop signals every process of the unit: the daemon drains, then
 *   exits), waits for end of file on the pipe - the daemon's exit, however
 *   it ends - and then removes `name` from dfd only when it is still the
 *   socket st describes (same device and inode, a socket, no link
 *   followed): a socket a later daemon bound in its place stays. It does
 *   nothing else, and reads nothing but end of file: what the daemon could
 *   ask of it, taken over, is to remove that one socket early.
 *   Returns 0, or -1 with a reason (pipe or fork failed).
 */
#ifndef AUTHMILTER_SOCKCLEAN_INT_H
#define AUTHMILTER_SOCKCLEAN_INT_H

#include <stddef.h>
#include <sys/stat.h>

int sockclean_start(int dfd, const char *name, const struct stat *st,
    char *err, size_t errlen);

#endif
