/*
 * tests/fuzz/fuzz_milter.c - libFuzzer target: whole milter dialogues
 * through authmilter's own handler (daemon/callbacks.c) and the message
 * evaluation behind it (message/: message*.c, verdict.c, SPF, DKIM, DMARC,
 * the Authentication-Results writer), with the real resolver serving
 * tests/fixtures/fuzz/milter.zone (zone-file mode, as the other tests).
 *
 * Each input is one MTA connection. Byte 0 sets it up:
 *   bits 0-1  the configuration (4 runtimes, built once: see VARIANTS)
 *   bits 2-3  what the "MTA" offers at option negotiation (Postfix v6,
 *             Sendmail 8.14+ v6, Postfix milter_protocol = 2, v6 without
 *             leading-space header values and without change-header)
 *   bit 4     raw mode: the rest is the MTA's byte stream as it is
 *   bits 5-7  body chunk size of the T op: 64 << n bytes
 * The option negotiation is always played first. In structured mode the
 * rest is a list of ops, each a letter and its fields; a string field ends
 * at a NUL byte (or the input's end), so mutations keep the framing right:
 *   C host\0 addr\0    CONNECT (addr "" family U, "/..." L, with ':' 6,
 *                      else 4; port 25)
 *   H name\0           HELO           S                 DATA
 *   M addr\0 args\0    MAIL (args split at spaces)
 *   R addr\0           RCPT           U text\0          UNKNOWN
 *   D c (name\0 value\0)... \0       MACRO for stage command c
 *   L name\0 value\0   HEADER         N                 EOH
 *   B data\0           BODY           E                 BODYEOB (checked)
 *   A                  ABORT          Q                 QUIT (the end)
 *   K                  QUIT_NC
 *   T text\0           a whole message (RFC 5322 text, message/msgparse.c):
 *                      its header fields as HEADER packets (the leading
 *                      space dropped unless negotiated, as MTAs do), EOH,
 *                      its body in BODY packets of the set size
 *   F n name\0 value\0 the HEADER repeated 8 * (n % 128) + 1 times
 *   G n name\0 head\0 piece\0 tail\0
 *                      one HEADER whose value is head, piece repeated
 *                      64 * n + 1 times, tail (at most FZ_MAX_FIELD octets:
 *                      long From or Authentication-Results fields from a
 *                      short input)
 *   X c hi lo data     one raw packet: command c, (hi << 8 | lo) data bytes
 *   W hi lo data       raw bytes into the MTA's stream, unframed
 *   Z v                a reload: configuration v % 4 becomes current (the
 *                      connection keeps the one it started with; a new
 *                      CONNECT or QUIT_NC session takes the new one)
 * Other bytes are skipped. Packets go through mproto_frame() and
 * msession_packet() as milter/mserver.c feeds them; a QUIT, a malformed
 * packet or a refused one ends the connection, as the server would.
 *
 * Besides ASan and UBSan, every reply authmilter sends is checked
 * (tests/fuzz/milter_replies.h; abort() on a violation): each frames as a
 * packet; a header change only deletes an Authentication-Results field;
 * header inserts are at the top and only Authentication-Results,
 * Received-SPF or the quarantine header, their values free of control
 * characters and 8-bit bytes, folded only with LF + SP/TAB (no empty
 * line, no injected field); our Authentication-Results parses back
 * (message/ar_parse.c) with our authserv-id; and a message accepted at
 * end of message always carries it
 * ("whenever the message is accepted it carries our header", verdict.c;
 * the variants never configure an accept without it). At end of message
 * tests/fuzz/milter_oracle.h also checks, from the header fields the
 * harness sent: that exactly the Authentication-Results fields with our
 * authserv-id are deleted, and that DMARC fails closed with
 * dmarc_enforce = yes (a bad From, or a From whose author domains all
 * publish p=reject, is not accepted without dmarc=pass).
 *
 * The zone: $FUZZ_MILTER_ZONE, else tests/fixtures/fuzz/milter.zone from
 * the current directory or from up to three directories above the
 * program (build-fuzz/fuzz_milter, build/tests/replay_milter). Logging
 * goes nowhere unless $FUZZ_MILTER_LOG is set (then to stderr).
 * Seeds: tests/fuzz/corpus/fuzz_milter/, written by
 * tests/fuzz/gen_milter_corpus.py (which also writes the zone and its keys).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "message/ar_parse_int.h"
#include "daemon/callbacks_int.h"
#include "config/config.h"
#include "daemon/log_int.h"
#include "message/message.h"
#include "milter/msession_int.h"
#include "daemon/runtime_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ZONE_REL "tests/fixtures/fuzz/milter.zone"
#define ASID "mx.fuzz.test"
#define NVARIANTS 4
/* Bytes one input may make the harness send (the F op multiplies). */
#define FZ_MAX_SENT (8u * 1024 * 1024)
/* A header field in one T op (Postfix's header_size_limit default). */
#define FZ_MAX_FIELD (100 * 1024)

