/*
 * tests/fuzz/milter_oracle.h - the fail-closed properties fuzz_milter.c
 * checks at end of message, judged from what the harness itself sent (it
 * is the MTA) and from the replies, not from authmilter's own parsers.
 * Included by tests/fuzz/fuzz_milter.c only: the Makefile builds each
 * fuzz target (and its replay) from its one .c file.
 *
 * om_packet() sees every packet before the session does and keeps a
 * shadow of the connection (the configuration it started with, the client
 * address, whether an {auth_authen} macro was sent) and of the current
 * message (its header fields, in order). om_eom() then checks the end of
 * message reply, when it accepts the message (quarantine included):
 *
 * 1. Every forged Authentication-Results field goes (RFC 8601 5): of the
 *    fields named Authentication-Results (any case) the harness sent, those
 *    whose authserv-id - the first token or quoted-string of the value,
 *    after CFWS (RFC 8601 2.2, RFC 2045 value) - is ours, compared without
 *    case, are deleted by index, each once; no field naming another
 *    authserv-id is. A field the harness cannot read clearly (unterminated
 *    comment or quoted-string, no authserv-id, one followed by a
 *    non-delimiter, ours but for a final dot) may go either way. Every
 *    message, mail not checked included.
 *
 * 2. DMARC fails closed. In a configuration with dmarc_enforce = yes and
 *    bad_from_action auto or reject, for mail that is checked (the CONNECT
 *    address, parsed here, in neither trusted_networks nor
 *    dmarc_exempt_networks; no {auth_authen} macro on the connection):
 *    - a bad From is never accepted: not exactly one From field, one over
 *      16384 octets (local limit, authmilter.conf(5)), one that cannot be
 *      tokenized as RFC 5322 3.2 says (unterminated comment, quoted-string
 *      or domain literal, a stray character), comments nested deeper than
 *      32 (local limit), an author address whose domain is a domain
 *      literal, more than 8 author domains (local limit); nor a message
 *      whose Authentication-Results says dmarc=permerror with a reason
 *      starting "bad From" (the one rule read from our header);
 *    - a From the harness parses (RFC 5322 3.4 with the obsolete forms of
 *      4.4 and RFC 6854 groups) whose author domains all publish p=reject
 *      in the zone - example.com, spf.example, reject.example and its
 *      subdomains (sp=reject, np=reject) - is accepted only when our
 *      Authentication-Results says dmarc=pass; for reject.example, which
 *      publishes no DKIM key and SPF "-all", never.
 *    Why no other exception is needed, with tests/fixtures/fuzz/milter.zone:
 *    those domains have no pct, t= or sp/np other than reject, so a DMARC
 *    fail has disposition reject; a temperror would need a lookup of an
 *    aligned identifier to fail, and the zone fails only tempfail.example
 *    (the injected faults) while the DKIM keys and the authors' _dmarc
 *    lookups are reserved in the DNS budget; dmarc_exempt_domains
 *    (exempt.example) and dmarc_trusted_forwarders (forwarder.example)
 *    name domains the zone gives no SPF record and no key. A multi-author
 *    From with an author outside those domains is not judged (the
 *    strictest result may then be another author's).
 *
 * A message whose dialogue is not one a real MTA sends (a header field
 * after end of headers or body, ABORT outside a transaction) is not judged.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <strings.h>


#include "tests/fuzz/milter_from.h"

#define OM_FROM_MAX_LEN 16384      /* DMARC_FROM_MAX_LEN, documented */
#define OM_MAX_NETS 8              /* networks of one variant's list */
#define OM_SHOW 600                /* octets of a value in a report */

enum { OM_AR_NOT, OM_AR_OURS, OM_AR_UNCLEAR };

typedef struct om_net {
	int family;
	unsigned char b[16];
	unsigned prefix;
} om_net;

