/*
 * message/msg_sign.c - signing in the milter: the signing configuration
 * built from am_config (the keys of sign_key, loaded once per runtime,
 * sign_networks, the options), the choice of who is signed
 * (sign_conf_wants()) and with which keys (sign_conf_select()), and one
 * message's signing (msign_*: header fields kept until the From domain
 * is known, then the body streamed to the DKIM signer, the private-key
 * operation at end of message). Contract in message.h ("Signing").
 */
#include "message/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/ipaddr.h"

struct sign_conf {
	const am_config *cfg;
	sign_entry entry[CONFIG_MAX_LIST];
	size_t nentry;
	ipaddr net[CONFIG_MAX_LIST];
	unsigned prefix[CONFIG_MAX_LIST];
	size_t nnet;
	dkim_sign_headers headers;
	int have_headers;
	dkim_sign_headers over;  /* sign_oversign_headers */
	int have_over;
};

static void
problem(sign_problem_fn fn, void *arg, unsigned line, int error,
    const char *fmt, const char *a, const char *b)
{
	char text[512];

	if (fn == NULL)
		return;
	snprintf(text, sizeof(text), fmt, a, b);
	fn(arg, line, error, text);
}

sign_conf *
sign_conf_new(const am_config *cfg, sign_problem_fn fn, void *arg,
    char *err, size_t errlen)
{
	sign_conf *sc = calloc(1, sizeof(*sc));
	size_t i;
	int bad = 0;

	if (sc == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sc->cfg = cfg;
	for (i = 0; i < cfg->nsign_networks && i < CONFIG_MAX_LIST; i++)
		if (ipaddr_parse_cidr(cfg->sign_networks[i], &sc->net[i],
		    &sc->prefix[i]) < 0) {
			snprintf(err, errlen, "sign_networks: '%s' is not a "
			    "network", cfg->sign_networks[i]);
			goto fail;
		}
	sc->nnet = i;
	if (cfg->sign_headers != NULL && cfg->sign_headers[0] != '\0') {
		char why[256], e[300];

		if (dkim_sign_headers_parse(cfg->sign_headers, &sc->headers,
		    why, sizeof(why)) < 0) {
			snprintf(e, sizeof(e), "sign_headers: %s", why);
			snprintf(err, errlen, "%s", e);
			goto fail;
		}
		sc->have_headers = 1;
	}
	if (cfg->sign_oversign_headers != NULL &&
	    cfg->sign_oversign_headers[0] != '\0') {
		char why[256];

		if (dkim_sign_oversign_parse(cfg->sign_oversign_headers,
		    &sc->over, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "sign_oversign_headers: %s", why);
			goto fail;
		}
		sc->have_over = 1;
	}
	for (i = 0; i < cfg->nsign_key && i < CONFIG_MAX_LIST; i++) {
		sign_entry *e = &sc->entry[sc->nentry];
		char why[256];
		int warn = 0;

		e->line = cfg->sign_key_line[i];
		if (config_sign_key_parse(cfg->sign_key[i], &e->k, why,
		    sizeof(why)) < 0) {
			problem(fn, arg, e->line, 1, "sign_key: %s%s", why, "");
			bad = 1;
			continue;
		}
		e->key = dkim_privkey_load(e->k.file, &warn, why, sizeof(why));
		if (e->key == NULL) {
			problem(fn, arg, e->line, 1, "sign_key: key %s: %s",
			    e->k.file, why);
			bad = 1;
			continue;
		}
		if (warn & DKIM_PRIVKEY_WARN_PERMS)
			problem(fn, arg, e->line, 0, "sign_key: key %s is "
			    "readable by group or others%s: chmod 0600 it "
			    "(owned by the run-as user)", e->k.file, "");
		if (dkim_privkey_type(e->key) == DKIM_PRIVKEY_RSA &&
		    dkim_privkey_bits(e->key) < DKIM_SIGN_RECOMMENDED_RSA_BITS)
			problem(fn, arg, e->line, 0, "sign_key: key %s: RSA "
			    "under 2048 bits%s (RFC 8301 3.2 says SHOULD use "
			    "2048)", e->k.file, "");
		sc->nentry++;
	}
	if (bad) {
		snprintf(err, errlen, "sign_key: a signing key cannot be used");
		goto fail;
	}
	return sc;
fail:
	sign_conf_free(sc);
	return NULL;
}

void
sign_conf_free(sign_conf *sc)
{
	size_t i;

	if (sc == NULL)
		return;
	for (i = 0; i < sc->nentry; i++)
		dkim_privkey_free(sc->entry[i].key);
	free(sc);
}

size_t
sign_conf_nkeys(const sign_conf *sc)
{
	return sc != NULL ? sc->nentry : 0;
}

const sign_entry *
sign_conf_entry(const sign_conf *sc, size_t i)
{
	return sc != NULL && i < sc->nentry ? &sc->entry[i] : NULL;
}

unsigned
sign_conf_wants(const sign_conf *sc, const char *ip, const char *auth,
    const char *daemon_name)
{
	unsigned why = 0;
	ipaddr a;
	size_t i;

	if (sc == NULL || sc->nentry == 0)
		return 0;
	if (ip != NULL && ipaddr_parse(ip, &a) == 0) {
		ipaddr_unmap(&a);
		for (i = 0; i < sc->nnet; i++)
			if (ipaddr_match(&a, &sc->net[i], sc->prefix[i]))
				why |= SIGN_WHY_NETWORK;
	}
	if (sc->cfg->sign_authenticated && auth != NULL && auth[0] != '\0')
		why |= SIGN_WHY_AUTH;
	if (daemon_name != NULL && daemon_name[0] != '\0')
		for (i = 0; i < sc->cfg->nsign_daemon_names; i++)
			if (strcmp(daemon_name,
			    sc->cfg->sign_daemon_names[i]) == 0)
				why |= SIGN_WHY_DAEMON;
	return why;
}

size_t
sign_conf_select(const sign_conf *sc, const char *domain,
    const sign_entry **out, size_t max)
{
	size_t i, n = 0, best = 0, r;

	if (sc == NULL)
		return 0;
	for (i = 0; i < sc->nentry; i++) {
		r = config_sign_key_match(&sc->entry[i].k, domain);
		if (r > best)
			best = r;
	}
	if (best == 0)
		return 0;
	for (i = 0; i < sc->nentry && n < max; i++)
		if (config_sign_key_match(&sc->entry[i].k, domain) == best)
			out[n++] = &sc->entry[i];
	return n;
}

/* One message's signing. */
struct msign {
	const sign_conf *sc;
	strbuf hdrs;              /* [namelen][name][valuelen][value] ... */
	size_t nfrom;
	dkim_signer *sg;
	int state;                /* MSIGN_ST_* */
	int failed;
	char error[256];
	char domain[CONFIG_SIGN_NAME];
	char selectors[DKIM_SIGN_MAX_KEYS * (CONFIG_SIGN_SELECTOR + 1)];
	char algs[64];
	strbuf from;              /* the From value (one field) */
};

enum { MSIGN_ST_HEADERS, MSIGN_ST_BODY, MSIGN_ST_DONE };

msign *
msign_new(const sign_conf *sc)
{
	msign *ms = calloc(1, sizeof(*ms));

	if (ms == NULL)
		return NULL;
	ms->sc = sc;
	/* the header block (max_header_bytes) and two lengths per field */
	sb_init_max(&ms->hdrs, sc->cfg->max_header_bytes +
	    (DKIM_SIGN_MAX_FIELDS + 1) * 2 * sizeof(size_t));
	sb_init_max(&ms->from, DMARC_FROM_MAX_LEN + 1);
	return ms;
}

void
msign_free(msign *ms)
{
	if (ms == NULL)
		return;
	dkim_signer_free(ms->sg);
	sb_free(&ms->hdrs);
	sb_free(&ms->from);
	free(ms);
}

static void
msign_fail(msign *ms, const char *why, const char *detail)
{
	if (!ms->failed)
		snprintf(ms->error, sizeof(ms->error), "%s%s", why, detail);
	ms->failed = 1;
}

static int
put_len(strbuf *sb, size_t n)
{
	return sb_append(sb, &n, sizeof(n));
}

int
msign_header(msign *ms, const char *name, const char *value, size_t len)
{
	size_t nl = strlen(name);

	if (ms->failed)
		return -1;
	if (ms->state != MSIGN_ST_HEADERS)
		return msign_fail(ms, "header field after the header block",
		    ""), -1;
	if (strcasecmp(name, "From") == 0) {
		ms->nfrom++;
		sb_reset(&ms->from);
		if (sb_append(&ms->from, value, len) < 0)
			return msign_fail(ms, "the From field is too long", ""),
			    -1;
	}
	if (put_len(&ms->hdrs, nl) < 0 || sb_append(&ms->hdrs, name, nl) < 0 ||
	    put_len(&ms->hdrs, len) < 0 || sb_append(&ms->hdrs, value, len) < 0)
		return msign_fail(ms, "the header block is over "
		    "max_header_bytes", ""), -1;
	return 0;
}

/* The keys for the From domain: the most specific sign_key entries that
 * share the first one's signing domain. 0, MSIGN_NOKEY, or -1. */
static int
msign_start(msign *ms)
{
	const sign_entry *sel[DKIM_SIGN_MAX_KEYS];
	dkim_sign_key keys[DKIM_SIGN_MAX_KEYS];
	dkim_sign_options o;
	const char *vals[1];
	size_t lens[1], n, i, nk = 0;
	dmarc_from from;
	char why[200];
	const am_config *cfg = ms->sc->cfg;

	if (ms->nfrom != 1)
		return msign_fail(ms, ms->nfrom == 0 ? "no From field" :
		    "several From fields (RFC 5322 3.6)", ""), -1;
	vals[0] = ms->from.s;
	lens[0] = ms->from.len;
	if (dmarc_from_parse(vals, lens, 1, &from, why, sizeof(why)) !=
	    DMARC_FROM_OK)
		return msign_fail(ms, "the From field: ", why), -1;
	if (from.ndomains != 1)
		return msign_fail(ms, "the From field names several domains",
		    ""), -1;
	n = sign_conf_select(ms->sc, from.domains[0], sel, DKIM_SIGN_MAX_KEYS);
	if (n == 0) {
		snprintf(ms->domain, sizeof(ms->domain), "%s", from.domains[0]);
		return MSIGN_NOKEY;
	}
	snprintf(ms->domain, sizeof(ms->domain), "%s",
	    sel[0]->k.signing_domain[0] ? sel[0]->k.signing_domain :
	    from.domains[0]);
	ms->selectors[0] = ms->algs[0] = '\0';
	for (i = 0; i < n; i++) {
		size_t l;

		if (strcmp(sel[i]->k.signing_domain,
		    sel[0]->k.signing_domain) != 0)
			continue;
		keys[nk].key = sel[i]->key;
		keys[nk].selector = sel[i]->k.selector;
		l = strlen(ms->selectors);
		snprintf(ms->selectors + l, sizeof(ms->selectors) - l, "%s%s",
		    nk ? "," : "", sel[i]->k.selector);
		l = strlen(ms->algs);
		snprintf(ms->algs + l, sizeof(ms->algs) - l, "%s%s",
		    nk ? "," : "", dkim_privkey_alg(sel[i]->key));
		nk++;
	}
	dkim_sign_options_init(&o);
	o.domain = ms->domain;
	o.selector = keys[0].selector;
	o.hdr_relaxed = cfg->sign_canon == CONFIG_CANON_RELAXED_RELAXED ||
	    cfg->sign_canon == CONFIG_CANON_RELAXED_SIMPLE;
	o.body_relaxed = cfg->sign_canon == CONFIG_CANON_RELAXED_RELAXED ||
	    cfg->sign_canon == CONFIG_CANON_SIMPLE_RELAXED;
	o.headers = ms->sc->have_headers ? &ms->sc->headers : NULL;
	o.oversign = ms->sc->have_over ? &ms->sc->over : NULL;
	o.expire = cfg->sign_expire;
	ms->sg = dkim_signer_new(&o, keys, nk, why, sizeof(why));
	if (ms->sg == NULL)
		return msign_fail(ms, why, ""), -1;
	return 0;
}

int
msign_eoh(msign *ms)
{
	size_t off = 0, nl, vl;
	int rc;

	if (ms->failed || ms->state != MSIGN_ST_HEADERS)
		return ms->failed ? -1 : 0;
	ms->state = MSIGN_ST_BODY;
	rc = msign_start(ms);
	if (rc != 0)
		return rc;
	while (off < ms->hdrs.len) {
		const char *name, *value;

		memcpy(&nl, ms->hdrs.s + off, sizeof(nl));
		name = ms->hdrs.s + off + sizeof(nl);
		off += sizeof(nl) + nl;
		memcpy(&vl, ms->hdrs.s + off, sizeof(vl));
		value = ms->hdrs.s + off + sizeof(vl);
		off += sizeof(vl) + vl;
		if (dkim_signer_header(ms->sg, name, nl, value, vl) < 0)
			return msign_fail(ms, dkim_signer_error(ms->sg), ""), -1;
	}
	sb_free(&ms->hdrs);
	if (dkim_signer_eoh(ms->sg) < 0)
		return msign_fail(ms, dkim_signer_error(ms->sg), ""), -1;
	return 0;
}

int
msign_body(msign *ms, const void *p, size_t n)
{
	if (ms->failed || ms->sg == NULL)
		return ms->failed ? -1 : 0;
	if (dkim_signer_body(ms->sg, p, n) < 0)
		return msign_fail(ms, dkim_signer_error(ms->sg), ""), -1;
	return 0;
}

int
msign_finish(msign *ms, strbuf *out)
{
	int rc;

	if (!ms->failed && ms->state == MSIGN_ST_HEADERS) {
		rc = msign_eoh(ms);   /* a message without a body */
		if (rc == MSIGN_NOKEY)
			return MSIGN_NOKEY;
	}
	if (ms->failed)
		return -1;
	if (ms->sg == NULL)
		return MSIGN_NOKEY;
	ms->state = MSIGN_ST_DONE;
	if (dkim_signer_finish(ms->sg, out) < 0)
		return msign_fail(ms, dkim_signer_error(ms->sg), ""), -1;
	return 0;
}

const char *
msign_error(const msign *ms)
{
	return ms->error;
}

const char *
msign_domain(const msign *ms)
{
	return ms->domain;
}

const char *
msign_selectors(const msign *ms)
{
	return ms->selectors;
}

const char *
msign_algs(const msign *ms)
{
	return ms->algs;
}
