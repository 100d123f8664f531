/*
 * daemon/daemon.c - the milter daemon: daemon_main(), which `authmilter
 * [run]` (cli/cmd_run.c: the flags) calls.
 *
 * Start-up order, each step failing loudly (file and line for the config):
 *   read the config, apply flags, anchor relative paths to the start
 *   directory -> (-n: check, changing nothing - checks.c: the user's
 *   access, as that user; the resolver probe - and stop) -> look up the
 *   run-as user and group -> bind the milter socket (as root; milter/milter.h)
 *   with its mode and group -> detach (unless -f) and write the pidfile ->
 *   fork the socket's root helper (sockclean.c) -> drop privileges ->
 *   build the runtime (resolver threads start only now, after fork and
 *   setuid) -> send the resolver probe (checks.c: refused only when the
 *   resolver cannot start) -> start the milter server's threads and serve;
 *   the main loop says what the probe found (a warning when the servers
 *   cannot be reached) once it is answered or its deadline passes.
 *   The metrics endpoint (metrics =) is bound with the milter socket
 *   and its thread started with the server's (metrics_http_int.h).
 *
 * The milter protocol is authmilter's own engine (milter/milter.h);
 * callbacks.c is its handler. Its threads block every signal; the
 * others' signals go to on_signal(), which only queues them on a pipe for
 * the main loop (authmilter(8), SIGNALS). SIGHUP: reload the
 * config (and the PSL, with the runtime) - a broken file is logged and the
 * old settings stay; any number of queued HUPs make one reload.
 * SIGUSR1/SIGUSR2: one status line (messages in flight, threads, history
 * queue); never a stop (a logrotate-style kill -USR1 killed it before).
 * During start-up HUP, USR1 and USR2 are ignored. SIGPIPE is ignored.
 * SIGTERM/SIGINT/SIGQUIT: new connections and new messages get a tempfail,
 * messages in flight finish (up to DAEMON_DRAIN_SECONDS), then the server
 * stops (listener closed, unix socket removed, remaining connections shut
 * down, threads joined within a bound) and the process exits 0.
 * tests/daemon/daemon.sh sends HUP storms under load to check it.
 *
 * Files created as root (the unix socket, the pidfile) go only in
 * directories only root can write (util/safefile.h: checked up to "/";
 * made root-owned 0755 when missing; otherwise the daemon refuses to
 * start, saying why), are made without following links (bind(); O_EXCL|
 * O_NOFOLLOW, or a stale regular file of root's with one link), and get
 * their mode and group when made (umask and effective gid at bind();
 * fchmod), never by path afterwards: setup_socket(), pidfile_write().
 * The pidfile is not removed at exit once privileges are dropped (the
 * directory is root's); the next start replaces it. The socket is: a root
 * helper forked before the drop removes it when the daemon exits
 * (sockclean_int.h). In the foreground the pidfile
 * is written only when configured away from its default.
 */
#include "daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/callbacks_int.h"
#include "daemon/checks_int.h"
#include "config/config.h"
#include "daemon/history_writer_int.h"
#include "daemon/identity_int.h"
#include "daemon/log_int.h"
#include "daemon/metrics_http_int.h"
#include "daemon/metrics_int.h"
#include "milter/milter.h"
#include "daemon/notify_int.h"
#include "daemon/pidfile_int.h"
#include "daemon/runtime_int.h"
#include "daemon/sockclean_int.h"
#include "util/safefile.h"

#define DAEMON_DRAIN_SECONDS 30       /* wait for messages in flight at stop */
#define DAEMON_STOP_GRACE 1           /* then for the server's own count */
/*
 * Memory one milter connection may make the daemon hold (authmilter(8),
 * Memory): the engine's read buffer (the 1 MB packet bound + 5,
 * milter/milter.h), macros (64 KB, milter/msession_int.h), replies and
 * per-connection state: 1.2 MB;
 * the DKIM verifier's results for up to 1,000 signatures (DKIM_MAX_LISTED
 * x 1.1 KB) and its evaluation state: 1.2 MB; and per header byte kept
 * (max_header_bytes) at most 3 bytes of DKIM header store (dkim_hdrs_int.h:
 * arena and index, fields of 4 octets or more as the milter passes them),
 * (the ARC verifier reads the DKIM verifier's store: arc_verifier_new_shared),
 * twice with arc_seal (the sealer keeps its own store).
 * Measured in tests/milter/milter_engine.py.
 */
