/*
 * cli/cmd_check.c - `authmilter check`: the milter's whole evaluation
 * of one message, from the command line.
 *
 *   authmilter check --ip IP --helo NAME --mail-from ADDR [--rcpt ADDR]...
 *       [--auth USER] [-c FILE] [--authserv-id ID] [--set KEY=VALUE]...
 *       [--now EPOCH] [--json] [--explain] [--record] [--history DB]
 *       [DNS flags] < message.eml
 *
 * It drives message.c with exactly the calls the milter callbacks make
 * (connect, helo, mail, rcpt, each header, eoh, body chunks, eom), with the
 * configuration the daemon would read (/etc/authmilter.conf when present,
 * or -c; flags and --set override keys), and prints the
 * Authentication-Results header the milter would add and the action. The
 * message is streamed through msgparse (LF or CRLF). --json prints
 * {"spf", "dkim", "dmarc", "authentication_results", "action", ...};
 * --explain prints, for a person, every DNS answer consulted and every
 * alignment decision. --record stores the verdict's report record in the
 * history store (key `history`, or --history) exactly as the milter's
 * writer would, dated --now (default: now). With arc_seal, the ARC set
 * the milter would add on top (or why none) is printed first, and in
 * --json as "arc_seal" {sealed, error, fields, note}.
 */
#include "cli/cli.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "report/report.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "cli/json_out_int.h"
#include "message/message.h"
#include "util/clean.h"
#include "util/strbuf.h"

#define CHECK_MAX_RCPT 64
#define CHECK_READ_CHUNK 65536

typedef struct check_opts {
	const char *ip, *helo, *mail_from, *auth, *hostname;
	const char *rcpt[CHECK_MAX_RCPT];
	size_t nrcpt;
	const char *config_path;
	int config_given;
	cli_overrides cov;
	int64_t now;
	int json, explain, record;
} check_opts;

/* --explain: every DNS answer, from whichever thread waited for it. */
typedef struct trace {
	pthread_mutex_t mu;
	strbuf text;
} trace;

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: authmilter check --ip IP --helo NAME --mail-from ADDR [--rcpt ADDR]...\n"
	    "           [--auth USER] [--hostname NAME] [-c FILE] [--authserv-id ID]\n"
	    "           [--set KEY=VALUE]... [--now EPOCH] [--json] [--explain]\n"
	    "           [--record [--history DB]] [DNS options] < message\n"
	    "\n"
	    "Runs the milter's evaluation (SPF, DKIM, DMARC) of the message on stdin and\n"
	    "prints the Authentication-Results header it would add and its action.\n"
	    "  --ip IP            the SMTP client address\n"
	    "  --helo NAME        the HELO/EHLO name\n"
	    "  --mail-from ADDR   the envelope sender, with or without <>; \"\" or\n"
	    "                     \"<>\" is the null sender\n"
	    "  --rcpt ADDR        an envelope recipient (repeatable)\n"
	    "  --auth USER        the client authenticated as USER (SMTP AUTH)\n"
	    "  --hostname NAME    the client's verified host name\n"
	    "  -c FILE            config file (default " CONFIG_DEFAULT_PATH " if present)\n"
	    "  --authserv-id ID   authserv-id of the header\n"
	    "  --set KEY=VALUE    override a config key (repeatable)\n"
	    "  --now EPOCH        the time for DKIM t=/x= checks (and of --record)\n"
	    "  --record           store the report record in the history store\n"
	    "  --history DB       the history store (SQLite path or postgresql:// URI)\n"
	    "  --json             print a JSON object\n"
	    "  --explain          print every DNS answer and alignment decision\n"
	    "  -h, --help         this text\n"
	    "\n%s", cli_dns_usage());
}


enum { O_RCPT = 1, O_NOW };

static int
check_option(void *arg, int id, const char *val)
{
	check_opts *o = arg;

	switch (id) {
	case O_RCPT:
		if (o->nrcpt < CHECK_MAX_RCPT)
			o->rcpt[o->nrcpt++] = val;
		return OPT_OK;
	case O_NOW:
		return cli_now(val, &o->now) < 0 ?
		    OPT_FAIL : OPT_OK;
	}
	return cli_override_option(&o->cov, id, val) < 0 ? OPT_FAIL : OPT_OK;
}