/* The configurations; every one keeps "accepted => our header": no
 * on_internal_error = accept, and skipped mail gets a header unless
 * nothing can be skipped. */
static const char *const variants[NVARIANTS][16] = {
	{ "dmarc_enforce=yes", "received_spf=yes", "skipped_header=header",
	  "trusted_networks=10.0.0.0/8", "skip_authenticated=yes",
	  "on_dns_temperror=tempfail", NULL },
	{ "dmarc_mode=rfc7489", "dmarc_enforce=yes", "quarantine_action=header",
	  "spf_reject_fail=yes", "dmarc_reject_multi_from=yes",
	  "on_dns_temperror=reject", "on_internal_error=reject",
	  "dkim_allow_sha1=yes", "dmarc_exempt_domains=exempt.example",
	  "dmarc_trusted_forwarders=forwarder.example",
	  "skipped_header=header", "trusted_networks=10.0.0.0/8", NULL },
	{ "dmarc_enforce=no", "skipped_header=none", "trusted_networks=",
	  "skip_authenticated=no", "max_header_bytes=4096",
	  "dkim_max_signatures=2", "dkim_fail_short_l=yes", "dkim_clock_skew=0",
	  NULL },
	{ "dmarc_enforce=yes", "quarantine_action=accept",
	  "dmarc_exempt_networks=192.0.2.128/25", "received_spf=yes",
	  "skipped_header=header", "dkim_min_rsa_bits=2048", NULL },
};

static runtime *rts[NVARIANTS];
static int current = -1;

#include "tests/fuzz/milter_oracle.h"

static om_variant ovs[NVARIANTS];

/* The MTA's option negotiation: version, actions, protocol. */
static const uint32_t offers[4][3] = {
	{ 6, 0x1ff, 0x001fffff },                       /* Postfix 3 */
	{ 6, 0x1ff, 0x001fffff | MPP_MDS_256K },        /* Sendmail 8.14+ */
	{ 2, 0x3f, 0x7f },                              /* milter_protocol=2 */
	{ 6, 0x1ff & ~MPF_CHGHDRS, 0x001fffff & ~MPP_HDR_LEADSPC },
};

typedef struct dlg {
	msession s;
	int closed;           /* QUIT, or an error the server closes on */
	unsigned char *buf;   /* the MTA's stream not yet framed */
	size_t have, cap;
	size_t sent;          /* bytes generated for this input */
	size_t chunk;         /* body packet size of the T op */
	unsigned char *pkt;   /* the packet being built */
	size_t plen, pcap;
	om_state om;          /* what the harness sent (milter_oracle.h) */
	uint32_t *del;        /* Authentication-Results deletions of a reply */
	size_t ndel, delcap;
} dlg;

static void die(const char *what, const unsigned char *d, size_t n)
    __attribute__((noreturn));

static void
die(const char *what, const unsigned char *d, size_t n)
{
	fprintf(stderr, "fuzz_milter: %s", what);
	if (d != NULL) {
		fprintf(stderr, ": \"");
		fwrite(d, 1, n > 600 ? 600 : n, stderr);
		fprintf(stderr, "\"");
	}
	fprintf(stderr, "\n");
	abort();
}

