/*
 * message/ar_build.c - Authentication-Results and Received-SPF writers
 * (contract in ar_build_int.h).
 *
 * Everything interpolated comes from the network (d= of a signature, the
 * HELO name, a reason quoting a record): every string is reduced to
 * printable ASCII (util/clean.h) before it is written, so nothing can end
 * the header or inject a field; property values are quoted unless they
 * are tokens, and comments are escaped. The folder writes words and
 * breaks lines with CRLF TAB before AR_FOLD_COLUMN.
 */
#include "message/ar_build_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/clean.h"
#include "util/strcopy.h"

#define AR_TAB_WIDTH 8
#define AR_WORD_MAX 1024

typedef struct folder {
	strbuf *out;
	size_t col;
	int line_start;
	int in_quotes;   /* folding inside a quoted-string: keep the space */
} folder;

/* RFC 5322 3.2.2: folding inserts CRLF before white space. Between
 * words we write CRLF TAB (the space is CFWS, so nothing is lost); inside
 * a quoted-string the space itself follows CRLF, so unfolding gives back
 * exactly the text that was quoted. */
static void
f_break(folder *f)
{
	if (f->in_quotes) {
		sb_puts(f->out, "\r\n ");
		f->col = 1;
		f->line_start = 0;
		return;
	}
	sb_puts(f->out, "\r\n\t");
	f->col = AR_TAB_WIDTH;
	f->line_start = 1;
}

/* A word that must not be split; a space goes before it unless a line
 * starts, or `glue` asks for none. */
static void
f_word(folder *f, const char *w, int glue)
{
	size_t n = strlen(w);

	if (!glue && !f->line_start && f->col + 1 + n > AR_FOLD_COLUMN) {
		f_break(f);
		if (f->in_quotes) {   /* the space is already written */
			sb_puts(f->out, w);
			f->col += n;
			return;
		}
	}
	if (!glue && !f->line_start) {
		sb_putc(f->out, ' ');
		f->col++;
	}
	sb_puts(f->out, w);
	f->col += n;
	f->line_start = 0;
}

/* An RFC 2045 token: not empty, token characters only. */
static int
is_token(const char *s)
{
	return *s != '\0' && s[clean_span(s, CLEAN_TOKEN)] == '\0';
}

/* pvalue (RFC 8601 2.2): a token, [local-part] "@" domain, or quoted. */
static void
pvalue(const char *raw, char *out, size_t outlen)
{
	char v[AR_WORD_MAX];
	const char *at;

	clean_copy(v, sizeof(v), raw, CLEAN_PRINT);
	at = strchr(v, '@');
	if (is_token(v) || (at != NULL && strchr(at + 1, '@') == NULL &&
	    is_token(at + 1) && (at == v || (*v != '.' &&
	    clean_span(v, CLEAN_DOTATOM) == (size_t)(at - v))))) {
		strcopy(out, outlen, v);
		return;
	}
	clean_quote(out, outlen, v, '"', '"');
}

static void
prop(folder *f, const char *name, const char *value)
{
	char v[AR_WORD_MAX], w[AR_WORD_MAX + 64];

	if (value == NULL || *value == '\0')
		return;
	pvalue(value, v, sizeof(v));
	snprintf(w, sizeof(w), "%s=%s", name, v);
	f_word(f, w, 0);
}

/* A comment, written word by word so it can fold at its spaces. */
static void
comment(folder *f, const char *text)
{
	char c[AR_WORD_MAX], esc[AR_WORD_MAX * 2 + 3], *word, *save = NULL;

	clean_copy(c, sizeof(c), text, CLEAN_PRINT);
	if (c[0] == '\0')
		return;
	clean_quote(esc, sizeof(esc), c, '(', ')');
	for (word = strtok_r(esc, " ", &save); word != NULL;
	    word = strtok_r(NULL, " ", &save))
		f_word(f, word, 0);
}

