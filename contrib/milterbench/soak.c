/*
 * contrib/milterbench/soak.c - the soak test client (make soak runs it from
 * contrib/milterbench/soak.sh): plays the MTA towards one milter for many
 * messages with hostile behaviour mixed in, watches the milter's memory and
 * CPU, and says PASS or FAIL. Shares the protocol code of milterbench
 * (milterproto, mb_client, mb_corpus); it only decides what to send.
 *
 *   soak -s SOCKET -d CORPUS [-n MESSAGES] [-c THREADS] [-t TIMEOUT_S]
 *        [-a ABORT_PERMILLE] [-x DROP_PERMILLE] [-S SEED] [-P MILTER_PID]
 *        [-B BIG_BODY_MB] [-H HEADERS] [-G SIGNATURES] [-i SAMPLE_MS]
 *        [-R RSS_MARGIN_PCT] [-m RSS_MARGIN_MIN_MB] [-o RSS.tsv]
 *
 * Messages: the corpus, cyclically, up to -n. Each message is, from a hash
 * of (seed, sequence number), so the same run sends the same dialogues:
 * - aborted with -a per mille: SMFIC_ABORT (an SMTP RSET) after a random
 *   number of headers or body bytes; half the time the next message runs on
 *   the same connection from MAIL on (a new transaction after RSET), else
 *   the connection is closed with SMFIC_QUIT;
 * - dropped with -x per mille: the socket is closed mid-body;
 * - else sent whole, and it must get a final verdict: accept (or continue)
 *   with an Authentication-Results header inserted, reject, tempfail or
 *   discard. The verdict of a corpus message must be the same every time
 *   it is sent (a hash of action, reply text and header edits).
 * Special messages, twice (at 15% and 60% of the run), built from the first
 * signed corpus message: a body of -B MB (50), -H extra headers (10,000;
 * the signature must still pass), -G copies of its DKIM-Signature (1,000;
 * the milter verifies its dkim_max_signatures, which must pass, and must
 * report the rest as policy), a header block over max_header_bytes (1 MB)
 * in 100-octet fields (dkim=policy, never pass), one header field
 * whose packet is exactly the 1 MB packet limit (MILTER_MDS_1M, libmilter's
 * largest; authmilter's engine: MPROTO_DATA_MAX), and one a byte over it:
 * authmilter skips that one (its message gets a verdict with dkim=policy,
 * never pass) and keeps the connection: a message sent right after on the
 * same connection must get its verdict.
 *
 * Memory: with -P, VmRSS of that process is sampled every -i ms (200) with
 * the number of messages done. RSS is flat when, by progress through the
 * run (after a warm-up of the first 5% of messages): the largest sample of
 * the last quarter is at most the largest of the first quarter (which holds
 * the first round of specials) plus the margin, and the median of the last
 * quarter is at most the median of the second quarter (no specials) plus
 * the margin. Margin = max(-R % (5) of the first quarter's largest, -m MB
 * (6)). With fewer than 4 samples in a quarter the check is skipped (said).
 * The watching is contrib/milterbench/soak_watch.[ch]. -o writes the
 * samples, "messages_done<TAB>rss_kb" per line. CPU: utime+stime of -P
 * from /proc before and after.
 *
 * stdout: a summary (key=value lines starting "soak:"). Exit 0 PASS, 1 FAIL
 * (a message without a verdict, a missing header, an unstable verdict, a
 * special message's wrong outcome, the milter gone, RSS growing), 2 usage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "contrib/milterbench/mb_client.h"
#include "contrib/milterbench/mb_corpus.h"
#include "contrib/milterbench/soak_watch.h"

#define THREADS_MAX	256
#define FAIL_SHOWN	10		/* failures printed to stderr */
#define AR_SHOWN	240		/* bytes of a special's AR in the summary */
#define LINE_LEN	76		/* filler body line (RFC 5322 2.1.1: 78) */

enum special {
	SP_BIG_BODY, SP_MANY_HDRS, SP_MANY_SIGS, SP_HDR_BLOCK, SP_HDR_UNDER,
	SP_HDR_OVER, SP_COUNT
};
static const char *const sp_name[SP_COUNT] = {
	"big-body", "many-headers", "many-signatures",
	"header-block-over-bound", "header-1M-at-limit",
	"header-1M-over-limit",
};
/* authmilter's header block bound (max_header_bytes, default 1 MB; fields
 * counted as name + value + 3): past it every signature is "policy".
 * SP_HDR_BLOCK passes it with small fields. */
