/*
 * daemon/msglog.c - the per-message log line (text KEY=VALUE or JSON) and
 * the -d line of each DNS question (contract in msglog_int.h).
 *
 * Every value that a sender or its DNS can choose (HELO, client name,
 * MAIL FROM and From domains, d=, reasons, the Authentication-Results
 * text, DNS names and records) goes through one writer, kv_str(), which
 * either writes it bare (printable ASCII with no '"', '\' or '=') or
 * quotes and escapes it: a HELO of "x ip=192.0.2.9" stays one value,
 * helo="x ip=192.0.2.9", and never becomes a field.
 */
#include "daemon/msglog_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log_int.h"
#include "util/clean.h"
#include "util/envaddr.h"

/* Local limits, in octets of a value as written (before the quotes): a
 * DNS name is at most 253 characters (RFC 1035 2.3.4), so 160 cuts only
 * the hostile; the sum stays far below MSGLOG_LINE_MAX, and the
 * Authentication-Results text (last) gets what is left. */
#define KV_ID_MAX 64
#define KV_WORD_MAX 24
#define KV_NAME_MAX 160
#define KV_DKIM_MAX 240
#define KV_REASON_MAX 200
#define KV_VALUE_BUF 2048   /* the largest cap, plus "..." */

typedef struct kv {
	int json;
	strbuf *sb;         /* text */
	json_t *obj;        /* json */
} kv;

static int
bare_ok(const char *v, size_t cap)
{
	size_t n = 0;

	if (*v == '\0' || strcmp(v, "-") == 0)
		return 0;
	for (; v[n] != '\0'; n++)
		if (!clean_is(v[n], CLEAN_VCHAR) || v[n] == '"' ||
		    v[n] == '\\' || v[n] == '=')
			return 0;
	return n <= cap;
}

/* The text form of one value: bare, or quoted and escaped, at most cap
 * octets between the quotes (then "..."). */
static void
put_text(strbuf *sb, const char *v, size_t cap)
{
	const unsigned char *p;
	size_t used = 0;
	char esc[5];
	size_t n;

	if (v == NULL) {
		sb_putc(sb, '-');
		return;
	}
	if (bare_ok(v, cap)) {
		sb_puts(sb, v);
		return;
	}
	sb_putc(sb, '"');
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		const unsigned char *run = p;

		/* octets written as they are go in one append */
		while (*p != '\0' && *p != '"' && *p != '\\' &&
		    clean_is(*p, CLEAN_PRINT) && used < cap) {
			p++;
			used++;
		}
		if (p > run)
			sb_append(sb, (const char *)run, (size_t)(p - run));
		if (*p == '\0')
			break;
		/* *p needs escaping, or the cap is reached */
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			n = 2;
		} else if (clean_is(*p, CLEAN_PRINT)) {
			esc[0] = (char)*p;
			n = 1;
		} else {
			snprintf(esc, sizeof(esc), "\\x%02X", *p);
			n = 4;
		}
		if (used + n > cap) {
			sb_puts(sb, "...");
			break;
		}
		sb_append(sb, esc, n);
		used += n;
	}
	sb_putc(sb, '"');
}

/* One string field; v NULL: absent ("-", JSON null). */
static void
kv_str(kv *w, const char *key, const char *v, size_t cap)
{
	if (w->json) {
		char buf[KV_VALUE_BUF + 4];
		size_t len, i, used = 0, n;

		if (v == NULL) {
			json_object_set_new(w->obj, key, json_null());
			return;
		}
		if (cap > KV_VALUE_BUF)
			cap = KV_VALUE_BUF;
		len = clean_utf8(buf, cap + 1, v, CLEAN_PRINT);
		/* cap counts octets as written: JSON doubles '"' and '\'
		 * (and nothing else: no controls are left, UTF-8 stays) */
		for (i = 0; i < len; i++) {
			n = buf[i] == '"' || buf[i] == '\\' ? 2 : 1;
			if (used + n > cap)
				break;
			used += n;
		}
		while (i < len && i > 0 && (buf[i] & 0xC0) == 0x80)
			i--;	/* never split a UTF-8 character */
		if (i < len || strlen(v) > cap)
			memcpy(buf + i, "...", 4);
		else
			buf[i] = '\0';
		json_object_set_new(w->obj, key, json_string(buf));
		return;
	}
	if (w->sb->len > 0)
		sb_putc(w->sb, ' ');
	sb_puts(w->sb, key);
	sb_putc(w->sb, '=');
	put_text(w->sb, v, cap);
}

static void
kv_uint(kv *w, const char *key, unsigned long n)
{
	if (w->json) {
		json_object_set_new(w->obj, key, json_integer((json_int_t)n));
		return;
	}
	sb_printf(w->sb, "%s%s=%lu", w->sb->len > 0 ? " " : "", key, n);
}

