/*
 * tests/dmarc/check_dmarc_uri.c - report destinations (dmarc/uri.c): a rua
 * mailto: URI names exactly one RFC 5321 mailbox (percent-decoded) or is
 * refused with a reason that does not echo it; the !size suffix; URI
 * lists in a record, where refused URIs are dropped (and a record whose
 * only rua is refused has no valid rua).
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "dmarc/dmarc.h"
#include "tests/lib/check_main.h"

static char why[256];

static int
mailto(const char *uri, dmarc_mailbox *mb)
{
	memset(mb, 0x55, sizeof(*mb));
	return dmarc_mailto_parse(uri, strlen(uri), mb, why, sizeof(why));
}

/* uri is refused, with a reason holding want, and the outputs untouched */
static void
refused(const char *uri, const char *want)
{
	dmarc_mailbox mb, untouched;
	dmarc_uri u, u0;

	memset(&untouched, 0x55, sizeof(untouched));
	ck_assert_msg(mailto(uri, &mb) == -1, "%s accepted", uri);
	ck_assert_msg(memcmp(&mb, &untouched, sizeof(mb)) == 0,
	    "%s: mailbox filled on failure", uri);
	ck_assert_msg(strstr(why, want) != NULL, "%s: '%s' lacks '%s'", uri,
	    why, want);
	ck_assert_msg(strstr(why, "victim") == NULL, "why echoes: %s", why);
	memset(&u, 0x55, sizeof(u));
	u0 = u;
	ck_assert_int_eq(dmarc_uri_parse(uri, strlen(uri), &u, why,
	    sizeof(why)), -1);
	ck_assert(why[0] != '\0');
	ck_assert_msg(memcmp(&u, &u0, sizeof(u)) == 0, "%s: uri filled on "
	    "failure", uri);
}