#define HDR_BLOCK_BOUND	(1024 * 1024)
#define HDR_FILLER_LEN	100
static const double sp_round[] = { 0.15, 0.60 };
#define SP_ROUNDS	(sizeof(sp_round) / sizeof(sp_round[0]))

struct opts {
	const char *spec, *dir, *rss_out;
	long total, threads, abort_pm, drop_pm, big_mb, nhdrs, nsigs;
	long sample_ms, margin_pct, margin_min_mb;
	unsigned long seed;
	int timeout, pid;
};

struct sp_state {
	pthread_mutex_t lock;
	long sent, ok, bad;
	char outcome[AR_SHOWN + 64];
};

static struct opts o = {
	.total = 100000, .threads = 12, .abort_pm = 20, .drop_pm = 10,
	.big_mb = 50, .nhdrs = 10000, .nsigs = 1000, .sample_ms = 200,
	.margin_pct = 5, .margin_min_mb = 6, .seed = 1, .timeout = 60,
};
static mb_corpus corpus;
static mb_message sp_msg[SP_COUNT];
static struct sp_state sp[SP_COUNT];
static long sp_seq[SP_ROUNDS][SP_COUNT];
static size_t base_idx;
static atomic_uint_least64_t *verdict_hash;
static atomic_long next_seq, done;
static atomic_long n_accept, n_quar, n_reject, n_tempfail, n_discard;
static atomic_long n_abort_hdr, n_abort_body, n_abort_reuse, n_drop;
static atomic_long n_fail, n_noar, n_unstable, n_early, n_after_rset;
static soak_watch watch;

static void
usage(void)
{
	fprintf(stderr, "usage: soak -s unix:/path|inet:port@host -d corpus "
	    "[-n messages] [-c threads] [-t timeout-s]\n"
	    "       [-a abort-permille] [-x drop-permille] [-S seed] "
	    "[-P milter-pid] [-B big-body-MB]\n"
	    "       [-H headers] [-G signatures] [-i sample-ms] "
	    "[-R rss-margin-pct] [-m rss-margin-min-MB] [-o rss.tsv]\n");
	exit(2);
}

static long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* FNV-1a, for verdict fingerprints only: not a table index, and the
 * texts are the milter's replies to our own corpus, so util/hash.h's
 * keyed hash (for tables whose keys a sender picks) is not needed. */
static uint64_t
fnv(uint64_t h, const char *s)
{
	if (s == NULL)
		s = "";
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL;
}

/* ---- special messages ---- */

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL) {
		fprintf(stderr, "soak: out of memory\n");
		exit(1);
	}
	return p;
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL) {
		fprintf(stderr, "soak: out of memory\n");
		exit(1);
	}
	return p;
}

/* A copy of the base message's envelope, headers and body, with room for
 * extra headers. */
static void
clone_base(mb_message *m, const char *id, size_t extra)
{
	const mb_message *b = &corpus.msgs[base_idx];
	size_t i;

	memset(m, 0, sizeof(*m));
	m->id = xstrdup(id);
	m->client_ip = xstrdup(b->client_ip);
	m->helo = xstrdup(b->helo);
	m->mail_from = xstrdup(b->mail_from);
	m->rcpts = xmalloc(b->nrcpts * sizeof(*m->rcpts));
	for (i = 0; i < b->nrcpts; i++)
		m->rcpts[i] = xstrdup(b->rcpts[i]);
	m->nrcpts = b->nrcpts;
	m->auth = b->auth ? xstrdup(b->auth) : NULL;
	m->hdrs = xmalloc((b->nhdrs + extra) * sizeof(*m->hdrs));
	for (i = 0; i < b->nhdrs; i++) {
		m->hdrs[i].name = xstrdup(b->hdrs[i].name);
		m->hdrs[i].value = xstrdup(b->hdrs[i].value);
		m->hdrs[i].owned = 1;
	}
	m->nhdrs = b->nhdrs;
	m->body = xmalloc(b->body_len + 1);
	memcpy(m->body, b->body, b->body_len);
	m->body_len = b->body_len;
}

