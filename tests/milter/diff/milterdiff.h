/*
 * tests/milter/diff/milterdiff.h - the differential test of authmilter's
 * milter engine against libmilter (tests/milter/check_milter_diff.c).
 *
 * SUMMARY
 *	One filter behaviour (df_filter.c) is run twice: on libmilter, the
 *	reference implementation (df_libmilter.c), and on authmilter's
 *	engine, mserver/msession with an mhandler (df_engine.c). Each runs in
 *	a child process on its own unix socket. The same scripted MTA-side
 *	sessions (df_sessions.c, built with df_mta.c: negotiation as Postfix
 *	and Sendmail offer it, macros per stage, messages, verdicts, abort,
 *	QUIT_NC, malformed and oversized packets) are sent to both
 *	(df_run.c), which records what comes back; the test compares the two
 *	records and checks each difference against its table of expected
 *	differences.
 *
 * SYNOPSIS
 *	#include "tests/milter/diff/milterdiff.h"
 *
 *	Filter behaviour (df_filter.c):
 *	df_conn	*df_connect(df_conn *c, const df_api *a, void *ctx,
 *		    const char *host, int family, const char *addr,
 *		    unsigned port, df_stat *st);
 *	df_stat	df_helo(df_conn *c, const df_api *a, void *ctx,
 *		    const char *name);
 *	df_stat	df_envfrom(df_conn *, const df_api *, void *, const char *
 *		    const *argv, size_t argc);
 *	df_stat	df_envrcpt(...), df_data(...), df_header(...), df_eoh(...),
 *		    df_body(...), df_eom(...);
 *	void	df_abort(df_conn *c);
 *	void	df_close(df_conn *c);
 *
 *	The two filters (child processes; they return only on failure):
 *	int	df_libmilter_main(const char *path, const df_profile *p);
 *	int	df_engine_main(const char *path, const df_profile *p);
 *
 *	Scripts and running them (df_run.c):
 *	void	df_script_init(df_script *s), df_script_free(df_script *s);
 *	int	df_run(const char *path, const df_script *s, int timeout_ms,
 *		    df_record *r);
 *	void	df_record_free(df_record *r);
 *	int	df_record_cmp(const df_record *a, const df_record *b);
 *	void	df_render(const df_record *r, size_t i, const df_record *o,
 *		    int verbose, char *out, size_t len);
 *
 * DESCRIPTION
 *	df_api is what a filter may call, as smfi_*(3) and msession_*()
 *	offer it; each adapter maps it to its library. df_stat is the
 *	verdict of one callback. df_connect() makes the connection's state
 *	when c is NULL (the first connect of a session) and returns it;
 *	df_close() frees it (a session ends: QUIT, QUIT_NC, the end of the
 *	connection). The state is per session only: libmilter may run the
 *	commands of one connection on different threads.
 *
 *	A profile is the negotiation the filter asks for: the actions, and
 *	the protocol flags masked with what the MTA offers (as both
 *	libraries' filters do: *pf1 = f1 & wanted).
 *
 *	A script is a list of steps, each one packet (or raw bytes) the MTA
 *	sends. df_run() connects to path, sends each step and, where the
 *	MTA would wait (every command but macros, abort and quit, except the
 *	steps the filter's negotiation reply says it does not answer: the
 *	SMFIP_NR_* flags), reads replies up to a final one (continue,
 *	accept, reject, tempfail, discard, reply code, skip, or the
 *	negotiation reply). It stops at the filter's end of connection (EOF)
 *	or when no reply came within timeout_ms (an MTA gives up then), and
 *	at the end of the script shuts down its sending side and reads what
 *	is left. Failed writes (the filter has closed) are noted at the next
 *	step that waits, where a read would see the end: the record does not
 *	depend on timing. The record is a list of events: the step, the
 *	kind (reply, end of connection, no reply) and the reply bytes.
 *	df_record_cmp() returns the index of the first event that differs,
 *	or -1 when the records are equal byte for byte. df_render() writes
 *	event i of r as one line: the replies by name, header values only
 *	when verbose; when o is given and event i of both holds an X-Diff
 *	header, its fields that are not in o's.
 */
