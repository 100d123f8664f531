/*
 * contrib/milterbench/milterbench.c - the benchmark client: plays the MTA
 * towards one milter or a chain of milters, from N threads, and reports
 * throughput, latency percentiles and each message's verdicts.
 *
 *   milterbench -s SOCKET [-s SOCKET2 ...] -d CORPUS [-M MANIFEST]
 *               [-c THREADS] [-m MSGS_PER_CONN] [-n MESSAGES]
 *               [-o RESULTS.jsonl] [-r MSGS_PER_S] [-t TIMEOUT_S]
 *
 * Several -s form a chain in Postfix's order: each message goes to the first
 * milter, its header edits are applied, then to the next (a reject, tempfail
 * or discard ends the chain). Each thread owns one connection per milter and
 * takes the next message from a shared counter; the corpus is loaded before
 * timing starts. -n sends that many messages, cycling through the corpus.
 * -m caps the SMTP sessions (one message each) per milter connection (0 =
 * no cap, the default); a milter whose last reply was not CONTINUE at end
 * of message gets a new connection anyway (see mb_client.h), so for most
 * milters this is Postfix's one connection per SMTP session. -r paces the
 * run: message i starts no earlier than i/RATE s after the start, so the
 * milter sees an MTA's rate (idle between messages) rather than a flood.
 *
 * stdout, one line: messages= errors= concurrency= seconds= msgs_per_s=
 * p50_ms= p95_ms= p99_ms= (the whole session) eom_p50_ms= eom_p99_ms= (end of
 * message: BODYEOB sent -> final reply, summed over a chain's milters, as an
 * MTA waits for each in turn) (key=value, for scripts). -o writes one JSON
 * object per message in corpus order: id, final action, latency_us, eom_us and, per milter,
 * its action, reply text, quarantine reason and header modifications.
 * Exit: 0 done (even with per-message errors, counted in errors=), 1 when
 * the corpus or a milter cannot be reached at start, 2 bad usage.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "contrib/milterbench/mb_client.h"
#include "contrib/milterbench/mb_corpus.h"

#define CHAIN_MAX	4	/* milters in a chain */
#define THREADS_MAX	1024

struct opts {
	const char *spec[CHAIN_MAX];
	size_t nspec;
	const char *dir, *manifest, *out;
	long threads, per_conn, total;
	long rate;		/* -r: messages/s started, 0: as fast as it goes */
	int timeout;
};

struct delivery {
	long latency_us;
	long eom_us;		/* sum over the chain: what the MTA waits at EOM */
	int error;
	char *json;
};

static struct opts o;
static mb_corpus corpus;
static struct delivery *deliv;
static atomic_long next_msg;
static long start_us;		/* the timed run's start (for -r) */

static void
usage(void)
{
	fprintf(stderr, "usage: milterbench -s unix:/path|inet:port@host "
	    "[-s ...] -d corpus-dir [-M manifest] [-c threads]\n"
	    "       [-m messages-per-connection] [-n messages] "
	    "[-o results.jsonl] [-r msgs-per-s] [-t timeout-s]\n");
	exit(2);
}

/* mp_buf doubles as the output byte buffer (NUL-terminated). */
static void
put(mp_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap : 512);
		unsigned char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL)
			return;		/* output truncated; counted nowhere */
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
puts_b(mp_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void
put_json_str(mp_buf *b, const char *s)
{
	char esc[8];

	if (s == NULL) {
		puts_b(b, "null");
		return;
	}
	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\') {
			esc[0] = '\\';
			esc[1] = (char)ch;
			put(b, esc, 2);
		} else if (ch < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			puts_b(b, esc);
		} else
			put(b, (const char *)s, 1);
	}
	put(b, "\"", 1);
}

static const char *
action_name(const mb_result *r)
{
	return r->action ? mp_reply_name(r->action) : "error";
}

static int
ends_chain(int action)
{
	return action == SMFIR_REJECT || action == SMFIR_TEMPFAIL ||
	    action == SMFIR_DISCARD || action == SMFIR_REPLYCODE ||
	    action == SMFIR_SHUTDOWN || action == SMFIR_CONN_FAIL;
}