static void
add_hdr(mb_message *m, const char *name, char *value)
{
	m->hdrs[m->nhdrs].name = xstrdup(name);
	m->hdrs[m->nhdrs].value = value;
	m->hdrs[m->nhdrs].owned = 1;
	m->nhdrs++;
}

/* A header whose SMFIC_HEADER data (name NUL value NUL) is data bytes. */
static void
big_header(mb_message *m, size_t data)
{
	static const char name[] = "X-Soak-Big";
	size_t vlen = data - sizeof(name) - 1, i;
	char *v = xmalloc(vlen + 1);

	v[0] = ' ';
	for (i = 1; i < vlen; i++)
		v[i] = (char)('a' + i % 26);
	v[vlen] = '\0';
	add_hdr(m, name, v);
}

static void
build_specials(void)
{
	mb_message *m;
	char buf[64];
	size_t i, n, sig = SIZE_MAX;

	for (base_idx = 0; base_idx < corpus.n; base_idx++) {
		for (i = 0; i < corpus.msgs[base_idx].nhdrs; i++)
			if (strcasecmp(corpus.msgs[base_idx].hdrs[i].name,
			    "DKIM-Signature") == 0)
				break;
		if (i < corpus.msgs[base_idx].nhdrs) {
			sig = i;
			break;
		}
	}
	if (sig == SIZE_MAX) {
		fprintf(stderr, "soak: no signed message in the corpus\n");
		exit(1);
	}
	/* 50 MB body of text lines */
	m = &sp_msg[SP_BIG_BODY];
	clone_base(m, "soak-big-body", 0);
	free(m->body);
	n = (size_t)o.big_mb * 1024 * 1024;
	m->body = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		m->body[i] = (i % LINE_LEN == LINE_LEN - 2) ? '\r' :
		    (i % LINE_LEN == LINE_LEN - 1) ? '\n' :
		    (char)('a' + (i / LINE_LEN + i) % 26);
	m->body_len = n;
	/* many headers, after the signed ones (the signature still holds) */
	m = &sp_msg[SP_MANY_HDRS];
	clone_base(m, "soak-many-headers", (size_t)o.nhdrs);
	for (i = 0; i < (size_t)o.nhdrs; i++) {
		snprintf(buf, sizeof(buf), " filler header %zu", i);
		add_hdr(m, "X-Soak-Filler", xstrdup(buf));
	}
	/* many copies of a valid signature */
	m = &sp_msg[SP_MANY_SIGS];
	clone_base(m, "soak-many-signatures", (size_t)o.nsigs);
	for (i = 1; i < (size_t)o.nsigs; i++)
		add_hdr(m, "DKIM-Signature", xstrdup(m->hdrs[sig].value));
	/* a header block past the bound in small fields */
	m = &sp_msg[SP_HDR_BLOCK];
	n = HDR_BLOCK_BOUND / HDR_FILLER_LEN + 1;
	clone_base(m, "soak-header-block-over-bound", n);
	for (i = 0; i < n; i++) {
		char *v = xmalloc(HDR_FILLER_LEN + 1);

		memset(v, 'f', HDR_FILLER_LEN);
		v[0] = ' ';
		v[HDR_FILLER_LEN] = '\0';
		add_hdr(m, "X-Soak-Block", v);
	}
	/* one field at the 1 MB packet limit, one a byte over it */
	m = &sp_msg[SP_HDR_UNDER];
	clone_base(m, "soak-header-at-limit", 1);
	big_header(m, MP_MDS_1M);
	m = &sp_msg[SP_HDR_OVER];
	clone_base(m, "soak-header-over-limit", 1);
	big_header(m, MP_MDS_1M + 1);
	for (i = 0; i < SP_COUNT; i++)
		pthread_mutex_init(&sp[i].lock, NULL);
	for (n = 0; n < SP_ROUNDS; n++)
		for (i = 0; i < SP_COUNT; i++)
			sp_seq[n][i] = (long)(sp_round[n] * (double)o.total) +
			    (long)i * (o.total / 1000 + 1);
}

