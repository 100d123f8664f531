/*
 * daemon/sockclean.c - the root helper that removes the unix socket when
 * the daemon exits (its directory is root's, the daemon is not). Contract
 * in sockclean_int.h; why a helper: authmilter(8), SECURITY.
 */
#include "daemon/sockclean_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/strcopy.h"

#define SOCKCLEAN_NAME_MAX 256   /* a socket's leaf name (sun_path < 108) */

enum { HELPER_PIPE_FD = 3, HELPER_DIR_FD = 4 };

static void
helper(int pfd, int dfd, const char *name, dev_t dev, ino_t ino)
{
	static const int ignored[] = { SIGTERM, SIGINT, SIGQUIT, SIGHUP,
	    SIGUSR1, SIGUSR2, SIGPIPE };
	struct stat st;
	char buf[64];
	ssize_t n;
	size_t i;
	int fd;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	/* hold nothing of the daemon's: not the listener, the pid file's
	 * lock, the starter's pipe or its stderr */
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	/* to fds 3 and 4 by way of fds above them (either may be 3 or 4) */
	if ((pfd = fcntl(pfd, F_DUPFD, HELPER_DIR_FD + 1)) < 0 ||
	    (dfd = fcntl(dfd, F_DUPFD, HELPER_DIR_FD + 1)) < 0 ||
	    dup2(pfd, HELPER_PIPE_FD) < 0 || dup2(dfd, HELPER_DIR_FD) < 0)
		_exit(1);
	close_range(HELPER_DIR_FD + 1, ~0U, 0);
	do
		n = read(HELPER_PIPE_FD, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	if (fstatat(HELPER_DIR_FD, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino)
		(void)unlinkat(HELPER_DIR_FD, name, 0);
	_exit(0);
}

int
sockclean_start(int dfd, const char *name, const struct stat *st, char *err,
    size_t errlen)
{
	char leaf[SOCKCLEAN_NAME_MAX];
	int fds[2];
	pid_t pid;

	if (strcopy(leaf, sizeof(leaf), name) < 0) {
		snprintf(err, errlen, "socket name too long");
		return -1;
	}
	if (pipe(fds) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		helper(fds[0], dfd, leaf, st->st_dev, st->st_ino);
	}
	/* the daemon keeps the write end open, unwritten, until it exits */
	close(fds[0]);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	return 0;
}