static char *
to_json(const mb_message *m, const mb_result *res, size_t nres, long lat,
    long eom, const char *final)
{
	mp_buf b;
	char num[32];
	size_t k, i;

	mp_buf_init(&b);
	puts_b(&b, "{\"id\":");
	put_json_str(&b, m->id);
	puts_b(&b, ",\"action\":");
	put_json_str(&b, final);
	snprintf(num, sizeof(num), ",\"latency_us\":%ld", lat);
	puts_b(&b, num);
	snprintf(num, sizeof(num), ",\"eom_us\":%ld", eom);
	puts_b(&b, num);
	puts_b(&b, ",\"milters\":[");
	for (k = 0; k < nres; k++) {
		const mb_result *r = &res[k];

		puts_b(&b, k ? ",{\"action\":" : "{\"action\":");
		put_json_str(&b, action_name(r));
		if (r->error != NULL) {
			puts_b(&b, ",\"error\":");
			put_json_str(&b, r->error);
		}
		if (r->text != NULL) {
			puts_b(&b, ",\"text\":");
			put_json_str(&b, r->text);
		}
		if (r->quarantine != NULL) {
			puts_b(&b, ",\"quarantine\":");
			put_json_str(&b, r->quarantine);
		}
		puts_b(&b, ",\"mods\":[");
		for (i = 0; i < r->nmods; i++) {
			puts_b(&b, i ? ",{\"op\":" : "{\"op\":");
			put_json_str(&b, mp_reply_name(r->mods[i].op));
			snprintf(num, sizeof(num), ",\"index\":%u",
			    (unsigned)r->mods[i].index);
			puts_b(&b, num);
			puts_b(&b, ",\"name\":");
			put_json_str(&b, r->mods[i].name);
			puts_b(&b, ",\"value\":");
			put_json_str(&b, r->mods[i].value);
			puts_b(&b, "}");
		}
		puts_b(&b, "]}");
	}
	puts_b(&b, "]}\n");
	return (char *)b.data;
}

/* One message through the chain; returns its delivery record. */
static void
deliver(mb_conn *conn, long seq)
{
	const mb_message *m = &corpus.msgs[seq % (long)corpus.n];
	mb_result res[CHAIN_MAX];
	const char *final = "continue";
	char err[256];
	mb_hdrs h;
	size_t k, nres = 0;
	long t0 = mb_now_us();
	int error = 0;

	if (mb_hdrs_init(&h, m) < 0) {
		deliv[seq].error = 1;
		return;
	}
	for (k = 0; k < o.nspec; k++) {
		mb_result *r = &res[nres++];

		mb_result_reset(r);
		if (conn[k].fd >= 0 && (!conn[k].reusable || (o.per_conn > 0 &&
		    conn[k].sessions >= (unsigned long)o.per_conn)))
			mb_conn_close(&conn[k]);
		if (conn[k].fd < 0 &&
		    mb_conn_open(&conn[k], o.spec[k], o.timeout, err,
		    sizeof(err)) < 0) {
			r->error = "cannot connect to the milter";
			error = 1;
			final = "error";
			break;
		}
		if (mb_conn_message(&conn[k], m, &h, r) < 0) {
			error = 1;
			final = "error";
			break;
		}
		if (r->action == SMFIR_ACCEPT && strcmp(final, "continue") == 0)
			final = "accept";
		if (ends_chain(r->action)) {
			final = action_name(r);
			break;
		}
	}
	deliv[seq].latency_us = mb_now_us() - t0;
	deliv[seq].error = error;
	for (k = 0; k < nres; k++)
		deliv[seq].eom_us += res[k].eom_us;
	if (o.out != NULL)
		deliv[seq].json = to_json(m, res, nres, deliv[seq].latency_us,
		    deliv[seq].eom_us, final);
	for (k = 0; k < nres; k++)
		mb_result_free(&res[k]);
	mb_hdrs_free(&h);
}

