/*
 * report/history_schema.c - the history store's schema: the tables and
 * indexes every open creates when missing (schema[]), what an older store
 * lacks and is slow to build (schema_later[]: history_upgrade(), or the
 * open unless HISTORY_DEFER_INDEX), the check that a writing caller
 * (HISTORY_WRITE) may write the store, the backend's storage tuning, and
 * the notes an open leaves for its caller to log (history_note()).
 * history_schema_open() is the part of history_open_mode() after the
 * connection: 0, or -1 with why (the caller closes the handle). Contract
 * in report.h; the backend interface and struct history in history_int.h.
 */
#include "report/history_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS dmarc_records ("
	" t BIGINT NOT NULL, source_ip TEXT NOT NULL, header_from TEXT NOT NULL,"
	" envelope_from TEXT NOT NULL, envelope_to TEXT NOT NULL,"
	" policy_domain TEXT NOT NULL, org_domain TEXT NOT NULL,"
	" spf_domain TEXT NOT NULL, spf_scope TEXT NOT NULL,"
	" spf_result TEXT NOT NULL, dkim TEXT NOT NULL,"
	" dmarc_result TEXT NOT NULL, disposition TEXT NOT NULL,"
	" dkim_aligned INTEGER NOT NULL, spf_aligned INTEGER NOT NULL,"
	" reasons TEXT NOT NULL, discovery TEXT NOT NULL,"
	" p TEXT NOT NULL, sp TEXT NOT NULL, np TEXT NOT NULL,"
	" adkim TEXT NOT NULL, aspf TEXT NOT NULL, fo TEXT NOT NULL,"
	" testing TEXT NOT NULL, psd TEXT NOT NULL,"
	" rua TEXT NOT NULL, ruf TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS dmarc_records_domain_t"
	" ON dmarc_records (policy_domain, t)",
	"CREATE INDEX IF NOT EXISTS dmarc_records_t ON dmarc_records (t)",
	"CREATE TABLE IF NOT EXISTS dmarc_sent ("
	" report_id TEXT NOT NULL, dest TEXT NOT NULL, t BIGINT NOT NULL,"
	" PRIMARY KEY (report_id, dest))",
	/* failure reports (RFC 9991) waiting for `authmilter report
	 * --failure`, and where each went */
	"CREATE TABLE IF NOT EXISTS dmarc_failure ("
	" id TEXT PRIMARY KEY, t BIGINT NOT NULL, domain TEXT NOT NULL,"
	" org_domain TEXT NOT NULL, ruf TEXT NOT NULL, report TEXT NOT NULL,"
	" done INTEGER NOT NULL)",
	"CREATE INDEX IF NOT EXISTS dmarc_failure_domain_t"
	" ON dmarc_failure (domain, t)",
	"CREATE TABLE IF NOT EXISTS dmarc_failure_sent ("
	" id TEXT NOT NULL, dest TEXT NOT NULL, domain TEXT NOT NULL,"
	" t BIGINT NOT NULL, PRIMARY KEY (id, dest))",
};

/* What an older store lacks and is slow to build (history_upgrade()). */
static const char *const schema_later[] = {
	/* the report of one UTC day (history_rows_all): the day's rows in
	 * grouping order, so the store groups them as it walks this index
	 * instead of sorting the day's records (t makes it covering). Added
	 * by issue 16: on a store made before, the first open builds it (the
	 * daemon's in its writer thread, not at start). */
	"CREATE INDEX IF NOT EXISTS dmarc_records_day_group ON dmarc_records"
	" ((t / 86400), policy_domain, " GROUP_COLS ", t)",
};

static int
first_int(void *arg, size_t ncols, const char *const *vals)
{
	*(int *)arg = ncols > 0 && vals[0] != NULL ? atoi(vals[0]) : -1;
	return 0;
}

/* 1: dmarc_records holds no record; 0: it does; -1: unknown. */
static int
store_empty(history *h)
{
	char why[256];
	int any = -1;

	if (h->ops->exec(h->db, "SELECT COUNT(*) FROM (SELECT 1 FROM"
	    " dmarc_records LIMIT 1) AS one", NULL, 0, first_int, &any, why,
	    sizeof(why)) < 0)
		return -1;
	return any == 0 ? 1 : any == 1 ? 0 : -1;
}

/* One statement of the schema. PostgreSQL checks the right to create
 * (CREATE on the schema; owning the table, for an index) before it sees
 * that the object is there, so a role granted the use of a store another
 * role made could not open it: with the backend's exists(), a "CREATE
 * TABLE/INDEX IF NOT EXISTS NAME" whose NAME is there is not run again.
 * Any other statement (an "ADD COLUMN IF NOT EXISTS", whose name is a
 * column's) always runs. */