static void
accepted(const char *uri, const char *addr, const char *domain)
{
	dmarc_mailbox mb;
	dmarc_uri u;

	ck_assert_msg(mailto(uri, &mb) == 0, "%s: %s", uri, why);
	ck_assert_str_eq(mb.addr, addr);
	ck_assert_str_eq(mb.domain, domain);
	ck_assert_int_eq(dmarc_uri_parse(uri, strlen(uri), &u, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(u.mailto, 1);
	ck_assert_str_eq(u.uri, uri);
	ck_assert(u.max_size == 0);
}

START_TEST(good_uris)
{
	accepted("mailto:dmarc@example.com", "dmarc@example.com",
	    "example.com");
	/* the scheme and the domain are case-insensitive; the local-part
	 * is kept as it is */
	accepted("MAILTO:Dmarc@Reports.Example.COM", "Dmarc@reports.example.com",
	    "reports.example.com");
	/* percent-encoding decoded (RFC 3986 2.1, RFC 6068 2) */
	accepted("mailto:dmarc%2Breports@example.com",
	    "dmarc+reports@example.com", "example.com");
	accepted("mailto:%64mar%63@ex%61mple.com", "dmarc@example.com",
	    "example.com");
	/* header fields that add no recipient are ignored */
	accepted("mailto:a.b-c_d@sub.example.co.uk?subject=DMARC%20report&body=x",
	    "a.b-c_d@sub.example.co.uk", "sub.example.co.uk");
	accepted("mailto:rua@example.com?", "rua@example.com", "example.com");
	/* looks like a sendmail option, is a valid mailbox: handed over
	 * after "--" as a recipient */
	accepted("mailto:-oQ%2Ftmp%2Fx@example.com", "-oQ/tmp/x@example.com",
	    "example.com");
	accepted("mailto:x@123.example", "x@123.example", "123.example");
}
END_TEST

START_TEST(the_attack_and_other_redirections)
{
	/* issue 11: the host after the last '@' is the policy domain, a
	 * mailer sees a comment after other.example */
	refused("mailto:victim@other.example(@attacker.example",
	    "more than one '@'");
	refused("mailto:victim@other.example(comment)",
	    "octet 0x28 at offset 20 is not allowed in a domain");
	refused("mailto:victim%40other.example@attacker.example",
	    "more than one '@'");
	refused("mailto:victim@other.example%3F@attacker.example",
	    "more than one '@'");
	refused("mailto:rua@attacker.example%2Cvictim@other.example",
	    "several addresses");
	refused("mailto:rua@attacker.example?cc=victim@other.example",
	    "header field 'cc' would add recipients");
	refused("mailto:rua@attacker.example?subject=x&To=victim@other.example",
	    "header field 'to' would add recipients");
	refused("mailto:rua@attacker.example?%62cc=victim@other.example",
	    "header field 'bcc' would add recipients");
	refused("mailto:?to=victim@other.example", "no address in the URI path");
	refused("mailto:victim%25other.example@attacker.example",
	    "'%' in the local-part");
	refused("mailto:other.example%21victim@attacker.example",
	    "'!' in the local-part");
	refused("mailto:%22victim@other.example%22@attacker.example",
	    "quoted local-part");
	refused("mailto:%22victim%22@attacker.example", "quoted local-part");
	refused("mailto:rua@[192.0.2.1]", "address literal");
	refused("mailto:rua@attacker.example%0Abcc:victim@other.example",
	    "control, blank or non-ASCII octet 0x0a");
	refused("mailto:rua@attacker.example%00.victim.example",
	    "control, blank or non-ASCII octet 0x00");
}
END_TEST

START_TEST(malformed_mailboxes)
{
	char s[512];

	refused("mailto:", "no address");
	refused("mailto:rua", "no '@'");
	refused("mailto:@example.com", "empty local-part");
	refused("mailto:rua@", "empty domain");
	refused("mailto:rua@localhost", "not fully qualified");
	refused("mailto:rua@-x.example", "starting with '-'");
	refused("mailto:rua@x-.example", "ending in '-'");
	refused("mailto:rua@x..example", "empty label");
	refused("mailto:rua@x.example.", "empty label");
	refused("mailto:rua@x_y.example", "not allowed in a domain");
	refused("mailto:.rua@example.com", "dot-string");
	refused("mailto:rua.@example.com", "dot-string");
	refused("mailto:r..ua@example.com", "dot-string");
	refused("mailto:r%C3%A9@example.com", "non-ASCII octet 0xc3");
	refused("mailto:r%20a@example.com", "blank");
	refused("mailto:r%zz@example.com", "bad percent-encoding");
	refused("mailto:r@example.co%4", "bad percent-encoding");
	refused("mailto:rua@example.com#top", "fragment");
	refused("mailto:rua@example.com?subject", "without '='");
	refused("mailto:rua@example.com?subject=%G0", "bad percent-encoding");
	{
		dmarc_mailbox mb;

		ck_assert_int_eq(mailto("https://example.com/rua", &mb), -1);
		ck_assert_str_eq(why, "not a mailto: URI");
	}
	/* RFC 5321 4.5.3.1.1: 64 octets of local-part at most */
	snprintf(s, sizeof(s), "mailto:%064d@example.com", 0);
	accepted(s, s + 7, "example.com");
	snprintf(s, sizeof(s), "mailto:%065d@example.com", 0);
	refused(s, "local-part longer than 64");
	/* RFC 1035 2.3.4: 63 octets a label */
	snprintf(s, sizeof(s), "mailto:a@%063d.example", 0);
	accepted(s, s + 7, s + 9);
	snprintf(s, sizeof(s), "mailto:a@%064d.example", 0);
	refused(s, "label longer than 63");
	/* read left to right: an octet not allowed among a label's first
	 * 64 is named, after them the label's length is */
	snprintf(s, sizeof(s), "mailto:a@%062d_.example", 0);
	refused(s, "octet 0x5f at offset 64 is not allowed in a domain");
	snprintf(s, sizeof(s), "mailto:a@%063d_.example", 0);
	refused(s, "octet 0x5f at offset 65 is not allowed in a domain");
	snprintf(s, sizeof(s), "mailto:a@%064d_.example", 0);
	refused(s, "label longer than 63");
	snprintf(s, sizeof(s), "mailto:a@x.%064d-.example", 0);
	refused(s, "label longer than 63");
	refused("mailto:a@x-.-y.example", "ending in '-'");
	refused("mailto:a@-x.y-.example", "starting with '-'");
	refused("mailto:a@x..y_.example", "empty label");
	refused("mailto:a@x.y_..example", "octet 0x5f at offset 5");
	/* the URI bound (DMARC_MAX_URI_LEN) */
	snprintf(s, sizeof(s), "mailto:a@%0200d.%060d.example", 0, 0);
	refused(s, "longer than 255");
}
END_TEST

START_TEST(mailbox_alone)
{
	dmarc_mailbox mb;

	ck_assert_int_eq(dmarc_mailbox_parse("dmarc@MX.Example", 16, &mb, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(mb.addr, "dmarc@mx.example");
	/* no percent-decoding here: '%' is refused as a source route */
	ck_assert_int_eq(dmarc_mailbox_parse("a%2Bb@mx.example", 16, &mb, why,
	    sizeof(why)), -1);
	/* length given, NUL inside: refused, not cut */
	ck_assert_int_eq(dmarc_mailbox_parse("a@b.example\0@c.example", 23,
	    &mb, why, sizeof(why)), -1);
	ck_assert_int_eq(dmarc_mailbox_parse("", 0, &mb, why, sizeof(why)), -1);
	ck_assert_int_eq(dmarc_mailbox_parse("x@y.example(@z.example", 22, &mb,
	    NULL, 0), -1);
}
END_TEST

START_TEST(size_suffix)
{
	dmarc_uri u;
	const char *s;

	s = "mailto:a@example.com!10m";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), 0);
	ck_assert_str_eq(u.uri, "mailto:a@example.com");
	ck_assert(u.max_size == 10ull * 1024 * 1024);
	s = "mailto:a@example.com!2048";   /* as the store keeps it */
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), 0);
	ck_assert(u.max_size == 2048);
	s = "mailto:a@example.com!1T";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), 0);
	ck_assert(u.max_size == 1024ull * 1024 * 1024 * 1024);
	s = "mailto:a@example.com!";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), -1);
	ck_assert(strstr(why, "bad size") != NULL);
	s = "mailto:a@example.com!10x";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), -1);
	s = "mailto:a@example.com!99999999999999999999t";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), -1);
	/* a '!' in the address must be encoded: the first '!' starts the size */
	s = "mailto:a!b@example.com";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), -1);
	/* other schemes: URI syntax only (RFC 3986 characters) */
	s = "https://example.com/r?x=1!5k";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), 0);
	ck_assert_int_eq(u.mailto, 0);
	ck_assert(u.max_size == 5 * 1024);
	s = "https://example.com/{r}";
	ck_assert_int_eq(dmarc_uri_parse(s, strlen(s), &u, why, sizeof(why)), -1);
}
END_TEST