/* What a variant's key=value strings say, for the oracle. */
typedef struct om_variant {
	int dmarc_checked;       /* dmarc_enforce and bad_from_action auto/reject */
	om_net trusted[OM_MAX_NETS], exempt[OM_MAX_NETS];
	size_t ntrusted, nexempt;
} om_variant;

typedef struct om_state {
	/* the connection */
	int connected, variant, addr_checked, auth;
	/* the message */
	int phase;               /* 0 envelope, 1 header fields, 2 after EOH/body */
	int irregular, mail;
	size_t nfrom, from_total;
	char *from;              /* the first From value */
	size_t from_len;
	unsigned char *ar;       /* OM_AR_* of each Authentication-Results sent */
	size_t nar, arcap;
} om_state;

/* What the reply to end of message did. */
typedef struct om_reply {
	int final;               /* the MPR_* that ended it */
	const char *ar;          /* our Authentication-Results value, or NULL */
	uint32_t *del;           /* Authentication-Results indexes deleted */
	size_t ndel;
} om_reply;

/* The domains of the zone whose DMARC policy is reject for the author
 * domain itself (see gen_milter_corpus.py). */
static int
om_strong(const char *d)
{
	size_t n = strlen(d), k = sizeof(".reject.example") - 1;

	return strcmp(d, "reject.example") == 0 ||
	    (n > k && strcmp(d + n - k, ".reject.example") == 0);
}

static int
om_reject(const char *d)
{
	return om_strong(d) || strcmp(d, "example.com") == 0 ||
	    strcmp(d, "spf.example") == 0;
}

/* Every author domain of a parsed From passes test (an odd one none). */
static int
om_all(const om_from *f, int (*test)(const char *))
{
	size_t i;

	if (f->status != OM_FROM_OK || f->ndom == 0)
		return 0;
	for (i = 0; i < f->ndom; i++)
		if (f->odd[i] || !test(f->dom[i]))
			return 0;
	return 1;
}

static void om_die(const char *what, const char *v, size_t n)
    __attribute__((noreturn));

/* How often each check ran ($FUZZ_MILTER_STATS: printed at exit), so a
 * replay shows the seeds reach them. */
static struct {
	unsigned long eom, accepted, ar_judged, ar_ours, dmarc_judged,
	    bad_from, reject_authors;
} om_stats;

static void
om_print_stats(void)
{
	fprintf(stderr, "fuzz_milter: %lu ends of message, %lu accepted; "
	    "deletions judged %lu times (%lu fields of ours); DMARC judged "
	    "%lu times (%lu bad From, %lu p=reject authors)\n", om_stats.eom,
	    om_stats.accepted, om_stats.ar_judged, om_stats.ar_ours,
	    om_stats.dmarc_judged, om_stats.bad_from,
	    om_stats.reject_authors);
}

static void
om_die(const char *what, const char *v, size_t n)
{
	fprintf(stderr, "fuzz_milter: %s", what);
	if (v != NULL) {
		fprintf(stderr, ": \"");
		fwrite(v, 1, n > OM_SHOW ? OM_SHOW : n, stderr);
		fprintf(stderr, "\"%s", n > OM_SHOW ? "..." : "");
	}
	fprintf(stderr, "\n");
	abort();
}

/* ---- the configurations ---- */

static const char *
om_key(const char *const *kv, const char *key, const char *def)
{
	size_t kl = strlen(key);
	const char *v = def;

	for (; *kv != NULL; kv++)
		if (strncmp(*kv, key, kl) == 0 && (*kv)[kl] == '=')
			v = *kv + kl + 1;
	return v;
}

/* "a/n, b" into nets; the daemon refused the variant otherwise */
static size_t
om_nets(const char *list, om_net *nets)
{
	char buf[512], *tok, *save = NULL, *slash;
	size_t n = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL;
	    tok = strtok_r(NULL, ", ", &save)) {
		om_net *x = &nets[n];

		if (n == OM_MAX_NETS)
			om_die("too many networks in a variant", list,
			    strlen(list));
		slash = strchr(tok, '/');
		if (slash != NULL)
			*slash = '\0';
		if (inet_pton(AF_INET, tok, x->b) == 1) {
			x->family = AF_INET;
			x->prefix = 32;
		} else if (inet_pton(AF_INET6, tok, x->b) == 1) {
			x->family = AF_INET6;
			x->prefix = 128;
		} else
			om_die("bad network in a variant", tok, strlen(tok));
		if (slash != NULL)
			x->prefix = (unsigned)atoi(slash + 1);
		n++;
	}
	return n;
}