#define DAEMON_CONN_FIXED_KB 2458
#define DAEMON_HEADER_FACTOR 3


/* The milter engine's lines (mserver_set_log()) into the daemon's log. */
static void
engine_log(void *ctx, int prio, const char *line)
{
	(void)ctx;
	log_msg(prio, NULL, "%s", line);
}

static int sigpipe_fds[2] = { -1, -1 };
static mserver *server;

static void
on_signal(int sig)
{
	unsigned char c = (unsigned char)sig;
	int saved = errno;

	if (write(sigpipe_fds[1], &c, 1) < 0) {
		/* nothing to do: the pipe is full, a wake-up is pending */
	}
	errno = saved;
}

/*
 * The directory the daemon was started in, and the config file's path
 * made absolute against it: the daemon chdir("/")s when it detaches, and
 * a SIGHUP re-reads the file later. Relative paths in the file and the
 * flags (--dns-zone, -p unix:PATH, ...) are anchored to it at start and
 * at every reload (config_absolute_paths()), so they name the same files
 * as the shell they were typed in meant. */
static char start_dir[CONFIG_MAX_PATH];
static char config_abs[CONFIG_MAX_PATH];

/* 0, or -1 with a reason (start directory unknown, path too long). */
static int
anchor_config_path(daemon_args *o, char *err, size_t errlen)
{
	if (getcwd(start_dir, sizeof(start_dir)) == NULL)
		start_dir[0] = '\0';
	if (o->config_path[0] == '/')
		return 0;
	if (start_dir[0] != '/') {
		snprintf(err, errlen, "-c %s: a relative path, and the start "
		    "directory cannot be read: give an absolute path",
		    o->config_path);
		return -1;
	}
	if ((size_t)snprintf(config_abs, sizeof(config_abs), "%s%s%s",
	    start_dir, strcmp(start_dir, "/") == 0 ? "" : "/",
	    o->config_path) >= sizeof(config_abs)) {
		snprintf(err, errlen, "-c %s: path too long", o->config_path);
		return -1;
	}
	o->config_path = config_abs;
	return 0;
}

/* The config as the file and the flags say, relative paths anchored to
 * the start directory; -1 with a reason. */
static int
read_config(const daemon_args *o, am_config *cfg, char *err, size_t errlen)
{
	if (config_build(cfg, o->config_path, o->config_given, o->ov,
	    o->nov, err, errlen) < 0)
		return -1;
	if (config_absolute_paths(cfg, start_dir[0] == '/' ? start_dir : NULL,
	    err, errlen) < 0) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

/*
 * The unix socket is made by bind() with its final mode and group: the
 * umask is set from socket_mode and, as root, the effective gid to the
 * socket's group (socket_group, or the daemon's group) for the call, so
 * no chmod or chown by path follows bind(). Its directory is root's only
 * (safefile.h; created root-owned 0755 when missing); an old socket there
 * is replaced by the listener (milter/msocket_int.h: only a socket, never
 * a link).
 * Afterwards the file at the path must be the socket in the checked
 * directory, with that mode and group, else the daemon refuses to start.
 */
static int
check_socket(int dfd, const char *name, const char *path, mode_t mode,
    gid_t gid)
{
	struct stat st, pst;
	struct group *gr;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    lstat(path, &pst) != 0 || !S_ISSOCK(st.st_mode) ||
	    st.st_dev != pst.st_dev || st.st_ino != pst.st_ino ||
	    st.st_uid != geteuid()) {
		log_msg(LOG_ERR, NULL, "socket %s: not the socket just bound "
		    "in its checked directory (the path changed?)", path);
		return -1;
	}
	if ((st.st_mode & 07777) != mode) {
		log_msg(LOG_ERR, NULL, "socket %s: mode %04o, want socket_mode "
		    "%04o (a default ACL on its directory?)", path,
		    (unsigned)(st.st_mode & 07777), (unsigned)mode);
		return -1;
	}
	if (st.st_gid != gid) {
		gr = getgrgid(st.st_gid);
		log_msg(LOG_ERR, NULL, "socket %s: group %s, want gid %lu (a "
		    "set-group-ID directory?)", path, gr != NULL ? gr->gr_name :
		    "?", (unsigned long)gid);
		return -1;
	}
	return 0;
}