/* CLI_PARSED, or the exit code. */
static int
parse_args(int argc, char **argv, check_opts *o)
{
	const opt_spec spec[] = {
		{ "ip", 0, OPT_ARG, 0, &o->ip, NULL },
		{ "helo", 0, OPT_ARG, 0, &o->helo, NULL },
		{ "mail-from", 0, OPT_ARG, 0, &o->mail_from, NULL },
		{ "rcpt", 0, OPT_ARG, O_RCPT, NULL, NULL },
		{ "auth", 0, OPT_ARG, 0, &o->auth, NULL },
		{ "hostname", 0, OPT_ARG, 0, &o->hostname, NULL },
		{ "authserv-id", 0, OPT_ARG, CLI_OPT_AUTHSERV_ID, NULL, NULL },
		{ "set", 0, OPT_ARG, CLI_OPT_SET, NULL, NULL },
		{ "now", 0, OPT_ARG, O_NOW, NULL, NULL },
		{ "json", 0, OPT_NOARG, 0, NULL, &o->json },
		{ "explain", 0, OPT_NOARG, 0, NULL, &o->explain },
		{ "record", 0, OPT_NOARG, 0, NULL, &o->record },
		{ "history", 0, OPT_ARG, CLI_OPT_HISTORY, NULL, NULL },
		CLI_CONFIG_OPTS(&o->config_path, &o->config_given),
		OPT_END,
	};
	static const cli_usage u = { usage };
	int first, rc;

	rc = cli_options(argc, argv, spec, check_option, o, &u, &first);
	if (rc != CLI_PARSED)
		return rc;
	if (first < argc || o->ip == NULL || o->helo == NULL ||
	    o->mail_from == NULL) {
		if (first < argc)
			cli_err("unexpected argument '%s' (the message is "
			    "read from standard input)\n", argv[first]);
		else
			cli_err("--ip, --helo and --mail-from are required\n");
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (cli_overrides_done(&o->cov) < 0)
		return CLI_EXIT_USAGE;
	return CLI_PARSED;
}

static void
on_trace(void *arg, const char *name, dns_type type, const dns_answer *a,
    const dns_trace_info *info)
{
	trace *t = arg;
	size_t i;
	char buf[1024];

	(void)info;
	pthread_mutex_lock(&t->mu);
	sb_printf(&t->text, "  %-5s %s: %s, %s", dns_type_name(type),
	    clean_copy(buf, sizeof(buf), name, CLEAN_PRINT),
	    dns_status_name(a->status),
	    dns_sec_name(a->sec));
	if (a->why[0] != '\0')
		sb_printf(&t->text, " (%s)", clean_copy(buf, sizeof(buf),
		    a->why, CLEAN_PRINT));
	sb_putc(&t->text, '\n');
	for (i = 0; i < a->count; i++) {
		const dns_record *rr = &a->records[i];
		char rec[DNS_MAX_NAME_LEN + 16];

		sb_printf(&t->text, rr->type == DNS_T_TXT ? "        \"%s\"\n" :
		    "        %s\n", clean_copy(buf, sizeof(buf),
		    dns_record_text(rr, rec, sizeof(rec)), CLEAN_PRINT));
	}
	pthread_mutex_unlock(&t->mu);
}





/* A header value for JSON: unfolded (CRLF + white space -> one space),
 * whole (no length cap), printable ASCII; JSON null for none. */
static json_t *
header_json(const char *value)
{
	strbuf sb;
	json_t *j;
	const char *p;

	if (value == NULL)
		return json_null();
	sb_init(&sb);
	for (p = value; *p != '\0'; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' ||
		    p[2] == '\t')) {
			sb_putc(&sb, ' ');
			p += 2;
			continue;
		}
		sb_putc(&sb, clean_is(*p, CLEAN_PRINT) ? *p : '?');
	}
	j = sb.failed ? NULL : json_string(sb.s);
	sb_free(&sb);
	return j;
}