/* ---- set-up, once ---- */

static int
find_zone(char *out, size_t outlen)
{
	const char *env = getenv("FUZZ_MILTER_ZONE");
	char exe[PATH_MAX], *slash;
	ssize_t n;
	int up;

	if (env != NULL && *env != '\0') {
		snprintf(out, outlen, "%s", env);
		return access(out, R_OK);
	}
	snprintf(out, outlen, "%s", ZONE_REL);
	if (access(out, R_OK) == 0)
		return 0;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = '\0';
	for (up = 0; up < 4 && (slash = strrchr(exe, '/')) != NULL; up++) {
		int w;

		*slash = '\0';
		w = snprintf(out, outlen, "%s/%s", exe, ZONE_REL);
		if (w > 0 && (size_t)w < outlen && access(out, R_OK) == 0)
			return 0;
	}
	return -1;
}

static runtime *
build_variant(const char *zone, const char *const *kv)
{
	config_override ov[24];
	char *copies[16], err[512];
	size_t n = 0, nc = 0, i;
	am_config cfg;
	runtime *rt;

	ov[n].key = "dns_zone"; ov[n++].value = zone;
	ov[n].key = "authserv_id"; ov[n++].value = ASID;
	ov[n].key = "spf_threads"; ov[n++].value = "1";
	ov[n].key = "dns_timeout"; ov[n++].value = "5000";
	for (i = 0; kv[i] != NULL && nc < 16; i++) {
		char *c = strdup(kv[i]), *eq = c != NULL ? strchr(c, '=') : NULL;

		if (eq == NULL)
			die("bad variant", NULL, 0);
		*eq = '\0';
		copies[nc++] = c;
		ov[n].key = c;
		ov[n++].value = eq + 1;
	}
	if (config_build(&cfg, "/nonexistent/authmilter.conf", 0, ov, n,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_milter: config: %s\n", err);
		exit(1);
	}
	for (i = 0; i < nc; i++)
		free(copies[i]);
	rt = runtime_build(&cfg, err, sizeof(err));
	if (rt == NULL) {
		fprintf(stderr, "fuzz_milter: runtime: %s\n", err);
		exit(1);
	}
	/* what a zone file cannot say: a DMARC record that times out */
	if (dns_resolver_add_fault(rt->resolver, "_dmarc.tempfail.example",
	    DNS_T_TXT, DNS_TEMPFAIL) != 0 ||
	    dns_resolver_add_fault(rt->resolver, "tempfail.example",
	    DNS_T_TXT, DNS_TEMPFAIL) != 0) {
		fprintf(stderr, "fuzz_milter: cannot inject DNS faults\n");
		exit(1);
	}
	return rt;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char zone[PATH_MAX];
	int i;

	(void)argc;
	(void)argv;
	if (find_zone(zone, sizeof(zone)) != 0) {
		fprintf(stderr, "fuzz_milter: cannot find %s (run from the "
		    "source tree or set FUZZ_MILTER_ZONE)\n", ZONE_REL);
		exit(1);
	}
	log_open("fuzz_milter", getenv("FUZZ_MILTER_LOG") != NULL, 0);
	if (getenv("FUZZ_MILTER_STATS") != NULL)
		atexit(om_print_stats);
	for (i = 0; i < NVARIANTS; i++) {
		rts[i] = build_variant(zone, variants[i]);
		om_setup(&ovs[i], variants[i]);
	}
	return 0;
}

/* Make variant v current. The harness keeps one reference of its own on
 * each runtime (runtime_build's); installing hands "current" one more, as
 * runtime_install() expects. One thread: no lock needed around refs. */
static void
use_variant(int v)
{
	if (v == current)
		return;
	rts[v]->refs++;
	runtime_install(rts[v]);
	current = v;
}

#include "tests/fuzz/milter_replies.h"

/* ---- the MTA side ---- */

/* Bytes into the stream; every complete packet goes to the session. */
static void
feed(dlg *d, const void *bytes, size_t n)
{
	const char *why;
	mproto_pkt p;
	size_t used;
	int rc;

	if (d->closed || n == 0)
		return;
	if (d->sent + n > FZ_MAX_SENT) {
		d->closed = 1;
		return;
	}
	d->sent += n;
	if (d->have + n > d->cap) {
		size_t cap = (d->have + n) * 2;
		unsigned char *b = realloc(d->buf, cap);

		if (b == NULL)
			abort();
		d->buf = b;
		d->cap = cap;
	}
	memcpy(d->buf + d->have, bytes, n);
	d->have += n;
	while (!d->closed &&
	    (rc = mproto_frame(d->buf, d->have, &p, &used, &why)) != 0) {
		if (rc < 0) {
			d->closed = 1;	/* the server logs and closes */
			break;
		}
		om_packet(&d->om, ovs, current, &p);
		rc = msession_packet(&d->s, &p, &why);
		check_replies(d, p.cmd);
		memmove(d->buf, d->buf + used, d->have - used);
		d->have -= used;
		if (rc != MSESSION_OK)
			d->closed = 1;
	}
}

static void
pkt_put(dlg *d, const void *bytes, size_t n)
{
	if (d->plen + n > d->pcap) {
		size_t cap = (d->plen + n) * 2;
		unsigned char *b = realloc(d->pkt, cap);

		if (b == NULL)
			abort();
		d->pkt = b;
		d->pcap = cap;
	}
	memcpy(d->pkt + d->plen, bytes, n);
	d->plen += n;
}

static void
pkt_begin(dlg *d, int cmd)
{
	unsigned char head[5] = { 0, 0, 0, 0, (unsigned char)cmd };

	d->plen = 0;
	pkt_put(d, head, sizeof(head));
}

static void
pkt_str(dlg *d, const char *s, size_t n)
{
	pkt_put(d, s, n);
	pkt_put(d, "", 1);
}

static void
pkt_send(dlg *d)
{
	uint32_t len = (uint32_t)(d->plen - 4);

	d->pkt[0] = (unsigned char)(len >> 24);
	d->pkt[1] = (unsigned char)(len >> 16);
	d->pkt[2] = (unsigned char)(len >> 8);
	d->pkt[3] = (unsigned char)len;
	feed(d, d->pkt, d->plen);
}

/* The input, read field by field. */
typedef struct cursor {
	const uint8_t *p;
	size_t left;
} cursor;

static int
take_byte(cursor *c)
{
	if (c->left == 0)
		return -1;
	c->left--;
	return *c->p++;
}

/* A string field: up to a NUL (consumed) or the end. */
static const char *
take_str(cursor *c, size_t *len)
{
	const uint8_t *nul = memchr(c->p, '\0', c->left);
	const char *s = (const char *)c->p;
	size_t n = nul != NULL ? (size_t)(nul - c->p) : c->left;

	*len = n;
	c->p += n;
	c->left -= n;
	if (nul != NULL) {
		c->p++;
		c->left--;
	}
	return s;
}

static void
send_header(dlg *d, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	if (!(d->s.protocol & MPP_HDR_LEADSPC) && vlen > 0 && *value == ' ') {
		value++;	/* the MTA strips it when not asked to keep it */
		vlen--;
	}
	pkt_begin(d, MPC_HEADER);
	pkt_str(d, name, nlen);
	pkt_str(d, value, vlen);
	pkt_send(d);
}

static void
send_body(dlg *d, const char *data, size_t len)
{
	size_t n;

	while (len > 0 && !d->closed) {
		n = len < d->chunk ? len : d->chunk;
		pkt_begin(d, MPC_BODY);
		pkt_put(d, data, n);
		pkt_send(d);
		data += n;
		len -= n;
	}
}

static int
ev_header(void *arg, const char *name, size_t nlen, const char *value,
    size_t vlen)
{
	send_header(arg, name, nlen, value, vlen);
	return 0;
}

static int
ev_eoh(void *arg)
{
	dlg *d = arg;

	pkt_begin(d, MPC_EOH);
	pkt_send(d);
	return 0;
}

static int
ev_body(void *arg, const char *data, size_t len)
{
	send_body(arg, data, len);
	return 0;
}

static const msgparse_events text_events = { ev_header, ev_eoh, ev_body };

static void
op_connect(dlg *d, cursor *c)
{
	size_t hlen, alen;
	const char *host = take_str(c, &hlen), *addr = take_str(c, &alen);
	unsigned char port[2] = { 0, 25 };
	char fam;

	if (alen == 0)
		fam = MPA_UNKNOWN;
	else if (addr[0] == '/')
		fam = MPA_UNIX;
	else if (memchr(addr, ':', alen) != NULL)
		fam = MPA_INET6;
	else
		fam = MPA_INET;
	pkt_begin(d, MPC_CONNECT);
	pkt_str(d, host, hlen);
	pkt_put(d, &fam, 1);
	if (fam != MPA_UNKNOWN) {
		pkt_put(d, port, 2);
		pkt_str(d, addr, alen);
	}
	pkt_send(d);
}

static void
op_mail(dlg *d, cursor *c)
{
	size_t alen, glen, i, start;
	const char *addr = take_str(c, &alen), *args = take_str(c, &glen);

	pkt_begin(d, MPC_MAIL);
	pkt_str(d, addr, alen);
	for (start = 0, i = 0; i <= glen; i++)
		if (i == glen || args[i] == ' ') {
			if (i > start)
				pkt_str(d, args + start, i - start);
			start = i + 1;
		}
	pkt_send(d);
}

static void
op_macro(dlg *d, cursor *c)
{
	int stage = take_byte(c);
	const char *s;
	size_t n;

	if (stage < 0)
		return;
	pkt_begin(d, MPC_MACRO);
	pkt_put(d, &(char){ (char)stage }, 1);
	for (;;) {
		s = take_str(c, &n);
		if (n == 0)
			break;
		pkt_str(d, s, n);
		s = take_str(c, &n);
		pkt_str(d, s, n);
	}
	pkt_send(d);
}

static void
op_text(dlg *d, cursor *c)
{
	size_t n;
	const char *text = take_str(c, &n);
	msgparse mp;

	mp_init(&mp, &text_events, d, FZ_MAX_FIELD);
	if (mp_push(&mp, text, n) == 0)
		(void)mp_finish(&mp);
	mp_free(&mp);
}

static void
op_repeat(dlg *d, cursor *c)
{
	int k = take_byte(c);
	size_t nlen, vlen, i, times;
	const char *name, *value;

	if (k < 0)
		return;
	times = 8 * (size_t)(k % 128) + 1;
	name = take_str(c, &nlen);
	value = take_str(c, &vlen);
	for (i = 0; i < times && !d->closed; i++)
		send_header(d, name, nlen, value, vlen);
}

static void
op_grow(dlg *d, cursor *c)
{
	int k = take_byte(c);
	size_t nlen, hlen, plen, tlen, i, times, vlen;
	const char *name, *head, *piece, *tail;
	char *v;

	if (k < 0)
		return;
	name = take_str(c, &nlen);
	head = take_str(c, &hlen);
	piece = take_str(c, &plen);
	tail = take_str(c, &tlen);
	times = 64 * (size_t)k + 1;
	if ((v = malloc(FZ_MAX_FIELD)) == NULL)
		abort();
	vlen = hlen < FZ_MAX_FIELD ? hlen : FZ_MAX_FIELD;
	memcpy(v, head, vlen);
	for (i = 0; i < times && plen > 0 &&
	    vlen + plen + tlen <= FZ_MAX_FIELD; i++, vlen += plen)
		memcpy(v + vlen, piece, plen);
	if (vlen + tlen <= FZ_MAX_FIELD) {
		memcpy(v + vlen, tail, tlen);
		vlen += tlen;
	}
	send_header(d, name, nlen, v, vlen);
	free(v);
}

static void
op_raw(dlg *d, cursor *c, int packet)
{
	int cmd = packet ? take_byte(c) : 0, hi = take_byte(c),
	    lo = take_byte(c);
	size_t n;

	if (cmd < 0 || hi < 0 || lo < 0)
		return;
	n = (size_t)hi << 8 | (size_t)lo;
	if (n > c->left)
		n = c->left;
	if (packet) {
		pkt_begin(d, cmd);
		pkt_put(d, c->p, n);
		pkt_send(d);
	} else
		feed(d, c->p, n);
	c->p += n;
	c->left -= n;
}

static void
op_simple(dlg *d, int cmd, cursor *c, int nstr)
{
	const char *s;
	size_t n;

	pkt_begin(d, cmd);
	while (nstr-- > 0) {
		s = take_str(c, &n);
		pkt_str(d, s, n);
	}
	pkt_send(d);
}

static void
structured(dlg *d, cursor *c)
{
	const char *s;
	size_t n;
	int op;

	while (!d->closed && (op = take_byte(c)) >= 0) {
		switch (op) {
		case 'C': op_connect(d, c); break;
		case 'H': op_simple(d, MPC_HELO, c, 1); break;
		case 'M': op_mail(d, c); break;
		case 'R': op_simple(d, MPC_RCPT, c, 1); break;
		case 'U': op_simple(d, MPC_UNKNOWN, c, 1); break;
		case 'D': op_macro(d, c); break;
		case 'L': op_simple(d, MPC_HEADER, c, 2); break;
		case 'S': op_simple(d, MPC_DATA, c, 0); break;
		case 'N': op_simple(d, MPC_EOH, c, 0); break;
		case 'E': op_simple(d, MPC_BODYEOB, c, 0); break;
		case 'A': op_simple(d, MPC_ABORT, c, 0); break;
		case 'Q': op_simple(d, MPC_QUIT, c, 0); break;
		case 'K': op_simple(d, MPC_QUIT_NC, c, 0); break;
		case 'B':
			s = take_str(c, &n);
			send_body(d, s, n);
			break;
		case 'T': op_text(d, c); break;
		case 'F': op_repeat(d, c); break;
		case 'G': op_grow(d, c); break;
		case 'X': op_raw(d, c, 1); break;
		case 'W': op_raw(d, c, 0); break;
		case 'Z':
			if ((op = take_byte(c)) >= 0)
				use_variant(op & 3);
			break;
		default: break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint32_t *o;
	unsigned char neg[17];
	cursor c;
	dlg d;

	if (size < 1)
		return 0;
	if (rts[0] == NULL)	/* replay.c without LLVMFuzzerInitialize */
		(void)LLVMFuzzerInitialize(NULL, NULL);
	memset(&d, 0, sizeof(d));
	d.chunk = (size_t)64 << (data[0] >> 5);
	use_variant(data[0] & 3);
	msession_init(&d.s, callbacks_handler(), NULL);

	o = offers[(data[0] >> 2) & 3];
	memcpy(neg, "\0\0\0\15O", 5);
	neg[5] = (unsigned char)(o[0] >> 24);
	neg[6] = (unsigned char)(o[0] >> 16);
	neg[7] = (unsigned char)(o[0] >> 8);
	neg[8] = (unsigned char)o[0];
	neg[9] = (unsigned char)(o[1] >> 24);
	neg[10] = (unsigned char)(o[1] >> 16);
	neg[11] = (unsigned char)(o[1] >> 8);
	neg[12] = (unsigned char)o[1];
	neg[13] = (unsigned char)(o[2] >> 24);
	neg[14] = (unsigned char)(o[2] >> 16);
	neg[15] = (unsigned char)(o[2] >> 8);
	neg[16] = (unsigned char)o[2];
	feed(&d, neg, sizeof(neg));
	if (d.closed)
		die("the option negotiation failed", NULL, 0);

	c.p = data + 1;
	c.left = size - 1;
	if (data[0] & 0x10)
		feed(&d, c.p, c.left);
	else
		structured(&d, &c);

	msession_free(&d.s);	/* the connection's end */
	om_free(&d.om);
	free(d.buf);
	free(d.pkt);
	free(d.del);
	return 0;
}
