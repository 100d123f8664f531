/*
 * message/arc_msg.c - msgparse events feeding an ARC verifier
 * (dkim/arc.h): mp_init(&p, &arc_msg_events, v, DKIM_MSG_MAX_FIELD),
 * mp_push() per chunk, mp_finish(), then arc_eom(v); and the sealing of
 * a whole message (arc_msg_seal(): `authmilter arc --seal`, the ARC
 * suite's signing scenarios), validator and sealer fed in one pass; the
 * arc_seal configuration (its key and arc_seal_headers read once, a
 * sealer per message).
 */
#include "message/message.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "message/ar_parse_int.h"
#include "util/strbuf.h"

static int
on_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	return arc_header(arg, name, namelen, value, valuelen) < 0 ? -1 : 0;
}

static int
on_eoh(void *arg)
{
	return arc_eoh(arg) < 0 ? -1 : 0;
}

static int
on_body(void *arg, const char *data, size_t len)
{
	return arc_body(arg, data, len) < 0 ? -1 : 0;
}

const msgparse_events arc_msg_events = { on_header, on_eoh, on_body };

typedef struct seal_feed {
	arc_verifier *v;
	arc_sealer *s;
	const char *id;           /* collect its Authentication-Results */
	strbuf *aar;
} seal_feed;

