/*
 * report/history.c - the history store's statements (open, append, the
 * report queries, sent marks, prune, failure reports), over a backend
 * (SQLite or PostgreSQL) that runs SQL with text parameters; the schema,
 * its upgrade and the open's notes are in history_schema.c.
 * The SQL is common to both: $N parameters (SQLite reads them as named
 * parameters, numbered in order of appearance, so each statement uses
 * $1..$n in order), BIGINT/INTEGER/TEXT columns. Contract in report.h;
 * the backend interface in history_int.h.
 */
#include "report/history_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strbuf.h"

static const char sql_insert[] =
	"INSERT INTO dmarc_records VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	" $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,"
	" $24, $25, $26, $27)";

/* largest count first; the group columns after it make the order total,
 * so the per-domain and the all-domains queries give the same rows in
 * the same order */
#define ROW_ORDER "COUNT(*) DESC, source_ip, header_from, dkim," \
	" disposition, dkim_aligned, spf_aligned, reasons, envelope_from," \
	" envelope_to, spf_domain, spf_scope, spf_result"

static const char sql_rows[] =
	"SELECT " GROUP_COLS ", COUNT(*) FROM dmarc_records"
	" WHERE policy_domain = $1 AND t >= $2 AND t < $3"
	" GROUP BY " GROUP_COLS
	" ORDER BY " ROW_ORDER;

static const char sql_rows_all[] =
	"SELECT " GROUP_COLS ", COUNT(*), policy_domain FROM dmarc_records"
	" WHERE t >= $1 AND t < $2"
	" GROUP BY policy_domain, " GROUP_COLS
	" ORDER BY policy_domain, " ROW_ORDER;

/* the same over a period within one UTC day: the day's term lets the
 * store walk dmarc_records_day_group (grouping without a sort; only each
 * domain's groups are sorted by count). "+ 0": the parameter is text;
 * SQLite compares an expression with it as text (never equal), and
 * would not use the index with CAST (the comparison's INTEGER affinity
 * does not match the index expression's none); "+ 0" makes it a number
 * of no affinity, and PostgreSQL infers an integer. */
#define DAY_TERM "t / 86400 = $1 + 0 AND t >= $2 AND t < $3"

static const char sql_rows_day[] =
	"SELECT " GROUP_COLS ", COUNT(*), policy_domain FROM dmarc_records"
	" WHERE " DAY_TERM
	" GROUP BY policy_domain, " GROUP_COLS
	" ORDER BY policy_domain, " ROW_ORDER;

static const char sql_rows_day_one[] =
	"SELECT " GROUP_COLS ", COUNT(*), policy_domain FROM dmarc_records"
	" WHERE " DAY_TERM " AND policy_domain = $4"
	" GROUP BY policy_domain, " GROUP_COLS
	" ORDER BY policy_domain, " ROW_ORDER;

static const char sql_rows_all_one[] =
	"SELECT " GROUP_COLS ", COUNT(*), policy_domain FROM dmarc_records"
	" WHERE t >= $1 AND t < $2 AND policy_domain = $3"
	" GROUP BY policy_domain, " GROUP_COLS
	" ORDER BY policy_domain, " ROW_ORDER;

static const char sql_policy[] =
	"SELECT policy_domain, org_domain, discovery, p, sp, np, adkim, aspf,"
	" fo, testing, psd, rua, ruf, t FROM dmarc_records"
	" WHERE policy_domain = $1 AND t >= $2 AND t < $3"
	" ORDER BY t DESC LIMIT 1";

const char *
history_backend(const history *h)
{
	return h->ops->name;
}

history *
history_open(const char *spec, char *why, size_t whylen)
{
	return history_open_mode(spec, HISTORY_CREATE, why, whylen);
}

