/*
 * util/safefile.c - files a privileged process creates: a directory only
 * root can write, and the file opened without following links (contract
 * in safefile.h).
 */
#include "util/safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/strcopy.h"

#define SAFEFILE_DIR_MODE 0755	/* a directory made here: the MTA enters it */

static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(buf, len, "%s (uid %lu)", pw->pw_name,
		    (unsigned long)uid);
	else
		snprintf(buf, len, "uid %lu", (unsigned long)uid);
	return buf;
}

/* Who but root can write (or replace entries of) the directory st, as
 * text in buf; NULL when nobody. Above the file's own directory a sticky
 * directory is fine: only root may rename or remove root's entries in it. */
static const char *
other_writer(const struct stat *st, int sticky_ok, char *buf, size_t len)
{
	char who[160];
	struct group *gr;

	if (st->st_uid != 0) {
		snprintf(buf, len, "owned by %s", user_name(st->st_uid, who,
		    sizeof(who)));
		return buf;
	}
	if (sticky_ok && (st->st_mode & S_ISVTX) != 0)
		return NULL;
	if ((st->st_mode & S_IWOTH) != 0) {
		snprintf(buf, len, "world-writable (mode %04o)",
		    (unsigned)(st->st_mode & 07777));
		return buf;
	}
	if ((st->st_mode & S_IWGRP) != 0 && st->st_gid != 0) {
		gr = getgrgid(st->st_gid);
		if (gr != NULL)
			snprintf(buf, len, "writable by group %s (mode %04o)",
			    gr->gr_name, (unsigned)(st->st_mode & 07777));
		else
			snprintf(buf, len, "writable by gid %lu (mode %04o)",
			    (unsigned long)st->st_gid,
			    (unsigned)(st->st_mode & 07777));
		return buf;
	}
	return NULL;
}

/* The name of the directory depth levels above dir, for messages. */
static void
ancestor_name(const char *dir, int depth, char *buf, size_t len)
{
	char *real = realpath(dir, NULL), *slash;
	int i;

	if (real == NULL) {
		snprintf(buf, len, "%d level(s) above %s", depth, dir);
		return;
	}
	for (i = 0; i < depth; i++) {
		slash = strrchr(real, '/');
		if (slash == NULL)
			break;
		if (slash == real) {
			real[1] = '\0';
			break;
		}
		*slash = '\0';
	}
	snprintf(buf, len, "%s", real);
	free(real);
}

/*
 * safefile_dir_ok() from level0: dirfd is the directory dir (level 0), or,
 * for a directory not made yet, its parent at (level 1: checked as the
 * directories above one are, since the one to be made is the caller's).
 */
static int
chain_ok(int dirfd, int level0, const char *dir, const char *at, char *err,
    size_t errlen)
{
	struct stat st, up;
	char why[256], name[PATH_MAX];
	int cur, next, depth, rc = -1;

	if (geteuid() != 0)
		return 0;
	if (fstat(dirfd, &st) != 0) {
		snprintf(err, errlen, "directory %s: %s", at, strerror(errno));
		return -1;
	}
	cur = dirfd;
	for (depth = level0; ; depth++) {
		if (other_writer(&st, depth > 0, why, sizeof(why)) != NULL) {
			if (depth == 0) {
				snprintf(err, errlen, "directory %s is %s: files "
				    "created as root go only in a directory "
				    "only root can write (make it root-owned "
				    "and not group- or world-writable, or "
				    "choose another)", dir, why);
			} else {
				ancestor_name(at, depth - level0, name,
				    sizeof(name));
				snprintf(err, errlen, "directory %s is inside %s, "
				    "which is %s: whoever can write there can "
				    "replace %s (files created as root need "
				    "root-owned directories up to /)", dir, name,
				    why, dir);
			}
			goto out;
		}
		if (depth >= SAFEFILE_MAX_DEPTH) {
			snprintf(err, errlen, "directory %s: more than %d "
			    "directories above it", dir, SAFEFILE_MAX_DEPTH);
			goto out;
		}
		/* O_PATH: no read permission needed on the directories above */
		next = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (next < 0 || fstat(next, &up) != 0) {
			snprintf(err, errlen, "directory %s: cannot check the "
			    "directories above it: %s", dir, strerror(errno));
			if (next >= 0)
				close(next);
			goto out;
		}
		if (cur != dirfd)
			close(cur);
		cur = next;
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
			rc = 0;		/* "/": its ".." is itself */
			goto out;
		}
		st = up;
	}
out:
	if (cur != dirfd)
		close(cur);
	return rc;
}

int
safefile_dir_ok(int dirfd, const char *dir, char *err, size_t errlen)
{
	return chain_ok(dirfd, 0, dir, dir, err, errlen);
}

/*
 * A directory not there yet: its parent must exist, let the caller make it
 * and pass as a directory above one does (chain_ok from level 1), so
 * nothing is made where it would then be refused.
 */
