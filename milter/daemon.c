/*
 * milter/daemon.c - `authmilter [run]`: the milter daemon.
 *
 * Start-up order, each step failing loudly (file and line for the config):
 *   read the config, apply flags -> (-n: check and stop) -> bind the milter
 *   socket (as root; mserver.h), set its mode, group and owner -> detach
 *   (unless -f) and write the pidfile -> drop privileges -> build the
 *   runtime (resolver threads start only now, after fork and setuid) ->
 *   start the milter server's threads and serve.
 *
 * The milter protocol is authmilter's own engine (mproto.h, msession.h,
 * mserver.h); callbacks.c is its handler. Its threads block every signal,
 * so SIGHUP, SIGTERM and SIGINT reach the main thread only, where
 * on_signal() queues them on a pipe for the main loop. SIGHUP: reload the
 * config (and the PSL, with the runtime) - a broken file is logged and the
 * old settings stay; any number of queued HUPs make one reload.
 * SIGTERM/SIGINT: new connections and new messages get a tempfail,
 * messages in flight finish (up to DAEMON_DRAIN_SECONDS), then the server
 * stops (listener closed, unix socket removed, remaining connections shut
 * down, threads joined within a bound) and the process exits 0.
 * tests/scripts/daemon.sh sends HUP storms under load to check it.
 *
 * Files: the unix socket's and the pidfile's directory is created (as
 * root, owned by the run-as user) when missing. In the foreground the
 * pidfile is written only when configured away from its default.
 */
#include "milter/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <malloc.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "milter/callbacks.h"
#include "milter/config.h"
#include "milter/log.h"
#include "milter/mserver.h"
#include "milter/msocket.h"
#include "milter/runtime.h"

#define DAEMON_DRAIN_SECONDS 30       /* wait for messages in flight at stop */
#define DAEMON_STOP_GRACE 1           /* then for the server's own count */
/*
 * Memory one milter connection may make the daemon hold (authmilter(8),
 * Memory): the engine's read buffer (the 1 MB packet bound + 5, mserver.h),
 * macros (64 KB, msession.h), replies and per-connection state: 1.2 MB;
 * the DKIM verifier's results for up to 1,000 signatures (DKIM_MAX_LISTED
 * x 1.1 KB) and its evaluation state: 1.2 MB; and per header byte kept
 * (max_header_bytes) at most 3 bytes of DKIM header store (dkim_hdrs.h:
 * arena and index, fields of 4 octets or more as the milter passes them).
 * Measured in tests/scripts/milter_engine.py.
 */
#define DAEMON_CONN_FIXED_KB 2458
#define DAEMON_HEADER_FACTOR 3

typedef struct daemon_opts {
	const char *config_path;
	int config_given;
	int foreground;
	int check_only;
	int debug;
	cli_overrides cov;
} daemon_opts;

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

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter [run] [-c FILE] [-p SOCKET] [-u USER] [-f] [-n] [-d]\n"
	    "                  [--authserv-id ID] [DNS options]\n"
	    "  -c FILE            config file (default " CONFIG_DEFAULT_PATH ")\n"
	    "  -p SOCKET          milter socket: unix:PATH, inet:PORT@HOST, inet6:PORT@HOST\n"
	    "  -u USER            user to run as after binding the socket\n"
	    "  -f                 stay in the foreground, log to stderr too\n"
	    "  -n                 check the configuration and exit\n"
	    "  -d                 debug logging\n"
	    "  --authserv-id ID   authserv-id of the Authentication-Results header\n"
	    "  --pidfile FILE     pid file (\"\": none)\n"
	    "  --history DB       DMARC history store (SQLite path or postgresql:// URI)\n%s",
	    cli_dns_usage());
}


