/*
 * tests/dkim/check_dkim_headers.c - the DKIM verifier's header store
 * (dkim/dkim_hdrs.c): bounded in bytes (name + value + 3 per field, the
 * milter's max_header_bytes), not in fields; a real signature passes with
 * 10,000 header fields; past the bound every signature (stored or only
 * counted) is policy with the bound in its reason; memory stays within
 * its stated multiple of the bound; and the indexed field selection
 * agrees with the plain RFC 6376 5.4.2 bottom-up scan.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dkim/dkim.h"
#include "dkim/dkim_hdrs_int.h"
#include "message/message.h"
#include "tests/lib/check_main.h"
#include "tests/lib/dnscheck.h"
#include "tests/lib/fnvnames.h"
#include "tests/lib/hsel_oracle.h"
#include "util/strbuf.h"

#define ZONE "tests/fixtures/verdict/verdict.zone"
#define SIGNED "tests/fixtures/verdict/dkim-example-com.eml"
#define SIGNED_T 1795873462   /* t= of that signature */

static const char *sig = " v=1; a=rsa-sha256; d=example.com; s=sel; h=From; "
    "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA";

static dkim_verifier *
verifier(size_t max_header_bytes)
{
	dkim_options o;

	dkim_options_init(&o);
	o.max_header_bytes = max_header_bytes;
	return dkim_verifier_new(NULL, &o);
}

static void
finish(dkim_verifier *v)
{
	ck_assert_int_eq(dkim_eoh(v), 0);
	ck_assert_int_eq(dkim_body(v, "hi\r\n", 4), 0);
	ck_assert_int_eq(dkim_eom(v), 0);
}

/* A header block of exactly the bound is evaluated; one octet more is not. */
START_TEST(bound_counts_wire_bytes)
{
	size_t wire = 14 + strlen(sig) + 3 + 4 + 14 + 3;
	dkim_verifier *v;
	const dkim_sigresult *r;
	char want[96];
	int over;

	for (over = 0; over <= 1; over++) {
		v = verifier(wire - (size_t)over);
		ck_assert_int_eq(dkim_header(v, "DKIM-Signature", 14, sig,
		    strlen(sig)), 0);
		ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
		finish(v);
		ck_assert_uint_eq(dkim_count(v), 1);
		r = dkim_result_at(v, 0);
		ck_assert_str_eq(r->d, "example.com");
		if (!over) {
			/* evaluated: the key lookup is all that is missing */
			ck_assert_int_eq(r->result, DKIM_TEMPERROR);
		} else {
			snprintf(want, sizeof(want), "header block over %zu bytes: "
			    "not evaluated", wire - 1);
			ck_assert_int_eq(r->result, DKIM_POLICY);
			ck_assert_str_eq(r->reason, want);
		}
		dkim_verifier_free(v);
	}
}
END_TEST

/* Signatures after the bound are counted and reported, not dropped:
 * a message never turns from signed into dkim=none by growing. */
START_TEST(signatures_past_bound_are_policy)
{
	dkim_verifier *v = verifier(4096);
	char filler[1000];
	size_t k;

	memset(filler, 'x', sizeof(filler));
	for (k = 0; k < 5; k++)
		ck_assert_int_eq(dkim_header(v, "X-Filler", 8, filler,
		    sizeof(filler)), 0);
	ck_assert_int_eq(dkim_header(v, "DKIM-Signature", 14, sig,
	    strlen(sig)), 0);
	ck_assert_int_eq(dkim_header(v, "dkim-signature ", 15, sig,
	    strlen(sig)), 0);
	ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
	finish(v);
	ck_assert_uint_eq(dkim_count(v), 2);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(dkim_result_at(v, k)->result, DKIM_POLICY);
		ck_assert_str_eq(dkim_result_at(v, k)->reason,
		    "header block over 4096 bytes: not evaluated");
	}
	dkim_verifier_free(v);
}
END_TEST

/* A field the caller could not pass (dkim_header_skipped): the header
 * block is incomplete, so no signature is evaluated, whether the field
 * came after a signature or was itself one (counted: policy, never
 * dkim=none); and only before the end of the headers. */
START_TEST(skipped_field_is_policy)
{
	static const char *const why = "a header field too big to be read: "
	    "not evaluated";
	dkim_verifier *v;
	size_t k;

	v = verifier(0);
	ck_assert_int_eq(dkim_header(v, "DKIM-Signature", 14, sig,
	    strlen(sig)), 0);
	ck_assert_int_eq(dkim_header_skipped(v, "X-Big", 5), 0);
	ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
	finish(v);
	ck_assert_uint_eq(dkim_count(v), 1);
	ck_assert_int_eq(dkim_result_at(v, 0)->result, DKIM_POLICY);
	ck_assert_str_eq(dkim_result_at(v, 0)->d, "example.com");
	ck_assert_str_eq(dkim_result_at(v, 0)->reason, why);
	ck_assert_int_eq(dkim_header_skipped(v, "X-Late", 6), -1);
	dkim_verifier_free(v);
	/* the skipped fields are the signatures */
	v = verifier(0);
	ck_assert_int_eq(dkim_header_skipped(v, "DKIM-Signature", 14), 0);
	ck_assert_int_eq(dkim_header_skipped(v, "dkim-signature ", 15), 0);
	ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
	finish(v);
	ck_assert_uint_eq(dkim_count(v), 2);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(dkim_result_at(v, k)->result, DKIM_POLICY);
		ck_assert_str_eq(dkim_result_at(v, k)->reason, why);
	}
	dkim_verifier_free(v);
}
END_TEST