/* "pass:example.com,fail:other.example" (result:d= per signature, in
 * order), "none" without signatures. */
static void
dkim_list(const msg_verdict *v, strbuf *out)
{
	size_t i;

	if (v->ndkim == 0) {
		sb_puts(out, "none");
		return;
	}
	for (i = 0; i < v->ndkim && !out->failed; i++)
		sb_printf(out, "%s%s:%s", i > 0 ? "," : "",
		    dkim_result_name(v->dkim[i]->result), v->dkim[i]->d);
}

static void
from_list(const msg_verdict *v, strbuf *out)
{
	size_t i;

	for (i = 0; v->from != NULL && i < v->from->ndomains && !out->failed;
	    i++)
		sb_printf(out, "%s%s", i > 0 ? "," : "", v->from->domains[i]);
}

/* The Authentication-Results text on one line: folding and runs of
 * white space become one space. */
static void
unfold(const char *s, strbuf *out)
{
	static const char ws[] = " \t\r\n";
	size_t n;

	while (s != NULL && *s != '\0' && !out->failed) {
		n = strspn(s, ws);
		if (n > 0 && out->len > 0 && s[n] != '\0')
			sb_putc(out, ' ');
		s += n;
		n = strcspn(s, ws);	/* a word, appended at once */
		sb_append(out, s, n);
		s += n;
	}
}