static int
is_wsp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The results of an Authentication-Results field claiming f->id, added
 * to the payload "id; results;\r\n  results..." (RFC 8617 4.1.1: the AAR
 * is a copy of the ADMD's Authentication-Results, merged). */
static void
collect_ar(seal_feed *f, const char *value, size_t len)
{
	size_t off = ar_results_offset(value, len, f->id);

	if (off == 0)
		return;
	value += off;
	len -= off;
	while (len > 0 && is_wsp(value[0]))
		value++, len--;
	while (len > 0 && (is_wsp(value[len - 1]) || value[len - 1] == ';'))
		len--;
	if (len == 0 || (len == 4 && strncasecmp(value, "none", 4) == 0))
		return;
	if (f->aar->len == 0) {
		sb_puts(f->aar, f->id);
		sb_puts(f->aar, "; ");
	} else {
		sb_puts(f->aar, ";\r\n  ");
	}
	sb_append(f->aar, value, len);
}

static int
seal_header(void *arg, const char *name, size_t namelen, const char *value,
    size_t valuelen)
{
	seal_feed *f = arg;

	if (f->id != NULL && namelen == 22 &&
	    strncasecmp(name, "Authentication-Results", 22) == 0)
		collect_ar(f, value, valuelen);
	if (arc_header(f->v, name, namelen, value, valuelen) < 0)
		return -1;
	return arc_sealer_header(f->s, name, namelen, value, valuelen) < 0 ?
	    -1 : 0;
}

static int
seal_eoh(void *arg)
{
	seal_feed *f = arg;

	return arc_eoh(f->v) < 0 || arc_sealer_eoh(f->s) < 0 ? -1 : 0;
}

static int
seal_body(void *arg, const char *data, size_t len)
{
	seal_feed *f = arg;

	return arc_body(f->v, data, len) < 0 ||
	    arc_sealer_body(f->s, data, len) < 0 ? -1 : 0;
}

static const msgparse_events seal_events = { seal_header, seal_eoh,
    seal_body };

int
arc_msg_seal(arc_verifier *v, arc_sealer *s, const char *text, size_t len,
    const char *authserv_id, const char *aar, strbuf *out, char *err,
    size_t errlen)
{
	seal_feed f = { v, s, aar == NULL ? authserv_id : NULL, NULL };
	strbuf merged;
	msgparse p;
	int rc;

	sb_init_max(&merged, ARC_SEAL_MAX_AAR + 1);
	f.aar = &merged;
	mp_init(&p, &seal_events, &f, DKIM_MSG_MAX_FIELD);
	rc = mp_push(&p, text, len);
	if (rc == 0)
		rc = mp_finish(&p);
	if (rc < 0)
		snprintf(err, errlen, "message: %s", arc_sealer_error(s)[0] ?
		    arc_sealer_error(s) : p.error);
	mp_free(&p);
	(void)arc_eom(v);
	if (rc == 0 && aar == NULL && merged.len == 0) {
		snprintf(err, errlen, "no Authentication-Results of %s in the "
		    "message to copy into the ARC-Authentication-Results",
		    authserv_id ? authserv_id : "(no authserv-id)");
		rc = -1;
	} else if (rc == 0 && merged.failed) {
		snprintf(err, errlen, "the Authentication-Results of %s are "
		    "over %d octets (local limit)", authserv_id,
		    ARC_SEAL_MAX_AAR);
		rc = -1;
	}
	if (rc == 0) {
		rc = aar != NULL ?
		    arc_sealer_finish(s, arc_chain_result(v), aar, strlen(aar),
		    out) : arc_sealer_finish(s, arc_chain_result(v), merged.s,
		    merged.len, out);
		snprintf(err, errlen, "%s", arc_sealer_error(s));
	}
	sb_free(&merged);
	return rc;
}

struct arc_seal_conf {
	config_sign_key k;
	unsigned line;
	dkim_privkey *key;
	size_t max_header_bytes;  /* the sealer's header bound */
	dkim_sign_headers headers;  /* arc_seal_headers, when have_headers */
	int have_headers;
};

/* arc_seal_headers (each name checked by the config) as the sealer's
 * list: 0, or -1 with why set. */
static int
seal_headers(const am_config *cfg, arc_seal_conf *c, char *why,
    size_t whylen)
{
	strbuf l;
	size_t i;
	int rc;

	if (cfg->narc_seal_headers == 0)
		return 0;
	sb_init(&l);
	for (i = 0; i < cfg->narc_seal_headers; i++) {
		sb_puts(&l, i > 0 ? ":" : "");
		sb_puts(&l, cfg->arc_seal_headers[i]);
	}
	if (l.failed) {
		snprintf(why, whylen, "out of memory");
		rc = -1;
	} else
		rc = arc_seal_headers_parse(l.s, &c->headers, why, whylen);
	sb_free(&l);
	c->have_headers = rc == 0;
	return rc;
}

int
arc_seal_conf_new(const am_config *cfg, arc_seal_conf **out,
    sign_problem_fn fn, void *arg, char *err, size_t errlen)
{
	arc_seal_conf *c;
	char why[256], text[CONFIG_MAX_PATH + 512];
	int warn = 0;

	*out = NULL;
	if (cfg->narc_seal == 0) {
		/* like the key's permissions, said (no line is kept for a
		 * list key: 0), not refused: sign_headers without sign_key
		 * is accepted the same way */
		if (cfg->narc_seal_headers > 0 && fn != NULL)
			fn(arg, 0, 0, "arc_seal_headers is set but arc_seal is "
			    "empty: no ARC set is added, the list has no "
			    "effect");
		return 0;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->line = cfg->arc_seal_line[0];
	c->max_header_bytes = cfg->max_header_bytes;
	if (!cfg->arc) {
		snprintf(text, sizeof(text), "arc_seal needs arc = yes (the "
		    "seal's cv= is the validation of the chain)");
		goto bad;
	}
	if (config_arc_seal_parse(cfg->arc_seal[0], &c->k, why,
	    sizeof(why)) < 0) {
		snprintf(text, sizeof(text), "arc_seal: %s", why);
		goto bad;
	}
	if (seal_headers(cfg, c, why, sizeof(why)) < 0) {
		snprintf(text, sizeof(text), "arc_seal_headers: %s", why);
		goto bad;
	}
	if ((c->key = dkim_privkey_load(c->k.file, &warn, why,
	    sizeof(why))) == NULL) {
		snprintf(text, sizeof(text), "arc_seal: key %s: %s", c->k.file,
		    why);
		goto bad;
	}
	if ((warn & DKIM_PRIVKEY_WARN_PERMS) && fn != NULL) {
		snprintf(text, sizeof(text), "arc_seal: key %s is readable by "
		    "group or others: chmod 0600 it (owned by the run-as user)",
		    c->k.file);
		fn(arg, c->line, 0, text);
	}
	*out = c;
	return 0;
bad:
	if (fn != NULL)
		fn(arg, c->line, 1, text);
	snprintf(err, errlen, "%s", text);
	arc_seal_conf_free(c);
	return -1;
}

arc_sealer *
arc_seal_conf_sealer(const arc_seal_conf *c, int64_t now, char *err,
    size_t errlen)
{
	arc_seal_options o;

	arc_seal_options_init(&o);
	o.domain = c->k.domain;
	o.selector = c->k.selector;
	o.key = c->key;
	o.now = now;
	o.max_header_bytes = c->max_header_bytes;
	o.headers = c->have_headers ? &c->headers : NULL;
	return arc_sealer_new(&o, err, errlen);
}

void
arc_seal_conf_free(arc_seal_conf *c)
{
	if (c == NULL)
		return;
	dkim_privkey_free(c->key);
	free(c);
}