/* The From as parsed: status, whether it is bad (RFC 9989 4.4: the
 * author cannot be determined, DMARC never passes), why, and the author
 * domains read (for a bad From: those read before the problem). */
static json_t *
from_json(const msg_verdict *v)
{
	json_t *o = json_object(), *doms = json_array();
	char buf[512];
	size_t i;

	if (o == NULL || doms == NULL) {
		json_decref(o);
		json_decref(doms);
		return NULL;
	}
	json_object_set_new(o, "status", json_string(
	    dmarc_from_status_name(v->from_status)));
	json_object_set_new(o, "bad_from", json_boolean(v->bad_from));
	json_object_set_new(o, "reason", json_string(clean_copy(buf,
	    sizeof(buf), v->from_reason, CLEAN_PRINT)));
	for (i = 0; v->from != NULL && i < v->from->ndomains; i++)
		json_array_append_new(doms, json_string(clean_copy(buf,
		    sizeof(buf), v->from->domains[i], CLEAN_PRINT)));
	json_object_set_new(o, "author_domains", doms);
	return o;
}

static json_t *
verdict_json(const msg_verdict *v)
{
	json_t *o = json_object(), *dk = json_array(), *act = json_object();
	json_t *rm = json_array(), *spf;
	char buf[1024];
	size_t i;

	if (o == NULL || dk == NULL || act == NULL || rm == NULL) {
		json_decref(o);
		json_decref(dk);
		json_decref(act);
		json_decref(rm);
		return NULL;
	}
	if (v->spf != NULL) {
		spf = json_spf(v->spf);
		if (v->spf_helo != NULL)
			json_object_set_new(spf, "helo", json_spf(v->spf_helo));
		json_object_set_new(o, "spf", spf);
	} else {
		json_object_set_new(o, "spf", json_null());
	}
	for (i = 0; i < v->ndkim; i++)
		json_array_append_new(dk, json_dkim(v->dkim[i]));
	json_object_set_new(o, "dkim", dk);
	json_object_set_new(o, "dmarc", v->dmarc != NULL && !v->skipped ?
	    json_dmarc(v->dmarc) : json_null());
	json_object_set_new(o, "from", v->skipped ? json_null() :
	    from_json(v));
	/* iprev (RFC 8601 2.7.3): null when not checked (config key iprev) */
	json_object_set_new(o, "iprev", v->iprev == NULL || v->skipped ?
	    json_null() : json_pack("{s:s,s:s,s:s?,s:s,s:s,s:s?}",
	    "result", msg_iprev_name(v->iprev->code), "ip", v->iprev->ip,
	    "name", v->iprev->name[0] ? clean_copy(buf, sizeof(buf),
	    v->iprev->name, CLEAN_PRINT) : NULL,
	    "ptr_dnssec", dns_sec_name(v->iprev->ptr_sec),
	    "forward_dnssec", dns_sec_name(v->iprev->fwd_sec),
	    "reason", v->iprev->why[0] ? v->iprev->why : NULL));
	/* ARC (RFC 8617): null when not verified (config key arc) */
	if (v->arc == NULL || v->skipped) {
		json_object_set_new(o, "arc", json_null());
	} else {
		json_t *a = json_arc(v->arc);

		/* arc_trusted_sealers: whose word overrode DMARC, or null */
		if (a != NULL)
			json_object_set_new(a, "trusted_sealer",
			    v->arc_trusted_sealer == NULL ? json_null() :
			    json_pack("{s:s,s:I,s:s}", "sealer",
			    clean_copy(buf, sizeof(buf), v->arc_trusted_sealer,
			    CLEAN_PRINT), "instance",
			    (json_int_t)v->arc_trusted_instance, "said",
			    v->arc_trusted_said));
		json_object_set_new(o, "arc", a);
	}
	/* arc_seal: null when not set or not checked; else what the milter
	 * adds: the ARC set as inserted (CRLF folded, ARC-Seal first) */
	if (v->arc_seal_note == NULL)
		json_object_set_new(o, "arc_seal", json_null());
	else
		json_object_set_new(o, "arc_seal", json_pack("{s:b,s:b,s:s?,"
		    "s:o}", "sealed", v->arc_seal != NULL, "error",
		    v->arc_seal_failed, "fields", v->arc_seal, "note",
		    json_string(clean_copy(buf, sizeof(buf), v->arc_seal_note,
		    CLEAN_PRINT))));
	/* upstream_networks: the client judged (the connection's, or the
	 * original client behind a gateway) and what was found, or why not
	 * (null unless the client is a gateway) */
	json_object_set_new(o, "source_ip", v->skipped || v->source_ip == NULL ?
	    json_null() : json_string(v->source_ip));
	json_object_set_new(o, "upstream", v->skipped || v->upstream == NULL ?
	    json_null() : json_string(clean_copy(buf, sizeof(buf),
	    v->upstream, CLEAN_PRINT)));
	json_object_set_new(o, "authentication_results",
	    header_json(v->auth_results));
	json_object_set_new(o, "received_spf", header_json(v->received_spf));
	json_object_set_new(act, "action", json_string(msg_action_name(v->action)));
	if (v->action == MSG_REJECT || v->action == MSG_TEMPFAIL) {
		json_object_set_new(act, "smtp_code", json_string(v->smtp_rcode));
		json_object_set_new(act, "smtp_xcode", json_string(v->smtp_xcode));
		json_object_set_new(act, "smtp_text", json_string(clean_copy(
		    buf, sizeof(buf), v->smtp_text, CLEAN_PRINT)));
	}
	if (v->quarantine_header != NULL)
		json_object_set_new(act, "quarantine_header", json_string(
		    clean_copy(buf, sizeof(buf), v->quarantine_header,
		    CLEAN_PRINT)));
	if (v->action == MSG_QUARANTINE)
		json_object_set_new(act, "quarantine_reason", json_string(
		    clean_copy(buf, sizeof(buf), v->quarantine_reason,
		    CLEAN_PRINT)));
	json_object_set_new(act, "reason", json_string(clean_copy(buf,
	    sizeof(buf), v->reason, CLEAN_PRINT)));
	json_object_set_new(act, "skipped", json_boolean(v->skipped));
	json_object_set_new(o, "action", act);
	for (i = 1; i <= v->nar && v->nremove > 0; i++)
		if (msg_verdict_removes(v, (unsigned)i))
			json_array_append_new(rm, json_integer((json_int_t)i));
	json_object_set_new(o, "removed_authentication_results", rm);
	json_object_set_new(o, "dns", json_pack("{s:I,s:I,s:s?}", "queries",
	    (json_int_t)v->dns_queries, "refused", (json_int_t)v->dns_refused,
	    "limit", v->dns_limit));
	return o;
}