static void
reason(folder *f, const char *text)
{
	char v[AR_WORD_MAX], q[AR_WORD_MAX * 2 + 3];

	clean_copy(v, sizeof(v), text, CLEAN_PRINT);
	if (v[0] == '\0')
		return;
	clean_quote(q, sizeof(q), v, '"', '"');
	/* reason="..." may fold only where its quoted text has spaces */
	{
		char *word, *rest = q, first[32 + sizeof(q)];
		int n = 0;

		/* split at every single space (strsep keeps empty words), so
		 * runs of spaces survive the round trip */
		while ((word = strsep(&rest, " ")) != NULL) {
			if (n++ == 0) {
				snprintf(first, sizeof(first), "reason=%s", word);
				f_word(f, first, 0);
				f->in_quotes = 1;
			} else {
				f_word(f, word, 0);
			}
		}
		f->in_quotes = 0;
	}
}

static void
resinfo_start(folder *f, const char *method, const char *result)
{
	char w[128];

	f_word(f, ";", 1);
	f_break(f);
	snprintf(w, sizeof(w), "%s=%s", method, result);
	f_word(f, w, 0);
}

static void
add_spf(folder *f, const spf_result *r, const char *helo)
{
	char c[SPF_REASON_MAX + 64];

	resinfo_start(f, "spf", spf_code_name(r->code));
	snprintf(c, sizeof(c), "%s%s", r->reason,
	    r->dnssec == DNS_SEC_SECURE ? "; dnssec=secure" : "");
	if (r->code == SPF_PASS || r->code == SPF_NONE ||
	    r->code == SPF_NEUTRAL)
		comment(f, c);
	else
		reason(f, c);
	if (r->identity == SPF_ID_MAILFROM)
		prop(f, "smtp.mailfrom", r->domain);
	else
		prop(f, "smtp.helo", helo != NULL && *helo ? helo : r->domain);
}

/* RFC 8601 2.7.3: iprev=RESULT policy.iprev=IP (NAME; dnssec=secure) */
static void
add_iprev(folder *f, const msg_iprev_result *r)
{
	char c[DNS_MAX_NAME_LEN + 64];
	size_t n = 0;

	resinfo_start(f, "iprev", msg_iprev_name(r->code));
	if (r->code != MSG_IPREV_PASS && r->why[0] != '\0')
		reason(f, r->why);
	prop(f, "policy.iprev", r->ip);
	c[0] = '\0';
	if (r->name[0] != '\0')
		n = (size_t)snprintf(c, sizeof(c), "%s", r->name);
	if (r->code == MSG_IPREV_PASS && r->ptr_sec == DNS_SEC_SECURE &&
	    r->fwd_sec == DNS_SEC_SECURE && n < sizeof(c))
		snprintf(c + n, sizeof(c) - n, "%sdnssec=secure", n ? "; " : "");
	comment(f, c);
}

static void
add_dkim(folder *f, const dkim_sigresult *s)
{
	char c[256], keytype[16];
	size_t n = 0;

	resinfo_start(f, "dkim", dkim_result_name(s->result));
	c[0] = '\0';
	snprintf(keytype, sizeof(keytype), "%s",
	    strncmp(s->a, "ed25519", 7) == 0 ? "ed25519" : "rsa");
	if (s->key_bits > 0)
		n += (size_t)snprintf(c + n, sizeof(c) - n, "%u-bit %s key",
		    s->key_bits, keytype);
	if (s->key_sec == DNS_SEC_SECURE && n < sizeof(c))
		n += (size_t)snprintf(c + n, sizeof(c) - n, "%sdnssec=secure",
		    n ? "; " : "");
	if (s->testing && n < sizeof(c))
		n += (size_t)snprintf(c + n, sizeof(c) - n, "%stesting",
		    n ? "; " : "");
	if (s->body_unsigned > 0 && n < sizeof(c))
		n += (size_t)snprintf(c + n, sizeof(c) - n,
		    "%s%" PRIu64 " body bytes unsigned", n ? "; " : "",
		    s->body_unsigned);
	if (s->result != DKIM_PASS)
		reason(f, s->reason);
	comment(f, c);
	prop(f, "header.d", s->d);
	prop(f, "header.i", s->i);
	prop(f, "header.s", s->s);
	prop(f, "header.a", s->a);
	prop(f, "header.b", s->b);
}