/* 50,000 fields of 20 octets (1 MB): all kept, the signature evaluated. */
START_TEST(field_count_is_not_bounded)
{
	dkim_verifier *v = verifier(0);
	size_t k;

	ck_assert_int_eq(dkim_header(v, "DKIM-Signature", 14, sig,
	    strlen(sig)), 0);
	for (k = 0; k < 50000; k++)
		ck_assert_int_eq(dkim_header(v, "Received", 8, " by a.b", 7), 0);
	ck_assert_int_eq(dkim_header(v, "From", 4, " a@example.com", 14), 0);
	finish(v);
	ck_assert_uint_eq(dkim_count(v), 1);
	ck_assert_int_eq(dkim_result_at(v, 0)->result, DKIM_TEMPERROR);
	dkim_verifier_free(v);
}
END_TEST

/* The worst case for the store: the smallest fields there are. */
START_TEST(memory_bounded_by_bytes)
{
	dkim_hstore hs;
	size_t k, max = 1024 * 1024, mem;
	char value[64];

	for (k = 0; k < 2; k++) {
		size_t vlen = k == 0 ? 0 : sizeof(value);

		/* empty names and values, then values of bare LFs (doubled) */
		memset(value, '\n', sizeof(value));
		dkim_hs_init(&hs, max);
		while (dkim_hs_add(&hs, "", 0, value, vlen) == 0)
			;
		ck_assert(hs.overflow);
		ck_assert_uint_le(hs.wire, max);
		ck_assert_uint_gt(hs.wire + vlen + 3, max);
		mem = hs.arena.cap + hs.cap * sizeof(dkim_hfield);
		ck_assert_msg(mem <= 5 * max, "%zu bytes for a %zu-byte bound",
		    mem, max);
		dkim_hs_free(&hs);
	}
	/* over the hard limit: clamped */
	dkim_hs_init(&hs, (size_t)-1);
	ck_assert_uint_eq(hs.max, DKIM_MAX_HEADER_BYTES_LIMIT);
	dkim_hs_free(&hs);
}
END_TEST

START_TEST(selection_matches_plain_scan)
{
	static const char *const names[] = {
		"From", "from", "FROM ", "To", "Subject", "Received", "received\t",
		"X-A", "x-b", "Date",
	};
	static const char *const hnames[] = {
		"from", "to", "subject", "received", "x-a", "X-B", "date",
		"Message-ID", "cc",
	};
	enum { NFIELDS = 10000, NSIGS = 6, NH = 40 };
	dkim_hstore hs;
	dkim_hsel sel;
	unsigned char *used = calloc(NFIELDS, 1);
	const char *h[NSIGS][NH];
	unsigned seed = 7;
	size_t k, j, s;

	ck_assert_ptr_nonnull(used);
	dkim_hs_init(&hs, 1024 * 1024);
	for (k = 0; k < NFIELDS; k++) {
		const char *n;

		seed = seed * 1103515245u + 12345u;
		/* a few names everywhere, the others rare */
		n = names[(seed >> 16) % 40 < 30 ? 5 : (seed >> 16) % 10];
		ck_assert_int_eq(dkim_hs_add(&hs, n, strlen(n), " v", 2), 0);
	}
	ck_assert_int_eq(dkim_hsel_init(&sel, NSIGS * NH), 0);
	for (s = 0; s < NSIGS; s++)
		for (j = 0; j < NH; j++) {
			seed = seed * 1103515245u + 12345u;
			h[s][j] = hnames[(seed >> 16) % 9];
			ck_assert_int_eq(dkim_hsel_add(&sel, h[s][j],
			    strlen(h[s][j])), 0);
		}
	ck_assert_int_eq(dkim_hsel_scan(&sel, &hs), 0);
	for (s = 0; s < NSIGS; s++) {
		memset(used, 0, NFIELDS);
		dkim_hsel_begin(&sel);
		for (j = 0; j < NH; j++) {
			size_t len = strlen(h[s][j]);

			ck_assert_uint_eq(dkim_hsel_next(&sel, h[s][j], len),
			    hsel_oracle_next(&hs, used, h[s][j], len));
		}
	}
	ck_assert_uint_eq(dkim_hsel_next(&sel, "unknown", 7), DKIM_HSEL_NONE);
	dkim_hsel_free(&sel);
	dkim_hs_free(&hs);
	free(used);
}
END_TEST