/* --explain's ARC line: result, sets, the sealers (cleaned: the sender
 * wrote them), oldest-pass, the reason. */
static void
explain_arc(const arc_chain *c)
{
	char buf[DKIM_MAX_REASON + DKIM_MAX_DOMAIN];
	unsigned k;

	printf("ARC: %s - %u set%s", arc_result_name(c->result), c->nsets,
	    c->nsets == 1 ? "" : "s");
	if (c->result == ARC_PASS)
		printf(", oldest pass i=%u", c->oldest_pass);
	for (k = 0; k < c->nsets && k < ARC_MAX_SETS; k++)
		printf("%s%s", k ? ", " : ", sealers ", clean_copy(buf,
		    sizeof(buf), c->sealer[k][0] ? c->sealer[k] : "?",
		    CLEAN_PRINT));
	printf(" (%s)\n", clean_copy(buf, sizeof(buf), c->reason,
	    CLEAN_PRINT));
}

static void
print_explain(const msg *m, const msg_verdict *v, const trace *t)
{
	const dmarc_result *d = v->dmarc;
	size_t i;

	printf("DNS answers consulted:\n%s", t->text.len ? t->text.s :
	    "  (none)\n");
	if (v->skipped) {
		printf("Not checked: %s\n", v->reason);
		return;
	}
	if (v->upstream != NULL) {
		char buf[512];

		printf("Gateway (upstream_networks): %s\n", clean_copy(buf,
		    sizeof(buf), v->upstream, CLEAN_PRINT));
	}
	if (v->spf_mailfrom != NULL && msg_mail_from_addr(m)[0] != '\0')
		printf("SPF (MAIL FROM %s): %s - %s\n", msg_mail_from_addr(m),
		    spf_code_name(v->spf_mailfrom->code),
		    v->spf_mailfrom->reason);
	if (v->spf_helo != NULL)
		printf("SPF (HELO %s): %s - %s\n", msg_helo_name(m),
		    spf_code_name(v->spf_helo->code), v->spf_helo->reason);
	if (v->iprev != NULL)
		printf("iprev (client %s): %s%s%s%s%s (PTR %s, forward %s)\n",
		    v->iprev->ip, msg_iprev_name(v->iprev->code),
		    v->iprev->name[0] ? ", name " : "", v->iprev->name,
		    v->iprev->why[0] ? " - " : "", v->iprev->why,
		    dns_sec_name(v->iprev->ptr_sec),
		    dns_sec_name(v->iprev->fwd_sec));
	if (v->arc != NULL)
		explain_arc(v->arc);
	if (v->arc_trusted_sealer != NULL)
		printf("ARC: trusted sealer %s (i=%u) says %s: DMARC "
		    "disposition none (trusted_forwarder)\n",
		    v->arc_trusted_sealer, v->arc_trusted_instance,
		    v->arc_trusted_said);
	if (v->ndkim == 0)
		printf("DKIM: no signature\n");
	for (i = 0; i < v->ndkim; i++)
		printf("DKIM signature %zu (d=%s s=%s a=%s): %s - %s\n", i + 1,
		    v->dkim[i]->d, v->dkim[i]->s, v->dkim[i]->a,
		    dkim_result_name(v->dkim[i]->result),
		    v->dkim[i]->reason[0] ? v->dkim[i]->reason :
		    "signature verified");
	if (d == NULL)
		return;
	printf("From: %s%s%s%s\n", dmarc_from_status_name(v->from_status),
	    v->from_reason[0] ? " - " : "", v->from_reason, v->bad_from ?
	    " (bad From: no alignment, RFC 9989 4.4; bad_from_action)" : "");
	for (i = 0; v->from != NULL && i < v->from->ndomains; i++)
		printf("  author domain: %s\n", v->from->domains[i]);
	printf("DMARC policy: ");
	if (d->have_record)
		printf("found at %s (%s), p=%s%s%s, adkim=%s, aspf=%s%s\n",
		    d->policy_domain, dmarc_discovery_name(d->discovery),
		    dmarc_policy_name(d->record.p),
		    d->policy_tag != NULL && *d->policy_tag ? ", applies " : "",
		    d->policy_tag != NULL ? d->policy_tag : "",
		    d->record.adkim == DMARC_ALIGN_STRICT ? "strict" : "relaxed",
		    d->record.aspf == DMARC_ALIGN_STRICT ? "strict" : "relaxed",
		    d->record.t ? ", t=y (testing)" : "");
	else
		printf("none found\n");
	printf("  author domain %s, organizational domain %s\n",
	    d->from_domain[0] ? d->from_domain : "(none)",
	    d->org_domain[0] ? d->org_domain : "(not needed)");
	if (v->spf_mailfrom != NULL && v->spf_mailfrom->code != SPF_PASS)
		printf("  SPF %s (%s): did not pass, not an identifier\n",
		    v->spf_mailfrom->domain,
		    spf_code_name(v->spf_mailfrom->code));
	else if (v->spf_mailfrom != NULL && msg_mail_from_addr(m)[0] == '\0')
		printf("  null sender: the MAIL FROM identity is "
		    "postmaster@%s (RFC 7208 2.4)\n", msg_helo_name(m));
	for (i = 0; i < v->ndkim; i++)
		if (v->dkim[i]->result != DKIM_PASS)
			printf("  DKIM d=%s (%s): did not pass, not an "
			    "identifier\n", v->dkim[i]->d,
			    dkim_result_name(v->dkim[i]->result));
	for (i = 0; i < d->nnotes; i++) {
		const dmarc_align_note *n = &d->notes[i];

		printf("  %s%s vs author %s, %s alignment", n->spf ?
		    "SPF " : "DKIM d=", n->id, d->from_domain,
		    n->mode == DMARC_ALIGN_STRICT ? "strict" : "relaxed");
		if (n->mode == DMARC_ALIGN_RELAXED && n->id_org[0] != '\0')
			printf(" (org domains %s vs %s)", n->id_org,
			    d->org_domain[0] ? d->org_domain : "?");
		printf(": %s\n", n->aligned == 1 ? "aligned" :
		    n->aligned == 0 ? (n->mode == DMARC_ALIGN_STRICT ?
		    "not aligned (strict needs the same name)" :
		    "not aligned") : "unknown (DNS failure)");
	}
	if (d->nnotes == 0 && d->have_record)
		printf("  no passing SPF or DKIM identifier to align\n");
	printf("DMARC: %s, disposition %s%s%s - %s\n", dmarc_result_name(d->result),
	    dmarc_policy_name(d->disposition), d->override ? ", override " : "",
	    d->override ? dmarc_override_name(d->override) : "", d->reason);
	printf("Action: %s - %s\n", msg_action_name(v->action), v->reason);
}