int
msglog_line(const msglog_facts *f, const msg_verdict *v, int json,
    strbuf *out)
{
	const char *verdict = msg_action_name(v->action);
	const char *mf = f->mail_from, *mfd;
	const dmarc_result *d = v->skipped ? NULL : v->dmarc;
	strbuf dk, from, ar;
	kv w = { json, out, NULL };
	size_t used, cap;
	int rc = 0;

	sb_reset(out);
	if (json && (w.obj = json_object()) == NULL)
		return -1;
	sb_init(&dk);
	sb_init(&from);
	sb_init(&ar);
	mfd = mf == NULL ? NULL : *mf == '\0' ? "<>" :
	    envaddr_domain(mf) != NULL ? envaddr_domain(mf) : mf;
	kv_str(&w, "qid", f->qid, KV_ID_MAX);
	kv_str(&w, "id", f->id, KV_ID_MAX);
	kv_str(&w, "ip", f->ip, KV_ID_MAX);
	kv_str(&w, "action", f->action, KV_WORD_MAX);
	kv_str(&w, "code", f->code, KV_WORD_MAX);
	kv_str(&w, "dsn", f->dsn, KV_WORD_MAX);
	kv_str(&w, "verdict", verdict, KV_WORD_MAX);
	kv_uint(&w, "time_ms", f->time_ms);
	kv_uint(&w, "dns_wait_ms", v->dns_wait_ms);
	kv_str(&w, "client", f->client, KV_NAME_MAX);
	/* iprev (config key iprev): only when checked, so the line of a
	 * site without it keeps its fields */
	if (!v->skipped && v->iprev != NULL)
		kv_str(&w, "iprev", msg_iprev_name(v->iprev->code), KV_WORD_MAX);
	kv_str(&w, "helo", f->helo, KV_NAME_MAX);
	/* upstream_networks: only for mail through a gateway */
	if (!v->skipped && v->upstream != NULL)
		kv_str(&w, "upstream", v->upstream, KV_REASON_MAX);
	kv_str(&w, "mailfrom", mfd, KV_NAME_MAX);
	from_list(v, &from);
	kv_str(&w, "from", from.len > 0 ? from.s : NULL, KV_NAME_MAX);
	kv_str(&w, "spf", v->skipped || v->spf == NULL ? NULL :
	    spf_code_name(v->spf->code), KV_WORD_MAX);
	if (!v->skipped)
		dkim_list(v, &dk);
	kv_str(&w, "dkim", v->skipped ? NULL : dk.s, KV_DKIM_MAX);
	/* ARC (config key arc): only when verified */
	if (!v->skipped && v->arc != NULL)
		kv_str(&w, "arc", arc_result_name(v->arc->result), KV_WORD_MAX);
	kv_str(&w, "dmarc", v->skipped ? NULL : v->bad_from ? "permerror" :
	    d != NULL ? dmarc_result_name(d->result) : "none", KV_WORD_MAX);
	kv_str(&w, "dmarc_policy", d != NULL && d->have_record ?
	    dmarc_policy_name(d->policy) : NULL, KV_WORD_MAX);
	kv_str(&w, "dmarc_disposition", d != NULL && d->have_record ?
	    dmarc_policy_name(d->disposition) : NULL, KV_WORD_MAX);
	kv_str(&w, "dkim_sign", f->sign, KV_WORD_MAX);
	kv_str(&w, "sign_d", f->sign != NULL ? f->sign_d : NULL, KV_NAME_MAX);
	kv_str(&w, "sign_s", f->sign != NULL ? f->sign_s : NULL, KV_NAME_MAX);
	kv_str(&w, "sign_error", f->sign != NULL ? f->sign_error : NULL,
	    KV_REASON_MAX);
	/* arc_seal: only when set and the message checked */
	if (v->arc_seal_note != NULL)
		kv_str(&w, "arc_seal", v->arc_seal_note, KV_REASON_MAX);
	kv_str(&w, "reason", v->reason, KV_REASON_MAX);
	unfold(v->auth_results, &ar);
	/* what the line has left, for the header text */
	if (json) {
		char *s = json_dumps(w.obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

		used = s != NULL ? strlen(s) : MSGLOG_LINE_MAX;
		free(s);
	} else {
		used = out->len;
	}
	cap = used + 16 < MSGLOG_LINE_MAX ? MSGLOG_LINE_MAX - used - 16 : 0;
	kv_str(&w, "ar", v->auth_results != NULL ? ar.s : NULL, cap);
	if (json) {
		char *s = json_dumps(w.obj, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s == NULL || sb_puts(out, s) < 0)
			rc = -1;
		free(s);
		json_decref(w.obj);
	}
	sb_free(&dk);
	sb_free(&from);
	sb_free(&ar);
	return rc < 0 || out->failed ? -1 : 0;
}

int
msglog_passed(const msg_verdict *v, const char *sent)
{
	size_t i;

	if (strcmp(sent, "accept") != 0 || v->action != MSG_ACCEPT)
		return 0;
	if (v->skipped)
		return 1;
	if (v->bad_from || v->arc_seal_failed)
		return 0;
	if (v->spf != NULL && (v->spf->code == SPF_FAIL ||
	    v->spf->code == SPF_SOFTFAIL || v->spf->code == SPF_TEMPERROR ||
	    v->spf->code == SPF_PERMERROR))
		return 0;
	for (i = 0; i < v->ndkim; i++)
		if (v->dkim[i]->result == DKIM_FAIL ||
		    v->dkim[i]->result == DKIM_POLICY ||
		    v->dkim[i]->result == DKIM_TEMPERROR ||
		    v->dkim[i]->result == DKIM_PERMERROR)
			return 0;
	if (v->dmarc != NULL && (v->dmarc->result == DMARC_RESULT_FAIL ||
	    v->dmarc->result == DMARC_RESULT_TEMPERROR ||
	    v->dmarc->result == DMARC_RESULT_PERMERROR))
		return 0;
	return 1;
}

/* The records of an answer, "; " between them. */
static void
answer_text(const dns_answer *a, strbuf *out)
{
	char rec[DNS_MAX_NAME_LEN + 16];
	size_t i;

	for (i = 0; i < a->count && !out->failed; i++)
		sb_printf(out, "%s%s", i > 0 ? "; " : "",
		    dns_record_text(&a->records[i], rec, sizeof(rec)));
}

int
msglog_dns_line(const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info, strbuf *out)
{
	kv w = { 0, out, NULL };
	strbuf ans;
	char rc[32];

	sb_reset(out);
	sb_init(&ans);
	sb_puts(out, "dns:");
	kv_str(&w, "q", name, KV_NAME_MAX + 100);
	kv_str(&w, "type", dns_type_name(type), KV_WORD_MAX);
	kv_str(&w, "status", dns_status_name(a->status), KV_WORD_MAX);
	kv_str(&w, "rcode", a->rcode >= 0 ? dns_rcode_name(a->rcode, rc,
	    sizeof(rc)) : NULL, KV_WORD_MAX);
	kv_str(&w, "sec", dns_sec_name(a->sec), KV_WORD_MAX);
	kv_uint(&w, "ms", info->ms);
	kv_str(&w, "src", info->local ? "local" : "resolver", KV_WORD_MAX);
	kv_str(&w, "why", a->why[0] != '\0' ? a->why : NULL, KV_REASON_MAX);
	kv_uint(&w, "n", a->count);
	answer_text(a, &ans);
	kv_str(&w, "answer", a->count > 0 ? ans.s : NULL,
	    MSGLOG_DNS_ANSWER_MAX);
	sb_free(&ans);
	return out->failed ? -1 : 0;
}

void
msglog_dns_trace(void *arg, const char *name, dns_type type,
    const dns_answer *a, const dns_trace_info *info)
{
	strbuf line;

	(void)arg;
	sb_init(&line);
	if (msglog_dns_line(name, type, a, info, &line) == 0)
		log_msg(LOG_DEBUG, info->tag[0] != '\0' ? info->tag : NULL,
		    "%s", line.s);
	sb_free(&line);
}