static void *
worker(void *arg)
{
	mb_conn conn[CHAIN_MAX];
	size_t k;
	long seq;

	(void)arg;
	for (k = 0; k < CHAIN_MAX; k++)
		conn[k].fd = -1;
	while ((seq = atomic_fetch_add(&next_msg, 1)) < o.total) {
		if (o.rate > 0) {
			/* message seq starts seq/rate s after the start: the
			 * milter sees an MTA's pace, idle between messages */
			long wait = start_us + seq * 1000000L / o.rate -
			    mb_now_us();

			if (wait > 0)
				usleep((useconds_t)wait);
		}
		deliver(conn, seq);
	}
	for (k = 0; k < o.nspec; k++)
		mb_conn_close(&conn[k]);
	return NULL;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

static double
pct_ms(const long *sorted, long n, double p)
{
	long i = (long)(p * (double)(n - 1) + 0.5);

	return n > 0 ? (double)sorted[i] / 1000.0 : 0.0;
}

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

	o.threads = 1;
	o.timeout = 30;
	while ((ch = getopt(argc, argv, "s:d:M:c:m:n:o:r:t:")) != -1) {
		switch (ch) {
		case 's':
			if (o.nspec == CHAIN_MAX)
				usage();
			o.spec[o.nspec++] = optarg;
			break;
		case 'd': o.dir = optarg; break;
		case 'M': o.manifest = optarg; break;
		case 'c': o.threads = num_arg(optarg, 1, THREADS_MAX); break;
		case 'm': o.per_conn = num_arg(optarg, 0, 1000000000L); break;
		case 'n': o.total = num_arg(optarg, 1, 100000000L); break;
		case 'o': o.out = optarg; break;
		case 'r': o.rate = num_arg(optarg, 0, 1000000L); break;
		case 't': o.timeout = (int)num_arg(optarg, 1, 3600); break;
		default: usage();
		}
	}
	if (optind != argc || o.nspec == 0 || o.dir == NULL)
		usage();
}

int
main(int argc, char **argv)
{
	char err[512], mpath[4096];
	pthread_t tid[THREADS_MAX];
	long i, t0, elapsed, errors = 0, *lat, *eom;
	FILE *fp;

	parse_opts(argc, argv);
	if (o.manifest == NULL) {
		snprintf(mpath, sizeof(mpath), "%s/manifest.tsv", o.dir);
		o.manifest = mpath;
	}
	if (mb_corpus_load(&corpus, o.dir, o.manifest, 0, err,
	    sizeof(err)) < 0) {
		fprintf(stderr, "milterbench: %s\n", err);
		return 1;
	}
	if (o.total == 0)
		o.total = (long)corpus.n;
	/* reach every milter once before timing, to fail early and clearly */
	for (i = 0; i < (long)o.nspec; i++) {
		mb_conn c;

		if (mb_conn_open(&c, o.spec[i], o.timeout, err,
		    sizeof(err)) < 0) {
			fprintf(stderr, "milterbench: %s\n", err);
			return 1;
		}
		mb_conn_close(&c);
	}
	if ((deliv = calloc((size_t)o.total, sizeof(*deliv))) == NULL ||
	    (lat = calloc((size_t)o.total, sizeof(*lat))) == NULL ||
	    (eom = calloc((size_t)o.total, sizeof(*eom))) == NULL) {
		fprintf(stderr, "milterbench: out of memory\n");
		return 1;
	}
	t0 = start_us = mb_now_us();
	for (i = 0; i < o.threads; i++)
		if (pthread_create(&tid[i], NULL, worker, NULL) != 0) {
			fprintf(stderr, "milterbench: cannot start threads\n");
			return 1;
		}
	for (i = 0; i < o.threads; i++)
		pthread_join(tid[i], NULL);
	elapsed = mb_now_us() - t0;
	for (i = 0; i < o.total; i++) {
		lat[i] = deliv[i].latency_us;
		eom[i] = deliv[i].eom_us;
		errors += deliv[i].error;
	}
	qsort(lat, (size_t)o.total, sizeof(*lat), cmp_long);
	qsort(eom, (size_t)o.total, sizeof(*eom), cmp_long);
	printf("messages=%ld errors=%ld concurrency=%ld seconds=%.3f "
	    "msgs_per_s=%.1f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f "
	    "eom_p50_ms=%.3f eom_p99_ms=%.3f\n",
	    o.total, errors, o.threads, (double)elapsed / 1e6,
	    (double)o.total * 1e6 / (double)(elapsed ? elapsed : 1),
	    pct_ms(lat, o.total, 0.50), pct_ms(lat, o.total, 0.95),
	    pct_ms(lat, o.total, 0.99), pct_ms(eom, o.total, 0.50),
	    pct_ms(eom, o.total, 0.99));
	if (o.out != NULL) {
		if ((fp = fopen(o.out, "w")) == NULL) {
			fprintf(stderr, "milterbench: %s: cannot write\n", o.out);
			return 1;
		}
		for (i = 0; i < o.total; i++)
			if (deliv[i].json != NULL)
				fputs(deliv[i].json, fp);
		fclose(fp);
	}
	for (i = 0; i < o.total; i++)
		free(deliv[i].json);
	free(deliv);
	free(lat);
	free(eom);
	mb_corpus_free(&corpus);
	return 0;
}
