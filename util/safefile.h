/*
 * util/safefile.h - files a privileged process creates (a pid file, a unix
 * socket): the directory they go in, and the file itself, without
 * following links.
 *
 * SYNOPSIS
 *   int safefile_open_dir(const char *path, int create, const char **name,
 *                         char *err, size_t errlen);
 *   int safefile_check_dir(const char *path, char *err, size_t errlen);
 *   int safefile_dir_ok(int dirfd, const char *dir, char *err, size_t errlen);
 *   int safefile_create(int dirfd, const char *name, const char *shown,
 *                       mode_t mode, char *err, size_t errlen);
 *
 * DESCRIPTION
 *   The rule, as Postfix keeps it: a file created as root lives in a
 *   directory only root can write, so no other user (the daemon's own
 *   run-as user included) can plant a link there for root to follow, swap
 *   the file under root's chmod/chown, or make root remove something else.
 *
 *   safefile_open_dir() opens the directory of path (the text before its
 *   last '/'; "." when there is none) and sets *name to path's last
 *   component. With create, a missing directory is made (one level: its
 *   parent must exist, be writable by the caller and, as root, pass as a
 *   directory above one does, checked before anything is made), owned by
 *   the caller, mode 0755 whatever the umask (a mail server must be able
 *   to reach a socket in it). The directory is then checked with
 *   safefile_dir_ok(). As root, the path to the directory must not climb
 *   through "..", and each symbolic link on it must sit in a directory
 *   that passes safefile_dir_ok() (else its owner could point it
 *   elsewhere). It returns the directory's descriptor (close-on-exec), or
 *   -1 with a message.
 *
 *   safefile_check_dir() says what safefile_open_dir(path, 1, ...) would,
 *   making and opening nothing (for a configuration check): 0 when the
 *   directory passes, or is missing and could be made; else -1 with the
 *   same message.
 *
 *   safefile_dir_ok() checks, when the process runs as root (euid 0), the
 *   opened directory and each directory above it (followed by "..", so the
 *   directories that really hold it, whatever links the configured path
 *   went through): the directory must be owned by root and writable by
 *   root only (group-writable only for group 0); each directory above it
 *   must be owned by root and writable by root only, or sticky (as /tmp:
 *   nobody else can rename or remove root's directory in it). At most
 *   SAFEFILE_MAX_DEPTH directories are walked. dir names the directory in
 *   messages. Not as root it returns 0: the files are then created with
 *   the rights of the user who could plant the links anyway. 0 when safe,
 *   -1 with a message naming the directory and who can write it.
 *
 *   safefile_create() opens name in dirfd for writing: created (mode,
 *   whatever the umask) with O_CREAT|O_EXCL|O_NOFOLLOW when missing;
 *   otherwise an existing file (a stale one from an earlier run) is reused
 *   only when it is a regular file, not a symbolic link (never followed),
 *   with exactly one link (a hard link to another file is refused), owned
 *   by the caller's effective uid, and the file opened is the one looked
 *   at; its mode is set to mode, its content is left for the caller (who
 *   truncates it, e.g. once it holds a lock). shown names the file in
 *   messages. Returns the descriptor (close-on-exec), or -1 with a message
 *   saying what was found and that it was left untouched.
 *
 *   Nothing is logged; errors come back as text. Not thread-safe in the
 *   messages (getpwuid/getgrgid); meant for start-up.
 */
#ifndef AUTHMILTER_SAFEFILE_H
#define AUTHMILTER_SAFEFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Directories walked up from a file's directory to "/" (local limit: a
 * path of PATH_MAX 4096 bytes has at most 2048 components; real ones have
 * a handful, and a deeper chain is refused rather than walked forever). */
#define SAFEFILE_MAX_DEPTH 256

int safefile_open_dir(const char *path, int create, const char **name,
    char *err, size_t errlen);
int safefile_check_dir(const char *path, char *err, size_t errlen);
int safefile_dir_ok(int dirfd, const char *dir, char *err, size_t errlen);
int safefile_create(int dirfd, const char *name, const char *shown,
    mode_t mode, char *err, size_t errlen);

#endif