static int
parent_ok(const char *dir, char *err, size_t errlen)
{
	char parent[PATH_MAX];
	size_t n = strlen(dir);
	int fd, rc;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (n > 0 && dir[n - 1] != '/')
		n--;
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 0)
		snprintf(parent, sizeof(parent), ".");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)n, dir);
	fd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || faccessat(AT_FDCWD, parent, W_OK | X_OK,
	    AT_EACCESS) != 0) {
		snprintf(err, errlen, "directory %s is missing and cannot be "
		    "made in %s: %s", dir, parent, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	rc = chain_ok(fd, 1, dir, parent, err, errlen);
	close(fd);
	return rc;
}

/*
 * The links on the way to dir: the directory each one is in must pass
 * safefile_dir_ok() too, else someone else could point it elsewhere between
 * this check and the open (the open's own directory and those above it
 * are checked on the descriptor). ".." is refused: what it climbs out of
 * could be swapped for a link.
 */
static int
path_links_ok(const char *dir, char *err, size_t errlen)
{
	char prefix[PATH_MAX], link[PATH_MAX], why[768], *slash;
	struct stat st;
	size_t i, n = strlen(dir);
	int fd, rc;

	if (geteuid() != 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (dir[i] == '.' && dir[i + 1] == '.' &&
		    (i == 0 || dir[i - 1] == '/') &&
		    (dir[i + 2] == '/' || dir[i + 2] == '\0')) {
			snprintf(err, errlen, "directory %s: a path through "
			    "\"..\" is not accepted for files created as root",
			    dir);
			return -1;
		}
	}
	for (i = 1; i <= n; i++) {
		if (i < n && dir[i] != '/')
			continue;
		if (strcopy_n(prefix, sizeof(prefix), dir, i) < 0)
			break;
		if (lstat(prefix, &st) != 0 || !S_ISLNK(st.st_mode))
			continue;
		snprintf(link, sizeof(link), "%s", prefix);
		/* the directory holding the link */
		slash = strrchr(prefix, '/');
		if (slash == NULL)
			snprintf(prefix, sizeof(prefix), ".");
		else if (slash == prefix)
			prefix[1] = '\0';
		else
			*slash = '\0';
		fd = open(prefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "directory %s: %s: %s", dir, prefix,
			    strerror(errno));
			return -1;
		}
		rc = safefile_dir_ok(fd, prefix, why, sizeof(why));
		close(fd);
		if (rc < 0) {
			snprintf(err, errlen, "directory %s: the symbolic link %s "
			    "on the way could be changed by another user: %s",
			    dir, link, why);
			return -1;
		}
	}
	return 0;
}

/* path's directory into dir, *name its last component. */
static int
split_path(const char *path, char *dir, size_t dirlen, const char **name,
    char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL) {
		snprintf(dir, dirlen, ".");
		*name = path;
	} else {
		size_t n = slash == path ? 1 : (size_t)(slash - path);

		if (strcopy_n(dir, dirlen, path, n) < 0) {
			snprintf(err, errlen, "%s: path too long", path);
			return -1;
		}
		*name = slash + 1;
	}
	if (**name == '\0' || strcmp(*name, ".") == 0 ||
	    strcmp(*name, "..") == 0) {
		snprintf(err, errlen, "%s: no file name", path);
		return -1;
	}
	return 0;
}

int
safefile_open_dir(const char *path, int create, const char **name,
    char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct stat st;
	int fd, made = 0;

	if (split_path(path, dir, sizeof(dir), name, err, errlen) < 0 ||
	    path_links_ok(dir, err, errlen) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (parent_ok(dir, err, errlen) < 0)
			return -1;
		if (mkdir(dir, SAFEFILE_DIR_MODE) == 0)
			made = 1;
		else if (errno != EEXIST) {
			snprintf(err, errlen, "mkdir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0) {
		snprintf(err, errlen, "directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* ours, just made: the umask does not close it to the MTA */
	if (made && fstat(fd, &st) == 0 && st.st_uid == geteuid())
		(void)fchmod(fd, SAFEFILE_DIR_MODE);
	if (safefile_dir_ok(fd, dir, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int
safefile_check_dir(const char *path, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	const char *name;
	int fd, rc;

	if (split_path(path, dir, sizeof(dir), &name, err, errlen) < 0 ||
	    path_links_ok(dir, err, errlen) < 0)
		return -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return parent_ok(dir, err, errlen);
	if (fd < 0) {
		snprintf(err, errlen, "directory %s: %s", dir, strerror(errno));
		return -1;
	}
	rc = safefile_dir_ok(fd, dir, err, errlen);
	close(fd);
	return rc;
}

int
safefile_create(int dirfd, const char *name, const char *shown, mode_t mode,
    char *err, size_t errlen)
{
	struct stat lst, st;
	char target[256], who[160];
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode);
	if (fd >= 0) {
		if (fchmod(fd, mode) != 0) {
			snprintf(err, errlen, "%s: chmod: %s", shown,
			    strerror(errno));
			close(fd);
			return -1;
		}
		return fd;
	}
	if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	/* something is there: reused only if it is a stale file of ours */
	if (fstatat(dirfd, name, &lst, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (S_ISLNK(lst.st_mode)) {
		n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = '\0';
		snprintf(err, errlen, "%s is a symbolic link (to %s): refusing "
		    "to follow it, left untouched; remove it", shown,
		    n > 0 ? target : "?");
		return -1;
	}
	if (!S_ISREG(lst.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a regular file: "
		    "left untouched; remove it", shown);
		return -1;
	}
	fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", shown, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_dev != lst.st_dev || st.st_ino != lst.st_ino) {
		snprintf(err, errlen, "%s changed while it was opened: left "
		    "untouched", shown);
		goto fail;
	}
	if (st.st_nlink != 1) {
		snprintf(err, errlen, "%s has %lu hard links (another name for "
		    "some other file): refusing to write it, left untouched; "
		    "remove it", shown, (unsigned long)st.st_nlink);
		goto fail;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "%s is owned by %s, not by the user "
		    "creating it: refusing to write it, left untouched; remove "
		    "it", shown, user_name(st.st_uid, who, sizeof(who)));
		goto fail;
	}
	if (fchmod(fd, mode) != 0) {
		snprintf(err, errlen, "%s: chmod: %s", shown, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}