/* "INSERT INTO dmarc_records VALUES ($1, ..., $27), ($28, ...), ..." */
static int
build_insert_many(history *h)
{
	strbuf sb;
	size_t r, c;

	sb_init(&sb);
	sb_printf(&sb, "INSERT INTO dmarc_records VALUES ");
	for (r = 0; r < HISTORY_INSERT_ROWS; r++)
		for (c = 0; c < HISTORY_COLS; c++)
			sb_printf(&sb, "%s$%zu%s", c == 0 ? (r ? ", (" : "(") :
			    ", ", r * HISTORY_COLS + c + 1,
			    c == HISTORY_COLS - 1 ? ")" : "");
	if (sb.failed) {
		sb_free(&sb);
		return -1;
	}
	h->ab = malloc(sizeof(*h->ab));
	h->insert_many = sb_steal(&sb);
	return h->ab != NULL && h->insert_many != NULL ? 0 : -1;
}

history *
history_open_mode(const char *spec, int mode, char *why, size_t whylen)
{
	history *h;

	if (spec == NULL || *spec == '\0') {
		snprintf(why, whylen, "no history store configured");
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	h->ops = strncmp(spec, "postgresql://", 13) == 0 ||
	    strncmp(spec, "postgres://", 11) == 0 ? &history_pg_ops :
	    &history_sqlite_ops;
	h->db = h->ops->open(spec, mode & HISTORY_EXISTING, why, whylen);
	if (h->db == NULL) {
		free(h);
		return NULL;
	}
	h->spec = strdup(spec);
	if (h->spec == NULL) {
		snprintf(why, whylen, "out of memory");
		history_close(h);
		return NULL;
	}
	if (build_insert_many(h) < 0) {
		snprintf(why, whylen, "out of memory");
		history_close(h);
		return NULL;
	}
	if (history_schema_open(h, mode, why, whylen) < 0) {
		history_close(h);
		return NULL;
	}
	return h;
}

void
history_close(history *h)
{
	if (h == NULL)
		return;
	h->ops->close(h->db);
	if (h->db2 != NULL)
		h->ops->close(h->db2);
	free(h->spec);
	free(h->insert_many);
	free(h->ab);
	free(h);
}

static int
exec(history *h, const char *sql, const char *const *p, size_t n,
    history_exec_row row, void *arg, char *why, size_t whylen)
{
	if (h->busy) {
		if (h->db2 == NULL)
			h->db2 = h->ops->open(h->spec, HISTORY_EXISTING, why,
			    whylen);
		if (h->db2 == NULL)
			return -1;
		return h->ops->exec(h->db2, sql, p, n, row, arg, why, whylen);
	}
	return h->ops->exec(h->db, sql, p, n, row, arg, why, whylen);
}

/* The 27 column values of r into p (t: room for its time). */
static void
record_params(const report_record *r, const char **p, char *t)
{
	snprintf(t, 24, "%" PRId64, r->time);
	p[0] = t; p[1] = r->source_ip; p[2] = r->header_from;
	p[3] = r->envelope_from; p[4] = r->envelope_to;
	p[5] = r->policy_domain; p[6] = r->org_domain;
	p[7] = r->spf_domain; p[8] = r->spf_scope; p[9] = r->spf_result;
	p[10] = r->dkim; p[11] = r->dmarc_result; p[12] = r->disposition;
	p[13] = r->dkim_aligned ? "1" : "0";
	p[14] = r->spf_aligned ? "1" : "0";
	p[15] = r->reasons; p[16] = r->discovery;
	p[17] = r->p; p[18] = r->sp; p[19] = r->np; p[20] = r->adkim;
	p[21] = r->aspf; p[22] = r->fo; p[23] = r->testing;
	p[24] = r->psd; p[25] = r->rua; p[26] = r->ruf;
}

/* The records as COPY text rows (tab-separated, in the table's column
 * order, which is record_params' and the INSERT's; backslash, tab,
 * newline and CR escaped as COPY's text format requires), then one COPY:
 * PostgreSQL's bulk path. */
static int
append_copy(history *h, const report_record *const *recs, size_t n,
    char *why, size_t whylen)
{
	append_buf *ab = h->ab;
	strbuf sb;
	size_t i, c;
	const char *v;
	int rc;

	sb_init(&sb);
	for (i = 0; i < n && !sb.failed; i++) {
		record_params(recs[i], ab->p, ab->t[0]);
		for (c = 0; c < HISTORY_COLS; c++) {
			if (c > 0)
				sb_append(&sb, "\t", 1);
			for (v = ab->p[c]; *v != '\0'; v++) {
				size_t run = strcspn(v, "\\\t\n\r");

				sb_append(&sb, v, run);
				v += run;
				if (*v == '\0')
					break;
				sb_append(&sb, *v == '\\' ? "\\\\" : *v == '\t' ?
				    "\\t" : *v == '\n' ? "\\n" : "\\r", 2);
			}
		}
		sb_append(&sb, "\n", 1);
	}
	if (sb.failed) {
		sb_free(&sb);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	rc = h->ops->copy_in(h->db, "COPY dmarc_records FROM STDIN", sb.s,
	    sb.len, why, whylen);
	sb_free(&sb);
	return rc;
}

int
history_append(history *h, const report_record *const *recs, size_t n,
    char *why, size_t whylen)
{
	append_buf *ab = h->ab;
	size_t i, k, rows;
	char ignore[8];

	if (n == 0)
		return 0;
	if (h->ops->copy_in != NULL)
		return append_copy(h, recs, n, why, whylen);
	if (exec(h, "BEGIN", NULL, 0, NULL, NULL, why, whylen) < 0)
		return -1;
	for (i = 0; i < n; i += rows) {
		/* full groups in one statement, the rest one by one */
		rows = n - i >= HISTORY_INSERT_ROWS ? HISTORY_INSERT_ROWS : 1;
		for (k = 0; k < rows; k++)
			record_params(recs[i + k], &ab->p[k * HISTORY_COLS],
			    ab->t[k]);
		if (exec(h, rows > 1 ? h->insert_many : sql_insert, ab->p,
		    rows * HISTORY_COLS, NULL, NULL, why, whylen) < 0) {
			exec(h, "ROLLBACK", NULL, 0, NULL, NULL, ignore,
			    sizeof(ignore));
			return -1;
		}
	}
	if (exec(h, "COMMIT", NULL, 0, NULL, NULL, why, whylen) < 0) {
		exec(h, "ROLLBACK", NULL, 0, NULL, NULL, ignore, sizeof(ignore));
		return -1;
	}
	return 0;
}

static void
range(int64_t from, int64_t to, char *f, char *t)
{
	snprintf(f, 24, "%" PRId64, from);
	snprintf(t, 24, "%" PRId64, to);
}

typedef struct domain_walk {
	history_domain_cb cb;
	void *arg;
} domain_walk;

static int
on_domain(void *arg, size_t ncols, const char *const *v)
{
	domain_walk *w = arg;

	return ncols >= 1 ? w->cb(w->arg, v[0]) : -1;
}

int
history_domains(history *h, int64_t from, int64_t to, const char *domain,
    history_domain_cb cb, void *arg, char *why, size_t whylen)
{
	char f[24], t[24];
	const char *p[3] = { f, t, domain };
	domain_walk w = { cb, arg };

	range(from, to, f, t);
	if (domain != NULL)
		return exec(h, "SELECT DISTINCT policy_domain FROM dmarc_records"
		    " WHERE t >= $1 AND t < $2 AND policy_domain = $3"
		    " ORDER BY policy_domain", p, 3, on_domain, &w, why, whylen);
	return exec(h, "SELECT DISTINCT policy_domain FROM dmarc_records"
	    " WHERE t >= $1 AND t < $2 ORDER BY policy_domain", p, 2,
	    on_domain, &w, why, whylen);
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static int
on_policy(void *arg, size_t ncols, const char *const *v)
{
	report_record *r = arg;

	if (ncols < 14)
		return -1;
	COPY(r->policy_domain, v[0]); COPY(r->org_domain, v[1]);
	COPY(r->discovery, v[2]); COPY(r->p, v[3]); COPY(r->sp, v[4]);
	COPY(r->np, v[5]); COPY(r->adkim, v[6]); COPY(r->aspf, v[7]);
	COPY(r->fo, v[8]); COPY(r->testing, v[9]); COPY(r->psd, v[10]);
	COPY(r->rua, v[11]); COPY(r->ruf, v[12]);
	r->time = strtoll(v[13], NULL, 10);
	r->source_ip[0] = '\1'; /* found */
	return 0;
}

int
history_policy(history *h, const char *domain, int64_t from, int64_t to,
    report_record *out, char *why, size_t whylen)
{
	char f[24], t[24];
	const char *p[3] = { domain, f, t };

	memset(out, 0, sizeof(*out));
	range(from, to, f, t);
	if (exec(h, sql_policy, p, 3, on_policy, out, why, whylen) < 0)
		return -1;
	if (out->source_ip[0] != '\1')
		return 0;
	out->source_ip[0] = '\0';
	return 1;
}

typedef struct row_walk {
	history_row_cb cb;
	void *arg;
	report_record rec;
} row_walk;

static int
on_row(void *arg, size_t ncols, const char *const *v)
{
	row_walk *w = arg;
	report_record *r = &w->rec;

	if (ncols < 13)
		return -1;
	COPY(r->source_ip, v[0]); COPY(r->disposition, v[1]);
	r->dkim_aligned = strcmp(v[2], "1") == 0;
	r->spf_aligned = strcmp(v[3], "1") == 0;
	COPY(r->reasons, v[4]); COPY(r->header_from, v[5]);
	COPY(r->envelope_from, v[6]); COPY(r->envelope_to, v[7]);
	COPY(r->spf_domain, v[8]); COPY(r->spf_scope, v[9]);
	COPY(r->spf_result, v[10]); COPY(r->dkim, v[11]);
	if (ncols >= 14)
		COPY(r->policy_domain, v[13]);
	return w->cb(w->arg, r, strtoull(v[12], NULL, 10));
}

/* sql's grouped rows to cb (the statement runs on the main connection;
 * with busy set, other statements meanwhile go to the second one) */
static int
rows_walk(history *h, const char *sql, const char *const *p, size_t n,
    int busy, history_row_cb cb, void *arg, char *why, size_t whylen)
{
	row_walk *w = calloc(1, sizeof(*w));
	int rc;

	if (w == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	w->cb = cb;
	w->arg = arg;
	h->busy = busy;
	rc = h->ops->exec(h->db, sql, p, n, on_row, w, why, whylen);
	h->busy = 0;
	free(w);
	return rc;
}

int
history_rows(history *h, const char *domain, int64_t from, int64_t to,
    history_row_cb cb, void *arg, char *why, size_t whylen)
{
	char f[24], t[24];
	const char *p[3] = { domain, f, t };

	if (h->busy) {
		snprintf(why, whylen, "history_rows: history_rows_all is "
		    "walking");
		return -1;
	}
	range(from, to, f, t);
	return rows_walk(h, sql_rows, p, 3, 0, cb, arg, why, whylen);
}

int
history_rows_all(history *h, int64_t from, int64_t to, const char *domain,
    history_row_cb cb, void *arg, char *why, size_t whylen)
{
	char f[24], t[24], d[24];
	const char *p[4] = { f, t, domain };
	const char *pd[4] = { d, f, t, domain };

	if (h->busy) {
		snprintf(why, whylen, "history_rows_all: already walking");
		return -1;
	}
	range(from, to, f, t);
	/* a period within one UTC day (the daily report): every t in it
	 * has t / 86400 = from / 86400, so the day's term selects the same
	 * rows and lets the store use the day's index */
	if (from >= 0 && to > from && from / 86400 == (to - 1) / 86400) {
		snprintf(d, sizeof(d), "%" PRId64, from / 86400);
		return rows_walk(h, domain != NULL ? sql_rows_day_one :
		    sql_rows_day, pd, domain != NULL ? 4 : 3, 1, cb, arg, why,
		    whylen);
	}
	return rows_walk(h, domain != NULL ? sql_rows_all_one : sql_rows_all,
	    p, domain != NULL ? 3 : 2, 1, cb, arg, why, whylen);
}

static int
on_count(void *arg, size_t ncols, const char *const *v)
{
	if (ncols < 1)
		return -1;
	*(uint64_t *)arg = strtoull(v[0], NULL, 10);
	return 0;
}

int
history_count(history *h, int64_t from, int64_t to, uint64_t *n, char *why,
    size_t whylen)
{
	char f[24], t[24];
	const char *p[2] = { f, t };

	*n = 0;
	range(from, to, f, t);
	return exec(h, "SELECT COUNT(*) FROM dmarc_records WHERE t >= $1"
	    " AND t < $2", p, 2, on_count, n, why, whylen);
}

int
history_prune(history *h, int64_t before, uint64_t *deleted, char *why,
    size_t whylen)
{
	char b[24];
	const char *p[1] = { b };

	snprintf(b, sizeof(b), "%" PRId64, before);
	*deleted = 0;
	if (exec(h, "BEGIN", NULL, 0, NULL, NULL, why, whylen) < 0)
		return -1;
	if (exec(h, "SELECT COUNT(*) FROM dmarc_records WHERE t < $1", p, 1,
	    on_count, deleted, why, whylen) < 0 ||
	    exec(h, "DELETE FROM dmarc_records WHERE t < $1", p, 1, NULL, NULL,
	    why, whylen) < 0 ||
	    exec(h, "DELETE FROM dmarc_sent WHERE t < $1", p, 1, NULL, NULL,
	    why, whylen) < 0 ||
	    exec(h, "DELETE FROM dmarc_failure WHERE t < $1", p, 1, NULL,
	    NULL, why, whylen) < 0 ||
	    exec(h, "DELETE FROM dmarc_failure_sent WHERE t < $1", p, 1, NULL,
	    NULL, why, whylen) < 0 ||
	    exec(h, "COMMIT", NULL, 0, NULL, NULL, why, whylen) < 0) {
		char ignore[8];

		exec(h, "ROLLBACK", NULL, 0, NULL, NULL, ignore, sizeof(ignore));
		return -1;
	}
	return 0;
}

/* 1 when the COUNT(*) query sql over ($1, $2) = (a, b) finds a row,
 * 0 when not, -1 with why. */
static int
exists2(history *h, const char *sql, const char *a, const char *b, char *why,
    size_t whylen)
{
	const char *p[2] = { a, b };
	uint64_t n = 0;

	if (exec(h, sql, p, 2, on_count, &n, why, whylen) < 0)
		return -1;
	return n > 0;
}

int
history_sent(history *h, const char *report_id, const char *dest, char *why,
    size_t whylen)
{
	return exists2(h, "SELECT COUNT(*) FROM dmarc_sent WHERE report_id = $1"
	    " AND dest = $2", report_id, dest, why, whylen);
}

int
history_mark_sent(history *h, const char *report_id, const char *dest,
    int64_t when, char *why, size_t whylen)
{
	char t[24];
	const char *p[3] = { report_id, dest, t };

	snprintf(t, sizeof(t), "%" PRId64, when);
	return exec(h, "INSERT INTO dmarc_sent VALUES ($1, $2, $3)", p, 3,
	    NULL, NULL, why, whylen);
}

/* -- failure reports (RFC 9991): queued by the daemon, sent by `authmilter
 * report --failure` (contract in report.h) -- */

int
history_failure_add(history *h, const failrep_row *f, unsigned per_hour,
    int *limited, char *why, size_t whylen)
{
	char t[24], since[24], lim[24];
	const char *pc[2] = { f->domain, since };
	const char *pi[7];
	uint64_t n = 0, before = 0, after = 0;

	*limited = 0;
	snprintf(t, sizeof(t), "%" PRId64, f->t);
	snprintf(since, sizeof(since), "%" PRId64, f->t - 3600);
	snprintf(lim, sizeof(lim), "%u", per_hour);
	if (per_hour > 0) {
		if (exec(h, "SELECT COUNT(*) FROM dmarc_failure WHERE domain = $1"
		    " AND t >= $2", pc, 2, on_count, &n, why, whylen) < 0)
			return -1;
		if (n >= per_hour) {
			*limited = 1;
			return 0;
		}
	}
	pi[0] = f->id;
	if (exec(h, "SELECT COUNT(*) FROM dmarc_failure WHERE id = $1", pi, 1,
	    on_count, &before, why, whylen) < 0)
		return -1;
	if (before > 0)
		return 0;
	pi[1] = t; pi[2] = f->domain; pi[3] = f->org_domain; pi[4] = f->ruf;
	pi[5] = f->report != NULL ? f->report : "";
	if (exec(h, "INSERT INTO dmarc_failure VALUES ($1, $2, $3, $4, $5, $6,"
	    " 0) ON CONFLICT DO NOTHING", pi, 6, NULL, NULL, why, whylen) < 0 ||
	    exec(h, "SELECT COUNT(*) FROM dmarc_failure WHERE id = $1", pi, 1,
	    on_count, &after, why, whylen) < 0)
		return -1;
	return after > 0 ? 1 : 0;
}

typedef struct failure_walk {
	history_failure_cb cb;
	void *arg;
} failure_walk;

static int
on_failure(void *arg, size_t ncols, const char *const *v)
{
	failure_walk *w = arg;
	failrep_row r;

	if (ncols < 6)
		return -1;
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", v[0]);
	r.t = strtoll(v[1], NULL, 10);
	snprintf(r.domain, sizeof(r.domain), "%s", v[2]);
	snprintf(r.org_domain, sizeof(r.org_domain), "%s", v[3]);
	snprintf(r.ruf, sizeof(r.ruf), "%s", v[4]);
	r.report = v[5];
	r.report_len = strlen(v[5]);
	return w->cb(w->arg, &r);
}

int
history_failure_pending(history *h, size_t max, history_failure_cb cb,
    void *arg, char *why, size_t whylen)
{
	char m[24];
	const char *p[1] = { m };
	failure_walk w = { cb, arg };

	snprintf(m, sizeof(m), "%zu", max);
	return exec(h, "SELECT id, t, domain, org_domain, ruf, report FROM"
	    " dmarc_failure WHERE done = 0 ORDER BY t, id LIMIT $1", p, 1,
	    on_failure, &w, why, whylen);
}

int
history_failure_done(history *h, const char *id, char *why, size_t whylen)
{
	const char *p[1] = { id };

	return exec(h, "UPDATE dmarc_failure SET done = 1, report = ''"
	    " WHERE id = $1", p, 1, NULL, NULL, why, whylen);
}

int
history_failure_abandon(history *h, const char *id, char *why, size_t whylen)
{
	const char *p[1] = { id };

	return exec(h, "UPDATE dmarc_failure SET done = 2, report = ''"
	    " WHERE id = $1", p, 1, NULL, NULL, why, whylen);
}

int
history_failure_sent(history *h, const char *id, const char *dest, char *why,
    size_t whylen)
{
	return exists2(h, "SELECT COUNT(*) FROM dmarc_failure_sent WHERE id = $1"
	    " AND dest = $2", id, dest, why, whylen);
}

int
history_failure_mark_sent(history *h, const char *id, const char *dest,
    const char *domain, int64_t when, char *why, size_t whylen)
{
	char t[24];
	const char *p[4] = { id, dest, domain, t };

	snprintf(t, sizeof(t), "%" PRId64, when);
	return exec(h, "INSERT INTO dmarc_failure_sent VALUES ($1, $2, $3, $4)",
	    p, 4, NULL, NULL, why, whylen);
}

int
history_failure_count(history *h, const char *domain, const char *dest,
    int64_t since, uint64_t *n, char *why, size_t whylen)
{
	char s[24];
	const char *p[2] = { dest != NULL ? dest : domain, s };

	*n = 0;
	snprintf(s, sizeof(s), "%" PRId64, since);
	return exec(h, dest != NULL ?
	    "SELECT COUNT(*) FROM dmarc_failure_sent WHERE dest = $1 AND t >= $2" :
	    "SELECT COUNT(*) FROM dmarc_failure_sent WHERE domain = $1"
	    " AND t >= $2", p, 2, on_count, n, why, whylen);
}