static void
om_setup(om_variant *ov, const char *const *kv)
{
	const char *enforce = om_key(kv, "dmarc_enforce", "no"),
	    *bad = om_key(kv, "bad_from_action", "auto");

	memset(ov, 0, sizeof(*ov));
	ov->dmarc_checked = (strcmp(enforce, "yes") == 0 ||
	    strcmp(enforce, "true") == 0 || strcmp(enforce, "on") == 0 ||
	    strcmp(enforce, "1") == 0) &&
	    (strcmp(bad, "auto") == 0 || strcmp(bad, "reject") == 0);
	ov->ntrusted = om_nets(om_key(kv, "trusted_networks",
	    "127.0.0.0/8, ::1/128"), ov->trusted);
	ov->nexempt = om_nets(om_key(kv, "dmarc_exempt_networks", ""),
	    ov->exempt);
}

static int
om_in(const om_net *a, const om_net *nets, size_t n)
{
	size_t i, full;
	unsigned rest;

	for (i = 0; i < n; i++) {
		if (nets[i].family != a->family)
			continue;
		full = nets[i].prefix / 8;
		rest = nets[i].prefix % 8;
		if (memcmp(a->b, nets[i].b, full) != 0)
			continue;
		if (rest != 0 && ((a->b[full] ^ nets[i].b[full]) &
		    (0xff << (8 - rest)) & 0xff) != 0)
			continue;
		return 1;
	}
	return 0;
}

/* Is mail from this CONNECT address checked by variant ov? Family 'U' and
 * 'L' give no address (so neither network list matches); '4' and '6' as
 * the milter protocol writes them ("IPv6:" prefix, "%zone" suffix). An
 * address the harness cannot read is not judged. */
static int
om_addr_checked(const om_variant *ov, int family, const char *addr)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	char tmp[64];
	om_net a;
	size_t n;

	if (family != '4' && family != '6')
		return 1;
	memset(&a, 0, sizeof(a));
	if (family == '4') {
		if (inet_pton(AF_INET, addr, a.b) != 1)
			return 0;
		a.family = AF_INET;
	} else {
		if (strncasecmp(addr, "IPv6:", 5) == 0)
			addr += 5;
		n = strcspn(addr, "%");
		if (n >= sizeof(tmp))
			return 0;
		memcpy(tmp, addr, n);
		tmp[n] = '\0';
		if (inet_pton(AF_INET6, tmp, a.b) != 1)
			return 0;
		a.family = AF_INET6;
		if (memcmp(a.b, mapped, 12) == 0) {
			memmove(a.b, a.b + 12, 4);
			memset(a.b + 4, 0, 12);
			a.family = AF_INET;
		}
	}
	return !om_in(&a, ov->trusted, ov->ntrusted) &&
	    !om_in(&a, ov->exempt, ov->nexempt);
}

/* ---- Authentication-Results fields the harness sends ---- */

