/*
 * tests/conformance/conf_arc_sign.c - the ValiMail ARC signing suite
 * (arc/arc-draft-sign-tests.json) through the sealer of dkim/arc.h, fed
 * by message/arc_msg.c's arc_msg_seal() (the code `authmilter arc --seal`
 * runs): each scenario's key, d=, s=, t=, header list and authserv-id;
 * the chain validated with real libunbound serving the scenario's TXT
 * records; the AAR copied from the message's Authentication-Results of
 * that authserv-id. Expected fields are compared tag by tag (names, order,
 * values with folding white space removed: RSA PKCS#1 v1.5 signatures are
 * deterministic, so equal b= values mean the same bytes were signed);
 * the AAR with white space runs made one space (what the seal hashes,
 * relaxed). Expected empty fields: no set is added. The vectors were made
 * by dkimpy's "standardize" mode (tags sorted, every field on one line):
 * the sealer's fold = 0. Prints "arc-signing: N passed, N failed"; exit
 * 77 when the suite is absent.
 *
 * One input repaired (said at the start of the run): the scenarios' key
 * records are YAML text broken by bare LFs inside p=; a line break in a
 * tag list must be CRLF followed by WSP (RFC 6376 3.2 FWS), so no
 * verifier need accept them (dkimpy deletes all white space first). The
 * LFs are removed before the records are served.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dkim/arc.h"
#include "message/message.h"
#include "tests/lib/test_exit.h"
#include "tests/lib/testzone.h"
#include "util/taglist.h"

#define MAX_TAGS 16

static int
fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* s with white space runs made one space, trimmed. */
static void
squeeze(const char *s, size_t n, strbuf *out)
{
	size_t k;
	int sp = 0;

	for (k = 0; k < n; k++) {
		if (fws(s[k])) {
			sp = out->len > 0;
			continue;
		}
		if (sp)
			sb_putc(out, ' ');
		sp = 0;
		sb_putc(out, s[k]);
	}
}

