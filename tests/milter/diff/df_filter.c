/*
 * tests/milter/diff/df_filter.c - the one filter behaviour the differential
 * test runs on libmilter and on authmilter's engine (milterdiff.h). It
 * knows neither library: it calls what df_api offers.
 *
 * What it does, so a script can steer it:
 *	connect	host "reject.test" rejects, "tempfail.test" tempfails,
 *		"accept.test" accepts (the session's filtering ends)
 *	helo	"refuse.test": 550, no enhanced code, a text with a '%'
 *		(smfi_setreply(3) passes '%' through, the engine doubles it);
 *		"tempfail.test": tempfail without text
 *	MAIL	{auth_authen} set: accept the message; a sender containing
 *		"reject": 550 5.7.1; "tempfail": tempfail; "discard": discard
 *	RCPT	"reject": 550 5.1.1 (that recipient); "tempfail": tempfail;
 *		"discard": discard the message
 *	header	"X-Header-Reject": reject the message; "X-Quarantine": its
 *		value is the quarantine reason at end of message
 *	body	a chunk containing "BODY-REJECT": reject the message
 *	eom	inserts X-Diff-Top at index 0, changes the first X-Change,
 *		deletes the second X-Delete, quarantines when asked, then adds
 *		X-Diff: everything it saw (below); header values are given as
 *		they follow the colon, with their leading space (the engine's
 *		contract, milter.h; the libmilter adapter drops the space
 *		where the MTA adds one itself); the verdict comes from the
 *		Subject: "eom-reject" 554 5.7.1, "eom-tempfail" tempfail,
 *		"eom-discard" discard, else accept
 *	abort	counts, and forgets the message
 *
 * X-Diff is space-separated key=value fields (bytes outside '!'..'~' as
 * \xNN): the session's connect and HELO, counters (messages, aborts,
 * headers, body bytes and chunks; a new session starts them again), the
 * Subject value as received (a leading space shows), the return codes of
 * the modifications, and the macros each callback saw ("S.name=value",
 * S the command letter, "-" when not defined): which stage's macros are
 * visible when.
 */
#include "tests/milter/diff/milterdiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DF_FIELD	256	/* a recorded value, escaped (local limit) */
#define DF_TRACE	2048	/* the macros seen by a session or a message */

struct df_conn {
	char host[DF_FIELD], addr[DF_FIELD], helo[DF_FIELD];
	int family;
	unsigned port;
	unsigned msgs, aborts;
	char strace[DF_TRACE];		/* macros seen at connect and HELO */
	/* the message */
	int in_msg;
	char from[DF_FIELD], subject[DF_FIELD], quarantine[DF_FIELD];
	unsigned argc, rcpts, hdrs, chunks;
	size_t body;
	char mtrace[DF_TRACE];		/* macros seen from MAIL on */
};

const df_profile df_profile_steps = {
	"steps", 0x01 | 0x10 | 0x20,	/* ADDHDRS CHGHDRS QUARANTINE */
	0
};
const df_profile df_profile_am = {
	"am", 0x01 | 0x10 | 0x20,
	0x100000 |			/* HDR_LEADSPC */
	0x100 | 0x200 |			/* NOUNKNOWN NODATA */
	0x1000 | 0x2000 | 0x4000 | 0x8000 |	/* NR_CONN HELO MAIL RCPT */
	0x80 | 0x40000 | 0x80000	/* NR_HDR NR_EOH NR_BODY */
};

/* Copies s escaped: bytes outside '!'..'~' (and '\') as \xNN. */
static void
esc(char *out, size_t len, const char *s)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "-");

	for (; *p != '\0' && o + 5 < len; p++) {
		if (*p > ' ' && *p < 127 && *p != '\\')
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", *p);
	}
	out[o] = '\0';
}

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* Records in trace the values of names as seen by the callback of cmd. */
static void
probe(char *trace, size_t len, const df_api *a, void *ctx, char cmd,
    const char *const *names)
{
	char v[DF_FIELD];

	for (; *names != NULL; names++) {
		esc(v, sizeof(v), a->getsymval(ctx, *names));
		append(trace, len, " %c.%s=%s", cmd, *names, v);
	}
}