static int
special_at(long seq)
{
	size_t r, i;

	for (r = 0; r < SP_ROUNDS; r++)
		for (i = 0; i < SP_COUNT; i++)
			if (sp_seq[r][i] == seq)
				return (int)i;
	return -1;
}

/* ---- verdicts ---- */

/* The outcome line of a special: action, then the AR from "dkim=" on,
 * whitespace runs made one space. */
static void
set_outcome(char *out, size_t outlen, const char *action, const char *ar)
{
	const char *p = ar != NULL ? strstr(ar, "dkim=") : NULL;
	size_t n;
	int space = 0;

	n = (size_t)snprintf(out, outlen, "%s", action);
	if (p == NULL)
		return;
	for (; *p != '\0' && n + 2 < outlen && n < AR_SHOWN; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') {
			space = 1;
			continue;
		}
		if (space || n == strlen(action))
			out[n++] = ' ';
		space = 0;
		out[n++] = *p;
	}
	out[n] = '\0';
}

static const mb_mod *
find_ar(const mb_result *r)
{
	size_t i;

	for (i = 0; i < r->nmods; i++)
		if ((r->mods[i].op == SMFIR_INSHEADER ||
		    r->mods[i].op == SMFIR_ADDHEADER) &&
		    strcasecmp(r->mods[i].name, "Authentication-Results") == 0)
			return &r->mods[i];
	return NULL;
}

/*
 * Classify a completed dialogue; returns 0 when it is a verdict (counted),
 * -1 with *why when it is not.
 */
static int
verdict(const mb_result *r, const char **why)
{
	switch (r->action) {
	case SMFIR_ACCEPT:
	case SMFIR_CONTINUE:
		if (find_ar(r) == NULL) {
			*why = "accepted without Authentication-Results";
			atomic_fetch_add(&n_noar, 1);
			return -1;
		}
		atomic_fetch_add(r->quarantine ? &n_quar : &n_accept, 1);
		return 0;
	case SMFIR_REJECT:
		atomic_fetch_add(&n_reject, 1);
		return 0;
	case SMFIR_TEMPFAIL:
		atomic_fetch_add(&n_tempfail, 1);
		return 0;
	case SMFIR_DISCARD:
		atomic_fetch_add(&n_discard, 1);
		return 0;
	case SMFIR_REPLYCODE:
		if (r->text != NULL && r->text[0] == '5') {
			atomic_fetch_add(&n_reject, 1);
			return 0;
		}
		if (r->text != NULL && r->text[0] == '4') {
			atomic_fetch_add(&n_tempfail, 1);
			return 0;
		}
		*why = "reply code neither 4xx nor 5xx";
		return -1;
	default:
		*why = "no final verdict";
		return -1;
	}
}

static uint64_t
verdict_fingerprint(const mb_result *r)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char act[16];
	size_t i;

	snprintf(act, sizeof(act), "%d", r->action);
	h = fnv(h, act);
	h = fnv(h, r->text);
	h = fnv(h, r->quarantine);
	for (i = 0; i < r->nmods; i++) {
		h = fnv(h, r->mods[i].name);
		h = fnv(h, r->mods[i].value);
	}
	return h | 1;		/* 0 = not seen yet */
}

static void
report_failure(long seq, const mb_message *m, const char *why)
{
	long n = atomic_fetch_add(&n_fail, 1);

	if (n < FAIL_SHOWN)
		fprintf(stderr, "soak: message %ld (%s): %s\n", seq, m->id, why);
}

/* ---- delivery ---- */

static void
reconnect(mb_conn *c)
{
	char err[256];

	if (c->fd >= 0 && c->sessions > 0 && !c->reusable && !c->mid_session)
		mb_conn_close(c);
	if (c->fd < 0 && mb_conn_open(c, o.spec, o.timeout, err,
	    sizeof(err)) < 0)
		c->fd = -1;
}

/* One whole message; returns 0 with a verdict, -1 otherwise (*why). */
static int
send_whole(mb_conn *c, const mb_message *m, mb_result *r, const char **why)
{
	mb_hdrs h;
	int rc;

	reconnect(c);
	mb_result_reset(r);
	if (c->fd < 0) {
		*why = "cannot connect to the milter";
		return -1;
	}
	if (mb_hdrs_init(&h, m) < 0) {
		*why = "out of memory";
		return -1;
	}
	rc = mb_conn_message(c, m, &h, r);
	mb_hdrs_free(&h);
	if (rc < 0) {
		*why = r->error ? r->error : "dialogue failed";
		return -1;
	}
	return verdict(r, why);
}