static int
schema_exec(history *h, const char *sql, char *why, size_t whylen)
{
	static const char *const creates[] = {
		"CREATE TABLE IF NOT EXISTS ", "CREATE INDEX IF NOT EXISTS ",
	};
	const char *p = NULL;
	char name[64];
	size_t n, i;
	int rc;

	for (i = 0; i < sizeof(creates) / sizeof(creates[0]); i++)
		if (strncmp(sql, creates[i], strlen(creates[i])) == 0)
			p = sql + strlen(creates[i]);
	if (h->ops->exists != NULL && p != NULL) {
		n = strcspn(p, " (");
		if (n > 0 && n < sizeof(name)) {
			memcpy(name, p, n);
			name[n] = '\0';
			if ((rc = h->ops->exists(h->db, name, why, whylen)) != 0)
				return rc < 0 ? -1 : 0;
		}
	}
	return h->ops->exec(h->db, sql, NULL, 0, NULL, NULL, why, whylen);
}

const char *
history_note(const history *h)
{
	return history_note_at(h, 0);
}

const char *
history_note_at(const history *h, size_t i)
{
	const char *n[2];
	size_t k = 0;

	if (h == NULL)
		return NULL;
	if (h->note[0] != '\0')
		n[k++] = h->note;
	if (h->note_index[0] != '\0')
		n[k++] = h->note_index;
	return i < k ? n[i] : NULL;
}

/* schema_later on the store: 0, or -1 with why. When it failed because
 * this connection may not change the schema (PostgreSQL: another role
 * owns the table; SQLite: a read-only file), 0 with the line to log in
 * note: the store is read and written as before, its queries only
 * slower without the index (none requires it). */
static int
upgrade(history *h, char *note, size_t notelen, char *why, size_t whylen)
{
	char who[384], err[256];
	size_t i;

	for (i = 0; i < sizeof(schema_later) / sizeof(schema_later[0]); i++)
		if (schema_exec(h, schema_later[i], why, whylen) < 0) {
			if (h->ops->may_alter == NULL || h->ops->may_alter(h->db,
			    who, sizeof(who), err, sizeof(err)) != 0)
				return -1;
			snprintf(note, notelen, "history: %s: it lacks the index"
			    " dmarc_records_day_group (added by this version,"
			    " for the daily report) and this connection cannot"
			    " create it; reports are made without it, the same"
			    " but slower. To build it, run authmilter once as"
			    " the store's owner (the daemon or authmilter"
			    " report), or the owner runs: %s", who,
			    schema_later[i]);
			return 0;
		}
	return 0;
}

/* HISTORY_WRITE: 0 when this connection may write the store, else -1
 * with why naming the store and what is missing (a writer that could
 * not record what it did would repeat it: a failure report mailed at
 * every run, the rate limit never counting it). */
static int
may_write(history *h, char *why, size_t whylen)
{
	char who[384];
	int rc;

	if (h->ops->may_write == NULL)
		return 0;
	rc = h->ops->may_write(h->db, who, sizeof(who), why, whylen);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		snprintf(why, whylen, "history store %s: this command writes"
		    " the store (records, reports sent, failure reports done)"
		    " and cannot: nothing done; give this process write"
		    " access, or only read (authmilter report --out)", who);
		return -1;
	}
	return 0;
}

int
history_schema_open(history *h, int mode, char *why, size_t whylen)
{
	size_t i;

	for (i = 0; i < sizeof(schema) / sizeof(schema[0]); i++)
		if (schema_exec(h, schema[i], why, whylen) < 0)
			return -1;
	if ((mode & HISTORY_WRITE) && may_write(h, why, whylen) < 0)
		return -1;
	if (h->ops->tune != NULL && h->ops->tune(h->db, h->note,
	    sizeof(h->note), why, whylen) < 0)
		return -1;
	/* deferred only where there is something to index: on an empty
	 * store (a new one) the build is instant */
	if ((!(mode & HISTORY_DEFER_INDEX) || store_empty(h) == 1) &&
	    upgrade(h, h->note_index, sizeof(h->note_index), why, whylen) < 0)
		return -1;
	return 0;
}

int
history_upgrade(history *h, char *why, size_t whylen)
{
	char note[sizeof(h->note_index)];

	note[0] = '\0';
	if (upgrade(h, note, sizeof(note), why, whylen) < 0)
		return -1;
	if (note[0] != '\0') {
		snprintf(why, whylen, "%s", note);
		return -1;
	}
	return 0;
}