#ifndef MILTERDIFF_H
#define MILTERDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "contrib/milterbench/milterproto.h"

/* ---- the filter ---- */

typedef enum df_stat {
	DF_CONTINUE, DF_ACCEPT, DF_REJECT, DF_TEMPFAIL, DF_DISCARD
} df_stat;

typedef struct df_api {
	const char *(*getsymval)(void *ctx, const char *name);
	int (*setreply)(void *ctx, const char *rcode, const char *xcode,
	    const char *text);
	int (*addheader)(void *ctx, const char *name, const char *value);
	int (*insheader)(void *ctx, int index, const char *name,
	    const char *value);
	int (*chgheader)(void *ctx, int index, const char *name,
	    const char *value);
	int (*quarantine)(void *ctx, const char *reason);
} df_api;

typedef struct df_profile {
	const char *name;
	uint32_t actions;	/* SMFIF_* asked for */
	uint32_t protocol;	/* SMFIP_* asked for (masked with the offer) */
} df_profile;

/* "steps": a reply to every step. "am": what authmilter negotiates
 * (daemon/callbacks.c): header values with their leading space, no
 * unknown commands, no DATA, no reply before end of message. */
extern const df_profile df_profile_steps;
extern const df_profile df_profile_am;

typedef struct df_conn df_conn;

df_conn *df_connect(df_conn *c, const df_api *a, void *ctx,
    const char *host, int family, const char *addr, unsigned port,
    df_stat *st);
df_stat df_helo(df_conn *c, const df_api *a, void *ctx, const char *name);
df_stat df_envfrom(df_conn *c, const df_api *a, void *ctx,
    const char *const *argv, size_t argc);
df_stat df_envrcpt(df_conn *c, const df_api *a, void *ctx,
    const char *const *argv, size_t argc);
df_stat df_data(df_conn *c, const df_api *a, void *ctx);
df_stat df_header(df_conn *c, const df_api *a, void *ctx, const char *name,
    const char *value);
df_stat df_eoh(df_conn *c, const df_api *a, void *ctx);
df_stat df_body(df_conn *c, const df_api *a, void *ctx,
    const unsigned char *data, size_t len);
df_stat df_eom(df_conn *c, const df_api *a, void *ctx);
void df_abort(df_conn *c);
void df_close(df_conn *c);

int df_libmilter_main(const char *path, const df_profile *p);
int df_engine_main(const char *path, const df_profile *p);

/* libmilter's packet limit in the reference filter: what authmilter asked
 * libmilter for when it was built on it (smfi_setmaxdatasize), the
 * engine's MPROTO_DATA_MAX. */
#define DF_MAXDATA	(1024 * 1024 - 1)

/* ---- scripts ---- */

typedef struct df_step {
	size_t off, len;	/* in the script's buffer */
	int cmd;		/* the command byte (decides whether to wait) */
} df_step;

typedef struct df_script {
	mp_buf buf;
	df_step *steps;
	size_t n, cap;
	int oom;
} df_script;

void df_script_init(df_script *s);
void df_script_free(df_script *s);
/* Appends the bytes from 'from' in s->buf as one step (cmd: its command). */
void df_script_step(df_script *s, size_t from, int cmd);

/* ---- records ---- */

enum { DF_EV_REPLY, DF_EV_EOF, DF_EV_NOREPLY, DF_EV_TAIL };

typedef struct df_event {
	size_t step;		/* the step that waited (n: after the script) */
	int cmd;		/* its command byte; -1 after the script */
	int kind;		/* DF_EV_* */
	unsigned char *data;	/* the reply packets as received */
	size_t len;
} df_event;

typedef struct df_record {
	df_event *ev;
	size_t n, cap;
	uint32_t protocol;	/* from the negotiation reply */
	char err[128];		/* the driver's own failure (connect, memory) */
} df_record;

int df_run(const char *path, const df_script *s, int timeout_ms,
    df_record *r);
void df_record_free(df_record *r);
long df_record_cmp(const df_record *a, const df_record *b);
void df_render(const df_record *r, size_t i, const df_record *o,
    int verbose, char *out, size_t len);

#endif