static void
deliver_special(mb_conn *c, long seq, int k)
{
	const mb_message *m = &sp_msg[k];
	const mb_mod *ar;
	const char *why = NULL;
	mb_result r;
	int ok;

	if (c->mid_session)
		mb_conn_close(c);	/* a fresh session: its own envelope */
	reconnect(c);
	if (c->fd >= 0)
		(void)mp_buf_set_max(&c->out, k == SP_HDR_OVER ?
		    MP_DATA_ABS_MAX : MP_MDS_1M);
	ok = send_whole(c, m, &r, &why) == 0;
	pthread_mutex_lock(&sp[k].lock);
	sp[k].sent++;
	{
		ar = find_ar(&r);
		set_outcome(sp[k].outcome, sizeof(sp[k].outcome),
		    r.action ? mp_reply_name(r.action) : (why ? why : "?"),
		    ar ? ar->value : r.text);
		if (ok && (k == SP_MANY_SIGS || k == SP_HDR_BLOCK ||
		    k == SP_HDR_UNDER || k == SP_HDR_OVER) &&
		    (ar == NULL || strstr(ar->value, "dkim=policy") == NULL)) {
			ok = 0;
			why = k == SP_MANY_SIGS ? "no dkim=policy for the signatures "
			    "over dkim_max_signatures" : "no dkim=policy for a header "
			    "block over max_header_bytes";
		}
		if (ok && (k == SP_MANY_SIGS || k == SP_MANY_HDRS) &&
		    (ar == NULL || strstr(ar->value, "dkim=pass") == NULL)) {
			ok = 0;
			why = "no dkim=pass for the signatures evaluated";
		}
		if (ok && (k == SP_HDR_BLOCK || k == SP_HDR_UNDER ||
		    k == SP_HDR_OVER) && strstr(ar->value, "dkim=pass") != NULL) {
			ok = 0;
			why = "dkim=pass for a header block over max_header_bytes";
		}
	}
	if (ok)
		sp[k].ok++;
	else
		sp[k].bad++;
	pthread_mutex_unlock(&sp[k].lock);
	if (!ok)
		report_failure(seq, m, why ? why : "no verdict");
	mb_result_free(&r);
	if (k == SP_HDR_OVER) {
		/* the milter must serve the next message as usual, on the
		 * same connection (authmilter's engine takes QUIT_NC and a
		 * new session after any final reply) */
		if (c->fd < 0)
			report_failure(seq, m, "connection lost after the "
			    "over-limit header field");
		else
			c->reusable = 1;
		m = &corpus.msgs[(size_t)seq % corpus.n];
		if (send_whole(c, m, &r, &why) < 0)
			report_failure(seq, m, why);
		mb_result_free(&r);
	}
}