static void
forget_message(df_conn *c)
{
	c->in_msg = 0;
	c->from[0] = c->subject[0] = c->quarantine[0] = '\0';
	c->argc = c->rcpts = c->hdrs = c->chunks = 0;
	c->body = 0;
	c->mtrace[0] = '\0';
}

df_conn *
df_connect(df_conn *c, const df_api *a, void *ctx, const char *host,
    int family, const char *addr, unsigned port, df_stat *st)
{
	static const char *const names[] = { "j", "{daemon_name}", "_",
	    "{if_addr}", "v", NULL };

	if (c == NULL && (c = calloc(1, sizeof(*c))) == NULL) {
		*st = DF_TEMPFAIL;
		return NULL;
	}
	esc(c->host, sizeof(c->host), host);
	esc(c->addr, sizeof(c->addr), addr);
	c->family = family;
	c->port = port;
	c->strace[0] = '\0';
	probe(c->strace, sizeof(c->strace), a, ctx, 'C', names);
	if (strcmp(host, "reject.test") == 0)
		*st = DF_REJECT;
	else if (strcmp(host, "tempfail.test") == 0)
		*st = DF_TEMPFAIL;
	else if (strcmp(host, "accept.test") == 0)
		*st = DF_ACCEPT;
	else
		*st = DF_CONTINUE;
	return c;
}

df_stat
df_helo(df_conn *c, const df_api *a, void *ctx, const char *name)
{
	static const char *const names[] = { "{tls_version}", "j",
	    "{mail_addr}", NULL };

	if (c == NULL)
		return DF_CONTINUE;
	esc(c->helo, sizeof(c->helo), name);
	probe(c->strace, sizeof(c->strace), a, ctx, 'H', names);
	if (strcmp(name, "refuse.test") == 0) {
		(void)a->setreply(ctx, "550", NULL, "HELO refused, 100% sure");
		return DF_REJECT;
	}
	if (strcmp(name, "tempfail.test") == 0)
		return DF_TEMPFAIL;
	return DF_CONTINUE;
}

df_stat
df_envfrom(df_conn *c, const df_api *a, void *ctx, const char *const *argv,
    size_t argc)
{
	static const char *const names[] = { "i", "{mail_addr}",
	    "{auth_authen}", "{rcpt_addr}", "{msg_id}", NULL };
	const char *from = argc > 0 ? argv[0] : "";

	if (c == NULL)
		return DF_CONTINUE;
	forget_message(c);
	c->in_msg = 1;
	c->msgs++;
	esc(c->from, sizeof(c->from), from);
	c->argc = (unsigned)argc;
	probe(c->mtrace, sizeof(c->mtrace), a, ctx, 'M', names);
	if (a->getsymval(ctx, "{auth_authen}") != NULL)
		return DF_ACCEPT;
	if (strstr(from, "reject") != NULL) {
		(void)a->setreply(ctx, "550", "5.7.1", "sender refused");
		return DF_REJECT;
	}
	if (strstr(from, "tempfail") != NULL)
		return DF_TEMPFAIL;
	if (strstr(from, "discard") != NULL)
		return DF_DISCARD;
	return DF_CONTINUE;
}

df_stat
df_envrcpt(df_conn *c, const df_api *a, void *ctx, const char *const *argv,
    size_t argc)
{
	static const char *const names[] = { "{rcpt_addr}", "i", NULL };
	const char *to = argc > 0 ? argv[0] : "";

	if (c == NULL)
		return DF_CONTINUE;
	c->rcpts++;
	probe(c->mtrace, sizeof(c->mtrace), a, ctx, 'R', names);
	if (strstr(to, "reject") != NULL) {
		(void)a->setreply(ctx, "550", "5.1.1", "no such user");
		return DF_REJECT;
	}
	if (strstr(to, "tempfail") != NULL)
		return DF_TEMPFAIL;
	if (strstr(to, "discard") != NULL)
		return DF_DISCARD;
	return DF_CONTINUE;
}

df_stat
df_data(df_conn *c, const df_api *a, void *ctx)
{
	static const char *const names[] = { "i", "{rcpt_addr}", NULL };

	if (c != NULL)
		probe(c->mtrace, sizeof(c->mtrace), a, ctx, 'T', names);
	return DF_CONTINUE;
}