START_TEST(lists_in_a_record)
{
	dmarc_record r;
	char w[160];
	const char *rec = "v=DMARC1; p=none; rua="
	    "mailto:victim@other.example(@attacker.example, "
	    "mailto:ok@attacker.example!1k, "
	    "mailto:rua@attacker.example?cc=victim@other.example,"
	    "mailto:victim%40other.example@attacker.example,"
	    "mailto:second%2Bx@Attacker.Example";

	ck_assert_int_eq(dmarc_record_parse(rec, strlen(rec),
	    DMARC_MODE_RFC9989, &r, w, sizeof(w)), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.nrua, 2);
	ck_assert_str_eq(r.rua[0].uri, "mailto:ok@attacker.example");
	ck_assert(r.rua[0].max_size == 1024);
	ck_assert_str_eq(r.rua[1].uri, "mailto:second%2Bx@Attacker.Example");
	/* RFC 9989 4.10.1: an invalid p with no valid rua: no DMARC; the
	 * attack URI is no valid rua */
	rec = "v=DMARC1; p=bogus; rua=mailto:victim@other.example(@attacker.example";
	ck_assert_int_eq(dmarc_record_parse(rec, strlen(rec),
	    DMARC_MODE_RFC9989, &r, w, sizeof(w)), DMARC_RECORD_UNUSABLE);
	ck_assert_uint_eq(r.nrua, 0);
	/* a refused rua never weakens a valid policy (fail closed): p and
	 * sp stand, in both modes, with no rua left */
	rec = "v=DMARC1; p=reject; sp=quarantine; "
	    "rua=mailto:victim@other.example(@attacker.example,"
	    "mailto:a@attacker.example?cc=victim@other.example";
	ck_assert_int_eq(dmarc_record_parse(rec, strlen(rec),
	    DMARC_MODE_RFC9989, &r, w, sizeof(w)), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.nrua, 0);
	ck_assert(r.invalid & DMARC_TAG_RUA);
	ck_assert_int_eq(r.p, DMARC_P_REJECT);
	ck_assert_int_eq(r.sp, DMARC_P_QUARANTINE);
	ck_assert(!r.p_implied);
	ck_assert_int_eq(dmarc_record_parse(rec, strlen(rec),
	    DMARC_MODE_RFC7489, &r, w, sizeof(w)), DMARC_RECORD_OK);
	ck_assert_int_eq(r.p, DMARC_P_REJECT);
	ck_assert_int_eq(r.sp, DMARC_P_QUARANTINE);
	/* ruf follows the same rule */
	rec = "v=DMARC1; p=none; ruf=mailto:a@b.example?bcc=c@d.example";
	ck_assert_int_eq(dmarc_record_parse(rec, strlen(rec),
	    DMARC_MODE_RFC9989, &r, w, sizeof(w)), DMARC_RECORD_OK);
	ck_assert_uint_eq(r.nruf, 0);
	ck_assert(r.invalid & DMARC_TAG_RUF);
}
END_TEST

Suite *
check_suite(void)
{
	Suite *s = suite_create("dmarc_uri");
	TCase *tc = tcase_create("uri");

	tcase_add_test(tc, good_uris);
	tcase_add_test(tc, the_attack_and_other_redirections);
	tcase_add_test(tc, malformed_mailboxes);
	tcase_add_test(tc, mailbox_alone);
	tcase_add_test(tc, size_suffix);
	tcase_add_test(tc, lists_in_a_record);
	suite_add_tcase(s, tc);
	return s;
}