static void
deliver(mb_conn *c, long seq)
{
	size_t idx = (size_t)seq % corpus.n;
	const mb_message *m = &corpus.msgs[idx];
	uint64_t h = mix(o.seed * 0x100000001b3ULL ^ (uint64_t)seq), fp, old;
	long dice = (long)(h % 1000);
	const char *why = NULL;
	mb_result r;
	mb_hdrs hd;
	mb_cut cut;
	int k, rc, mid;

	if ((k = special_at(seq)) >= 0) {
		deliver_special(c, seq, k);
		return;
	}
	if (dice >= o.abort_pm + o.drop_pm) {
		/* after an RSET the session's client and HELO are the
		 * previous message's: SPF may differ, so no stability check */
		mid = c->fd >= 0 && c->mid_session;
		if (send_whole(c, m, &r, &why) < 0)
			report_failure(seq, m, why);
		else if (mid)
			atomic_fetch_add(&n_after_rset, 1);
		else if (r.action == SMFIR_ACCEPT || r.action ==
		    SMFIR_CONTINUE || r.action == SMFIR_REPLYCODE ||
		    r.action == SMFIR_REJECT || r.action == SMFIR_TEMPFAIL) {
			fp = verdict_fingerprint(&r);
			old = 0;
			if (!atomic_compare_exchange_strong(&verdict_hash[idx],
			    &old, fp) && old != fp) {
				atomic_fetch_add(&n_unstable, 1);
				report_failure(seq, m, "verdict differs from "
				    "an earlier delivery of the same message");
			}
		}
		mb_result_free(&r);
		return;
	}
	memset(&cut, 0, sizeof(cut));
	cut.headers = SIZE_MAX;
	if (dice < o.abort_pm) {
		cut.kind = MB_CUT_ABORT;
		if ((h >> 16) & 1)
			cut.headers = (size_t)(h >> 20) % (m->nhdrs + 1);
		else
			cut.body = (size_t)(h >> 20) % (m->body_len + 1);
	} else {
		cut.kind = MB_CUT_DROP;
		cut.body = m->body_len ? (size_t)(h >> 20) % m->body_len : 0;
	}
	reconnect(c);
	if (c->fd < 0) {
		report_failure(seq, m, "cannot connect to the milter");
		return;
	}
	if (mb_hdrs_init(&hd, m) < 0) {
		report_failure(seq, m, "out of memory");
		return;
	}
	rc = mb_conn_message_cut(c, m, &hd, &r, &cut);
	mb_hdrs_free(&hd);
	if (rc < 0)
		report_failure(seq, m, r.error ? r.error : "dialogue failed");
	else if (rc == 0)
		atomic_fetch_add(&n_early, 1);	/* decided before the cut */
	else if (cut.kind == MB_CUT_DROP)
		atomic_fetch_add(&n_drop, 1);
	else {
		atomic_fetch_add(cut.headers != SIZE_MAX ? &n_abort_hdr :
		    &n_abort_body, 1);
		if ((h >> 40) & 1)
			atomic_fetch_add(&n_abort_reuse, 1);
		else
			mb_conn_close(c);	/* QUIT after the RSET */
	}
	mb_result_free(&r);
}

static void *
worker(void *arg)
{
	mb_conn c;
	long seq;

	(void)arg;
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	while ((seq = atomic_fetch_add(&next_seq, 1)) < o.total) {
		deliver(&c, seq);
		atomic_fetch_add(&done, 1);
	}
	mb_conn_close(&c);
	return NULL;
}

/* ---- main ---- */

static long
num_arg(const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < lo || v > hi)
		usage();
	return v;
}

static void
parse_opts(int argc, char **argv)
{
	int ch;

	while ((ch = getopt(argc, argv, "s:d:n:c:t:a:x:S:P:B:H:G:i:R:m:o:")) !=
	    -1) {
		switch (ch) {
		case 's': o.spec = optarg; break;
		case 'd': o.dir = optarg; break;
		case 'n': o.total = num_arg(optarg, 1, 100000000L); break;
		case 'c': o.threads = num_arg(optarg, 1, THREADS_MAX); break;
		case 't': o.timeout = (int)num_arg(optarg, 1, 3600); break;
		case 'a': o.abort_pm = num_arg(optarg, 0, 1000); break;
		case 'x': o.drop_pm = num_arg(optarg, 0, 1000); break;
		case 'S': o.seed = (unsigned long)num_arg(optarg, 0,
		    1000000000L); break;
		case 'P': o.pid = (int)num_arg(optarg, 1, 1 << 30); break;
		case 'B': o.big_mb = num_arg(optarg, 1, 1024); break;
		case 'H': o.nhdrs = num_arg(optarg, 1, 1000000); break;
		case 'G': o.nsigs = num_arg(optarg, 1, 100000); break;
		case 'i': o.sample_ms = num_arg(optarg, 10, 60000); break;
		case 'R': o.margin_pct = num_arg(optarg, 0, 1000); break;
		case 'm': o.margin_min_mb = num_arg(optarg, 0, 100000); break;
		case 'o': o.rss_out = optarg; break;
		default: usage();
		}
	}
	if (optind != argc || o.spec == NULL || o.dir == NULL ||
	    o.abort_pm + o.drop_pm > 1000)
		usage();
}