/* arc_seal: the ARC set the milter adds (on top), LF line ends, or why
 * none. */
static void
print_arc_seal(const msg_verdict *v)
{
	const char *p;

	if (v->arc_seal_note == NULL)
		return;
	if (v->arc_seal == NULL) {
		printf("arc_seal: %s\n", v->arc_seal_note);
		return;
	}
	for (p = v->arc_seal; *p != '\0'; p++)
		if (*p != '\r')
			putchar(*p);
}

/* --record: what the milter's history writer would store. */
static int
record_verdict(const check_opts *o, const msg_env *env, const msg_verdict *v)
{
	const am_config *cfg = msg_env_config(env);
	report_record *rec = malloc(sizeof(*rec));
	const report_record *one[1];
	history *h;
	char why[512];
	int rc = CLI_EXIT_OK;

	if (rec == NULL) {
		cli_err("out of memory\n");
		return CLI_EXIT_FAILURE;
	}
	if (cfg->history == NULL || cfg->history[0] == '\0') {
		cli_err("--record needs --history DB "
		    "or the history key\n");
		free(rec);
		return CLI_EXIT_USAGE;
	}
	if (history_record_from_verdict(v, cfg, o->ip, o->mail_from,
	    o->nrcpt > 0 ? o->rcpt[0] : NULL, o->now, rec) < 0) {
		cli_err("not recorded (message not "
		    "checked or no DMARC policy record)\n");
		free(rec);
		return CLI_EXIT_OK;
	}
	one[0] = rec;
	h = history_open(cfg->history, why, sizeof(why));
	if (h == NULL || history_append(h, one, 1, why, sizeof(why)) < 0) {
		cli_err("history: %s\n", why);
		rc = CLI_EXIT_FAILURE;
	}
	history_close(h);
	free(rec);
	return rc;
}