static int
parse_args(int argc, char **argv, daemon_opts *o)
{
	enum { OPT_AUTHSERV = 1, OPT_PIDFILE, OPT_HISTORY };
	static const struct option longopts[] = {
		{ "authserv-id", required_argument, NULL, OPT_AUTHSERV },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "history", required_argument, NULL, OPT_HISTORY },
		{ "help", no_argument, NULL, 'h' },
		CLI_DNS_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc = 0;

	memset(o, 0, sizeof(*o));
	o->config_path = CONFIG_DEFAULT_PATH;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:p:u:fndh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config_path = optarg; o->config_given = 1; break;
		case 'p': rc = cli_override(&o->cov, "socket", optarg); break;
		case 'u': rc = cli_override(&o->cov, "user", optarg); break;
		case 'f': o->foreground = 1; break;
		case 'n': o->check_only = 1; break;
		case 'd': o->debug = 1; break;
		case OPT_AUTHSERV: rc = cli_override(&o->cov, "authserv_id", optarg); break;
		case OPT_PIDFILE: rc = cli_override(&o->cov, "pidfile", optarg); break;
		case OPT_HISTORY: rc = cli_override(&o->cov, "history", optarg); break;
		CLI_DNS_OPTION_CASES:
			rc = cli_override_dns(&o->cov, ch, optarg);
			break;
		case 'h':
			usage(stdout);
			exit(CLI_EXIT_OK);
		default:
			usage(stderr);
			return CLI_EXIT_USAGE;
		}
		if (rc < 0)
			return CLI_EXIT_USAGE;
	}
	if (optind < argc) {
		fprintf(stderr, "authmilter: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_overrides_done(&o->cov) < 0)
		return CLI_EXIT_USAGE;
	return CLI_EXIT_OK;
}

/* The config as the file and the flags say; -1 with a reason. */
static int
read_config(const daemon_opts *o, am_config *cfg, char *err, size_t errlen)
{
	return config_build(cfg, o->config_path, o->config_given, o->cov.ov,
	    o->cov.n, err, errlen);
}

/* Create the directory of path (one level) when missing, owned by the
 * run-as user, so /run/authmilter works without an init script. */
static int
make_parent_dir(const char *path, const am_config *cfg)
{
	char dir[1024];
	char *slash;
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return 0;
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (stat(dir, &st) == 0)
		return 0;
	if (mkdir(dir, 0755) != 0) {
		log_msg(LOG_ERR, NULL, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (cfg->user[0] != '\0' && geteuid() == 0) {
		struct passwd *pw = getpwnam(cfg->user);

		if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) != 0)
			log_msg(LOG_WARNING, NULL, "chown %s: %s", dir,
			    strerror(errno));
	}
	return 0;
}

static int
setup_socket(const am_config *cfg)
{
	msocket_addr probe;
	const char *path;
	char err[512];

	if (msocket_parse(cfg->socket, &probe, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	if (probe.family == AF_UNIX && make_parent_dir(probe.path, cfg) < 0)
		return -1;
	server = mserver_new(callbacks_handler(), NULL);
	if (server == NULL) {
		log_msg(LOG_ERR, NULL, "out of memory");
		return -1;
	}
	if (mserver_listen(server, cfg->socket, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	if ((path = mserver_unix_path(server)) != NULL) {
		if (chmod(path, (mode_t)cfg->socket_mode) != 0) {
			log_msg(LOG_ERR, NULL, "chmod %s: %s", path, strerror(errno));
			return -1;
		}
		if (cfg->socket_group[0] != '\0') {
			struct group *gr = getgrnam(cfg->socket_group);

			if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) != 0) {
				log_msg(LOG_ERR, NULL, "socket group '%s': %s",
				    cfg->socket_group, gr == NULL ?
				    "no such group" : strerror(errno));
				return -1;
			}
		}
		if (cfg->user[0] != '\0' && geteuid() == 0) {
			struct passwd *pw = getpwnam(cfg->user);

			if (pw != NULL && chown(path, pw->pw_uid, (gid_t)-1) != 0)
				log_msg(LOG_WARNING, NULL, "chown %s: %s", path,
				    strerror(errno));
		}
	}
	return 0;
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
		_exit(c == 'R' ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
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

static int
write_pidfile(const am_config *cfg)
{
	FILE *fp;

	if (cfg->pidfile[0] == '\0')
		return 0;
	if (make_parent_dir(cfg->pidfile, cfg) < 0)
		return -1;
	fp = fopen(cfg->pidfile, "w");
	if (fp == NULL) {
		log_msg(LOG_ERR, NULL, "pidfile %s: %s", cfg->pidfile,
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	fclose(fp);
	return 0;
}

static int
drop_privileges(const am_config *cfg)
{
	struct passwd *pw;
	gid_t gid;

	if (geteuid() != 0 || cfg->user[0] == '\0')
		return 0;
	pw = getpwnam(cfg->user);
	if (pw == NULL) {
		log_msg(LOG_ERR, NULL, "user '%s': no such user (create it: "
		    "useradd --system %s; or choose one with -u or user =)",
		    cfg->user, cfg->user);
		return -1;
	}
	gid = pw->pw_gid;
	if (cfg->group[0] != '\0') {
		struct group *gr = getgrnam(cfg->group);

		if (gr == NULL) {
			log_msg(LOG_ERR, NULL, "group '%s': no such group",
			    cfg->group);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if (cfg->pidfile[0] != '\0' && chown(cfg->pidfile, pw->pw_uid, gid) != 0)
		log_msg(LOG_WARNING, NULL, "chown %s: %s", cfg->pidfile,
		    strerror(errno));
	if (initgroups(pw->pw_name, gid) != 0 || setgid(gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		log_msg(LOG_ERR, NULL, "cannot become %s: %s", cfg->user,
		    strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && setuid(0) == 0) {
		log_msg(LOG_ERR, NULL, "privileges could be regained after "
		    "dropping them; refusing to run");
		return -1;
	}
	return 0;
}

/* max_connections to the server, and the memory bound it makes. */
static void
apply_limits(unsigned max_conns, unsigned max_header_bytes)
{
	double per = DAEMON_CONN_FIXED_KB / 1024.0 +
	    DAEMON_HEADER_FACTOR * (max_header_bytes / 1048576.0);

	mserver_set_max_conns(server, max_conns);
	log_msg(LOG_NOTICE, NULL, "at most %u milter connections at once "
	    "(max_connections), each holding at most about %.1f MB (2.4 MB + "
	    "%d x max_header_bytes): %.0f MB in all", max_conns, per,
	    DAEMON_HEADER_FACTOR, per * max_conns);
}

static void
reload(const daemon_opts *o)
{
	am_config cfg;
	runtime *rt;
	char err[512];

	unsigned max_conns, max_header_bytes;

	if (read_config(o, &cfg, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "reload: %s; keeping the running "
		    "configuration", err);
		return;
	}
	max_conns = cfg.max_connections;
	max_header_bytes = cfg.max_header_bytes;
	rt = runtime_build(&cfg, err, sizeof(err));
	if (rt == NULL) {
		log_msg(LOG_ERR, NULL, "reload: %s; keeping the running "
		    "configuration", err);
		return;
	}
	runtime_install(rt);
	apply_limits(max_conns, max_header_bytes);
	log_msg(LOG_NOTICE, NULL, "configuration reloaded (%u message(s) in "
	    "flight finish on the previous one)", runtime_active_messages());
}

static int
run_loop(const daemon_opts *o, void (*ready)(void))
{
	struct sigaction sa;
	char err[512];
	int stopping = 0, waited;

	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (mserver_start(server, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return -1;
	}
	log_msg(LOG_NOTICE, NULL, "ready");
	ready();

	while (!stopping) {
		struct pollfd p = { sigpipe_fds[0], POLLIN, 0 };
		unsigned char sig;
		int hup = 0;

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			break;
		/* take every queued signal first: any number of HUPs make
		 * one reload, and a TERM behind them is not kept waiting */
		while (read(sigpipe_fds[0], &sig, 1) == 1) {
			if (sig == SIGHUP)
				hup = 1;
			else if (sig == SIGTERM || sig == SIGINT)
				stopping = 1;
		}
		if (hup && !stopping)
			reload(o);
	}
	/* refuse new work (runtime_set_draining: a new connection or MAIL
	 * FROM gets a tempfail, which the engine gives at end of message),
	 * let the messages in flight end, then stop the server */
	log_msg(LOG_NOTICE, NULL, "stopping: finishing %u message(s) "
	    "in flight", runtime_active_messages());
	runtime_set_draining();
	for (waited = 0; runtime_active_messages() > 0 &&
	    waited < DAEMON_DRAIN_SECONDS * 10; waited++)
		usleep(100000);
	if (runtime_active_messages() > 0)
		log_msg(LOG_WARNING, NULL, "exiting with %u message(s) "
		    "unfinished (the MTA applies milter_default_action)",
		    runtime_active_messages());
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

int
cmd_run(int argc, char **argv)
{
	daemon_opts o;
	am_config cfg;
	runtime *rt;
	char err[512], cfg_pidfile[1024];
	unsigned max_conns, max_header_bytes;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != CLI_EXIT_OK)
		return rc;
	limit_malloc_arenas();	/* before any thread starts */
	log_open("authmilter", 1, 0);
	log_set_debug(o.debug);
	if (read_config(&o, &cfg, err, sizeof(err)) < 0) {
		log_msg(LOG_ERR, NULL, "%s", err);
		return CLI_EXIT_FAILURE;
	}
	if (o.check_only) {
		msocket_addr probe;

		/* Build everything that can be built without side effects. */
		if (msocket_parse(cfg.socket, &probe, err, sizeof(err)) < 0) {
			log_msg(LOG_ERR, NULL, "%s", err);
			config_free(&cfg);
			return CLI_EXIT_FAILURE;
		}
		rt = runtime_build(&cfg, err, sizeof(err));
		if (rt == NULL) {
			log_msg(LOG_ERR, NULL, "%s", err);
			return CLI_EXIT_FAILURE;
		}
		runtime_release(rt);
		if (access(o.config_path, F_OK) == 0)
			printf("authmilter: %s: configuration OK\n",
			    o.config_path);
		else
			printf("authmilter: no %s; the built-in defaults are "
			    "OK\n", o.config_path);
		return CLI_EXIT_OK;
	}
	log_open("authmilter", 1, 1); /* daemon mode: stderr until ready */
	if (setup_socket(&cfg) < 0)
		goto fail;
	if (o.foreground && strcmp(cfg.pidfile, config_default("pidfile")) == 0)
		cfg.pidfile[0] = '\0'; /* -f: only an explicit pidfile */
	if (!o.foreground && detach() < 0) {
		log_msg(LOG_ERR, NULL, "cannot detach: %s", strerror(errno));
		goto fail;
	}
	if (write_pidfile(&cfg) < 0 || drop_privileges(&cfg) < 0)
		goto fail;
	snprintf(cfg_pidfile, sizeof(cfg_pidfile), "%s", cfg.pidfile);
	max_conns = cfg.max_connections;
	max_header_bytes = cfg.max_header_bytes;
	rt = runtime_build(&cfg, err, sizeof(err));
	if (rt == NULL) {
		log_msg(LOG_ERR, NULL, "%s", err);
		if (cfg_pidfile[0] != '\0')
			(void)unlink(cfg_pidfile);
		return CLI_EXIT_FAILURE;
	}
	runtime_install(rt);
	apply_limits(max_conns, max_header_bytes);
	rc = run_loop(&o, report_ready);
	runtime_shutdown();
	if (cfg_pidfile[0] != '\0' && unlink(cfg_pidfile) != 0)
		log_msg(LOG_WARNING, NULL, "cannot remove %s: %s (its directory "
		    "must be writable by the run-as user)", cfg_pidfile,
		    strerror(errno));
	log_msg(LOG_NOTICE, NULL, "stopped");
	return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
fail:
	config_free(&cfg);
	return CLI_EXIT_FAILURE;
}