static int
om_tspecial(int c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* Skip white space, line breaks and (nested) comments from v[*i];
 * -1 on an unterminated comment. */
static int
om_cfws(const char *v, size_t n, size_t *i)
{
	size_t depth = 0;

	for (; *i < n; (*i)++) {
		char c = v[*i];

		if (depth == 0 && (c == ' ' || c == '\t' || c == '\r' ||
		    c == '\n'))
			continue;
		if (c == '(')
			depth++;
		else if (depth > 0 && c == ')')
			depth--;
		else if (depth > 0 && c == '\\')
			(*i)++;
		else if (depth == 0)
			break;
	}
	return depth == 0 ? 0 : -1;
}

static int
om_ar_class(const char *v, size_t n, const char *ours)
{
	char id[300];
	size_t i = 0, k = 0, ol = strlen(ours);

	if (om_cfws(v, n, &i) < 0)
		return OM_AR_UNCLEAR;
	if (i == n)
		return OM_AR_NOT;	/* no authserv-id at all: claims none */
	if (v[i] == '"') {
		for (i++; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n)
				i++;
			else if (v[i] == '\r' || v[i] == '\n')
				return OM_AR_UNCLEAR;
			if (k + 1 < sizeof(id))
				id[k++] = v[i];
		}
		if (i == n)
			return OM_AR_UNCLEAR;
		i++;
	} else {
		for (; i < n && (unsigned char)v[i] > ' ' &&
		    (unsigned char)v[i] < 0x7f && !om_tspecial(v[i]); i++)
			if (k + 1 < sizeof(id))
				id[k++] = v[i];
		if (k == 0)
			return OM_AR_UNCLEAR;
	}
	id[k] = '\0';
	/* what may follow the authserv-id: CFWS, a version, ";" */
	if (i < n && v[i] != ' ' && v[i] != '\t' && v[i] != '\r' &&
	    v[i] != '\n' && v[i] != '(' && v[i] != ';')
		return OM_AR_UNCLEAR;
	if (strcasecmp(id, ours) == 0)
		return OM_AR_OURS;
	if (k == ol + 1 && id[ol] == '.' && strncasecmp(id, ours, ol) == 0)
		return OM_AR_UNCLEAR;
	return OM_AR_NOT;
}

/* ---- our Authentication-Results: the dmarc result ---- */

/* The dmarc resinfo of our header value (LF-folded): its result into
 * res ("" if none), and whether its reason starts with "bad From". The
 * value is unfolded and split at the semicolons outside quoted-strings
 * and comments; our writer quotes and escapes whatever came from the
 * message, so no text of the sender's can fake a resinfo. */
static void
om_our_dmarc(const char *ar, char *res, size_t reslen, int *bad_from)
{
	char *u, *seg, *p;
	size_t n = strlen(ar), i, o = 0, depth = 0;
	int quoted = 0;

	res[0] = '\0';
	*bad_from = 0;
	if ((u = malloc(n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		char c = ar[i];

		if (c == '\r' || c == '\n')
			continue;
		if (c == '\\' && (quoted || depth > 0) && i + 1 < n) {
			u[o++] = ' ';	/* a quoted-pair: neither ends anything */
			u[o++] = ' ';
			i++;
			continue;
		}
		if (c == '"' && depth == 0)
			quoted = !quoted;
		else if (c == '(' && !quoted)
			depth++;
		else if (c == ')' && !quoted && depth > 0)
			depth--;
		else if (c == ';' && !quoted && depth == 0)
			c = '\0';
		u[o++] = c;
	}
	u[o] = '\0';
	for (seg = u; seg < u + o; seg += strlen(seg) + 1) {
		size_t m;

		p = seg;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, "dmarc", 5) != 0)
			continue;
		p += 5;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '=')
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		for (m = 0; isalnum((unsigned char)p[m]) && m + 1 < reslen; m++)
			res[m] = (char)tolower((unsigned char)p[m]);
		res[m] = '\0';
		/* the reason as our writer puts it; with the escapes blanked
		 * above, "bad From" cannot come from a quoted pair */
		*bad_from = strstr(p, "reason=\"bad From") != NULL;
		break;
	}
	free(u);
}

/* ---- the shadow ---- */

static void
om_msg_reset(om_state *o)
{
	free(o->from);
	o->from = NULL;
	o->from_len = 0;
	o->nfrom = o->from_total = 0;
	o->nar = 0;
	o->phase = 0;
	o->irregular = 0;
	o->mail = 0;
}

static void
om_free(om_state *o)
{
	om_msg_reset(o);
	free(o->ar);
	memset(o, 0, sizeof(*o));
}

