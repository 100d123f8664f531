/*
 * tests/lib/verdict_run.c - one message through message/message.c over
 * the verdict zone, for the check_verdict*.c programs (see verdict_run.h).
 * Every result is message/'s own; failures here are Check assertions.
 */
#include "tests/lib/verdict_run.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "message/ar_parse_int.h"
#include "message/message_int.h"
#include "message/message.h"
#include "tests/lib/dnscheck.h"

am_config vr_cfg;
msg *vr_msg;
unsigned vr_sample;

static dns_resolver *res;
static msg_env *env;

static unsigned
fixed_sample(void *arg)
{
	(void)arg;
	return vr_sample;
}

/* Build config (defaults + the zone + extra KEY=VALUE overrides), the
 * resolver (with the injected fault) and the environment. */
void
vr_start(const char *const *kv)
{
	config_override ov[16];
	size_t n = 0;
	char err[512], *copies[16];
	size_t i, ncopies = 0;
	dns_config dc;

	ov[n].key = "dns_zone"; ov[n++].value = VR_ZONE;
	ov[n].key = "authserv_id"; ov[n++].value = VR_ASID;
	ov[n].key = "trusted_networks"; ov[n++].value = "10.0.0.0/8";
	ov[n].key = "spf_threads"; ov[n++].value = "2";
	for (i = 0; kv != NULL && kv[i] != NULL && n < 16; i++) {
		char *c = strdup(kv[i]), *eq = strchr(c, '=');

		ck_assert(eq != NULL);
		*eq = '\0';
		copies[ncopies++] = c;
		ov[n].key = c;
		ov[n++].value = eq + 1;
	}
	ck_assert_msg(config_build(&vr_cfg, "/nonexistent/authmilter.conf", 0,
	    ov, n, err, sizeof(err)) == 0, "config: %s", err);
	for (i = 0; i < ncopies; i++)
		free(copies[i]);
	config_dns(&vr_cfg, &dc);
	res = dnscheck_new(&dc);
	ck_assert_int_eq(dns_resolver_add_fault(res, "_dmarc.temp.example",
	    DNS_T_TXT, DNS_TEMPFAIL), 0);
	ck_assert_int_eq(dns_resolver_add_fault(res, "spftemp.example",
	    DNS_T_TXT, DNS_TEMPFAIL), 0);
	env = msg_env_new(&vr_cfg, res, err, sizeof(err));
	ck_assert_msg(env != NULL, "env: %s", err);
	env->sample = fixed_sample;
	vr_msg = msg_new(env);
	ck_assert(vr_msg != NULL);
}

void
vr_teardown(void)
{
	msg_free(vr_msg);
	vr_msg = NULL;
	msg_env_free(env);
	env = NULL;
	if (res != NULL)
		dns_resolver_free(res);
	res = NULL;
	config_free(&vr_cfg);
}

/* One SMTP transaction: connect, helo, mail, rcpt, message text, eom. */
const msg_verdict *
vr_run_text(const char *ip, const char *helo, const char *mailfrom,
    const char *auth, const char *text, size_t len)
{
	msgparse p;

	msg_connect(vr_msg, ip, "client.example");
	msg_helo(vr_msg, helo);
	if (auth != NULL)
		msg_set_auth(vr_msg, auth);
	msg_mail_from(vr_msg, mailfrom);
	msg_rcpt(vr_msg, "<bob@example.org>");
	mp_init(&p, &msg_parse_events, vr_msg, vr_cfg.max_header_bytes);
	ck_assert_int_eq(mp_push(&p, text, len), 0);
	ck_assert_int_eq(mp_finish(&p), 0);
	mp_free(&p);
	return msg_eom(vr_msg);
}

const msg_verdict *
vr_run(const char *ip, const char *mailfrom, const char *headers)
{
	char text[4096];
	int n = snprintf(text, sizeof(text), "%sTo: bob@example.org\r\n"
	    "Subject: t\r\n\r\nbody\r\n", headers);

	ck_assert(n > 0 && (size_t)n < sizeof(text));
	return vr_run_text(ip, "mail.example.com", mailfrom, NULL, text,
	    (size_t)n);
}

/* vr_run() for header blocks of any size */
const msg_verdict *
vr_run_big(const char *ip, const char *mailfrom, const char *headers)
{
	size_t hl = strlen(headers), n;
	char *text = malloc(hl + 64);
	const msg_verdict *v;

	ck_assert(text != NULL);
	memcpy(text, headers, hl);
	n = hl + (size_t)snprintf(text + hl, 64, "Subject: t\r\n\r\nbody\r\n");
	v = vr_run_text(ip, "mail.example.com", mailfrom, NULL, text, n);
	free(text);
	return v;
}

char *
vr_read_file(const char *name, size_t *len)
{
	char path[256], *buf = malloc(65536);
	FILE *fp;

	snprintf(path, sizeof(path), VR_FIX "%s", name);
	fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "%s", path);
	*len = fread(buf, 1, 65536, fp);
	fclose(fp);
	return buf;
}

const msg_verdict *
vr_run_file(const char *ip, const char *mailfrom, const char *name)
{
	size_t n;
	char *buf = vr_read_file(name, &n);
	const msg_verdict *v;

	v = vr_run_text(ip, "mail.example.com", mailfrom, NULL, buf, n);
	free(buf);
	return v;
}

/* The header we add: folded only with CRLF TAB, nothing else that could
 * end the field, and it parses back with our own authserv-id. */
void
vr_assert_header_sane(const msg_verdict *v)
{
	const char *s = v->auth_results, *p;
	ar_header *h;
	char err[256];

	ck_assert_ptr_nonnull(s);
	for (p = s; *p != '\0'; p++) {
		ck_assert_msg((unsigned char)*p < 0x7f, "8-bit in %s", s);
		if (*p == '\r')
			ck_assert_msg(p[1] == '\n' && (p[2] == '\t' || p[2] == ' '),
			    "bare CR: %s", s);
		if (*p == '\n')
			ck_assert_msg(p > s && p[-1] == '\r', "bare LF: %s", s);
	}
	h = ar_parse(s, strlen(s), err, sizeof(err));
	ck_assert_msg(h != NULL, "our header does not parse: %s: %s", err, s);
	ck_assert_str_eq(h->authserv_id, VR_ASID);
	ar_header_free(h);
}

int
vr_has(const msg_verdict *v, const char *needle)
{
	return v->auth_results != NULL && strstr(v->auth_results, needle);
}