/* The sealers (ARC-Seal d=, newest first, each once) written in arc's
 * comment: at most AR_ARC_SEALERS of them (local limit: a chain has up to
 * 50 and the sender writes them all), each cut to a domain's length. */
#define AR_ARC_SEALERS 4

static void
arc_sealers(const arc_chain *c, char *out, size_t outlen)
{
	size_t n = 0, shown = 0, more = 0;
	unsigned i, j;

	n = (size_t)snprintf(out, outlen, "sealed by");
	for (i = c->nsets; i >= 1 && i <= ARC_MAX_SETS; i--) {
		const char *d = c->sealer[i - 1];
		int seen = 0;

		if (d[0] == '\0')
			continue;
		for (j = c->nsets; j > i && !seen; j--)
			seen = strcasecmp(c->sealer[j - 1], d) == 0;
		if (seen)
			continue;
		if (shown == AR_ARC_SEALERS) {
			more++;
			continue;
		}
		if (n < outlen)
			n += (size_t)snprintf(out + n, outlen - n, "%s %.*s",
			    shown ? "," : "", DKIM_MAX_DOMAIN, d);
		shown++;
	}
	if (more > 0 && n < outlen)
		snprintf(out + n, outlen - n, " and %zu more", more);
	if (shown == 0)
		out[0] = '\0';
}

/* RFC 8617 (and the IANA Authentication-Results registry):
 * arc=RESULT (sealed by D, ...) header.oldest-pass=N smtp.remote-ip=IP */
static void
add_arc(folder *f, const arc_chain *c, const char *ip)
{
	char s[AR_ARC_SEALERS * (DKIM_MAX_DOMAIN + 2) + 48];
	char n[16];

	resinfo_start(f, "arc", arc_result_name(c->result));
	if (c->result == ARC_FAIL)
		reason(f, c->reason);
	arc_sealers(c, s, sizeof(s));
	comment(f, s);
	if (c->result == ARC_PASS && c->oldest_pass > 0) {
		snprintf(n, sizeof(n), "%u", c->oldest_pass);
		prop(f, "header.oldest-pass", n);
	}
	prop(f, "smtp.remote-ip", ip);
}

static void
add_dmarc(folder *f, const dmarc_result *d, const char *sealer)
{
	char c[128 + DKIM_MAX_DOMAIN + 16];
	const dmarc_record *rec = &d->record;

	resinfo_start(f, "dmarc", dmarc_result_name(d->result));
	if (d->have_record) {
		size_t n = (size_t)snprintf(c, sizeof(c), "p=%s",
		    dmarc_policy_name(rec->p));

		if (rec->sp != DMARC_P_UNSET)
			n += (size_t)snprintf(c + n, sizeof(c) - n, " sp=%s",
			    dmarc_policy_name(rec->sp));
		if (rec->np != DMARC_P_UNSET && n < sizeof(c))
			n += (size_t)snprintf(c + n, sizeof(c) - n, " np=%s",
			    dmarc_policy_name(rec->np));
		if (n < sizeof(c))
			n += (size_t)snprintf(c + n, sizeof(c) - n, " dis=%s",
			    dmarc_policy_name(d->disposition));
		if (d->override != DMARC_OVERRIDE_NONE && n < sizeof(c))
			n += (size_t)snprintf(c + n, sizeof(c) - n,
			    " override=%s", dmarc_override_name(d->override));
		if (sealer != NULL && n < sizeof(c))
			n += (size_t)snprintf(c + n, sizeof(c) - n,
			    " arc.sealer=%.*s", DKIM_MAX_DOMAIN, sealer);
		if (d->sec == DNS_SEC_SECURE && n < sizeof(c))
			snprintf(c + n, sizeof(c) - n, " dnssec=secure");
		comment(f, c);
	}
	if (d->result != DMARC_RESULT_PASS && d->reason[0] != '\0')
		reason(f, d->reason);
	prop(f, "header.from", d->from_domain);
	if (d->have_record && d->policy != DMARC_P_UNSET)
		prop(f, "policy.dmarc", dmarc_policy_name(d->policy));
}