/* The value of field `name` in the fields text (NULL: absent). */
static const char *
field(const char *fields, const char *name, size_t *len)
{
	size_t nl = strlen(name);
	const char *p = fields, *e;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			for (e = p; *e != '\0' && !(e[0] == '\r' && e[1] ==
			    '\n' && e[2] != ' ' && e[2] != '\t'); e++)
				;
			*len = (size_t)(e - p);
			return p;
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

/* Tag lists equal: names in order, values without FWS. */
static int
same_tags(const char *a, size_t al, const char *b, size_t bl, char *why,
    size_t wl)
{
	taglist_tag ta[MAX_TAGS], tb[MAX_TAGS];
	size_t na, nb, k;
	char err[128];
	strbuf sa, sbb;
	int rc = 1;

	/* the suite's YAML lines end in LF alone: white space first */
	sb_init(&sa);
	sb_init(&sbb);
	squeeze(a, al, &sa);
	squeeze(b, bl, &sbb);
	if (sa.s == NULL || sbb.s == NULL ||
	    taglist_parse(sa.s, sa.len, 0, ta, MAX_TAGS, &na, err,
	    sizeof(err)) < 0 || taglist_parse(sbb.s, sbb.len, 0, tb, MAX_TAGS,
	    &nb, err, sizeof(err)) < 0) {
		snprintf(why, wl, "tag list: %s", sa.s && sbb.s ? err : "empty");
		rc = 0;
	} else if (na != nb) {
		snprintf(why, wl, "%zu tags, want %zu", na, nb);
		rc = 0;
	}
	for (k = 0; rc && k < na; k++) {
		strbuf va, vb;
		int eq;

		sb_init(&va);
		sb_init(&vb);
		squeeze(ta[k].value, ta[k].value_len, &va);
		squeeze(tb[k].value, tb[k].value_len, &vb);
		/* FWS inside b=, bh=, h= is not part of the value */
		eq = ta[k].name_len == tb[k].name_len &&
		    memcmp(ta[k].name, tb[k].name, ta[k].name_len) == 0;
		if (eq) {
			size_t i, j = 0;

			for (i = 0; i < va.len; i++)
				if (va.s[i] != ' ')
					va.s[j++] = va.s[i];
			va.len = j;
			for (i = j = 0; i < vb.len; i++)
				if (vb.s[i] != ' ')
					vb.s[j++] = vb.s[i];
			vb.len = j;
			eq = va.len == vb.len && memcmp(va.s, vb.s, va.len) == 0;
		}
		if (!eq)
			snprintf(why, wl, "tag %zu: %.*s=%.*s, want %.*s=%.*s",
			    k + 1, (int)ta[k].name_len, ta[k].name,
			    (int)(va.len > 60 ? 60 : va.len), va.s ? va.s : "",
			    (int)tb[k].name_len, tb[k].name,
			    (int)(vb.len > 60 ? 60 : vb.len), vb.s ? vb.s : "");
		sb_free(&va);
		sb_free(&vb);
		rc = eq;
	}
	sb_free(&sa);
	sb_free(&sbb);
	return rc;
}

static int
same_aar(const char *a, size_t al, const char *b, size_t bl, char *why,
    size_t wl)
{
	strbuf x, y;
	int eq;

	sb_init(&x);
	sb_init(&y);
	squeeze(a, al, &x);
	squeeze(b, bl, &y);
	eq = x.len == y.len && memcmp(x.s, y.s, x.len) == 0;
	if (!eq)
		snprintf(why, wl, "AAR '%s', want '%s'", x.s ? x.s : "",
		    y.s ? y.s : "");
	sb_free(&x);
	sb_free(&y);
	return eq;
}

/* One test: 1 passed, 0 failed (why says how). */
static int
run_test(json_t *t, dns_resolver *r, dkim_keycache *kc,
    const dkim_privkey *key, const char *domain, const char *sel, char *why,
    size_t wl)
{
	const char *text = json_string_value(json_object_get(t, "message"));
	const char *hl = json_string_value(json_object_get(t, "sig-headers"));
	const char *srv = json_string_value(json_object_get(t, "srv-id"));
	const char *want[3] = {
		json_string_value(json_object_get(t, "AS")),
		json_string_value(json_object_get(t, "AMS")),
		json_string_value(json_object_get(t, "AAR")),
	};
	static const char *const names[3] = {
		"ARC-Seal", "ARC-Message-Signature",
		"ARC-Authentication-Results",
	};
	dkim_sign_headers list;
	arc_seal_options so;
	dkim_options o;
	arc_verifier *v;
	arc_sealer *s;
	strbuf out;
	char err[256];
	int rc, ok = 0, k, expect_none;

	if (text == NULL || hl == NULL || srv == NULL || want[0] == NULL ||
	    want[1] == NULL || want[2] == NULL) {
		snprintf(why, wl, "malformed test");
		return 0;
	}
	expect_none = want[0][0] == '\0' && want[1][0] == '\0' &&
	    want[2][0] == '\0';
	if (dkim_sign_headers_parse(hl, &list, err, sizeof(err)) < 0) {
		snprintf(why, wl, "sig-headers: %s", err);
		return 0;
	}
	dkim_options_init(&o);
	o.keycache = kc;
	o.min_rsa_bits = 1024;
	arc_seal_options_init(&so);
	so.domain = domain;
	so.selector = sel;
	so.key = key;
	so.headers = &list;
	so.oversign = 0;
	so.fold = 0;
	so.now = (int64_t)json_integer_value(json_object_get(t, "t"));
	v = arc_verifier_new(r, &o);
	s = arc_sealer_new(&so, err, sizeof(err));
	if (v == NULL || s == NULL) {
		snprintf(why, wl, "sealer: %s", s == NULL ? err : "verifier");
		arc_verifier_free(v);
		arc_sealer_free(s);
		return 0;
	}
	sb_init(&out);
	rc = arc_msg_seal(v, s, text, strlen(text), srv, NULL, &out, err,
	    sizeof(err));
	if (getenv("CONF_ARC_VERBOSE") != NULL)
		printf("%s(%s)\n", out.s ? out.s : "", err);
	if (rc < 0) {
		snprintf(why, wl, "%s", err);
	} else if (expect_none || rc == 0) {
		ok = expect_none && rc == 0;
		if (!ok)
			snprintf(why, wl, expect_none ? "sealed, want no set" :
			    "not sealed (%s)", err);
	} else {
		ok = 1;
		for (k = 0; k < 3 && ok; k++) {
			size_t fl;
			const char *f = field(out.s, names[k], &fl);

			if (f == NULL) {
				snprintf(why, wl, "no %s", names[k]);
				ok = 0;
			} else if (k < 2) {
				ok = same_tags(f, fl, want[k], strlen(want[k]),
				    why, wl);
			} else {
				ok = same_aar(f, fl, want[k], strlen(want[k]),
				    why, wl);
			}
			if (!ok && k < 2) {
				size_t n = strlen(why);

				snprintf(why + n, wl - n, " (%s)", names[k]);
			}
		}
	}
	sb_free(&out);
	arc_verifier_free(v);
	arc_sealer_free(s);
	return ok;
}

int
main(int argc, char **argv)
{
	char path[1024], zpath[256], err[256], why[512];
	json_t *j, *sc, *t, *rv;
	json_error_t je;
	size_t si;
	unsigned passed = 0, failed = 0;
	dkim_keycache *kc;

	if (argc < 2) {
		fprintf(stderr, "usage: conf_arc_sign CONFORMANCE-DIR\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/arc/arc-draft-sign-tests.json",
	    argv[1]);
	if (access(path, R_OK) != 0) {
		printf("arc-signing: skipped (%s absent)\n", path);
		return TEST_EXIT_SKIP;
	}
	if ((j = json_load_file(path, 0, &je)) == NULL) {
		printf("arc-signing: cannot load %s: %s\n", path, je.text);
		return 1;
	}
	printf("arc-signing: key records served without the bare LFs of the "
	    "suite's YAML (not FWS, RFC 6376 3.2)\n");
	kc = dkim_keycache_new(0);
	json_array_foreach(j, si, sc) {
		const char *name, *pem = json_string_value(json_object_get(sc,
		    "privatekey"));
		const char *domain = json_string_value(json_object_get(sc,
		    "domain"));
		const char *sel = json_string_value(json_object_get(sc, "sel"));
		FILE *fp = testzone_create(zpath, sizeof(zpath), "conf_arc_sign");
		dkim_privkey *key;
		dns_resolver *r;

		if (fp == NULL || pem == NULL || domain == NULL || sel == NULL)
			return 1;
		json_object_foreach(json_object_get(sc, "txt-records"), name,
		    rv) {
			const char *txt = json_string_value(rv);
			size_t k, n = 0, tl = json_string_length(rv);
			char *clean = malloc(tl + 1);

			if (clean == NULL || txt == NULL)
				return 1;
			for (k = 0; k < tl; k++)
				if (txt[k] != '\n')
					clean[n++] = txt[k];
			testzone_txt(fp, name, clean, n);
			free(clean);
		}
		fclose(fp);
		if ((r = testzone_resolver(zpath, 2000, err, sizeof(err))) ==
		    NULL) {
			printf("  resolver: %s\n", err);
			return 1;
		}
		if ((key = dkim_privkey_parse(pem, strlen(pem), err,
		    sizeof(err))) == NULL) {
			printf("  key of '%s': %s\n", json_string_value(
			    json_object_get(sc, "description")), err);
			return 1;
		}
		json_object_foreach(json_object_get(sc, "tests"), name, t) {
			if (run_test(t, r, kc, key, domain, sel, why,
			    sizeof(why))) {
				passed++;
				if (getenv("CONF_ARC_VERBOSE") != NULL)
					printf("  %s: ok\n", name);
			} else {
				failed++;
				printf("  FAIL %s: %s\n", name, why);
			}
		}
		dkim_privkey_free(key);
		dns_resolver_free(r);
		unlink(zpath);
	}
	printf("arc-signing: %u passed, %u failed\n", passed, failed);
	json_decref(j);
	dkim_keycache_free(kc);
	return failed ? 1 : 0;
}