df_stat
df_header(df_conn *c, const df_api *a, void *ctx, const char *name,
    const char *value)
{
	(void)a;
	(void)ctx;
	if (c == NULL)
		return DF_CONTINUE;
	c->hdrs++;
	if (strcasecmp(name, "Subject") == 0 && c->subject[0] == '\0') {
		/* brackets: a leading space in the value shows */
		char v[DF_FIELD - 4];

		esc(v, sizeof(v), value);
		snprintf(c->subject, sizeof(c->subject), "[%s]", v);
	}
	if (strcasecmp(name, "X-Quarantine") == 0)
		snprintf(c->quarantine, sizeof(c->quarantine), "%s",
		    value[0] == ' ' ? value + 1 : value);
	if (strcasecmp(name, "X-Header-Reject") == 0)
		return DF_REJECT;
	return DF_CONTINUE;
}

df_stat
df_eoh(df_conn *c, const df_api *a, void *ctx)
{
	static const char *const names[] = { "i", NULL };

	if (c != NULL)
		probe(c->mtrace, sizeof(c->mtrace), a, ctx, 'N', names);
	return DF_CONTINUE;
}

df_stat
df_body(df_conn *c, const df_api *a, void *ctx, const unsigned char *data,
    size_t len)
{
	static const char needle[] = "BODY-REJECT";

	(void)a;
	(void)ctx;
	if (c == NULL)
		return DF_CONTINUE;
	c->chunks++;
	c->body += len;
	if (len >= sizeof(needle) - 1 &&
	    memmem(data, len, needle, sizeof(needle) - 1) != NULL)
		return DF_REJECT;
	return DF_CONTINUE;
}

df_stat
df_eom(df_conn *c, const df_api *a, void *ctx)
{
	static const char *const names[] = { "i", "{msg_id}", "j", "_",
	    "{tls_version}", "{mail_addr}", "{auth_authen}", "{rcpt_addr}",
	    NULL };
	char sum[DF_TRACE * 2 + 1024];
	int r1, r2, r3, r4 = 1;

	if (c == NULL)
		return DF_CONTINUE;
	probe(c->mtrace, sizeof(c->mtrace), a, ctx, 'E', names);
	r1 = a->insheader(ctx, 0, "X-Diff-Top", " inserted at index 0");
	r2 = a->chgheader(ctx, 1, "X-Change", " changed");
	r3 = a->chgheader(ctx, 2, "X-Delete", NULL);
	if (c->quarantine[0] != '\0')
		r4 = a->quarantine(ctx, c->quarantine);
	if (snprintf(sum, sizeof(sum), " host=%s fam=%c addr=%s port=%u "
	    "helo=%s msg=%u aborts=%u from=%s argc=%u rcpts=%u hdrs=%u "
	    "body=%zu chunks=%u subj=%s mods=%d,%d,%d,%d%s%s", c->host, c->family, c->addr, c->port, c->helo[0] ? c->helo : "-",
	    c->msgs, c->aborts, c->from[0] ? c->from : "-", c->argc, c->rcpts,
	    c->hdrs, c->body, c->chunks, c->subject[0] ? c->subject : "-",
	    r1, r2, r3, r4, c->strace, c->mtrace) < 0)
		sum[0] = '\0';
	(void)a->addheader(ctx, "X-Diff", sum);
	if (strstr(c->subject, "eom-reject") != NULL) {
		(void)a->setreply(ctx, "554", "5.7.1", "rejected at end of "
		    "message");
		forget_message(c);
		return DF_REJECT;
	}
	if (strstr(c->subject, "eom-tempfail") != NULL) {
		forget_message(c);
		return DF_TEMPFAIL;
	}
	if (strstr(c->subject, "eom-discard") != NULL) {
		forget_message(c);
		return DF_DISCARD;
	}
	forget_message(c);
	return DF_ACCEPT;
}

void
df_abort(df_conn *c)
{
	if (c == NULL)
		return;
	c->aborts++;
	forget_message(c);
}

void
df_close(df_conn *c)
{
	free(c);
}