static void
om_header(om_state *o, const char *name, const char *value, size_t vlen)
{
	if (o->phase == 2)
		o->irregular = 1;
	o->phase = 1;
	if (strcasecmp(name, "From") == 0) {
		o->nfrom++;
		o->from_total += vlen;
		if (o->nfrom == 1) {
			if ((o->from = malloc(vlen + 1)) == NULL)
				abort();
			memcpy(o->from, value, vlen + 1);
			o->from_len = vlen;
		}
	}
	if (strcasecmp(name, "Authentication-Results") == 0) {
		if (o->nar == o->arcap) {
			size_t cap = o->arcap ? o->arcap * 2 : 64;
			unsigned char *p = realloc(o->ar, cap);

			if (p == NULL)
				abort();
			o->ar = p;
			o->arcap = cap;
		}
		o->ar[o->nar++] = (unsigned char)om_ar_class(value, vlen, ASID);
	}
}

/* name\0 then an optional index-free value\0 at p->data; 0 if malformed
 * (the session refuses the packet then and the connection ends) */
static int
om_strings(const mproto_pkt *p, size_t off, const char **a, const char **b)
{
	const unsigned char *d = p->data + off, *nul;
	size_t n = p->len > off ? p->len - off : 0;

	if (n == 0 || (nul = memchr(d, '\0', n)) == NULL)
		return 0;
	*a = (const char *)d;
	if (b == NULL)
		return 1;
	if ((size_t)(nul - d) + 1 >= n || memchr(nul + 1, '\0',
	    n - (size_t)(nul - d) - 1) == NULL)
		return 0;
	*b = (const char *)nul + 1;
	return 1;
}

/* A packet the harness is about to hand the session, under variant
 * cur (the runtime a CONNECT now acquires). */
static void
om_packet(om_state *o, const om_variant *ovs, int cur,
    const mproto_pkt *p)
{
	const char *a, *b;
	size_t i, pos;

	switch (p->cmd) {
	case MPC_CONNECT:
		om_msg_reset(o);
		o->connected = 0;
		if (!om_strings(p, 0, &a, NULL))
			break;
		pos = strlen(a) + 1;
		o->connected = 1;
		o->variant = cur;
		if (pos >= p->len) {
			o->addr_checked = 0;
			break;
		}
		o->addr_checked = p->data[pos] == 'U' || p->data[pos] == 'L';
		if ((p->data[pos] == '4' || p->data[pos] == '6') &&
		    pos + 3 < p->len && om_strings(p, pos + 3, &b, NULL))
			o->addr_checked = om_addr_checked(&ovs[cur],
			    p->data[pos], b);
		break;
	case MPC_QUIT_NC:
		om_msg_reset(o);
		o->connected = 0;
		o->auth = 0;	/* every macro is gone */
		break;
	case MPC_MACRO:
		/* any name (or value) mentioning it: the rest of the
		 * connection is not judged (conservative) */
		for (i = 1; i + 11 <= p->len; i++)
			if (strncasecmp((const char *)p->data + i,
			    "auth_authen", 11) == 0)
				o->auth = 1;
		break;
	case MPC_MAIL:
		om_msg_reset(o);
		o->mail = 1;
		break;
	case MPC_HEADER:
		if (om_strings(p, 0, &a, &b))
			om_header(o, a, b, strlen(b));
		break;
	case MPC_EOH:
	case MPC_BODY:
		o->phase = 2;
		break;
	case MPC_ABORT:
		/* the session aborts only a transaction MAIL opened */
		if (o->mail)
			om_msg_reset(o);
		else
			o->irregular = 1;
		break;
	default:
		break;
	}
}

