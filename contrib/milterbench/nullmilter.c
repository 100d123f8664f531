/*
 * contrib/milterbench/nullmilter.c - the libmilter floor: a filter that
 * does no work. It negotiates what authmilter negotiates (header values
 * with their leading space, no reply for any step before end of message),
 * ignores every callback, and at end of message inserts one short
 * Authentication-Results field and accepts, as authmilter's last step
 * does. What the benchmark measures for it is the cost of libmilter and
 * the milter protocol alone, so authmilter's own cost is the difference.
 *
 *   nullmilter SOCKET        (unix:PATH or inet:PORT@HOST; runs until killed)
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <string.h>

#define NR_STAGES (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL | \
    SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY)

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
    unsigned long f2, unsigned long f3, unsigned long *pf0,
    unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE);
	*pf1 = f1 & (SMFIP_HDR_LEADSPC | SMFIP_NOUNKNOWN | SMFIP_NODATA |
	    NR_STAGES);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	(void)ctx;
	(void)name;
	(void)value;
	return SMFIS_NOREPLY;
}

/* connect, HELO, MAIL and RCPT: no reply negotiated, so none is sent */
static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void)ctx;
	(void)host;
	(void)addr;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_args(SMFICTX *ctx, char **argv)
{
	(void)ctx;
	(void)argv;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_helo(SMFICTX *ctx, char *helo)
{
	(void)ctx;
	(void)helo;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_eoh(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return SMFIS_NOREPLY;
}

static sfsistat
nm_eom(SMFICTX *ctx)
{
	smfi_insheader(ctx, 0, "Authentication-Results", " null.test; none");
	return SMFIS_ACCEPT;
}

int
main(int argc, char **argv)
{
	struct smfiDesc d;

	if (argc != 2) {
		fprintf(stderr, "usage: nullmilter SOCKET\n");
		return 2;
	}
	memset(&d, 0, sizeof(d));
	d.xxfi_name = "nullmilter";
	d.xxfi_version = SMFI_VERSION;
	d.xxfi_flags = SMFIF_ADDHDRS;
	d.xxfi_negotiate = nm_negotiate;
	d.xxfi_connect = nm_connect;
	d.xxfi_helo = nm_helo;
	d.xxfi_envfrom = nm_args;
	d.xxfi_envrcpt = nm_args;
	d.xxfi_header = nm_header;
	d.xxfi_eoh = nm_eoh;
	d.xxfi_body = nm_body;
	d.xxfi_eom = nm_eom;
	if (smfi_register(d) != MI_SUCCESS || smfi_setconn(argv[1]) !=
	    MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "nullmilter: cannot listen on %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
