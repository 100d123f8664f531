/*
 * daemon/identity.c - who the daemon runs as: the run-as user and group
 * looked up (user =, group =, -u), the warning when they cannot be taken
 * (not started as root), the socket group's existence for -n, and the
 * drop of privileges, checked not to be reversible. Contract in
 * identity_int.h.
 */
#include "daemon/identity_int.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "daemon/log_int.h"

/* Not started as root: user and group (-u, user =, group =) cannot be
 * taken; said once (at start and with -n), unless they name who the
 * daemon already is. */
void
ids_warn_ignored(const am_config *cfg)
{
	struct passwd *pw;
	struct group *gr;
	const char *me;

	if (geteuid() == 0)
		return;
	pw = getpwuid(geteuid());
	me = pw != NULL ? pw->pw_name : "?";
	if (cfg->user[0] != '\0' && strcmp(cfg->user, me) != 0)
		log_msg(LOG_WARNING, NULL, "user '%s' (-u, user =) ignored: "
		    "not started as root; running as %s (uid %lu)", cfg->user,
		    me, (unsigned long)geteuid());
	if (cfg->group[0] != '\0' && ((gr = getgrgid(getegid())) == NULL ||
	    strcmp(cfg->group, gr->gr_name) != 0))
		log_msg(LOG_WARNING, NULL, "group '%s' (group =) ignored: not "
		    "started as root; running as gid %lu", cfg->group,
		    (unsigned long)getegid());
}

int
ids_resolve(const am_config *cfg, daemon_ids *ids)
{
	struct passwd *pw;

	memset(ids, 0, sizeof(*ids));
	ids->uid = geteuid();
	ids->gid = getegid();
	ids_warn_ignored(cfg);
	if (geteuid() != 0 || cfg->user[0] == '\0')
		return 0;
	pw = getpwnam(cfg->user);
	if (pw == NULL) {
		log_msg(LOG_ERR, NULL, "user '%s': no such user (create it: "
		    "useradd --system %s; or choose one with -u or user =)",
		    cfg->user, cfg->user);
		return -1;
	}
	ids->drop = 1;
	ids->uid = pw->pw_uid;
	ids->gid = pw->pw_gid;
	snprintf(ids->name, sizeof(ids->name), "%s", pw->pw_name);
	if (cfg->group[0] != '\0') {
		struct group *gr = getgrnam(cfg->group);

		if (gr == NULL) {
			log_msg(LOG_ERR, NULL, "group '%s': no such group",
			    cfg->group);
			return -1;
		}
		ids->gid = gr->gr_gid;
	}
	return 0;
}

int
ids_drop(const daemon_ids *ids)
{
	if (!ids->drop)
		return 0;
	if (initgroups(ids->name, ids->gid) != 0 || setgid(ids->gid) != 0 ||
	    setuid(ids->uid) != 0) {
		log_msg(LOG_ERR, NULL, "cannot become %s: %s", ids->name,
		    strerror(errno));
		return -1;
	}
	if (ids->uid != 0 && setuid(0) == 0) {
		log_msg(LOG_ERR, NULL, "privileges could be regained after "
		    "dropping them; refusing to run");
		return -1;
	}
	return 0;
}

/* -n: socket_group names a group (setup_socket() looks it up at start) */
int
ids_check_socket_group(const am_config *cfg)
{
	if (cfg->socket_group[0] != '\0' && getgrnam(cfg->socket_group) == NULL) {
		log_msg(LOG_ERR, NULL, "socket group '%s': no such group",
		    cfg->socket_group);
		return -1;
	}
	return 0;
}