int
main(int argc, char **argv)
{
	char err[512], mpath[4096];
	pthread_t tid[THREADS_MAX];
	double cpu0 = 0, cpu1 = 0, secs;
	long i, t0, fails, sp_bad = 0, aborts;
	int dead = 0, rss_grew = 0;
	mb_conn c;

	parse_opts(argc, argv);
	snprintf(mpath, sizeof(mpath), "%s/manifest.tsv", o.dir);
	if (mb_corpus_load(&corpus, o.dir, mpath, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "soak: %s\n", err);
		return 1;
	}
	if (corpus.n == 0) {
		fprintf(stderr, "soak: empty corpus\n");
		return 1;
	}
	build_specials();
	verdict_hash = calloc(corpus.n, sizeof(*verdict_hash));
	if (verdict_hash == NULL) {
		fprintf(stderr, "soak: out of memory\n");
		return 1;
	}
	if (mb_conn_open(&c, o.spec, o.timeout, err, sizeof(err)) < 0) {
		fprintf(stderr, "soak: %s\n", err);
		return 1;
	}
	mb_conn_close(&c);
	if (o.pid != 0) {
		watch.pid = o.pid;
		watch.interval_ms = o.sample_ms;
		watch.total = o.total;
		watch.done = &done;
		watch.margin_pct = o.margin_pct;
		watch.margin_min_mb = o.margin_min_mb;
		cpu0 = sw_cpu_s(o.pid);
		if (sw_start(&watch) < 0)
			o.pid = 0;
	}
	t0 = now_us();
	for (i = 0; i < o.threads; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "soak: cannot start threads\n");
			return 1;
		}
	for (i = 0; i < o.threads; i++)
		pthread_join(tid[i], NULL);
	secs = (double)(now_us() - t0) / 1e6;
	if (o.pid != 0) {
		sw_stop(&watch);
		cpu1 = sw_cpu_s(o.pid);
		dead = cpu1 < 0 || sw_rss_kb(o.pid) < 0;
	}

	fails = atomic_load(&n_fail);
	aborts = atomic_load(&n_abort_hdr) + atomic_load(&n_abort_body);
	printf("soak: messages=%ld threads=%ld seconds=%.1f msgs_per_s=%.0f\n",
	    o.total, o.threads, secs, (double)o.total / (secs > 0 ? secs : 1));
	printf("soak: verdicts accept=%ld quarantine=%ld reject=%ld "
	    "tempfail=%ld discard=%ld\n", atomic_load(&n_accept),
	    atomic_load(&n_quar), atomic_load(&n_reject),
	    atomic_load(&n_tempfail), atomic_load(&n_discard));
	printf("soak: aborts=%ld (after_headers=%ld in_body=%ld; next message "
	    "on the same connection after %ld) drops_mid_body=%ld "
	    "decided_before_cut=%ld\n", aborts, atomic_load(&n_abort_hdr),
	    atomic_load(&n_abort_body), atomic_load(&n_abort_reuse),
	    atomic_load(&n_drop), atomic_load(&n_early));
	printf("soak: failures=%ld (accepted_without_AR=%ld unstable_verdict=%ld)"
	    " verdicts_after_rset=%ld\n", fails, atomic_load(&n_noar),
	    atomic_load(&n_unstable), atomic_load(&n_after_rset));
	for (i = 0; i < SP_COUNT; i++) {
		printf("soak: special %s sent=%ld ok=%ld: %s\n", sp_name[i],
		    sp[i].sent, sp[i].ok, sp[i].outcome);
		sp_bad += sp[i].bad + (sp[i].sent == 0);
	}
	if (o.pid != 0 && cpu1 >= 0)
		printf("soak: milter_cpu_s=%.1f cpu_us_per_msg=%.0f\n",
		    cpu1 - cpu0, (cpu1 - cpu0) * 1e6 / (double)o.total);
	if (o.pid != 0)
		rss_grew = sw_rss_verdict(&watch, o.rss_out);
	else
		printf("soak: rss=not sampled\n");
	if (dead)
		printf("soak: the milter process %d is gone\n", o.pid);
	if (fails > 0 || sp_bad > 0 || dead || rss_grew) {
		printf("soak: FAIL\n");
		return 1;
	}
	printf("soak: PASS\n");
	return 0;
}
