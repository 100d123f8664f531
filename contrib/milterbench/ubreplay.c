/*
 * contrib/milterbench/ubreplay.c - the cold-DNS benchmark's resolver floor:
 * libunbound alone, asked the same questions at the same moments as a
 * subject's run asked them (cold.sh).
 *
 *   ubreplay -c UNBOUND_CONF -q QUERY_LOG
 *
 * QUERY_LOG is dnsdelay -L's log of a run ("ms proto qname qtype" per query
 * that reached the server). Each query is started at its logged offset from
 * the first one, open loop (one libunbound context in thread mode, its
 * results taken in this thread with ub_fd/ub_process: no hand-off of ours),
 * so the load on libunbound, dnsdelay and nsd has the run's rate and
 * bursts. DNSKEY and DS queries are libunbound's own (validation), not
 * questions, and are not replayed. Prints one line:
 *   "ubreplay: queries=N errors=N p50_ms=X p90_ms=X p99_ms=X"
 * where each latency is from ub_resolve_async to its callback: what one
 * dependent step costs a caller with nothing of its own in the way. The
 * log's queries left the subject's resolver a little after the subject
 * asked, so the replay starts each a little late too: the schedule is the
 * same, only shifted.
 *
 * Bounded: at most REPLAY_MAX queries are read (more are ignored).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unbound.h>
#include <unistd.h>

#define REPLAY_MAX	200000	/* queries replayed (local limit: memory) */
#define NAME_MAX_TEXT	1024	/* dnsdelay's printed QNAME bound */
#define TYPE_DS		43	/* RFC 4034 5.1 */
#define TYPE_DNSKEY	48	/* RFC 4034 2.1 */

struct q {
	long long at_us;	/* offset from the first query */
	char *name;
	int type;
	double lat_ms;		/* < 0 until answered */
};

static struct q *qs;
static size_t nq, ndone, nerr;

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long t0;

static void
on_answer(void *arg, int err, struct ub_result *res)
{
	struct q *q = arg;

	q->lat_ms = (double)(now_us() - t0 - q->at_us) / 1000.0;
	if (err != 0 || res == NULL)
		nerr++;
	if (res != NULL)
		ub_resolve_free(res);
	ndone++;
}

static int
load(const char *path)
{
	char line[NAME_MAX_TEXT + 64], name[NAME_MAX_TEXT], proto[8];
	long long ms, first = -1;
	int type;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	if ((qs = calloc(REPLAY_MAX, sizeof(*qs))) == NULL) {
		fclose(f);
		return -1;
	}
	while (nq < REPLAY_MAX && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lld %7s %1023s %d", &ms, proto, name,
		    &type) != 4 || type == TYPE_DS || type == TYPE_DNSKEY)
			continue;
		if (first < 0)
			first = ms;
		qs[nq].at_us = (ms - first) * 1000;
		qs[nq].type = type;
		qs[nq].lat_ms = -1;
		if ((qs[nq].name = strdup(name)) == NULL)
			break;
		nq++;
	}
	fclose(f);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL, *log = NULL;
	struct ub_ctx *ctx;
	size_t next = 0, i, n = 0;
	double *lat;
	int ch;

	while ((ch = getopt(argc, argv, "c:q:")) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'q': log = optarg; break;
		default: goto usage;
		}
	}
	if (conf == NULL || log == NULL || optind != argc)
		goto usage;
	if (load(log) != 0)
		return 1;
	/* authmilter's own settings (dns/dns_setup.c), then the run's file */
	if ((ctx = ub_ctx_create()) == NULL || ub_ctx_async(ctx, 1) != 0 ||
	    ub_ctx_set_option(ctx, "outgoing-range:", "1024") != 0 ||
	    ub_ctx_set_option(ctx, "outgoing-num-tcp:", "16") != 0 ||
	    ub_ctx_config(ctx, conf) != 0) {
		fprintf(stderr, "ubreplay: cannot set up libunbound with %s\n",
		    conf);
		return 1;
	}
	t0 = now_us();
	while (ndone < next || next < nq) {
		long long now = now_us() - t0;
		int timeout = -1;
		struct pollfd p = { .fd = ub_fd(ctx), .events = POLLIN };

		while (next < nq && qs[next].at_us <= now) {
			if (ub_resolve_async(ctx, qs[next].name, qs[next].type,
			    1, &qs[next], on_answer, NULL) != 0) {
				qs[next].lat_ms = 0;
				nerr++;
				ndone++;
			}
			next++;
		}
		if (next < nq)
			timeout = (int)((qs[next].at_us - now + 999) / 1000);
		if (poll(&p, 1, timeout) < 0 && errno != EINTR) {
			perror("ubreplay: poll");
			return 1;
		}
		if (p.revents & POLLIN)
			ub_process(ctx);
	}
	if ((lat = calloc(nq ? nq : 1, sizeof(*lat))) == NULL)
		return 1;
	for (i = 0; i < nq; i++)
		if (qs[i].lat_ms >= 0)
			lat[n++] = qs[i].lat_ms;
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("ubreplay: queries=%zu errors=%zu p50_ms=%.1f p90_ms=%.1f "
	    "p99_ms=%.1f\n", nq, nerr, n ? lat[n / 2] : 0.0,
	    n ? lat[n * 9 / 10] : 0.0, n ? lat[n * 99 / 100] : 0.0);
	ub_ctx_delete(ctx);
	free(lat);
	for (i = 0; i < nq; i++)
		free(qs[i].name);
	free(qs);
	return 0;
usage:
	fprintf(stderr, "usage: ubreplay -c unbound.conf -q query-log\n");
	return 2;
}