/* A unix socket the daemon cannot remove itself once it has dropped
 * privileges: its directory (held open) and leaf, for sockclean_start(). */
static int sock_dfd = -1;
static char sock_name[MPROTO_PATH_MAX];

static int
setup_socket(const am_config *cfg, const daemon_ids *ids)
{
	char path[MPROTO_PATH_MAX];
	const char *name = NULL;
	char err[1024];
	mode_t mode = (mode_t)cfg->socket_mode, old_mask = 0;
	gid_t gid = ids->gid, saved_gid = getegid();
	int dfd = -1, rc = -1, lrc, switched = 0, is_unix;

	is_unix = mserver_socket_path(cfg->socket, path, sizeof(path), err,
	    sizeof(err));
	if (is_unix < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	if (is_unix) {
		if (cfg->socket_group[0] != '\0') {
			struct group *gr = getgrnam(cfg->socket_group);

			if (gr == NULL) {
				log_msg(LOG_ERR, NULL, "socket group '%s': no "
				    "such group", cfg->socket_group);
				return -1;
			}
			gid = gr->gr_gid;
		}
		dfd = safefile_open_dir(path, 1, &name, err, sizeof(err));
		if (dfd < 0) {
			log_msg(LOG_ERR, NULL, "socket %s: %s", path, err);
			return -1;
		}
		if (geteuid() == 0 && gid != saved_gid) {
			if (setegid(gid) != 0) {
				log_msg(LOG_ERR, NULL, "socket group: setegid "
				    "%lu: %s", (unsigned long)gid,
				    strerror(errno));
				goto out;
			}
			switched = 1;
		}
		old_mask = umask(~mode & 0777);
	}
	server = mserver_new(callbacks_handler(), NULL);
	if (server == NULL)
		snprintf(err, sizeof(err), "out of memory");
	else
		mserver_set_log(server, engine_log, NULL);
	lrc = server != NULL ? mserver_listen(server, cfg->socket, err,
	    sizeof(err)) : -1;
	if (is_unix) {
		umask(old_mask);
		if (switched && setegid(saved_gid) != 0) {
			log_msg(LOG_ERR, NULL, "setegid %lu: %s",
			    (unsigned long)saved_gid, strerror(errno));
			goto out;
		}
	}
	if (lrc < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		goto out;
	}
	if (is_unix) {
		/* not root: the group is set on the file just made (no
		 * privilege to gain: it is the daemon's own file, a group
		 * it is in, and no link is followed) */
		if (geteuid() != 0 && gid != getegid() &&
		    fchownat(dfd, name, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) != 0) {
			log_msg(LOG_ERR, NULL, "socket group '%s': %s",
			    cfg->socket_group, strerror(errno));
			goto out;
		}
		if (check_socket(dfd, name, path, mode, gid) < 0)
			goto out;
		if (ids->drop) {
			snprintf(sock_name, sizeof(sock_name), "%s", name);
			sock_dfd = dfd;
			dfd = -1;
		}
	}
	rc = 0;
out:
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* The daemon tells the process that started it when it is serving (one
 * byte) or gives up (the pipe closes): `authmilter -c FILE` then exits 0
 * only when the daemon really runs, 1 when any later start-up step failed. */
static int ready_fd = -1;

static void
report_ready(void)
{
	if (ready_fd >= 0) {
		int fd;

		if (write(ready_fd, "R", 1) != 1) {
			/* the starter is gone: nothing to tell */
		}
		close(ready_fd);
		ready_fd = -1;
		/* start-up errors went to the starter's stderr as well; from
		 * now on the daemon logs to syslog only */
		log_open("authmilter", 0, 1);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
}

static int
detach(void)
{
	int fds[2], fd;
	pid_t pid;
	char c = 0;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c == 'R' ? DAEMON_EXIT_OK : DAEMON_EXIT_FAILURE);
	}
	close(fds[0]);
	ready_fd = fds[1];
	(void)fcntl(ready_fd, F_SETFD, FD_CLOEXEC);
	if (setsid() < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0)
		_exit(0);
	if (chdir("/") != 0)
		return -1;
	/* stderr stays the starter's until the daemon serves (report_ready):
	 * a start-up error after the fork is shown where it was started */
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

/* max_connections to the server, and the memory bound it makes. */
static void
apply_limits(unsigned max_conns, unsigned max_header_bytes, unsigned seal)
{
	int factor = DAEMON_HEADER_FACTOR * (seal ? 2 : 1);
	double per = DAEMON_CONN_FIXED_KB / 1024.0 +
	    factor * (max_header_bytes / 1048576.0);

	mserver_set_max_conns(server, max_conns);
	log_msg(LOG_NOTICE, NULL, "at most %u milter connections at once "
	    "(max_connections), each holding at most about %.1f MB (2.4 MB + "
	    "%d x max_header_bytes): %.0f MB in all", max_conns, per,
	    factor, per * max_conns);
}

/* 0 when the new configuration runs, -1 when the old one stays */
static int
reload(const daemon_args *o)
{
	am_config cfg;
	runtime *rt;
	char err[512];

	unsigned max_conns, max_header_bytes, seal;

	if (read_config(o, &cfg, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "reload: %s; keeping the running "
		    "configuration", err);
		metrics_reload(0);
		return -1;
	}
	max_conns = cfg.max_connections;
	max_header_bytes = cfg.max_header_bytes;
	seal = cfg.narc_seal > 0;
	metrics_http_reloaded(cfg.metrics);
	rt = runtime_build(&cfg, err, sizeof(err));
	if (rt == NULL) {
		log_msg(LOG_ERR, NULL, "reload: %s; keeping the running "
		    "configuration", err);
		metrics_reload(0);
		return -1;
	}
	runtime_install(rt);
	metrics_reload(1);
	apply_limits(max_conns, max_header_bytes, seal);
	log_msg(LOG_NOTICE, NULL, "configuration reloaded (%u message(s) in "
	    "flight finish on the previous one)", runtime_active_messages());
	return 0;
}

/* SIGUSR1, SIGUSR2: one line saying what the daemon holds now. */
static void
log_status(int sig)
{
	runtime *rt = runtime_acquire();
	history_stats hs;
	unsigned long started = 0;
	unsigned threads = mserver_threads(server, &started);
	char hist[256];

	if (rt != NULL && rt->history != NULL) {
		history_writer_stats(rt->history, &hs);
		snprintf(hist, sizeof(hist), "history: %llu queued (%llu "
		    "waiting), %llu written, %llu dropped, %llu lost",
		    (unsigned long long)hs.queued,
		    (unsigned long long)(hs.queued - hs.written - hs.failed),
		    (unsigned long long)hs.written,
		    (unsigned long long)hs.dropped,
		    (unsigned long long)hs.failed);
	} else
		snprintf(hist, sizeof(hist), "no history store");
	if (rt != NULL)
		runtime_release(rt);
	log_msg(LOG_NOTICE, NULL, "status (%s): %u message(s) in flight, %u "
	    "milter thread(s) (%lu started), %s", sig == SIGUSR1 ? "SIGUSR1" :
	    "SIGUSR2", runtime_active_messages(), threads, started, hist);
}

static const char *
stop_signal_name(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGQUIT ? "SIGQUIT" :
	    sig == SIGTERM ? "SIGTERM" : "an error waiting for signals";
}

/* The runtime whose resolver the start's probe uses, held until the probe
 * ends (a reload may replace it meanwhile). */
static runtime *probe_rt;

static int
run_loop(const daemon_args *o, void (*ready)(void))
{
	static const int handled[] = { SIGHUP, SIGTERM, SIGINT, SIGQUIT,
	    SIGUSR1, SIGUSR2 };
	struct sigaction sa;
	char err[512];
	int stopping = 0, waited;
	size_t i;

	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mserver_start(server, err, sizeof(err)) < 0 ||
	    metrics_http_start(err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	log_msg(LOG_NOTICE, NULL, "ready");
	ready();
	notify_ready("ready: serving milter connections");

	while (!stopping) {
		struct pollfd p = { sigpipe_fds[0], POLLIN, 0 };
		unsigned char sig;
		int hup = 0, usr1 = 0, usr2 = 0, wait_ms;

		/* bounded while the start's resolver probe is out; its
		 * runtime is let go once it has ended */
		wait_ms = checks_probe_poll();
		if (wait_ms < 0 && probe_rt != NULL) {
			runtime_release(probe_rt);
			probe_rt = NULL;
		}
		if (poll(&p, 1, wait_ms) < 0 && errno != EINTR)
			break;
		/* take every queued signal first: any number of HUPs make
		 * one reload (of USR1s one status line, of USR2s one), and a
		 * TERM behind them is not kept waiting */
		while (read(sigpipe_fds[0], &sig, 1) == 1) {
			if (sig == SIGHUP)
				hup = 1;
			else if (sig == SIGUSR1)
				usr1 = 1;
			else if (sig == SIGUSR2)
				usr2 = 1;
			else if (sig == SIGTERM || sig == SIGINT ||
			    sig == SIGQUIT)
				stopping = sig;
		}
		if (usr1)
			log_status(SIGUSR1);
		if (usr2)
			log_status(SIGUSR2);
		if (hup && !stopping) {
			notify_reloading();
			notify_ready(reload(o) == 0 ? "ready: configuration "
			    "reloaded" : "ready: reload failed (see the log); "
			    "the previous configuration stays");
		}
	}
	/* refuse new work (runtime_set_draining: a new connection or MAIL
	 * FROM gets a tempfail, which the engine gives at end of message),
	 * let the messages in flight end, then stop the server */
	log_msg(LOG_NOTICE, NULL, "stopping on %s: finishing %u message(s) "
	    "in flight", stop_signal_name(stopping),
	    runtime_active_messages());
	notify_stopping(runtime_active_messages());
	runtime_set_draining();
	for (waited = 0; runtime_active_messages() > 0 &&
	    waited < DAEMON_DRAIN_SECONDS * 10; waited++)
		usleep(100000);
	if (runtime_active_messages() > 0)
		log_msg(LOG_WARNING, NULL, "exiting with %u message(s) "
		    "unfinished (the MTA applies milter_default_action)",
		    runtime_active_messages());
	metrics_http_stop();
	mserver_stop(server, DAEMON_STOP_GRACE);
	mserver_free(server);
	server = NULL;
	return 0;
}

/*
 * glibc gives a thread that allocates while others do a malloc arena of
 * its own, up to 8 per core, and keeps their memory: with a thread per
 * milter connection that is resident memory the milter never gives back.
 * Measured on the benchmark corpus (2 cores): peak RSS 21.4 -> 18.7 MB at
 * one connection, 25.8 -> 21.1 at 8, 36.1 -> 29.3 at 32, CPU unchanged
 * within noise. One arena per core (at least DAEMON_MIN_ARENAS) instead;
 * MALLOC_ARENA_MAX in the environment wins.
 */
#define DAEMON_MIN_ARENAS 2

static void
limit_malloc_arenas(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (getenv("MALLOC_ARENA_MAX") != NULL)
		return;
	(void)mallopt(M_ARENA_MAX, (int)(n > DAEMON_MIN_ARENAS ?
	    (n < 64 ? n : 64) : DAEMON_MIN_ARENAS));
}

/*
 * -n: would the socket's and the pid file's directories be accepted at
 * start (safefile_check_dir: as safefile_open_dir with create, making
 * nothing), so a configuration that -n calls OK is not refused at start
 * for its directories.
 */
static int
check_file_dir(const char *what, const char *path)
{
	char err[1024];

	if (safefile_check_dir(path, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s %s: %s", what, path, err);
		return -1;
	}
	return 0;
}

int
daemon_main(const daemon_args *args)
{
	daemon_args o = *args;
	daemon_ids ids;
	am_config cfg;
	runtime *rt;
	char err[512];
	unsigned max_conns, max_header_bytes, seal;
	int rc;

	limit_malloc_arenas();	/* before any thread starts */
	log_open("authmilter", 1, 0);
	log_set_debug(o.debug);
	if (anchor_config_path(&o, err, sizeof(err)) < 0 ||
	    read_config(&o, &cfg, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return DAEMON_EXIT_FAILURE;
	}
	if (o.check_only) {
		char path[MPROTO_PATH_MAX];
		int is_unix;

		/* Build everything that can be built without side effects. */
		is_unix = mserver_socket_path(cfg.socket, path, sizeof(path),
		    err, sizeof(err));
		if (is_unix < 0 || metrics_http_check(cfg.metrics, err,
		    sizeof(err)) < 0) {
			log_msg(LOG_ERR, NULL, "%s", err);
			config_free(&cfg);
			return DAEMON_EXIT_FAILURE;
		}
		if ((is_unix && check_file_dir("socket", path) < 0) ||
		    (cfg.pidfile[0] != '\0' &&
		    check_file_dir("pidfile", cfg.pidfile) < 0)) {
			config_free(&cfg);
			return DAEMON_EXIT_FAILURE;
		}
		/* the user, groups and the files as the user; the runtime
		 * without the history store (it would make the file) */
		if (ids_resolve(&cfg, &ids) < 0 ||
		    (is_unix && ids_check_socket_group(&cfg) < 0) ||
		    checks_as_user(&cfg, o.config_path, ids.drop, ids.uid,
		    ids.gid, ids.name) < 0) {
			config_free(&cfg);
			return DAEMON_EXIT_FAILURE;
		}
		free(cfg.history);
		cfg.history = NULL;
		runtime_sign_log(o.config_path, 1);
		rt = runtime_build(&cfg, err, sizeof(err));
		if (rt == NULL) {
			log_msg(LOG_ERR, NULL, "%s", err);
			return DAEMON_EXIT_FAILURE;
		}
		rc = checks_resolver(rt->resolver, &rt->cfg);
		if (checks_sign_records(rt->resolver, rt->sign,
		    o.config_path) < 0)
			rc = -1;
		runtime_release(rt);
		if (rc < 0)
			return DAEMON_EXIT_FAILURE;
		if (access(o.config_path, F_OK) == 0)
			printf("authmilter: %s: configuration OK\n",
			    o.config_path);
		else
			printf("authmilter: no %s; the built-in defaults are "
			    "OK\n", o.config_path);
		return DAEMON_EXIT_OK;
	}
	/* until run_loop() handles them: a status or reload request during
	 * start-up neither kills the daemon nor is acted on */
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	log_set_facility(log_facility_value(cfg.log_facility));
	log_open("authmilter", 1, 1); /* daemon mode: stderr until ready */
	if (ids_resolve(&cfg, &ids) < 0 || setup_socket(&cfg, &ids) < 0)
		goto fail;
	if (metrics_http_bind(cfg.metrics, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		goto fail;
	}
	if (o.foreground && strcmp(cfg.pidfile, config_default("pidfile")) == 0)
		cfg.pidfile[0] = '\0'; /* -f: only an explicit pidfile */
	if (!o.foreground && detach() < 0) {
		log_msg(LOG_ERR, NULL, "cannot detach: %s", strerror(errno));
		goto fail;
	}
	if (pidfile_write(&cfg) < 0)
		goto fail;
	if (sock_dfd >= 0) {
		/* the socket's directory is root's: a root helper removes
		 * the socket when the daemon exits (sockclean_int.h) */
		struct stat st;

		err[0] = '\0';
		if (fstatat(sock_dfd, sock_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			snprintf(err, sizeof(err), "%s", strerror(errno));
		else
			(void)sockclean_start(sock_dfd, sock_name, &st, err,
			    sizeof(err));
		if (err[0] != '\0')
			log_msg(LOG_WARNING, NULL, "the unix socket will not be "
			    "removed at stop (%s)", err);
		close(sock_dfd);
		sock_dfd = -1;
	}
	if (ids_drop(&ids) < 0)
		goto fail;
	max_conns = cfg.max_connections;
	max_header_bytes = cfg.max_header_bytes;
	seal = cfg.narc_seal > 0;
	runtime_sign_log(o.config_path, 0);
	rt = runtime_build(&cfg, err, sizeof(err));
	if (rt == NULL) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return DAEMON_EXIT_FAILURE;
	}
	if (checks_probe_begin(rt->resolver, &rt->cfg) < 0) {
		runtime_release(rt);
		return DAEMON_EXIT_FAILURE;
	}
	runtime_install(rt);
	probe_rt = runtime_acquire();	/* the probe's resolver, kept */
	apply_limits(max_conns, max_header_bytes, seal);
	rc = run_loop(&o, report_ready);
	checks_probe_end();
	runtime_release(probe_rt);	/* NULL: already let go */
	probe_rt = NULL;
	runtime_shutdown();
	/* the pid file stays (write_pidfile); its lock ends with us */
	log_msg(LOG_NOTICE, NULL, "stopped");
	return rc == 0 ? DAEMON_EXIT_OK : DAEMON_EXIT_FAILURE;
fail:
	config_free(&cfg);
	return DAEMON_EXIT_FAILURE;
}
