/*
 * daemon/pidfile.c - the pid file, made as root and locked while the
 * daemon runs. Contract in pidfile_int.h.
 */
#include "daemon/pidfile_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log_int.h"
#include "util/safefile.h"

/*
 * The pid file: created as root (root-owned, mode 0644) in a directory
 * only root can write, never through a link (safefile.h); a stale file
 * from an earlier run is reused only when it is a regular file of root's
 * with one link. The daemon keeps it open read-only and holds an exclusive
 * flock(2) on it while it runs: a second daemon with the same pid file
 * refuses to start, and a pid file nobody holds locked is stale. It is not
 * removed at exit: the daemon then runs as its user, which cannot write
 * the directory (as Postfix leaves master.pid); the lock goes with the
 * process, and the next start replaces the file.
 */
static int pidfile_fd = -1;	/* held for its lock, never read */

int
pidfile_write(const am_config *cfg)
{
	const char *name;
	char err[1024], buf[32];
	struct stat wst, rst;
	int dfd, wfd = -1, rfd = -1, n, rc = -1;

	if (cfg->pidfile[0] == '\0')
		return 0;
	dfd = safefile_open_dir(cfg->pidfile, 1, &name, err, sizeof(err));
	if (dfd < 0) {
		log_msg(LOG_ERR, NULL, "pidfile %s: %s", cfg->pidfile, err);
		return -1;
	}
	wfd = safefile_create(dfd, name, cfg->pidfile, 0644, err, sizeof(err));
	if (wfd < 0) {
		log_msg(LOG_ERR, NULL, "pidfile %s", err);
		goto out;
	}
	/* the lock is held on a read-only descriptor: the daemon keeps no
	 * way to write a root-owned file once it has dropped privileges */
	rfd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (rfd < 0 || fstat(wfd, &wst) != 0 || fstat(rfd, &rst) != 0 ||
	    wst.st_dev != rst.st_dev || wst.st_ino != rst.st_ino) {
		log_msg(LOG_ERR, NULL, "pidfile %s: changed while it was "
		    "opened", cfg->pidfile);
		goto out;
	}
	if (flock(rfd, LOCK_EX | LOCK_NB) != 0) {
		n = (int)pread(rfd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_msg(LOG_ERR, NULL, "pidfile %s: locked by a running "
		    "authmilter (pid %s)", cfg->pidfile, buf[0] ? buf : "?");
		goto out;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(wfd, 0) != 0 || write(wfd, buf, (size_t)n) != n) {
		log_msg(LOG_ERR, NULL, "pidfile %s: %s", cfg->pidfile,
		    strerror(errno));
		goto out;
	}
	pidfile_fd = rfd;
	rfd = -1;
	rc = 0;
out:
	if (rfd >= 0)
		close(rfd);
	if (wfd >= 0)
		close(wfd);
	close(dfd);
	return rc;
}