/*
 * Names chosen to share one slot of the selector's table under FNV-1a
 * (its unkeyed hash until issue 11), found by trying names as a sender
 * can: 1,024 of them in h= (8 signatures of 128), 20,480 header fields
 * named with 1,024 others. Unkeyed, every field's lookup walked the
 * whole cluster (about 1,000 slots each); keyed, a few.
 */
START_TEST(selection_resists_chosen_names)
{
	enum { NNAMES = 1024, NFIELDS = 20480, SLOTS = 2048 };
	static char names[2 * NNAMES][FNVNAMES_LEN];
	dkim_hstore hs;
	dkim_hsel sel;
	size_t k, lookups;

	fnvnames_make(names, 2 * NNAMES, SLOTS - 1);
	ck_assert_int_eq(dkim_hsel_init(&sel, NNAMES), 0);
	ck_assert_uint_eq(sel.nslots, SLOTS);
	for (k = 0; k < NNAMES; k++)
		ck_assert_int_eq(dkim_hsel_add(&sel, names[k],
		    strlen(names[k])), 0);
	dkim_hs_init(&hs, 1024 * 1024);
	for (k = 0; k < NFIELDS; k++) {
		const char *n = names[NNAMES + k % NNAMES];

		ck_assert_int_eq(dkim_hs_add(&hs, n, strlen(n), " v", 2), 0);
	}
	sel.probes = 0;
	ck_assert_int_eq(dkim_hsel_scan(&sel, &hs), 0);
	dkim_hsel_begin(&sel);
	for (k = 0; k < NNAMES; k++)
		ck_assert_uint_eq(dkim_hsel_next(&sel, names[k],
		    strlen(names[k])), DKIM_HSEL_NONE);
	lookups = NFIELDS + NNAMES;
	ck_assert_msg(sel.probes < 8 * lookups, "%zu slots looked at for %zu "
	    "lookups", sel.probes, lookups);
	dkim_hsel_free(&sel);
	dkim_hs_free(&hs);
}
END_TEST

/* A real signature with 10,000 unsigned fields around its signed ones. */
START_TEST(signature_passes_with_10000_fields)
{
	FILE *fp = fopen(SIGNED, "rb");
	strbuf text;
	char buf[4096], err[256];
	size_t n, k, eoh;
	dns_resolver *r;
	dkim_options o;
	dkim_verifier *v;
	int round;

	ck_assert_ptr_nonnull(fp);
	sb_init(&text);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		for (k = 0; k < n; k++)  /* LF line ends: msgparse takes both */
			if (buf[k] != '\r')
				sb_putc(&text, buf[k]);
	fclose(fp);
	r = dnscheck_resolver(ZONE, 0);
	ck_assert_ptr_nonnull(strstr(text.s, "\n\n"));
	eoh = (size_t)(strstr(text.s, "\n\n") - text.s) + 1;
	for (round = 0; round < 2; round++) {
		strbuf big;

		sb_init(&big);
		/* Received fields above, X- fields between signed and body */
		for (k = 0; k < 5000; k++)
			sb_printf(&big, "Received: from h%zu.example by mx\n", k);
		sb_append(&big, text.s, eoh);
		for (k = 0; k < 5000; k++)
			sb_printf(&big, "X-Filler-%zu: %zu\n", k % 7, k);
		if (round == 1)  /* a second To: the signed one is the last */
			sb_puts(&big, "To: mallory@example.net\n");
		sb_append(&big, text.s + eoh, text.len - eoh);
		ck_assert(!big.failed);
		dkim_options_init(&o);
		o.now = SIGNED_T + 60;
		v = dkim_verifier_new(r, &o);
		ck_assert_int_eq(dkim_msg_verify(v, big.s, big.len, err,
		    sizeof(err)), 0);
		ck_assert_uint_eq(dkim_count(v), 1);
		ck_assert_msg(dkim_result_at(v, 0)->result ==
		    (round == 0 ? DKIM_PASS : DKIM_FAIL), "round %d: %s %s", round,
		    dkim_result_name(dkim_result_at(v, 0)->result),
		    dkim_result_at(v, 0)->reason);
		dkim_verifier_free(v);
		sb_free(&big);
	}
	dns_resolver_free(r);
	sb_free(&text);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dkim_headers");
	TCase *tc = tcase_create("all");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, bound_counts_wire_bytes);
	tcase_add_test(tc, signatures_past_bound_are_policy);
	tcase_add_test(tc, skipped_field_is_policy);
	tcase_add_test(tc, field_count_is_not_bounded);
	tcase_add_test(tc, memory_bounded_by_bytes);
	tcase_add_test(tc, selection_matches_plain_scan);
	tcase_add_test(tc, selection_resists_chosen_names);
	tcase_add_test(tc, signature_passes_with_10000_fields);
	suite_add_tcase(s, tc);
	return s;
}
