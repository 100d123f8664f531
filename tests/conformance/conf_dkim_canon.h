/*
 * tests/conformance/conf_dkim_canon.h - the canonicalization suite of
 * conf_dkim.c ("dkim/canonicalization"): run_canon() puts the header,
 * body and whole-message vectors through dkim/dkim_canon.c (bodies whole
 * and in pieces of 1, 2, 3 and 7 octets, with their SHA-256) and compares
 * the result with the published canonical form. Included by
 * tests/conformance/conf_dkim.c only, after its suite helpers: the
 * Makefile builds each runner from its one .c file.
 */

static void
collect(void *arg, const void *p, size_t n)
{
	sb_append(arg, p, n);
}

/* Canonical body of in[0..n) fed in pieces of `chunk` octets (0: whole). */
static void
canon_body(int relaxed, const char *in, size_t n, size_t chunk, strbuf *out)
{
	dkim_bodycanon bc;
	size_t i;

	dkim_bodycanon_init(&bc, relaxed, collect, out);
	if (chunk == 0)
		chunk = n ? n : 1;
	for (i = 0; i < n; i += chunk)
		dkim_bodycanon_update(&bc, in + i, n - i < chunk ? n - i : chunk);
	dkim_bodycanon_final(&bc);
}

static int
body_ok(int relaxed, const char *in, size_t n, const char *want, size_t wlen,
    const char *bh64)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 7 };
	size_t c;

	for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		strbuf out;
		int ok;

		sb_init(&out);
		canon_body(relaxed, in, n, chunks[c], &out);
		ok = out.len == wlen && memcmp(out.s, want, wlen) == 0;
		if (ok && bh64 != NULL) {
			unsigned char md[32], exp[40];
			size_t el;

			EVP_Digest(out.s, out.len, md, NULL, EVP_sha256(), NULL);
			ok = base64_decode(bh64, strlen(bh64), exp, sizeof(exp),
			    &el) == 0 && el == 32 && memcmp(md, exp, 32) == 0;
		}
		sb_free(&out);
		if (!ok)
			return 0;
	}
	return 1;
}

static int
header_ok(int relaxed, const char *field, size_t len, strbuf *out)
{
	const char *colon = memchr(field, ':', len);
	size_t vlen;

	if (colon == NULL)
		return 0;
	vlen = len - (size_t)(colon + 1 - field);
	if (vlen >= 2 && colon[vlen - 1] == '\r' && colon[vlen] == '\n')
		vlen -= 2;
	return dkim_canon_header(out, relaxed, field, (size_t)(colon - field),
	    colon + 1, vlen, 1) == 0;
}

static void
run_canon(json_t *c)
{
	suite s = { "canonicalization", 0, 0 };
	json_t *v;
	size_t k;

	json_array_foreach(json_object_get(c, "header_vectors"), k, v) {
		json_t *in = json_object_get(v, "input"), *ex = json_object_get(v, "expected");
		int relaxed = strcmp(json_string_value(json_object_get(v,
		    "algorithm")), "relaxed") == 0;
		strbuf out;
		int ok;

		sb_init(&out);
		ok = header_ok(relaxed, json_string_value(in), json_string_length(in),
		    &out) && out.len == json_string_length(ex) &&
		    memcmp(out.s, json_string_value(ex), out.len) == 0;
		outcome(&s, ok, json_string_value(json_object_get(v, "id")), NULL,
		    out.s, json_string_value(ex));
		sb_free(&out);
	}
	json_array_foreach(json_object_get(c, "body_vectors"), k, v) {
		json_t *in = json_object_get(v, "input"), *ex = json_object_get(v, "expected");
		int relaxed = strcmp(json_string_value(json_object_get(v,
		    "algorithm")), "relaxed") == 0;

		outcome(&s, body_ok(relaxed, json_string_value(in),
		    json_string_length(in), json_string_value(ex),
		    json_string_length(ex), json_string_value(json_object_get(v,
		    "expected_sha256_b64"))), json_string_value(json_object_get(v,
		    "id")), NULL, "(other body)", json_string_value(ex));
	}
	json_array_foreach(json_object_get(c, "message_vectors"), k, v) {
		json_t *mj = json_object_get(v, "message");
		json_t *eh = json_object_get(v, "expected_header");
		json_t *eb = json_object_get(v, "expected_body");
		const char *m = json_string_value(mj);
		size_t n = json_string_length(mj), i = 0, st;
		int hr = strcmp(json_string_value(json_object_get(v,
		    "header_algorithm")), "relaxed") == 0;
		int br = strcmp(json_string_value(json_object_get(v,
		    "body_algorithm")), "relaxed") == 0;
		strbuf hdr;
		int ok = 1;

		sb_init(&hdr);
		/* fields: up to the CRLF not followed by WSP; stop at the empty line */
		while (i + 1 < n && !(m[i] == '\r' && m[i + 1] == '\n')) {
			st = i;
			while (i + 1 < n && !(m[i] == '\r' && m[i + 1] == '\n' &&
			    (i + 2 >= n || (m[i + 2] != ' ' && m[i + 2] != '\t'))))
				i++;
			i += 2;
			ok &= header_ok(hr, m + st, i - st, &hdr);
		}
		i += 2;
		ok &= hdr.len == json_string_length(eh) &&
		    memcmp(hdr.s, json_string_value(eh), hdr.len) == 0;
		ok &= body_ok(br, m + i, n - i, json_string_value(eb),
		    json_string_length(eb), json_string_value(json_object_get(v,
		    "expected_body_sha256_b64")));
		outcome(&s, ok, json_string_value(json_object_get(v, "id")), NULL,
		    "(other)", "(vector)");
		sb_free(&hdr);
	}
	json_array_foreach(json_object_get(c, "c_tag_vectors"), k, v) {
		json_t *cj = json_object_get(v, "c");
		const char *wh = json_string_value(json_object_get(v, "header"));
		const char *wb = json_string_value(json_object_get(v, "body"));
		strbuf sig;
		dkim_sig *ds = malloc(sizeof(*ds));
		char err[160];
		int rc, ok;

		sb_init(&sig);
		sb_puts(&sig, " v=1; a=rsa-sha256; d=example.com; s=sel; "
		    "h=from; bh=AAAA; b=AAAA");
		if (json_is_string(cj))
			sb_printf(&sig, "; c=%s", json_string_value(cj));
		rc = dkim_sig_parse(ds, sig.s, sig.len, err, sizeof(err));
		if (wh == NULL)
			ok = rc < 0;
		else
			ok = rc == 0 && ds->hdr_relaxed == (strcmp(wh, "relaxed") == 0) &&
			    ds->body_relaxed == (strcmp(wb, "relaxed") == 0);
		outcome(&s, ok, json_is_string(cj) ? json_string_value(cj) : "(none)",
		    NULL, rc < 0 ? err : ds->c, wh ? wh : "error");
		free(ds);
		sb_free(&sig);
	}
	suite_end(&s);
}
