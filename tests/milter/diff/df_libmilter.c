/*
 * tests/milter/diff/df_libmilter.c - the differential test's filter on
 * libmilter, the reference implementation (milterdiff.h). Written as a
 * libmilter filter is: xxfi_negotiate answers f0 & wanted and f1 & wanted
 * (libmilter offers the SMFIP_NR_* bits as fakeable), a step whose reply
 * was negotiated away answers SMFIS_NOREPLY when it continues, a header
 * value loses its leading space when the MTA did not agree to take values
 * verbatim (SMFIP_HDR_LEADSPC: without it the MTA adds the space itself;
 * not from a change to " ", which would become a deletion),
 * smfi_setmaxdatasize(DF_MAXDATA) as authmilter did when it was built on
 * libmilter. The only code of the tree that links libmilter, and only in
 * this test (the authmilter binary never does).
 *
 * df_libmilter_main() runs smfi_main() on unix:PATH until SIGTERM, then
 * _exit()s: libmilter's own allocations are not this test's to check.
 */
#include "tests/milter/diff/milterdiff.h"

#include <libmilter/mfapi.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#define LM_NR_ALL (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
    SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR | \
    SMFIP_NR_EOH | SMFIP_NR_BODY)

static const df_profile *lm_profile;
/* The no-reply steps negotiated: the profile's, whatever the MTA offers
 * (libmilter offers every SMFIP_NR_* bit to xxfi_negotiate as fakeable,
 * and fakes a continue where the MTA does not know the bit). */
static unsigned long lm_nr;

/*
 * Whether each connection's MTA takes header values verbatim, by context
 * (libmilter may run one connection's callbacks on different threads, and
 * has no callback after the last close to free a per-connection struct):
 * set at negotiation, a slot reused round robin. A slot is only read by
 * the connection that set it, while its context lives.
 */
#define LM_SLOTS 64
static struct {
	SMFICTX *ctx;
	int leadspc;
} lm_slots[LM_SLOTS];
static unsigned lm_next;
static pthread_mutex_t lm_lock = PTHREAD_MUTEX_INITIALIZER;

static void
lm_set_leadspc(SMFICTX *ctx, int on)
{
	unsigned i;

	pthread_mutex_lock(&lm_lock);
	for (i = 0; i < LM_SLOTS && lm_slots[i].ctx != ctx; i++)
		;
	if (i == LM_SLOTS)
		i = lm_next++ % LM_SLOTS;
	lm_slots[i].ctx = ctx;
	lm_slots[i].leadspc = on;
	pthread_mutex_unlock(&lm_lock);
}

static int
lm_leadspc(SMFICTX *ctx)
{
	unsigned i;
	int on = 0;

	pthread_mutex_lock(&lm_lock);
	for (i = 0; i < LM_SLOTS; i++)
		if (lm_slots[i].ctx == ctx)
			on = lm_slots[i].leadspc;
	pthread_mutex_unlock(&lm_lock);
	return on;
}

/* The value as the MTA wants it (see the top of the file). */
static char *
lm_value(void *ctx, const char *value)
{
	if (value != NULL && value[0] == ' ' && value[1] != '\0' &&
	    !lm_leadspc(ctx))
		value++;
	return (char *)value;
}

static const char *
lm_getsymval(void *ctx, const char *name)
{
	return smfi_getsymval(ctx, (char *)name);
}

static int
lm_setreply(void *ctx, const char *rcode, const char *xcode,
    const char *text)
{
	return smfi_setreply(ctx, (char *)rcode, (char *)xcode, (char *)text);
}

static int
lm_addheader(void *ctx, const char *name, const char *value)
{
	return smfi_addheader(ctx, (char *)name, lm_value(ctx, value));
}

static int
lm_insheader(void *ctx, int index, const char *name, const char *value)
{
	return smfi_insheader(ctx, index, (char *)name, lm_value(ctx, value));
}

static int
lm_chgheader(void *ctx, int index, const char *name, const char *value)
{
	return smfi_chgheader(ctx, (char *)name, index, lm_value(ctx, value));
}

static int
lm_quarantine(void *ctx, const char *reason)
{
	return smfi_quarantine(ctx, (char *)reason);
}

static const df_api lm_api = {
	lm_getsymval, lm_setreply, lm_addheader, lm_insheader, lm_chgheader,
	lm_quarantine
};