static int
run_check(check_opts *o, msg_env *env, dns_resolver *r, trace *t)
{
	msg *m = msg_new(env);
	msgparse p;
	char *buf = malloc(CHECK_READ_CHUNK);
	const msg_verdict *v;
	size_t n, i;
	int rc = CLI_EXIT_OK;

	(void)r;
	if (m == NULL || buf == NULL) {
		cli_err("out of memory\n");
		free(buf);
		msg_free(m);
		return CLI_EXIT_FAILURE;
	}
	msg_connect(m, o->ip, o->hostname);
	msg_helo(m, o->helo);
	if (o->auth != NULL)
		msg_set_auth(m, o->auth);
	msg_mail_from(m, o->mail_from);
	for (i = 0; i < o->nrcpt; i++)
		msg_rcpt(m, o->rcpt[i]);
	mp_init(&p, &msg_parse_events, m,
	    msg_env_config(env)->max_header_bytes);
	while ((n = fread(buf, 1, CHECK_READ_CHUNK, stdin)) > 0)
		if (mp_push(&p, buf, n) < 0)
			break;
	if (ferror(stdin)) {
		cli_err("cannot read the message\n");
		rc = CLI_EXIT_FAILURE;
	} else if (mp_finish(&p) < 0) {
		cli_err("message: %s\n", p.error);
	}
	mp_free(&p);
	free(buf);
	v = msg_eom(m);
	if (rc == CLI_EXIT_OK && o->record)
		rc = record_verdict(o, env, v);
	if (rc == CLI_EXIT_OK) {
		if (o->json) {
			json_t *j = verdict_json(v);
			char *s = j != NULL ? json_dumps(j, JSON_INDENT(2)) : NULL;

			if (s == NULL) {
				rc = CLI_EXIT_FAILURE;
			} else {
				printf("%s\n", s);
				free(s);
			}
			json_decref(j);
		} else {
			if (o->explain)
				print_explain(m, v, t);
			print_arc_seal(v);
			if (v->quarantine_header != NULL)
				printf("%s: %s\n", MSG_QUARANTINE_HEADER,
				    v->quarantine_header);
			if (v->received_spf != NULL)
				printf("Received-SPF:%s\n", v->received_spf);
			if (v->auth_results != NULL)
				printf("Authentication-Results:%s\n",
				    v->auth_results);
			printf("action: %s", msg_action_name(v->action));
			if (v->action == MSG_REJECT || v->action == MSG_TEMPFAIL)
				printf(" %s %s %s", v->smtp_rcode, v->smtp_xcode,
				    v->smtp_text);
			printf(" (%s)\n", v->reason);
		}
	}
	msg_free(m);
	return rc;
}