/* Property 1: the deletions are exactly our authserv-id's fields. */
static void
om_check_deletions(const om_state *o, const om_reply *r)
{
	unsigned char *seen = calloc(o->nar + 1, 1);
	size_t i;

	if (seen == NULL)
		abort();
	om_stats.ar_judged++;
	for (i = 0; i < o->nar; i++)
		om_stats.ar_ours += o->ar[i] == OM_AR_OURS;
	for (i = 0; i < r->ndel; i++) {
		uint32_t x = r->del[i];

		if (x == 0 || x > o->nar)
			om_die("a deletion of an Authentication-Results field "
			    "that was not sent", NULL, 0);
		if (seen[x])
			om_die("an Authentication-Results field deleted twice",
			    NULL, 0);
		seen[x] = 1;
		if (o->ar[x - 1] == OM_AR_NOT) {
			fprintf(stderr, "fuzz_milter: field %u of %zu\n",
			    (unsigned)x, o->nar);
			om_die("an Authentication-Results field of another "
			    "authserv-id deleted", NULL, 0);
		}
	}
	for (i = 0; i < o->nar; i++)
		if (o->ar[i] == OM_AR_OURS && !seen[i + 1]) {
			fprintf(stderr, "fuzz_milter: field %zu of %zu, %zu "
			    "deleted\n", i + 1, o->nar, r->ndel);
			om_die("a forged Authentication-Results field (our "
			    "authserv-id) kept", NULL, 0);
		}
	free(seen);
}

/* Property 2: DMARC fails closed. */
static void
om_check_dmarc(const om_state *o, const om_reply *r)
{
	char res[32];
	const char *bad = NULL;
	int ar_bad_from;
	om_from f;

	om_our_dmarc(r->ar != NULL ? r->ar : "", res, sizeof(res),
	    &ar_bad_from);
	if (o->nfrom != 1)
		bad = o->nfrom == 0 ? "no From field" : "several From fields";
	else if (o->from_total > OM_FROM_MAX_LEN + 1)
		bad = "a From field over 16384 octets";
	else {
		om_parse_from(&f, o->from, o->from_len);
		if (f.status == OM_FROM_BAD)
			bad = f.why;
		else if (om_all(&f, om_strong))
			om_die("a message from reject.example accepted (no "
			    "DKIM key, SPF -all, p=reject)", o->from,
			    o->from_len);
		else if (om_all(&f, om_reject) && strcmp(res, "pass") != 0)
			om_die("a message whose authors publish p=reject "
			    "accepted without dmarc=pass", o->from,
			    o->from_len);
	}
	if (bad != NULL) {
		fprintf(stderr, "fuzz_milter: bad From: %s\n", bad);
		om_die("a message with a bad From accepted", o->from,
		    o->from_len);
	}
	if (ar_bad_from && strcmp(res, "permerror") == 0)
		om_die("a message whose header says bad From accepted",
		    r->ar, strlen(r->ar));
}

/* For the statistics: a message the DMARC rule judges, whatever the
 * reply (most of them are rejected, as they should be). */
static void
om_note_dmarc(const om_state *o)
{
	om_from f;

	om_stats.dmarc_judged++;
	if (o->nfrom != 1 || o->from_total > OM_FROM_MAX_LEN + 1) {
		om_stats.bad_from++;
		return;
	}
	om_parse_from(&f, o->from, o->from_len);
	om_stats.bad_from += f.status == OM_FROM_BAD;
	om_stats.reject_authors += om_all(&f, om_reject);
}

/* The reply to end of message: judge it, then the message is over. */
static void
om_eom(om_state *o, const om_variant *ovs, const om_reply *r)
{
	int accepted = r->final == MPR_ACCEPT || r->final == MPR_CONTINUE;

	om_stats.eom++;
	om_stats.accepted += accepted;
	if (!o->irregular && o->connected && o->addr_checked && !o->auth &&
	    ovs[o->variant].dmarc_checked)
		om_note_dmarc(o);
	if (accepted && !o->irregular) {
		om_check_deletions(o, r);
		if (o->connected && o->addr_checked && !o->auth &&
		    ovs[o->variant].dmarc_checked)
			om_check_dmarc(o, r);
	}
	om_msg_reset(o);
}
