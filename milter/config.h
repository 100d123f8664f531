/*
 * milter/config.h - authmilter's configuration: one file, `key = value`.
 *
 * SUMMARY
 *   The settings of the daemon and the subcommands, their defaults, and the
 *   reader of /etc/authmilter.conf. Every key is one row of a table
 *   (config.c) with its type, bounds and one line of documentation; the
 *   man page, the example config and `authmilter config` come from the same
 *   rows, and a test checks that they agree.
 *
 * SYNOPSIS
 *   void config_init(am_config *cfg);
 *   int  config_load(am_config *cfg, const char *path, char *err, size_t errlen);
 *   int  config_set(am_config *cfg, const char *key, const char *value,
 *                   char *err, size_t errlen);
 *   void config_free(am_config *cfg);
 *   void config_dns(const am_config *cfg, dns_config *out);
 *   void config_write(const am_config *cfg, FILE *fp, int with_docs);
 *   const config_key *config_keys(size_t *n);
 *
 * DESCRIPTION
 *   config_init() sets every default. config_load() reads a file: blank
 *   lines and lines whose first non-blank character is '#' are ignored;
 *   other lines are `key = value` (white space around both trimmed; a value
 *   may be "quoted"). An unknown key, a bad value, a repeated key or a line
 *   without '=' is an error naming the file and line; then nothing of the
 *   file is applied (cfg is left as it was), so a reload with a broken file
 *   keeps the old settings. config_set() applies one key (command-line flags
 *   use it, after the file). List keys (dns_forward, trusted_networks) take
 *   values separated by commas or white space.
 *   config_dns() fills a dns_config that points into cfg.
 *   config_write() prints every key with its current value (and its
 *   documentation when with_docs), in the file's own syntax.
 *   Strings in am_config are owned by it; config_free() releases them.
 */
#ifndef AUTHMILTER_CONFIG_H
#define AUTHMILTER_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "dns/dns.h"

#define CONFIG_DEFAULT_PATH "/etc/authmilter.conf"
#define CONFIG_MAX_LINE 4096       /* longest line read from the file */
#define CONFIG_MAX_LIST 64         /* longest list value (entries) */

typedef struct am_config {
	/* daemon */
	char *socket;
	unsigned socket_mode;
	char *socket_group;
	char *user;
	char *group;
	char *pidfile;
	char *authserv_id;
	unsigned on_internal_error;   /* CONFIG_ACTION_* */

	/* DNS */
	char *dns_zone;
	char *dns_conf;
	char *dns_trust_anchor;
	char *dns_forward[CONFIG_MAX_LIST];
	size_t ndns_forward;
	unsigned dns_timeout_ms;
	unsigned on_dns_temperror;    /* CONFIG_ACTION_* */

	/* networks whose mail is not checked */
	char *trusted_networks[CONFIG_MAX_LIST];
	size_t ntrusted_networks;
} am_config;

enum {
	CONFIG_ACTION_ACCEPT,   /* accept, with the AR header saying temperror */
	CONFIG_ACTION_TEMPFAIL, /* 451 4.7.x */
	CONFIG_ACTION_REJECT,   /* 550 5.7.x */
};

typedef enum {
	CFG_STRING,   /* any text */
	CFG_UINT,     /* decimal, within [min, max] */
	CFG_OCTAL,    /* file mode, within [min, max] */
	CFG_ENUM,     /* one of the words in `words` (index stored) */
	CFG_LIST,     /* comma/space separated strings */
} config_type;

typedef struct config_key {
	const char *name;
	config_type type;
	size_t offset;        /* of the field in am_config */
	size_t count_offset;  /* CFG_LIST: of the size_t count */
	unsigned long min, max;
	const char *const *words; /* CFG_ENUM, NULL-terminated */
	const char *default_value;
	const char *doc;
} config_key;

void config_init(am_config *cfg);
int config_load(am_config *cfg, const char *path, char *err, size_t errlen);
int config_set(am_config *cfg, const char *key, const char *value,
    char *err, size_t errlen);
void config_free(am_config *cfg);
void config_dns(const am_config *cfg, dns_config *out);
void config_write(const am_config *cfg, FILE *fp, int with_docs);
const config_key *config_keys(size_t *n);

#endif