/* arc_seal's key problems, as the daemon logs them. */
static void
seal_problem(void *arg, unsigned line, int error, const char *text)
{
	(void)arg;
	cli_err("config line %u: %s%s\n", line, error ? "" : "warning: ",
	    text);
}

int
cmd_check(int argc, char **argv)
{
	check_opts o;
	am_config cfg;
	dns_config dc;
	dns_resolver *r;
	msg_env *env;
	arc_seal_conf *seal = NULL;
	trace t;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	o.config_path = CONFIG_DEFAULT_PATH;
	rc = parse_args(argc, argv, &o);
	if (rc != CLI_PARSED)
		goto out;
	if (config_build(&cfg, o.config_path, o.config_given, o.cov.ov, o.cov.n,
	    err, sizeof(err)) < 0) {
		cli_err("%s\n", err);
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	config_dns(&cfg, &dc);
	r = cli_dns_resolver(&dc);
	if (r == NULL) {
		config_free(&cfg);
		rc = CLI_EXIT_FAILURE;
		goto out;
	}
	pthread_mutex_init(&t.mu, NULL);
	sb_init(&t.text);
	if (o.explain)
		dns_resolver_set_trace(r, on_trace, &t);
	env = msg_env_new(&cfg, r, err, sizeof(err));
	if (env == NULL) {
		cli_err("%s\n", err);
		rc = CLI_EXIT_FAILURE;
	} else {
		msg_env_set_now(env, o.now);
		if (arc_seal_conf_new(&cfg, &seal, seal_problem, NULL, err,
		    sizeof(err)) < 0) {
			rc = CLI_EXIT_FAILURE;
		} else {
			msg_env_set_arc_seal(env, seal);
			rc = run_check(&o, env, r, &t);
		}
		msg_env_free(env);
		arc_seal_conf_free(seal);
	}
	dns_resolver_free(r);
	sb_free(&t.text);
	pthread_mutex_destroy(&t.mu);
	config_free(&cfg);
out:
	cli_overrides_free(&o.cov);
	return rc;
}