static sfsistat
lm_stat(df_stat st, unsigned long nr)
{
	switch (st) {
	case DF_ACCEPT: return SMFIS_ACCEPT;
	case DF_REJECT: return SMFIS_REJECT;
	case DF_TEMPFAIL: return SMFIS_TEMPFAIL;
	case DF_DISCARD: return SMFIS_DISCARD;
	default: return (lm_nr & nr) != 0 ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	}
}

static df_conn *
conn_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static sfsistat
lm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)f2;
	(void)f3;
	*pf0 = f0 & lm_profile->actions;
	*pf1 = f1 & lm_profile->protocol;
	lm_set_leadspc(ctx, (*pf1 & SMFIP_HDR_LEADSPC) != 0);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
lm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	char addr[INET6_ADDRSTRLEN + 108];
	unsigned port = 0;
	int family = 'U';
	df_stat st;
	df_conn *c;

	addr[0] = '\0';
	if (sa != NULL && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		family = '4';
		port = ntohs(s4->sin_port);
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
	} else if (sa != NULL && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		family = '6';
		port = ntohs(s6->sin6_port);
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
	} else if (sa != NULL && sa->sa_family == AF_UNIX) {
		const struct sockaddr_un *su = (const void *)sa;

		family = 'L';
		snprintf(addr, sizeof(addr), "%s", su->sun_path);
	}
	c = df_connect(conn_of(ctx), &lm_api, ctx, host, family, addr, port,
	    &st);
	smfi_setpriv(ctx, c);
	return lm_stat(st, SMFIP_NR_CONN);
}

static sfsistat
lm_helo(SMFICTX *ctx, char *name)
{
	return lm_stat(df_helo(conn_of(ctx), &lm_api, ctx, name),
	    SMFIP_NR_HELO);
}

static size_t
count(char **argv)
{
	size_t n = 0;

	while (argv[n] != NULL)
		n++;
	return n;
}

static sfsistat
lm_envfrom(SMFICTX *ctx, char **argv)
{
	return lm_stat(df_envfrom(conn_of(ctx), &lm_api, ctx,
	    (const char *const *)argv, count(argv)), SMFIP_NR_MAIL);
}

static sfsistat
lm_envrcpt(SMFICTX *ctx, char **argv)
{
	return lm_stat(df_envrcpt(conn_of(ctx), &lm_api, ctx,
	    (const char *const *)argv, count(argv)), SMFIP_NR_RCPT);
}

static sfsistat
lm_data(SMFICTX *ctx)
{
	return lm_stat(df_data(conn_of(ctx), &lm_api, ctx), SMFIP_NR_DATA);
}

static sfsistat
lm_header(SMFICTX *ctx, char *name, char *value)
{
	return lm_stat(df_header(conn_of(ctx), &lm_api, ctx, name, value),
	    SMFIP_NR_HDR);
}

static sfsistat
lm_eoh(SMFICTX *ctx)
{
	return lm_stat(df_eoh(conn_of(ctx), &lm_api, ctx), SMFIP_NR_EOH);
}

static sfsistat
lm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	return lm_stat(df_body(conn_of(ctx), &lm_api, ctx, data, len),
	    SMFIP_NR_BODY);
}

static sfsistat
lm_eom(SMFICTX *ctx)
{
	return lm_stat(df_eom(conn_of(ctx), &lm_api, ctx), 0);
}

static sfsistat
lm_abort(SMFICTX *ctx)
{
	df_abort(conn_of(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat
lm_close(SMFICTX *ctx)
{
	df_close(conn_of(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

int
df_libmilter_main(const char *path, const df_profile *p)
{
	struct smfiDesc d;
	char spec[160];

	lm_profile = p;
	lm_nr = p->protocol & LM_NR_ALL;
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "milterdiff";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = p->actions;
	d.xxfi_negotiate = lm_negotiate;
	d.xxfi_connect = lm_connect;
	d.xxfi_helo = lm_helo;
	d.xxfi_envfrom = lm_envfrom;
	d.xxfi_envrcpt = lm_envrcpt;
	d.xxfi_data = lm_data;
	d.xxfi_header = lm_header;
	d.xxfi_eoh = lm_eoh;
	d.xxfi_body = lm_body;
	d.xxfi_eom = lm_eom;
	d.xxfi_abort = lm_abort;
	d.xxfi_close = lm_close;
	snprintf(spec, sizeof(spec), "unix:%s", path);
	(void)smfi_setmaxdatasize(DF_MAXDATA);
	if (smfi_register(d) != MI_SUCCESS || smfi_setconn(spec) !=
	    MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "milterdiff: libmilter cannot listen on %s\n",
		    spec);
		return 1;
	}
	(void)smfi_main();
	_exit(0);
}