int
ar_build(const ar_input *in, strbuf *out)
{
	folder f = { out, sizeof("Authentication-Results:") - 1, 0, 0 };
	char id[DNS_MAX_NAME_LEN + 1], v[DNS_MAX_NAME_LEN * 2 + 3];
	size_t i;

	sb_reset(out);
	clean_copy(id, sizeof(id), in->authserv_id, CLEAN_PRINT);
	pvalue(id[0] != '\0' ? id : "localhost", v, sizeof(v));
	f_word(&f, v, 0);
	if (in->none) {
		f_word(&f, ";", 1);
		f_word(&f, "none", 0);
		return out->failed ? -1 : 0;
	}
	if (in->auth_user != NULL) {
		resinfo_start(&f, "auth", "pass");
		prop(&f, "smtp.auth", in->auth_user);
	}
	if (in->iprev != NULL)
		add_iprev(&f, in->iprev);
	if (in->spf_mailfrom != NULL)
		add_spf(&f, in->spf_mailfrom, in->helo);
	if (in->spf_helo != NULL && in->helo != NULL && *in->helo != '\0')
		add_spf(&f, in->spf_helo, in->helo);
	if (in->dkim_evaluated) {
		if (in->ndkim == 0) {
			resinfo_start(&f, "dkim", "none");
			comment(&f, "no signature");
		}
		for (i = 0; i < in->ndkim; i++)
			add_dkim(&f, in->dkim[i]);
	}
	if (in->arc != NULL)
		add_arc(&f, in->arc, in->remote_ip);
	if (in->dmarc != NULL)
		add_dmarc(&f, in->dmarc, in->arc_trusted_sealer);
	return out->failed ? -1 : 0;
}

int
received_spf_build(const spf_result *r, const char *ip, const char *helo,
    const char *receiver, strbuf *out)
{
	folder f = { out, sizeof("Received-SPF:") - 1, 0, 0 };
	char c[SPF_REASON_MAX + DNS_MAX_NAME_LEN + 64], rcv[DNS_MAX_NAME_LEN + 1];
	char w[AR_WORD_MAX + 32], v[AR_WORD_MAX];

	sb_reset(out);
	clean_copy(rcv, sizeof(rcv), receiver != NULL && *receiver ? receiver :
	    "localhost", CLEAN_PRINT);
	f_word(&f, spf_code_name(r->code), 0);
	snprintf(c, sizeof(c), "%s: %s", rcv, r->reason);
	comment(&f, c);
	snprintf(w, sizeof(w), "receiver=%s;", rcv);
	f_word(&f, w, 0);
	pvalue(ip, v, sizeof(v));
	snprintf(w, sizeof(w), "client-ip=%s;", v);
	f_word(&f, w, 0);
	if (r->identity == SPF_ID_MAILFROM) {
		pvalue(r->sender, v, sizeof(v));
		snprintf(w, sizeof(w), "envelope-from=%s;", v);
		f_word(&f, w, 0);
	}
	if (helo != NULL && *helo != '\0') {
		pvalue(helo, v, sizeof(v));
		snprintf(w, sizeof(w), "helo=%s;", v);
		f_word(&f, w, 0);
	}
	snprintf(w, sizeof(w), "identity=%s;", spf_identity_name(r->identity));
	f_word(&f, w, 0);
	if (r->mechanism[0] != '\0') {
		/* mechanisms hold ':' and '/': always a quoted string */
		char q[AR_WORD_MAX + 3];

		clean_copy(v, sizeof(v), r->mechanism, CLEAN_PRINT);
		snprintf(q, sizeof(q), "\"%s\"", v);
		if (strpbrk(v, "\"\\") == NULL) {
			snprintf(w, sizeof(w), "mechanism=%s;", q);
			f_word(&f, w, 0);
		}
	}
	/* drop the last ';' (key-value-list separators, RFC 7208 9.1) */
	if (out->len > 0 && out->s[out->len - 1] == ';')
		sb_truncate(out, out->len - 1);
	return out->failed ? -1 : 0;
}
